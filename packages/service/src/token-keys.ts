import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import type { Logger } from './logger';
import { RetryPolicy } from './retry';

/**
 * The web app's public signing keys as a service that checks its tokens sees them (the SFU for
 * room tokens, the inference node for page tokens): jose's remote JWKS, fetched from the web
 * app's `/.well-known/jwks.json` and cached. A token whose `kid` is not in the cache makes jose
 * fetch once more (at most once per cooldown) before the token is refused as token_unknown_key.
 * No service but the web app holds a signing key.
 */

/** How long fetched keys are used before they are fetched again (a rotated key appears within this). */
export const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
/** After a fetch, an unknown `kid` waits this long before it may trigger the next one. */
export const JWKS_COOLDOWN_MS = 30_000;
/** One fetch of the key set. */
export const JWKS_TIMEOUT_MS = 5_000;
/** Start-up: the web app may still be starting; retried, never given up, each failure logged with the URL. */
export const JWKS_STARTUP_RETRY = new RetryPolicy({ delaysMs: [500, 1000, 2000, 5000, 10_000], jitter: 0.5 });

export interface TokenKeySet {
  readonly url: string;
  /** For jose's jwtVerify (and verifySignedToken in @holocall/protocol). */
  readonly getKey: JWTVerifyGetKey;
  /** Settles when the keys were first fetched (never rejects: failures are retried and logged). */
  readonly ready: Promise<void>;
  /** Stops the start-up retries. */
  close(): void;
}

export interface TokenKeySetOptions {
  logger: Logger;
  retry?: RetryPolicy;
  cooldownMs?: number;
  cacheMaxAgeMs?: number;
}

/** Opens the key set at `url` (http or https) and starts fetching it, retrying until it answers. */
export function openTokenKeys(url: string, options: TokenKeySetOptions): TokenKeySet {
  const { logger } = options;
  const remote = createRemoteJWKSet(new URL(url), {
    cacheMaxAge: options.cacheMaxAgeMs ?? JWKS_CACHE_MAX_AGE_MS,
    cooldownDuration: options.cooldownMs ?? JWKS_COOLDOWN_MS,
    timeoutDuration: JWKS_TIMEOUT_MS,
  });
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const attempts = (options.retry ?? JWKS_STARTUP_RETRY).attempts();
  const ready = new Promise<void>((resolve) => {
    const attempt = () => {
      if (closed) return resolve();
      remote.reload().then(
        () => {
          logger.info('token keys fetched', { url, keys: remote.jwks()?.keys.length ?? 0 });
          resolve();
        },
        (error: unknown) => {
          const delay = attempts.next();
          if (closed || delay === null) return resolve();
          logger.error('cannot fetch the token keys (the web app JWKS); retrying', {
            url,
            error: error instanceof Error ? error.message : String(error),
            retryInMs: delay,
            attempt: attempts.count,
          });
          timer = setTimeout(attempt, delay);
          timer.unref?.();
        },
      );
    };
    attempt();
  });
  return {
    url,
    getKey: remote,
    ready,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}

/** Secrets no service reads any more (asymmetric keys replaced them); a leftover one is named in a log line. */
export const RETIRED_SECRETS = ['ROOM_TOKEN_SECRET', 'INFERENCE_SECRET'] as const;

/** The retired secrets set in `env`, for the one warning each service logs at start-up. */
export function retiredSecretsIn(env: Record<string, string | undefined>): string[] {
  return RETIRED_SECRETS.filter((name) => env[name] !== undefined && env[name] !== '');
}
