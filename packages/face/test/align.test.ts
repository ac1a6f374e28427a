import { cameraRotationFromHeadAngles, HolocallError } from '@holocall/protocol';
import { describe, expect, it } from 'vitest';
import {
  ALIGNED_SIZE,
  alignFace,
  applySimilarity,
  composeSimilarity,
  createRgbaImage,
  eyeCenter,
  ffhqAlignment,
  invertSimilarity,
  LEFT_EYE_LOOP,
  LM,
  poseFace,
  RIGHT_EYE_LOOP,
  remapRGBA,
  shrinkImage,
  similarityFromPairs,
  warpSimilarityRGBA,
} from '../src/index';
import { fixtureLandmarks, loadFixturePhoto } from '../src/node/fixtures';

function loopMean(l: ArrayLike<number>, loop: readonly number[]): [number, number] {
  let x = 0;
  let y = 0;
  for (const i of loop) {
    x += l[3 * i] as number;
    y += l[3 * i + 1] as number;
  }
  return [x / loop.length, y / loop.length];
}

describe('ffhqAlignment', () => {
  it('maps c = eye_avg + 0.1 eye_to_mouth to the centre, undoes roll, and sizes |x| to half the crop', () => {
    // A frontal reference face, rolled 20° and placed anywhere: the crop must undo all of it.
    const l = poseFace(cameraRotationFromHeadAngles([0, 0, 20 * (Math.PI / 180)]), 37, [410, 260, 0]);
    const a = ffhqAlignment(l, ALIGNED_SIZE);
    const eyeR0 = loopMean(l, RIGHT_EYE_LOOP);
    const eyeL0 = loopMean(l, LEFT_EYE_LOOP);
    const m0 = [
      (l[3 * LM.mouthCornerRight]! + l[3 * LM.mouthCornerLeft]!) / 2,
      (l[3 * LM.mouthCornerRight + 1]! + l[3 * LM.mouthCornerLeft + 1]!) / 2,
    ];
    const eyeAvg = [(eyeR0[0] + eyeL0[0]) / 2, (eyeR0[1] + eyeL0[1]) / 2];
    const c = applySimilarity(
      a.toCrop,
      eyeAvg[0]! + 0.1 * (m0[0]! - eyeAvg[0]!),
      eyeAvg[1]! + 0.1 * (m0[1]! - eyeAvg[1]!),
    );
    expect(c[0]).toBeCloseTo(ALIGNED_SIZE / 2, 6);
    expect(c[1]).toBeCloseTo(ALIGNED_SIZE / 2, 6);
    const eyeR = applySimilarity(a.toCrop, ...eyeR0);
    const eyeL = applySimilarity(a.toCrop, ...eyeL0);
    const e2e = Math.hypot(eyeL[0] - eyeR[0], eyeL[1] - eyeR[1]);
    // FFHQ's x axis blends the eye line with the eye-mouth normal: level within a degree or two.
    expect(Math.abs(eyeR[1] - eyeL[1])).toBeLessThan(0.04 * e2e);
    const mouth = applySimilarity(a.toCrop, m0[0]!, m0[1]!);
    const e2m = Math.hypot(mouth[0] - (eyeR[0] + eyeL[0]) / 2, mouth[1] - (eyeR[1] + eyeL[1]) / 2);
    expect(Math.max(2 * e2e, 1.8 * e2m)).toBeCloseTo(ALIGNED_SIZE / 2, 4);
    expect(eyeR[0]).toBeLessThan(eyeL[0]); // the person's right eye stays on the image left
    expect(mouth[1]).toBeGreaterThan(eyeR[1]);
  });

  it('puts the real fixture eyes at the FFHQ positions', () => {
    const l = fixtureLandmarks('astronaut');
    const a = ffhqAlignment(l);
    const eyeR = applySimilarity(a.toCrop, ...loopMean(l, RIGHT_EYE_LOOP));
    const eyeL = applySimilarity(a.toCrop, ...loopMean(l, LEFT_EYE_LOOP));
    const e2e = eyeL[0] - eyeR[0];
    expect(Math.abs(eyeR[1] - eyeL[1])).toBeLessThan(0.04 * e2e);
    expect(Math.abs((eyeR[0] + eyeL[0]) / 2 - 256)).toBeLessThan(0.05 * e2e);
    // Eye line just above the centre (0.1 of the eye-mouth distance), a quarter crop apart or less.
    expect(eyeR[1]).toBeLessThan(256);
    expect(eyeR[1]).toBeGreaterThan(256 - 40);
    expect(e2e).toBeGreaterThan(100);
    expect(e2e).toBeLessThanOrEqual(128.01);
  });

  it('refuses degenerate landmarks', () => {
    expect(() => ffhqAlignment(new Float64Array(478 * 3))).toThrow(HolocallError);
  });
});

describe('similarity transforms', () => {
  it('maps pairs exactly, inverts and composes', () => {
    const s = similarityFromPairs([10, 20], [30, 25], [100, 100], [140, 90]);
    expect(applySimilarity(s, 10, 20)).toEqual([expect.closeTo(100, 9), expect.closeTo(100, 9)]);
    expect(applySimilarity(s, 30, 25)).toEqual([expect.closeTo(140, 9), expect.closeTo(90, 9)]);
    const id = composeSimilarity(invertSimilarity(s), s);
    expect(id.a).toBeCloseTo(1, 12);
    expect(id.b).toBeCloseTo(0, 12);
    expect(id.tx).toBeCloseTo(0, 9);
    expect(id.ty).toBeCloseTo(0, 9);
  });
});

describe('RGBA warps', () => {
  it('reproduces an image under the identity and shifts it under a translation', () => {
    const img = createRgbaImage(16, 12);
    for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 37) % 251;
    const same = warpSimilarityRGBA(img, { a: 1, b: 0, tx: 0, ty: 0 }, 16, 12);
    expect(Array.from(same.data)).toEqual(Array.from(img.data));
    const shifted = warpSimilarityRGBA(img, { a: 1, b: 0, tx: 3, ty: 2 }, 16, 12);
    for (let y = 2; y < 12; y++) {
      for (let x = 3; x < 16; x++) {
        for (let c = 0; c < 4; c++) {
          expect(shifted.data[(y * 16 + x) * 4 + c]).toBe(img.data[((y - 2) * 16 + (x - 3)) * 4 + c]);
        }
      }
    }
  });

  it('interpolates bilinearly half way between pixels', () => {
    const img = createRgbaImage(2, 1);
    img.data.set([0, 0, 0, 255, 200, 100, 50, 255]);
    const out = remapRGBA(img, 1, 1, (_x, _y, xy) => {
      xy[0] = 1;
      xy[1] = 0.5;
    });
    expect(Array.from(out.data)).toEqual([100, 50, 25, 255]);
  });

  it('fills outside the source with a constant when asked', () => {
    const img = createRgbaImage(4, 4);
    img.data.fill(255);
    const out = warpSimilarityRGBA(img, { a: 1, b: 0, tx: 10, ty: 10 }, 4, 4, { mode: 'constant', rgba: [0, 0, 0, 0] });
    expect(Array.from(out.data).every((v) => v === 0)).toBe(true);
  });

  it('refuses a buffer that does not match its size, and oversized outputs', () => {
    expect(() =>
      warpSimilarityRGBA({ width: 4, height: 4, data: new Uint8ClampedArray(10) }, { a: 1, b: 0, tx: 0, ty: 0 }, 4, 4),
    ).toThrow(HolocallError);
    expect(() => createRgbaImage(5000, 5000)).toThrow(/too large|exceeds|limit/i);
  });

  it('shrinks by box averaging', () => {
    const img = createRgbaImage(4, 2);
    img.data.set([0, 0, 0, 0, 100, 100, 100, 100, 10, 10, 10, 10, 10, 10, 10, 10]);
    img.data.set([20, 20, 20, 20, 80, 80, 80, 80, 30, 30, 30, 30, 50, 50, 50, 50], 16);
    const out = shrinkImage(img, 2);
    expect(out.width).toBe(2);
    expect(Array.from(out.data.slice(0, 4))).toEqual([50, 50, 50, 50]);
    expect(Array.from(out.data.slice(4, 8))).toEqual([25, 25, 25, 25]);
  });
});

describe('alignFace on the fixture photo', () => {
  it('crops 512x512 with the landmarks carried along, eyes level', () => {
    const aligned = alignFace(loadFixturePhoto(), fixtureLandmarks('astronaut'));
    expect(aligned.image.width).toBe(512);
    const r = eyeCenter(aligned.landmarks, 'right');
    const l = eyeCenter(aligned.landmarks, 'left');
    expect(Math.abs(r[1] - l[1])).toBeLessThan(3); // corner midpoints: level within tracker noise
    expect(l[0] - r[0]).toBeGreaterThan(100); // a face of about a quarter of the crop between the eyes
    expect(l[0] - r[0]).toBeLessThan(150);
  });
});
