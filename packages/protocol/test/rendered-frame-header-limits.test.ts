import { describe, expect, it } from 'vitest';
import {
  decodeRenderedFrame,
  ErrorCode,
  encodeRenderedFrame,
  HolocallError,
  MAX_RENDER_PIXELS,
  MAX_RENDERED_FRAME_SIDE,
  MAX_RENDERED_FRAME_TILES,
  MAX_VIEW_SIDE,
  QuiltView,
  type RenderedFrameHeader,
} from '../src/index';

const header = (over: Partial<RenderedFrameHeader> = {}): RenderedFrameHeader => ({
  peerId: 'p1',
  seq: 1,
  captureTimeMs: 0,
  renderMs: 1,
  format: 'png',
  quality: 'high',
  layout: 'quilt',
  cols: 2,
  rows: 1,
  width: 64,
  height: 32,
  ...over,
});

function refusal(fn: () => unknown): HolocallError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HolocallError);
    return error as HolocallError;
  }
  throw new Error('expected a refusal');
}

describe('rendered frame header: every field fits, or the encoder refuses', () => {
  it('encodes a frame of MAX_RENDERED_FRAME_SIDE each way and MAX_RENDERED_FRAME_TILES tiles, and refuses one more', () => {
    const edge = header({ width: MAX_RENDERED_FRAME_SIDE, height: MAX_RENDERED_FRAME_SIDE });
    expect(decodeRenderedFrame(encodeRenderedFrame(edge, new Uint8Array(1))).header.width).toBe(
      MAX_RENDERED_FRAME_SIDE,
    );
    const tiles = header({ cols: MAX_RENDERED_FRAME_TILES, rows: MAX_RENDERED_FRAME_TILES });
    expect(decodeRenderedFrame(encodeRenderedFrame(tiles, new Uint8Array(1))).header.cols).toBe(
      MAX_RENDERED_FRAME_TILES,
    );
    for (const over of [
      { width: MAX_RENDERED_FRAME_SIDE + 1 },
      { height: MAX_RENDERED_FRAME_SIDE + 1 },
      { cols: MAX_RENDERED_FRAME_TILES + 1 },
      { rows: MAX_RENDERED_FRAME_TILES + 1 },
      { cols: 0 },
      { width: -1 },
      { width: 1.5 },
      { seq: 2 ** 32 },
      { seq: -1 },
    ]) {
      const error = refusal(() => encodeRenderedFrame(header(over), new Uint8Array(1)));
      expect(error.code).toBe(ErrorCode.BadRequest);
      expect(error.details?.field).toBe(Object.keys(over)[0]);
    }
  });

  it('never wraps: a 128x1 quilt of 2048-pixel-wide tiles does not become a 0-wide frame', () => {
    const error = refusal(() =>
      encodeRenderedFrame(header({ cols: 128, rows: 1, width: 128 * 2048 }), new Uint8Array(1)),
    );
    expect(error.details).toMatchObject({ field: 'width', value: 128 * 2048, max: MAX_RENDERED_FRAME_SIDE });
  });

  it('refuses unknown format, quality or layout tags instead of writing 0', () => {
    expect(() => encodeRenderedFrame(header({ format: 'gif' as never }), new Uint8Array(1))).toThrow(HolocallError);
    expect(() => encodeRenderedFrame(header({ quality: 'ultra' as never }), new Uint8Array(1))).toThrow(HolocallError);
    expect(() => encodeRenderedFrame(header({ layout: 'cube' as never }), new Uint8Array(1))).toThrow(HolocallError);
  });
});

describe('quilt views: the whole quilt must fit one rendered frame header', () => {
  const quilt = (cols: number, rows: number, tileWidth: number, tileHeight: number) => ({
    kind: 'quilt',
    cols,
    rows,
    viewConeDeg: 40,
    tileWidth,
    tileHeight,
  });

  it('refuses a 128x1 quilt of 2048-pixel tiles (its u16 width would wrap to 0), within the pixel budget', () => {
    const view = quilt(128, 1, MAX_VIEW_SIDE, 16);
    expect(128 * MAX_VIEW_SIDE * 16).toBeLessThanOrEqual(MAX_RENDER_PIXELS);
    expect(QuiltView.safeParse(view).success).toBe(false);
    expect(QuiltView.safeParse(quilt(1, 128, 16, MAX_VIEW_SIDE)).success).toBe(false);
  });

  it('takes a quilt exactly MAX_RENDERED_FRAME_SIDE wide and refuses one pixel more', () => {
    // 65535 = 3 * 5 * 17 * 257: 255 columns is over MAX_QUILT_VIEWS, so 85 columns of 771 pixels.
    expect(QuiltView.safeParse(quilt(85, 1, 771, 16)).success).toBe(true);
    expect(85 * 771).toBe(MAX_RENDERED_FRAME_SIDE);
    expect(QuiltView.safeParse(quilt(64, 1, 1024, 16)).success).toBe(false); // 65536
    expect(QuiltView.safeParse(quilt(1, 85, 16, 771)).success).toBe(true);
    expect(QuiltView.safeParse(quilt(1, 64, 16, 1024)).success).toBe(false);
  });
});
