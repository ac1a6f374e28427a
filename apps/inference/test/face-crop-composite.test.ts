import { describe, expect, it } from 'vitest';
import { affineFrom3, type CropPlacement, compositeFaceCrop, registerCrop } from '../src/render/face-crop-composite';

/** A smooth texture at continuous crop index (i, j) (registration needs something to find). */
const texture = (i: number, j: number): [number, number, number] => [
  128 + 100 * Math.sin(i / 3),
  128 + 100 * Math.cos(j / 4),
  128 + 60 * Math.sin((i + j) / 5),
];

/** The texture as a crop, its content moved `shift` pixels to the right. */
function texturedCrop(size: number, shift = 0) {
  const data = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      data.set([...texture(x - shift, y), 255], (y * size + x) * 4);
    }
  return { width: size, height: size, data };
}

/** Output = the unmoved texture at 2x (crop index = (x + 0.5) / 2 - 0.5), fully covered. */
function outputOf(size: number) {
  const w = size * 2;
  const out = new Uint8ClampedArray(w * w * 4);
  for (let y = 0; y < w; y++)
    for (let x = 0; x < w; x++) out.set([...texture((x + 0.5) / 2 - 0.5, (y + 0.5) / 2 - 0.5), 255], (y * w + x) * 4);
  return out;
}

const placement = (w: number): CropPlacement => ({
  toCrop: [0.5, 0, 0, 0, 0.5, 0],
  regions: [{ cx: 32, cy: 32, rx: 10, ry: 8 }],
  strength: 1,
  box: [0, 0, w, w],
});

describe('face crop composite', () => {
  it('maps three points exactly and refuses a degenerate triangle', () => {
    const m = affineFrom3(
      [
        [0, 0],
        [10, 0],
        [0, 10],
      ],
      [
        [5, 5],
        [25, 7],
        [3, 25],
      ],
    );
    expect(m).not.toBeNull();
    const [a, b, c, d, e, f] = m as [number, number, number, number, number, number];
    expect([a * 10 + c, d * 10 + f]).toEqual([25, 7]);
    expect([b * 10 + c, e * 10 + f]).toEqual([3, 25]);
    expect(
      affineFrom3(
        [
          [0, 0],
          [1, 1],
          [2, 2],
        ],
        [
          [0, 0],
          [1, 0],
          [0, 1],
        ],
      ),
    ).toBeNull();
  });

  it('paints only inside the regions, where the head covers the output, fading at the edge', () => {
    const crop = { width: 64, height: 64, data: new Uint8ClampedArray(64 * 64 * 4).fill(255) };
    const out = new Uint8ClampedArray(128 * 128 * 4);
    for (let p = 0; p < 128 * 128; p++) out[4 * p + 3] = p < 128 * 64 ? 255 : 0; // top half covered
    const painted = compositeFaceCrop(out, 128, crop, placement(128));
    expect(painted).toBeGreaterThan(0);
    expect(out[(64 * 128 + 64) * 4 - 128 * 4 * 2]).toBe(255); // centre row just above the uncovered half
    expect(out[(10 * 128 + 10) * 4]).toBe(0); // outside the ellipse
    expect(out[(70 * 128 + 64) * 4]).toBe(0); // inside the ellipse but not covered
    const edge = out[(64 * 128 - 128 + 64 + 19) * 4 - 128 * 4 * 1] as number; // near the ellipse's rim
    expect(edge).toBeLessThan(255);
  });

  it('finds a crop that sits a pixel off and moves it back', () => {
    const out = outputOf(64);
    const shifted = texturedCrop(64, 1.25); // content one and a quarter pixels to the right
    const p = placement(128);
    const [du] = registerCrop(out, 128, shifted, p);
    expect(du).toBeCloseTo(1.25, 1);
  });
});
