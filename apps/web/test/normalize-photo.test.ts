import type { RgbaImage } from '@holocall/face';
import { checkEnrollmentLandmarks } from '@holocall/face';
import { decodePng, encodePng, fixtureLandmarks, loadFixturePhoto } from '@holocall/face/node';
import { applyOrientation, decodeEnrollmentImage, normalizedSize, readJpegLayout } from '@holocall/face/node/image';
import { baselineJpeg, interlacedPng, pngBomb, progressiveJpeg } from '@holocall/face/test-support/image-files';
import {
  checkEnrollmentImage,
  type HolocallError,
  MAX_JPEG_SCANS,
  MAX_PHOTO_BYTES,
  MIN_PHOTO_SIDE,
  NORMALIZED_PHOTO_SIDE,
} from '@holocall/protocol';
import { describe, expect, it } from 'vitest';
import { normalizePhoto } from '../src/server/enrollment/normalize-photo';

const face = fixtureLandmarks('astronaut'); // the tracker's, on the 512 x 512 fixture photo
const astronaut = loadFixturePhoto();

/** The astronaut on a grey canvas `width` wide (the face stays where it was): a photo that is not square. */
function widened(width: number): RgbaImage {
  const data = new Uint8ClampedArray(width * 512 * 4).fill(128);
  for (let y = 0; y < 512; y++) data.set(astronaut.data.subarray(y * 512 * 4, (y + 1) * 512 * 4), y * width * 4);
  return { width, height: 512, data };
}

/** `img` scaled up `k` times by repeating pixels. */
function enlarged(img: RgbaImage, k: number): RgbaImage {
  const w = img.width * k;
  const src = new Uint32Array(img.data.buffer, img.data.byteOffset, img.width * img.height);
  const out = new Uint32Array(w * img.height * k);
  for (let y = 0; y < img.height * k; y++) {
    const row = Math.floor(y / k) * img.width;
    for (let x = 0; x < w; x++) out[y * w + x] = src[row + Math.floor(x / k)]!;
  }
  return { width: w, height: img.height * k, data: new Uint8ClampedArray(out.buffer) };
}

/** Mean absolute difference of the colours at each landmark of `a` and of `b` (each image with its own landmarks). */
function landmarkColourDrift(a: RgbaImage, la: ArrayLike<number>, b: RgbaImage, lb: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  const at = (img: RgbaImage, lm: ArrayLike<number>, i: number, c: number) => {
    const x = Math.min(img.width - 1, Math.floor(lm[i]!));
    const y = Math.min(img.height - 1, Math.floor(lm[i + 1]!));
    return img.data[(y * img.width + x) * 4 + c]!;
  };
  for (let i = 0; i < la.length; i += 3) {
    for (let c = 0; c < 3; c++) sum += Math.abs(at(a, la, i, c) - at(b, lb, i, c));
    n += 3;
  }
  return sum / n;
}

/** Checks what every node will see: the stored bytes pass the header limits, decode plainly, and the landmarks fit them. */
function expectPlain(photo: ReturnType<typeof normalizePhoto>) {
  const header = checkEnrollmentImage(photo.bytes);
  expect(header).toMatchObject({ orientation: 1, width: photo.width, height: photo.height, type: photo.type });
  expect(Math.max(photo.width, photo.height)).toBeLessThanOrEqual(NORMALIZED_PHOTO_SIDE);
  expect(photo.bytes.byteLength).toBeLessThan(MAX_PHOTO_BYTES);
  if (photo.type === 'image/jpeg') {
    const layout = readJpegLayout(photo.bytes);
    expect(layout.frame).toBe(0xc0); // baseline
    expect(layout.scans).toBe(1);
  }
  const image = decodeEnrollmentImage(photo.bytes);
  expect(checkEnrollmentLandmarks(photo.landmarks, image)).toHaveLength(face.length);
  return image;
}

const refusal = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (e) {
    const { code, details } = e as HolocallError;
    return `${code}:${String(details?.reason)}`;
  }
};

describe('photos are normalised at upload: what nodes receive is a plain image of bounded size', () => {
  it('turns an EXIF-rotated JPEG upright, its landmarks on the same features', () => {
    const displayed = widened(640); // 640 x 512 as displayed
    const stored = applyOrientation(displayed, 8); // the sensor's rows; orientation 6 turns them back
    expect(Buffer.from(applyOrientation(stored, 6).data).equals(Buffer.from(displayed.data))).toBe(true);
    const file = baselineJpeg(stored, { orientation: 6 });
    const header = checkEnrollmentImage(file);
    expect(header).toMatchObject({ width: 512, height: 640, displayWidth: 640, displayHeight: 512 });

    const photo = normalizePhoto(file, header, face, { width: 640, height: 512 });
    expect(photo).toMatchObject({ type: 'image/jpeg', width: 640, height: 512 });
    const image = expectPlain(photo);
    expect(Array.from(photo.landmarks)).toEqual(Array.from(face));
    expect(landmarkColourDrift(image, photo.landmarks, displayed, face)).toBeLessThan(12);

    // A browser that ignored the orientation measured the stored rows: its landmarks are turned like the pixels.
    const inStored = new Float64Array(face.length);
    for (let i = 0; i < face.length; i += 3) {
      // displayed (x, y) shows stored (y, 640 - x) for orientation 6
      inStored[i] = face[i + 1]!;
      inStored[i + 1] = 640 - face[i]!;
      inStored[i + 2] = face[i + 2]!;
    }
    const turned = normalizePhoto(file, header, inStored, { width: 512, height: 640 });
    expect(Buffer.from(turned.bytes).equals(Buffer.from(photo.bytes))).toBe(true);
    for (let i = 0; i < face.length; i++) expect(turned.landmarks[i]).toBeCloseTo(face[i]!, 6);
  });

  it('shrinks a large PNG to NORMALIZED_PHOTO_SIDE, the landmarks scaled with it', () => {
    const big = enlarged(astronaut, 5); // 2560 x 2560
    const file = new Uint8Array(encodePng(big));
    const bigFace = Float64Array.from(face, (v) => v * 5);
    const photo = normalizePhoto(file, checkEnrollmentImage(file), bigFace, { width: 2560, height: 2560 });
    expect(photo).toMatchObject({ type: 'image/jpeg', width: NORMALIZED_PHOTO_SIDE, height: NORMALIZED_PHOTO_SIDE });
    const image = expectPlain(photo);
    const k = NORMALIZED_PHOTO_SIDE / 2560;
    for (let i = 0; i < face.length; i++) expect(photo.landmarks[i]).toBeCloseTo(bigFace[i]! * k, 6);
    expect(landmarkColourDrift(image, photo.landmarks, astronaut, face)).toBeLessThan(12);
  }, 60_000);

  it('re-encodes an interlaced PNG and a progressive JPEG as baseline JPEGs of the same pictures', () => {
    const interlaced = interlacedPng(astronaut);
    const fromPng = normalizePhoto(interlaced, checkEnrollmentImage(interlaced), face, { width: 512, height: 512 });
    expect(fromPng).toMatchObject({ type: 'image/jpeg', width: 512, height: 512 });
    expect(landmarkColourDrift(expectPlain(fromPng), fromPng.landmarks, astronaut, face)).toBeLessThan(12);

    // The astronaut's luminance as 8 x 8 blocks, in a DC-only progressive JPEG of ten scans.
    const luma = (bx: number, by: number) => {
      const i = ((by * 8 + 4) * 512 + bx * 8 + 4) * 4;
      return 0.299 * astronaut.data[i]! + 0.587 * astronaut.data[i + 1]! + 0.114 * astronaut.data[i + 2]!;
    };
    const progressive = progressiveJpeg(512, 512, luma, 9);
    expect(readJpegLayout(progressive)).toMatchObject({ frame: 0xc2, scans: 10 });
    const mosaic = decodeEnrollmentImage(progressive);
    const fromJpeg = normalizePhoto(progressive, checkEnrollmentImage(progressive), face, { width: 512, height: 512 });
    expect(fromJpeg).toMatchObject({ type: 'image/jpeg', width: 512, height: 512 });
    expect(landmarkColourDrift(expectPlain(fromJpeg), fromJpeg.landmarks, mosaic, face)).toBeLessThan(6);
  });

  it('keeps an already plain photo as it is, less its metadata, and normalising again changes nothing', () => {
    const png = new Uint8Array(encodePng(astronaut));
    const keptPng = normalizePhoto(png, checkEnrollmentImage(png), face, { width: 512, height: 512 });
    expect(keptPng.type).toBe('image/png');
    expect(Buffer.from(keptPng.bytes).equals(Buffer.from(png))).toBe(true);

    const plain = baselineJpeg(astronaut, { quality: 90 });
    // A comment and an EXIF segment with orientation 1 (where phones put GPS positions too).
    const comment = [0xff, 0xfe, 0, 7, ...Array.from('here', (c) => c.charCodeAt(0)), 0];
    const withMetadata = Uint8Array.from([0xff, 0xd8, ...comment, ...plain.subarray(2)]);
    const kept = normalizePhoto(withMetadata, checkEnrollmentImage(withMetadata), face, { width: 512, height: 512 });
    expect(kept.type).toBe('image/jpeg');
    expect(Buffer.from(kept.bytes).equals(Buffer.from(plain))).toBe(true);
    expect(Array.from(kept.landmarks)).toEqual(Array.from(face));
    const again = normalizePhoto(kept.bytes, checkEnrollmentImage(kept.bytes), kept.landmarks, {
      width: 512,
      height: 512,
    });
    expect(Buffer.from(again.bytes).equals(Buffer.from(kept.bytes))).toBe(true);
    // Re-encoding is deterministic too: the same upload gives the same stored bytes (and content hash).
    const interlaced = interlacedPng(astronaut);
    const once = normalizePhoto(interlaced, checkEnrollmentImage(interlaced), face, { width: 512, height: 512 });
    const twice = normalizePhoto(interlaced, checkEnrollmentImage(interlaced), face, { width: 512, height: 512 });
    expect(Buffer.from(once.bytes).equals(Buffer.from(twice.bytes))).toBe(true);
    expect(decodePng(png).width).toBe(512);
  });

  it('refuses bombs and a face that shrinks too small with their typed reasons', () => {
    const normalize = (file: Uint8Array, lm: ArrayLike<number> = face, side = 512) =>
      refusal(() => normalizePhoto(file, checkEnrollmentImage(file), lm, { width: side, height: side }));
    expect(normalize(pngBomb(512, 512, 100_000_000, true))).toBe('too_large:photo_decode_budget');
    expect(normalize(progressiveJpeg(512, 512, () => 128, MAX_JPEG_SCANS))).toBe('too_large:photo_too_many_scans');
    expect(normalize(Uint8Array.from(interlacedPng(astronaut)).subarray(0, 5000))).toBe(
      'bad_request:photo_undecodable',
    );
    // A 3000 x 600 photo whose face is about 80 pixels across: under 60 once the photo is 2048 wide (MIN_FACE_SIDE is 64).
    const small = Float64Array.from(face, (v, i) => (i % 3 === 2 ? v * 0.85 : 300 + (v - 200) * 0.85));
    const wide = new Uint8Array(encodePng({ width: 3000, height: 600, data: new Uint8ClampedArray(3000 * 600 * 4) }));
    const header = checkEnrollmentImage(wide);
    expect(refusal(() => normalizePhoto(wide, header, small, { width: 3000, height: 600 }))).toBe(
      'face_not_found:face_too_small',
    );
    expect(refusal(() => checkEnrollmentLandmarks(small, { width: 3000, height: 600 }))).toBe('ok');
  }, 60_000);

  it('shrinks only past NORMALIZED_PHOTO_SIDE, and never under MIN_PHOTO_SIDE on the short side', () => {
    expect(normalizedSize(NORMALIZED_PHOTO_SIDE, 1000)).toEqual({ width: NORMALIZED_PHOTO_SIDE, height: 1000 });
    expect(normalizedSize(NORMALIZED_PHOTO_SIDE + 1, 1000)).toEqual({ width: NORMALIZED_PHOTO_SIDE, height: 1000 });
    expect(normalizedSize(4096, 3072)).toEqual({ width: NORMALIZED_PHOTO_SIDE, height: 1536 });
    // A long strip keeps its short side at MIN_PHOTO_SIDE (the node's minimum), so its long side stays longer.
    expect(normalizedSize(10_000, 400)).toEqual({ width: 6400, height: MIN_PHOTO_SIDE });
  });
});
