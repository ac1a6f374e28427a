import { RetryPolicy } from '@holocall/service/retry';

/**
 * The call page's bounded retries, each on the one RetryPolicy (RECONNECT_POLICY, which never
 * gives up, paces plain socket reconnects). Each of these gives up, and the page then says so
 * plainly instead of retrying in silence.
 */

/**
 * A page token the inference node refused as expired: fetch a fresh one at once, then after 2
 * and 10 s; three refreshes in a row without a welcome and the page stops (the web app is
 * unreachable, the user signed out, or the node and the web app disagree on the secret).
 */
export const TOKEN_REFRESH_POLICY = new RetryPolicy({ delaysMs: [0, 2000, 10_000], jitter: 0.5, maxAttempts: 3 });

/**
 * A lift the node answered with `unavailable` (its lift worker stopped or was replaced): the
 * stand-in head meanwhile, and the registration again after 2, 5, 15, then 30 s; four tries.
 */
export const LIFT_RETRY_POLICY = new RetryPolicy({
  delaysMs: [2000, 5000, 15_000, 30_000],
  jitter: 0.5,
  maxAttempts: 4,
});

/**
 * A call that lost the SFU (a worker died, the network blinked, a rejoin failed): again after
 * 1, 2, 5, then 10 s, six tries (about half a minute) before the call shows `failed` and a
 * Retry button.
 */
export const REJOIN_POLICY = new RetryPolicy({ delaysMs: [1000, 2000, 5000, 10_000], jitter: 0.5, maxAttempts: 6 });
