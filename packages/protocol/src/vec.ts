/**
 * Small 3-vector and 3x3 rotation helpers for the camera conventions (camera.ts).
 *
 * Matrices are plain row-major arrays of 9 numbers (float64): m[row * 3 + col].
 * Nothing here allocates typed arrays; callers convert to Float32Array at the edge.
 */

export type Vec3 = [number, number, number];
/** Row-major 3x3 matrix, m[row * 3 + col]. */
export type Mat3 = number[];

export function sub(a: Readonly<Vec3>, b: Readonly<Vec3>): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

export function dot(a: Readonly<Vec3>, b: Readonly<Vec3>): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function cross(a: Readonly<Vec3>, b: Readonly<Vec3>): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function norm(a: Readonly<Vec3>): number {
  return Math.hypot(a[0], a[1], a[2]);
}

/** Unit vector along `a`, or null when `a` is (numerically) zero or not finite. */
export function normalize(a: Readonly<Vec3>): Vec3 | null {
  const n = norm(a);
  if (!(n > 1e-12) || !Number.isFinite(n)) return null;
  return [a[0] / n, a[1] / n, a[2] / n];
}

export function mat3Mul(a: Mat3, b: Mat3): Mat3 {
  const out: Mat3 = new Array(9).fill(0);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      out[r * 3 + c] = a[r * 3]! * b[c]! + a[r * 3 + 1]! * b[3 + c]! + a[r * 3 + 2]! * b[6 + c]!;
    }
  }
  return out;
}

export function mat3Transpose(m: Mat3): Mat3 {
  return [m[0]!, m[3]!, m[6]!, m[1]!, m[4]!, m[7]!, m[2]!, m[5]!, m[8]!];
}

export function mat3MulVec(m: Mat3, v: Readonly<Vec3>): Vec3 {
  return [
    m[0]! * v[0] + m[1]! * v[1] + m[2]! * v[2],
    m[3]! * v[0] + m[4]! * v[1] + m[5]! * v[2],
    m[6]! * v[0] + m[7]! * v[1] + m[8]! * v[2],
  ];
}

/** Column `c` of a row-major 3x3 matrix. */
export function mat3Column(m: Mat3, c: number): Vec3 {
  return [m[c]!, m[3 + c]!, m[6 + c]!];
}

/** Builds a row-major matrix whose columns are a, b, c. */
export function mat3FromColumns(a: Readonly<Vec3>, b: Readonly<Vec3>, c: Readonly<Vec3>): Mat3 {
  return [a[0], b[0], c[0], a[1], b[1], c[1], a[2], b[2], c[2]];
}

/**
 * R = Ry(yaw) · Rx(pitch) · Rz(roll), each a right-handed rotation about the named axis
 * (positive angles turn counter-clockwise when looking down the axis toward the origin).
 */
export function rotationYXZ(yaw: number, pitch: number, roll: number): Mat3 {
  const cy = Math.cos(yaw);
  const sy = Math.sin(yaw);
  const cp = Math.cos(pitch);
  const sp = Math.sin(pitch);
  const cr = Math.cos(roll);
  const sr = Math.sin(roll);
  // Multiplied out by hand: Ry(yaw) Rx(pitch) Rz(roll).
  return [
    cy * cr + sy * sp * sr,
    -cy * sr + sy * sp * cr,
    sy * cp,
    cp * sr,
    cp * cr,
    -sp,
    -sy * cr + cy * sp * sr,
    sy * sr + cy * sp * cr,
    cy * cp,
  ];
}

/**
 * Inverse of rotationYXZ for a proper rotation: yaw, roll in (-π, π], pitch in [-π/2, π/2].
 * At pitch = ±π/2 (gimbal lock) roll is reported as 0 and yaw carries the whole turn.
 */
export function anglesYXZ(m: Mat3): { yaw: number; pitch: number; roll: number } {
  // Column 2 = Ry Rx e_z = (cos p sin y, -sin p, cos p cos y); row 1 = (cos p sin r, cos p cos r, -sin p).
  const sinPitch = Math.min(1, Math.max(-1, -m[5]!));
  const pitch = Math.asin(sinPitch);
  const cosPitch = Math.hypot(m[2]!, m[8]!);
  if (cosPitch < 1e-9) {
    // Column 0 with roll = 0 is Ry e_x = (cos y, 0, -sin y).
    return { yaw: Math.atan2(-m[6]!, m[0]!), pitch, roll: 0 };
  }
  return { yaw: Math.atan2(m[2]!, m[8]!), pitch, roll: Math.atan2(m[3]!, m[4]!) };
}
