import type { SourceFace } from '../stages/contract';
import { MarchKernel } from './march-kernel';
import { marchSettings } from './march-settings';
import type { Occupancy } from './occupancy';
import {
  CAM_CX,
  CAM_CY,
  CAM_FX,
  CAM_FY,
  CAM_OX,
  CAM_R,
  CAMERA_PREPARED_FLOATS,
  prepareCamera,
  rayDirection,
} from './rays';
import { sharedBuffer } from './shared-memory';

/**
 * What the detail pass (detail.ts) textures a surface from, once per avatar in shared memory:
 *
 *   photo:  the aligned source photo as packed RGBA8, its alpha replaced by the head matte
 *           eroded by MATTE_EROSION_PX (photo pixels at the matte's edge mix in the wall);
 *   camera: the source camera, prepared (rays.ts layout);
 *   shadow: a depth map of the tri-plane seen from the source camera (SHADOW_SIZE², distance
 *           along the unit ray; EMPTY_DEPTH where nothing is hit): a surface point farther from
 *           the camera than this was hidden in the photo (the side of the nose, the back);
 *   facing: per shadow texel, how squarely the surface faced the source camera (n . v from the
 *           depth map's gradient), already turned into a 0..1 weight: the photo is trusted where
 *           it saw the surface squarely and fades to the tri-plane's colour at grazing angles.
 */
export interface SourceTexture {
  readonly width: number;
  readonly height: number;
  readonly photo: Uint32Array;
  readonly camera: Float64Array;
  readonly shadowSize: number;
  readonly shadow: Float32Array;
  readonly facing: Float32Array;
  readonly bytes: number;
}

export const SHADOW_SIZE = 128;
/** Depth written where the source camera sees nothing (beyond any ray end, finite so bilinear taps stay finite). */
export const EMPTY_DEPTH = 100;
/** Photo pixels this close to the matte's edge are not used (they blend hair and wall). */
export const MATTE_EROSION_PX = 2;
/** n . v below FACING_LOW takes no photo, above FACING_HIGH all of it (smoothstep between). */
export const FACING_LOW = 0.2;
export const FACING_HIGH = 0.55;
/** Rays of the shadow map count as hitting the surface above this opacity. */
const SHADOW_HIT_ALPHA = 0.5;

const smoothstep = (e0: number, e1: number, x: number) => {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
};

/** Per-pixel minimum over a (2r+1)² box, separable (the matte eroded). */
function erode(alpha: Float32Array, w: number, h: number, r: number): Float32Array {
  const rows = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let m = 1;
      for (let k = Math.max(0, x - r); k <= Math.min(w - 1, x + r); k++) m = Math.min(m, alpha[y * w + k] as number);
      rows[y * w + x] = m;
    }
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let m = 1;
      for (let k = Math.max(0, y - r); k <= Math.min(h - 1, y + r); k++) m = Math.min(m, rows[k * w + x] as number);
      out[y * w + x] = m;
    }
  }
  return out;
}

/** True when a source face carries what texturing needs: a photo and the camera it was taken from. */
export function canTexture(face: SourceFace | undefined): boolean {
  const p = face?.photo;
  return (
    !!p &&
    !!face?.camera &&
    face.camera.length === 25 &&
    p.width > 1 &&
    p.height > 1 &&
    p.data.length === p.width * p.height * 4
  );
}

/**
 * Builds the texture of one avatar: packs the photo with its matte and marches the source view's
 * depth map (SHADOW_SIZE² rays on this thread, a few tens of ms once per avatar).
 */
export function buildSourceTexture(
  face: SourceFace,
  packed: Float32Array,
  resolution: number,
  occ: Occupancy,
): SourceTexture | null {
  if (!canTexture(face)) return null;
  const src = face.photo!;
  const { width: w, height: h } = src;
  // Read structurally: the matte's producer (the reference lift) may grow other fields.
  const matte = face.reference?.matte as { width: number; height: number; alpha: Float32Array } | undefined;
  const eroded =
    matte && matte.width === w && matte.height === h && matte.alpha.length === w * h
      ? erode(matte.alpha, w, h, MATTE_EROSION_PX)
      : null;
  const photo = new Uint32Array(sharedBuffer(w * h * 4));
  for (let p = 0; p < w * h; p++) {
    const a = eroded ? Math.round(Math.min(1, Math.max(0, eroded[p] as number)) * 255) : 255;
    photo[p] =
      ((src.data[4 * p] as number) |
        ((src.data[4 * p + 1] as number) << 8) |
        ((src.data[4 * p + 2] as number) << 16) |
        (a << 24)) >>>
      0;
  }
  const camera = new Float64Array(sharedBuffer(CAMERA_PREPARED_FLOATS * 8));
  prepareCamera(face.camera!, camera, 0);

  // The source view's depth map, from the same kernel the frames use.
  const S = SHADOW_SIZE;
  const kernel = new MarchKernel();
  kernel.bind(packed, resolution, occ);
  const rgba = new Float32Array(S * S * 4);
  const depthPremul = new Float32Array(S * S);
  kernel.marchRows(camera, 0, marchSettings(S, S, 48, 48), 0, S, rgba, 0, depthPremul, 0);
  const shadow = new Float32Array(sharedBuffer(S * S * 4));
  const px = new Float64Array(S * S * 3);
  const hit = new Uint8Array(S * S);
  const dir = new Float64Array(3);
  for (let row = 0; row < S; row++) {
    for (let col = 0; col < S; col++) {
      const i = row * S + col;
      const a = rgba[4 * i + 3] as number;
      if (a < SHADOW_HIT_ALPHA) {
        shadow[i] = EMPTY_DEPTH;
        continue;
      }
      const d = (depthPremul[i] as number) / a;
      shadow[i] = d;
      hit[i] = 1;
      rayDirection(camera, 0, S, S, row, col, dir);
      for (let k = 0; k < 3; k++) px[3 * i + k] = (camera[CAM_OX + k] as number) + d * (dir[k] as number);
    }
  }
  // Facing from the depth map: the normal from central (or one-sided) differences of the surface points.
  const facing = new Float32Array(sharedBuffer(S * S * 4));
  const ox = camera[CAM_OX] as number;
  const oy = camera[CAM_OX + 1] as number;
  const oz = camera[CAM_OX + 2] as number;
  for (let row = 0; row < S; row++) {
    for (let col = 0; col < S; col++) {
      const i = row * S + col;
      if (!hit[i]) continue;
      const l = col > 0 && hit[i - 1] ? i - 1 : i;
      const r = col < S - 1 && hit[i + 1] ? i + 1 : i;
      const u = row > 0 && hit[i - S] ? i - S : i;
      const d = row < S - 1 && hit[i + S] ? i + S : i;
      if (l === r || u === d) continue; // an isolated column or row: no normal, no photo
      const ax = (px[3 * r] as number) - (px[3 * l] as number);
      const ay = (px[3 * r + 1] as number) - (px[3 * l + 1] as number);
      const az = (px[3 * r + 2] as number) - (px[3 * l + 2] as number);
      const bx = (px[3 * d] as number) - (px[3 * u] as number);
      const by = (px[3 * d + 1] as number) - (px[3 * u + 1] as number);
      const bz = (px[3 * d + 2] as number) - (px[3 * u + 2] as number);
      const nx = ay * bz - az * by;
      const ny = az * bx - ax * bz;
      const nz = ax * by - ay * bx;
      const vx = ox - (px[3 * i] as number);
      const vy = oy - (px[3 * i + 1] as number);
      const vz = oz - (px[3 * i + 2] as number);
      const cos = Math.abs(nx * vx + ny * vy + nz * vz) / (Math.hypot(nx, ny, nz) * Math.hypot(vx, vy, vz) || 1);
      facing[i] = smoothstep(FACING_LOW, FACING_HIGH, cos);
    }
  }
  return {
    width: w,
    height: h,
    photo,
    camera,
    shadowSize: S,
    shadow,
    facing,
    bytes: photo.byteLength + shadow.byteLength + facing.byteLength + camera.byteLength,
  };
}

/** Where a world point lands in the source photo (continuous pixels, centres at +0.5) and its distance to the camera. */
export function projectToSource(tex: SourceTexture, x: number, y: number, z: number, out: Float64Array): boolean {
  const c = tex.camera;
  const dx = x - (c[CAM_OX] as number);
  const dy = y - (c[CAM_OX + 1] as number);
  const dz = z - (c[CAM_OX + 2] as number);
  const R = CAM_R;
  const xc = (c[R] as number) * dx + (c[R + 3] as number) * dy + (c[R + 6] as number) * dz;
  const yc = (c[R + 1] as number) * dx + (c[R + 4] as number) * dy + (c[R + 7] as number) * dz;
  const zc = (c[R + 2] as number) * dx + (c[R + 5] as number) * dy + (c[R + 8] as number) * dz;
  if (!(zc > 1e-6)) return false;
  out[0] = ((c[CAM_FX] as number) * (xc / zc) + (c[CAM_CX] as number)) * tex.width;
  out[1] = ((c[CAM_FY] as number) * (yc / zc) + (c[CAM_CY] as number)) * tex.height;
  out[2] = Math.sqrt(dx * dx + dy * dy + dz * dz);
  return true;
}
