import { LANDMARK_COUNT } from '@holocall/face';
import { HolocallError } from '@holocall/protocol';
import type { AlignedImage, LiftResult, SourceFace } from '../../stages/contract';
import { TRIPLANE_RESOLUTION, type Triplane } from '../../triplane/layout';
import { projectPoint } from './camera-math';
import { encodeHead, type PlaneLayout, planeLayout } from './encode-planes';
import { type HeadFields, headFields, texelCenter } from './height-field';
import { samplePlanar } from './image';
import { type HeadMatte, type PersonMatte, personMatte } from './person-matte';
import { pushPullSmooth } from './push-pull';
import { placeFace, type WorldFace } from './world-face';

/**
 * The reference (classical) lift: an aligned photo and its landmarks become a genuine tri-plane
 * radiance field in the analytic decoder's feature space, without trained weights:
 *
 *   1. place the face in the world (world-face.ts): source camera, 3D landmarks;
 *   2. matte the person off the background with a segmentation model (person-matte.ts);
 *   3. front relief + dome and a back cap as height fields over the xy grid (height-field.ts);
 *   4. colour: each xy texel takes the photo's colour where its front surface point projects
 *      through the source camera and faces it (so the source view reproduces the photo); where
 *      the photo saw the surface edge-on, or saw matte edge, a smooth inpainting of the trusted
 *      colours (push-pull), which is also what the sides and the back read;
 *   5. encode both as sharp separable density bodies plus colour logits (encode-planes.ts).
 *
 * Everything reenactment needs later is kept in a ReferenceModel (per source, computed once),
 * carried in the result's source face (`sourceFace.reference`) and so in the node's avatar cache.
 */
export const REFERENCE_LIFT_NAME = 'reference-classical-lift';

/** A texel takes the photo's colour only where the matte, eroded by this many pixels, is head: edge pixels blend the wall in. */
const COLOR_EROSION_PX = 3;
/**
 * A texel keeps the photo's colour where its front surface faces the source camera with n . v
 * above TRUST_FACING_HIGH, none of it below TRUST_FACING_LOW (smoothstep between); the rest is
 * the smooth inpainting. The render stage takes the photo itself above about the same facing
 * (render/source-texture.ts), so the tri-plane's colour shows where this one is smooth.
 */
const TRUST_FACING_LOW = 0.25;
const TRUST_FACING_HIGH = 0.6;
/** The inpainting is read at this push-pull level: cells of 2^3 = 8 texels (about 1.6 cm). */
const SMOOTH_LEVEL = 3;

export interface ReferenceModel {
  readonly resolution: number;
  readonly face: WorldFace;
  readonly matte: PersonMatte;
  readonly fields: HeadFields;
  readonly layout: PlaneLayout;
  /** Linear RGB per xy texel, planar 3 x R x R. */
  readonly colors: Float32Array;
}

export interface ReferenceLiftInput {
  /** The FFHQ-aligned crop (square). */
  image: AlignedImage;
  /** Tracker landmarks in crop pixels (478 x 3, tracker z). */
  landmarks: ArrayLike<number>;
  /** Source camera; derived from the landmarks when absent. */
  camera?: Float32Array;
  /** Plane resolution (the contract's 256 by default; tests may use less). */
  resolution?: number;
}

/** A source face the reference lift made: it always carries its reference model. */
export type ReferenceSourceFace = SourceFace & { readonly reference: ReferenceModel };

export interface ReferenceLiftResult extends LiftResult {
  readonly sourceFace: ReferenceSourceFace;
}

function checkInput(input: ReferenceLiftInput): void {
  const { image, landmarks } = input;
  if (!image || image.width !== image.height || image.rgb?.length !== 3 * image.width * image.height) {
    throw HolocallError.badRequest('reference lift: the aligned image must be square planar RGB', {
      width: image?.width,
      height: image?.height,
    });
  }
  if (landmarks?.length !== LANDMARK_COUNT * 3) {
    throw HolocallError.badRequest(`reference lift: ${LANDMARK_COUNT} landmarks required`, {
      length: landmarks?.length,
    });
  }
}

/**
 * How far a texel's front surface faces the source camera (n . v, 0..1) from the front
 * height field's gradient: near the silhouette the dome turns away and the photo sees it at a
 * grazing angle, squeezed into a few pixels.
 */
function facing(face: WorldFace, fields: HeadFields): Float32Array {
  const R = fields.resolution;
  const d = texelCenter(1, R) - texelCenter(0, R);
  const out = new Float32Array(R * R);
  const [ox, oy, oz] = face.pinhole.origin;
  const h = fields.front;
  const inside = fields.silhouette;
  for (let j = 1; j < R - 1; j++) {
    const y = texelCenter(j, R);
    for (let i = 1; i < R - 1; i++) {
      const p = j * R + i;
      if (!inside[p]) continue;
      // One-sided differences where a neighbour is outside (its depth is not a surface).
      const l = inside[p - 1] ? p - 1 : p;
      const r = inside[p + 1] ? p + 1 : p;
      const u = inside[p - R] ? p - R : p;
      const b = inside[p + R] ? p + R : p;
      if (l === r || u === b) continue; // a one-texel sliver: seen edge-on
      const gx = (h[r]! - h[l]!) / ((r - l) * d);
      const gy = (h[b]! - h[u]!) / (((b - u) / R) * d);
      const vx = ox - texelCenter(i, R);
      const vy = oy - y;
      const vz = oz - h[p]!;
      const nv = (-gx * vx - gy * vy + vz) / (Math.hypot(gx, gy, 1) * Math.hypot(vx, vy, vz));
      out[p] = Math.max(0, nv);
    }
  }
  return out;
}

const smoothstep = (e0: number, e1: number, x: number) => {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
};

/**
 * Colours per xy texel (see the module comment): the photo along the source camera where it
 * saw the surface squarely, and elsewhere (the dome turning away near the silhouette, the
 * texels whose photo pixel is matte edge, everything the back and the sides read) a smooth
 * push-pull inpainting of the trusted colours. Every point of the side wall and the back takes
 * the xy texel at its (x, y), so these texels must not carry the silhouette edge's pixels: a
 * 30° view would stretch each of them into a horizontal streak.
 */
function texelColors(image: AlignedImage, face: WorldFace, matte: HeadMatte, fields: HeadFields): Float32Array {
  const R = fields.resolution;
  const n = R * R;
  const photo = new Float32Array(3 * n);
  const trust = new Float32Array(n);
  const tmp = new Float64Array(3);
  const solid = erodedMatte(matte, COLOR_EROSION_PX);
  const nv = facing(face, fields);
  for (let j = 0; j < R; j++) {
    const y = texelCenter(j, R);
    for (let i = 0; i < R; i++) {
      const p = j * R + i;
      if (!fields.silhouette[p]) continue;
      projectPoint(face.pinhole, texelCenter(i, R), y, fields.front[p]!, tmp);
      const u = tmp[0]!;
      const v = tmp[1]!;
      if (u < 0 || v < 0 || u >= image.width || v >= image.height) continue;
      const mx = Math.min(matte.width - 1, Math.max(0, Math.floor(u)));
      const my = Math.min(matte.height - 1, Math.max(0, Math.floor(v)));
      if (!solid[my * matte.width + mx]) continue;
      for (let c = 0; c < 3; c++) photo[c * n + p] = samplePlanar(image, c, u, v);
      trust[p] = smoothstep(TRUST_FACING_LOW, TRUST_FACING_HIGH, nv[p]!);
    }
  }
  const smooth = pushPullSmooth(photo, trust, R, SMOOTH_LEVEL);
  const colors = new Float32Array(3 * n);
  for (let p = 0; p < n; p++) {
    const t = trust[p]!;
    for (let c = 0; c < 3; c++) colors[c * n + p] = t * photo[c * n + p]! + (1 - t) * smooth[c * n + p]!;
  }
  return colors;
}

/** 1 where the matte is head (> 0.5) over the whole (2r+1)^2 neighbourhood. */
function erodedMatte(matte: HeadMatte, r: number): Uint8Array {
  const { width: w, height: h } = matte;
  const rows = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    let run = 0;
    for (let x = 0; x < w; x++) {
      run = matte.alpha[y * w + x]! > 0.5 ? run + 1 : 0;
      // rows[x - r] is solid when the run through x covers [x - 2r, x].
      if (x >= r) rows[y * w + x - r] = run > 2 * r ? 1 : 0;
    }
  }
  const out = new Uint8Array(w * h);
  for (let x = 0; x < w; x++) {
    let run = 0;
    for (let y = 0; y < h; y++) {
      run = rows[y * w + x] ? run + 1 : 0;
      if (y >= r) out[(y - r) * w + x] = run > 2 * r ? 1 : 0;
    }
  }
  return out;
}

/**
 * Called after each step of the lift with the share of the lift done so far (0..1], from the
 * steps' measured costs (256², one core: matte ~20%, fields ~60%, colours ~10%, encoding ~10%).
 */
export type LiftProgress = (step: 'place' | 'matte' | 'fields' | 'colors' | 'encode', fraction: number) => void;

/**
 * The reference lift (pure, synchronous computation, ~0.4 to 1 s at 256² on this 2-core machine). Throws
 * HolocallError(bad_request) on bad input. The inference node runs it in a worker thread.
 */
export function liftReference(input: ReferenceLiftInput, onProgress?: LiftProgress): ReferenceLiftResult {
  checkInput(input);
  const R = input.resolution ?? TRIPLANE_RESOLUTION;
  const face = placeFace(input.landmarks, input.image.width, input.camera);
  onProgress?.('place', 0.01);
  const matte = personMatte(input.image, input.landmarks);
  onProgress?.('matte', 0.2);
  const fields = headFields(face, matte, R);
  const layout = planeLayout(fields);
  onProgress?.('fields', 0.8);
  const colors = texelColors(input.image, face, matte, fields);
  onProgress?.('colors', 0.9);
  const triplane: Triplane = encodeHead(fields, layout, colors);
  onProgress?.('encode', 1);
  const sourceFace: ReferenceSourceFace = {
    camera: face.camera,
    landmarks: Float32Array.from(face.canonical),
    reference: { resolution: R, face, matte, fields, layout, colors },
  };
  return { triplane, sourceFace };
}
