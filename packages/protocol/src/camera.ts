/**
 * Camera conventions shared by the browser (display, quilts) and the inference node (render).
 *
 * A camera is 25 floats, as in EG3D and VOODOO 3D:
 *   [0..15]  row-major 4x4 cam2world, OpenCV camera axes: x = image right, y = image down,
 *            z = viewing direction. Column 3 is the camera position in world units.
 *   [16..24] row-major 3x3 intrinsics normalised by image size: [f, 0, cx, 0, f, cy, 0, 0, 1],
 *            EG3D uses f = 4.2647 (about 18.8° field of view) and cx = cy = 0.5.
 *
 * World (= the head's canonical frame): y up, the face looks toward +z, x points to the
 * person's left (EG3D's "x-left"), so a viewer in front of the face sees +x on their right.
 *
 * Orbit angles (cameraFromAngles), matching EG3D's LookAtPoseSampler + create_cam2world_matrix:
 *   the camera sits on a sphere of `radius` (2.7) about the WORLD ORIGIN at
 *     eye = radius · (cos(pitch)·sin(yaw), -sin(pitch), cos(pitch)·cos(yaw))
 *   and looks at `lookAt` (0, 0, 0.2) with world up (0, 1, 0), then rolls about its view axis.
 *   yaw = pitch = roll = 0 is frontal: eye (0, 0, 2.7).
 *   yaw > 0   the camera moves to +x (the person's left, the viewer's right),
 *             exactly EG3D's horizontal_mean = π/2 + yaw.
 *   pitch > 0 the camera moves DOWN (-y) and looks up, EG3D's sign for vertical_mean = π/2 + …;
 *             pitch here is the true elevation angle below the equator, whereas EG3D's vertical
 *             angle is mapped through arccos (uniform sphere sampling): the same camera is
 *             LookAtPoseSampler(π/2 + yaw, π/2 · (1 + sin(pitch))). lookAtPoseSampler() below is
 *             a port of EG3D's formula and the tests check the two agree.
 *   roll > 0  the camera's x axis (image right) turns toward world up, so the rendered scene
 *             appears rotated clockwise.
 */
import type { HeadPose } from './driver-frame';
import { HolocallError } from './errors';
import { MAX_QUILT_VIEWS } from './limits';
import {
  anglesYXZ,
  cross,
  dot,
  type Mat3,
  mat3Column,
  mat3FromColumns,
  mat3Mul,
  mat3Transpose,
  normalize,
  rotationYXZ,
  sub,
  type Vec3,
} from './vec';

export type { Vec3 } from './vec';

export const EG3D_CAMERA = { focal: 4.2647, principal: 0.5, radius: 2.7, lookAt: [0, 0, 0.2] } as const;

/** Floats in one camera: 16 (cam2world) + 9 (intrinsics). */
export const CAMERA25_LENGTH = 25;

/** Rotation columns of a valid camera are orthonormal within this (float32 cameras from other tools carry noise). */
export const CAMERA_ORTHONORMAL_TOLERANCE = 1e-3;

/**
 * cameraFromHeadPose keeps the orbit's elevation within ±89°: beyond it the look-at with world
 * up degenerates, and no webcam tracker reports a head nodding further than that.
 */
export const MAX_HEAD_ORBIT_PITCH_RAD = (89 * Math.PI) / 180;

const WORLD_UP: Vec3 = [0, 1, 0];
/** OpenCV camera axes in world axes for a frontal camera: diag(1, -1, -1), its own inverse. */
const FLIP: Mat3 = [1, 0, 0, 0, -1, 0, 0, 0, -1];
const IDENTITY: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];
/** Exact-zero/one entries of a camera (bottom row, intrinsics) may carry this much float noise. */
const CONSTANT_ENTRY_TOLERANCE = 1e-6;

function near(value: number | undefined, expected: number): boolean {
  return value !== undefined && Math.abs(value - expected) <= CONSTANT_ENTRY_TOLERANCE;
}

function defaultLookAt(): Vec3 {
  return [EG3D_CAMERA.lookAt[0], EG3D_CAMERA.lookAt[1], EG3D_CAMERA.lookAt[2]];
}

function bad(message: string, details?: Record<string, unknown>): HolocallError {
  return HolocallError.badRequest(`camera: ${message}`, details);
}

function requireFiniteVec(v: Readonly<Vec3>, what: string): void {
  if (v?.length !== 3 || !Number.isFinite(v[0]) || !Number.isFinite(v[1]) || !Number.isFinite(v[2])) {
    throw bad(`${what} must be 3 finite numbers`);
  }
}

function requirePositive(value: number, what: string): void {
  if (!(Number.isFinite(value) && value > 0))
    throw bad(`${what} must be a finite number > 0`, { value: String(value) });
}

function requireFinite(value: number, what: string): void {
  if (!Number.isFinite(value)) throw bad(`${what} must be finite`, { value: String(value) });
}

/**
 * EG3D's create_cam2world_matrix with an explicit up hint: columns [right, down, forward],
 * forward = normalize(target - eye), right = normalize(forward × up), down = forward × right.
 * Null when eye = target or the view direction is parallel to `up`.
 */
function lookAtRotation(eye: Readonly<Vec3>, target: Readonly<Vec3>, up: Readonly<Vec3>): Mat3 | null {
  const forward = normalize(sub(target, eye));
  if (forward === null) return null;
  const right = normalize(cross(forward, up));
  if (right === null) return null;
  const down = cross(forward, right);
  return mat3FromColumns(right, down, forward);
}

function writeCam2World(out: Float32Array, rotation: Mat3, eye: Readonly<Vec3>): void {
  for (let r = 0; r < 3; r++) {
    out[r * 4] = rotation[r * 3]!;
    out[r * 4 + 1] = rotation[r * 3 + 1]!;
    out[r * 4 + 2] = rotation[r * 3 + 2]!;
    out[r * 4 + 3] = eye[r]!;
  }
  out[12] = 0;
  out[13] = 0;
  out[14] = 0;
  out[15] = 1;
}

function writeIntrinsics(out: Float32Array, offset: number, focal: number, principal: number): void {
  out.set([focal, 0, principal, 0, focal, principal, 0, 0, 1], offset);
}

/** 16 floats: the OpenCV cam2world of a camera at `eye` looking at `target`, image up toward `up`. */
export function lookAtCam2World(eye: Vec3, target: Vec3, up: Vec3 = WORLD_UP): Float32Array {
  requireFiniteVec(eye, 'eye');
  requireFiniteVec(target, 'target');
  requireFiniteVec(up, 'up');
  const rotation = lookAtRotation(eye, target, up);
  if (rotation === null) throw bad('eye equals target, or the view direction is parallel to up');
  const out = new Float32Array(16);
  writeCam2World(out, rotation, eye);
  return out;
}

/** 9 floats: normalised intrinsics [f, 0, c, 0, f, c, 0, 0, 1]. */
export function intrinsics(focal: number = EG3D_CAMERA.focal, principal: number = EG3D_CAMERA.principal): Float32Array {
  requirePositive(focal, 'focal');
  requireFinite(principal, 'principal');
  const out = new Float32Array(9);
  writeIntrinsics(out, 0, focal, principal);
  return out;
}

export interface OrbitAngles {
  yaw: number;
  pitch: number;
  roll?: number;
  radius?: number;
  lookAt?: Vec3;
  focal?: number;
}

/** 25 floats for the orbit camera described in the header comment (radians; 0, 0, 0 is frontal). */
export function cameraFromAngles(opts: OrbitAngles): Float32Array {
  const { yaw, pitch } = opts;
  const roll = opts.roll ?? 0;
  const radius = opts.radius ?? EG3D_CAMERA.radius;
  const focal = opts.focal ?? EG3D_CAMERA.focal;
  const lookAt = opts.lookAt ?? defaultLookAt();
  requireFinite(yaw, 'yaw');
  requireFinite(pitch, 'pitch');
  requireFinite(roll, 'roll');
  if (Math.abs(pitch) >= Math.PI / 2) throw bad('pitch must lie strictly within ±π/2', { pitch });
  requirePositive(radius, 'radius');
  requirePositive(focal, 'focal');
  requireFiniteVec(lookAt, 'lookAt');

  const cp = Math.cos(pitch);
  const eye: Vec3 = [radius * cp * Math.sin(yaw), -radius * Math.sin(pitch), radius * cp * Math.cos(yaw)];
  const base = lookAtRotation(eye, lookAt, WORLD_UP);
  if (base === null) throw bad('the camera sits on the look-at point or straight above/below it', { radius });
  const right = mat3Column(base, 0);
  const down = mat3Column(base, 1);
  const forward = mat3Column(base, 2);
  // Roll about the view axis: right' = cos·right - sin·down (toward world up), down' = sin·right + cos·down.
  const c = Math.cos(roll);
  const s = Math.sin(roll);
  const rolled = mat3FromColumns(
    [c * right[0] - s * down[0], c * right[1] - s * down[1], c * right[2] - s * down[2]],
    [s * right[0] + c * down[0], s * right[1] + c * down[1], s * right[2] + c * down[2]],
    forward,
  );
  const out = new Float32Array(CAMERA25_LENGTH);
  writeCam2World(out, rolled, eye);
  writeIntrinsics(out, 16, focal, EG3D_CAMERA.principal);
  return out;
}

/**
 * Inverse of cameraFromAngles for a camera aimed at `lookAt` (the EG3D default unless given):
 * yaw and pitch from the camera position about the world origin, roll from the image-right axis
 * against the roll-free look-at frame, focal from the intrinsics. yaw, roll in (-π, π].
 */
export function anglesFromCamera(
  cam: ArrayLike<number>,
  lookAt: Vec3 = defaultLookAt(),
): { yaw: number; pitch: number; roll: number; radius: number; focal: number } {
  validateCamera25(cam);
  requireFiniteVec(lookAt, 'lookAt');
  const eye: Vec3 = [cam[3]!, cam[7]!, cam[11]!];
  const radius = Math.hypot(eye[0], eye[1], eye[2]);
  if (!(radius > 0)) throw bad('camera sits at the world origin');
  const yaw = Math.atan2(eye[0], eye[2]);
  const pitch = Math.asin(Math.min(1, Math.max(-1, -eye[1] / radius)));
  const base = lookAtRotation(eye, lookAt, WORLD_UP);
  let roll = 0;
  if (base !== null) {
    const right: Vec3 = [cam[0]!, cam[4]!, cam[8]!];
    roll = Math.atan2(-dot(right, mat3Column(base, 1)), dot(right, mat3Column(base, 0)));
  }
  return { yaw, pitch, roll, radius, focal: cam[16]! };
}

/**
 * A port of EG3D's LookAtPoseSampler.sample (no noise): 16 floats, cam2world. `horizontal`
 * is the azimuth (π/2 = frontal), `vertical` the polar angle from +y before EG3D's
 * arccos(1 - 2v/π) remapping (π/2 = level). Kept for cross-checking against EG3D scripts.
 */
export function lookAtPoseSampler(
  horizontal: number,
  vertical: number,
  lookAt: Vec3 = defaultLookAt(),
  radius: number = EG3D_CAMERA.radius,
): Float32Array {
  requireFinite(horizontal, 'horizontal');
  requireFinite(vertical, 'vertical');
  const v = Math.min(Math.PI - 1e-5, Math.max(1e-5, vertical)) / Math.PI;
  const phi = Math.acos(1 - 2 * v);
  const theta = horizontal;
  const eye: Vec3 = [
    radius * Math.sin(phi) * Math.cos(Math.PI - theta),
    radius * Math.cos(phi),
    radius * Math.sin(phi) * Math.sin(Math.PI - theta),
  ];
  return lookAtCam2World(eye, lookAt, WORLD_UP);
}

// ---- head pose <-> rotation matrices ----

/**
 * The head's rotation in OpenCV camera axes (row-major 3x3; its columns are the head's
 * x-left, y-up, z-out-of-face axes in camera coordinates) for HeadPose.rotation angles.
 * A frontal head gives diag(1, -1, -1).
 */
export function cameraRotationFromHeadAngles(rotation: readonly [number, number, number]): number[] {
  return mat3Mul(FLIP, rotationYXZ(rotation[0], rotation[1], rotation[2]));
}

/**
 * HeadPose.rotation angles [yaw, pitch, roll] from a tracker's head rotation in OpenCV
 * camera axes (row-major 3x3, columns = head x-left, y-up, z-out-of-face in camera coordinates).
 */
export function headAnglesFromCameraRotation(matrix: ArrayLike<number>): [number, number, number] {
  if (matrix?.length !== 9) throw bad('rotation must be 9 numbers (row-major 3x3)');
  const m: Mat3 = Array.from(matrix);
  if (!m.every(Number.isFinite)) throw bad('rotation must be finite');
  const angles = anglesYXZ(mat3Mul(FLIP, m));
  return [angles.yaw, angles.pitch, angles.roll];
}

export interface HeadPoseCameraOptions {
  radius?: number;
  lookAt?: Vec3;
  focal?: number;
  /**
   * Also account for where the head sits in the sender's image (default true): a head off
   * to the side of the webcam is seen slightly from the side even when it faces straight
   * ahead, and a head turned toward the webcam is seen frontally. Needs translation with z > 0;
   * otherwise the optical axis is used.
   */
  lineOfSight?: boolean;
}

/**
 * Receiver side: the camera that sees the canonical head as the sender's webcam saw the
 * sender's head. The head's rotation becomes the inverse camera orbit: Q = Rᵀ · F · A · F
 * (R the head rotation, A the pan-tilt from the optical axis to the head's line of sight,
 * F = diag(1, -1, -1)), decomposed as Ry·Rx·Rz into cameraFromAngles(yaw, pitch, roll).
 * For single-axis turns the signs simply flip:
 *   head yaw +a (turns to its left)      -> camera yaw -a (we see the head's right cheek),
 *   head pitch +a (nods down)             -> camera pitch -a (camera above: we see the top),
 *   head roll +a (tilts to its right)     -> camera roll -a (the head appears counter-clockwise).
 * The distance is NOT used: every view renders at the canonical radius, head centred.
 */
export function cameraFromHeadPose(pose: HeadPose, opts: HeadPoseCameraOptions = {}): Float32Array {
  const [yaw, pitch, roll] = pose.rotation;
  requireFinite(yaw, 'pose yaw');
  requireFinite(pitch, 'pose pitch');
  requireFinite(roll, 'pose roll');
  const headT = mat3Transpose(rotationYXZ(yaw, pitch, roll));
  let pan: Mat3 = IDENTITY;
  if (opts.lineOfSight ?? true) {
    const [x, y, z] = pose.translation;
    const sight = Number.isFinite(x) && Number.isFinite(y) && z > 0 ? normalize([x, y, z]) : null;
    if (sight !== null) {
      // A = Ry(θ)·Rx(φ) in camera axes maps the optical axis onto the line of sight and keeps image x level.
      const theta = Math.atan2(sight[0], sight[2]);
      const phi = Math.asin(-sight[1]);
      pan = mat3Mul(mat3Mul(FLIP, rotationYXZ(theta, phi, 0)), FLIP);
    }
  }
  const orbit = anglesYXZ(mat3Mul(headT, pan));
  const clampedPitch = Math.max(-MAX_HEAD_ORBIT_PITCH_RAD, Math.min(MAX_HEAD_ORBIT_PITCH_RAD, orbit.pitch));
  return cameraFromAngles({
    yaw: orbit.yaw,
    pitch: clampedPitch,
    roll: orbit.roll,
    radius: opts.radius ?? EG3D_CAMERA.radius,
    lookAt: opts.lookAt ?? defaultLookAt(),
    focal: opts.focal ?? EG3D_CAMERA.focal,
  });
}

// ---- Looking Glass quilts ----

export interface QuiltSpec {
  cols: number;
  rows: number;
  /** The whole horizontal view cone in degrees (views span ±viewConeDeg/2 about the centre). */
  viewConeDeg: number;
}

/** The tile grid of a quilt: what tile placement needs (the view cone only matters to cameras). */
export type QuiltGrid = Pick<QuiltSpec, 'cols' | 'rows'>;

function validateQuiltGrid(grid: QuiltGrid): number {
  const { cols, rows } = grid ?? ({} as QuiltGrid);
  if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 1 || rows < 1) {
    throw bad('quilt cols and rows must be integers >= 1', { cols, rows });
  }
  const views = cols * rows;
  if (views > MAX_QUILT_VIEWS) throw HolocallError.tooLarge('quilt views', MAX_QUILT_VIEWS, views);
  return views;
}

function validateQuiltSpec(spec: QuiltSpec): number {
  const views = validateQuiltGrid(spec);
  const { viewConeDeg } = spec;
  if (!Number.isFinite(viewConeDeg) || viewConeDeg < 0 || viewConeDeg >= 180) {
    throw bad('viewConeDeg must be within [0, 180)', { viewConeDeg });
  }
  return views;
}

/**
 * One camera per quilt view (cols·rows of them). Views ORBIT the head in yaw, evenly over
 * the view cone about the centre yaw: view i has yaw = centre + cone·(i/(n-1) - 1/2).
 * View 0 is the leftmost camera as the viewer sees it (most negative x), the last view the
 * rightmost. (Looking Glass software slides the camera along a line with a sheared frustum;
 * for a head at arm's length an orbit gives the same parallax and keeps EG3D's centred
 * principal point, which is what the renderer was trained on.)
 */
export function quiltCameras(
  spec: QuiltSpec,
  center: { yaw?: number; pitch?: number; roll?: number; radius?: number; focal?: number } = {},
): Float32Array[] {
  const views = validateQuiltSpec(spec);
  const cone = (spec.viewConeDeg * Math.PI) / 180;
  const yaw0 = center.yaw ?? 0;
  const cameras: Float32Array[] = [];
  for (let i = 0; i < views; i++) {
    const offset = views === 1 ? 0 : cone * (i / (views - 1) - 0.5);
    const angles: OrbitAngles = { yaw: yaw0 + offset, pitch: center.pitch ?? 0, roll: center.roll ?? 0 };
    if (center.radius !== undefined) angles.radius = center.radius;
    if (center.focal !== undefined) angles.focal = center.focal;
    cameras.push(cameraFromAngles(angles));
  }
  return cameras;
}

/** A quilt tile: its column from the left and its row from the TOP of the image. */
export interface QuiltTile {
  col: number;
  row: number;
}

/** The one tile formula (view 0 bottom-left, left to right, then upward); callers validate. */
function tileOf(view: number, cols: number, rows: number): QuiltTile {
  return { col: view % cols, row: rows - 1 - Math.floor(view / cols) };
}

/**
 * Where view `view` goes in the quilt image: views fill tiles left to right, then bottom to
 * top (view 0 bottom-left). Rows are counted from the TOP of the image, as pixels are.
 */
export function quiltTileOrigin(view: number, spec: QuiltSpec): QuiltTile {
  const views = validateQuiltSpec(spec);
  if (!Number.isInteger(view) || view < 0 || view >= views)
    throw bad(`view must be an integer in [0, ${views})`, { view });
  return tileOf(view, spec.cols, spec.rows);
}

/**
 * Every view's tile, index = view (the same placement as quiltTileOrigin). Checks the grid once,
 * so per-view and per-band render paths look tiles up instead of validating on every call.
 */
export function quiltTileOrigins(grid: QuiltGrid): QuiltTile[] {
  const views = validateQuiltGrid(grid);
  return Array.from({ length: views }, (_, view) => tileOf(view, grid.cols, grid.rows));
}

// ---- validation ----

/**
 * Throws HolocallError(bad_request) unless `cam` is 25 finite floats: a proper rotation
 * (orthonormal, det +1, within CAMERA_ORTHONORMAL_TOLERANCE), bottom row 0 0 0 1, and
 * intrinsics [fx, 0, cx, 0, fy, cy, 0, 0, 1] with fx, fy > 0 and the principal point in [0, 1].
 */
export function validateCamera25(cam: ArrayLike<number>): void {
  if (cam === null || typeof cam !== 'object' || cam.length !== CAMERA25_LENGTH) {
    throw bad(`camera must be ${CAMERA25_LENGTH} numbers`, { length: cam?.length });
  }
  for (let i = 0; i < CAMERA25_LENGTH; i++) {
    if (typeof cam[i] !== 'number' || !Number.isFinite(cam[i])) throw bad('camera values must be finite', { index: i });
  }
  const tol = CAMERA_ORTHONORMAL_TOLERANCE;
  const columns: Vec3[] = [0, 1, 2].map((c): Vec3 => [cam[c]!, cam[4 + c]!, cam[8 + c]!]);
  for (let a = 0; a < 3; a++) {
    for (let b = a; b < 3; b++) {
      const expected = a === b ? 1 : 0;
      if (Math.abs(dot(columns[a]!, columns[b]!) - expected) > tol) {
        throw bad('cam2world rotation is not orthonormal', { columns: [a, b] });
      }
    }
  }
  const det = dot(cross(columns[0]!, columns[1]!), columns[2]!);
  if (Math.abs(det - 1) > tol) throw bad('cam2world rotation is not a proper rotation (det != +1)', { det });
  if (!near(cam[12], 0) || !near(cam[13], 0) || !near(cam[14], 0) || !near(cam[15], 1)) {
    throw bad('cam2world bottom row must be 0 0 0 1');
  }
  const [fx, skew, cx, r1, fy, cy, r2a, r2b, one] = Array.from({ length: 9 }, (_, i) => cam[16 + i]!);
  if (!(fx! > 0 && fy! > 0)) throw bad('focal lengths must be > 0', { fx, fy });
  if (!near(skew, 0) || !near(r1, 0) || !near(r2a, 0) || !near(r2b, 0) || !near(one, 1)) {
    throw bad('intrinsics must be [fx, 0, cx, 0, fy, cy, 0, 0, 1]');
  }
  if (!(cx! >= 0 && cx! <= 1 && cy! >= 0 && cy! <= 1)) {
    throw bad('principal point must lie in the image ([0, 1], normalised)', { cx, cy });
  }
}
