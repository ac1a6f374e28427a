import { HolocallError } from './errors';
import { ID_PATTERN, malformed, readShortString, writeShortString } from './inference-binary';
import { ENVELOPE_KIND, ENVELOPE_VERSION } from './inference-envelopes';
import type { OutputFormat } from './inference-json-messages';

/**
 * What the inference node sends back: one binary rendered frame (a flat view or a whole quilt)
 * per driver frame, in the envelope format of inference-envelopes.ts (kind renderedFrame).
 */

export const OUTPUT_FORMAT_TAG: Record<OutputFormat, number> = { rgba: 0, png: 1, jpeg: 2 };
const OUTPUT_FORMAT_BY_TAG: OutputFormat[] = ['rgba', 'png', 'jpeg'];
export const QUALITY_LEVEL_TAG = { interactive: 0, balanced: 1, high: 2 } as const;
const QUALITY_BY_TAG = ['interactive', 'balanced', 'high'] as const;

export interface RenderedFrameHeader {
  peerId: string;
  /** The driver frame this renders (uint32). */
  seq: number;
  /** The driver frame's capture time (sender clock, ms), for lip-sync measurement. */
  captureTimeMs: number;
  /** Time the node spent on this frame, ms. */
  renderMs: number;
  format: OutputFormat;
  quality: 'interactive' | 'balanced' | 'high';
  layout: 'flat' | 'quilt';
  cols: number;
  rows: number;
  /** Whole image size (a quilt: cols * tileWidth x rows * tileHeight). */
  width: number;
  height: number;
}

/** The header's width and height are u16: no rendered frame (a whole quilt included) is wider or taller. */
export const MAX_RENDERED_FRAME_SIDE = 0xffff;
/** The header's cols and rows are u8. */
export const MAX_RENDERED_FRAME_TILES = 0xff;
/** The header's seq is u32. */
const MAX_RENDERED_FRAME_SEQ = 0xffff_ffff;

/** Fixed bytes of a rendered-frame header after the peer id. */
const FRAME_FIXED_BYTES = 4 + 8 + 4 + 1 + 1 + 1 + 1 + 1 + 2 + 2;

/**
 * A rendered frame: header then image bytes (raw RGBA8 rows top to bottom, colour over black
 * and alpha = coverage; or a PNG / JPEG file). The one encoder the inference node sends with:
 * one allocation, header written in place, the image copied once after it.
 */
export function encodeRenderedFrame(h: RenderedFrameHeader, image: Uint8Array): Uint8Array {
  const headerBytes = renderedFrameHeaderBytes(h.peerId);
  const out = new Uint8Array(headerBytes + image.length);
  writeRenderedFrameHeader(out, h);
  out.set(image, headerBytes);
  return out;
}

/** Writes the header into `out` and returns its length (the image goes right after it). */
export function writeRenderedFrameHeader(out: Uint8Array, h: RenderedFrameHeader): number {
  checkHeaderFields(h);
  out[0] = ENVELOPE_VERSION;
  out[1] = ENVELOPE_KIND.renderedFrame;
  const at = writeShortString(out, 2, h.peerId);
  const v = new DataView(out.buffer, out.byteOffset + at, FRAME_FIXED_BYTES);
  v.setUint32(0, h.seq, true);
  v.setFloat64(4, h.captureTimeMs, true);
  v.setFloat32(12, h.renderMs, true);
  v.setUint8(16, OUTPUT_FORMAT_TAG[h.format]);
  v.setUint8(17, QUALITY_LEVEL_TAG[h.quality]);
  v.setUint8(18, h.layout === 'quilt' ? 1 : 0);
  v.setUint8(19, h.cols);
  v.setUint8(20, h.rows);
  v.setUint16(21, h.width, true);
  v.setUint16(23, h.height, true);
  return at + FRAME_FIXED_BYTES;
}

/**
 * Every header field in its field's range, or a typed error: a DataView write would wrap a
 * too-wide quilt's width to 0 (or a bad tag to 0) and the receiver would decode another frame.
 */
function checkHeaderFields(h: RenderedFrameHeader): void {
  const fields: [string, number, number, number][] = [
    ['seq', h.seq, 0, MAX_RENDERED_FRAME_SEQ],
    ['cols', h.cols, 1, MAX_RENDERED_FRAME_TILES],
    ['rows', h.rows, 1, MAX_RENDERED_FRAME_TILES],
    ['width', h.width, 0, MAX_RENDERED_FRAME_SIDE],
    ['height', h.height, 0, MAX_RENDERED_FRAME_SIDE],
  ];
  for (const [field, value, min, max] of fields) {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw HolocallError.badRequest(`rendered frame ${field} ${value} does not fit the header (${min}..${max})`, {
        field,
        value,
        min,
        max,
      });
    }
  }
  if (!Object.hasOwn(OUTPUT_FORMAT_TAG, h.format)) throw HolocallError.badRequest('unknown rendered frame format');
  if (!Object.hasOwn(QUALITY_LEVEL_TAG, h.quality)) throw HolocallError.badRequest('unknown rendered frame quality');
  if (h.layout !== 'flat' && h.layout !== 'quilt') throw HolocallError.badRequest('unknown rendered frame layout');
}

export function renderedFrameHeaderBytes(peerId: string): number {
  return 3 + peerId.length + FRAME_FIXED_BYTES;
}

export function decodeRenderedFrame(bytes: Uint8Array): { header: RenderedFrameHeader; image: Uint8Array } {
  if (bytes.length < 3) throw malformed('truncated');
  if (bytes[0] !== ENVELOPE_VERSION) throw malformed('bad_version', { version: bytes[0] });
  if (bytes[1] !== ENVELOPE_KIND.renderedFrame) throw malformed('unknown_kind', { kind: bytes[1] });
  const [peerId, at] = readShortString(bytes, 2, ID_PATTERN, 'peerId');
  if (at + FRAME_FIXED_BYTES > bytes.length) throw malformed('truncated');
  const v = new DataView(bytes.buffer, bytes.byteOffset + at, FRAME_FIXED_BYTES);
  const format = OUTPUT_FORMAT_BY_TAG[v.getUint8(16)];
  const quality = QUALITY_BY_TAG[v.getUint8(17)];
  const layoutTag = v.getUint8(18);
  if (!format || !quality || layoutTag > 1) throw malformed('out_of_range');
  const header: RenderedFrameHeader = {
    peerId,
    seq: v.getUint32(0, true),
    captureTimeMs: v.getFloat64(4, true),
    renderMs: v.getFloat32(12, true),
    format,
    quality,
    layout: layoutTag === 1 ? 'quilt' : 'flat',
    cols: v.getUint8(19),
    rows: v.getUint8(20),
    width: v.getUint16(21, true),
    height: v.getUint16(23, true),
  };
  const image = bytes.subarray(at + FRAME_FIXED_BYTES);
  if (format === 'rgba' && image.length !== header.width * header.height * 4) throw malformed('bad_length');
  return { header, image };
}
