import { BOX_WARP } from '../render/eg3d';
import { PLANE_AXES, planeChannelOffset, type Triplane } from './layout';

/**
 * Writers for tri-planes in the analytic decoder's feature space (see decoder.ts). Each adds a
 * function of a plane's two world coordinates (u, v) to one channel at every texel centre.
 */
export type PlaneField = (plane: number, u: number, v: number) => number;

export function texelCenter(index: number, resolution: number): number {
  return ((index + 0.5) / resolution - 0.5) * BOX_WARP;
}

export function addField(t: Triplane, channel: number, field: PlaneField): void {
  const R = t.resolution;
  for (let plane = 0; plane < 3; plane++) {
    const base = planeChannelOffset(t, plane, channel);
    for (let row = 0; row < R; row++) {
      const v = texelCenter(row, R);
      for (let col = 0; col < R; col++) {
        const value = field(plane, texelCenter(col, R), v);
        if (value !== 0) t.data[base + row * R + col]! += value;
      }
    }
  }
}

export type Vec3 = readonly [number, number, number];

/**
 * A separable Gaussian blob: each plane holds `amplitude * exp(-q/2)` of the blob's projection,
 * so the three-plane sum peaks at 3 * amplitude at the centre. With amplitude in (0.84, 0.94)
 * one plane alone and two planes together stay below the empty threshold, so blobs sharing a
 * projection make no ghosts; the visible surface (sum = SURFACE_LEVEL) sits at about 0.7 sigma.
 */
export function gaussianField(center: Vec3, sigma: Vec3, amplitude: number): PlaneField {
  return (plane, u, v) => {
    const [ua, va] = PLANE_AXES[plane]!;
    const du = (u - center[ua]!) / sigma[ua]!;
    const dv = (v - center[va]!) / sigma[va]!;
    const q = du * du + dv * dv;
    return q > 40 ? 0 : amplitude * Math.exp(-0.5 * q);
  };
}

/**
 * A separable ellipsoid: each plane holds `peak - slope * q_p / 2`, where q_p is the plane's part
 * of the ellipsoid norm, so the sum is `3 * peak - slope * r^2`; choose slope so that it meets
 * `level` at r = 1.
 */
export function ellipsoidField(center: Vec3, radii: Vec3, peak: number, level: number): PlaneField {
  const slope = 3 * peak - level;
  return (plane, u, v) => {
    const [ua, va] = PLANE_AXES[plane]!;
    const du = (u - center[ua]!) / radii[ua]!;
    const dv = (v - center[va]!) / radii[va]!;
    return peak - (slope * (du * du + dv * dv)) / 2;
  };
}

/** A colour logit vector spread over the planes with a weight field in [0, 1] per plane. */
export function addColor(t: Triplane, firstChannel: number, logits: Vec3, weight: PlaneField): void {
  for (let c = 0; c < 3; c++) {
    const l = logits[c]!;
    addField(t, firstChannel + c, (plane, u, v) => l * weight(plane, u, v));
  }
}
