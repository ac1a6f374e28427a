import { describe, expect, it } from 'vitest';
import { decodeRenderedFrame, encodeRenderedFrame } from '../src/index';

describe('rendered frames', () => {
  it('round-trips a rendered frame header', () => {
    const header = {
      peerId: 'p1',
      seq: 4_000_000_000,
      captureTimeMs: 1_700_000_000_123,
      renderMs: 12.5,
      format: 'rgba' as const,
      quality: 'balanced' as const,
      layout: 'quilt' as const,
      cols: 2,
      rows: 1,
      width: 4,
      height: 2,
    };
    const image = Uint8Array.from({ length: 32 }, (_, i) => i);
    const decoded = decodeRenderedFrame(encodeRenderedFrame(header, image));
    expect(decoded.header).toEqual(header);
    expect(Array.from(decoded.image)).toEqual(Array.from(image));
    expect(() => decodeRenderedFrame(encodeRenderedFrame(header, image.subarray(0, 31)))).toThrow();
  });
});
