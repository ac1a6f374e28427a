/**
 * Weighted similarity Procrustes in 3D (Umeyama / Horn): the rotation R, scale s and
 * translation t minimising sum_i w_i |s R a_i + t - b_i|^2 for point sets a (model) and b
 * (observation). The rotation comes from Horn's quaternion method: the top eigenvector of a
 * symmetric 4x4 matrix, found by Jacobi sweeps (no SVD, no dependencies, always a proper
 * rotation, never a reflection).
 *
 * Matrices are row-major arrays of 9 numbers.
 */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

export interface SimilarityFit {
  /** Row-major 3x3 rotation taking model axes to observation axes. */
  rotation: Mat3;
  scale: number;
  translation: [number, number, number];
  /** Weighted RMS residual, in observation units. */
  rms: number;
}

/** Eigen-decomposition of a symmetric n x n matrix (row-major) by cyclic Jacobi rotations. */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q]! - m[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p]!;
          const mkq = m[k * n + q]!;
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k]!;
          const mqk = m[q * n + k]!;
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = m[i * n + i]!;
  return { values, vectors: v };
}

export function quaternionToMatrix(w: number, x: number, y: number, z: number): Mat3 {
  const n = Math.hypot(w, x, y, z);
  w /= n;
  x /= n;
  y /= n;
  z /= n;
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  ];
}

/**
 * Fits b ≈ s R a + t over the listed indices (all points when `indices` is omitted).
 * `a` and `b` are flat [x, y, z] arrays; `weights` (per point index) default to 1.
 */
export function fitSimilarity(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  indices?: readonly number[],
  weights?: ArrayLike<number>,
  allowScale = true,
): SimilarityFit {
  const idx = indices ?? Array.from({ length: Math.floor(a.length / 3) }, (_, i) => i);
  let wsum = 0;
  const ca = [0, 0, 0];
  const cb = [0, 0, 0];
  for (const i of idx) {
    const w = weights ? (weights[i] as number) : 1;
    wsum += w;
    for (let k = 0; k < 3; k++) {
      ca[k]! += w * (a[3 * i + k] as number);
      cb[k]! += w * (b[3 * i + k] as number);
    }
  }
  for (let k = 0; k < 3; k++) {
    ca[k]! /= wsum;
    cb[k]! /= wsum;
  }
  // Cross-covariance S = sum w (a - ca)(b - cb)^T and the model's spread.
  const S = new Float64Array(9);
  let varA = 0;
  for (const i of idx) {
    const w = weights ? (weights[i] as number) : 1;
    const pa = [0, 1, 2].map((k) => (a[3 * i + k] as number) - ca[k]!);
    const pb = [0, 1, 2].map((k) => (b[3 * i + k] as number) - cb[k]!);
    varA += w * (pa[0]! ** 2 + pa[1]! ** 2 + pa[2]! ** 2);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) S[r * 3 + c]! += w * pa[r]! * pb[c]!;
  }
  const [sxx, sxy, sxz, syx, syy, syz, szx, szy, szz] = S as unknown as number[];
  // Horn's N matrix; its top eigenvector is the optimal unit quaternion.
  const N = new Float64Array([
    sxx! + syy! + szz!,
    syz! - szy!,
    szx! - sxz!,
    sxy! - syx!,
    syz! - szy!,
    sxx! - syy! - szz!,
    sxy! + syx!,
    szx! + sxz!,
    szx! - sxz!,
    sxy! + syx!,
    -sxx! + syy! - szz!,
    syz! + szy!,
    sxy! - syx!,
    szx! + sxz!,
    syz! + szy!,
    -sxx! - syy! + szz!,
  ]);
  const { values, vectors } = symmetricEigen(N, 4);
  let best = 0;
  for (let i = 1; i < 4; i++) if (values[i]! > values[best]!) best = i;
  const q = [0, 1, 2, 3].map((r) => vectors[r * 4 + best]!);
  const R = quaternionToMatrix(q[0]!, q[1]!, q[2]!, q[3]!);
  // Optimal scale: trace(R S) / varA (S here is sum a b^T, so trace(R^T... ) = sum b . R a).
  let dotSum = 0;
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) dotSum += R[r * 3 + c]! * S[c * 3 + r]!;
  const scale = allowScale ? dotSum / varA : 1;
  const Rca = mulVec(R, ca as [number, number, number]);
  const translation: [number, number, number] = [
    cb[0]! - scale * Rca[0],
    cb[1]! - scale * Rca[1],
    cb[2]! - scale * Rca[2],
  ];
  let err = 0;
  for (const i of idx) {
    const w = weights ? (weights[i] as number) : 1;
    const p = mulVec(R, [a[3 * i] as number, a[3 * i + 1] as number, a[3 * i + 2] as number]);
    for (let k = 0; k < 3; k++) err += w * (scale * p[k]! + translation[k]! - (b[3 * i + k] as number)) ** 2;
  }
  return { rotation: R, scale, translation, rms: Math.sqrt(err / wsum) };
}

export function mulVec(m: ArrayLike<number>, v: readonly [number, number, number]): [number, number, number] {
  return [
    (m[0] as number) * v[0] + (m[1] as number) * v[1] + (m[2] as number) * v[2],
    (m[3] as number) * v[0] + (m[4] as number) * v[1] + (m[5] as number) * v[2],
    (m[6] as number) * v[0] + (m[7] as number) * v[1] + (m[8] as number) * v[2],
  ];
}

export function mulTransposeVec(m: ArrayLike<number>, v: readonly [number, number, number]): [number, number, number] {
  return [
    (m[0] as number) * v[0] + (m[3] as number) * v[1] + (m[6] as number) * v[2],
    (m[1] as number) * v[0] + (m[4] as number) * v[1] + (m[7] as number) * v[2],
    (m[2] as number) * v[0] + (m[5] as number) * v[1] + (m[8] as number) * v[2],
  ];
}

export function mat3Multiply(a: ArrayLike<number>, b: ArrayLike<number>): Mat3 {
  const out = new Array(9).fill(0) as Mat3;
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += (a[r * 3 + k] as number) * (b[k * 3 + c] as number);
      out[r * 3 + c] = s;
    }
  }
  return out;
}

export function mat3Transposed(m: ArrayLike<number>): Mat3 {
  return [
    m[0] as number,
    m[3] as number,
    m[6] as number,
    m[1] as number,
    m[4] as number,
    m[7] as number,
    m[2] as number,
    m[5] as number,
    m[8] as number,
  ];
}
