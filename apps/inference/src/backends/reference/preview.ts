import type { RgbaImage } from '@holocall/face';
import { cameraFromAngles } from '@holocall/protocol';
import { CpuRenderStage } from '../../render/cpu-render-stage';
import type { QualityLevel } from '../../render/quality';
import { RenderPool } from '../../render/render-pool';
import type { PreparedTriplane, SourceFace } from '../../stages/contract';
import type { Triplane } from '../../triplane/layout';

/**
 * Renders views of a tri-plane (+ residual) through the node's own CPU render stage, for the
 * contact sheet, tests and previews (an enrollment turntable). Not a second renderer: a thin
 * owner of a CpuRenderStage.
 */
export class PreviewRenderer {
  private constructor(private readonly stage: CpuRenderStage) {}

  /** `threads` 0 renders inline on this thread (tests); more uses worker threads. */
  static async create(threads = 0): Promise<PreviewRenderer> {
    return new PreviewRenderer(new CpuRenderStage(await RenderPool.start(threads)));
  }

  /** With a source face that carries its photo, views are textured from it as in a call (detail.ts). */
  prepare(t: Triplane, sourceFace?: SourceFace): Promise<PreparedTriplane> {
    return this.stage.prepare(t, sourceFace);
  }

  release(p: PreparedTriplane): void {
    this.stage.release(p);
  }

  /** One square view; RGBA8 over black, alpha = coverage. */
  async render(
    prepared: PreparedTriplane,
    residual: Triplane | null,
    camera: Float32Array,
    size: number,
    quality: QualityLevel = 'high',
  ): Promise<RgbaImage> {
    const frame = await this.stage.render(prepared, residual, {
      cameras: [camera],
      layout: { kind: 'flat' },
      tileWidth: size,
      tileHeight: size,
      quality,
    });
    return { width: frame.width, height: frame.height, data: new Uint8ClampedArray(frame.pixels) };
  }

  close(): Promise<void> {
    return this.stage.close();
  }
}

/** The orbit camera at yaw/pitch (degrees) about EG3D's look-at point. */
export function orbitDegrees(yawDeg: number, pitchDeg = 0): Float32Array {
  return cameraFromAngles({ yaw: (yawDeg * Math.PI) / 180, pitch: (pitchDeg * Math.PI) / 180 });
}
