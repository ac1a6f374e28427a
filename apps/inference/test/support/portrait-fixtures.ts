/**
 * The portrait fixtures the matte and whole-head tests run on: the fixture photo and the extra
 * portraits in test/fixtures/faces-extra/ (sources and licences in its PROVENANCE.md), each
 * FFHQ-aligned to 512 with the real tracker's landmarks carried along. Node only.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alignFace } from '@holocall/face';
import jpeg from 'jpeg-js';
import { alignedImageFromRgba } from '../../src/backends/reference/image';
import { alignedFixture, type FixtureFace } from './reference-fixtures';

const extra = join(resolve(dirname(fileURLToPath(import.meta.url)), '../../../..'), 'test/fixtures/faces-extra');

export const PORTRAITS = ['astronaut', 'grace-hopper'] as const;
export type PortraitName = (typeof PORTRAITS)[number];

/** One extra portrait (a JPEG and its landmarks.json from extract-landmarks.ts), aligned. */
function extraPortrait(name: string): FixtureFace {
  const img = jpeg.decode(readFileSync(join(extra, `${name}.jpg`)), { useTArray: true, formatAsRGBA: true });
  const photo = { width: img.width, height: img.height, data: Uint8ClampedArray.from(img.data) };
  const entry = JSON.parse(readFileSync(join(extra, `${name}.landmarks.json`), 'utf8')) as { landmarks: number[] };
  const aligned = alignFace(photo, Float64Array.from(entry.landmarks));
  return { image: alignedImageFromRgba(aligned.image), rgba: aligned.image, landmarks: aligned.landmarks };
}

export function portrait(name: PortraitName): FixtureFace {
  return name === 'astronaut' ? alignedFixture() : extraPortrait(name);
}
