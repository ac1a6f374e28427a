import { HolocallError } from '@holocall/protocol';

/**
 * Quality levels: ray grid and samples per ray, for a flat view and for each view of a quilt
 * (quilt views are many and small, so they get fewer rays). `high` is EG3D's own setting
 * (128^2 rays, 48 + 48 samples). The ray grid follows the tile's aspect ratio.
 */
export const QUALITY_LEVELS = ['interactive', 'balanced', 'high'] as const;
export type QualityLevel = (typeof QUALITY_LEVELS)[number];

export interface QualityPreset {
  /** Rays per view (the grid is shaped to the tile's aspect). */
  rays: number;
  coarseSamples: number;
  fineSamples: number;
  /**
   * The detail pass (detail.ts) at this fraction of the tile's resolution, then 2x bilinear to
   * the tile: 1 or 0.5. A quilt's 48 views are 11 M pixels, and the per-pixel photo pass at full
   * resolution would cost about 2.6 times the old path's whole quilt; at 0.5 a quilt view still
   * takes its colour from the photo at 6x the ray grid's resolution, for about 1.5 times.
   */
  detailScale: 1 | 0.5;
}

export const FLAT_PRESETS: Record<QualityLevel, QualityPreset> = {
  interactive: { rays: 64 * 64, coarseSamples: 24, fineSamples: 24, detailScale: 1 },
  balanced: { rays: 96 * 96, coarseSamples: 32, fineSamples: 32, detailScale: 1 },
  high: { rays: 128 * 128, coarseSamples: 48, fineSamples: 48, detailScale: 1 },
};

export const QUILT_PRESETS: Record<QualityLevel, QualityPreset> = {
  interactive: { rays: 40 * 40, coarseSamples: 20, fineSamples: 20, detailScale: 0.5 },
  balanced: { rays: 64 * 64, coarseSamples: 24, fineSamples: 24, detailScale: 0.5 },
  // The march dominates at this level (96² rays a view): full-resolution detail.
  high: { rays: 96 * 96, coarseSamples: 32, fineSamples: 32, detailScale: 1 },
};

/** Largest ray grid side any preset may produce (kernel scratch and buffers are sized by it). */
export const MAX_RAY_SIDE = 256;

export function presetFor(level: QualityLevel, views: number): QualityPreset {
  return views > 1 ? QUILT_PRESETS[level] : FLAT_PRESETS[level];
}

/** Ray grid for a tile: about `preset.rays` rays with the tile's aspect, never more rays than pixels. */
export function rayGridFor(
  preset: QualityPreset,
  tileWidth: number,
  tileHeight: number,
): { width: number; height: number } {
  const aspect = tileWidth / tileHeight;
  let height = Math.max(4, Math.round(Math.sqrt(preset.rays / aspect)));
  let width = Math.max(4, Math.round(height * aspect));
  width = Math.min(width, tileWidth, MAX_RAY_SIDE);
  height = Math.min(height, tileHeight, MAX_RAY_SIDE);
  return { width, height };
}

export function parseQualityLevel(value: string): QualityLevel {
  if ((QUALITY_LEVELS as readonly string[]).includes(value)) return value as QualityLevel;
  throw HolocallError.badRequest(`unknown quality level ${value}`, { allowed: QUALITY_LEVELS });
}

/**
 * Picks the level from measured frame times: steps down when the smoothed time exceeds the
 * budget, steps up only after a long run well under it (the next level costs about 2 to 3
 * times more), so it does not oscillate.
 */
export class AdaptiveQuality {
  private ema = 0;
  private framesAtLevel = 0;
  level: QualityLevel;

  constructor(
    private targetFps: number,
    initial: QualityLevel = 'interactive',
  ) {
    this.level = initial;
  }

  setTarget(fps: number): void {
    this.targetFps = fps;
  }

  /** Records one frame's time; returns the level for the next frame (and whether it changed). */
  record(frameMs: number): { level: QualityLevel; changed: boolean } {
    const budget = 1000 / this.targetFps;
    this.ema = this.framesAtLevel === 0 ? frameMs : 0.8 * this.ema + 0.2 * frameMs;
    this.framesAtLevel++;
    const index = QUALITY_LEVELS.indexOf(this.level);
    let next = index;
    if (this.framesAtLevel >= 5 && this.ema > budget * 1.15 && index > 0) next = index - 1;
    else if (this.framesAtLevel >= 30 && this.ema < budget * 0.35 && index < QUALITY_LEVELS.length - 1)
      next = index + 1;
    if (next === index) return { level: this.level, changed: false };
    this.level = QUALITY_LEVELS[next] as QualityLevel;
    this.framesAtLevel = 0;
    return { level: this.level, changed: true };
  }
}
