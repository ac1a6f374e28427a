import { describe, expect, it } from 'vitest';
import { CpuRenderStage } from '../src/render/cpu-render-stage';
import { RenderPool } from '../src/render/render-pool';
import { blobTriplane, centroidOf, lookAt, orbit } from './support/triplane-scenes';

/**
 * A tri-plane holding a red blob at +x, a green one at +y and a blue one at +z (the face side)
 * must render where the EG3D / protocol convention puts them from every side.
 */
describe('camera conventions', () => {
  const size = 64;
  const t = blobTriplane(64, [
    { at: [0.25, 0, 0], rgb: [7, -7, -7] },
    { at: [0, 0.25, 0], rgb: [-7, 7, -7] },
    { at: [0, 0, 0.25], rgb: [-7, -7, 7] },
  ]);

  async function render(cam: Float32Array) {
    const stage = new CpuRenderStage(await RenderPool.start(0));
    const prepared = await stage.prepare(t);
    const f = await stage.render(prepared, null, {
      cameras: [cam],
      layout: { kind: 'flat' },
      tileWidth: size,
      tileHeight: size,
      quality: 'balanced',
    });
    const pixels = f.pixels.slice();
    await stage.close();
    return {
      red: centroidOf(pixels, size, size, 0),
      green: centroidOf(pixels, size, size, 1),
      blue: centroidOf(pixels, size, size, 2),
    };
  }

  const mid = size / 2;
  it('front (camera on +z): +x appears right, +y up, +z in the middle', async () => {
    const { red, green, blue } = await render(orbit(0));
    expect(red.n).toBeGreaterThan(10);
    expect(red.x).toBeGreaterThan(mid + 8);
    expect(Math.abs(red.y - mid)).toBeLessThan(6);
    expect(green.y).toBeLessThan(mid - 8);
    expect(Math.abs(green.x - mid)).toBeLessThan(4);
    expect(Math.abs(blue.x - mid)).toBeLessThan(4);
  });

  it("from the head's left (camera on +x, yaw +90°): the face (+z) appears on the left", async () => {
    const { red, green, blue } = await render(orbit(Math.PI / 2));
    expect(Math.abs(red.x - mid)).toBeLessThan(6);
    expect(blue.x).toBeLessThan(mid - 8);
    expect(green.y).toBeLessThan(mid - 8);
  });

  it("from the head's right (camera on -x, yaw -90°): the face appears on the right", async () => {
    const { green, blue } = await render(orbit(-Math.PI / 2));
    expect(blue.x).toBeGreaterThan(mid + 8);
    expect(green.y).toBeLessThan(mid - 8);
  });

  it('from above (camera on +y, image up toward the back): +x right, face toward the bottom', async () => {
    const { red, green, blue } = await render(lookAt([0, 2.7, 0], [0, 0, 0], [0, 0, -1]));
    expect(red.x).toBeGreaterThan(mid + 8);
    expect(blue.y).toBeGreaterThan(mid + 8);
    expect(Math.abs(green.x - mid)).toBeLessThan(6);
    expect(Math.abs(green.y - mid)).toBeLessThan(6);
  });

  it('from behind (yaw 180°): +x appears left', async () => {
    const { red } = await render(orbit(Math.PI));
    expect(red.x).toBeLessThan(mid - 8);
  });
});
