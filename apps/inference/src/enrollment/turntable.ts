import { cameraFromAngles, HolocallError } from '@holocall/protocol';
import type { PreparedTriplane, RenderStage } from '../stages/contract';

/** Share of a preview's progress that lifting takes when it lifts (the rest is rendering the turntable). */
export const PREVIEW_LIFT_SHARE = 0.75;

export interface TurntableOptions {
  views: number;
  /** Views span yaw ±maxYawDeg about the frontal view (view 0 leftmost as the viewer sees it). */
  maxYawDeg: number;
  pitchDeg: number;
  tileSize: number;
  /** Checked before each view: true stops the turntable (its requester went away). */
  isCancelled?: () => boolean;
}

export interface Turntable {
  /** RGBA8 sprite: `views` square tiles left to right (a 1-row quilt), colour over black, alpha = coverage. */
  rgba: Uint8Array;
  width: number;
  height: number;
  yawsDeg: number[];
  ms: number;
}

/** What the turntable needs of its host (the node, or the page engine): the avatars, the render stage, a render turn. */
export interface TurntableHost {
  readonly cache: { get(avatarHash: string): { readonly prepared: PreparedTriplane } | undefined };
  readonly stage: RenderStage;
  /** Runs `fn` when no other render is running (renders share every core; see InferenceNode.exclusiveRender). */
  exclusiveRender<T>(fn: () => Promise<T>): Promise<T>;
}

/** Yaw of each view, degrees: evenly over ±maxYawDeg, view 0 the most negative (the protocol's quilt convention). */
export function turntableYaws(views: number, maxYawDeg: number): number[] {
  if (views === 1) return [0];
  return Array.from({ length: views }, (_, i) => -maxYawDeg + (2 * maxYawDeg * i) / (views - 1));
}

/**
 * "What others will see": `views` neutral-expression renders of a cached avatar on an orbit
 * about EG3D's look-at point, through the node's own render stage at 'high' quality. Each view
 * is its own render turn, so live peers' frames interleave with a preview instead of waiting
 * for all of it; `onView(done, total)` reports each.
 */
export async function renderTurntable(
  host: TurntableHost,
  avatarHash: string,
  opts: TurntableOptions,
  onView: (done: number, total: number) => void = () => {},
): Promise<Turntable> {
  const started = performance.now();
  const yawsDeg = turntableYaws(opts.views, opts.maxYawDeg);
  const s = opts.tileSize;
  const width = s * opts.views;
  const rgba = new Uint8Array(width * s * 4);
  for (let v = 0; v < opts.views; v++) {
    if (opts.isCancelled?.()) throw new HolocallError('conflict', 'preview cancelled');
    const camera = cameraFromAngles({
      yaw: ((yawsDeg[v] as number) * Math.PI) / 180,
      pitch: (opts.pitchDeg * Math.PI) / 180,
    });
    await host.exclusiveRender(async () => {
      const avatar = host.cache.get(avatarHash);
      if (!avatar) throw new HolocallError('not_found', 'avatar left the cache during the preview: preview again');
      const frame = await host.stage.render(avatar.prepared, null, {
        cameras: [camera],
        layout: { kind: 'flat' },
        tileWidth: s,
        tileHeight: s,
        quality: 'high',
      });
      // The stage's output is valid until its next render: copy this view's rows into the sprite now.
      for (let y = 0; y < s; y++) rgba.set(frame.pixels.subarray(y * s * 4, (y + 1) * s * 4), (y * width + v * s) * 4);
    });
    onView(v + 1, opts.views);
  }
  return { rgba, width, height: s, yawsDeg, ms: performance.now() - started };
}
