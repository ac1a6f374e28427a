import { mintInferenceToken } from '@holocall/protocol';

/**
 * A per-page credential for the viewer's local inference node (ws://127.0.0.1:INFERENCE_PORT),
 * minted with the protocol's scheme (HMAC-SHA256 over INFERENCE_SECRET, an expiry, and the
 * origin of the page it was minted for). The node accepts a connection only with one, from
 * that origin, so another web page on the same machine cannot drive it.
 */
export const INFERENCE_TOKEN_TTL_SECONDS = 4 * 60 * 60;

export interface IssuedInferenceToken {
  token: string;
  expiresAt: string;
}

export async function issueInferenceToken(
  subject: { userId: string; origin: string },
  secret: string,
): Promise<IssuedInferenceToken> {
  const token = await mintInferenceToken(secret, {
    origin: subject.origin,
    sub: subject.userId,
    ttlSeconds: INFERENCE_TOKEN_TTL_SECONDS,
  });
  return { token, expiresAt: new Date(Date.now() + INFERENCE_TOKEN_TTL_SECONDS * 1000).toISOString() };
}
