import { MAX_VIEW_OFFSET_RAD, type ViewSpec } from '@holocall/protocol';
import type { QuiltPreset } from './quilt-presets';

export type DisplayMode = 'flat' | 'holographic' | 'stereo';

/** Side-by-side stereo: the two eyes' views are this far apart (6.5 cm at half a metre). */
export const STEREO_CONE_DEG = (2 * Math.atan(0.0325 / 0.5) * 180) / Math.PI;
/** How far the viewer's own head turns the view in flat mode with motion parallax, radians per metre. */
export const PARALLAX_RAD_PER_M = 1.2;
/** The largest parallax offset, so a viewer leaning far out does not swing the head around. */
export const MAX_PARALLAX_RAD = Math.min(0.35, MAX_VIEW_OFFSET_RAD);
/** Pixel sides the node renders at: small on purpose, the reference renderer runs on a CPU. */
export const FLAT_VIEW_SIDE = 256;
export const QUILT_TILE_SIDE = 128;

/** The viewer's own head position (metres, their camera's axes) when motion parallax is on. */
export type ViewerOffset = { x: number; y: number } | null;

export function parallaxOffset(viewer: ViewerOffset): { yaw: number; pitch: number } | undefined {
  if (!viewer) return undefined;
  const clamp = (v: number) => Math.max(-MAX_PARALLAX_RAD, Math.min(MAX_PARALLAX_RAD, v));
  // The self view is mirrored: moving to your right (x < 0 in camera axes) shows more of the head's left.
  return { yaw: clamp(-viewer.x * PARALLAX_RAD_PER_M), pitch: clamp(viewer.y * PARALLAX_RAD_PER_M) };
}

/**
 * What the inference node renders for each peer in a display mode. In every mode the camera
 * follows the sender's head pose (the node applies it): flat is one view (moved by the
 * viewer's head when motion parallax is on), stereo a 2x1 quilt an eye apart (view 0, the
 * left eye, on the left), holographic a Looking Glass quilt over the preset's view cone.
 */
export function viewSpecFor(
  mode: DisplayMode,
  options: { viewer?: ViewerOffset; preset?: QuiltPreset; side?: number } = {},
): ViewSpec {
  if (mode === 'flat') {
    const side = options.side ?? FLAT_VIEW_SIDE;
    const offset = parallaxOffset(options.viewer ?? null);
    return offset ? { kind: 'flat', width: side, height: side, offset } : { kind: 'flat', width: side, height: side };
  }
  if (mode === 'stereo') {
    const side = options.side ?? FLAT_VIEW_SIDE;
    return {
      kind: 'quilt',
      cols: 2,
      rows: 1,
      viewConeDeg: STEREO_CONE_DEG,
      tileWidth: side,
      tileHeight: side,
      followPose: true,
    };
  }
  const preset = options.preset;
  if (!preset) throw new Error('holographic mode needs a quilt preset');
  const tileHeight = options.side ?? QUILT_TILE_SIDE;
  const tileWidth = Math.max(16, Math.round(tileHeight * preset.aspect));
  return {
    kind: 'quilt',
    cols: preset.cols,
    rows: preset.rows,
    viewConeDeg: preset.viewConeDeg,
    tileWidth,
    tileHeight,
    followPose: true,
  };
}
