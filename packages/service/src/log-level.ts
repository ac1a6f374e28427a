import { type Env, EnvReader } from './env';
import { LOG_LEVELS, type LogLevel } from './logger';

/** A service's log-level variable, `info` when unset; a bad value is recorded on `read`. */
export function readLogLevel(read: EnvReader, variable: string): LogLevel {
  return read.oneOf(variable, LOG_LEVELS, 'info');
}

/**
 * The same variable on its own, for the logger, which exists before the rest of the config is
 * read (and reports a config that fails): a bad value gives `info` here, and the service's
 * config read stops start-up naming it.
 */
export function logLevelFromEnv(variable: string, env: Env = process.env): LogLevel {
  return readLogLevel(new EnvReader(env), variable);
}
