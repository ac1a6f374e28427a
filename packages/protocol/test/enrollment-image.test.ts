import { describe, expect, it } from 'vitest';
import {
  CROP_SIDE,
  checkEnrollmentCrop,
  checkEnrollmentImage,
  ENROLLMENT_REJECT_CODES,
  ENROLLMENT_REJECT_REASONS,
  type EnrollmentRejectReason,
  enrollmentRejectReason,
  HolocallError,
  httpStatusFor,
  isEnrollmentRejectReason,
  MAX_CROP_BYTES,
  MAX_PHOTO_BYTES,
  MAX_PHOTO_PIXELS,
  MAX_PHOTO_SIDE,
  MIN_PHOTO_SIDE,
  refuseEnrollment,
} from '../src/index';
import { GIF_BYTES, jpegHeader, pngHeader, webpVp8xHeader } from './support/images';

/** `code:reason` of what a check throws, or 'ok'. Anything but a HolocallError with a reason fails the test. */
function refusal(check: () => unknown): string {
  try {
    check();
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(HolocallError);
    const reason = enrollmentRejectReason(error);
    expect(reason, String(error)).not.toBeNull();
    const { code } = error as HolocallError;
    expect(code).toBe(ENROLLMENT_REJECT_CODES[reason!]);
    return `${code}:${reason}`;
  }
}

const photo = (bytes: Uint8Array, total?: number) => refusal(() => checkEnrollmentImage(bytes, total));

describe('enrollment image limits: one check over the header for browser, web server and node', () => {
  it('accepts a JPEG or PNG photo at each limit, and returns its header', () => {
    expect(photo(pngHeader(640, 480))).toBe('ok');
    expect(photo(jpegHeader(MIN_PHOTO_SIDE, MIN_PHOTO_SIDE))).toBe('ok');
    expect(photo(pngHeader(MAX_PHOTO_SIDE, 2500))).toBe('ok'); // exactly MAX_PHOTO_PIXELS and MAX_PHOTO_SIDE
    expect(MAX_PHOTO_SIDE * 2500).toBe(MAX_PHOTO_PIXELS);
    const atBytes = new Uint8Array(MAX_PHOTO_BYTES);
    atBytes.set(pngHeader(640, 480));
    expect(photo(atBytes)).toBe('ok');
    expect(checkEnrollmentImage(jpegHeader(800, 600, { orientation: 6 }))).toMatchObject({
      type: 'image/jpeg',
      width: 800,
      height: 600,
      displayWidth: 600,
      displayHeight: 800,
    });
  });

  it('refuses an empty photo, and one over the byte limit (whole or judged by its declared size)', () => {
    expect(photo(new Uint8Array(0))).toBe('bad_request:photo_empty');
    const big = new Uint8Array(MAX_PHOTO_BYTES + 1);
    big.set(pngHeader(640, 480));
    expect(photo(big)).toBe('too_large:photo_too_large');
    // The browser reads the header from the file's first bytes and passes the file's size.
    expect(photo(pngHeader(640, 480), MAX_PHOTO_BYTES + 1)).toBe('too_large:photo_too_large');
    expect(() => checkEnrollmentImage(big)).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ limit: MAX_PHOTO_BYTES, actual: big.length }) }),
    );
  });

  it('refuses other types by content: GIF, text, and WebP (the node does not decode it)', () => {
    expect(photo(GIF_BYTES)).toBe('unsupported_media:unsupported_type');
    expect(photo(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"></svg>'))).toBe(
      'unsupported_media:unsupported_type',
    );
    expect(photo(webpVp8xHeader(1000, 700))).toBe('unsupported_media:unsupported_type');
  });

  it('refuses a header it cannot read as truncated or corrupt', () => {
    expect(photo(pngHeader(640, 480).subarray(0, 20))).toBe('bad_request:photo_truncated');
    const corrupt = pngHeader(640, 480);
    corrupt[12] = 0x58; // "XHDR"
    expect(photo(corrupt)).toBe('bad_request:photo_corrupt');
  });

  it('refuses a photo over the pixel limit, a side over the longest, a side under the shortest', () => {
    const side = Math.ceil(Math.sqrt(MAX_PHOTO_PIXELS)) + 1;
    expect(photo(pngHeader(side, side))).toBe('too_large:photo_too_many_pixels');
    expect(photo(pngHeader(MAX_PHOTO_SIDE + 1, 300))).toBe('too_large:photo_side_too_long');
    expect(photo(pngHeader(300, MAX_PHOTO_SIDE + 1))).toBe('too_large:photo_side_too_long');
    expect(photo(pngHeader(MIN_PHOTO_SIDE - 1, 400))).toBe('bad_request:photo_side_too_short');
    expect(photo(jpegHeader(400, MIN_PHOTO_SIDE - 1))).toBe('bad_request:photo_side_too_short');
  });

  it('checks the aligned crop: at most MAX_CROP_BYTES, exactly a CROP_SIDE square PNG', () => {
    const crop = (bytes: Uint8Array) => refusal(() => checkEnrollmentCrop(bytes));
    expect(crop(pngHeader(CROP_SIDE, CROP_SIDE))).toBe('ok');
    const big = new Uint8Array(MAX_CROP_BYTES + 1);
    big.set(pngHeader(CROP_SIDE, CROP_SIDE));
    expect(crop(big)).toBe('too_large:crop_too_large');
    expect(crop(pngHeader(CROP_SIDE - 1, CROP_SIDE))).toBe('bad_request:crop_not_aligned');
    expect(crop(jpegHeader(CROP_SIDE, CROP_SIDE))).toBe('bad_request:crop_not_aligned');
    expect(crop(GIF_BYTES)).toBe('unsupported_media:unsupported_type');
  });
});

describe('enrollment refusals', () => {
  it('every reason has a code, and the refusal carries it in details.reason', () => {
    for (const reason of ENROLLMENT_REJECT_REASONS) {
      expect(isEnrollmentRejectReason(reason)).toBe(true);
      const error = refuseEnrollment(reason, 'no', { extra: 1 });
      expect(error.code).toBe(ENROLLMENT_REJECT_CODES[reason]);
      expect(error.details).toEqual({ extra: 1, reason });
      expect(httpStatusFor(error.code)).toBeGreaterThanOrEqual(400);
      expect(httpStatusFor(error.code)).toBeLessThan(500);
    }
    // A caller's details never overwrite the reason.
    expect(refuseEnrollment('no_face', 'no', { reason: 'other' }).details?.reason).toBe('no_face');
    expect(isEnrollmentRejectReason('toString')).toBe(false);
    expect(enrollmentRejectReason(new Error('plain'))).toBeNull();
    expect(enrollmentRejectReason({ details: { reason: 'several_faces' } })).toBe(
      'several_faces' satisfies EnrollmentRejectReason,
    );
  });
});
