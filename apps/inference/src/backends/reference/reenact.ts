import { FACE_OVAL_LOOP, INNER_LIP_LOOP, MESH_LANDMARK_COUNT, triangulate } from '@holocall/face';
import { HolocallError } from '@holocall/protocol';
import type { BackendInfo, ReenactBackend, ReenactInput, ResidualTriplane } from '../../stages/contract';
import { COLOR_CHANNELS, colorLogitFor, DENSITY_CHANNELS } from '../../triplane/decoder';
import { createTriplane, PLANE, planeChannelOffset, type Triplane } from '../../triplane/layout';
import { REFERENCE_BACKEND_INFO } from './backend-info';
import { frontA } from './encode-planes';
import { buildRig, type ExpressionRig, rigDisplacements } from './expression-rig';
import type { ReferenceModel } from './lift';

/**
 * The reference (classical) reenact stage: a landmark expression code becomes a residual
 * tri-plane that MOVES the face in canonical space, the volumetric counterpart of warping:
 *
 *   1. the rig (expression-rig.ts) turns the code into a displacement of every mesh landmark,
 *      relative to the SOURCE's own landmarks (a zero code is the source expression);
 *   2. the landmarks plus a still ring around the face are triangulated once per source; per
 *      frame the displaced triangles are rasterised over the xy grid, which gives, exactly and
 *      without iteration, where every texel's content comes from (a piecewise-affine inverse
 *      warp);
 *   3. the front relief and the colours are resampled through that map; where the lips part
 *      beyond the source's own gap, the upper teeth ride with the upper lip, the lower teeth
 *      with the lower lip, and the new gap between them recedes and turns mouth-dark;
 *   4. the residual is the difference to the source's planes, on the xy plane's front-density
 *      and colour channels, and only over the face's box: everything else stays exactly zero.
 * Head pose is not in the residual: it is the camera. A source can be driven when its source
 * face carries the reference lift's model; per source, the rig, triangulation and a residual
 * buffer are computed once from that model and kept with it.
 */
export const REFERENCE_REENACT_NAME = REFERENCE_BACKEND_INFO.reenact;

/** The mouth interior appears once the lips part this many texels beyond the source's own gap ... */
const MOUTH_OPEN_MIN_TEXELS = 0.3;
/** ... and is fully dark from this opening on. */
const MOUTH_OPEN_FULL_TEXELS = 2;
/** Inner lip outlines, from the person's right mouth corner (78) to the left one (308). */
const UPPER_LIP = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308] as const;
const LOWER_LIP = [78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308] as const;
/** How far (world units) the open mouth's surface recedes. */
export const MOUTH_RECESS = 0.035;
/** Mouth interior colour (linear RGB, 0..1): dark red-brown, darker at the centre. */
const MOUTH_EDGE: [number, number, number] = [0.32, 0.12, 0.12];
const MOUTH_CORE: [number, number, number] = [0.12, 0.04, 0.05];
/** The still ring sits this far out from the face centre, relative to the face outline. */
const RING_SCALE = 1.35;
/** A code whose every value is below this is treated as zero (the source expression). */
const ZERO_CODE_EPS = 1e-6;

interface SourceState {
  model: ReferenceModel;
  rig: ExpressionRig;
  /** Triangulated points in continuous grid coordinates: landmarks (0..477) then the still ring. */
  srcGrid: Float64Array;
  triangles: Uint32Array;
  /** Texel box the warp may touch: [i0, i1) x [j0, j1). */
  box: [number, number, number, number];
  /**
   * Written over the whole box on every non-zero code, zero elsewhere forever. Carries the
   * frame's warp (srcU/srcV and photoWeight) so renderers can texture through it.
   */
  residual: ResidualTriplane | null;
  displacement: Float64Array;
  target: Float64Array;
  // Per-texel scratch over the box.
  srcU: Float32Array;
  srcV: Float32Array;
  /** How much of the source photo each box texel keeps (1 - the opened mouth's darkening). */
  photoWeight: Float32Array;
}

function buildState(model: ReferenceModel): SourceState {
  const R = model.resolution;
  const w = model.face.world;
  const toGrid = (v: number) => (v + 0.5) * R; // BOX_WARP = 1
  const ringCount = FACE_OVAL_LOOP.length;
  const count = MESH_LANDMARK_COUNT + 10 + ringCount;
  const srcGrid = new Float64Array(2 * count);
  for (let i = 0; i < MESH_LANDMARK_COUNT + 10; i++) {
    srcGrid[2 * i] = toGrid(w[3 * i]!);
    srcGrid[2 * i + 1] = toGrid(w[3 * i + 1]!);
  }
  let cx = 0;
  let cy = 0;
  for (const i of FACE_OVAL_LOOP) {
    cx += srcGrid[2 * i]!;
    cy += srcGrid[2 * i + 1]!;
  }
  cx /= ringCount;
  cy /= ringCount;
  FACE_OVAL_LOOP.forEach((i, k) => {
    const q = MESH_LANDMARK_COUNT + 10 + k;
    srcGrid[2 * q] = cx + RING_SCALE * (srcGrid[2 * i]! - cx);
    srcGrid[2 * q + 1] = cy + RING_SCALE * (srcGrid[2 * i + 1]! - cy);
  });
  // Triangulate the mesh points, the two iris centres and the ring (not the iris rings: they
  // would crowd the lids with slivers).
  const use: number[] = [];
  for (let i = 0; i < MESH_LANDMARK_COUNT; i++) use.push(i);
  use.push(468, 473);
  for (let k = 0; k < ringCount; k++) use.push(MESH_LANDMARK_COUNT + 10 + k);
  const xy = new Float64Array(2 * use.length);
  use.forEach((i, k) => {
    xy[2 * k] = srcGrid[2 * i]!;
    xy[2 * k + 1] = srcGrid[2 * i + 1]!;
  });
  const local = triangulate(xy).triangles;
  const triangles = new Uint32Array(local.length);
  for (let k = 0; k < local.length; k++) triangles[k] = use[local[k]!]!;
  let i0 = R;
  let j0 = R;
  let i1 = 0;
  let j1 = 0;
  for (let k = 0; k < ringCount; k++) {
    const q = MESH_LANDMARK_COUNT + 10 + k;
    i0 = Math.min(i0, Math.floor(srcGrid[2 * q]!) - 2);
    i1 = Math.max(i1, Math.ceil(srcGrid[2 * q]!) + 2);
    j0 = Math.min(j0, Math.floor(srcGrid[2 * q + 1]!) - 2);
    j1 = Math.max(j1, Math.ceil(srcGrid[2 * q + 1]!) + 2);
  }
  const box: [number, number, number, number] = [Math.max(0, i0), Math.max(0, j0), Math.min(R, i1), Math.min(R, j1)];
  const area = (box[2] - box[0]) * (box[3] - box[1]);
  return {
    model,
    rig: buildRig(model.face.canonical),
    srcGrid,
    triangles,
    box,
    residual: null,
    displacement: new Float64Array(2 * (MESH_LANDMARK_COUNT + 10)),
    target: new Float64Array(srcGrid.length),
    srcU: new Float32Array(area),
    srcV: new Float32Array(area),
    photoWeight: new Float32Array(area).fill(1),
  };
}

function bilinear(field: Float32Array, R: number, offset: number, u: number, v: number): number {
  const fx = Math.min(R - 1, Math.max(0, u - 0.5));
  const fy = Math.min(R - 1, Math.max(0, v - 0.5));
  const x0 = Math.min(R - 2, Math.floor(fx));
  const y0 = Math.min(R - 2, Math.floor(fy));
  const ax = fx - x0;
  const ay = fy - y0;
  const b = offset + y0 * R + x0;
  return (
    (field[b]! * (1 - ax) + field[b + 1]! * ax) * (1 - ay) + (field[b + R]! * (1 - ax) + field[b + R + 1]! * ax) * ay
  );
}

/** y of a lip outline (points in grid units) at x, by linear interpolation along the polyline. */
function polyAt(pts: Float64Array, line: readonly number[], x: number): number {
  let prevX = pts[2 * line[0]!]!;
  let prevY = pts[2 * line[0]! + 1]!;
  if (x <= prevX) return prevY;
  for (let k = 1; k < line.length; k++) {
    const cx = pts[2 * line[k]!]!;
    const cy = pts[2 * line[k]! + 1]!;
    if (x <= cx) return cx > prevX ? prevY + ((cy - prevY) * (x - prevX)) / (cx - prevX) : cy;
    prevX = cx;
    prevY = cy;
  }
  return prevY;
}

const smoothstep = (e0: number, e1: number, x: number) => {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
};

/** True when every value of the code is below the noise floor: the source expression, no residual. */
function isZeroCode(code: ArrayLike<number>): boolean {
  for (let k = 0; k < code.length; k++) if (Math.abs(code[k] as number) > ZERO_CODE_EPS) return false;
  return true;
}

/** Step 1: the rig's landmark displacements for `code` -> target positions (grid units; canonical axes = world axes). */
function displaceLandmarks(state: SourceState, code: ArrayLike<number>): void {
  const texelsPerIod = state.model.face.iod * state.model.resolution;
  rigDisplacements(state.rig, code, state.displacement);
  state.target.set(state.srcGrid);
  for (let i = 0; i < MESH_LANDMARK_COUNT + 10; i++) {
    state.target[2 * i] = state.srcGrid[2 * i]! + texelsPerIod * state.displacement[2 * i]!;
    state.target[2 * i + 1] = state.srcGrid[2 * i + 1]! + texelsPerIod * state.displacement[2 * i + 1]!;
  }
}

/**
 * Step 2: where each texel of the box takes its content from (srcU, srcV), by rasterising the
 * displaced triangles: an exact piecewise-affine inverse warp, identity where none covers.
 */
function mapTexelsToSource(state: SourceState): void {
  const [i0, j0, i1, j1] = state.box;
  const bw = i1 - i0;
  for (let j = j0; j < j1; j++) {
    for (let i = i0; i < i1; i++) {
      const c = (j - j0) * bw + (i - i0);
      state.srcU[c] = i + 0.5;
      state.srcV[c] = j + 0.5;
    }
  }
  const s = state.srcGrid;
  const t = state.target;
  const tri = state.triangles;
  for (let k = 0; k < tri.length; k += 3) {
    const a = tri[k]!;
    const b = tri[k + 1]!;
    const c = tri[k + 2]!;
    const ax = t[2 * a]!;
    const ay = t[2 * a + 1]!;
    const bx = t[2 * b]!;
    const by = t[2 * b + 1]!;
    const cx = t[2 * c]!;
    const cy = t[2 * c + 1]!;
    const det = (by - cy) * (ax - cx) + (cx - bx) * (ay - cy);
    if (det <= 1e-12) continue; // folded or degenerate: leave to its neighbours
    const xs = Math.max(i0, Math.floor(Math.min(ax, bx, cx) - 0.5));
    const xe = Math.min(i1 - 1, Math.ceil(Math.max(ax, bx, cx) - 0.5));
    const ys = Math.max(j0, Math.floor(Math.min(ay, by, cy) - 0.5));
    const ye = Math.min(j1 - 1, Math.ceil(Math.max(ay, by, cy) - 0.5));
    for (let j = ys; j <= ye; j++) {
      const py = j + 0.5;
      for (let i = xs; i <= xe; i++) {
        const px = i + 0.5;
        const w0 = ((by - cy) * (px - cx) + (cx - bx) * (py - cy)) / det;
        const w1 = ((cy - ay) * (px - cx) + (ax - cx) * (py - cy)) / det;
        const w2 = 1 - w0 - w1;
        if (w0 < -1e-9 || w1 < -1e-9 || w2 < -1e-9) continue;
        const cell = (j - j0) * bw + (i - i0);
        state.srcU[cell] = w0 * s[2 * a]! + w1 * s[2 * b]! + w2 * s[2 * c]!;
        state.srcV[cell] = w0 * s[2 * a + 1]! + w1 * s[2 * b + 1]! + w2 * s[2 * c + 1]!;
      }
    }
  }
}

/** The opened mouth of one frame, in target grid units (null while the lips part no more than the source's own gap). */
interface MouthOpening {
  /** Target mouth corners (x): the person's right (xr) and left (xl). */
  xr: number;
  xl: number;
  /** The same corners in the source. */
  sxr: number;
  sxl: number;
  /** 0..1: fades in over the first texels of opening, so a barely parted mouth is not a black line. */
  amount: number;
  /** Target inner-lip vertical bounds and centre. */
  y0: number;
  y1: number;
  cx: number;
  cy: number;
  /** Half the target mouth width (>= 1): the dark core's falloff. */
  radius: number;
}

/** Step 3a: how far the target's lips part beyond the source's own gap, and where. */
function mouthOpening(state: SourceState): MouthOpening | null {
  const s = state.srcGrid;
  const t = state.target;
  let my0 = Number.POSITIVE_INFINITY;
  let my1 = Number.NEGATIVE_INFINITY;
  let mcx = 0;
  let mcy = 0;
  for (const i of INNER_LIP_LOOP) {
    my0 = Math.min(my0, t[2 * i + 1]!);
    my1 = Math.max(my1, t[2 * i + 1]!);
    mcx += t[2 * i]!;
    mcy += t[2 * i + 1]!;
  }
  mcx /= INNER_LIP_LOOP.length;
  mcy /= INNER_LIP_LOOP.length;
  const gapT = polyAt(t, UPPER_LIP, mcx) - polyAt(t, LOWER_LIP, mcx);
  const mouthCenterS = (s[2 * UPPER_LIP[0]!]! + s[2 * UPPER_LIP[UPPER_LIP.length - 1]!]!) / 2;
  const gapS = polyAt(s, UPPER_LIP, mouthCenterS) - polyAt(s, LOWER_LIP, mouthCenterS);
  const opened = gapT - gapS;
  if (!(opened > MOUTH_OPEN_MIN_TEXELS)) return null;
  const xr = t[2 * UPPER_LIP[0]!]!;
  const xl = t[2 * UPPER_LIP[UPPER_LIP.length - 1]!]!;
  return {
    xr,
    xl,
    sxr: s[2 * UPPER_LIP[0]!]!,
    sxl: s[2 * UPPER_LIP[UPPER_LIP.length - 1]!]!,
    amount: smoothstep(MOUTH_OPEN_MIN_TEXELS, MOUTH_OPEN_FULL_TEXELS, opened),
    y0: my0,
    y1: my1,
    cx: mcx,
    cy: mcy,
    radius: Math.max(1, (xl - xr) / 2),
  };
}

/**
 * Step 3b, one texel (px, py) inside the opening mouth's box: upper teeth ride with the upper
 * lip, lower teeth with the lower lip, and the new gap between them is the dark, receding mouth
 * interior. Returns the front relief; writes the colour into `rgb`. `h` and `rgb` come in as the
 * warp's sample at (u, v) and are returned unchanged outside the lips' band.
 */
function shadeMouthTexel(
  state: SourceState,
  mouth: MouthOpening,
  px: number,
  py: number,
  v: number,
  h: number,
  rgb: number[],
  cell: number,
): number {
  const s = state.srcGrid;
  const t = state.target;
  const R = state.model.resolution;
  const n = R * R;
  const { front } = state.model.fields;
  const colors = state.model.colors;
  const uT = (px - mouth.xr) / (mouth.xl - mouth.xr);
  const upT = polyAt(t, UPPER_LIP, px);
  const loT = polyAt(t, LOWER_LIP, px);
  if (!(py < upT + 0.5 && py > loT - 0.5)) return h;
  const xs = mouth.sxr + uT * (mouth.sxl - mouth.sxr);
  const upS = polyAt(s, UPPER_LIP, xs);
  const loS = polyAt(s, LOWER_LIP, xs);
  const half = Math.max(0, (upS - loS) / 2);
  let vs = v;
  if (py >= upT - half) vs = upS - (upT - py);
  else if (py <= loT + half) vs = loS + (py - loT);
  const edge = Math.min(upT - half - py, py - (loT + half));
  let open = smoothstep(-0.5, 0.5, edge) * mouth.amount;
  // Soften the lip line itself (half a texel inside the outline).
  open *= smoothstep(-0.5, 0.5, Math.min(upT - py, py - loT));
  state.photoWeight[cell] = 1 - open;
  let shaded = bilinear(front, R, 0, xs, vs);
  for (let ch = 0; ch < 3; ch++) rgb[ch] = bilinear(colors, R, ch * n, xs, vs);
  if (open > 0) {
    const core = 1 - Math.min(1, Math.hypot(px - mouth.cx, py - mouth.cy) / mouth.radius);
    shaded -= MOUTH_RECESS * open;
    for (let ch = 0; ch < 3; ch++) {
      const dark = MOUTH_EDGE[ch]! + (MOUTH_CORE[ch]! - MOUTH_EDGE[ch]!) * core;
      rgb[ch] = rgb[ch]! + (dark - rgb[ch]!) * open;
    }
  }
  return shaded;
}

/**
 * Steps 3-4 over the box: resample relief and colour through the map, shade the opening mouth,
 * and write the differences to the source on the xy plane's front-density and colour channels.
 * Texels the warp leaves in place are exactly zero.
 */
function writeResidual(state: SourceState, source: Triplane, mouth: MouthOpening | null): void {
  const { model, box } = state;
  const R = model.resolution;
  const [i0, j0, i1, j1] = box;
  const bw = i1 - i0;
  if (!state.residual) {
    state.residual = Object.assign(createTriplane(R, source.channels), {
      textureWarp: { resolution: R, box, srcU: state.srcU, srcV: state.srcV, photoWeight: state.photoWeight },
    });
  }
  const residual = state.residual;
  const res = residual.data;
  const srcData = source.data;
  const a1 = planeChannelOffset(residual, PLANE.xy, DENSITY_CHANNELS[1]);
  const rgbOff = COLOR_CHANNELS.map((ch) => planeChannelOffset(residual, PLANE.xy, ch));
  const n = R * R;
  const { front } = model.fields;
  const colors = model.colors;
  const rgb = [0, 0, 0];
  for (let j = j0; j < j1; j++) {
    for (let i = i0; i < i1; i++) {
      const p = j * R + i;
      const cell = (j - j0) * bw + (i - i0);
      const u = state.srcU[cell]!;
      const v = state.srcV[cell]!;
      const px = i + 0.5;
      const py = j + 0.5;
      state.photoWeight[cell] = 1;
      if (u === px && v === py) {
        // Left in place (the mouth shading only ever applies to warped texels' samples).
        res[a1 + p] = 0;
        for (let ch = 0; ch < 3; ch++) res[rgbOff[ch]! + p] = 0;
        continue;
      }
      let h = bilinear(front, R, 0, u, v);
      for (let ch = 0; ch < 3; ch++) rgb[ch] = bilinear(colors, R, ch * n, u, v);
      if (mouth && px > mouth.xr && px < mouth.xl && py > mouth.y0 - 1 && py < mouth.y1 + 1) {
        h = shadeMouthTexel(state, mouth, px, py, v, h, rgb, cell);
      }
      // Same offsets in the source tri-plane (same resolution and channel count).
      res[a1 + p] = frontA(model.layout, i, h) - srcData[a1 + p]!;
      for (let ch = 0; ch < 3; ch++) res[rgbOff[ch]! + p] = colorLogitFor(rgb[ch]!) - srcData[rgbOff[ch]! + p]!;
    }
  }
}

/** Computes the residual for one code into the state's buffer; false when the code is zero. */
export function referenceResidual(state: SourceState, source: Triplane, code: ArrayLike<number>): boolean {
  if (isZeroCode(code)) return false;
  displaceLandmarks(state, code);
  mapTexelsToSource(state);
  writeResidual(state, source, mouthOpening(state));
  return true;
}

export class ReferenceReenact implements ReenactBackend {
  readonly name = REFERENCE_REENACT_NAME;
  readonly untrained = false;
  readonly info: BackendInfo = {
    id: REFERENCE_BACKEND_INFO.id,
    label: REFERENCE_BACKEND_INFO.label,
    trained: REFERENCE_BACKEND_INFO.trained,
  };
  readonly needsReferenceModel = true;
  /**
   * Per-source working state (rig, triangulation, residual buffer), built on first use (a few
   * ms) and memoised on the source's own reference model, so it goes when that avatar goes.
   * Whether a source can be driven at all is the data's to say (`sourceFace.reference`).
   */
  private readonly states = new WeakMap<ReferenceModel, SourceState>();

  private stateFor(input: ReenactInput): SourceState {
    const model = input.sourceFace.reference;
    if (!model) {
      throw new HolocallError('not_found', 'reference reenact: this source was not lifted by the reference backend', {
        details: { resolution: input.source.resolution },
      });
    }
    let state = this.states.get(model);
    if (!state) {
      state = buildState(model);
      this.states.set(model, state);
    }
    return state;
  }

  async residual(input: ReenactInput): Promise<Triplane | null> {
    const driver = input.driver;
    if (driver.kind !== 'landmarks') return null;
    const state = this.stateFor(input);
    return referenceResidual(state, input.source, driver.code) ? state.residual : null;
  }
}
