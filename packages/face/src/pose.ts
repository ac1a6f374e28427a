/**
 * Head pose from 478 tracker landmarks: a similarity fit of the reference face (template.ts) to
 * the expression-stable landmarks, and its conversion to the protocol's HeadPose and to an EG3D
 * camera.
 *
 * The fit, in the landmarks' own (OpenCV-like) axes: observed_i ≈ s · M · T_i + t, where T_i is
 * the reference face (head axes: x = the person's left, y = up, z = out of the face), M = F · R
 * with F = diag(1, -1, -1) and R the head rotation in head axes (protocol convention:
 * R = Ry(yaw) Rx(pitch) Rz(roll)), s the scale in pixels per IOD and t the image position of the
 * point between the eyes.
 *
 * The tracker's z has an unknown scale (the mesh model's crop units), so the fit starts from x, y
 * only (an affine camera, made a scaled rotation) and then alternates: scale the tracker's z by
 * k, solve the 3D similarity, re-solve k by least squares against the fitted depths. Weak
 * perspective: fine for a head at arm's length.
 */
import { cameraFromHeadPose, type HeadPose, HolocallError, headAnglesFromCameraRotation } from '@holocall/protocol';
import { LANDMARK_COUNT, RIGID_LANDMARKS } from './landmarks';
import { fitSimilarity, type Mat3, mulVec } from './procrustes';
import { REFERENCE_FACE } from './template';

export interface FaceFit {
  /** Head orientation in the landmarks' axes: columns are the head's x, y, z axes (M = F·R). */
  rotation: Mat3;
  /** Protocol HeadPose.rotation angles [yaw, pitch, roll], radians. */
  angles: [number, number, number];
  /** Landmark units (pixels) per reference IOD. */
  scale: number;
  /** Where the reference origin (between the eyes) lands: x, y in pixels, z in scaled tracker depth. */
  translation: [number, number, number];
  /** Multiplier that turns the tracker's z into pixels for this face (k). */
  depthScale: number;
  /** RMS residual of the fitted points, pixels. */
  rms: number;
}

export interface FitOptions {
  /** Landmarks to fit on (default RIGID_LANDMARKS). */
  indices?: readonly number[];
  /** Known depth scale k (skips estimating it), e.g. from the tracker's crop size. */
  depthScale?: number;
  /** The reference face (default REFERENCE_FACE). */
  reference?: Float64Array;
  /** Alternation rounds (default 8). */
  iterations?: number;
}

/** Typical adult inter-ocular distance (eye centres), metres: turns pixel scale into distance. */
export const TYPICAL_IOD_M = 0.063;

/** Below this many pixels between the eyes a face is too small to fit meaningfully. */
export const MIN_FIT_SCALE_PX = 4;

function solve3(a: number[], b: number[]): number[] | null {
  // Cramer's rule for a 3x3 system (row-major a).
  const det = (m: number[]) =>
    m[0]! * (m[4]! * m[8]! - m[5]! * m[7]!) -
    m[1]! * (m[3]! * m[8]! - m[5]! * m[6]!) +
    m[2]! * (m[3]! * m[7]! - m[4]! * m[6]!);
  const d = det(a);
  if (Math.abs(d) < 1e-12) return null;
  const out: number[] = [];
  for (let c = 0; c < 3; c++) {
    const m = a.slice();
    for (let r = 0; r < 3; r++) m[r * 3 + c] = b[r]!;
    out.push(det(m) / d);
  }
  return out;
}

/** Affine camera x ≈ A·T + t over the indices, made a scaled rotation: the starting point. */
function initialFit(l: ArrayLike<number>, ref: Float64Array, idx: readonly number[]): { M: Mat3; s: number } {
  // Centre both sets, then least squares for each image row: row_k · T' = x_k'.
  const cT = [0, 0, 0];
  const cX = [0, 0];
  for (const i of idx) {
    for (let k = 0; k < 3; k++) cT[k]! += ref[3 * i + k]!;
    cX[0]! += l[3 * i] as number;
    cX[1]! += l[3 * i + 1] as number;
  }
  for (let k = 0; k < 3; k++) cT[k]! /= idx.length;
  cX[0]! /= idx.length;
  cX[1]! /= idx.length;
  const TT = new Array(9).fill(0);
  const TX = [
    [0, 0, 0],
    [0, 0, 0],
  ];
  for (const i of idx) {
    const t = [ref[3 * i]! - cT[0]!, ref[3 * i + 1]! - cT[1]!, ref[3 * i + 2]! - cT[2]!];
    const x = [(l[3 * i] as number) - cX[0]!, (l[3 * i + 1] as number) - cX[1]!];
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) TT[r * 3 + c] += t[r]! * t[c]!;
      TX[0]![r]! += t[r]! * x[0]!;
      TX[1]![r]! += t[r]! * x[1]!;
    }
  }
  const r1 = solve3(TT, TX[0]!);
  const r2 = solve3(TT, TX[1]!);
  if (!r1 || !r2) throw HolocallError.badRequest('face fit: degenerate landmarks');
  const n1 = Math.hypot(r1[0]!, r1[1]!, r1[2]!);
  const n2 = Math.hypot(r2[0]!, r2[1]!, r2[2]!);
  const s = (n1 + n2) / 2;
  // Symmetric orthonormalisation of the two rows, then the third row completes a rotation.
  let a = r1.map((v) => v / n1);
  let b = r2.map((v) => v / n2);
  const d = a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
  const a2 = a.map((v, i) => v - (d / 2) * b[i]!);
  const b2 = b.map((v, i) => v - (d / 2) * a[i]!);
  a = a2.map((v) => v / Math.hypot(a2[0]!, a2[1]!, a2[2]!));
  b = b2.map((v) => v / Math.hypot(b2[0]!, b2[1]!, b2[2]!));
  const c = [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
  return { M: [a[0]!, a[1]!, a[2]!, b[0]!, b[1]!, b[2]!, c[0]!, c[1]!, c[2]!], s };
}

/**
 * Fits the reference face to tracker landmarks (pixels, tracker z). Throws HolocallError
 * (bad_request) on a wrong-sized array, non-finite values or a degenerate (tiny) face.
 */
export function fitFace(landmarks: ArrayLike<number>, options: FitOptions = {}): FaceFit {
  if (landmarks.length !== LANDMARK_COUNT * 3) {
    throw HolocallError.badRequest(`face fit: expected ${LANDMARK_COUNT * 3} numbers`, { length: landmarks.length });
  }
  for (let i = 0; i < landmarks.length; i++) {
    if (!Number.isFinite(landmarks[i])) throw HolocallError.badRequest('face fit: non-finite landmark', { index: i });
  }
  const ref = options.reference ?? REFERENCE_FACE;
  const idx = options.indices ?? RIGID_LANDMARKS;
  const init = initialFit(landmarks, ref, idx);
  if (!(init.s >= MIN_FIT_SCALE_PX)) {
    throw HolocallError.badRequest('face fit: face too small', { scale: init.s });
  }

  // Depth scale k: regress the tracker's z against the initial fit's depths.
  let k = options.depthScale ?? estimateDepthScale(landmarks, ref, idx, init.M, init.s);
  const y = new Float64Array(LANDMARK_COUNT * 3);
  let fit = null as ReturnType<typeof fitSimilarity> | null;
  let M: ArrayLike<number> = init.M;
  let s = init.s;
  let tz = 0;
  const rounds = options.iterations ?? 8;
  // Without usable tracker depth (k = 0) each round borrows the model's own depths instead:
  // that converges to the x/y-only least-squares fit.
  const rounds2 = k === 0 ? Math.max(rounds, 30) : rounds;
  for (let round = 0; round < rounds2; round++) {
    for (let i = 0; i < LANDMARK_COUNT; i++) {
      y[3 * i] = landmarks[3 * i] as number;
      y[3 * i + 1] = landmarks[3 * i + 1] as number;
      y[3 * i + 2] =
        k === 0
          ? s *
              ((M[6] as number) * ref[3 * i]! +
                (M[7] as number) * ref[3 * i + 1]! +
                (M[8] as number) * ref[3 * i + 2]!) +
            tz
          : k * (landmarks[3 * i + 2] as number);
    }
    const previous = fit;
    fit = fitSimilarity(ref, y, idx);
    M = fit.rotation;
    s = fit.scale;
    tz = fit.translation[2];
    if (k === 0) {
      if (previous && Math.abs(previous.rms - fit.rms) < 1e-9) break;
      continue;
    }
    if (options.depthScale !== undefined) break;
    const next = estimateDepthScale(landmarks, ref, idx, fit.rotation, fit.scale);
    if (next === 0 || Math.abs(next - k) < 1e-6 * Math.max(1, Math.abs(k))) break;
    k = next;
  }
  const f = fit!;
  return {
    rotation: f.rotation,
    angles: headAnglesFromCameraRotation(f.rotation),
    scale: f.scale,
    translation: f.translation,
    depthScale: k,
    rms: f.rms,
  };
}

/** Least-squares k (with a free offset) so that k·z_i matches the fitted depths (s·M·T_i)_z. */
function estimateDepthScale(
  l: ArrayLike<number>,
  ref: Float64Array,
  idx: readonly number[],
  M: ArrayLike<number>,
  s: number,
): number {
  let mz = 0;
  let md = 0;
  const d: number[] = [];
  for (const i of idx) {
    const p = mulVec(M, [ref[3 * i]!, ref[3 * i + 1]!, ref[3 * i + 2]!]);
    d.push(s * p[2]);
    mz += l[3 * i + 2] as number;
    md += s * p[2];
  }
  mz /= idx.length;
  md /= idx.length;
  let szz = 0;
  let szd = 0;
  idx.forEach((i, n) => {
    const z = (l[3 * i + 2] as number) - mz;
    szz += z * z;
    szd += z * (d[n]! - md);
  });
  // A tracker without depth (all z equal) gives no information: keep depth out of the fit.
  if (szz < 1e-9) return 0;
  const k = szd / szz;
  // Depth can only be scaled, never mirrored: a negative slope means noise dominates.
  return Math.max(k, 0);
}

export interface CameraGeometry {
  /** Image size in pixels. */
  width: number;
  height: number;
  /** Focal length in pixels (default: a typical webcam's ~60° horizontal field of view). */
  focalPx?: number;
  /** Inter-ocular distance assumed for distance estimates (default TYPICAL_IOD_M). */
  iodMetres?: number;
}

/** A typical webcam's horizontal field of view (for focal length when none is known). */
export const DEFAULT_HORIZONTAL_FOV_RAD = (60 * Math.PI) / 180;

/**
 * The protocol HeadPose for a fit: rotation angles, and the position of the point between the
 * eyes in metres in the camera frame (from the pixel scale, an assumed IOD and the focal length).
 */
export function headPoseFromFit(fit: FaceFit, camera: CameraGeometry): HeadPose {
  const focal = camera.focalPx ?? camera.width / 2 / Math.tan(DEFAULT_HORIZONTAL_FOV_RAD / 2);
  const iod = camera.iodMetres ?? TYPICAL_IOD_M;
  const z = (focal * iod) / fit.scale;
  const x = ((fit.translation[0] - camera.width / 2) * z) / focal;
  const y = ((fit.translation[1] - camera.height / 2) * z) / focal;
  return { rotation: [...fit.angles], translation: [x, y, z] };
}

/**
 * The EG3D camera (25 floats) that sees the canonical head as this image saw it. For an aligned
 * crop pass `lineOfSight: false` (the crop is centred on the face by construction).
 */
export function eg3dCameraFromFit(fit: FaceFit, camera: CameraGeometry, lineOfSight = true): Float32Array {
  return cameraFromHeadPose(headPoseFromFit(fit, camera), { lineOfSight });
}

/** Landmarks with the tracker's z turned into pixels by the fit's depth scale (for 3D geometry). */
export function landmarksWithPixelDepth(landmarks: ArrayLike<number>, fit: FaceFit): Float64Array {
  const out = Float64Array.from(landmarks as ArrayLike<number>);
  for (let i = 0; i < LANDMARK_COUNT; i++) out[3 * i + 2] = fit.depthScale * (landmarks[3 * i + 2] as number);
  return out;
}
