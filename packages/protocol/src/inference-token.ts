import { z } from 'zod';
import { HolocallError } from './errors';
import {
  INFERENCE_TOKEN_CLOCK_SKEW_SECONDS,
  INFERENCE_TOKEN_MAX_TTL_SECONDS,
  MAX_INFERENCE_TOKEN_LENGTH,
} from './inference-limits';

/**
 * Inference page tokens (WebCrypto HMAC-SHA256: the same code runs in the web app's server and
 * the node). The web app mints one per page with the INFERENCE_SECRET it shares with the node;
 * the node checks it in the connection's first message, `hello`.
 */

export const INFERENCE_TOKEN_PREFIX = 'hc-inf1';

export const InferenceTokenClaims = z.strictObject({
  /** Expiry, Unix seconds. */
  exp: z.number().int().positive(),
  /** Issued at, Unix seconds. */
  iat: z.number().int().positive(),
  /** The web origin the page runs on; the node checks it against the connection's Origin. */
  origin: z.string().min(1).max(256),
  /** The signed-in user, for logs. */
  sub: z.string().max(64).optional(),
});
export type InferenceTokenClaims = z.infer<typeof InferenceTokenClaims>;

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('not base64url');
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

async function hmacKey(secret: string): ReturnType<typeof crypto.subtle.importKey> {
  return crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
}

/** Mints a page token (web app, server side). `ttlSeconds` is capped at INFERENCE_TOKEN_MAX_TTL_SECONDS. */
export async function mintInferenceToken(
  secret: string,
  claims: { origin: string; sub?: string; ttlSeconds: number },
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<string> {
  const ttl = Math.min(claims.ttlSeconds, INFERENCE_TOKEN_MAX_TTL_SECONDS);
  const body: InferenceTokenClaims = { iat: nowSeconds, exp: nowSeconds + ttl, origin: claims.origin };
  if (claims.sub !== undefined) body.sub = claims.sub;
  const payload = `${INFERENCE_TOKEN_PREFIX}.${base64url(new TextEncoder().encode(JSON.stringify(body)))}`;
  const sig = new Uint8Array(
    await crypto.subtle.sign('HMAC', await hmacKey(secret), new TextEncoder().encode(payload)),
  );
  return `${payload}.${base64url(sig)}`;
}

/**
 * Checks a page token (node side): signature (constant time), expiry, lifetime, and that it
 * was minted for `origin`. Throws HolocallError unauthenticated / token_expired / origin_refused.
 */
export async function verifyInferenceToken(
  token: string,
  secret: string,
  origin: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<InferenceTokenClaims> {
  const unauthenticated = (why: string) => new HolocallError('unauthenticated', `inference token ${why}`);
  if (typeof token !== 'string' || token.length > MAX_INFERENCE_TOKEN_LENGTH) throw unauthenticated('is malformed');
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== INFERENCE_TOKEN_PREFIX) throw unauthenticated('is malformed');
  let sig: Uint8Array;
  let claims: InferenceTokenClaims;
  try {
    sig = fromBase64url(parts[2]!);
    const parsed = InferenceTokenClaims.safeParse(JSON.parse(new TextDecoder().decode(fromBase64url(parts[1]!))));
    if (!parsed.success) throw new Error('claims');
    claims = parsed.data;
  } catch {
    throw unauthenticated('is malformed');
  }
  const ok = await crypto.subtle.verify(
    'HMAC',
    await hmacKey(secret),
    sig as Uint8Array<ArrayBuffer>,
    new TextEncoder().encode(`${parts[0]}.${parts[1]}`),
  );
  if (!ok) throw unauthenticated('signature does not verify');
  if (claims.exp + INFERENCE_TOKEN_CLOCK_SKEW_SECONDS < nowSeconds) {
    throw new HolocallError('token_expired', 'inference token has expired', { details: { exp: claims.exp } });
  }
  if (
    claims.exp - claims.iat > INFERENCE_TOKEN_MAX_TTL_SECONDS ||
    claims.iat - INFERENCE_TOKEN_CLOCK_SKEW_SECONDS > nowSeconds
  ) {
    throw unauthenticated('lifetime is out of range');
  }
  if (claims.origin !== origin)
    throw new HolocallError('origin_refused', 'inference token was minted for another origin');
  return claims;
}
