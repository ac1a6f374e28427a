import { describe, expect, it } from 'vitest';
import { MarchKernel } from '../src/render/march-kernel';
import { marchSettings } from '../src/render/march-settings';
import { buildOccupancy, createOccupancy, createOccupancyScratch, occupiedCells } from '../src/render/occupancy';
import { packedFloats, packRenderPlanes } from '../src/render/packed-planes';
import { CAMERA_PREPARED_FLOATS, prepareCamera } from '../src/render/rays';
import { renderReference } from '../src/render/reference-renderer';
import { analyticDecoderWeights } from '../src/triplane/decoder';
import { createTriplane, type Triplane } from '../src/triplane/layout';
import { createSyntheticHead } from '../src/triplane/synthetic-head';
import { orbit as orbitCamera } from './support/triplane-scenes';

function renderFast(t: Triplane, cam25: Float32Array, s: ReturnType<typeof marchSettings>, termination?: number) {
  const packed = new Float32Array(packedFloats(t.resolution));
  packRenderPlanes(t, null, packed);
  const occ = createOccupancy(t.resolution);
  buildOccupancy(packed, t.resolution, occ, createOccupancyScratch(t.resolution));
  const kernel = new MarchKernel();
  if (termination !== undefined) kernel.terminationTransmittance = termination;
  kernel.bind(packed, t.resolution, occ);
  const cam = new Float64Array(CAMERA_PREPARED_FLOATS);
  prepareCamera(cam25, cam);
  const out = new Float32Array(s.width * s.height * 4);
  kernel.marchRows(cam, 0, s, 0, s.height, out, 0);
  return { out, decoded: kernel.samplesDecoded, occ };
}

function maxRgbDiff(fast: Float32Array, ref: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < ref.length / 3; i++) {
    for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(fast[i * 4 + c]! - ref[i * 3 + c]!));
  }
  return worst;
}

/** Smooth pseudo-random fields: density channels cross the empty threshold in patches, taps reach the border. */
function noiseTriplane(resolution: number, seed: number): Triplane {
  const t = createTriplane(resolution);
  let s = seed;
  const rand = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const waves = Array.from({ length: 3 * 5 * 3 }, () => [rand() * 12, rand() * 12, rand() * 6.28, rand()]);
  for (let p = 0; p < 3; p++) {
    for (let ch = 0; ch < 5; ch++) {
      for (let y = 0; y < resolution; y++) {
        for (let x = 0; x < resolution; x++) {
          let v = ch < 2 ? 0.55 : 0;
          for (let w = 0; w < 3; w++) {
            const [a, b, ph, amp] = waves[(p * 5 + ch) * 3 + w]!;
            v += (ch < 2 ? 0.25 : 1.5) * amp! * Math.sin((a! * x) / resolution + (b! * y) / resolution + ph!);
          }
          t.data[((p * 32 + ch) * resolution + y) * resolution + x] = v;
        }
      }
    }
  }
  return t;
}

describe('fast ray marcher against the literal EG3D reference', () => {
  const decoder = analyticDecoderWeights();
  const cases: [string, () => Triplane][] = [
    ['synthetic head', () => createSyntheticHead(32)],
    ['noise fields', () => noiseTriplane(24, 7)],
  ];
  for (const [name, make] of cases) {
    it(`matches on ${name} from several viewpoints`, () => {
      const t = make();
      const s = marchSettings(10, 10, 12, 12);
      for (const [yaw, pitch] of [
        [0, 0],
        [0.9, 0.2],
        [-2.5, -0.4],
      ] as const) {
        const cam = orbitCamera(yaw, pitch);
        const ref = renderReference(t, decoder, cam, s);
        const fast = renderFast(t, cam, s, 1e-5);
        expect(Math.max(...ref)).toBeGreaterThan(0.3); // the view is not empty
        expect(maxRgbDiff(fast.out, ref)).toBeLessThan(2e-3);
      }
    });
  }

  it('stays within the termination bound at the default threshold and decodes fewer samples', () => {
    const t = createSyntheticHead(32);
    const s = marchSettings(12, 12, 16, 16);
    const cam = orbitCamera(0.3, 0.1);
    const ref = renderReference(t, decoder, cam, s);
    const fast = renderFast(t, cam, s);
    expect(maxRgbDiff(fast.out, ref)).toBeLessThan(4e-3);
    expect(fast.decoded).toBeLessThan(12 * 12 * 32 * 0.6);
  });

  it('renders background for an empty tri-plane without decoding anything', () => {
    const t = createTriplane(16);
    const s = marchSettings(8, 8, 8, 8);
    const fast = renderFast(t, orbitCamera(0, 0), s);
    expect(occupiedCells(fast.occ)).toBe(0);
    expect(fast.decoded).toBe(0);
    expect(Math.max(...fast.out)).toBe(0);
  });

  it('works without importance samples', () => {
    const t = createSyntheticHead(32);
    const s = marchSettings(8, 8, 24, 0);
    const cam = orbitCamera(0, 0);
    expect(maxRgbDiff(renderFast(t, cam, s, 1e-5).out, renderReference(t, decoder, cam, s))).toBeLessThan(2e-3);
  });
});
