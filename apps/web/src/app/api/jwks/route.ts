import { loadConfig } from '@/server/config';
import { json, route } from '@/server/http/respond';
import { JWKS_MAX_AGE_SECONDS, signingKeys } from '@/server/tokens/signing-keys';

export const dynamic = 'force-dynamic';

/**
 * The public halves of the web app's token signing keys (RFC 7517), for the SFU and the
 * inference nodes. Served at /.well-known/jwks.json through a rewrite in next.config.ts: the App
 * Router does not route dot-prefixed folders, so an `app/.well-known/` route would never be built.
 */
export const GET = route('jwks', async () => {
  const jwks = await (await signingKeys(loadConfig().dataDir)).publicJwks();
  return json(jwks, 200, {
    'content-type': 'application/jwk-set+json',
    'cache-control': `public, max-age=${JWKS_MAX_AGE_SECONDS}`,
  });
});
