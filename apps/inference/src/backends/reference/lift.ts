import { LANDMARK_COUNT } from '@holocall/face';
import { HolocallError } from '@holocall/protocol';
import type { AlignedImage, LiftResult, SourceFace } from '../../stages/contract';
import { TRIPLANE_RESOLUTION, type Triplane } from '../../triplane/layout';
import { projectPoint } from './camera-math';
import { encodeHead, type PlaneLayout, planeLayout } from './encode-planes';
import { type HeadFields, headFields, texelCenter } from './height-field';
import { samplePlanar } from './image';
import { type HeadMatte, type PersonMatte, personMatte } from './person-matte';
import { placeFace, type WorldFace } from './world-face';

/**
 * The reference (classical) lift: an aligned photo and its landmarks become a genuine tri-plane
 * radiance field in the analytic decoder's feature space, without trained weights:
 *
 *   1. place the face in the world (world-face.ts): source camera, 3D landmarks;
 *   2. matte the person off the background with a segmentation model (person-matte.ts);
 *   3. front relief + dome and a back cap as height fields over the xy grid (height-field.ts);
 *   4. colour: each xy texel takes the photo's colour where its front surface point projects
 *      through the source camera (so the source view reproduces the photo); texels whose point
 *      falls on background take the nearest head colour (so edges never blend in the wall);
 *   5. encode both as sharp separable density bodies plus colour logits (encode-planes.ts).
 *
 * Everything reenactment needs later is kept in a ReferenceModel (per source, computed once),
 * carried in the result's source face (`sourceFace.reference`) and so in the node's avatar cache.
 */
export const REFERENCE_LIFT_NAME = 'reference-classical-lift';

/** A texel takes the photo's colour only where the matte, eroded by this many pixels, is head: edge pixels blend the wall in. */
const COLOR_EROSION_PX = 3;
/** Texels beyond the silhouette that still get a (filled) colour, so bilinear edges stay head-coloured. */
const COLOR_FILL_MARGIN = 4;

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

/** Colours per xy texel: the photo along the source camera, background-free (see module comment). */
function texelColors(image: AlignedImage, face: WorldFace, matte: HeadMatte, fields: HeadFields): Float32Array {
  const R = fields.resolution;
  const n = R * R;
  const colors = new Float32Array(3 * n);
  const known = new Uint8Array(n);
  const tmp = new Float64Array(3);
  const solid = erodedMatte(matte, COLOR_EROSION_PX);
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
      for (let c = 0; c < 3; c++) colors[c * n + p] = samplePlanar(image, c, u, v);
      known[p] = 1;
    }
  }
  // Fill: grow known colours outward ring by ring (mean of known 8-neighbours) over the
  // silhouette plus a margin.
  const target = Uint8Array.from(fields.silhouette);
  for (let r = 0; r < COLOR_FILL_MARGIN; r++) dilate(target, R);
  let frontier = true;
  while (frontier) {
    frontier = false;
    const add: number[] = [];
    for (let j = 1; j < R - 1; j++) {
      for (let i = 1; i < R - 1; i++) {
        const p = j * R + i;
        if (known[p] || !target[p]) continue;
        let m = 0;
        const acc = [0, 0, 0];
        for (let dj = -1; dj <= 1; dj++) {
          for (let di = -1; di <= 1; di++) {
            const q = p + dj * R + di;
            if (!known[q]) continue;
            m++;
            for (let c = 0; c < 3; c++) acc[c]! += colors[c * n + q]!;
          }
        }
        if (m > 0) {
          for (let c = 0; c < 3; c++) colors[c * n + p] = acc[c]! / m;
          add.push(p);
        }
      }
    }
    for (const p of add) known[p] = 1;
    frontier = add.length > 0;
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

function dilate(mask: Uint8Array, R: number): void {
  const src = Uint8Array.from(mask);
  for (let j = 1; j < R - 1; j++) {
    for (let i = 1; i < R - 1; i++) {
      const p = j * R + i;
      if (!src[p] && (src[p - 1] || src[p + 1] || src[p - R] || src[p + R])) mask[p] = 1;
    }
  }
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
