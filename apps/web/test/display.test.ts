import { FlatView, MAX_VIEW_OFFSET_RAD, QuiltView, quiltTileOrigin } from '@holocall/protocol';
import { describe, expect, it } from 'vitest';
import { lenticularUniforms, parseCalibration, viewFraction } from '../src/client/display/calibration';
import { QUILT_PRESETS, tileSize } from '../src/client/display/quilt-presets';
import { MAX_PARALLAX_RAD, STEREO_CONE_DEG, viewSpecFor } from '../src/client/display/view-spec';

/** A Looking Glass Portrait calibration as the device's visual.json has it ({ value } objects). */
const PORTRAIT = JSON.stringify({
  configVersion: '3.0',
  serial: 'LKG-P-TEST',
  pitch: { value: 52.58 },
  slope: { value: -7.19 },
  center: { value: 0.565 },
  viewCone: { value: 40 },
  invView: { value: 1 },
  verticalAngle: { value: 0 },
  DPI: { value: 324 },
  screenW: { value: 1536 },
  screenH: { value: 2048 },
  flipImageX: { value: 0 },
  flipImageY: { value: 0 },
  flipSubp: { value: 0 },
});

describe('Looking Glass calibration', () => {
  it('parses a device file with { value } fields', () => {
    const c = parseCalibration(PORTRAIT);
    expect(c).toMatchObject({
      pitch: 52.58,
      slope: -7.19,
      center: 0.565,
      dpi: 324,
      screenW: 1536,
      screenH: 2048,
      invView: true,
    });
    expect(c.viewConeDeg).toBe(40);
  });

  it('accepts plain numbers and lower-case dpi', () => {
    const c = parseCalibration(
      JSON.stringify({ pitch: 50, slope: 5, center: 0.1, dpi: 300, screenW: 2560, screenH: 1600 }),
    );
    expect(c.dpi).toBe(300);
    expect(c.flipImageX).toBe(false);
  });

  it.each([
    ['not JSON', '{'],
    ['no pitch', JSON.stringify({ slope: 1, center: 0, DPI: 1, screenW: 1, screenH: 1 })],
    ['zero slope', JSON.stringify({ pitch: 1, slope: 0, center: 0, DPI: 1, screenW: 1, screenH: 1 })],
    ['no DPI', JSON.stringify({ pitch: 1, slope: 1, center: 0, screenW: 1, screenH: 1 })],
    ['a huge screen', JSON.stringify({ pitch: 1, slope: 1, center: 0, DPI: 1, screenW: 1e9, screenH: 1 })],
  ])('refuses %s', (_, text) => {
    expect(() => parseCalibration(text)).toThrow();
  });

  it('derives the runtime uniforms: slant-corrected pitch, tilt, subpixel step', () => {
    const c = parseCalibration(PORTRAIT);
    const k = lenticularUniforms(c);
    expect(k.pitch).toBeCloseTo(52.58 * (1536 / 324) * Math.cos(Math.atan(1 / -7.19)), 9);
    expect(k.tilt).toBeCloseTo(2048 / (1536 * -7.19), 9);
    expect(k.subp).toBeCloseTo(1 / (3 * 1536), 12);
    expect([k.ri, k.bi]).toEqual([0, 2]);
    const flipped = lenticularUniforms({ ...c, flipImageX: true, flipSubp: true });
    expect(flipped.subp).toBeCloseTo(-k.subp, 12);
    expect([flipped.ri, flipped.bi]).toEqual([2, 0]);
  });

  it('maps every subpixel to a view in [0, 1); neighbouring subpixels step by pitch/3 screen widths', () => {
    const k = lenticularUniforms(parseCalibration(PORTRAIT));
    for (let i = 0; i < 500; i++) {
      const u = (i * 0.618) % 1;
      const v = (i * 0.377) % 1;
      for (let sub = 0; sub < 3; sub++) {
        const f = viewFraction(u, v, sub, k);
        expect(f).toBeGreaterThanOrEqual(0);
        expect(f).toBeLessThanOrEqual(1);
      }
    }
    // Without inversion, one subpixel to the right moves the view by subp * pitch (mod 1).
    const plain = { ...k, invView: 0 };
    const a = viewFraction(0.3, 0.4, 0, plain);
    const b = viewFraction(0.3, 0.4, 1, plain);
    expect((b - a + 1) % 1).toBeCloseTo((k.subp * k.pitch + 1) % 1, 9);
  });
});

describe('quilt presets', () => {
  it('has the Looking Glass layouts: Portrait 8x6, 16" and 32" 5x9, Go 11x6', () => {
    const layouts = Object.fromEntries(QUILT_PRESETS.map((p) => [p.id, [p.cols, p.rows]]));
    expect(layouts).toEqual({ portrait: [8, 6], lg16: [5, 9], lg32: [5, 9], go: [11, 6] });
  });

  it('puts view 0 bottom-left and the last view top-right', () => {
    for (const p of QUILT_PRESETS) {
      expect(quiltTileOrigin(0, p)).toEqual({ col: 0, row: p.rows - 1 });
      expect(quiltTileOrigin(p.cols * p.rows - 1, p)).toEqual({ col: p.cols - 1, row: 0 });
      const tile = tileSize(p);
      expect(tile.width * p.cols).toBeLessThanOrEqual(p.quiltWidth);
    }
  });
});

describe('view specs per display mode', () => {
  const preset = QUILT_PRESETS[0]!;

  it('flat: one view that follows the sender, moved by the viewer only with parallax', () => {
    expect(viewSpecFor('flat')).toEqual({ kind: 'flat', width: 256, height: 256 });
    const moved = viewSpecFor('flat', { viewer: { x: 0.1, y: -0.05 } });
    expect(moved.kind === 'flat' && moved.offset).toEqual({
      yaw: expect.closeTo(-0.12, 6),
      pitch: expect.closeTo(-0.06, 6),
    });
  });

  it('caps motion parallax within the protocol limit', () => {
    const far = viewSpecFor('flat', { viewer: { x: 10, y: -10 } });
    expect(far.kind === 'flat' && far.offset).toEqual({ yaw: -MAX_PARALLAX_RAD, pitch: -MAX_PARALLAX_RAD });
    expect(MAX_PARALLAX_RAD).toBeLessThanOrEqual(MAX_VIEW_OFFSET_RAD);
    expect(FlatView.safeParse(far).success).toBe(true);
  });

  it('stereo: a 2x1 quilt an eye apart (6.5 cm at 0.5 m, about 7.4 degrees)', () => {
    const spec = viewSpecFor('stereo');
    expect(spec).toMatchObject({ kind: 'quilt', cols: 2, rows: 1, followPose: true });
    expect(STEREO_CONE_DEG).toBeCloseTo(7.44, 1);
  });

  it('holographic: the preset layout and cone, tiles in the display aspect, valid for the node', () => {
    for (const p of QUILT_PRESETS) {
      const spec = viewSpecFor('holographic', { preset: p });
      expect(spec).toMatchObject({ kind: 'quilt', cols: p.cols, rows: p.rows, viewConeDeg: p.viewConeDeg });
      expect(QuiltView.safeParse(spec).success).toBe(true);
    }
    expect(() => viewSpecFor('holographic')).toThrow();
    const portrait = viewSpecFor('holographic', { preset });
    expect(portrait.kind === 'quilt' && portrait.tileWidth / portrait.tileHeight).toBeCloseTo(0.75, 1);
  });
});
