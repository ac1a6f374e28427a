/**
 * The committed face fixtures (test/fixtures/...): the photo and the tracker's landmarks for it
 * and its variants (packages/face/scripts/extract-landmarks.ts made them).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RgbaImage } from '../warp';
import { readPng } from './png';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

export const FIXTURE_PHOTO_PATH = join(repo, 'test/fixtures/astronaut.png');
export const FIXTURE_LANDMARKS_PATH = join(repo, 'test/fixtures/face/astronaut.landmarks.json');

export type FixtureName = 'astronaut' | 'astronaut-mirrored' | 'mouth-open' | 'brows-raised' | 'rotated';

export interface FixtureEntry {
  description: string;
  synthetic: false | 'mirror' | 'rotation' | 'warp';
  width: number;
  height: number;
  landmarks: number[];
  humanAngles: { yaw: number; pitch: number; roll: number };
  score: number;
  box: number[];
  cropSize: number;
  params?: Record<string, number>;
}

export interface LandmarkFixture {
  generator: string;
  tracker: string;
  photo: string;
  entries: Partial<Record<FixtureName, FixtureEntry>>;
}

export function loadLandmarkFixture(path = FIXTURE_LANDMARKS_PATH): LandmarkFixture {
  return JSON.parse(readFileSync(path, 'utf8')) as LandmarkFixture;
}

/** One entry's landmarks as a Float64Array (throws if the fixture lacks it). */
export function fixtureLandmarks(name: FixtureName, fixture = loadLandmarkFixture()): Float64Array {
  const e = fixture.entries[name];
  if (!e) throw new Error(`landmark fixture has no entry ${name}`);
  return Float64Array.from(e.landmarks);
}

export function loadFixturePhoto(): RgbaImage {
  return readPng(FIXTURE_PHOTO_PATH);
}
