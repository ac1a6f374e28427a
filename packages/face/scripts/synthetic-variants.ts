/**
 * Synthetic expression variants of a photo, made by simple image warps so the REAL tracker can
 * be run on them (test data for expression codes). They are plainly synthetic: a jaw drop that
 * slides the lower face down and paints the gap between the lips dark, a brow lift that slides
 * the brow band up, a mirror and an in-plane rotation. Landmarks come from the tracker run on
 * these images, never from the warp parameters.
 */
import { LM, point } from '../src/landmarks';
import { similarityFromPairs } from '../src/similarity';
import { createRgbaImage, type RgbaImage, remapRGBA, sampleBilinear, warpSimilarityRGBA } from '../src/warp';

const smoothstep = (e0: number, e1: number, x: number) => {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
};

/** Horizontal mirror (a real photo of the mirrored scene: the tracker sees a different-handed face). */
export function mirrorImage(img: RgbaImage): RgbaImage {
  return remapRGBA(img, img.width, img.height, (x, y, xy) => {
    xy[0] = img.width - x;
    xy[1] = y;
  });
}

/** In-plane rotation by `angleRad` (counter-clockwise on screen) about (cx, cy). */
export function rotateImage(img: RgbaImage, angleRad: number, cx: number, cy: number): RgbaImage {
  const c = Math.cos(-angleRad);
  const s = Math.sin(-angleRad);
  // Image y points down, so a counter-clockwise turn on screen is a negative angle in (x, y).
  const toOut = { a: c, b: s, tx: cx - (c * cx - s * cy), ty: cy - (s * cx + c * cy) };
  return warpSimilarityRGBA(img, toOut, img.width, img.height);
}

/**
 * A gaze shift: inside each eye opening (an ellipse through the eye corners and lids) the
 * content slides `shiftPx` pixels along image x, fading to nothing at the opening's edge, so
 * both irises move the same way while lids and corners stay put.
 */
export function shiftGaze(img: RgbaImage, landmarks: ArrayLike<number>, shiftPx: number): RgbaImage {
  const eyes = [
    [LM.rightEyeOuter, LM.rightEyeInner, LM.rightEyeUpperLid, LM.rightEyeLowerLid],
    [LM.leftEyeOuter, LM.leftEyeInner, LM.leftEyeUpperLid, LM.leftEyeLowerLid],
  ].map(([outer, inner, upper, lower]) => {
    const a = point(landmarks, outer as number);
    const b = point(landmarks, inner as number);
    const lidGap = Math.abs(point(landmarks, lower as number)[1] - point(landmarks, upper as number)[1]);
    return { cx: (a[0] + b[0]) / 2, cy: (a[1] + b[1]) / 2, rx: Math.abs(b[0] - a[0]) / 2, ry: Math.max(4, lidGap) };
  });
  return remapRGBA(img, img.width, img.height, (x, y, xy) => {
    xy[0] = x;
    xy[1] = y;
    for (const e of eyes) {
      const r = ((x - e.cx) / e.rx) ** 2 + ((y - e.cy) / e.ry) ** 2;
      if (r < 1) xy[0] = x - shiftPx * (1 - r);
    }
  });
}

/**
 * One eye closed: inside the eye opening (a little wider and taller than shiftGaze's ellipse)
 * the content slides down from above the upper lid by 1.6 lid gaps, all of it over the inner
 * 60 % and fading to nothing at the edge, so lid skin covers the eye. `side` is the person's.
 */
export function closeEye(img: RgbaImage, landmarks: ArrayLike<number>, side: 'left' | 'right'): RgbaImage {
  const [outer, inner, upper, lower] =
    side === 'right'
      ? [LM.rightEyeOuter, LM.rightEyeInner, LM.rightEyeUpperLid, LM.rightEyeLowerLid]
      : [LM.leftEyeOuter, LM.leftEyeInner, LM.leftEyeUpperLid, LM.leftEyeLowerLid];
  const a = point(landmarks, outer);
  const b = point(landmarks, inner);
  const gap = Math.max(3, Math.abs(point(landmarks, lower)[1] - point(landmarks, upper)[1]));
  const e = { cx: (a[0] + b[0]) / 2, cy: (a[1] + b[1]) / 2, rx: (Math.abs(b[0] - a[0]) / 2) * 1.15, ry: gap * 1.1 };
  return remapRGBA(img, img.width, img.height, (x, y, xy) => {
    xy[0] = x;
    xy[1] = y;
    const r = ((x - e.cx) / e.rx) ** 2 + ((y - e.cy) / e.ry) ** 2;
    if (r < 1) xy[1] = y - 1.6 * gap * (1 - smoothstep(0.6, 1, r));
  });
}

/**
 * Jaw drop by `amount` pixels at the lip centre: below the lip seam the face slides down by
 * amount * lens(x) * fade(y) (lens: 1 at the centre, 0 at the mouth corners; fade: 1 to the
 * chin, 0 a little below it), and the opening between the lips is painted as a dark mouth.
 */
export function openMouth(
  img: RgbaImage,
  landmarks: ArrayLike<number>,
  amount: number,
  options: { teeth?: boolean } = {},
): RgbaImage {
  const left = point(landmarks, LM.mouthCornerRight);
  const right = point(landmarks, LM.mouthCornerLeft);
  const up = point(landmarks, LM.upperLipInner);
  const low = point(landmarks, LM.lowerLipInner);
  const chin = point(landmarks, LM.chin);
  const cx = (up[0] + low[0]) / 2;
  const halfW = (right[0] - left[0]) / 2;
  const seamCenter = (up[1] + low[1]) / 2;
  // Seam: a parabola through the corners and the inner-lip centre.
  const seam = (x: number) => {
    const t = (x - cx) / halfW;
    const corners = left[1] + ((right[1] - left[1]) * (x - left[0])) / (right[0] - left[0]);
    return corners + (seamCenter - (left[1] + right[1]) / 2) * (1 - t * t);
  };
  const lens = (x: number) => Math.max(0, 1 - ((x - cx) / halfW) ** 2);
  const fadeEnd = chin[1] + 0.6 * (chin[1] - seamCenter);
  const fade = (y: number) => 1 - smoothstep(chin[1], fadeEnd, y);
  const mouth: [number, number, number] = [46, 18, 20];
  const out = createRgbaImage(img.width, img.height);
  const tmp = new Float32Array(4);
  for (let row = 0; row < img.height; row++) {
    for (let col = 0; col < img.width; col++) {
      const x = col + 0.5;
      const y = row + 0.5;
      const o = (row * img.width + col) * 4;
      const sy = seam(x);
      const l = lens(x);
      if (y <= sy || l === 0) {
        sampleBilinear(img, x, y, out.data, o);
        continue;
      }
      // Fixed point of y_src = y - amount * l * fade(y_src).
      let ys = y - amount * l;
      for (let k = 0; k < 6; k++) ys = y - amount * l * fade(ys);
      if (ys < sy) {
        // Inside the opening: dark, a little lighter toward the lips.
        const depth = Math.min(1, (sy + amount * l - y) / Math.max(1, amount * l));
        const shade = 0.55 + 0.45 * Math.min(depth, 1 - depth) * 2;
        // Upper teeth (options.teeth): the top 40 % of the opening, off-white, a darker seam
        // between teeth every sixth of the mouth's half width.
        const toothRow = y - sy < 0.4 * amount * l;
        const seamBetween = Math.abs(((x - cx) / (halfW / 3)) % 1) < 0.12;
        const colour = options.teeth && toothRow ? (seamBetween ? [150, 140, 128] : [226, 220, 204]) : mouth;
        const lit = options.teeth && toothRow ? 1 : shade;
        out.data[o] = (colour[0] as number) * lit;
        out.data[o + 1] = (colour[1] as number) * lit;
        out.data[o + 2] = (colour[2] as number) * lit;
        out.data[o + 3] = 255;
      } else {
        sampleBilinear(img, x, ys, tmp, 0);
        out.data.set(tmp, o);
      }
    }
  }
  return out;
}

/**
 * Brow lift by `amount` pixels: the brows slide up with a band that fades gently toward the
 * hairline (sigma >= 1.8 * amount, so the compressed forehead cannot fold) and quickly toward
 * the upper lids (stretching only), so the lids stay where they are. Fades over the temples.
 */
export function raiseBrows(img: RgbaImage, landmarks: ArrayLike<number>, amount: number): RgbaImage {
  const browR = point(landmarks, LM.rightBrowMid);
  const browL = point(landmarks, LM.leftBrowMid);
  const lidR = point(landmarks, LM.rightEyeUpperLid);
  const lidL = point(landmarks, LM.leftEyeUpperLid);
  const outerR = point(landmarks, LM.rightBrowOuter);
  const outerL = point(landmarks, LM.leftBrowOuter);
  const browY = (browR[1] + browL[1]) / 2;
  const gap = (lidR[1] + lidL[1]) / 2 - browY;
  const sigmaAbove = Math.max(1.8 * amount, gap);
  const sigmaBelow = gap / 3;
  const span = outerL[0] - outerR[0];
  const x0 = outerR[0] - 0.1 * span;
  const x1 = outerL[0] + 0.1 * span;
  const margin = 0.2 * span;
  const weight = (x: number, y: number) =>
    smoothstep(x0 - margin, x0, x) *
    (1 - smoothstep(x1, x1 + margin, x)) *
    Math.exp(-0.5 * ((y - browY) / (y < browY ? sigmaAbove : sigmaBelow)) ** 2);
  return remapRGBA(img, img.width, img.height, (x, y, xy) => {
    // The source row ys moves to ys - amount * weight(ys), monotonic in ys: bisect for y.
    let lo = y - 1;
    let hi = y + amount + 1;
    for (let k = 0; k < 30; k++) {
      const mid = (lo + hi) / 2;
      if (mid - amount * weight(x, mid) < y) lo = mid;
      else hi = mid;
    }
    xy[0] = x;
    xy[1] = (lo + hi) / 2;
  });
}

/** The similarity rotateImage applies (source pixel -> output pixel), for checks on tracked landmarks. */
export function rotationSimilarity(angleRad: number, cx: number, cy: number) {
  const c = Math.cos(-angleRad);
  const s = Math.sin(-angleRad);
  return similarityFromPairs([cx, cy], [cx + 1, cy], [cx, cy], [cx + c, cy + s]);
}
