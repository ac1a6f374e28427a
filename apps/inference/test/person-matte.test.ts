import { LM, point, type RgbaImage } from '@holocall/face';
import { HolocallError } from '@holocall/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liftReference } from '../src/backends/reference/lift';
import { type PersonMatte, personMatte, personProbability } from '../src/backends/reference/person-matte';
import {
  loadGraphModelFromFile,
  preparePersonSegmenter,
  segmenterBackend,
} from '../src/backends/reference/person-segmenter';
import { orbitDegrees, PreviewRenderer } from '../src/backends/reference/preview';
import { PORTRAITS, portrait } from './support/portrait-fixtures';
import type { FixtureFace } from './support/reference-fixtures';

/** First row (from the top) where the matte is person. */
function matteTop(m: PersonMatte): number {
  for (let y = 0; y < m.height; y++) for (let x = 0; x < m.width; x++) if (m.alpha[y * m.width + x]! > 0.5) return y;
  return m.height;
}

/** Pixels inside the render's outline (between a row's first and last covered pixel) that are not opaque. */
function holes(img: RgbaImage): number {
  let count = 0;
  for (let y = 0; y < img.height; y++) {
    let first = -1;
    let last = -1;
    for (let x = 0; x < img.width; x++) {
      if (img.data[(y * img.width + x) * 4 + 3]! > 128) {
        if (first < 0) first = x;
        last = x;
      }
    }
    for (let x = first + 1; x < last; x++) if (img.data[(y * img.width + x) * 4 + 3]! < 128) count++;
  }
  return count;
}

describe('segmentation model (tfjs)', () => {
  it('refuses a model file it cannot read with a typed error', () => {
    expect(() => loadGraphModelFromFile('/nonexistent/model.json')).toThrow(HolocallError);
  });

  it('gives the same probabilities on the synchronous CPU backend as on wasm, once prepared', async () => {
    // This runs first in the file: nothing has prepared wasm yet, so the CPU backend answers.
    const face = portrait('astronaut');
    expect(segmenterBackend()).toBe('cpu');
    const cpu = personProbability(face.image);
    expect(await preparePersonSegmenter()).toBe('wasm');
    expect(segmenterBackend()).toBe('wasm');
    const wasm = personProbability(face.image);
    let maxDiff = 0;
    let person = 0;
    for (let i = 0; i < cpu.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(cpu[i]! - wasm[i]!));
      if (wasm[i]! > 0.5) person++;
    }
    expect(maxDiff).toBeLessThan(1e-3);
    // A portrait: a good share of the frame is person, not all of it.
    expect(person / cpu.length).toBeGreaterThan(0.2);
    expect(person / cpu.length).toBeLessThan(0.9);
  });
});

describe.each(PORTRAITS)('person matte of %s', (name) => {
  let face: FixtureFace;
  let matte: PersonMatte;
  let ms: number;

  beforeAll(async () => {
    await preparePersonSegmenter();
    face = portrait(name);
    const t = performance.now();
    matte = personMatte(face.image, face.landmarks);
    ms = performance.now() - t;
  });

  it('covers the whole landmark face oval, and the model is sure a person is there', () => {
    for (let p = 0; p < matte.face.length; p++) if (matte.face[p]) expect(matte.alpha[p]).toBe(1);
    expect(matte.stats.faceScore).toBeGreaterThan(0.9);
    // Bounded time: about 0.3 s on this 2-core machine (model ~0.1 s on wasm, the refinement the rest).
    expect(ms).toBeLessThan(10_000);
  });

  it('keeps the crown: the matte reaches well above the landmark forehead', () => {
    const top = point(face.landmarks, LM.foreheadTop);
    const chin = point(face.landmarks, LM.chin);
    const H = chin[1] - top[1];
    // Hair or headwear rises at least a fifth of a face height above the forehead landmark.
    expect(top[1] - matteTop(matte)).toBeGreaterThan(0.2 * H);
  });

  it('excludes the corners of the crop (background)', () => {
    const { width: w, alpha } = matte;
    const k = 16;
    for (const [x0, y0] of [
      [0, 0],
      [w - k, 0],
    ] as const) {
      for (let y = y0; y < y0 + k; y++) for (let x = x0; x < x0 + k; x++) expect(alpha[y * w + x]).toBe(0);
    }
  });
});

describe('person matte bad input', () => {
  it('a photo with no person at the face is a clear bad_request', () => {
    const face = portrait('astronaut');
    const flat = { width: face.image.width, height: face.image.height, rgb: new Float32Array(face.image.rgb.length) };
    flat.rgb.fill(0.5);
    expect(personProbability(flat).reduce((a, b) => Math.max(a, b), 0)).toBeLessThan(0.5);
    try {
      personMatte(flat, face.landmarks);
      expect.unreachable('a flat grey photo was matted');
    } catch (error) {
      expect(error).toBeInstanceOf(HolocallError);
      expect((error as HolocallError).code).toBe('bad_request');
    }
  });

  it('drops a bright pole beside the head (not connected to the face, or beside it)', () => {
    const face = portrait('astronaut');
    const { width: w, rgb } = face.image;
    const img = { ...face.image, rgb: Float32Array.from(rgb) };
    const area = w * w;
    // A yellow pole down the left edge of the crop, 24 px wide, clear of the hair.
    for (let y = 0; y < w; y++) {
      for (let x = 6; x < 30; x++) {
        img.rgb[y * w + x] = 0.95;
        img.rgb[area + y * w + x] = 0.85;
        img.rgb[2 * area + y * w + x] = 0.1;
      }
    }
    const matte = personMatte(img, face.landmarks);
    let pole = 0;
    for (let y = 0; y < w; y++) for (let x = 6; x < 30; x++) pole += matte.alpha[y * w + x]! > 0.5 ? 1 : 0;
    expect(pole).toBe(0);
  });
});

describe.each(PORTRAITS)('whole head lifted from %s', (name) => {
  let renderer: PreviewRenderer;
  beforeAll(async () => {
    renderer = await PreviewRenderer.create(0);
  });
  afterAll(async () => {
    await renderer.close();
  });

  it('renders at -30°, 0° and +30°, and nodding ±20°, without holes inside the silhouette', async () => {
    const face = portrait(name);
    const lift = liftReference({ image: face.image, landmarks: face.landmarks });
    const prepared = await renderer.prepare(lift.triplane);
    const size = 128;
    for (const [yaw, pitch] of [
      [-30, 0],
      [0, 0],
      [30, 0],
      [0, -20],
      [0, 20],
    ] as const) {
      const view = await renderer.render(prepared, null, orbitDegrees(yaw, pitch), size);
      expect(holes(view), `yaw ${yaw} pitch ${pitch}`).toBeLessThan(0.002 * size * size);
    }
  });
});
