import { HolocallError } from './errors';

/**
 * Byte-level helpers shared by the inference envelopes and the rendered frame (internal: not
 * exported from the package).
 */

export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
export const HASH_PATTERN = /^[0-9a-f]{16,128}$/;
const ascii = new TextDecoder('ascii');
const asciiEncoder = new TextEncoder();

export function malformed(reason: string, details?: Record<string, unknown>): HolocallError {
  return HolocallError.malformedFrame(`inference envelope: ${reason}`, { reason, ...details });
}

export function readShortString(bytes: Uint8Array, at: number, pattern: RegExp, what: string): [string, number] {
  if (at >= bytes.length) throw malformed('truncated', { field: what });
  const len = bytes[at]!;
  if (at + 1 + len > bytes.length) throw malformed('truncated', { field: what });
  const value = ascii.decode(bytes.subarray(at + 1, at + 1 + len));
  if (!pattern.test(value)) throw malformed('bad_field', { field: what });
  return [value, at + 1 + len];
}

export function writeShortString(out: Uint8Array, at: number, value: string): number {
  const bytes = asciiEncoder.encode(value);
  out[at] = bytes.length;
  out.set(bytes, at + 1);
  return at + 1 + bytes.length;
}
