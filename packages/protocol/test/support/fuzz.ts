/**
 * The fuzzing toolkit every boundary's fuzz test and `npm run bench -- fuzz` share (exported as
 * `@holocall/protocol/test-support/fuzz`): structure-aware mutations of valid examples (JSON-like
 * values, text and bytes), a small declarative spec language for independent oracles, and a
 * seeded loop whose failures name the boundary, the seed and the case index, so one case
 * replays with `caseRandom(seed, index)`.
 *
 * The oracles here are written from the documented limits, not from the schemas under test:
 * a disagreement between the two is a finding in one or the other.
 */
import { type ErrorCode, HolocallError, isErrorCode } from '../../src/errors';
import { prng, randomInt } from './driver-frames';

export * from './message-oracles';
export { prng, randomInt };

export type Random = () => number;

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[randomInt(random, items.length)]!;
}

/** The PRNG of case `index` of a run seeded `seed`: every case replays on its own. */
export function caseRandom(seed: number, index: number): Random {
  return prng((Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0);
}

// ---------------------------------------------------------------------------------------------
// Values worth trying

/** Numbers at the edges of integer widths, floats and JSON. */
export const BOUNDARY_NUMBERS: readonly number[] = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  1e-300,
  2 ** 7 - 1,
  2 ** 7,
  2 ** 8 - 1,
  2 ** 8,
  2 ** 15 - 1,
  2 ** 15,
  2 ** 16 - 1,
  2 ** 16,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53 - 1,
  2 ** 53,
  -(2 ** 53),
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
];

/** Strings that break naive handling: NUL, lone surrogates, bidi overrides, combining marks, paths, markup. */
export const UNICODE_SAMPLES: readonly string[] = [
  '',
  ' ',
  'é',
  'e\u0301',
  '日本語',
  '😀',
  '\u0000',
  '\ud800',
  '\udfff',
  '\u202e',
  '\u200b',
  '\ufeff',
  '\n\r\t',
  '"\\',
  '../../etc/passwd',
  '%00%ff',
  '<script>',
  '$' + '{x}',
  'null',
  '__proto__',
];

/** Keys a hostile client adds: prototype names, mediasoup's own escape hatch, near-misses. */
export const EXTRA_KEYS: readonly string[] = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'appData',
  'type',
  '',
  'x',
  'Type',
  '0',
];

/** A number at, or one step over or under, one of `limits`, or a generic boundary number. */
export function boundaryNumber(random: Random, limits: readonly number[] = []): number {
  if (limits.length > 0 && random() < 0.6) {
    const limit = pick(random, limits);
    return limit + pick(random, [-1, 0, 0, 1, 0.5, -0.5]);
  }
  return pick(random, BOUNDARY_NUMBERS);
}

/** Longest string longString builds: past every message-size limit, cheap to build. */
export const MAX_LONG_STRING = 70_000;

/** A string of a length near one of `lengths` (or a long one), of ASCII, of one unicode sample, or mixed. */
export function longString(random: Random, lengths: readonly number[] = []): string {
  const base = [64, 65, 256, 257, 1024, 4096, 4097, 16 * 1024 + 1, 40_000];
  const buildable = lengths.filter((l) => Number.isInteger(l) && l <= MAX_LONG_STRING);
  const length = Math.max(0, pick(random, [...base, ...buildable]) + pick(random, [-1, 0, 1]));
  const unit =
    random() < 0.7
      ? 'x'
      : pick(
          random,
          UNICODE_SAMPLES.filter((s) => s.length > 0),
        );
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

/** A value of some type other than `value`'s. */
export function wrongType(random: Random, value: unknown): unknown {
  const candidates: unknown[] = [null, true, false, 0, 1, '', '1', 'true', [], {}, [value], { value }];
  if (typeof value === 'number') candidates.push(String(value));
  if (typeof value === 'string' && value !== '' && Number.isFinite(Number(value))) candidates.push(Number(value));
  const others = candidates.filter((c) => typeOf(c) !== typeOf(value));
  return pick(random, others.length > 0 ? others : candidates);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

// ---------------------------------------------------------------------------------------------
// Structure-aware mutation of JSON-like values

interface Slot {
  /** The container holding the value (undefined for the root). */
  parent: Record<string, unknown> | unknown[] | undefined;
  key: string | number;
  value: unknown;
  depth: number;
}

function slots(root: unknown): Slot[] {
  const out: Slot[] = [{ parent: undefined, key: '', value: root, depth: 0 }];
  const walk = (value: unknown, depth: number) => {
    if (depth > MAX_SLOT_DEPTH) return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        out.push({ parent: value, key: i, value: item, depth: depth + 1 });
        walk(item, depth + 1);
      });
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        out.push({ parent: value as Record<string, unknown>, key, value: item, depth: depth + 1 });
        walk(item, depth + 1);
      }
    }
  };
  walk(root, 0);
  return out;
}

/** Deep below MAX_SLOT_DEPTH nothing is mutated, so deeper subtrees are shared, not copied. */
const MAX_SLOT_DEPTH = 40;

function clone(value: unknown, depth = 0): unknown {
  if (depth > MAX_SLOT_DEPTH + 1) return value;
  if (Array.isArray(value)) return value.map((item) => clone(item, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      // defineProperty keeps a "__proto__" own key as data, as JSON.parse makes it.
      const copy = clone(item, depth + 1);
      Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

function put(slot: Slot, value: unknown, root: unknown): unknown {
  if (slot.parent === undefined) return value;
  if (Array.isArray(slot.parent)) slot.parent[slot.key as number] = value;
  else Object.defineProperty(slot.parent, slot.key, { value, enumerable: true, writable: true, configurable: true });
  return root;
}

function nested(random: Random, inner: unknown): unknown {
  const depth = pick(random, [2, 8, 64, 300]);
  let value = inner;
  for (let i = 0; i < depth; i++) value = random() < 0.5 ? [value] : { a: value };
  return value;
}

export interface ValueMutationOptions {
  /** Other valid examples: subtrees are spliced in from them. */
  donors?: readonly unknown[];
  /** Documented numeric limits of the fields (lengths, counts, ranges) to stand at and cross. */
  limits?: readonly number[];
}

/** Names of the value mutations, for counting which ones a run applied. */
export const VALUE_MUTATIONS = [
  'wrong-type',
  'boundary-number',
  'long-string',
  'unicode',
  'delete',
  'extra-key',
  'nest',
  'grow-array',
  'splice',
  'stringify',
] as const;
export type ValueMutation = (typeof VALUE_MUTATIONS)[number];

/** One mutation at one random place of a copy of `value`. */
export function mutateValueOnce(
  random: Random,
  value: unknown,
  options: ValueMutationOptions = {},
  kind: ValueMutation = pick(random, VALUE_MUTATIONS),
): unknown {
  const root = clone(value);
  const all = slots(root);
  // Leaves mostly (that is where limits live), containers sometimes.
  const slot = pick(random, all.length > 1 && random() < 0.9 ? all.slice(1) : all);
  const limits = options.limits ?? [];
  switch (kind) {
    case 'wrong-type':
      return put(slot, wrongType(random, slot.value), root);
    case 'boundary-number':
      return put(slot, boundaryNumber(random, limits), root);
    case 'long-string':
      return put(slot, longString(random, limits), root);
    case 'unicode': {
      const sample = pick(random, UNICODE_SAMPLES);
      if (typeof slot.value === 'string') {
        const at = randomInt(random, slot.value.length + 1);
        return put(slot, random() < 0.5 ? slot.value.slice(0, at) + sample + slot.value.slice(at) : sample, root);
      }
      return put(slot, sample, root);
    }
    case 'delete': {
      if (slot.parent === undefined) return undefined;
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else delete slot.parent[slot.key as string];
      return root;
    }
    case 'extra-key': {
      const objects = all.filter((s) => s.value !== null && typeof s.value === 'object' && !Array.isArray(s.value));
      if (objects.length === 0) return put(slot, { [pick(random, EXTRA_KEYS)]: slot.value }, root);
      const target = pick(random, objects).value as Record<string, unknown>;
      const key = pick(random, [...EXTRA_KEYS, ...Object.keys(target).map((k) => `${k} `)]);
      // A copy: the slot may be an ancestor of the target, and a message off the wire has no cycles.
      const extra = pick(random, [null, 1, 'x', {}, [], { polluted: true }, clone(slot.value)]);
      Object.defineProperty(target, key, { value: extra, enumerable: true, writable: true, configurable: true });
      return root;
    }
    case 'nest':
      return put(slot, nested(random, slot.value), root);
    case 'grow-array': {
      const arrays = all.filter((s) => Array.isArray(s.value));
      if (arrays.length === 0) return put(slot, [slot.value, slot.value], root);
      const target = pick(random, arrays).value as unknown[];
      // Lengths at and over the usual array caps, and at the field limits small enough to build.
      const counts = limits.filter((l) => Number.isInteger(l) && l > 0 && l <= 1024);
      const to = Math.max(0, pick(random, [0, 1, 2, 8, 16, 24, 25, 32, 64, 128, ...counts]) + pick(random, [0, 1, -1]));
      if (target.length === 0) {
        target.push(...Array.from({ length: to }, () => pick(random, [0, 'x', {}, null])));
      } else if (to < target.length) target.length = to;
      else {
        const start = target.length;
        for (let i = start; i < to; i++) target.push(clone(target[i % start]));
      }
      return root;
    }
    case 'splice': {
      const donors = options.donors ?? [];
      if (donors.length === 0) return put(slot, clone(value), root);
      const donorSlots = slots(pick(random, donors));
      return put(slot, clone(pick(random, donorSlots).value), root);
    }
    case 'stringify':
      return put(slot, slot.value === undefined ? 'undefined' : JSON.stringify(slot.value), root);
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}

/** One to three stacked mutations of a copy of `value`. */
export function mutateValue(random: Random, value: unknown, options: ValueMutationOptions = {}): unknown {
  let out = mutateValueOnce(random, value, options);
  const more = random() < 0.7 ? 0 : 1 + randomInt(random, 2);
  for (let i = 0; i < more; i++) out = mutateValueOnce(random, out, options);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Bytes and text

export const BYTE_MUTATIONS = [
  'bit-flip',
  'truncate',
  'extend',
  'set-byte',
  'boundary-int',
  'insert',
  'delete-range',
  'duplicate-range',
  'splice',
] as const;
export type ByteMutation = (typeof BYTE_MUTATIONS)[number];

const SPECIAL_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];

export function randomBytes(random: Random, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = randomInt(random, 256);
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * One mutation of a copy of `bytes`. `hotRange` (e.g. a header) receives most point mutations:
 * that is where lengths and tags live.
 */
export function mutateBytesOnce(
  random: Random,
  bytes: Uint8Array,
  options: { donors?: readonly Uint8Array[]; hotRange?: number } = {},
  kind: ByteMutation = pick(random, BYTE_MUTATIONS),
): Uint8Array {
  const out = bytes.slice();
  const n = out.length;
  const hot = options.hotRange ?? 64;
  const at = () => (n === 0 ? 0 : random() < 0.7 ? randomInt(random, Math.min(n, hot)) : randomInt(random, n));
  switch (kind) {
    case 'bit-flip': {
      if (n === 0) return Uint8Array.of(1);
      const flips = 1 + randomInt(random, 4);
      for (let i = 0; i < flips; i++) out[at()]! ^= 1 << randomInt(random, 8);
      return out;
    }
    case 'truncate':
      return out.slice(0, random() < 0.5 ? randomInt(random, Math.min(n, hot) + 1) : randomInt(random, n + 1));
    case 'extend':
      return concat(out, randomBytes(random, 1 + randomInt(random, random() < 0.9 ? 16 : 4096)));
    case 'set-byte':
      if (n > 0) out[at()] = random() < 0.5 ? pick(random, SPECIAL_BYTES) : randomInt(random, 256);
      return out;
    case 'boundary-int': {
      // A u16 or u32, either endianness, at an edge: where lengths and counts are written.
      if (n < 4) return out;
      const width = random() < 0.5 ? 2 : 4;
      const offset = Math.min(at(), n - width);
      const value = pick(random, width === 2 ? [0, 1, 0x7fff, 0x8000, 0xfffe, 0xffff] : [0, 1, 0x7fffffff, 0xffffffff]);
      const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      const le = random() < 0.5;
      if (width === 2) view.setUint16(offset, value, le);
      else view.setUint32(offset, value, le);
      return out;
    }
    case 'insert': {
      const i = at();
      return concat(out.subarray(0, i), randomBytes(random, 1 + randomInt(random, 8)), out.subarray(i));
    }
    case 'delete-range': {
      const i = at();
      return concat(out.subarray(0, i), out.subarray(Math.min(n, i + 1 + randomInt(random, 16))));
    }
    case 'duplicate-range': {
      const i = at();
      const j = Math.min(n, i + 1 + randomInt(random, 64));
      return concat(out.subarray(0, j), out.subarray(i, j), out.subarray(j));
    }
    case 'splice': {
      const donors = options.donors ?? [];
      const donor = donors.length > 0 ? pick(random, donors) : out;
      const i = at();
      const j = randomInt(random, donor.length + 1);
      return concat(out.subarray(0, i), donor.subarray(j));
    }
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}

/** One to three stacked byte mutations. */
export function mutateBytes(
  random: Random,
  bytes: Uint8Array,
  options: { donors?: readonly Uint8Array[]; hotRange?: number } = {},
): Uint8Array {
  let out = mutateBytesOnce(random, bytes, options);
  const more = random() < 0.7 ? 0 : 1 + randomInt(random, 2);
  for (let i = 0; i < more; i++) out = mutateBytesOnce(random, out, options);
  return out;
}

const utf8 = new TextEncoder();
const utf8Lenient = new TextDecoder('utf-8', { fatal: false });

/** A text message mutated as bytes (broken UTF-8, truncated JSON) or as characters (unicode inserted). */
export function mutateText(random: Random, text: string): string {
  if (random() < 0.5) return utf8Lenient.decode(mutateBytes(random, utf8.encode(text), { hotRange: text.length }));
  const at = randomInt(random, text.length + 1);
  return text.slice(0, at) + pick(random, [...UNICODE_SAMPLES, '{', '}', '[', '"', ',', ':']) + text.slice(at);
}

// ---------------------------------------------------------------------------------------------
// An independent spec language for oracles

/** What a field may hold, as documented (not as the schema under test says). */
export type Spec =
  | { t: 'str'; min?: number; max?: number; re?: RegExp /** No unpaired UTF-16 surrogate. */; wellFormed?: boolean }
  | { t: 'int'; min: number; max: number }
  | { t: 'num'; min?: number; max?: number; gt?: number }
  | { t: 'bool' }
  | { t: 'lit'; v: string | number | boolean }
  | { t: 'enum'; vs: readonly (string | number)[] }
  | { t: 'arr'; of: Spec; min?: number; max?: number }
  | {
      t: 'obj';
      fields: Record<string, Spec>;
      optional?: readonly string[];
      strict: boolean;
      check?: (v: never) => boolean;
    }
  | { t: 'map'; key: Spec; value: Spec; maxKeys: number }
  | { t: 'any-of'; of: readonly Spec[] }
  | { t: 'tagged'; tag: string; cases: Record<string, Spec> };

/** No unpaired surrogate, checked code unit by code unit. */
function wellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return false;
  }
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** True when `value` is what `spec` documents. Numbers must be finite; integers safe. */
export function conforms(spec: Spec, value: unknown): boolean {
  switch (spec.t) {
    case 'str':
      return (
        typeof value === 'string' &&
        value.length >= (spec.min ?? 0) &&
        value.length <= (spec.max ?? Number.POSITIVE_INFINITY) &&
        (spec.re === undefined || spec.re.test(value)) &&
        (!spec.wellFormed || wellFormed(value))
      );
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= spec.min && value <= spec.max;
    case 'num':
      return (
        typeof value === 'number' &&
        Number.isFinite(value) &&
        value >= (spec.min ?? Number.NEGATIVE_INFINITY) &&
        value <= (spec.max ?? Number.POSITIVE_INFINITY) &&
        (spec.gt === undefined || value > spec.gt)
      );
    case 'bool':
      return typeof value === 'boolean';
    case 'lit':
      return value === spec.v;
    case 'enum':
      return spec.vs.includes(value as string);
    case 'arr':
      return (
        Array.isArray(value) &&
        value.length >= (spec.min ?? 0) &&
        value.length <= (spec.max ?? Number.POSITIVE_INFINITY) &&
        value.every((item) => conforms(spec.of, item))
      );
    case 'obj': {
      if (!isPlainObject(value)) return false;
      const optional = spec.optional ?? [];
      for (const [key, field] of Object.entries(spec.fields)) {
        const has = Object.hasOwn(value, key) && value[key] !== undefined;
        if (!has) {
          if (!optional.includes(key)) return false;
        } else if (!conforms(field, value[key])) return false;
      }
      if (spec.strict && Object.keys(value).some((key) => !Object.hasOwn(spec.fields, key))) return false;
      return spec.check === undefined || spec.check(value as never);
    }
    case 'map': {
      if (!isPlainObject(value)) return false;
      // A "__proto__" key is dropped by the parser (never copied, so it cannot set a prototype): not a violation.
      const entries = Object.entries(value).filter(([key]) => key !== '__proto__');
      return (
        entries.length <= spec.maxKeys && entries.every(([k, v]) => conforms(spec.key, k) && conforms(spec.value, v))
      );
    }
    case 'any-of':
      return spec.of.some((s) => conforms(s, value));
    case 'tagged': {
      if (!isPlainObject(value)) return false;
      const tag = value[spec.tag];
      if (typeof tag !== 'string' || !Object.hasOwn(spec.cases, tag)) return false;
      return conforms(spec.cases[tag]!, value);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Outcomes and the loop

/** How one case ended. A crash is thrown (as FuzzCrash or anything else) by the case itself. */
export type Verdict = { outcome: 'accepted' } | { outcome: 'refused'; code: ErrorCode; reason?: string };

export const ACCEPTED: Verdict = { outcome: 'accepted' };

/** A case that broke an oracle (untyped throw, unexpected code, a refusal of valid input, a lost node). */
export class FuzzCrash extends Error {
  override readonly name = 'FuzzCrash';
}

/**
 * Runs `run` and classifies what it threw: a HolocallError of one of `expected` codes is a
 * refusal; anything else (a TypeError, a RangeError, `internal`, an unexpected code) is a crash.
 */
export function refusalOf(error: unknown, expected: readonly ErrorCode[]): Verdict {
  if (!(error instanceof HolocallError)) {
    throw new FuzzCrash(`untyped throw: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
  if (!isErrorCode(error.code) || !expected.includes(error.code)) {
    throw new FuzzCrash(`unexpected code ${error.code} (${error.message}); expected one of ${expected.join(', ')}`);
  }
  const reason = error.details?.reason;
  return typeof reason === 'string'
    ? { outcome: 'refused', code: error.code, reason }
    : { outcome: 'refused', code: error.code };
}

export interface FuzzTally {
  boundary: string;
  seed: number;
  cases: number;
  accepted: number;
  refused: number;
  crashes: number;
  /** Refusals per code (and reason, as `code:reason`). */
  refusals: Record<string, number>;
  /** The first few crashes, each naming its seed and case index. */
  crashReports: string[];
  seconds: number;
  memory: MemoryGrowth;
}

export interface MemoryGrowth {
  heapBeforeMiB: number;
  heapPeakMiB: number;
  heapAfterMiB: number;
  rssBeforeMiB: number;
  rssPeakMiB: number;
  rssAfterMiB: number;
}

const MIB = 1024 * 1024;

function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export interface FuzzRun {
  boundary: string;
  seed: number;
  cases: number;
  /** One case, from its own PRNG. Returns its verdict; throws for a crash. */
  run(random: Random, index: number): Verdict | Promise<Verdict>;
  /** Called every `every` cases (e.g. "a valid message still works"); a throw is a crash of that case. */
  checkpoint?: { every: number; check(index: number): void | Promise<void> };
  /** Stop at the first crash and throw it (tests); else count crashes and go on (the bench). */
  stopOnCrash?: boolean;
  /** A short description of case `index`'s input for crash reports. */
  describe?: (random: Random, index: number) => string;
}

/** Runs the cases of one boundary; a crash report reads `boundary seed 0x… case #n: what`. */
export async function runFuzz(spec: FuzzRun): Promise<FuzzTally> {
  collect();
  const before = process.memoryUsage();
  let heapPeak = before.heapUsed;
  let rssPeak = before.rss;
  const tally: FuzzTally = {
    boundary: spec.boundary,
    seed: spec.seed,
    cases: 0,
    accepted: 0,
    refused: 0,
    crashes: 0,
    refusals: {},
    crashReports: [],
    seconds: 0,
    memory: {
      heapBeforeMiB: before.heapUsed / MIB,
      heapPeakMiB: 0,
      heapAfterMiB: 0,
      rssBeforeMiB: before.rss / MIB,
      rssPeakMiB: 0,
      rssAfterMiB: 0,
    },
  };
  const crash = (index: number, error: unknown) => {
    const what = error instanceof Error ? error.message : String(error);
    const input = spec.describe ? ` input: ${spec.describe(caseRandom(spec.seed, index), index)}` : '';
    const report = `${spec.boundary} seed 0x${spec.seed.toString(16)} case #${index}: ${what}${input}`;
    tally.crashes++;
    if (tally.crashReports.length < 10) tally.crashReports.push(report);
    if (spec.stopOnCrash) throw new FuzzCrash(report, { cause: error });
  };
  const t0 = performance.now();
  for (let index = 0; index < spec.cases; index++) {
    tally.cases++;
    try {
      const verdict = await spec.run(caseRandom(spec.seed, index), index);
      if (verdict.outcome === 'accepted') tally.accepted++;
      else {
        tally.refused++;
        const key = verdict.reason ? `${verdict.code}:${verdict.reason}` : verdict.code;
        tally.refusals[key] = (tally.refusals[key] ?? 0) + 1;
      }
    } catch (error) {
      if (error instanceof FuzzCrash && error.message.startsWith(`${spec.boundary} seed`)) throw error;
      crash(index, error);
    }
    if (spec.checkpoint && (index + 1) % spec.checkpoint.every === 0) {
      try {
        await spec.checkpoint.check(index);
      } catch (error) {
        crash(index, new FuzzCrash(`the boundary stopped serving after this case: ${String(error)}`));
      }
    }
    if ((index & 1023) === 0) {
      const now = process.memoryUsage();
      heapPeak = Math.max(heapPeak, now.heapUsed);
      rssPeak = Math.max(rssPeak, now.rss);
    }
  }
  tally.seconds = (performance.now() - t0) / 1000;
  const peak = process.memoryUsage();
  collect();
  const after = process.memoryUsage();
  tally.memory.heapPeakMiB = Math.max(heapPeak, peak.heapUsed) / MIB;
  tally.memory.rssPeakMiB = Math.max(rssPeak, peak.rss) / MIB;
  tally.memory.heapAfterMiB = after.heapUsed / MIB;
  tally.memory.rssAfterMiB = after.rss / MIB;
  return tally;
}

/**
 * Where a parsed value has an object whose prototype is not Object's or Array's (or null), or
 * an own "__proto__" key: what prototype pollution through a parser would look like. Undefined when clean.
 */
export function pollutedPath(value: unknown, path = '$', depth = 0): string | undefined {
  if (value === null || typeof value !== 'object' || depth > 64) return undefined;
  const proto = Object.getPrototypeOf(value);
  const expected = Array.isArray(value) ? Array.prototype : Object.prototype;
  if (proto !== expected && proto !== null) return path;
  if (Object.hasOwn(value, '__proto__')) return `${path}.__proto__`;
  for (const [key, item] of Object.entries(value)) {
    const found = pollutedPath(item, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** A short printable preview of a value (for crash reports). */
export function preview(value: unknown, max = 300): string {
  if (value instanceof Uint8Array) {
    return `${value.length} bytes ${Array.from(value.subarray(0, 48), (b) => b.toString(16).padStart(2, '0')).join('')}`;
  }
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}
