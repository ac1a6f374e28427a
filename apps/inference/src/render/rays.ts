import { HolocallError } from '@holocall/protocol';

/**
 * Rays from EG3D's 25-float cameras: a row-major OpenCV cam2world 4x4 (x right, y down,
 * z forward) followed by a row-major 3x3 intrinsics matrix normalised by image size.
 * Pixel (row i, column j) of a W x H ray grid looks through normalised image point
 * ((j + 0.5) / W, (i + 0.5) / H), exactly as EG3D's RaySampler does for square grids.
 * Directions are unit length, so depths (RAY_START..RAY_END) are distances from the camera.
 */
export const CAMERA_FLOATS = 25;

/** Layout of a prepared camera (Float64Array, CAMERA_PREPARED_FLOATS long). */
export const CAM_OX = 0;
export const CAM_R = 3; // 9 entries, row-major cam2world rotation
export const CAM_FX = 12;
export const CAM_FY = 13;
export const CAM_CX = 14;
export const CAM_CY = 15;
export const CAM_SK = 16;
export const CAMERA_PREPARED_FLOATS = 17;

/** Checks a 25-float camera enough to render it safely (finite, rotation orthonormal, focal positive). */
export function assertRenderableCamera(cam: ArrayLike<number>, what = 'camera'): void {
  if (cam.length !== CAMERA_FLOATS) {
    throw HolocallError.badRequest(`${what} must have ${CAMERA_FLOATS} numbers`, { length: cam.length });
  }
  for (let i = 0; i < CAMERA_FLOATS; i++) {
    if (!Number.isFinite(cam[i])) throw HolocallError.badRequest(`${what} has a non-finite value`, { index: i });
  }
  for (let a = 0; a < 3; a++) {
    for (let b = a; b < 3; b++) {
      let dot = 0;
      for (let k = 0; k < 3; k++) dot += (cam[k * 4 + a] as number) * (cam[k * 4 + b] as number);
      if (Math.abs(dot - (a === b ? 1 : 0)) > 1e-3) {
        throw HolocallError.badRequest(`${what} rotation is not orthonormal`, { columns: [a, b], dot });
      }
    }
  }
  if (!((cam[16] as number) > 0 && (cam[20] as number) > 0)) {
    throw HolocallError.badRequest(`${what} focal lengths must be positive`);
  }
}

/** Unpacks a 25-float camera into `out` (CAMERA_PREPARED_FLOATS long) at `offset`. */
export function prepareCamera(cam: ArrayLike<number>, out: Float64Array, offset = 0): void {
  out[offset + CAM_OX] = cam[3] as number;
  out[offset + CAM_OX + 1] = cam[7] as number;
  out[offset + CAM_OX + 2] = cam[11] as number;
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) out[offset + CAM_R + r * 3 + c] = cam[r * 4 + c] as number;
  }
  out[offset + CAM_FX] = cam[16] as number;
  out[offset + CAM_SK] = cam[17] as number;
  out[offset + CAM_CX] = cam[18] as number;
  out[offset + CAM_FY] = cam[20] as number;
  out[offset + CAM_CY] = cam[21] as number;
}

/**
 * Writes the unit direction of ray (row, col) of a width x height grid into dir[0..2].
 * EG3D: x_lift = (x - cx + cy*sk/fy - sk*y/fy) / fx, y_lift = (y - cy) / fy, z = 1.
 */
export function rayDirection(
  cam: Float64Array,
  offset: number,
  width: number,
  height: number,
  row: number,
  col: number,
  dir: Float64Array,
): void {
  const x = (col + 0.5) / width;
  const y = (row + 0.5) / height;
  const fx = cam[offset + CAM_FX] as number;
  const fy = cam[offset + CAM_FY] as number;
  const cx = cam[offset + CAM_CX] as number;
  const cy = cam[offset + CAM_CY] as number;
  const sk = cam[offset + CAM_SK] as number;
  const lx = (x - cx + (cy * sk) / fy - (sk * y) / fy) / fx;
  const ly = (y - cy) / fy;
  const r = offset + CAM_R;
  const dx = (cam[r] as number) * lx + (cam[r + 1] as number) * ly + (cam[r + 2] as number);
  const dy = (cam[r + 3] as number) * lx + (cam[r + 4] as number) * ly + (cam[r + 5] as number);
  const dz = (cam[r + 6] as number) * lx + (cam[r + 7] as number) * ly + (cam[r + 8] as number);
  const inv = 1 / Math.sqrt(dx * dx + dy * dy + dz * dz);
  dir[0] = dx * inv;
  dir[1] = dy * inv;
  dir[2] = dz * inv;
}

/** All ray origins and directions of a grid, `[width*height][3]` each (for graphs and the reference renderer). */
export function rayGrid(
  cam25: ArrayLike<number>,
  width: number,
  height: number,
): { origins: Float32Array; directions: Float32Array } {
  const cam = new Float64Array(CAMERA_PREPARED_FLOATS);
  prepareCamera(cam25, cam);
  const dir = new Float64Array(3);
  const origins = new Float32Array(width * height * 3);
  const directions = new Float32Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const k = (row * width + col) * 3;
      rayDirection(cam, 0, width, height, row, col, dir);
      origins[k] = cam[CAM_OX] as number;
      origins[k + 1] = cam[CAM_OX + 1] as number;
      origins[k + 2] = cam[CAM_OX + 2] as number;
      directions[k] = dir[0] as number;
      directions[k + 1] = dir[1] as number;
      directions[k + 2] = dir[2] as number;
    }
  }
  return { origins, directions };
}
