import { ConfigIssues } from './config-error';

/** The environment as read: `process.env`, or a plain object in tests. */
export type Env = Readonly<Record<string, string | undefined>>;

export interface IntOptions {
  min?: number;
  max?: number;
}

export interface UrlOptions {
  /** Accepted schemes with their colon, e.g. `['http:', 'https:']`. */
  protocols: readonly string[];
  /** Words added to the problem, e.g. `(leave it unset for the embedded database)`. */
  hint?: string;
  /** Only scheme://host[:port], nothing after it (a trailing slash is dropped). */
  originOnly?: boolean;
}

const ORIGIN: UrlOptions = { protocols: ['http:', 'https:'], originOnly: true };
const INTEGER = /^[+-]?\d+$/;
const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/**
 * Reads and checks environment variables, each named once. A value that is unset or blank
 * gives the default (or `undefined` without one); a bad value is recorded as an issue and the
 * default is returned, so that one start-up reports every bad variable: call `throwIfAny()`
 * when everything is read. Values of secrets and URLs never appear in a problem.
 */
export class EnvReader extends ConfigIssues {
  private readonly env: Env;

  constructor(env: Env) {
    super();
    this.env = env;
  }

  /** The trimmed value, or `undefined` when unset or blank. */
  string(name: string): string | undefined;
  string(name: string, fallback: string): string;
  string(name: string, fallback?: string): string | undefined {
    const raw = this.env[name]?.trim();
    return raw === undefined || raw === '' ? fallback : raw;
  }

  /** A value that must be set. */
  requireString(name: string): string {
    const value = this.string(name);
    if (value === undefined) this.add(name, 'is not set');
    return value ?? '';
  }

  /** A shared secret: set, and at least `minBytes` bytes of UTF-8 (HS256 keys shorter than the hash are weak). */
  secret(name: string, minBytes: number): string {
    const value = this.string(name);
    if (value === undefined) this.add(name, 'is not set');
    else if (new TextEncoder().encode(value).length < minBytes)
      this.add(name, `must be at least ${minBytes} bytes long`);
    return value ?? '';
  }

  /** A decimal integer, within [min, max] when given. */
  int(name: string, fallback: number, range?: IntOptions): number;
  int(name: string, fallback?: undefined, range?: IntOptions): number | undefined;
  int(name: string, fallback?: number, range: IntOptions = {}): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = INTEGER.test(raw) ? Number(raw) : Number.NaN;
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      this.add(name, `must be ${describeRange(range)}, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  /** A TCP/UDP port, 1..65535 (0, "any free port", only with `allowZero`). */
  port(name: string, fallback: number, options?: { allowZero?: boolean }): number;
  port(name: string, fallback?: undefined, options?: { allowZero?: boolean }): number | undefined;
  port(name: string, fallback?: number, options: { allowZero?: boolean } = {}): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const min = options.allowZero ? 0 : 1;
    const value = INTEGER.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isInteger(value) || value < min || value > 65535) {
      this.add(name, `must be a port number from ${min} to 65535, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  /** 1/true/yes/on or 0/false/no/off, any case. */
  boolean(name: string, fallback: boolean): boolean {
    const raw = this.string(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (TRUE.has(raw)) return true;
    if (FALSE.has(raw)) return false;
    this.add(name, `must be true or false (1/0, yes/no, on/off), got "${raw}"`);
    return fallback;
  }

  /** One of `choices`, exactly. */
  oneOf<const T extends string>(name: string, choices: readonly T[], fallback: T): T;
  oneOf<const T extends string>(name: string, choices: readonly T[], fallback?: undefined): T | undefined;
  oneOf<const T extends string>(name: string, choices: readonly T[], fallback?: T): T | undefined {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if ((choices as readonly string[]).includes(raw)) return raw as T;
    this.add(name, `must be one of ${choices.join(', ')}, got "${raw}"`);
    return fallback;
  }

  /** A URL with one of `protocols`; `undefined` when unset or bad. The value itself is never echoed (it may hold a password). */
  url(name: string, options: UrlOptions): string | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const problem = checkUrl(raw, options);
    if (problem) {
      this.add(name, options.hint ? `${problem} ${options.hint}` : problem);
      return undefined;
    }
    return options.originOnly ? raw.replace(/\/+$/, '') : raw;
  }

  /**
   * A comma-separated list of web origins (scheme://host[:port], as browsers send in Origin);
   * `undefined` when unset or blank, and when any item is not an origin.
   */
  origins(name: string): string[] | undefined {
    const items = this.list(name);
    if (!items) return undefined;
    const bad = items.find((item) => checkUrl(item, ORIGIN) !== null);
    if (bad !== undefined) {
      this.add(name, `must list origins as scheme://host[:port], got "${bad}"`);
      return undefined;
    }
    return items.map((item) => item.replace(/\/+$/, ''));
  }

  /** A comma-separated list, each item trimmed, empty items dropped; `undefined` when unset or blank. */
  list(name: string): string[] | undefined;
  list(name: string, fallback: readonly string[]): string[];
  list(name: string, fallback?: readonly string[]): string[] | undefined {
    const raw = this.string(name);
    const items = raw
      ?.split(',')
      .map((item) => item.trim())
      .filter(Boolean);
    return items && items.length > 0 ? items : fallback && [...fallback];
  }
}

function describeRange({ min, max }: IntOptions): string {
  if (min !== undefined && max !== undefined) return `an integer from ${min} to ${max}`;
  if (min !== undefined) return `an integer of at least ${min}`;
  if (max !== undefined) return `an integer of at most ${max}`;
  return 'an integer';
}

function schemes(protocols: readonly string[]): string {
  return protocols.map((p) => `${p}//`).join(' or ');
}

function checkUrl(raw: string, options: UrlOptions): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `must be a ${schemes(options.protocols)} URL`;
  }
  if (!options.protocols.includes(url.protocol)) return `must be a ${schemes(options.protocols)} URL`;
  if (options.originOnly && url.origin !== raw.replace(/\/+$/, '')) {
    return 'must be an origin, scheme://host[:port] with nothing after it';
  }
  return null;
}
