/**
 * Low-frequency inpainting of a weighted planar colour image by push-pull (Gortler et al.'s
 * Lumigraph fill): weights and weighted colours are summed 2x2 down a pyramid ("push"), then
 * each level is filled from the one above where its own weight is short ("pull"). Reading the
 * result at a coarse level and interpolating it back gives colour that varies smoothly over the
 * whole grid, drawn from the weighted samples near each point (not from one edge row).
 */

/** One pyramid level: side, summed weight and summed weighted colour (planar, 3 x n x n). */
interface Level {
  n: number;
  w: Float32Array;
  c: Float32Array;
}

function push(fine: Level): Level {
  const n = Math.max(1, fine.n >> 1);
  const w = new Float32Array(n * n);
  const c = new Float32Array(3 * n * n);
  const f = fine.n;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const q = j * n + i;
      for (let dj = 0; dj < 2; dj++) {
        for (let di = 0; di < 2; di++) {
          const y = Math.min(f - 1, 2 * j + dj);
          const x = Math.min(f - 1, 2 * i + di);
          const p = y * f + x;
          w[q] = w[q]! + fine.w[p]!;
          for (let k = 0; k < 3; k++) c[k * n * n + q] = c[k * n * n + q]! + fine.c[k * f * f + p]!;
        }
      }
      // Keep weights in "samples" units capped at 1 per cell so that one dense cell does not
      // outvote its neighbours when the level above is interpolated into it.
      const s = w[q]! > 1 ? 1 / w[q]! : 1;
      w[q] = w[q]! * s;
      for (let k = 0; k < 3; k++) c[k * n * n + q] = c[k * n * n + q]! * s;
    }
  }
  return { n, w, c };
}

/** Bilinear sample (texel centres at +0.5, clamped) of channel k of a planar n x n image. */
function bilinear(img: Float32Array, n: number, k: number, x: number, y: number): number {
  const fx = Math.min(n - 1, Math.max(0, x - 0.5));
  const fy = Math.min(n - 1, Math.max(0, y - 0.5));
  const x0 = Math.min(n - 2, Math.floor(fx));
  const y0 = Math.min(n - 2, Math.floor(fy));
  if (n < 2) return img[k]!;
  const ax = fx - x0;
  const ay = fy - y0;
  const b = k * n * n + y0 * n + x0;
  return (img[b]! * (1 - ax) + img[b + 1]! * ax) * (1 - ay) + (img[b + n]! * (1 - ax) + img[b + n + 1]! * ax) * ay;
}

/**
 * Smooth colour over the whole R x R grid from `colors` (planar 3 x R x R) weighted by
 * `weights` (0..1 per texel): the push-pull fill of the pyramid read at `level` (cells of
 * 2^level texels), bilinearly interpolated back to full resolution. R must be a power of two.
 */
export function pushPullSmooth(colors: Float32Array, weights: Float32Array, R: number, level: number): Float32Array {
  const n0 = R * R;
  const base: Level = { n: R, w: Float32Array.from(weights), c: new Float32Array(3 * n0) };
  for (let p = 0; p < n0; p++) for (let k = 0; k < 3; k++) base.c[k * n0 + p] = colors[k * n0 + p]! * weights[p]!;
  const levels: Level[] = [base];
  while (levels[levels.length - 1]!.n > 1) levels.push(push(levels[levels.length - 1]!));
  // Pull from the top down to `level`: a cell's colour is its own mean where it has a full
  // sample's weight, and the interpolated coarser colour for the weight it lacks.
  const top = levels[levels.length - 1]!;
  let filled = new Float32Array(3);
  for (let k = 0; k < 3; k++) filled[k] = top.w[0]! > 0 ? top.c[k]! / top.w[0]! : 0.5;
  for (let l = levels.length - 2; l >= Math.min(level, levels.length - 1); l--) {
    const lv = levels[l]!;
    const coarse = levels[l + 1]!.n;
    const n = lv.n;
    const out = new Float32Array(3 * n * n);
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        const q = j * n + i;
        const w = Math.min(1, lv.w[q]!);
        for (let k = 0; k < 3; k++) {
          const up = bilinear(filled, coarse, k, (i + 0.5) / 2, (j + 0.5) / 2);
          const own = lv.w[q]! > 0 ? lv.c[k * n * n + q]! / lv.w[q]! : 0;
          out[k * n * n + q] = w * own + (1 - w) * up;
        }
      }
    }
    filled = out;
  }
  const n = R >> Math.min(level, levels.length - 1);
  if (n === R) return filled;
  const result = new Float32Array(3 * n0);
  const scale = n / R;
  for (let j = 0; j < R; j++) {
    for (let i = 0; i < R; i++) {
      for (let k = 0; k < 3; k++)
        result[k * n0 + j * R + i] = bilinear(filled, n, k, (i + 0.5) * scale, (j + 0.5) * scale);
    }
  }
  return result;
}
