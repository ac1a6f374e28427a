/**
 * Produces test/fixtures/face/astronaut.landmarks.json: the REAL tracker (src/browser/tracker.ts,
 * @vladmandic/human mesh + iris on the tfjs wasm backend) run in Debian's headless Chromium on
 * the fixture photo, its mirror image, an in-plane rotation and two synthetic expression warps
 * (scripts/synthetic-variants.ts). Each entry says whether its image is synthetic and how.
 *
 *   npx tsx packages/face/scripts/extract-landmarks.ts [--out path.json] [--images dir]
 *
 * --images also writes the variant PNGs (for looking at them; they are not committed).
 * Takes about 5 s. Needs /usr/bin/chromium (or CHROMIUM_PATH).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { FixtureEntry, LandmarkFixture } from '../src/node/fixtures';
import { encodePng, readPng } from '../src/node/png';
import { trackImages } from '../src/node/tracker-harness';
import type { RgbaImage } from '../src/warp';
import { mirrorImage, openMouth, raiseBrows, rotateImage } from './synthetic-variants';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const FIXTURE_PHOTO = join(repo, 'test/fixtures/astronaut.png');
export const FIXTURE_LANDMARKS = join(repo, 'test/fixtures/face/astronaut.landmarks.json');

/** In-plane rotation of the "rotated" variant, degrees counter-clockwise. */
export const ROTATED_VARIANT_DEG = 12;

const TRACKER = '@vladmandic/human 3.3.6, face mesh + iris, tfjs-backend-wasm 4.22.0, headless Chromium';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: FIXTURE_LANDMARKS }, images: { type: 'string' } },
  });
  const photo = readPng(FIXTURE_PHOTO);
  const w = photo.width;
  const h = photo.height;

  // Pass 1: the photo and its mirror image.
  const first = await trackImages(
    new Map<string, Uint8Array>([
      ['astronaut', readFileSync(FIXTURE_PHOTO)],
      ['astronaut-mirrored', encodePng(mirrorImage(photo))],
    ]),
  );
  const base = first.faces.astronaut;
  if (!base) throw new Error('the tracker found no face in the fixture photo');

  // Pass 2: variants placed with the photo's own landmarks.
  const iod = Math.hypot(
    base.landmarks[3 * 263]! - base.landmarks[3 * 33]!,
    base.landmarks[3 * 263 + 1]! - base.landmarks[3 * 33 + 1]!,
  );
  const mouthPx = Math.round(0.3 * iod);
  const browPx = Math.round(0.15 * iod);
  const cx = (base.box[0]! + base.box[2]! / 2) | 0;
  const cy = (base.box[1]! + base.box[3]! / 2) | 0;
  const variants: Record<string, { img: RgbaImage; entry: Omit<FixtureEntry, keyof TrackedPart> }> = {
    'mouth-open': {
      img: openMouth(photo, base.landmarks, mouthPx),
      entry: {
        description: `SYNTHETIC: the photo with the lower face slid down ${mouthPx}px at the lip centre and the lip gap painted dark`,
        synthetic: 'warp',
        width: w,
        height: h,
        params: { jawDropPx: mouthPx },
      },
    },
    'brows-raised': {
      img: raiseBrows(photo, base.landmarks, browPx),
      entry: {
        description: `SYNTHETIC: the photo with the brow band slid up ${browPx}px`,
        synthetic: 'warp',
        width: w,
        height: h,
        params: { browLiftPx: browPx },
      },
    },
    rotated: {
      img: rotateImage(photo, (ROTATED_VARIANT_DEG * Math.PI) / 180, cx, cy),
      entry: {
        description: `the photo rotated ${ROTATED_VARIANT_DEG} degrees counter-clockwise about (${cx}, ${cy}) (pure similarity)`,
        synthetic: 'rotation',
        width: w,
        height: h,
        params: { angleDeg: ROTATED_VARIANT_DEG, cx, cy },
      },
    },
  };
  const second = await trackImages(new Map(Object.entries(variants).map(([k, v]) => [k, encodePng(v.img)])));

  const entries: Record<string, FixtureEntry> = {
    astronaut: {
      description: 'the fixture photo (NASA, public domain), unchanged',
      synthetic: false,
      width: w,
      height: h,
      ...tracked(base),
    },
  };
  const mirrored = first.faces['astronaut-mirrored'];
  if (mirrored) {
    entries['astronaut-mirrored'] = {
      description: 'the photo mirrored left-right (landmarks in the mirrored image)',
      synthetic: 'mirror',
      width: w,
      height: h,
      ...tracked(mirrored),
    };
  }
  for (const [name, v] of Object.entries(variants)) {
    const face = second.faces[name];
    if (!face) {
      console.warn(`no face found in variant ${name}; left out`);
      continue;
    }
    entries[name] = { ...v.entry, ...tracked(face) } as FixtureEntry;
  }
  const fixture: LandmarkFixture = {
    generator: 'packages/face/scripts/extract-landmarks.ts',
    tracker: TRACKER,
    photo: 'test/fixtures/astronaut.png',
    entries,
  };
  mkdirSync(dirname(values.out!), { recursive: true });
  writeFileSync(values.out!, formatFixture(fixture));
  if (values.images) {
    mkdirSync(values.images, { recursive: true });
    for (const [name, v] of Object.entries(variants))
      writeFileSync(join(values.images, `${name}.png`), encodePng(v.img));
  }
  const ms = { ...first.detectMs, ...second.detectMs };
  console.log(`backend ${first.backend}; wrote ${Object.keys(entries).length} entries to ${values.out}`);
  for (const [name, t] of Object.entries(ms)) console.log(`  ${name.padEnd(20)} detect ${t.toFixed(0)} ms`);
}

type TrackedPart = Pick<FixtureEntry, 'landmarks' | 'humanAngles' | 'score' | 'box' | 'cropSize'>;

function tracked(face: NonNullable<Awaited<ReturnType<typeof trackImages>>['faces'][string]>): TrackedPart {
  // Stills always go through human.detect, which estimates the angles.
  if (!face.humanAngles) throw new Error('a still was tracked without human.detect');
  return {
    landmarks: face.landmarks,
    humanAngles: face.humanAngles,
    score: face.score,
    box: face.box,
    cropSize: face.cropSize,
  };
}

/** JSON with one landmark triple per line group, so diffs of regenerated fixtures stay readable. */
function formatFixture(f: LandmarkFixture): string {
  const json = JSON.stringify(
    f,
    (key, value) => (key === 'landmarks' ? `@@${(value as number[]).join(',')}@@` : value),
    2,
  );
  return `${json.replace(/"@@([^@]*)@@"/g, (_m, list: string) => {
    const nums = list.split(',');
    const rows: string[] = [];
    for (let i = 0; i < nums.length; i += 24) rows.push(nums.slice(i, i + 24).join(', '));
    return `[\n        ${rows.join(',\n        ')}\n      ]`;
  })}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
