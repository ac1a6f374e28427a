import { type DatabaseConfig, readDatabaseConfig } from '@holocall/db';
import {
  type Env,
  EnvReader,
  type LogLevel,
  readLogLevel,
  resolveDataDir,
  logLevelFromEnv as sharedLogLevelFromEnv,
} from '@holocall/service';

export { ConfigError } from '@holocall/service';

/**
 * The web app's configuration, read from the environment once and checked: a missing or bad
 * value stops start-up with a message that names the variable (instrumentation.ts calls
 * `loadConfig()` when the server starts).
 */
export interface WebConfig {
  /** The one secret the web app is given; token signing keys are its own, in `dataDir` (tokens/signing-keys.ts). */
  sessionSecret: string;
  dataDir: string;
  database: DatabaseConfig;
  /**
   * Where browsers reach the SFU's socket.io (SFU_PUBLIC_URL): an http(s) URL, or a path such as
   * `/sfu` for the signaling the web server carries on its own origin; unset, the page's host on `sfuPort`.
   */
  sfuPublicUrl: string | null;
  sfuPort: number;
  /** The local inference node's port on the viewer's own machine (127.0.0.1). */
  inferencePort: number;
  /** WEB_ORIGIN, the origin links are made with (behind a proxy); null: each request's own. */
  webOrigin: string | null;
  /**
   * WEB_TRUST_PROXY: the app is reached through a reverse proxy, so a client's address is the
   * last entry of `x-forwarded-for` rather than the socket's (which is the proxy's).
   */
  trustProxy: boolean;
  /** LOG_LEVEL. */
  logLevel: LogLevel;
}

/** A session key shorter than its HMAC's hash is weak. */
export const MIN_SECRET_BYTES = 32;

/** Reads and checks every variable; throws one ConfigError naming each bad one. */
export function readConfig(env: Env = process.env): WebConfig {
  const read = new EnvReader(env);
  const dataDir = resolveDataDir(env);
  const webOrigin = read.url('WEB_ORIGIN', { protocols: ['http:', 'https:'], originOnly: true }) ?? null;
  const config: WebConfig = {
    sessionSecret: read.secret('SESSION_SECRET', MIN_SECRET_BYTES),
    dataDir,
    database: readDatabaseConfig(read, dataDir),
    sfuPublicUrl: readSfuPublicUrl(read),
    sfuPort: read.port('SFU_PORT', 3001),
    inferencePort: read.port('INFERENCE_PORT', 3002),
    webOrigin,
    trustProxy: read.boolean('WEB_TRUST_PROXY', false),
    logLevel: readLogLevel(read, 'LOG_LEVEL'),
  };
  read.throwIfAny();
  return config;
}

/** The path under which scripts/sfu-proxy.mjs carries the SFU's signaling (a test checks they agree). */
export const SFU_SIGNALING_PATH = '/sfu';

/** SFU_PUBLIC_URL: a URL as before, or SFU_SIGNALING_PATH for the signaling on the web origin itself. */
function readSfuPublicUrl(read: EnvReader): string | null {
  const raw = read.string('SFU_PUBLIC_URL');
  if (raw === undefined || !raw.startsWith('/')) {
    return read.url('SFU_PUBLIC_URL', { protocols: ['http:', 'https:'] }) ?? null;
  }
  const path = raw.replace(/\/+$/, '');
  read.check(
    path === SFU_SIGNALING_PATH,
    'SFU_PUBLIC_URL',
    `as a path must be ${SFU_SIGNALING_PATH} (where the web server carries the SFU's signaling), or give a full URL`,
  );
  return path === SFU_SIGNALING_PATH ? path : null;
}

/** LOG_LEVEL on its own, for the logger, which exists before the rest is read (see @holocall/service). */
export function logLevelFromEnv(env: Env = process.env): LogLevel {
  return sharedLogLevelFromEnv('LOG_LEVEL', env);
}

/** `next build` evaluates the server modules too; it needs no secrets and must not open the database. */
export function isBuildPhase(env: Env = process.env): boolean {
  return env.NEXT_PHASE === 'phase-production-build';
}

let cached: WebConfig | undefined;

export function loadConfig(): WebConfig {
  cached ??= readConfig();
  return cached;
}

/** Tests swap the configuration; nothing else should. */
export function setConfigForTests(config: WebConfig | undefined): void {
  cached = config;
}
