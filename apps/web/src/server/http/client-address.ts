import { loadConfig } from '../config';

/**
 * The header in which the web server (scripts/web-server.mjs) hands the app the address of the
 * socket a request came in on. That server overwrites whatever a client sent under this name;
 * Next's own `x-forwarded-for` is not used for this because Next keeps a client's value.
 */
export const PEER_ADDRESS_HEADER = 'x-holocall-peer-address';

/** What a request's address is when nothing states one (a server started without web-server.mjs). */
export const UNKNOWN_ADDRESS = 'unknown';

/**
 * The client's address, for per-address limits: the socket's remote address; behind a proxy
 * (WEB_TRUST_PROXY), the address that proxy appended last to `x-forwarded-for` (earlier
 * entries are whatever the client claimed). IPv4-mapped IPv6 addresses are written as IPv4.
 */
export function clientAddress(request: Request, trustProxy: boolean = loadConfig().trustProxy): string {
  if (trustProxy) {
    const forwarded = request.headers.get('x-forwarded-for');
    const last = forwarded
      ?.split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .at(-1);
    if (last) return normalise(last);
  }
  const peer = request.headers.get(PEER_ADDRESS_HEADER)?.trim();
  return peer ? normalise(peer) : UNKNOWN_ADDRESS;
}

function normalise(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice('::ffff:'.length) : lower;
}
