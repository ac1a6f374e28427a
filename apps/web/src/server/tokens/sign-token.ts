import { TOKEN_ALGORITHM, TOKEN_ISSUER } from '@holocall/protocol';
import { SignJWT } from 'jose';
import type { SigningKeys } from './signing-keys';

/** Signs `body` with the current key: ES256, its `kid` in the header, issuer holocall-web. */
export async function signToken(
  keys: SigningKeys,
  body: Record<string, unknown>,
  options: { audience: string; ttlSeconds: number; now?: Date | undefined },
): Promise<{ token: string; expiresAt: string }> {
  const now = options.now ?? new Date();
  const key = await keys.current(now);
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresAt = issuedAt + options.ttlSeconds;
  const token = await new SignJWT(body)
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, typ: 'JWT', kid: key.kid })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(options.audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(key.privateKey);
  return { token, expiresAt: new Date(expiresAt * 1000).toISOString() };
}
