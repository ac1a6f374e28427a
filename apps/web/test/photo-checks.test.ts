import {
  ENROLLMENT_REJECT_REASONS,
  HolocallError,
  MAX_PHOTO_BYTES,
  MIN_PHOTO_SIDE,
  refuseEnrollment,
} from '@holocall/protocol';
import { GIF_BYTES, jpegHeader, pngHeader, webpVp8xHeader } from '@holocall/protocol/test-support/images';
import { describe, expect, it } from 'vitest';
import { checkPhotoFile } from '../src/client/enroll/photo-checks';
import { ENROLLMENT_REFUSAL_MESSAGES, refusalMessage } from '../src/client/enroll/refusal-messages';

/** details.reason of the refusal the browser's check throws, or 'ok'. */
async function reason(file: Blob): Promise<string> {
  try {
    await checkPhotoFile(file);
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(HolocallError);
    return String((error as HolocallError).details?.reason);
  }
}

const blob = (bytes: Uint8Array) => new Blob([bytes as BlobPart]);

describe("the browser's photo checks: the protocol's, with a typed reason", () => {
  it('accepts a JPEG or PNG within the limits', async () => {
    expect(await reason(blob(pngHeader(640, 480)))).toBe('ok');
    expect(await reason(blob(jpegHeader(MIN_PHOTO_SIDE, MIN_PHOTO_SIDE)))).toBe('ok');
  });

  it('refuses by the whole file size though it reads only the header', async () => {
    const big = new Uint8Array(MAX_PHOTO_BYTES + 1);
    big.set(pngHeader(640, 480));
    expect(await reason(blob(big))).toBe('photo_too_large');
  });

  it('refuses other types, WebP included, and sides out of bounds', async () => {
    expect(await reason(blob(GIF_BYTES))).toBe('unsupported_type');
    expect(await reason(blob(webpVp8xHeader(640, 480)))).toBe('unsupported_type');
    expect(await reason(blob(new TextEncoder().encode('this is not an image\n')))).toBe('unsupported_type');
    expect(await reason(blob(pngHeader(MIN_PHOTO_SIDE - 1, 400)))).toBe('photo_side_too_short');
    expect(await reason(blob(pngHeader(10_001, 300)))).toBe('photo_side_too_long');
    expect(await reason(blob(pngHeader(6000, 6000)))).toBe('photo_too_many_pixels');
  });

  it('has words for every refusal reason, and says them for refusals from anywhere', () => {
    expect(Object.keys(ENROLLMENT_REFUSAL_MESSAGES).sort()).toEqual([...ENROLLMENT_REJECT_REASONS].sort());
    for (const r of ENROLLMENT_REJECT_REASONS) expect(ENROLLMENT_REFUSAL_MESSAGES[r].length).toBeGreaterThan(10);
    expect(refusalMessage(refuseEnrollment('unsupported_type', 'x'))).toBe('That is not a JPEG or PNG image.');
    // A server refusal arrives as an ApiError whose details came over the wire.
    expect(refusalMessage({ details: { reason: 'no_face' } })).toMatch(/^No face was found/);
    expect(refusalMessage(new Error('network down'))).toBe('network down');
  });
});
