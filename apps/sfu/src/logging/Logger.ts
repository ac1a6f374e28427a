/**
 * Structured logs: one JSON object per line on stderr, `logger.info(msg, { room, peer })`.
 * The level is set once at start-up (SFU_LOG_LEVEL).
 */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = Record<string, unknown>;

export class Logger {
  readonly #level: LogLevel;
  readonly #scope: string;
  readonly #base: LogFields;

  constructor(level: LogLevel, scope = 'sfu', base: LogFields = {}) {
    this.#level = level;
    this.#scope = scope;
    this.#base = base;
  }

  /** A logger that adds `fields` to every line (e.g. the room id). */
  child(scope: string, fields: LogFields = {}): Logger {
    return new Logger(this.#level, `${this.#scope}:${scope}`, { ...this.#base, ...fields });
  }

  debug(msg: string, fields?: LogFields): void {
    this.#write('debug', msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    this.#write('info', msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    this.#write('warn', msg, fields);
  }

  error(msg: string, fields?: LogFields): void {
    this.#write('error', msg, fields);
  }

  #write(level: LogLevel, msg: string, fields?: LogFields): void {
    if (RANK[level] < RANK[this.#level]) return;
    const line = { t: new Date().toISOString(), level, scope: this.#scope, msg, ...this.#base, ...fields };
    process.stderr.write(`${JSON.stringify(line, errorReplacer)}\n`);
  }
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}
