/**
 * Fuzzing the enrollment image decoder the node's lift worker runs (decodeEnrollmentImage), for
 * decode-image.fuzz.test.ts and `npm run bench -- fuzz`. Inputs are valid PNGs (several colour
 * types and depths) and JPEGs (baseline, with an EXIF orientation), mutated as bytes and along
 * their structure: PNG chunks with their CRCs recomputed (so a mutation reaches the inflater and
 * the filters instead of stopping at the checksum), IHDR fields at their edges (size, depth,
 * colour type, interlace), JPEG segments (SOF size and components, tables, repeated scans).
 *
 * Oracle: a typed refusal (bad_request, too_large, unsupported_media, with an enrollment reason)
 * or an RGBA image within the photo limits whose size is the header's displayed size; never
 * another throw, and each case within a time bound.
 */
import { crc32 } from 'node:zlib';
import {
  checkEnrollmentImage,
  ErrorCode,
  type HolocallError,
  MAX_PHOTO_PIXELS,
  MAX_PHOTO_SIDE,
} from '@holocall/protocol';
import {
  ACCEPTED,
  FuzzCrash,
  mutateBytes,
  pick,
  preview,
  type Random,
  randomInt,
  refusalOf,
  type Verdict,
} from '@holocall/protocol/test-support/fuzz';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { decodeEnrollmentImage } from '../../src/enrollment/decode-image';

/** Longest one decode may take (a 256-pixel photo decodes in milliseconds; a 25 MP one in about a second). */
export const DECODE_CASE_BUDGET_MS = 5000;

const W = 288;
const H = 256;

function pixels(width: number, height: number, channels: number, seed: number): Buffer {
  const data = Buffer.alloc(width * height * channels);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    // Smooth gradients with a little noise: compresses like a photo, not like noise or a flat fill.
    const p = Math.floor(i / channels);
    data[i] = ((p % width) + Math.floor(p / width) + (s >>> 28)) & 0xff;
  }
  return data;
}

function png(options: { colorType: 0 | 2 | 4 | 6; bitDepth: 8 | 16; inputHasAlpha?: boolean }): Uint8Array {
  const image = new PNG({ width: W, height: H, ...options });
  image.data = pixels(W, H, 4, options.colorType * 31 + options.bitDepth);
  return new Uint8Array(PNG.sync.write(image, { colorType: options.colorType, bitDepth: options.bitDepth }));
}

function jpegWithOrientation(orientation: number, quality: number): Uint8Array {
  const plain = jpeg.encode({ data: pixels(W, H, 4, quality), width: W, height: H }, quality).data;
  const tiff = [0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0];
  const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const app1 = [0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff, ...payload];
  return Uint8Array.from([0xff, 0xd8, ...app1, ...plain.subarray(2)]);
}

/** The valid images every case starts from. */
export function imageSeeds(): Uint8Array[] {
  return [
    png({ colorType: 6, bitDepth: 8 }),
    png({ colorType: 2, bitDepth: 8 }),
    png({ colorType: 0, bitDepth: 8 }),
    png({ colorType: 4, bitDepth: 8 }),
    png({ colorType: 2, bitDepth: 16 }),
    new Uint8Array(jpeg.encode({ data: pixels(W, H, 4, 1), width: W, height: H }, 50).data),
    jpegWithOrientation(6, 85),
    jpegWithOrientation(3, 30),
  ];
}

// ---------------------------------------------------------------------------------------------
// PNG structure

interface Chunk {
  type: string;
  data: Uint8Array;
}

function pngChunks(bytes: Uint8Array): Chunk[] | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: Chunk[] = [];
  let at = 8;
  while (at + 12 <= bytes.length) {
    const length = view.getUint32(at);
    if (at + 12 + length > bytes.length) return null;
    chunks.push({
      type: String.fromCharCode(...bytes.subarray(at + 4, at + 8)),
      data: bytes.slice(at + 8, at + 8 + length),
    });
    at += 12 + length;
  }
  return chunks;
}

function writePng(chunks: readonly Chunk[]): Uint8Array {
  const size = 8 + chunks.reduce((n, c) => n + 12 + c.data.length, 0);
  const out = new Uint8Array(size);
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(out.buffer);
  let at = 8;
  for (const chunk of chunks) {
    view.setUint32(at, chunk.data.length);
    for (let i = 0; i < 4; i++) out[at + 4 + i] = chunk.type.charCodeAt(i) & 0xff;
    out.set(chunk.data, at + 8);
    view.setUint32(at + 8 + chunk.data.length, crc32(out.subarray(at + 4, at + 8 + chunk.data.length)));
    at += 12 + chunk.data.length;
  }
  return out;
}

function mutatePng(random: Random, bytes: Uint8Array): Uint8Array {
  const chunks = pngChunks(bytes);
  if (!chunks || chunks.length === 0) return mutateBytes(random, bytes);
  const ihdr = chunks.find((c) => c.type === 'IHDR');
  switch (randomInt(random, 6)) {
    case 0: {
      // An IHDR field at an edge: size, bit depth, colour type, interlace (Adam7), filter, compression.
      if (!ihdr || ihdr.data.length < 13) break;
      const view = new DataView(ihdr.data.buffer, ihdr.data.byteOffset, ihdr.data.byteLength);
      const field = randomInt(random, 6);
      if (field < 2)
        view.setUint32(
          field * 4,
          pick(random, [0, 1, 255, 256, 257, 4999, 5000, 10_000, 10_001, 0x7fffffff, 0xffffffff]),
        );
      else if (field === 2) ihdr.data[8] = pick(random, [1, 2, 4, 8, 16, 3, 0, 32]);
      else if (field === 3) ihdr.data[9] = pick(random, [0, 2, 3, 4, 6, 1, 7]);
      else if (field === 4) ihdr.data[12] = pick(random, [0, 1, 2]);
      else ihdr.data[10 + randomInt(random, 2)] = pick(random, [0, 1, 255]);
      break;
    }
    case 1: {
      // Bytes inside one chunk (often the compressed image data), CRC kept right.
      const chunk = pick(random, chunks);
      chunk.data = mutateBytes(random, chunk.data, { hotRange: chunk.data.length });
      break;
    }
    case 2: {
      // Drop, duplicate or swap chunks.
      const i = randomInt(random, chunks.length);
      const op = randomInt(random, 3);
      if (op === 0) chunks.splice(i, 1);
      else if (op === 1) chunks.splice(i, 0, { type: chunks[i]!.type, data: chunks[i]!.data.slice() });
      else {
        const j = randomInt(random, chunks.length);
        [chunks[i], chunks[j]] = [chunks[j]!, chunks[i]!];
      }
      break;
    }
    case 3: {
      // An extra chunk: a palette, an unknown ancillary one, or a second IHDR.
      const type = pick(random, ['PLTE', 'tRNS', 'gAMA', 'zzZz', 'IHDR', 'IEND']);
      chunks.splice(1 + randomInt(random, chunks.length), 0, {
        type,
        data: mutateBytes(random, new Uint8Array(randomInt(random, 40))),
      });
      break;
    }
    case 4:
      // Raw bytes anywhere, CRCs not fixed (the checksum path).
      return mutateBytes(random, bytes, { hotRange: 80 });
    default: {
      // Interlaced with the same data: the Adam7 path over data that was written for one pass.
      if (ihdr && ihdr.data.length >= 13) ihdr.data[12] = 1;
      break;
    }
  }
  return writePng(chunks);
}

// ---------------------------------------------------------------------------------------------
// JPEG structure

/** Offsets of the markers (0xFF then a marker byte) before the first scan's data. */
function jpegSegments(bytes: Uint8Array): { at: number; marker: number; length: number }[] {
  const out: { at: number; marker: number; length: number }[] = [];
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1]!;
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    out.push({ at, marker, length });
    if (marker === 0xda) break;
    at += 2 + length;
  }
  return out;
}

function mutateJpeg(random: Random, bytes: Uint8Array): Uint8Array {
  const segments = jpegSegments(bytes);
  const out = bytes.slice();
  const sof = segments.find((s) => s.marker === 0xc0 || s.marker === 0xc2);
  switch (randomInt(random, 5)) {
    case 0: {
      if (!sof) break;
      // Height, width or component count at an edge.
      const field = randomInt(random, 3);
      const value = pick(random, [0, 1, 255, 256, 4999, 5000, 10_000, 10_001, 65535]);
      if (field < 2) {
        out[sof.at + 5 + field * 2] = value >> 8;
        out[sof.at + 6 + field * 2] = value & 0xff;
      } else out[sof.at + 9] = pick(random, [0, 1, 2, 3, 4, 255]);
      return out;
    }
    case 1: {
      // Inside one segment (tables, frame, scan header).
      const segment = segments.length > 0 ? pick(random, segments) : { at: 2, length: 16 };
      const start = segment.at + 4;
      const end = Math.min(out.length, segment.at + 2 + segment.length);
      if (end <= start) return mutateBytes(random, out);
      const inner = mutateBytes(random, out.subarray(start, end), { hotRange: end - start });
      const merged = new Uint8Array(start + inner.length + (out.length - end));
      merged.set(out.subarray(0, start));
      merged.set(inner, start);
      merged.set(out.subarray(end), start + inner.length);
      return merged;
    }
    case 2: {
      // Progressive: SOF0 relabelled SOF2, so the baseline scan is read as spectral selection.
      if (sof) out[sof.at + 1] = pick(random, [0xc2, 0xc1, 0xc3, 0xc9]);
      return out;
    }
    case 3: {
      // Many copies of the scan header: a scan bomb in miniature.
      const sos = segments.find((s) => s.marker === 0xda);
      if (!sos) break;
      const header = out.subarray(sos.at, sos.at + 2 + sos.length);
      const copies = pick(random, [2, 10, 150]);
      const merged = new Uint8Array(out.length + header.length * copies);
      merged.set(out.subarray(0, sos.at));
      for (let i = 0; i < copies; i++) merged.set(header, sos.at + i * header.length);
      merged.set(out.subarray(sos.at), sos.at + copies * header.length);
      return merged;
    }
    default:
      break;
  }
  return mutateBytes(random, out, { hotRange: sof ? sof.at + 32 : 200 });
}

// ---------------------------------------------------------------------------------------------
// The case

export function imageInput(random: Random, seeds: readonly Uint8Array[]): Uint8Array {
  const seed = pick(random, seeds);
  if (random() < 0.05) return seed;
  const isPng = seed[0] === 0x89;
  return isPng ? mutatePng(random, seed) : mutateJpeg(random, seed);
}

const REFUSAL_CODES = [ErrorCode.BadRequest, ErrorCode.TooLarge, ErrorCode.UnsupportedMedia];

export function imageCase(random: Random, seeds: readonly Uint8Array[]): Verdict & { ms: number } {
  const bytes = imageInput(random, seeds);
  const started = performance.now();
  let verdict: Verdict;
  try {
    const header = checkEnrollmentImage(bytes);
    const image = decodeEnrollmentImage(bytes, header);
    const { width, height, data } = image;
    if (width > MAX_PHOTO_SIDE || height > MAX_PHOTO_SIDE || width * height > MAX_PHOTO_PIXELS) {
      throw new FuzzCrash(`decoded ${width}x${height}, over the photo limits: ${preview(bytes)}`);
    }
    if (data.length !== width * height * 4)
      throw new FuzzCrash(`decoded ${data.length} bytes for ${width}x${height} RGBA`);
    if (width !== header.displayWidth || height !== header.displayHeight) {
      throw new FuzzCrash(
        `decoded ${width}x${height}, the header displays ${header.displayWidth}x${header.displayHeight}`,
      );
    }
    verdict = ACCEPTED;
  } catch (error) {
    if (error instanceof FuzzCrash) throw error;
    verdict = refusalOf(error, REFUSAL_CODES);
    if (typeof (error as HolocallError).details?.reason !== 'string') {
      throw new FuzzCrash(`a refusal without an enrollment reason: ${(error as Error).message}`);
    }
  }
  const ms = performance.now() - started;
  if (ms > DECODE_CASE_BUDGET_MS) throw new FuzzCrash(`took ${Math.round(ms)} ms: ${preview(bytes)}`);
  return { ...verdict, ms };
}
