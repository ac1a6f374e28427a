/**
 * Structured logs: one JSON object per line, `logger.info(msg, { room, peer })`. Every line
 * has the same fields first: `t` (ISO time), `level`, `service` (the process: web, sfu,
 * inference, migrate), `scope` (the part of it, set by `child`; absent at the top), `msg`,
 * then the bound fields and the call's own. Errors in fields are written with name, message
 * and stack. The level is a config value, set when the logger is made.
 */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = Record<string, unknown>;

/** Where finished lines go (one JSON object each, without the newline). */
export type LogSink = (line: string, level: Exclude<LogLevel, 'silent'>) => void;

export interface Logger {
  readonly level: LogLevel;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger for a part of the service: `scope` is appended (`workers`, `room:socket`), `fields` go on every line. */
  child(scope: string, fields?: LogFields): Logger;
}

export interface LoggerOptions {
  service: string;
  level: LogLevel;
  /** Fields on every line (e.g. `{ script: 'generate-models' }`). */
  fields?: LogFields;
  /** Defaults to stderr, every level: stdout stays free for what a process is asked to print. */
  sink?: LogSink;
}

const stderrSink: LogSink = (line) => {
  process.stderr.write(`${line}\n`);
};

export function createLogger(options: LoggerOptions): Logger {
  return makeLogger(options.service, undefined, options.level, options.fields ?? {}, options.sink ?? stderrSink);
}

function makeLogger(
  service: string,
  scope: string | undefined,
  level: LogLevel,
  bound: LogFields,
  sink: LogSink,
): Logger {
  const write = (lineLevel: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields) => {
    if (RANK[lineLevel] < RANK[level]) return;
    const line = { t: new Date().toISOString(), level: lineLevel, service, scope, msg, ...bound, ...fields };
    sink(JSON.stringify(line, errorReplacer), lineLevel);
  };
  return {
    level,
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (childScope, fields = {}) =>
      makeLogger(service, scope ? `${scope}:${childScope}` : childScope, level, { ...bound, ...fields }, sink),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}
