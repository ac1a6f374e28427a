import { COLOR_CHANNELS, colorLogitFor, DENSITY_CHANNELS, PLANE_DENSITY_MAX, SURFACE_LEVEL } from './decoder';
import { createTriplane, PLANE, TRIPLANE_RESOLUTION, type Triplane } from './layout';
import { addColor, addField, ellipsoidField, gaussianField, type PlaneField, type Vec3 } from './primitives';

/**
 * A synthetic head in the analytic decoder's feature space, for tests, benches and the demo
 * sender: a textured ellipsoid skull (density channel 0) with a nose, ears and a neck
 * (channel 1, united by the decoder's max), skin, hair, eyes, brows and lips as colour logits.
 * It faces +z (toward the frontal camera), +y is up, +x is the head's left (image right).
 * Not a person and not derived from one.
 */
export const SYNTHETIC_HEAD_CENTER: Vec3 = [0, 0.03, -0.02];
const HEAD_RADII: Vec3 = [0.24, 0.32, 0.29];
const BLOB_AMPLITUDE = 0.9;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const rgbLogits = (r: number, g: number, b: number): Vec3 => [colorLogitFor(r), colorLogitFor(g), colorLogitFor(b)];

export function createSyntheticHead(resolution = TRIPLANE_RESOLUTION): Triplane {
  const t = createTriplane(resolution);
  const [cx, cy, cz] = SYNTHETIC_HEAD_CENTER;
  const d0 = DENSITY_CHANNELS[0];
  const d1 = DENSITY_CHANNELS[1];
  const rgb0 = COLOR_CHANNELS[0];

  addField(t, d0, ellipsoidField(SYNTHETIC_HEAD_CENTER, HEAD_RADII, PLANE_DENSITY_MAX, SURFACE_LEVEL));

  // Features united with the skull through channel 1 (per-plane amplitude keeps ghosts empty).
  const front = cz + HEAD_RADII[2];
  const blob = (c: Vec3, r: Vec3) =>
    addField(t, d1, gaussianField(c, [r[0] / 0.7, r[1] / 0.7, r[2] / 0.7], BLOB_AMPLITUDE));
  blob([0, cy - 0.06, front - 0.02], [0.03, 0.065, 0.07]); // nose
  blob([cx - HEAD_RADII[0], cy - 0.02, cz - 0.02], [0.025, 0.05, 0.035]); // ears
  blob([cx + HEAD_RADII[0], cy - 0.02, cz - 0.02], [0.025, 0.05, 0.035]);
  // Neck: a vertical cylinder (zx plane) that only reaches the surface level below the jaw, where the
  // xy and yz planes add a function of y. Both parts stay >= 0 so they cannot cancel the blobs above.
  const neck: PlaneField = (plane, u, v) => {
    if (plane === PLANE.zx)
      return Math.max(0, PLANE_DENSITY_MAX - (0.4 * ((u - (cz - 0.03)) ** 2 + (v - cx) ** 2)) / 0.1 ** 2);
    const y = plane === PLANE.xy ? v : u;
    return 0.55 * (1 - sigmoid((y - (cy - 0.22)) / 0.02));
  };
  addField(t, d1, neck);

  // Skin everywhere (a third of the logit on each plane), with a faint texture.
  const skin = rgbLogits(0.87, 0.69, 0.58);
  addColor(t, rgb0, skin, () => 1 / 3);
  addField(t, rgb0, (_p, u, v) => 0.06 * Math.sin(61 * u) * Math.sin(53 * v));
  // Hair: the top and back of the head, painted on the yz plane (it spans every x).
  const hair: Vec3 = [-3.6, -3.1, -2.9];
  addColor(t, rgb0, hair, (plane, u, v) => {
    if (plane !== PLANE.yz) return 0;
    const top = sigmoid((u - (cy + 0.17)) / 0.015) * sigmoid((front - 0.04 - v) / 0.02);
    const back = sigmoid((cz - 0.03 - v) / 0.02) * sigmoid((u - (cy - 0.1)) / 0.03);
    return Math.max(top, back);
  });
  // Face details on the xy plane (seen from the front).
  const ellipse =
    (x0: number, y0: number, rx: number, ry: number, edge = 0.15) =>
    (plane: number, u: number, v: number) => {
      if (plane !== PLANE.xy) return 0;
      const q = Math.hypot((u - x0) / rx, (v - y0) / ry);
      return sigmoid((1 - q) / edge);
    };
  for (const side of [-1, 1]) {
    const ex = cx + side * 0.085;
    const ey = cy + 0.05;
    addColor(t, rgb0, [2.5, 2.5, 2.5], ellipse(ex, ey, 0.04, 0.018)); // sclera
    addColor(t, rgb0, [-5.5, -5, -4], ellipse(ex, ey, 0.016, 0.016)); // iris and pupil
    addColor(t, rgb0, [-3.5, -3.2, -3.0], ellipse(ex, ey + 0.045, 0.045, 0.008, 0.3)); // brow
  }
  addColor(t, rgb0, [0.6, -1.6, -1.2], ellipse(cx, cy - 0.15, 0.065, 0.016)); // lips
  addColor(t, rgb0, [0.5, -0.3, -0.2], ellipse(cx, cy - 0.07, 0.2, 0.06, 0.6)); // cheeks
  return t;
}
