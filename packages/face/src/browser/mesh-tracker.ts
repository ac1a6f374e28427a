/**
 * Live-video face tracking the way MediaPipe's face-landmark graph does it: the detector runs
 * only when there is no face to follow; otherwise the next frame's region of interest comes
 * from the previous frame's landmarks (centre, size, and the roll of the eye line), is cut
 * out upright with one canvas draw, and only the mesh and iris models run on it.
 *
 * Why not human.detect with skipFrames: human decides whether it may reuse the last face box
 * from a whole-frame difference, so a moving camera re-runs the 256 x 256 detector on nearly
 * every frame (13 ms of a 30 ms frame here); it also turns the whole frame into a tensor
 * (about 5 ms at 640 x 480) before it crops, keeps the detector's box size while the face
 * moves nearer, and rounds landmarks to whole pixels. Measured in bench/tracker.ts.
 *
 * The models are human's own (face mesh and iris, loaded by FaceTracker); their pre- and
 * post-processing follows human's src/face/facemesh.ts and iris.ts (MIT, Vladimir Mandic),
 * except that the crop is rotated upright and coordinates stay fractional.
 */
import type { Human, Tensor } from '@vladmandic/human';
import { MESH_MODEL_INPUT } from './tracker-constants';

const IRIS_INPUT = 64;
/** ROI side over the landmarks' extent: MediaPipe's face_landmarks_to_roi (scale 1.5). */
export const ROI_SCALE = 1.5;
/** Below this mesh confidence the face is taken as lost and the detector runs on the frame. */
export const TRACK_CONFIDENCE = 0.5;
/** An ROI whose centre left the frame, or that became tiny, is not followed. */
const MIN_ROI_SIDE = 24;
/** Eye box side over the eye-corner distance (human's iris.scale default). */
const EYE_BOX_SCALE = 2.3;
/** Human's rule: eyes this far apart in mesh depth mean the head is turned; merge less. */
const TURNED_EYE_DEPTH = 30;

/** A rotated square in input pixels. `angle` is the roll that makes the eye line level. */
export interface Roi {
  cx: number;
  cy: number;
  side: number;
  angle: number;
}

/** Mesh indices of the eye contours the iris model refines (human's facemeshcoords.ts). */
const EYE_PARTS = {
  right: {
    EyeUpper0: [246, 161, 160, 159, 158, 157, 173],
    EyeLower0: [33, 7, 163, 144, 145, 153, 154, 155, 133],
    EyeUpper1: [247, 30, 29, 27, 28, 56, 190],
    EyeLower1: [130, 25, 110, 24, 23, 22, 26, 112, 243],
    EyeUpper2: [113, 225, 224, 223, 222, 221, 189],
    EyeLower2: [226, 31, 228, 229, 230, 231, 232, 233, 244],
    EyeLower3: [143, 111, 117, 118, 119, 120, 121, 128, 245],
    EyebrowUpper: [156, 70, 63, 105, 66, 107, 55, 193],
    EyebrowLower: [35, 124, 46, 53, 52, 65],
  },
  left: {
    EyeUpper0: [466, 388, 387, 386, 385, 384, 398],
    EyeLower0: [263, 249, 390, 373, 374, 380, 381, 382, 362],
    EyeUpper1: [467, 260, 259, 257, 258, 286, 414],
    EyeLower1: [359, 255, 339, 254, 253, 252, 256, 341, 463],
    EyeUpper2: [342, 445, 444, 443, 442, 441, 413],
    EyeLower2: [446, 261, 448, 449, 450, 451, 452, 453, 464],
    EyeLower3: [372, 340, 346, 347, 348, 349, 350, 357, 465],
    EyebrowUpper: [383, 300, 293, 334, 296, 336, 285, 417],
    EyebrowLower: [265, 353, 276, 283, 282, 295],
  },
} as const;
type EyePart = keyof typeof EYE_PARTS.left;
/** Which of the iris model's 71 contour points stands for each mesh contour point. */
const IRIS_MODEL_PARTS: Record<EyePart, readonly number[]> = {
  EyeUpper0: [9, 10, 11, 12, 13, 14, 15],
  EyeUpper1: [25, 26, 27, 28, 29, 30, 31],
  EyeUpper2: [41, 42, 43, 44, 45, 46, 47],
  EyeLower0: [0, 1, 2, 3, 4, 5, 6, 7, 8],
  EyeLower1: [16, 17, 18, 19, 20, 21, 22, 23, 24],
  EyeLower2: [32, 33, 34, 35, 36, 37, 38, 39, 40],
  EyeLower3: [54, 55, 56, 57, 58, 59, 60, 61, 62],
  EyebrowUpper: [63, 64, 65, 66, 67, 68, 69, 70],
  EyebrowLower: [48, 49, 50, 51, 52, 53],
};
const IRIS_POINTS = 76;
const IRIS_CONTOUR_POINTS = 71;

type Point3 = [number, number, number];
type Side = 'left' | 'right';

export interface MeshTrack {
  /** 478 points [x, y, z]: x, y in input pixels, z in mesh-crop units (as human's). */
  mesh: Point3[];
  score: number;
  /** The crop the mesh model saw (its side is the z scale's crop size). */
  roi: Roi;
}

export interface MeshTrackTimes {
  cropMs: number;
  meshMs: number;
  irisMs: number;
}

/** The ROI that follows a face whose landmarks are `mesh` (input pixels). */
export function roiFromLandmarks(mesh: ReadonlyArray<ArrayLike<number | undefined>>): Roi {
  const r = mesh[33] as ArrayLike<number>;
  const l = mesh[263] as ArrayLike<number>;
  const angle = Math.atan2((l[1] as number) - (r[1] as number), (l[0] as number) - (r[0] as number));
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  // Extent in the upright frame (rotated by -angle), over the 468 mesh points.
  let [u0, v0, u1, v1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i < Math.min(mesh.length, 468); i++) {
    const p = mesh[i] as ArrayLike<number>;
    const x = p[0] as number;
    const y = p[1] as number;
    const u = cos * x + sin * y;
    const v = -sin * x + cos * y;
    u0 = Math.min(u0, u);
    u1 = Math.max(u1, u);
    v0 = Math.min(v0, v);
    v1 = Math.max(v1, v);
  }
  const uc = (u0 + u1) / 2;
  const vc = (v0 + v1) / 2;
  return {
    cx: cos * uc - sin * vc,
    cy: sin * uc + cos * vc,
    side: Math.max(u1 - u0, v1 - v0) * ROI_SCALE,
    angle,
  };
}

/** Whether an ROI is still worth following in a width x height frame. */
export function roiUsable(roi: Roi, width: number, height: number): boolean {
  return (
    Number.isFinite(roi.cx + roi.cy + roi.side + roi.angle) &&
    roi.side >= MIN_ROI_SIDE &&
    roi.cx >= 0 &&
    roi.cy >= 0 &&
    roi.cx < width &&
    roi.cy < height
  );
}

/** Crop coordinates (0..MESH_MODEL_INPUT) to input pixels, for an ROI. */
export function cropToImage(roi: Roi, u: number, v: number): [number, number] {
  const s = roi.side / MESH_MODEL_INPUT;
  const lx = (u - MESH_MODEL_INPUT / 2) * s;
  const ly = (v - MESH_MODEL_INPUT / 2) * s;
  const cos = Math.cos(roi.angle);
  const sin = Math.sin(roi.angle);
  return [roi.cx + cos * lx - sin * ly, roi.cy + sin * lx + cos * ly];
}

/** The canvas transform that draws the input so that the ROI fills the crop, upright. */
function cropTransform(roi: Roi): [number, number, number, number, number, number] {
  const s = MESH_MODEL_INPUT / roi.side;
  const cos = Math.cos(roi.angle) * s;
  const sin = Math.sin(roi.angle) * s;
  const half = MESH_MODEL_INPUT / 2;
  return [cos, -sin, sin, cos, half - (cos * roi.cx + sin * roi.cy), half - (-sin * roi.cx + cos * roi.cy)];
}

export class MeshTracker {
  private readonly canvas = new OffscreenCanvas(MESH_MODEL_INPUT, MESH_MODEL_INPUT);
  private readonly context: OffscreenCanvasRenderingContext2D;
  readonly times: MeshTrackTimes = { cropMs: 0, meshMs: 0, irisMs: 0 };

  constructor(private readonly human: Human) {
    const context = this.canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('face tracker: no 2D canvas for the face crop');
    this.context = context;
  }

  /**
   * Mesh and iris on the ROI of `frame`; null when the mesh model does not see a face there
   * (confidence under TRACK_CONFIDENCE), which is the caller's cue to run the detector.
   */
  async track(frame: CanvasImageSource, roi: Roi): Promise<MeshTrack | null> {
    const models = this.models();
    const tf = this.human.tf;
    let t = performance.now();
    const g = this.context;
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.fillStyle = '#000';
    g.fillRect(0, 0, MESH_MODEL_INPUT, MESH_MODEL_INPUT);
    g.setTransform(...cropTransform(roi));
    g.drawImage(frame, 0, 0);
    const pixels = g.getImageData(0, 0, MESH_MODEL_INPUT, MESH_MODEL_INPUT);
    const face = tf.tidy(() => tf.div(tf.expandDims(tf.browser.fromPixels(pixels), 0), 255)) as Tensor;
    this.times.cropMs = performance.now() - t;
    try {
      t = performance.now();
      const outputs = models.mesh.execute(face) as Tensor[];
      const confidenceT = outputs.find((o) => o.shape[o.shape.length - 1] === 1);
      const meshT = outputs.find((o) => o.shape[o.shape.length - 1] === 1404);
      const [confidence, coords] = await Promise.all([confidenceT?.data(), meshT?.data()]);
      tf.dispose(outputs);
      this.times.meshMs = performance.now() - t;
      const score = confidence?.[0] ?? 0;
      if (!coords || score < TRACK_CONFIDENCE) return null;
      const raw: Point3[] = [];
      for (let i = 0; i < 468; i++)
        raw.push([coords[3 * i] as number, coords[3 * i + 1] as number, coords[3 * i + 2] as number]);
      t = performance.now();
      const withIris = await this.augmentIris(raw, face, models.iris);
      this.times.irisMs = performance.now() - t;
      const mesh = withIris.map(([u, v, z]): Point3 => [...cropToImage(roi, u, v), z]);
      return { mesh, score, roi };
    } finally {
      tf.dispose(face);
    }
  }

  private models(): { mesh: GraphModelLike; iris: GraphModelLike } {
    const all = (this.human.models as unknown as { models: Record<string, GraphModelLike | null> }).models;
    const mesh = all.facemesh;
    const iris = all.iris;
    if (!mesh || !iris) throw new Error('face tracker: face mesh or iris model not loaded');
    return { mesh, iris };
  }

  /**
   * Human's augmentIris on the crop: each eye's box (eye corners enlarged 2.3 times) at 64 x 64,
   * both through the iris model in one batch, its contour merged into the mesh and its five
   * iris points appended (person's left iris first, 468-472, then the right, 473-477).
   * The model expects one eye's orientation; the other is mirrored in and out (see EYE_FLIP).
   */
  private async augmentIris(raw: Point3[], face: Tensor, model: GraphModelLike): Promise<Point3[]> {
    const tf = this.human.tf;
    const left = eyeBox(raw, 263, 362);
    const right = eyeBox(raw, 33, 133);
    const input = tf.tidy(() => {
      const crop = (b: EyeBox, flip: boolean) => {
        const n = MESH_MODEL_INPUT;
        const c = tf.image.cropAndResize(
          face as never,
          [[b.y0 / n, b.x0 / n, b.y1 / n, b.x1 / n]],
          [0],
          [IRIS_INPUT, IRIS_INPUT],
        );
        return flip ? tf.image.flipLeftRight(c) : c;
      };
      return tf.concat([crop(left, EYE_FLIP.left), crop(right, EYE_FLIP.right)]);
    }) as Tensor;
    const output = model.execute(input) as Tensor;
    tf.dispose(input);
    const data = await output.data();
    tf.dispose(output);
    const leftEye = eyeCoords(data.subarray(0, IRIS_POINTS * 3), left, EYE_FLIP.left);
    const rightEye = eyeCoords(data.subarray(IRIS_POINTS * 3), right, EYE_FLIP.right);
    const depthDifference = (raw[263] as Point3)[2] - (raw[33] as Point3)[2];
    if (Math.abs(depthDifference) < TURNED_EYE_DEPTH) {
      mergeContour(raw, leftEye, 'left', null);
      mergeContour(raw, rightEye, 'right', null);
    } else if (depthDifference < 1) {
      mergeContour(raw, leftEye, 'left', ['EyeUpper0', 'EyeLower0']);
    } else {
      mergeContour(raw, rightEye, 'right', ['EyeUpper0', 'EyeLower0']);
    }
    return raw.concat(irisPoints(raw, leftEye, 'left'), irisPoints(raw, rightEye, 'right'));
  }
}

interface GraphModelLike {
  execute(input: Tensor): Tensor | Tensor[];
}

/**
 * Which eye crop is mirrored for the iris model. Human mirrors both crops and un-mirrors only
 * the left eye's output, so its right eye's points come back mirrored inside their box; here
 * exactly one eye is mirrored, in and out (chosen by the contour check in bench/tracker.ts).
 */
export const EYE_FLIP: Record<Side, boolean> = { left: true, right: false };

interface EyeBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function eyeBox(raw: Point3[], inner: number, outer: number): EyeBox {
  const a = raw[inner] as Point3;
  const b = raw[outer] as Point3;
  const cx = (a[0] + b[0]) / 2;
  const cy = (a[1] + b[1]) / 2;
  const half = (Math.max(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1])) * EYE_BOX_SCALE) / 2;
  return { x0: cx - half, y0: cy - half, x1: cx + half, y1: cy + half };
}

function eyeCoords(data: ArrayLike<number>, box: EyeBox, flip: boolean): Point3[] {
  const out: Point3[] = [];
  for (let i = 0; i < IRIS_POINTS; i++) {
    const x = (data[3 * i] as number) / IRIS_INPUT;
    const y = (data[3 * i + 1] as number) / IRIS_INPUT;
    out.push([
      (flip ? 1 - x : x) * (box.x1 - box.x0) + box.x0,
      y * (box.y1 - box.y0) + box.y0,
      data[3 * i + 2] as number,
    ]);
  }
  return out;
}

function mergeContour(raw: Point3[], eye: Point3[], side: Side, parts: EyePart[] | null): void {
  for (const part of Object.keys(IRIS_MODEL_PARTS) as EyePart[]) {
    if (parts && !parts.includes(part)) continue;
    const meshIndices = EYE_PARTS[side][part];
    IRIS_MODEL_PARTS[part].forEach((modelIndex, j) => {
      const m = meshIndices[j] as number;
      const p = eye[modelIndex] as Point3;
      raw[m] = [p[0], p[1], (p[2] + (raw[m] as Point3)[2]) / 2];
    });
  }
}

/** The five iris points, their depth taken from the lids (the model's own z is unreliable). */
function irisPoints(raw: Point3[], eye: Point3[], side: Side): Point3[] {
  const upper = (raw[EYE_PARTS[side].EyeUpper0[3]] as Point3)[2];
  const lower = (raw[EYE_PARTS[side].EyeLower0[4]] as Point3)[2];
  const mid = (upper + lower) / 2;
  return eye.slice(IRIS_CONTOUR_POINTS).map((p, i): Point3 => [p[0], p[1], i === 2 ? upper : i === 4 ? lower : mid]);
}
