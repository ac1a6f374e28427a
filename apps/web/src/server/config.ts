import path from 'node:path';
import { type DatabaseConfig, databaseConfigFromEnv, defaultDataDir } from '@holocall/db';

/**
 * The web app's configuration, read from the environment once and checked: a missing or bad
 * value stops start-up with a message that names the variable (instrumentation.ts calls
 * `loadConfig()` when the server starts).
 */
export interface WebConfig {
  sessionSecret: string;
  roomTokenSecret: string;
  inferenceSecret: string;
  dataDir: string;
  database: DatabaseConfig;
  /** Where browsers reach the SFU's socket.io; when unset, the page's host on `sfuPort`. */
  sfuPublicUrl: string | null;
  sfuPort: number;
  /** The local inference node's port on the viewer's own machine (127.0.0.1). */
  inferencePort: number;
  /** Cookies get `Secure` when the app is served over https. */
  secureCookies: boolean;
}

/** HS256 keys shorter than the hash are weak; jose accepts them, we do not. */
export const MIN_SECRET_BYTES = 32;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`${name} is not set`);
  return value;
}

function requireSecret(env: NodeJS.ProcessEnv, name: string): string {
  const value = requireEnv(env, name);
  if (Buffer.byteLength(value) < MIN_SECRET_BYTES) {
    throw new ConfigError(`${name} must be at least ${MIN_SECRET_BYTES} bytes long`);
  }
  return value;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new ConfigError(`${name} must be a port number`);
  return value;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): WebConfig {
  const sfuPublicUrl = env.SFU_PUBLIC_URL?.trim() || null;
  if (sfuPublicUrl && !/^https?:\/\//.test(sfuPublicUrl))
    throw new ConfigError('SFU_PUBLIC_URL must be an http(s) URL');
  let database: DatabaseConfig;
  try {
    database = databaseConfigFromEnv(env);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return {
    sessionSecret: requireSecret(env, 'SESSION_SECRET'),
    roomTokenSecret: requireSecret(env, 'ROOM_TOKEN_SECRET'),
    inferenceSecret: requireSecret(env, 'INFERENCE_SECRET'),
    dataDir: path.resolve(env.HOLOCALL_DATA_DIR?.trim() || defaultDataDir()),
    database,
    sfuPublicUrl,
    sfuPort: port(env, 'SFU_PORT', 3001),
    inferencePort: port(env, 'INFERENCE_PORT', 3002),
    secureCookies: (env.WEB_ORIGIN ?? '').startsWith('https://'),
  };
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
