import { COLOR_CHANNELS, DENSITY_CHANNELS } from '../triplane/decoder';
import { TRIPLANE_PLANES, type Triplane } from '../triplane/layout';

/**
 * The fast renderer reads only the channels the analytic decoder uses, interleaved per texel
 * so that one bilinear tap touches one short run of memory: `[plane][row][col][PACKED_STRIDE]`
 * holding (density0, density1, r, g, b). Packing happens once per tri-plane, and once per frame
 * only where a residual is added (T' = T + residual), over these five channels only.
 */
export const PACKED_STRIDE = 5;
const PACKED_SOURCE_CHANNELS = [DENSITY_CHANNELS[0], DENSITY_CHANNELS[1], ...COLOR_CHANNELS] as const;

export function packedFloats(resolution: number): number {
  return TRIPLANE_PLANES * resolution * resolution * PACKED_STRIDE;
}

/** Writes the packed render planes of `t` (plus `residual`, same shape, when given) into `out`. */
export function packRenderPlanes(t: Triplane, residual: Triplane | null, out: Float32Array): void {
  const R = t.resolution;
  const area = R * R;
  if (out.length < packedFloats(R)) throw new RangeError('packed plane buffer too small');
  if (residual && (residual.resolution !== R || residual.channels !== t.channels)) {
    throw new RangeError('residual shape differs from the tri-plane');
  }
  for (let p = 0; p < TRIPLANE_PLANES; p++) {
    for (let k = 0; k < PACKED_STRIDE; k++) {
      const src = (p * t.channels + (PACKED_SOURCE_CHANNELS[k] as number)) * area;
      let dst = p * area * PACKED_STRIDE + k;
      const a = t.data;
      if (residual) {
        const b = residual.data;
        for (let i = 0; i < area; i++, dst += PACKED_STRIDE) out[dst] = (a[src + i] as number) + (b[src + i] as number);
      } else {
        for (let i = 0; i < area; i++, dst += PACKED_STRIDE) out[dst] = a[src + i] as number;
      }
    }
  }
}
