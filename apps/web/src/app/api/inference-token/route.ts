import { requireUser } from '@/server/auth/current-user';
import { loadConfig } from '@/server/config';
import { pageOrigin } from '@/server/http/origin';
import { json, route } from '@/server/http/respond';
import { issueInferenceToken } from '@/server/tokens/inference-token';
import { signingKeys } from '@/server/tokens/signing-keys';

export const dynamic = 'force-dynamic';

/** A token for this page's local inference node (the enrollment preview; calls get theirs at join). */
export const GET = route('inference-token', async (request) => {
  const user = await requireUser(request);
  const config = loadConfig();
  const issued = await issueInferenceToken(
    { userId: user.userId, origin: pageOrigin(request) },
    await signingKeys(config.dataDir),
  );
  return json({ url: `ws://127.0.0.1:${config.inferencePort}/ws`, token: issued.token, expiresAt: issued.expiresAt });
});
