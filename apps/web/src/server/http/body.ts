import { HolocallError } from '@holocall/protocol';
import type { z } from 'zod';

/** JSON request bodies are small: names, room settings. Uploads have their own limit. */
export const MAX_JSON_BODY_BYTES = 16 * 1024;

/**
 * Reads a request body, refusing it once it passes `limit` bytes: the declared
 * Content-Length is checked first, then the bytes actually streamed (a client may lie).
 */
export async function readBodyCapped(request: Request, limit: number, what = 'request body'): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) throw HolocallError.tooLarge(`${what} (bytes)`, limit, declared);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw HolocallError.tooLarge(`${what} (bytes)`, limit, total);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

export async function readJson<Schema extends z.ZodType>(request: Request, schema: Schema): Promise<z.infer<Schema>> {
  const type = request.headers.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/json')) {
    throw HolocallError.badRequest('expected an application/json body');
  }
  const bytes = await readBodyCapped(request, MAX_JSON_BODY_BYTES);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw HolocallError.badRequest('body is not valid JSON');
  }
  return schema.parse(value);
}
