import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HolocallError, type InferenceServerStatus } from '@holocall/protocol';
import type { TokenKeySet } from '@holocall/service';
import { RetryPolicy } from '@holocall/service/retry';
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Logger } from './log';

/**
 * The server's public signing keys as a participant's node keeps them. Unlike jose's remote
 * key set (which refuses every token once its cache is older than its max age and the server
 * does not answer), the last good key set is kept, on disk too, so a node restarted while the
 * server is briefly unreachable still checks page tokens. Keys are fetched at start, again every
 * JWKS_REFRESH_MS, and once more for a token with an unknown `kid` (at most once per
 * JWKS_UNKNOWN_KID_COOLDOWN_MS). A failed fetch is logged with the URL and what failed (DNS,
 * refused, TLS, HTTP status, not a JWKS), retried on JWKS_FETCH_RETRY, and reported to pages in
 * the welcome (`server.reachable`).
 */

/** How often a key set that was fetched is fetched again (a rotated key appears within this). */
export const JWKS_REFRESH_MS = 10 * 60_000;
/** An unknown `kid` fetches again at most this often. */
export const JWKS_UNKNOWN_KID_COOLDOWN_MS = 30_000;
/** One fetch. */
export const JWKS_FETCH_TIMEOUT_MS = 5_000;
/**
 * A key set kept on disk is used for at most this long without a successful fetch: the web app
 * rotates every 30 days and publishes a retired key for its tokens' lifetime, so an older copy
 * would only keep accepting keys the server has dropped.
 */
export const JWKS_STALE_LIMIT_MS = 7 * 24 * 3600_000;
/** A server that does not answer: again after 1, 2, 5, 10, then every 30 s, never giving up. */
export const JWKS_FETCH_RETRY = new RetryPolicy({ delaysMs: [1000, 2000, 5000, 10_000, 30_000], jitter: 0.5 });

export interface CachedTokenKeysOptions {
  logger: Logger;
  /** Where the last good key set is kept; null: memory only. */
  cacheFile: string | null;
  retry?: RetryPolicy;
  refreshMs?: number;
  cooldownMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

interface CacheRecord {
  url: string;
  fetchedAt: number;
  jwks: JSONWebKeySet;
}

export class CachedTokenKeys implements TokenKeySet {
  readonly getKey: JWTVerifyGetKey;
  /** Settles once keys are usable (from the disk cache or a fetch), or after the first fetch failed without any. */
  readonly ready: Promise<void>;
  private local: ReturnType<typeof createLocalJWKSet> | null = null;
  private fetchedAt = 0;
  private lastAttemptAt = 0;
  private inFlight: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private status: InferenceServerStatus;
  private readonly attempts;
  private readonly fetchImpl: typeof fetch;

  constructor(
    readonly url: string,
    private readonly options: CachedTokenKeysOptions,
  ) {
    this.status = { url: new URL(url).origin, reachable: false, detail: 'not checked yet' };
    this.attempts = (options.retry ?? JWKS_FETCH_RETRY).attempts();
    this.fetchImpl = options.fetch ?? fetch;
    this.getKey = (header, token) => this.keyFor(header, token);
    this.ready = this.start();
  }

  /** Whether the node could fetch the keys the last time it tried, for the welcome. */
  server(): InferenceServerStatus {
    return { ...this.status };
  }

  /** The key ids held now (tests, stats). */
  kids(): string[] {
    return (this.local?.jwks().keys ?? []).map((k) => k.kid ?? '');
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async start(): Promise<void> {
    await this.loadFromDisk();
    const first = this.fetchOnce();
    // With keys from disk, the node is usable before the server answers.
    if (!this.local) await first;
  }

  private async keyFor(...args: Parameters<JWTVerifyGetKey>) {
    if (!this.local) await this.fetchOnce();
    if (!this.local) {
      throw new HolocallError('unavailable', `this node cannot check page tokens: ${this.status.detail ?? 'no keys'}`, {
        details: { reason: 'token_keys_unavailable', server: this.server() },
      });
    }
    try {
      return await this.local(...args);
    } catch (error) {
      const cooled = Date.now() - this.lastAttemptAt >= (this.options.cooldownMs ?? JWKS_UNKNOWN_KID_COOLDOWN_MS);
      if (!(error instanceof errors.JWKSNoMatchingKey) || !cooled) throw error;
      // A key rotated in since the last fetch: ask once more.
      await this.fetchOnce();
      return this.local(...args);
    }
  }

  /** One fetch at a time; a failure schedules the next on the retry policy, a success the periodic refresh. */
  private fetchOnce(): Promise<void> {
    this.inFlight ??= this.fetchAndStore().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async fetchAndStore(): Promise<void> {
    if (this.closed) return;
    this.lastAttemptAt = Date.now();
    const log = this.options.logger;
    try {
      const jwks = await this.fetchJwks();
      this.local = createLocalJWKSet(jwks);
      this.fetchedAt = Date.now();
      const wasReachable = this.status.reachable;
      this.status = { url: this.status.url, reachable: true };
      this.attempts.reset();
      if (!wasReachable) log.info('token keys fetched', { url: this.url, keys: jwks.keys.length });
      await this.saveToDisk(jwks);
      this.schedule(this.options.refreshMs ?? JWKS_REFRESH_MS);
    } catch (error) {
      const detail = describeJwksFailure(error, this.url);
      this.status = { url: this.status.url, reachable: false, detail };
      const delay = this.attempts.next();
      log.error(`cannot fetch the server's token keys from ${this.url}: ${detail}`, {
        url: this.url,
        detail,
        keptKeys: this.local ? this.kids().length : 0,
        retryInMs: delay,
        attempt: this.attempts.count,
      });
      if (delay !== null) this.schedule(delay);
    }
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.fetchOnce();
    }, delayMs);
    this.timer.unref?.();
  }

  private async fetchJwks(): Promise<JSONWebKeySet> {
    const response = await this.fetchImpl(this.url, {
      redirect: 'manual',
      headers: { accept: 'application/json, application/jwk-set+json' },
      signal: AbortSignal.timeout(this.options.timeoutMs ?? JWKS_FETCH_TIMEOUT_MS),
    });
    if (response.status !== 200) throw new JwksFetchError(`HTTP ${response.status} (expected 200 and a JWKS)`);
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new JwksFetchError('the answer is not JSON, so not a JWKS (is this the HoloCall server?)');
    }
    if (!isJwks(body)) throw new JwksFetchError('the answer is JSON but not a JWKS (no "keys" list)');
    createLocalJWKSet(body); // throws for a set jose cannot use
    return body;
  }

  private async loadFromDisk(): Promise<void> {
    const file = this.options.cacheFile;
    if (!file) return;
    let record: CacheRecord;
    try {
      record = JSON.parse(await readFile(file, 'utf8')) as CacheRecord;
    } catch {
      return; // none yet, or unreadable: fetched instead
    }
    const age = Date.now() - record.fetchedAt;
    if (record.url !== this.url || !isJwks(record.jwks) || !(age >= 0 && age < JWKS_STALE_LIMIT_MS)) return;
    try {
      this.local = createLocalJWKSet(record.jwks);
      this.fetchedAt = record.fetchedAt;
      this.options.logger.info('token keys loaded from the cache', {
        file,
        keys: record.jwks.keys.length,
        ageS: Math.round(age / 1000),
      });
    } catch {
      this.local = null;
    }
  }

  /** Written whole (temp file, rename): a crash leaves the old copy or the new one. */
  private async saveToDisk(jwks: JSONWebKeySet): Promise<void> {
    const file = this.options.cacheFile;
    if (!file) return;
    const record: CacheRecord = { url: this.url, fetchedAt: this.fetchedAt, jwks };
    try {
      await mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify(record)}\n`);
      await rename(tmp, file);
    } catch (error) {
      this.options.logger.warn('cannot keep the token keys on disk', { file, error: String(error) });
    }
  }
}

class JwksFetchError extends Error {}

function isJwks(value: unknown): value is JSONWebKeySet {
  return typeof value === 'object' && value !== null && Array.isArray((value as { keys?: unknown }).keys);
}

const TLS_UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);

/** What failed, in words a participant can act on (the URL is named by the caller's log line). */
export function describeJwksFailure(error: unknown, url: string): string {
  if (error instanceof JwksFetchError) return error.message;
  const host = new URL(url).host;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer from ${host} in time`;
  }
  if (error instanceof TypeError && error.message === 'bad port') {
    return `port ${new URL(url).port} is one that fetch and browsers refuse to use: serve HoloCall on another port`;
  }
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  const code = cause?.code ?? (error as { code?: string } | null)?.code;
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `DNS: the name ${new URL(url).hostname} does not resolve`;
    case 'ECONNREFUSED':
      return `connection refused by ${host} (is the server running, and is the port right?)`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to ${host}`;
    case 'ECONNRESET':
      return `${host} closed the connection (plain http to an https port, or the reverse?)`;
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `connecting to ${host} timed out`;
    case 'CERT_HAS_EXPIRED':
      return `TLS: the server's certificate has expired`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS: the server's certificate is not for ${new URL(url).hostname}`;
    default:
      if (code && TLS_UNTRUSTED.has(code)) {
        return `TLS: the server's certificate is not trusted here (${code}); pass --ca <file> with the server's CA certificate`;
      }
      return `${cause?.message ?? (error instanceof Error ? error.message : String(error))}${code ? ` (${code})` : ''}`;
  }
}
