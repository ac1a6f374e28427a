import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { MAX_PEERS_PER_ROOM } from '@holocall/protocol';
import { ConfigIssues, type Env, EnvReader, LOG_LEVELS, type LogLevel } from '@holocall/service';

/** Everything the SFU reads from its environment, read and checked once at start-up. */
export interface SfuConfig {
  /** HTTP + socket.io port (SFU_PORT); 0 picks a free one. */
  port: number;
  /** Address the HTTP server binds (SFU_HTTP_HOST). */
  httpHost: string;
  /** Address mediasoup's WebRTC transports listen on (SFU_LISTEN_IP). */
  listenIp: string;
  /** Address announced to clients when it differs from listenIp, e.g. behind NAT (SFU_ANNOUNCED_IP). */
  announcedIp: string | undefined;
  /**
   * First WebRTC port (SFU_RTC_PORT): media worker i serves every transport on UDP and TCP
   * port `rtcPort + i`, one mediasoup WebRtcServer each, so a firewall opens SFU_WORKERS
   * ports. 0 lets each server take free ports (UDP and TCP may differ; tests and benches).
   */
  rtcPort: number;
  /** Media workers, one per core by default (SFU_WORKERS). */
  workers: number;
  /**
   * The web app's public signing keys, a JWKS URL (SFU_JWKS_URL, required; `npm start` sets
   * `WEB_ORIGIN/.well-known/jwks.json`). Room tokens are checked against it: the SFU holds no
   * key that can sign one.
   */
  jwksUrl: string;
  /** Browser origins allowed to open a socket (SFU_CORS_ORIGIN, comma-separated; `*` for any). */
  corsOrigins: string[];
  logLevel: LogLevel;
  /** mediasoup worker log level (SFU_WORKER_LOG_LEVEL). */
  workerLogLevel: WorkerLogLevel;
  /** How long an empty room waits for someone to (re)join before it closes (SFU_ROOM_EMPTY_GRACE_MS). */
  roomEmptyGraceMs: number;
  /** Peers per room (SFU_MAX_PEERS_PER_ROOM), at most the protocol's MAX_PEERS_PER_ROOM. */
  maxPeersPerRoom: number;
  /**
   * Bearer token for GET /stats from anywhere but loopback (SFU_STATS_TOKEN). Loopback needs
   * none; without a token, /stats answers loopback only.
   */
  statsToken: string | undefined;
  /**
   * The SFU sits behind a reverse proxy (SFU_BEHIND_PROXY): a client's address is the last
   * `X-Forwarded-For` entry (the one the proxy added), for the per-address socket cap and the
   * loopback check of /stats. Off: the connection's own address; the header is ignored.
   */
  behindProxy: boolean;
}

export const WORKER_LOG_LEVELS = ['debug', 'warn', 'error', 'none'] as const;
export type WorkerLogLevel = (typeof WORKER_LOG_LEVELS)[number];

export const DEFAULT_SFU_PORT = 3001;
export const DEFAULT_RTC_PORT = 40000;
export const DEFAULT_ROOM_EMPTY_GRACE_MS = 10_000;
export { ConfigError } from '@holocall/service';

export const DEFAULT_CORS_ORIGINS = ['http://localhost:3000', 'http://127.0.0.1:3000'];

export type SfuOptions = Partial<SfuConfig> & Pick<SfuConfig, 'jwksUrl'>;

export function defaultSfuConfig(): Omit<SfuConfig, 'jwksUrl'> {
  return {
    port: DEFAULT_SFU_PORT,
    httpHost: '127.0.0.1',
    listenIp: '127.0.0.1',
    announcedIp: undefined,
    rtcPort: DEFAULT_RTC_PORT,
    workers: availableParallelism(),
    corsOrigins: DEFAULT_CORS_ORIGINS,
    logLevel: 'info',
    workerLogLevel: 'warn',
    roomEmptyGraceMs: DEFAULT_ROOM_EMPTY_GRACE_MS,
    maxPeersPerRoom: MAX_PEERS_PER_ROOM,
    statsToken: undefined,
    behindProxy: false,
  };
}

/** Fills in defaults and checks every value; throws one ConfigError naming each bad setting. */
export function resolveSfuConfig(options: SfuOptions): SfuConfig {
  const issues = new ConfigIssues();
  const config = checkSfuConfig(options, issues);
  issues.throwIfAny();
  return config;
}

/** Reads the SFU's settings from environment variables (see SfuConfig for each name). */
export function readSfuConfigFromEnv(env: Env = process.env): SfuConfig {
  const read = new EnvReader(env);
  const options: SfuOptions = {
    port: read.int('SFU_PORT'),
    httpHost: read.string('SFU_HTTP_HOST'),
    listenIp: read.string('SFU_LISTEN_IP'),
    announcedIp: read.string('SFU_ANNOUNCED_IP'),
    rtcPort: read.int('SFU_RTC_PORT'),
    workers: read.int('SFU_WORKERS'),
    jwksUrl: read.string('SFU_JWKS_URL', ''),
    corsOrigins: read.list('SFU_CORS_ORIGIN'),
    logLevel: read.string('SFU_LOG_LEVEL') as LogLevel | undefined,
    workerLogLevel: read.string('SFU_WORKER_LOG_LEVEL') as WorkerLogLevel | undefined,
    roomEmptyGraceMs: read.int('SFU_ROOM_EMPTY_GRACE_MS'),
    maxPeersPerRoom: read.int('SFU_MAX_PEERS_PER_ROOM'),
    statsToken: read.string('SFU_STATS_TOKEN'),
    behindProxy: read.boolean('SFU_BEHIND_PROXY', false),
  };
  // The port range is gone (one WebRtcServer per worker): an old setting would silently do nothing.
  for (const name of ['SFU_RTC_MIN_PORT', 'SFU_RTC_MAX_PORT']) {
    read.check(read.string(name) === undefined, name, 'is no longer read; set SFU_RTC_PORT (one port per worker)');
  }
  // Values that are not even integers are reported with the range problems, in one error.
  const config = checkSfuConfig(options, read);
  read.throwIfAny();
  return config;
}

/** Defaults filled in; each bad value recorded under the variable that sets it. */
function checkSfuConfig(options: SfuOptions, issues: ConfigIssues): SfuConfig {
  const config: SfuConfig = {
    ...defaultSfuConfig(),
    ...withoutUndefined(options),
    jwksUrl: options.jwksUrl ?? '',
  };
  const check = issues.check.bind(issues);
  const isPort = (n: number) => Number.isInteger(n) && n >= 0 && n <= 65535;
  check(isPort(config.port), 'SFU_PORT', 'must be an integer from 0 to 65535');
  check(isIP(config.httpHost) !== 0, 'SFU_HTTP_HOST', 'must be an IP address');
  check(isIP(config.listenIp) !== 0, 'SFU_LISTEN_IP', 'must be an IP address');
  check(
    config.announcedIp === undefined || config.announcedIp.length > 0,
    'SFU_ANNOUNCED_IP',
    'must not be empty when set',
  );
  check(
    isPort(config.rtcPort) && (config.rtcPort === 0 || config.rtcPort + Math.max(1, config.workers) - 1 <= 65535),
    'SFU_RTC_PORT',
    'must be 0 or a port from 1 to 65535 that leaves one port per worker (SFU_WORKERS) below 65536',
  );
  check(
    config.rtcPort === 0 || config.port < config.rtcPort || config.port >= config.rtcPort + config.workers,
    'SFU_RTC_PORT',
    `must not overlap SFU_PORT (${config.port}): each worker takes TCP port SFU_RTC_PORT + its index`,
  );
  check(
    Number.isInteger(config.workers) && config.workers >= 1 && config.workers <= 64,
    'SFU_WORKERS',
    'must be 1..64',
  );
  check(
    isHttpUrl(config.jwksUrl),
    'SFU_JWKS_URL',
    "is required: the web app's JWKS, an http(s) URL such as http://localhost:3000/.well-known/jwks.json",
  );
  check(config.corsOrigins.length > 0, 'SFU_CORS_ORIGIN', 'must list at least one origin (or *)');
  check(LOG_LEVELS.includes(config.logLevel), 'SFU_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  check(
    WORKER_LOG_LEVELS.includes(config.workerLogLevel),
    'SFU_WORKER_LOG_LEVEL',
    `must be one of ${WORKER_LOG_LEVELS.join(', ')}`,
  );
  check(
    Number.isInteger(config.roomEmptyGraceMs) && config.roomEmptyGraceMs >= 0,
    'SFU_ROOM_EMPTY_GRACE_MS',
    'must be a non-negative integer',
  );
  check(
    Number.isInteger(config.maxPeersPerRoom) &&
      config.maxPeersPerRoom >= 1 &&
      config.maxPeersPerRoom <= MAX_PEERS_PER_ROOM,
    'SFU_MAX_PEERS_PER_ROOM',
    `must be 1..${MAX_PEERS_PER_ROOM}`,
  );
  return config;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
