import type { JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { HolocallError } from './errors';
import {
  INFERENCE_TOKEN_CLOCK_SKEW_SECONDS,
  INFERENCE_TOKEN_MAX_TTL_SECONDS,
  MAX_INFERENCE_TOKEN_LENGTH,
} from './inference-limits';
import { tokenRefused, verifySignedToken } from './signed-tokens';

/**
 * Inference page tokens: ES256 JWTs the web app signs for one page (see signed-tokens.ts) and
 * the viewer's inference node checks, in the connection's first message (`hello`), against the
 * web app's JWKS. The node holds no secret of the server's.
 */

export const INFERENCE_TOKEN_AUDIENCE = 'holocall-inference';

/** The claims of a page token (beside `iss` and `aud`, which verifySignedToken checks). */
export const InferenceTokenClaims = z.object({
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

/**
 * Checks a page token (node side): signature against `keys`, ES256, issuer, audience, expiry,
 * lifetime, and that it was minted for `origin`. Throws HolocallError unauthenticated /
 * token_expired (with `details.reason`) or origin_refused.
 */
export async function verifyInferenceToken(
  token: unknown,
  keys: JWTVerifyGetKey,
  origin: string,
  now?: Date,
): Promise<InferenceTokenClaims> {
  const payload = await verifySignedToken(token, keys, {
    what: 'inference token',
    audience: INFERENCE_TOKEN_AUDIENCE,
    maxLength: MAX_INFERENCE_TOKEN_LENGTH,
    clockToleranceSeconds: INFERENCE_TOKEN_CLOCK_SKEW_SECONDS,
    ...(now ? { now } : {}),
  });
  const parsed = InferenceTokenClaims.safeParse(payload);
  if (!parsed.success) throw tokenRefused('token_claims_invalid', 'inference token claims are malformed');
  const claims = parsed.data;
  const nowSeconds = Math.floor((now ?? new Date()).getTime() / 1000);
  if (
    claims.exp - claims.iat > INFERENCE_TOKEN_MAX_TTL_SECONDS ||
    claims.iat - INFERENCE_TOKEN_CLOCK_SKEW_SECONDS > nowSeconds
  ) {
    throw tokenRefused('token_claims_invalid', 'inference token lifetime is out of range');
  }
  if (claims.origin !== origin) {
    throw new HolocallError('origin_refused', 'inference token was minted for another origin');
  }
  return claims;
}
