import {
  type EnrollmentUpload,
  HolocallError,
  type InferenceNodeMessage,
  PREVIEW_DEFAULTS,
  type PreviewAvatar,
  renderedFrameHeaderBytes,
  writeRenderedFrameHeader,
} from '@holocall/protocol';
import { renderTurntable, type TurntableOptions } from '../enrollment/turntable';
import type { InferenceNode } from '../node';
import { encodeImage } from './image-encode';

/** Previews one connection may have running or waiting for their image at once. */
export const MAX_PREVIEWS_PER_CONNECTION = 2;
/** Share of a preview's progress that lifting takes when it lifts (the rest is rendering). */
const LIFT_SHARE = 0.75;

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
    const cacheHit = this.node.lifts.tryCached(msg.avatarHash);
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
    const progress = (
      stage: 'queued' | 'decode' | 'align' | 'lift' | 'prepare' | 'render' | 'done',
      fraction: number,
    ) => this.sink.send({ type: 'preview-progress', requestId, stage, fraction: Math.min(1, Math.max(0, fraction)) });
    const stats = this.node.previews;
    stats.started++;
    try {
      let lifted = false;
      let liftMs = 0;
      let renderFrom = 0;
      if (upload) {
        const outcome = await this.node.lifts.lift(
          preview.avatarHash,
          { image: upload.image, landmarks: upload.landmarks, landmarkSpace: upload.landmarkSpace },
          (stage, f) => {
            if (stage !== 'done') progress(stage, f * LIFT_SHARE);
          },
        );
        lifted = outcome.lifted;
        liftMs = outcome.liftMs;
        renderFrom = LIFT_SHARE;
      }
      const o = preview.options;
      progress('render', renderFrom);
      const turntable = await renderTurntable(
        this.node,
        preview.avatarHash,
        { ...o, isCancelled: () => this.sink.isClosed() },
        (done, total) => progress('render', renderFrom + ((1 - renderFrom) * done) / total),
      );
      const image = encodeImage(turntable.rgba, turntable.width, turntable.height, preview.format);
      const headerBytes = renderedFrameHeaderBytes(requestId);
      const out = new Uint8Array(headerBytes + image.length);
      writeRenderedFrameHeader(out, {
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
      });
      out.set(image, headerBytes);
      this.sink.sendBinary(out);
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
      stats.completed++;
      stats.lastMs = Math.round(turntable.ms + liftMs);
    } catch (error) {
      stats.failed++;
      this.sink.sendError(error, 'preview-avatar', { requestId });
    } finally {
      this.running.delete(requestId);
    }
  }
}
