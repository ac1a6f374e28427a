import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liftReference, type ReferenceLiftResult } from '../src/backends/reference/lift';
// Installs the node's segmentation model for the lift (segmenter-slot.ts).
import '../src/backends/reference/person-segmenter';
import { orbitDegrees } from '../src/backends/reference/preview';
import { ReferenceReenact } from '../src/backends/reference/reenact';
import { CpuRenderStage } from '../src/render/cpu-render-stage';
import {
  createDetailScratch,
  detailPixel,
  detailRows,
  edgeGain,
  prepareColumns,
  RAY_COORD_FLOATS,
  rowTaps,
  textureRays,
} from '../src/render/detail';
import { createHalfScratch, halfRowsFor, halfSize, upsampleHalf } from '../src/render/detail-upsample';
import { MarchKernel } from '../src/render/march-kernel';
import { marchSettings } from '../src/render/march-settings';
import { CAMERA_PREPARED_FLOATS, prepareCamera } from '../src/render/rays';
import { prepareRenderAsset } from '../src/render/render-asset';
import { RenderPool } from '../src/render/render-pool';
import type { PreparedTriplane, RenderRequest, ResidualTriplane } from '../src/stages/contract';
import { alignedFixture, type FixtureFace, MOUTH_OPEN } from './support/reference-fixtures';

/** The detail path (render/detail.ts) against the old bilinear path, on the fixture face at 512 from its own camera. */
const SIZE = 512;

function luma(d: ArrayLike<number>, p: number): number {
  return 0.299 * (d[4 * p] as number) + 0.587 * (d[4 * p + 1] as number) + 0.114 * (d[4 * p + 2] as number);
}

/** Inside the face: the eroded matte (alpha > 0.99 three pixels deep). */
function faceMask(alpha: Float32Array): Uint8Array {
  let m = Uint8Array.from(alpha, (a) => (a > 0.99 ? 1 : 0));
  for (let r = 0; r < 3; r++) {
    const n = new Uint8Array(m.length);
    for (let p = SIZE; p < m.length - SIZE; p++)
      n[p] = m[p] && m[p - 1] && m[p + 1] && m[p - SIZE] && m[p + SIZE] ? 1 : 0;
    m = n;
  }
  return m;
}

function psnr(a: ArrayLike<number>, b: ArrayLike<number>, mask: Uint8Array): number {
  let se = 0;
  let n = 0;
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    for (let c = 0; c < 3; c++) se += ((a[4 * p + c] as number) - (b[4 * p + c] as number)) ** 2;
    n += 3;
  }
  return 10 * Math.log10((255 * 255) / (se / n));
}

function laplacian(img: ArrayLike<number>, mask: Uint8Array): number {
  let e = 0;
  let n = 0;
  for (let p = SIZE + 1; p < mask.length - SIZE - 1; p++) {
    if (!mask[p]) continue;
    const l = 4 * luma(img, p) - luma(img, p - 1) - luma(img, p + 1) - luma(img, p - SIZE) - luma(img, p + SIZE);
    e += l * l;
    n++;
  }
  return e / n;
}

describe('detail at output resolution', () => {
  let face: FixtureFace;
  let lift: ReferenceLiftResult;
  let oldStage: CpuRenderStage;
  let newStage: CpuRenderStage;
  let po: PreparedTriplane;
  let pn: PreparedTriplane;
  let request: RenderRequest;

  beforeAll(async () => {
    face = alignedFixture();
    lift = liftReference({ image: face.image, landmarks: face.landmarks });
    const sourceFace = { ...lift.sourceFace, photo: face.rgba };
    oldStage = new CpuRenderStage(await RenderPool.start(0), { detail: false });
    newStage = new CpuRenderStage(await RenderPool.start(0));
    po = await oldStage.prepare(lift.triplane, sourceFace);
    pn = await newStage.prepare(lift.triplane, sourceFace);
    request = {
      cameras: [lift.sourceFace.camera as Float32Array],
      layout: { kind: 'flat' },
      tileWidth: SIZE,
      tileHeight: SIZE,
      quality: 'interactive',
    };
  }, 60_000);

  afterAll(async () => {
    await oldStage?.close();
    await newStage?.close();
  });

  it('matches the photo inside the face far better than the ray grid, and is as detailed', async () => {
    const mask = faceMask(lift.sourceFace.reference.matte.alpha);
    const old = (await oldStage.render(po, null, request)).pixels.slice();
    const detailed = (await newStage.render(pn, null, request)).pixels.slice();
    const photo = face.rgba.data;
    const po0 = psnr(old, photo, mask);
    const pn0 = psnr(detailed, photo, mask);
    // Measured 28.8 -> 38.7 dB (bench/fidelity.ts); the margin leaves room for lift changes.
    expect(pn0).toBeGreaterThan(po0 + 6);
    const eOld = laplacian(old, mask);
    const eNew = laplacian(detailed, mask);
    const ePhoto = laplacian(photo, mask);
    // Measured: old 0.13 of the photo's high-frequency energy, new 0.91.
    expect(eNew).toBeGreaterThan(3 * eOld);
    expect(eNew).toBeGreaterThan(0.6 * ePhoto);
  });

  it('draws the silhouette as a narrow anti-aliased ramp, not the ray grid blur', async () => {
    const widths = async (stage: CpuRenderStage, p: PreparedTriplane) => {
      const px = (await stage.render(p, null, request)).pixels;
      let ramps = 0;
      let partial = 0;
      // Left outline of every row through the head: pixels between fully out and fully in.
      for (let y = 100; y < 400; y++) {
        let x = 0;
        while (x < SIZE && (px[4 * (y * SIZE + x) + 3] as number) < 8) x++;
        if (x >= SIZE) continue;
        let k = 0;
        while (x + k < SIZE && (px[4 * (y * SIZE + x + k) + 3] as number) < 248) k++;
        ramps++;
        partial += k;
      }
      return { ramps, mean: partial / ramps };
    };
    const o = await widths(oldStage, po);
    const n = await widths(newStage, pn);
    expect(n.ramps).toBeGreaterThan(200);
    // Anti-aliased (intermediate values on average), a pixel or two across the edge; the old ramp spans a ray cell (8 px).
    expect(n.mean).toBeGreaterThan(0.5);
    expect(n.mean).toBeLessThan(5); // measured 3.3 along rows (slanted edges widen a 1.25 px ramp)
    expect(o.mean).toBeGreaterThan(2 * n.mean);
  });

  it('textures through the expression: an opened mouth shows the dark mouth, not the photo’s closed lips', async () => {
    const reenact = new ReferenceReenact();
    const residual = await reenact.residual({
      source: lift.triplane,
      sourceFace: lift.sourceFace,
      driver: { kind: 'landmarks', code: MOUTH_OPEN },
    });
    expect((residual as ResidualTriplane | null)?.textureWarp).toBeDefined();
    const neutral = (await newStage.render(pn, null, request)).pixels.slice();
    const open = (await newStage.render(pn, residual, request)).pixels.slice();
    // Mouth box from the landmarks (13: upper inner lip, 14: lower inner lip; 78/308 corners).
    const L = face.landmarks;
    const x0 = Math.round(L[3 * 78]!);
    const x1 = Math.round(L[3 * 308]!);
    const y0 = Math.round(L[3 * 13 + 1]!);
    const y1 = Math.round(L[3 * 14 + 1]! + 25);
    let dark = 0;
    let darkNeutral = 0;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        if (luma(open, y * SIZE + x) < 80) dark++;
        if (luma(neutral, y * SIZE + x) < 80) darkNeutral++;
      }
    }
    expect(dark).toBeGreaterThan(darkNeutral + 150);
  });

  it('gives every pixel the general per-pixel result on its cell shortcuts (a turned quilt-sized view)', () => {
    // A quilt view's ray grid (35 x 46 for 420 x 560) at 25°: silhouette, occlusion (nose before
    // cheek), interior and empty cells all occur; each pixel of detailRows must be detailPixel's.
    const asset = prepareRenderAsset(lift.triplane, { ...lift.sourceFace, photo: face.rgba });
    expect(asset.texture).not.toBeNull();
    const [W, H, outW, outH] = [35, 46, 420, 560];
    const cam = new Float64Array(CAMERA_PREPARED_FLOATS);
    prepareCamera(orbitDegrees(25, 5), cam, 0);
    const kernel = new MarchKernel();
    kernel.bind(asset.packed, asset.resolution, asset.occ);
    const lowres = new Float32Array(W * H * 4);
    const depth = new Float32Array(W * H);
    const coords = new Float32Array(W * H * RAY_COORD_FLOATS);
    kernel.marchRows(cam, 0, marchSettings(W, H, 20, 20), 0, H, lowres, 0, depth, 0);
    textureRays(cam, 0, W, H, 0, H, lowres, 0, depth, 0, coords, 0, asset.texture, null);
    const fast = new Uint32Array(outW * outH);
    detailRows(lowres, 0, coords, 0, W, H, asset.texture, fast, outW, 0, 0, outW, outH, 0, outH, createDetailScratch());
    const scratch = createDetailScratch();
    prepareColumns(W, outW, scratch);
    const view = { lowres, lowOffset: 0, coords, coordOffset: 0, srcW: W, srcH: H, tex: asset.texture };
    const gain = edgeGain(W, H, outW, outH);
    let worst = 0;
    let covered = 0;
    for (let y = 0; y < outH; y++) {
      const { y0, y1, wy } = rowTaps(H, outH, y);
      const u = 1 - wy;
      scratch.by.set([
        (u * u * u) / 6,
        (3 * wy ** 3 - 6 * wy ** 2 + 4) / 6,
        (-3 * wy ** 3 + 3 * wy ** 2 + 3 * wy + 1) / 6,
        wy ** 3 / 6,
      ]);
      for (let x = 0; x < outW; x++) {
        const want = detailPixel(view, x, y0, y1, wy, gain, scratch);
        const got = fast[y * outW + x] as number;
        if (got >>> 24 > 0) covered++;
        for (let sh = 0; sh < 32; sh += 8)
          worst = Math.max(worst, Math.abs(((got >>> sh) & 255) - ((want >>> sh) & 255)));
      }
    }
    expect(covered).toBeGreaterThan(0.3 * outW * outH);
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('renders the same photo-textured pixels on worker threads as inline, quilt and expression included', async () => {
    const threaded = new CpuRenderStage(await RenderPool.start(2));
    try {
      const pt = await threaded.prepare(lift.triplane, { ...lift.sourceFace, photo: face.rgba });
      const residual = await new ReferenceReenact().residual({
        source: lift.triplane,
        sourceFace: lift.sourceFace,
        driver: { kind: 'landmarks', code: MOUTH_OPEN },
      });
      const quilt: RenderRequest = {
        cameras: [-12, -4, 4, 12].map((yaw) => orbitDegrees(yaw)),
        layout: { kind: 'quilt', cols: 2, rows: 2 },
        tileWidth: 210,
        tileHeight: 280,
        quality: 'interactive',
      };
      for (const [req, res] of [
        [request, null],
        [request, residual],
        [quilt, null],
      ] as const) {
        const a = (await threaded.render(pt, res, req)).pixels.slice();
        const b = (await newStage.render(pn, res, req)).pixels;
        expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
        expect(a.some((v) => v > 0)).toBe(true);
      }
    } finally {
      await threaded.close();
    }
  });

  it('doubles a half-resolution detail image as bilinear (align_corners false) does, band by band', () => {
    const [outW, outH] = [14, 10];
    const [hw, hh] = [halfSize(outW), halfSize(outH)];
    const half = new Uint32Array(hw * hh);
    for (let p = 0; p < half.length; p++)
      half[p] = ((p * 37) & 255) | (((p * 91) & 255) << 8) | (((p * 13) & 255) << 16) | (((255 - p * 5) & 255) << 24);
    const out = new Uint32Array(outW * outH);
    // Two bands, each with only the half rows it reads.
    for (const [y0, y1] of [
      [0, 4],
      [4, 10],
    ] as const) {
      const [first, last] = halfRowsFor(outH, y0, y1);
      upsampleHalf(
        half.subarray(first * hw, (last + 1) * hw),
        first,
        out,
        outW,
        0,
        0,
        outW,
        outH,
        y0,
        y1,
        createHalfScratch(),
      );
    }
    const at = (x: number, y: number, sh: number) => ((half[y * hw + x] as number) >>> sh) & 255;
    let worst = 0;
    for (let y = 0; y < outH; y++) {
      const fy = Math.min(hh - 1, Math.max(0, y / 2 - 0.25));
      const ya = Math.floor(fy);
      const yb = Math.min(hh - 1, ya + 1);
      for (let x = 0; x < outW; x++) {
        const fx = Math.min(hw - 1, Math.max(0, x / 2 - 0.25));
        const xa = Math.floor(fx);
        const xb = Math.min(hw - 1, xa + 1);
        for (let sh = 0; sh < 32; sh += 8) {
          const top = at(xa, ya, sh) + (fx - xa) * (at(xb, ya, sh) - at(xa, ya, sh));
          const bot = at(xa, yb, sh) + (fx - xa) * (at(xb, yb, sh) - at(xa, yb, sh));
          const want = top + (fy - ya) * (bot - top);
          worst = Math.max(worst, Math.abs((((out[y * outW + x] as number) >>> sh) & 255) - want));
        }
      }
    }
    expect(worst).toBeLessThan(1);
  });
});
