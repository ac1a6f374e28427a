import {
  decodeExpressionCode,
  LEFT_LOWER_LID,
  LEFT_UPPER_LID,
  LM,
  MESH_LANDMARK_COUNT,
  RIGHT_LOWER_LID,
  RIGHT_UPPER_LID,
} from '@holocall/face';

/**
 * From the expression code's 17 driven landmarks to a displacement of every mesh landmark (in
 * the canonical frame, IOD units, y up), as a fixed linear rig built once per source face from
 * that face's own canonical landmarks:
 *
 *   lips: each lip ring follows its handles (corners, off-centre and centre points) by
 *     piecewise-linear interpolation across the mouth, the in-between rings blend the inner and
 *     outer ones;
 *   jaw and chin: everything below the lower lip blends from the lower lip's motion to the
 *     chin's, fading toward the jaw angles;
 *   skin around the mouth: the upper lip's motion fades out toward the nose, the corners' into
 *     the cheeks;
 *   lids: the lid margins follow their lid-centre handle with a profile (full at the centre,
 *     less toward the corners), the skin rings above/below follow more weakly;
 *   brows: brow points interpolate outer/middle/inner handles along the brow;
 *   irises: the iris centres follow their handles (the warp carries the iris texture).
 * Everything else (nose, eye corners, forehead, temples, the upper face outline) stays put.
 * The rig is a matrix: displacement = Σ_k W[j][k] · handle_k, with 17 handles.
 */

/** The handles, in the order the rig's weight matrix uses (each a code landmark). */
export const RIG_HANDLES = [
  LM.upperLipInner,
  LM.lowerLipInner,
  LM.upperLipOuter,
  LM.lowerLipOuter,
  LM.mouthCornerRight,
  LM.mouthCornerLeft,
  LM.chin,
  82,
  312,
  87,
  317,
  LM.rightEyeUpperLid,
  LM.rightEyeLowerLid,
  LM.leftEyeUpperLid,
  LM.leftEyeLowerLid,
  LM.rightIrisCenter,
  LM.leftIrisCenter,
  LM.rightBrowOuter,
  LM.rightBrowMid,
  LM.rightBrowInner,
  LM.leftBrowOuter,
  LM.leftBrowMid,
  LM.leftBrowInner,
] as const;

const H = new Map<number, number>(RIG_HANDLES.map((lm, k) => [lm, k]));

// MediaPipe lip rings, corner to corner (person's right = image left first).
const UPPER_INNER = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308];
const LOWER_INNER = [78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308];
const UPPER_OUTER = [61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291];
const LOWER_OUTER = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291];
const UPPER_SEMI_INNER = [62, 183, 42, 41, 38, 12, 268, 271, 272, 407, 292];
const LOWER_SEMI_INNER = [62, 96, 89, 179, 86, 15, 316, 403, 319, 325, 292];
const UPPER_SEMI_OUTER = [76, 184, 74, 73, 72, 11, 302, 303, 304, 408, 306];
const LOWER_SEMI_OUTER = [76, 77, 90, 180, 85, 16, 315, 404, 320, 307, 306];
// Lid skin rings (crease above, below the lower lid), outer to inner corner.
const RIGHT_UPPER_CREASE = [247, 30, 29, 27, 28, 56, 190];
const RIGHT_UPPER_SKIN = [113, 225, 224, 223, 222, 221, 189];
const RIGHT_LOWER_SKIN = [25, 110, 24, 23, 22, 26, 112];
const LEFT_UPPER_CREASE = [467, 260, 259, 257, 258, 286, 414];
const LEFT_UPPER_SKIN = [342, 445, 444, 443, 442, 441, 413];
const LEFT_LOWER_SKIN = [255, 339, 254, 253, 252, 256, 341];
// Brows, outer to inner: upper edge, lower edge.
const RIGHT_BROW_POINTS = [156, 70, 63, 105, 66, 107, 55, 193, 35, 124, 46, 53, 52, 65];
const LEFT_BROW_POINTS = [383, 300, 293, 334, 296, 336, 285, 417, 265, 353, 276, 283, 282, 295];
/** Lid profile along the 7 margin points (outer to inner): full at the centre. */
const LID_PROFILE = [0.45, 0.8, 0.95, 1, 0.95, 0.8, 0.45];

export interface ExpressionRig {
  /** Row-major [MESH_LANDMARK_COUNT + 10][RIG_HANDLES.length] weights, separately for x and y. */
  readonly wx: Float32Array;
  readonly wy: Float32Array;
  readonly points: number;
}

const smoothstep = (e0: number, e1: number, x: number) => {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
};

/** Builds the rig for one face from its canonical landmarks (IOD units, head axes). */
export function buildRig(canonical: ArrayLike<number>): ExpressionRig {
  const nh = RIG_HANDLES.length;
  const points = MESH_LANDMARK_COUNT + 10;
  const wx = new Float32Array(points * nh);
  const wy = new Float32Array(points * nh);
  const X = (i: number) => canonical[3 * i] as number;
  const Y = (i: number) => canonical[3 * i + 1] as number;
  const assigned = new Uint8Array(points);
  const isCorner = (lm: number) => lm === LM.mouthCornerRight || lm === LM.mouthCornerLeft;
  const set = (j: number, handle: number, w: number, axes: 'xy' | 'x' | 'y' = 'xy') => {
    const k = H.get(handle)!;
    if (axes !== 'y') wx[j * nh + k]! += w;
    if (axes !== 'x') wy[j * nh + k]! += w;
    assigned[j] = 1;
  };
  /**
   * Weights of point j along x over handle landmarks (sorted by their x): linear between inner
   * handles, eased (sin) on the segments that end at a mouth corner, so a mouth opens as an oval
   * rather than a diamond.
   */
  const alongX = (j: number, handles: number[], scale = 1, axes: 'xy' | 'y' = 'xy') => {
    const sorted = [...handles].sort((a, b) => X(a) - X(b));
    const x = X(j);
    if (x <= X(sorted[0]!)) return set(j, sorted[0]!, scale, axes);
    if (x >= X(sorted[sorted.length - 1]!)) return set(j, sorted[sorted.length - 1]!, scale, axes);
    for (let s = 0; s < sorted.length - 1; s++) {
      const a = sorted[s]!;
      const b = sorted[s + 1]!;
      if (x >= X(a) && x <= X(b)) {
        let t = (x - X(a)) / Math.max(1e-9, X(b) - X(a));
        if (s === 0 && isCorner(a)) t = Math.sin((t * Math.PI) / 2);
        else if (s === sorted.length - 2 && isCorner(b)) t = 1 - Math.sin(((1 - t) * Math.PI) / 2);
        set(j, a, scale * (1 - t), axes);
        set(j, b, scale * t, axes);
        return;
      }
    }
  };
  const corners = [LM.mouthCornerRight, LM.mouthCornerLeft];
  // Lip rings.
  for (const j of UPPER_INNER) alongX(j, [...corners, 82, LM.upperLipInner, 312]);
  for (const j of LOWER_INNER) alongX(j, [...corners, 87, LM.lowerLipInner, 317]);
  for (const j of UPPER_OUTER) alongX(j, [...corners, LM.upperLipOuter]);
  for (const j of LOWER_OUTER) alongX(j, [...corners, LM.lowerLipOuter]);
  for (const ring of [UPPER_SEMI_INNER, UPPER_SEMI_OUTER]) {
    for (const j of ring) {
      alongX(j, [...corners, 82, LM.upperLipInner, 312], 0.5);
      alongX(j, [...corners, LM.upperLipOuter], 0.5);
    }
  }
  for (const ring of [LOWER_SEMI_INNER, LOWER_SEMI_OUTER]) {
    for (const j of ring) {
      alongX(j, [...corners, 87, LM.lowerLipInner, 317], 0.5);
      alongX(j, [...corners, LM.lowerLipOuter], 0.5);
    }
  }
  // Lids and the skin around them.
  const lid = (margin: readonly number[], handle: number, scale: number) =>
    margin.forEach((j, s) => {
      if (!assigned[j]) set(j, handle, scale * LID_PROFILE[s]!, 'y');
    });
  lid(RIGHT_UPPER_LID, LM.rightEyeUpperLid, 1);
  lid(RIGHT_LOWER_LID, LM.rightEyeLowerLid, 1);
  lid(LEFT_UPPER_LID, LM.leftEyeUpperLid, 1);
  lid(LEFT_LOWER_LID, LM.leftEyeLowerLid, 1);
  lid(RIGHT_UPPER_CREASE, LM.rightEyeUpperLid, 0.45);
  lid(LEFT_UPPER_CREASE, LM.leftEyeUpperLid, 0.45);
  lid(RIGHT_LOWER_SKIN, LM.rightEyeLowerLid, 0.3);
  lid(LEFT_LOWER_SKIN, LM.leftEyeLowerLid, 0.3);
  // Brows (and a share of the brow motion for the skin between brow and crease).
  for (const j of RIGHT_BROW_POINTS) {
    alongX(j, [LM.rightBrowOuter, LM.rightBrowMid, LM.rightBrowInner], 1, 'y');
    // The inner brow's sideways motion (a frown) carries the inner half of the brow.
    set(j, LM.rightBrowInner, smoothstep(X(LM.rightBrowMid), X(LM.rightBrowInner), X(j)), 'x');
  }
  for (const j of LEFT_BROW_POINTS) {
    alongX(j, [LM.leftBrowOuter, LM.leftBrowMid, LM.leftBrowInner], 1, 'y');
    set(j, LM.leftBrowInner, smoothstep(X(LM.leftBrowMid), X(LM.leftBrowInner), X(j)), 'x');
  }
  for (const j of RIGHT_UPPER_SKIN)
    if (!assigned[j]) alongX(j, [LM.rightBrowOuter, LM.rightBrowMid, LM.rightBrowInner], 0.35, 'y');
  for (const j of LEFT_UPPER_SKIN)
    if (!assigned[j]) alongX(j, [LM.leftBrowOuter, LM.leftBrowMid, LM.leftBrowInner], 0.35, 'y');
  // Irises: the centres follow their handles exactly (ring points too, for completeness).
  for (let j = 468; j < 478; j++) set(j, j < 473 ? LM.leftIrisCenter : LM.rightIrisCenter, 1);

  // Jaw, chin and the skin around the mouth, for every point not yet rigged.
  const yUpperLip = Y(LM.upperLipOuter);
  const yLowerLip = Y(LM.lowerLipOuter);
  const yChin = Y(LM.chin);
  const yNose = Y(LM.noseBottom);
  const halfMouth = Math.abs(X(LM.mouthCornerLeft) - X(LM.mouthCornerRight)) / 2;
  const xMid = (X(LM.mouthCornerLeft) + X(LM.mouthCornerRight)) / 2;
  for (let j = 0; j < MESH_LANDMARK_COUNT; j++) {
    if (assigned[j]) continue;
    const x = X(j) - xMid;
    const y = Y(j);
    const ax = Math.abs(x);
    if (y < yLowerLip && ax < 2.2 * halfMouth) {
      // Below the lower lip: from the lip's motion to the chin's, fading toward the jaw angles.
      const t = smoothstep(yLowerLip, yChin, y);
      const side = 1 - 0.75 * smoothstep(0.6 * halfMouth, 2.2 * halfMouth, ax);
      alongX(j, [...corners, LM.lowerLipOuter], side * (1 - t));
      set(j, LM.chin, side * t);
    } else if (y > yUpperLip && y < yNose && ax < 1.3 * halfMouth) {
      // Between the upper lip and the nose: the upper lip's motion fading out.
      const t = smoothstep(yUpperLip, yNose, y);
      alongX(j, [...corners, LM.upperLipOuter], (1 - t) * (1 - smoothstep(0.7 * halfMouth, 1.3 * halfMouth, ax)));
    } else {
      // Cheek skin near a mouth corner follows it, falling off with distance.
      for (const c of corners) {
        const d = Math.hypot(X(j) - X(c), Y(j) - Y(c));
        const w = 0.7 * (1 - smoothstep(0.12, 0.5, d));
        if (w > 0.01) set(j, c, w);
      }
    }
  }
  return { wx, wy, points };
}

/** Per-landmark displacement (IOD units, canonical axes) for a code: out is flat [dx, dy] per point. */
export function rigDisplacements(rig: ExpressionRig, code: ArrayLike<number>, out: Float64Array): void {
  const nh = RIG_HANDLES.length;
  const hx = new Float64Array(nh);
  const hy = new Float64Array(nh);
  for (const o of decodeExpressionCode(code)) {
    const k = H.get(o.landmark);
    if (k === undefined) continue;
    hx[k] = o.dx;
    hy[k] = o.dy;
  }
  for (let j = 0; j < rig.points; j++) {
    let dx = 0;
    let dy = 0;
    for (let k = 0; k < nh; k++) {
      dx += rig.wx[j * nh + k]! * hx[k]!;
      dy += rig.wy[j * nh + k]! * hy[k]!;
    }
    out[2 * j] = dx;
    out[2 * j + 1] = dy;
  }
}
