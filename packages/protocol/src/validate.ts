import type { z } from 'zod';
import { HolocallError } from './errors';

/**
 * Validates a decoded message against its schema where it enters a process.
 * Never throws anything but a HolocallError(bad_request) whose details list the
 * failing paths, so dispatchers can answer with a typed error and carry on.
 */
export function parseMessage<S extends z.ZodType>(schema: S, value: unknown, what = 'message'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 8).map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  throw HolocallError.badRequest(`invalid ${what}`, { issues });
}

// The protocol package runs in browsers too: no Buffer here.
const utf8 = new TextEncoder();

/** Size of a JSON-ish message as it travels (UTF-8 bytes of its JSON form); Infinity if it cannot be serialised. */
export function jsonByteLength(value: unknown): number {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? 0 : utf8.encode(text).length;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Refuses a message larger than `limit` bytes before any further work is done on it. */
export function assertWithinSize(what: string, bytes: number, limit: number): void {
  if (bytes > limit) throw HolocallError.tooLarge(what, limit, bytes);
}
