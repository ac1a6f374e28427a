import type { QuiltSpec } from '@holocall/protocol';

/**
 * Looking Glass quilt presets: tiles (cols x rows, view 0 bottom-left), the quilt texture
 * size, the display's aspect (width / height of one view) and its view cone.
 */
export interface QuiltPreset extends QuiltSpec {
  id: string;
  label: string;
  quiltWidth: number;
  quiltHeight: number;
  aspect: number;
}

export const QUILT_PRESETS: readonly QuiltPreset[] = [
  {
    id: 'portrait',
    label: 'Looking Glass Portrait (8×6)',
    cols: 8,
    rows: 6,
    quiltWidth: 3360,
    quiltHeight: 3360,
    aspect: 0.75,
    viewConeDeg: 40,
  },
  {
    id: 'lg16',
    label: 'Looking Glass 16" (5×9)',
    cols: 5,
    rows: 9,
    quiltWidth: 4096,
    quiltHeight: 4096,
    aspect: 16 / 9,
    viewConeDeg: 40,
  },
  {
    id: 'lg32',
    label: 'Looking Glass 32" (5×9)',
    cols: 5,
    rows: 9,
    quiltWidth: 8192,
    quiltHeight: 8192,
    aspect: 16 / 9,
    viewConeDeg: 40,
  },
  {
    id: 'go',
    label: 'Looking Glass Go (11×6)',
    cols: 11,
    rows: 6,
    quiltWidth: 4092,
    quiltHeight: 4092,
    aspect: 9 / 16,
    viewConeDeg: 40,
  },
];

export function presetById(id: string): QuiltPreset {
  return QUILT_PRESETS.find((p) => p.id === id) ?? QUILT_PRESETS[0]!;
}

/** Pixel size of one tile. */
export function tileSize(preset: Pick<QuiltPreset, 'cols' | 'rows' | 'quiltWidth' | 'quiltHeight'>): {
  width: number;
  height: number;
} {
  return { width: Math.floor(preset.quiltWidth / preset.cols), height: Math.floor(preset.quiltHeight / preset.rows) };
}
