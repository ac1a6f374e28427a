import { errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { ErrorCode, HolocallError } from './errors';

/**
 * Tokens the web app signs (room tokens, inference page tokens) and the SFU and the inference
 * node check: ES256 JWTs whose header names the signing key's `kid`, verified against the web
 * app's public keys (a JWKS at `/.well-known/jwks.json`). No service but the web app holds a
 * key that can sign one. Signing lives in the web app (`apps/web/src/server/tokens/`).
 */

/** The one algorithm a HoloCall token may use; anything else (HS256 included) is refused. */
export const TOKEN_ALGORITHM = 'ES256';
/** Where the web app publishes its public keys, under its origin. */
export const JWKS_PATH = '/.well-known/jwks.json';
/** Who signs every token. */
export const TOKEN_ISSUER = 'holocall-web';

/** Why a token was refused, in `details.reason` of the `unauthenticated` / `token_expired` error. */
export const TOKEN_REFUSAL_REASONS = [
  'token_missing',
  'token_malformed',
  'token_expired',
  'token_unknown_key',
  'token_bad_signature',
  'token_wrong_algorithm',
  'token_wrong_issuer',
  'token_wrong_audience',
  'token_claims_invalid',
  'token_keys_unavailable',
] as const;
export type TokenRefusalReason = (typeof TOKEN_REFUSAL_REASONS)[number];

export interface TokenExpectation {
  /** For messages: 'room token', 'inference token'. */
  what: string;
  audience: string;
  maxLength: number;
  clockToleranceSeconds: number;
  /** Tests check expiry at another time. */
  now?: Date;
}

/** A refusal with its reason: `token_expired` for an expired token, `unauthenticated` otherwise. */
export function tokenRefused(reason: TokenRefusalReason, message: string, cause?: unknown): HolocallError {
  if (reason === 'token_keys_unavailable') {
    return new HolocallError(ErrorCode.Unavailable, message, { details: { reason }, cause });
  }
  const code = reason === 'token_expired' ? ErrorCode.TokenExpired : ErrorCode.Unauthenticated;
  return new HolocallError(code, message, { details: { reason }, cause });
}

/**
 * Checks a token's signature against `keys` (a jose key set: `createRemoteJWKSet` refetches
 * once for an unknown `kid` before refusing), its algorithm, issuer, audience and expiry.
 * Returns the payload, for the caller's own claim schema. Throws HolocallError with a
 * TokenRefusalReason in `details.reason`.
 */
export async function verifySignedToken(
  token: unknown,
  keys: JWTVerifyGetKey,
  expect: TokenExpectation,
): Promise<JWTPayload> {
  const { what } = expect;
  if (typeof token !== 'string' || token.length === 0) throw tokenRefused('token_missing', `a ${what} is required`);
  if (token.length > expect.maxLength) throw tokenRefused('token_malformed', `${what} is too long`);
  try {
    const { payload } = await jwtVerify(token, keys, {
      algorithms: [TOKEN_ALGORITHM],
      issuer: TOKEN_ISSUER,
      audience: expect.audience,
      requiredClaims: ['exp', 'iat'],
      clockTolerance: expect.clockToleranceSeconds,
      ...(expect.now ? { currentDate: expect.now } : {}),
    });
    return payload;
  } catch (error) {
    throw refusalOf(error, what);
  }
}

function refusalOf(error: unknown, what: string): HolocallError {
  if (error instanceof HolocallError) return error;
  if (error instanceof errors.JWTExpired) return tokenRefused('token_expired', `${what} has expired`, error);
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return tokenRefused('token_unknown_key', `${what} is signed with a key this server does not publish`, error);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return tokenRefused('token_bad_signature', `${what} signature does not verify`, error);
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return tokenRefused('token_wrong_algorithm', `${what} must be signed with ${TOKEN_ALGORITHM}`, error);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return tokenRefused('token_wrong_audience', `${what} is for another service`, error);
    if (error.claim === 'iss') return tokenRefused('token_wrong_issuer', `${what} has another issuer`, error);
    return tokenRefused('token_claims_invalid', `${what} claims are invalid (${error.claim})`, error);
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return tokenRefused('token_malformed', `${what} is malformed`, error);
  }
  // The key set could not be fetched (network, timeout, a body that is not a JWKS).
  return tokenRefused('token_keys_unavailable', `${what} cannot be checked: the signing keys are unavailable`, error);
}
