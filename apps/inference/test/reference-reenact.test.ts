import { INNER_LIP_LOOP, LEFT_EYE_LOOP, LM, OUTER_LIP_LOOP, type RgbaImage, RIGHT_EYE_LOOP } from '@holocall/face';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liftReference, type ReferenceLiftResult } from '../src/backends/reference/lift';
// Installs the node's segmentation model for the lift (segmenter-slot.ts).
import '../src/backends/reference/person-segmenter';
import { orbitDegrees, PreviewRenderer } from '../src/backends/reference/preview';
import { ReferenceReenact } from '../src/backends/reference/reenact';
import type { PreparedTriplane } from '../src/stages/contract';
import { COLOR_CHANNELS, DENSITY_CHANNELS } from '../src/triplane/decoder';
import { PLANE, planeChannelOffset, type Triplane } from '../src/triplane/layout';
import {
  alignedFixture,
  BROWS_UP,
  codeOf,
  eyesClosedFor,
  type FixtureFace,
  landmarkBox,
  MOUTH_OPEN,
  meanAbsDiff,
  meanColor,
  otherPerson,
  psnr,
  trackedMouthOpenCode,
} from './support/reference-fixtures';

const SIZE = 128;
const EYES = [...RIGHT_EYE_LOOP, ...LEFT_EYE_LOOP];
const MOUTH_AND_JAW = [...OUTER_LIP_LOOP, LM.chin, 148, 377, 176, 400];

function darkPixels(img: RgbaImage, box: [number, number, number, number]): number {
  let n = 0;
  for (let y = box[1]; y < box[3]; y++) {
    for (let x = box[0]; x < box[2]; x++) {
      const o = (y * img.width + x) * 4;
      if (img.data[o]! + img.data[o + 1]! + img.data[o + 2]! < 150) n++;
    }
  }
  return n;
}

describe('reference reenact', () => {
  let a: FixtureFace;
  let b: FixtureFace;
  let liftA: ReferenceLiftResult;
  let liftB: ReferenceLiftResult;
  let renderer: PreviewRenderer;
  let prepA: PreparedTriplane;
  let prepB: PreparedTriplane;
  const reenact = new ReferenceReenact();
  const frontal = orbitDegrees(0);

  const residual = (lift: ReferenceLiftResult, code: Float32Array) =>
    reenact.residual({ source: lift.triplane, sourceFace: lift.sourceFace, driver: { kind: 'landmarks', code } });

  beforeAll(async () => {
    a = alignedFixture();
    b = otherPerson(a);
    liftA = liftReference({ image: a.image, landmarks: a.landmarks });
    liftB = liftReference({ image: b.image, landmarks: b.landmarks });
    renderer = await PreviewRenderer.create(0);
    prepA = await renderer.prepare(liftA.triplane);
    prepB = await renderer.prepare(liftB.triplane);
  });
  afterAll(async () => {
    await renderer.close();
  });

  it('returns no residual for a zero code, a pose-only frame or a code below the noise floor', async () => {
    expect(await residual(liftA, codeOf({}))).toBeNull();
    expect(await residual(liftA, codeOf({ 'chin.y': 1e-9 }))).toBeNull();
    expect(
      await reenact.residual({ source: liftA.triplane, sourceFace: liftA.sourceFace, driver: { kind: 'none' } }),
    ).toBeNull();
  });

  it('opens the mouth (darker, receding interior) and leaves the eyes alone', async () => {
    const before = await renderer.render(prepA, null, frontal, SIZE);
    const res = await residual(liftA, MOUTH_OPEN);
    expect(res).not.toBeNull();
    const after = await renderer.render(prepA, res, frontal, SIZE);
    const mouth = landmarkBox(a.landmarks, MOUTH_AND_JAW, 512, SIZE);
    const eyes = landmarkBox(a.landmarks, EYES, 512, SIZE, 0.1);
    expect(meanAbsDiff(before, after, mouth)).toBeGreaterThan(12);
    expect(darkPixels(after, mouth)).toBeGreaterThan(darkPixels(before, mouth) + 40);
    expect(meanAbsDiff(before, after, eyes)).toBeLessThan(1);
  });

  it('closes the eyes and leaves the mouth alone', async () => {
    const before = await renderer.render(prepA, null, frontal, SIZE);
    const res = await residual(liftA, eyesClosedFor(a.landmarks));
    const after = await renderer.render(prepA, res, frontal, SIZE);
    const eyes = landmarkBox(a.landmarks, EYES, 512, SIZE, 0.1);
    const mouth = landmarkBox(a.landmarks, INNER_LIP_LOOP, 512, SIZE);
    expect(meanAbsDiff(before, after, eyes)).toBeGreaterThan(4);
    // The dark iris and pupil disappear under the lids.
    expect(darkPixels(after, eyes)).toBeLessThan(0.5 * darkPixels(before, eyes));
    expect(meanAbsDiff(before, after, mouth)).toBeLessThan(0.5);
  });

  it('touches only the face box of the xy plane front-density and colour channels', async () => {
    const res = (await residual(liftA, BROWS_UP)) as Triplane;
    const R = res.resolution;
    const used = new Set([DENSITY_CHANNELS[1], ...COLOR_CHANNELS].map((ch) => planeChannelOffset(res, PLANE.xy, ch)));
    let outsideChannels = 0;
    for (let plane = 0; plane < 3; plane++) {
      for (let ch = 0; ch < res.channels; ch++) {
        const off = planeChannelOffset(res, plane, ch);
        if (used.has(off)) continue;
        for (let i = 0; i < R * R; i++) if (res.data[off + i] !== 0) outsideChannels++;
      }
    }
    expect(outsideChannels).toBe(0);
    // Far corners of the xy plane are untouched.
    const off = planeChannelOffset(res, PLANE.xy, DENSITY_CHANNELS[1]);
    expect(res.data[off]).toBe(0);
    expect(res.data[off + R * R - 1]).toBe(0);
  });

  it("carries the driver's expression, not the driver's look, to another source", async () => {
    // The driver: the real tracker on the fixture's synthetic jaw-drop photo, against its neutral.
    const code = trackedMouthOpenCode();
    expect(code.some((v) => v < -0.1)).toBe(true);
    const bNeutral = await renderer.render(prepB, null, frontal, SIZE);
    const bDriven = await renderer.render(prepB, await residual(liftB, code), frontal, SIZE);
    const aDriven = await renderer.render(prepA, await residual(liftA, code), frontal, SIZE);
    const mouthB = landmarkBox(b.landmarks, MOUTH_AND_JAW, 512, SIZE, 0.35);
    const outsideMouth = (x: number, y: number) =>
      !(x >= mouthB[0] && x < mouthB[2] && y >= mouthB[1] && y < mouthB[3]) &&
      bNeutral.data[(y * SIZE + x) * 4 + 3]! > 0;
    // The source's own look is kept everywhere but the moving mouth ...
    expect(psnr(bDriven, bNeutral, outsideMouth)).toBeGreaterThan(35);
    // ... while the driver's look (its own render with the same code) is far away.
    expect(psnr(bDriven, aDriven, outsideMouth)).toBeLessThan(20);
    const face = landmarkBox(b.landmarks, [LM.foreheadTop, LM.rightCheekSide, LM.leftCheekSide, LM.chin], 512, SIZE, 0);
    const cB = meanColor(bNeutral, face);
    const cDriven = meanColor(bDriven, face);
    const cA = meanColor(aDriven, face);
    const dist = (p: number[], q: number[]) => Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!, p[2]! - q[2]!);
    expect(dist(cDriven, cB)).toBeLessThan(8);
    expect(dist(cDriven, cA)).toBeGreaterThan(40);
    // ... and the expression did arrive: B's mouth changed.
    expect(meanAbsDiff(bNeutral, bDriven, mouthB)).toBeGreaterThan(4);
  });

  it('builds per-source state once and reuses its residual buffer', async () => {
    const r1 = await residual(liftA, BROWS_UP);
    const r2 = await residual(liftA, MOUTH_OPEN);
    expect(r1).toBe(r2);
    const rb = await residual(liftB, BROWS_UP);
    expect(rb).not.toBe(r1);
  });

  it('refuses a source the reference lift did not make', async () => {
    const stranger = { ...liftA.triplane } as Triplane;
    await expect(
      reenact.residual({ source: stranger, sourceFace: {}, driver: { kind: 'landmarks', code: MOUTH_OPEN } }),
    ).rejects.toThrow(/not lifted/);
  });
});
