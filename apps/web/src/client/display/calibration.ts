import { z } from 'zod';

/**
 * A Looking Glass device calibration (the `visual.json` the device carries). Each field is
 * either a number or `{ "value": number }`, as the device file has it. What it describes:
 * the lenticular sheet's pitch (lenticules per inch) and slope (its tilt in pixels), the
 * center offset, the screen size and DPI, and whether the image or subpixel order is flipped.
 */
const Num = z
  .union([z.number(), z.strictObject({ value: z.number() }).transform((v) => v.value)])
  .pipe(z.number().finite());
const Flag = z.union([Num, z.boolean()]).transform((v) => (typeof v === 'boolean' ? v : v !== 0));

export const CalibrationFile = z.object({
  pitch: Num.refine((v) => v > 0, 'pitch must be positive'),
  slope: Num.refine((v) => v !== 0, 'slope must not be zero'),
  center: Num,
  DPI: Num.refine((v) => v > 0, 'DPI must be positive').optional(),
  dpi: Num.refine((v) => v > 0, 'dpi must be positive').optional(),
  screenW: Num.refine((v) => v > 0 && v <= 16384, 'screenW out of range'),
  screenH: Num.refine((v) => v > 0 && v <= 16384, 'screenH out of range'),
  flipImageX: Flag.optional(),
  flipImageY: Flag.optional(),
  flipSubp: Flag.optional(),
  invView: Flag.optional(),
  viewCone: Num.optional(),
  fringe: Num.optional(),
});

export interface Calibration {
  pitch: number;
  slope: number;
  center: number;
  dpi: number;
  screenW: number;
  screenH: number;
  flipImageX: boolean;
  flipImageY: boolean;
  flipSubp: boolean;
  invView: boolean;
  viewConeDeg: number | null;
}

/** Largest calibration file read (they are a few hundred bytes). */
export const MAX_CALIBRATION_BYTES = 64 * 1024;

export function parseCalibration(text: string): Calibration {
  if (text.length > MAX_CALIBRATION_BYTES) throw new Error('calibration file is too large');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('calibration file is not JSON');
  }
  const parsed = CalibrationFile.safeParse(json);
  if (!parsed.success) {
    throw new Error(`calibration file is not a Looking Glass calibration: ${parsed.error.issues[0]?.message ?? ''}`);
  }
  const c = parsed.data;
  const dpi = c.DPI ?? c.dpi;
  if (dpi === undefined) throw new Error('calibration file has no DPI');
  return {
    pitch: c.pitch,
    slope: c.slope,
    center: c.center,
    dpi,
    screenW: c.screenW,
    screenH: c.screenH,
    flipImageX: c.flipImageX ?? false,
    flipImageY: c.flipImageY ?? false,
    flipSubp: c.flipSubp ?? false,
    invView: c.invView ?? true,
    viewConeDeg: c.viewCone ?? null,
  };
}

/** The lenticular shader's uniforms, derived as the Looking Glass (HoloPlay) runtime derives them. */
export interface LenticularUniforms {
  /** Lenticules per screen width, corrected for the slant. */
  pitch: number;
  /** Horizontal shift of the lens pattern per unit of screen height. */
  tilt: number;
  center: number;
  /** One subpixel, in units of screen width (negative when the image is flipped). */
  subp: number;
  invView: number;
  /** Which subpixel (0..2) takes the red and the blue channel. */
  ri: number;
  bi: number;
  flipY: number;
}

export function lenticularUniforms(c: Calibration): LenticularUniforms {
  const screenInches = c.screenW / c.dpi;
  const pitch = c.pitch * screenInches * Math.cos(Math.atan(1 / c.slope));
  const flipX = c.flipImageX ? -1 : 1;
  return {
    pitch,
    tilt: (c.screenH / (c.screenW * c.slope)) * flipX,
    center: c.center,
    subp: (1 / (3 * c.screenW)) * flipX,
    invView: c.invView ? 1 : 0,
    ri: c.flipSubp ? 2 : 0,
    bi: c.flipSubp ? 0 : 2,
    flipY: c.flipImageY ? 1 : 0,
  };
}

/**
 * The view a subpixel shows, in [0, 1) of the view range (times the view count gives the
 * quilt tile): the CPU twin of the fragment shader's mapping, for tests and for reasoning.
 * (u, v) is the pixel's position on screen in [0, 1], v up; `sub` the subpixel 0..2.
 */
export function viewFraction(u: number, v: number, sub: number, k: LenticularUniforms): number {
  let z = (u + sub * k.subp + v * k.tilt) * k.pitch - k.center;
  z = z - Math.floor(z); // mod 1, also for negative z
  return (1 - k.invView) * z + k.invView * (1 - z);
}
