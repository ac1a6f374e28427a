import { INFERENCE_TOKEN_AUDIENCE, INFERENCE_TOKEN_MAX_TTL_SECONDS } from '@holocall/protocol';
import { signToken } from './sign-token';
import type { SigningKeys } from './signing-keys';

/**
 * A per-page credential for the viewer's local inference node (ws://127.0.0.1:INFERENCE_PORT):
 * an ES256 JWT (audience holocall-inference) with an expiry and the origin of the page it was
 * signed for. The node checks it against the web app's JWKS and accepts a connection only with
 * one, from that origin, so another web page on the same machine cannot drive it.
 */
export const INFERENCE_TOKEN_TTL_SECONDS = 4 * 60 * 60;

export interface IssuedInferenceToken {
  token: string;
  expiresAt: string;
}

export async function issueInferenceToken(
  subject: { userId: string; origin: string },
  keys: SigningKeys,
  options: { now?: Date } = {},
): Promise<IssuedInferenceToken> {
  return signToken(
    keys,
    { origin: subject.origin, sub: subject.userId },
    {
      audience: INFERENCE_TOKEN_AUDIENCE,
      ttlSeconds: Math.min(INFERENCE_TOKEN_TTL_SECONDS, INFERENCE_TOKEN_MAX_TTL_SECONDS),
      now: options.now,
    },
  );
}
