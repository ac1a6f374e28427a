/**
 * Face landmarks in the MediaPipe FaceMesh topology (478 points: 468 mesh + 10 iris), as the
 * tracker (@vladmandic/human with mesh + iris) returns them in `face.mesh`: [x, y, z] with x, y
 * in image pixels and z the mesh model's relative depth (smaller = nearer the camera, in the
 * model's own units; pose.ts estimates its scale per face, so nothing here depends on it).
 *
 * Storage: one flat Float64Array, point i at [3i, 3i+1, 3i+2]. In image terms these are
 * OpenCV camera axes (x right, y down, z forward).
 */
import { HolocallError, LANDMARK_COUNT } from '@holocall/protocol';

/** Points of the whole topology (468 mesh + 10 iris): the protocol's, which enrollment checks. */
export { LANDMARK_COUNT };
export const MESH_LANDMARK_COUNT = 468;

/** Flat [x0, y0, z0, x1, ...], LANDMARK_COUNT points. */
export type Landmarks = Float64Array;

/**
 * Named points of the topology ("right"/"left" are the PERSON's: the right eye appears on the
 * image's left in a frontal photo).
 */
export const LM = {
  foreheadTop: 10,
  noseBridge: 168,
  noseTop: 6,
  noseTip: 1,
  noseBottom: 2,
  chin: 152,
  rightCheekSide: 234,
  leftCheekSide: 454,
  upperLipOuter: 0,
  lowerLipOuter: 17,
  upperLipInner: 13,
  lowerLipInner: 14,
  mouthCornerRight: 61,
  mouthCornerLeft: 291,
  mouthInnerCornerRight: 78,
  mouthInnerCornerLeft: 308,
  rightEyeOuter: 33,
  rightEyeInner: 133,
  leftEyeInner: 362,
  leftEyeOuter: 263,
  rightEyeUpperLid: 159,
  rightEyeLowerLid: 145,
  leftEyeUpperLid: 386,
  leftEyeLowerLid: 374,
  rightBrowOuter: 70,
  rightBrowMid: 105,
  rightBrowInner: 107,
  leftBrowOuter: 300,
  leftBrowMid: 334,
  leftBrowInner: 336,
  /** As human returns them: 468-472 ring the person's LEFT iris, 473-477 the right (checked on the fixture). */
  leftIrisCenter: 468,
  rightIrisCenter: 473,
} as const;

/** Inner lip contour, a closed loop: upper lip right corner to left corner, then the lower lip back. */
export const INNER_LIP_LOOP = [
  78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95,
] as const;

/** Outer lip contour, a closed loop. */
export const OUTER_LIP_LOOP = [
  61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146,
] as const;

/** Eye openings (lid margins), closed loops, starting at the outer corner. */
export const RIGHT_EYE_LOOP = [33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7] as const;
export const LEFT_EYE_LOOP = [263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249] as const;

/** Upper lid margins (outer to inner corner, corners excluded). */
export const RIGHT_UPPER_LID = [246, 161, 160, 159, 158, 157, 173] as const;
export const LEFT_UPPER_LID = [466, 388, 387, 386, 385, 384, 398] as const;
export const RIGHT_LOWER_LID = [7, 163, 144, 145, 153, 154, 155] as const;
export const LEFT_LOWER_LID = [249, 390, 373, 374, 380, 381, 382] as const;

/** Brows (upper edge then lower edge, outer to inner). */
export const RIGHT_BROW = [70, 63, 105, 66, 107, 46, 53, 52, 65, 55] as const;
export const LEFT_BROW = [300, 293, 334, 296, 336, 276, 283, 282, 295, 285] as const;

/** The face outline (silhouette) loop, from the forehead top clockwise in the image. */
export const FACE_OVAL_LOOP = [
  10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136,
  172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
] as const;

/**
 * Points that barely move with expression (forehead, temples, nose bridge and tip, eye corners,
 * upper cheeks): head pose and the canonical frame are fitted on these only, so an open mouth
 * or raised brows do not tilt the estimated head.
 */
export const RIGID_LANDMARKS = [
  10, 109, 67, 103, 338, 297, 332, 151, 9, 8, 168, 6, 197, 195, 5, 4, 1, 2, 98, 327, 33, 133, 362, 263, 127, 234, 356,
  454, 93, 323, 116, 345, 117, 346, 50, 280, 36, 266, 142, 371, 129, 358,
] as const;

/** Point i of a flat landmark array. */
export function point(l: ArrayLike<number>, i: number): [number, number, number] {
  return [l[3 * i] as number, l[3 * i + 1] as number, l[3 * i + 2] as number];
}

/**
 * Copies a tracker mesh (array of [x, y, z?]) into a flat Landmarks array. Accepts 468 points
 * (no iris: the iris centres are then filled from the eye openings) or 478.
 * Throws HolocallError(bad_request) on any other shape or a non-finite value.
 */
export function landmarksFromMesh(mesh: ReadonlyArray<ArrayLike<number | undefined>>): Landmarks {
  if (!Array.isArray(mesh) || (mesh.length !== LANDMARK_COUNT && mesh.length !== MESH_LANDMARK_COUNT)) {
    throw HolocallError.badRequest(`face mesh must have ${LANDMARK_COUNT} (or ${MESH_LANDMARK_COUNT}) points`, {
      length: (mesh as { length?: unknown })?.length,
    });
  }
  const out = new Float64Array(LANDMARK_COUNT * 3);
  for (let i = 0; i < mesh.length; i++) {
    const p = mesh[i]!;
    const x = p[0];
    const y = p[1];
    const z = p.length > 2 ? p[2] : 0;
    // (Number.isFinite narrows away undefined: a short point is refused below.)
    if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) {
      throw HolocallError.badRequest('face mesh has a non-finite coordinate', { index: i });
    }
    out[3 * i] = x as number;
    out[3 * i + 1] = y as number;
    out[3 * i + 2] = z as number;
  }
  if (mesh.length === MESH_LANDMARK_COUNT) fillIrisFromEyes(out);
  return out;
}

/** Without the iris model: iris centre = mean of the eye opening, ring points on a small circle. */
function fillIrisFromEyes(l: Landmarks): void {
  const fill = (loop: readonly number[], base: number) => {
    let cx = 0;
    let cy = 0;
    let cz = 0;
    for (const i of loop) {
      cx += l[3 * i]!;
      cy += l[3 * i + 1]!;
      cz += l[3 * i + 2]!;
    }
    cx /= loop.length;
    cy /= loop.length;
    cz /= loop.length;
    const w = Math.hypot(l[3 * loop[0]!]! - l[3 * loop[8]!]!, l[3 * loop[0]! + 1]! - l[3 * loop[8]! + 1]!);
    const r = 0.2 * w;
    const ring: [number, number][] = [
      [0, 0],
      [r, 0],
      [0, -r],
      [-r, 0],
      [0, r],
    ];
    ring.forEach(([dx, dy], k) => {
      l[3 * (base + k)] = cx + dx;
      l[3 * (base + k) + 1] = cy + dy;
      l[3 * (base + k) + 2] = cz;
    });
  };
  fill(LEFT_EYE_LOOP, LM.leftIrisCenter);
  fill(RIGHT_EYE_LOOP, LM.rightIrisCenter);
}

/** Centre of an eye from its two corners (stable under blinks and gaze, unlike the iris). */
export function eyeCenter(l: ArrayLike<number>, side: 'right' | 'left'): [number, number, number] {
  const [a, b] = side === 'right' ? [LM.rightEyeOuter, LM.rightEyeInner] : [LM.leftEyeOuter, LM.leftEyeInner];
  const pa = point(l, a);
  const pb = point(l, b);
  return [(pa[0] + pb[0]) / 2, (pa[1] + pb[1]) / 2, (pa[2] + pb[2]) / 2];
}

/** Distance between the eye centres (corner midpoints) in the landmarks' own units, x/y/z. */
export function interocularDistance(l: ArrayLike<number>): number {
  const r = eyeCenter(l, 'right');
  const e = eyeCenter(l, 'left');
  return Math.hypot(r[0] - e[0], r[1] - e[1], r[2] - e[2]);
}
