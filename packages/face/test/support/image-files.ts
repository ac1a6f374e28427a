/**
 * Image files built byte by byte for the bounded decoder's tests (and the web app's and the
 * inference node's): the shapes no encoder in the tree writes (Adam7-interlaced PNGs,
 * progressive JPEGs, EXIF-rotated JPEGs) and the bombs made of them (a PNG whose data inflates
 * far past its declared size, a progressive JPEG of thousands of scans). Exported as
 * `@holocall/face/test-support/image-files`. Node only.
 */
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import type { RgbaImage } from '../../src/warp';

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC_TABLE[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A PNG file from its IHDR fields and its (not yet deflated) filtered image data. */
export function pngFile(
  header: { width: number; height: number; interlaced: boolean; colorType?: number },
  raw: Uint8Array,
  extraChunks: { type: string; data: Uint8Array }[] = [],
): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(header.width, 0);
  ihdr.writeUInt32BE(header.height, 4);
  ihdr[8] = 8;
  ihdr[9] = header.colorType ?? 6;
  ihdr[12] = header.interlaced ? 1 : 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    ...extraChunks.map((c) => pngChunk(c.type, c.data)),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

/** The seven Adam7 passes: first column and row, column and row steps. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** An Adam7-interlaced RGBA PNG of `img` (filter type 0 on every row). */
export function interlacedPng(img: RgbaImage): Buffer {
  const rows: number[] = [];
  for (const [x0, y0, dx, dy] of ADAM7) {
    for (let y = y0; y < img.height; y += dy) {
      if (x0 >= img.width) break;
      rows.push(0);
      for (let x = x0; x < img.width; x += dx) {
        const i = (y * img.width + x) * 4;
        rows.push(img.data[i]!, img.data[i + 1]!, img.data[i + 2]!, img.data[i + 3]!);
      }
    }
  }
  return pngFile({ width: img.width, height: img.height, interlaced: true }, Uint8Array.from(rows));
}

/**
 * A PNG bomb: a small file declaring `width` x `height` whose image data inflates to
 * `inflatedBytes` zeros (deflate packs about 1000:1).
 */
export function pngBomb(width: number, height: number, inflatedBytes: number, interlaced: boolean): Buffer {
  return pngFile({ width, height, interlaced }, new Uint8Array(inflatedBytes));
}

/** `bytes` (a JPEG) with an APP1 Exif segment holding IFD0 tag 0x0112 (orientation) after SOI. */
export function withExifOrientation(bytes: Uint8Array, orientation: number): Uint8Array {
  const tiff = [0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0];
  const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const app1 = [0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff, ...payload];
  return Uint8Array.from([0xff, 0xd8, ...app1, ...bytes.subarray(2)]);
}

/** A baseline JPEG of `img` (jpeg-js), optionally with an EXIF orientation. */
export function baselineJpeg(img: RgbaImage, options: { quality?: number; orientation?: number } = {}): Uint8Array {
  const data = jpeg.encode(
    {
      data: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength),
      width: img.width,
      height: img.height,
    },
    options.quality ?? 95,
  ).data;
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return options.orientation ? withExifOrientation(bytes, options.orientation) : bytes;
}

/** Writes bits most significant first, with JPEG's byte stuffing (0xFF is followed by 0x00). */
class BitWriter {
  private readonly bytes: number[] = [];
  private acc = 0;
  private count = 0;

  write(value: number, bits: number): void {
    for (let i = bits - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.count === 8) this.flushByte();
    }
  }

  /** Pads the last byte with 1 bits, as JPEG asks, and returns the entropy-coded bytes. */
  finish(): number[] {
    while (this.count !== 0) this.write(1, 1);
    return this.bytes;
  }

  private flushByte(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0);
    this.acc = 0;
    this.count = 0;
  }
}

const u16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const segment = (marker: number, body: number[]) => [0xff, marker, ...u16(body.length + 2), ...body];

/**
 * A progressive (SOF2) greyscale JPEG, DC only: each 8x8 block is one flat grey, `level(bx, by)`
 * in 0..255 (a mosaic of the picture). After the DC scan, `acScans` AC scans of band 1..63 say
 * "every block: no AC coefficient" in one end-of-band run each: a few bytes per scan that a
 * decoder walks over every block. Thousands of them make the scan bomb.
 */
export function progressiveJpeg(
  width: number,
  height: number,
  level: (bx: number, by: number) => number,
  acScans = 1,
): Uint8Array {
  const bw = Math.ceil(width / 8);
  const bh = Math.ceil(height / 8);
  // Quantisation 8 for DC: a flat block of grey g has DC coefficient 8 * (g - 128), so g - 128 after quantisation.
  const dqt = segment(0xdb, [0, ...new Array(64).fill(8)]);
  const sof = segment(0xc2, [8, ...u16(height), ...u16(width), 1, 1, 0x11, 0]);
  // DC table: categories 0..11, every code 4 bits long (code = category).
  const dcCounts = [0, 0, 0, 12, ...new Array(12).fill(0)];
  const dht = segment(0xc4, [0x00, ...dcCounts, ...Array.from({ length: 12 }, (_, i) => i)]);
  const dc = new BitWriter();
  let previous = 0;
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      const value = Math.round(Math.min(255, Math.max(0, level(bx, by)))) - 128;
      const diff = value - previous;
      previous = value;
      const magnitude = Math.abs(diff);
      const category = magnitude === 0 ? 0 : 32 - Math.clz32(magnitude);
      dc.write(category, 4);
      if (category > 0) dc.write(diff > 0 ? diff : diff + (1 << category) - 1, category);
    }
  }
  const dcScan = [...segment(0xda, [1, 1, 0x00, 0, 0, 0]), ...dc.finish()];
  // AC table: one symbol, an end-of-band run of 2^r blocks (symbol r << 4, r extra bits), code '0'.
  const blocks = bw * bh;
  const runs: number[] = [];
  for (let left = blocks; left > 0; ) {
    const r = Math.min(14, 31 - Math.clz32(left));
    runs.push(r);
    left -= 1 << r;
  }
  const acSymbols = [...new Set(runs)].sort((a, b) => a - b);
  const acCounts = new Array(16).fill(0);
  acCounts[Math.max(0, Math.ceil(Math.log2(acSymbols.length + 1)) - 1)] = acSymbols.length;
  const codeBits = Math.max(1, Math.ceil(Math.log2(acSymbols.length + 1)));
  const dhtAc = segment(0xc4, [0x10, ...acCounts, ...acSymbols.map((r) => r << 4)]);
  const ac = new BitWriter();
  for (const r of runs) {
    ac.write(acSymbols.indexOf(r), codeBits);
    ac.write(0, r);
  }
  const acData = ac.finish();
  const acScan = [...segment(0xda, [1, 1, 0x00, 1, 63, 0]), ...acData];
  const out: number[] = [0xff, 0xd8, ...dqt, ...sof, ...dht, ...dhtAc, ...dcScan];
  for (let i = 0; i < acScans; i++) out.push(...acScan);
  out.push(0xff, 0xd9);
  return Uint8Array.from(out);
}
