import {
  type EnrollmentUpload,
  encodeRenderedFrame,
  HolocallError,
  type InferenceNodeMessage,
  PREVIEW_DEFAULTS,
  type PreviewAvatar,
} from '@holocall/protocol';
import type { TurntableOptions } from '../enrollment/turntable';
import type { InferenceNode } from '../node';
import { encodeImage } from './image-encode';

/** Previews one connection may have running or waiting for their image at once. */
export const MAX_PREVIEWS_PER_CONNECTION = 2;

interface Preview {
  avatarHash: string;
  options: TurntableOptions;
  format: 'png' | 'jpeg';
  awaitingImage: boolean;
}

/** What previews need of their connection. */
export interface PreviewSink {
  send(msg: InferenceNodeMessage): void;
  sendBinary(bytes: Uint8Array): void;
  sendError(error: unknown, inReplyTo: string, details: Record<string, unknown>): void;
  isClosed(): boolean;
}

/**
 * One connection's enrollment previews ("what others will see"): preview-avatar, the optional
 * enrollment envelope with its image, the lift (shared with registrations through the node's
 * lifts, so it is cached under the avatar hash), then a turntable of views rendered view by
 * view between live frames, sent as one sprite (a binary rendered frame with peer id =
 * requestId, layout quilt, cols = views, rows = 1) and `preview-done`.
 */
export class PreviewRequests {
  private readonly running = new Map<string, Preview>();

  constructor(
    private readonly node: InferenceNode,
    private readonly sink: PreviewSink,
  ) {}

  get size(): number {
    return this.running.size;
  }

  start(msg: PreviewAvatar): void {
    if (this.running.has(msg.requestId))
      throw new HolocallError('conflict', 'a preview with this requestId is running', {
        details: { requestId: msg.requestId },
      });
    if (this.running.size >= MAX_PREVIEWS_PER_CONNECTION)
      throw new HolocallError('rate_limited', `at most ${MAX_PREVIEWS_PER_CONNECTION} previews at once`, {
        details: { requestId: msg.requestId, limit: MAX_PREVIEWS_PER_CONNECTION },
      });
    const cacheHit = this.node.registerFromCache(msg.avatarHash);
    const preview: Preview = {
      avatarHash: msg.avatarHash,
      options: {
        views: msg.views,
        maxYawDeg: msg.maxYawDeg ?? PREVIEW_DEFAULTS.maxYawDeg,
        pitchDeg: msg.pitchDeg ?? PREVIEW_DEFAULTS.pitchDeg,
        tileSize: msg.tileSize ?? PREVIEW_DEFAULTS.tileSize,
      },
      format: msg.format ?? PREVIEW_DEFAULTS.format,
      awaitingImage: !cacheHit,
    };
    this.running.set(msg.requestId, preview);
    this.sink.send({
      type: 'preview-started',
      requestId: msg.requestId,
      avatarHash: msg.avatarHash,
      cacheHit,
      awaitingImage: !cacheHit,
    });
    if (cacheHit) void this.run(msg.requestId, preview, null);
  }

  /** The enrollment envelope for a preview that waits for its image. */
  image(upload: EnrollmentUpload): void {
    const preview = this.running.get(upload.id);
    if (!preview)
      throw new HolocallError('not_found', 'no preview with this requestId', { details: { requestId: upload.id } });
    if (!preview.awaitingImage || preview.avatarHash !== upload.avatarHash)
      throw new HolocallError('conflict', 'no image expected for this preview and avatar', {
        details: { requestId: upload.id },
      });
    preview.awaitingImage = false;
    void this.run(upload.id, preview, upload);
  }

  private async run(requestId: string, preview: Preview, upload: EnrollmentUpload | null): Promise<void> {
    try {
      const o = preview.options;
      const { turntable, lifted, liftMs } = await this.node.previewAvatar(
        preview.avatarHash,
        upload && { image: upload.image, landmarks: upload.landmarks, landmarkSpace: upload.landmarkSpace },
        { ...o, isCancelled: () => this.sink.isClosed() },
        (stage, fraction) => this.sink.send({ type: 'preview-progress', requestId, stage, fraction }),
      );
      const image = encodeImage(turntable.rgba, turntable.width, turntable.height, preview.format);
      this.sink.sendBinary(
        encodeRenderedFrame(
          {
            peerId: requestId,
            seq: 0,
            captureTimeMs: 0,
            renderMs: turntable.ms,
            format: preview.format,
            quality: 'high',
            layout: 'quilt',
            cols: o.views,
            rows: 1,
            width: turntable.width,
            height: turntable.height,
          },
          image,
        ),
      );
      this.sink.send({
        type: 'preview-done',
        requestId,
        avatarHash: preview.avatarHash,
        views: o.views,
        cols: o.views,
        rows: 1,
        tileWidth: o.tileSize,
        tileHeight: o.tileSize,
        format: preview.format,
        yawsDeg: turntable.yawsDeg.map((y) => Math.round(y * 1000) / 1000),
        pitchDeg: o.pitchDeg,
        lifted,
        liftMs: Math.round(liftMs),
        renderMs: Math.round(turntable.ms),
      });
    } catch (error) {
      this.sink.sendError(error, 'preview-avatar', { requestId });
    } finally {
      this.running.delete(requestId);
    }
  }
}
