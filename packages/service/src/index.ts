/**
 * Service scaffolding shared by the web app, the SFU, the inference node and the migrate step
 * (Node only). The retry policy is browser-safe and lives apart: `@holocall/service/retry`.
 */
export { ConfigError, type ConfigIssue, ConfigIssues } from './config-error';
export { REPO_ROOT, resolveDataDir } from './data-dir';
export { type Env, EnvReader, type IntOptions, type UrlOptions } from './env';
export { logLevelFromEnv, readLogLevel } from './log-level';
export {
  createLogger,
  LOG_LEVELS,
  type LogFields,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  type LogSink,
} from './logger';
export {
  JWKS_CACHE_MAX_AGE_MS,
  JWKS_COOLDOWN_MS,
  JWKS_STARTUP_RETRY,
  JWKS_TIMEOUT_MS,
  openTokenKeys,
  RETIRED_SECRETS,
  retiredSecretsIn,
  type TokenKeySet,
  type TokenKeySetOptions,
} from './token-keys';
