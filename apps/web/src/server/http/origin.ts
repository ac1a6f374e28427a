import { ErrorCode, HolocallError } from '@holocall/protocol';
import { loadConfig } from '../config';

/**
 * Refuses state-changing requests made by another site. The session cookie is SameSite=Lax,
 * which already keeps it off cross-site POSTs; this is the second lock. Browsers send Origin
 * (or at least Sec-Fetch-Site) on every POST; requests with neither are not from a browser
 * page and carry no ambient credentials worth stealing.
 */
export function assertSameOrigin(request: Request): void {
  const site = request.headers.get('sec-fetch-site');
  if (site === 'cross-site') throw refused();
  const origin = request.headers.get('origin');
  if (!origin) return;
  if (origin === 'null') throw refused();
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host');
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw refused();
  }
  if (!host || originHost !== host) throw refused();
}

function refused(): HolocallError {
  return new HolocallError(ErrorCode.OriginRefused, 'requests from other sites are refused');
}

/** The origin links are made with: WEB_ORIGIN when set (behind a proxy, read by the config), else the request's own. */
export function publicOrigin(request: Request, configured: string | null = loadConfig().webOrigin): string {
  if (configured) return configured;
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host');
  const url = new URL(request.url);
  return host ? `${url.protocol}//${host}` : url.origin;
}

/**
 * The origin of the page that made this request, as its browser will state it to other
 * services (the inference node checks its token against the WebSocket's Origin): the Origin
 * header when sent (assertSameOrigin has checked it), else the Host the browser used.
 */
export function pageOrigin(request: Request): string {
  const origin = request.headers.get('origin');
  if (origin && origin !== 'null') return origin;
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host');
  const proto = request.headers.get('x-forwarded-proto') ?? new URL(request.url).protocol.replace(':', '');
  return host ? `${proto}://${host}` : publicOrigin(request);
}

/**
 * Where this page's browser reaches the SFU: SFU_PUBLIC_URL; when that is a path (`/sfu`: the
 * signaling carried by the web origin, scripts/web-server.mjs), that path on the page's own
 * origin, whichever host name or address the browser used; unset, the page's host name on SFU_PORT.
 */
export function sfuUrlFor(request: Request, sfuPublicUrl: string | null, sfuPort: number): string {
  if (sfuPublicUrl?.startsWith('/')) return new URL(sfuPublicUrl, pageOrigin(request)).href.replace(/\/+$/, '');
  if (sfuPublicUrl) return sfuPublicUrl.replace(/\/+$/, '');
  const origin = new URL(publicOrigin(request));
  return `${origin.protocol}//${origin.hostname}:${sfuPort}`;
}
