import { refuseEnrollment } from '@holocall/protocol';

/** A PNG's header fields and chunks (offsets into the file), read without inflating anything. */
export interface PngLayout {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlaced: boolean;
  /** Every chunk up to IEND, in file order: its type and the offsets of its length field and of the byte after its CRC. */
  chunks: { type: string; start: number; end: number }[];
}

const SIGNATURE_BYTES = 8;
/** Samples per pixel of each PNG colour type (greyscale, RGB, palette, grey + alpha, RGBA). */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
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

const undecodable = (message: string) => refuseEnrollment('photo_undecodable', message, { type: 'image/png' });

/** The chunks of a PNG (its signature already judged by the header check); a chunk that runs past the end is photo_undecodable. */
export function readPngLayout(bytes: Uint8Array): PngLayout {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: PngLayout['chunks'] = [];
  let offset = SIGNATURE_BYTES;
  while (offset + 12 <= bytes.byteLength) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const end = offset + 12 + length;
    if (end > bytes.byteLength) throw undecodable(`PNG chunk ${type} runs past the end of the file`);
    chunks.push({ type, start: offset, end });
    offset = end;
    if (type === 'IEND') break;
  }
  const ihdr = chunks[0];
  if (ihdr?.type !== 'IHDR' || ihdr.end - ihdr.start !== 25) throw undecodable('PNG without an IHDR chunk first');
  const at = ihdr.start + 8;
  const colorType = bytes[at + 9]!;
  if (CHANNELS[colorType] === undefined) throw undecodable(`PNG colour type ${colorType} does not exist`);
  return {
    width: view.getUint32(at),
    height: view.getUint32(at + 4),
    bitDepth: bytes[at + 8]!,
    colorType,
    interlaced: bytes[at + 12] === 1,
    chunks,
  };
}

/** Bytes the image data of this PNG inflates to: one filter byte per row of every pass (seven for Adam7) plus its samples. */
export function pngInflatedBytes(layout: PngLayout): number {
  const bitsPerPixel = CHANNELS[layout.colorType]! * layout.bitDepth;
  const rowBytes = (width: number) => Math.ceil((width * bitsPerPixel) / 8) + 1;
  if (!layout.interlaced) return rowBytes(layout.width) * layout.height;
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const w = layout.width > x0 ? Math.ceil((layout.width - x0) / dx) : 0;
    const h = layout.height > y0 ? Math.ceil((layout.height - y0) / dy) : 0;
    if (w > 0 && h > 0) total += rowBytes(w) * h;
  }
  return total;
}

/** The concatenated IDAT payloads (the zlib stream of the image data). */
export function pngImageData(bytes: Uint8Array, layout: PngLayout): Buffer {
  return Buffer.concat(
    layout.chunks.filter((c) => c.type === 'IDAT').map((c) => bytes.subarray(c.start + 8, c.end - 4)),
  );
}
