/**
 * The page's own renderer, when no inference node answers: the node's lift, reenactment and
 * renderer (@holocall/inference/page-engine) on this worker's thread, off the page's main thread
 * (the tracker and the UI come first). Start it through PageRenderer. Frames arriving while one
 * renders replace the waiting one of the same peer (latest wins); peers take turns.
 */
import { PageEngine, PREVIEW_LIFT_SHARE, SHARED_MEMORY } from '@holocall/inference/page-engine';
import { installPageSegmenter } from '@holocall/inference/page-segmenter';
import {
  type DriverFrame,
  decodeDriverFrame,
  HolocallError,
  PREVIEW_DEFAULTS,
  type ViewSpec,
} from '@holocall/protocol';
import type { PageRenderReply, PageRenderRequest } from './page-render-protocol';

interface WorkerScope {
  postMessage(message: PageRenderReply, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<PageRenderRequest>) => void) | null;
  location: { origin: string };
}
const scope = self as unknown as WorkerScope;
const engine = new PageEngine();
let ready: Promise<boolean> = Promise.resolve(false);
/** Newest frame waiting per peer (Map order: the peer that waited longest first). */
const waiting = new Map<string, { key: string; frame: DriverFrame; view: ViewSpec }>();
let rendering = false;

const reply = (message: PageRenderReply, transfer: Transferable[] = []) => scope.postMessage(message, transfer);
const codeOf = (error: unknown) => (error instanceof HolocallError ? error.code : 'internal');
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The stored photo as the browser decodes it, unpremultiplied, as it was taken (normalised upright at upload). */
async function decodePhoto(bytes: ArrayBuffer) {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (error) {
    throw HolocallError.badRequest(`the browser cannot decode this photo (${messageOf(error)})`, {
      reason: 'photo_undecodable',
    });
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new HolocallError('unavailable', 'no 2D canvas in this worker');
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { width: canvas.width, height: canvas.height, data: ctx.getImageData(0, 0, canvas.width, canvas.height).data };
}

type PhotoToLift = Pick<
  Extract<PageRenderRequest, { type: 'lift' }>,
  'key' | 'photo' | 'landmarks' | 'width' | 'height'
>;

/** Decodes an enrolled photo and lifts it under its key, once the renderer is ready; returns the lift's ms. */
async function liftPhoto(m: PhotoToLift, progress: (stage: string, fraction: number) => void): Promise<number> {
  if (!(await ready)) throw new HolocallError('unavailable', 'the page renderer did not start');
  progress('decode', 0);
  const photo = await decodePhoto(m.photo);
  const done = await engine.lift(m.key, photo, m.landmarks, { width: m.width, height: m.height }, progress);
  return done.ms.total;
}

async function lift(m: Extract<PageRenderRequest, { type: 'lift' }>): Promise<void> {
  try {
    const ms = await liftPhoto(m, (stage, fraction) => reply({ type: 'lift-progress', key: m.key, stage, fraction }));
    reply({ type: 'lifted', key: m.key, ms });
    void pump();
  } catch (error) {
    reply({ type: 'lift-failed', key: m.key, code: codeOf(error), message: messageOf(error) });
  }
}

async function preview(m: Extract<PageRenderRequest, { type: 'preview' }>): Promise<void> {
  const progress = (stage: string, fraction: number) =>
    reply({ type: 'preview-progress', requestId: m.requestId, stage, fraction: Math.min(1, Math.max(0, fraction)) });
  try {
    const lifted = !engine.has(m.key);
    const liftMs = lifted ? await liftPhoto(m, (stage, f) => progress(stage, f * PREVIEW_LIFT_SHARE)) : 0;
    const from = lifted ? PREVIEW_LIFT_SHARE : 0;
    const options = {
      views: m.views,
      maxYawDeg: m.maxYawDeg,
      pitchDeg: PREVIEW_DEFAULTS.pitchDeg,
      tileSize: m.tileSize,
    };
    const turntable = await engine.turntable(m.key, options, (done, total) =>
      progress('render', from + ((1 - from) * done) / total),
    );
    const pixels = turntable.rgba.buffer as ArrayBuffer;
    reply(
      {
        type: 'preview-done',
        requestId: m.requestId,
        lifted,
        liftMs,
        width: turntable.width,
        height: turntable.height,
        pixels,
      },
      [pixels],
    );
  } catch (error) {
    reply({ type: 'preview-failed', requestId: m.requestId, code: codeOf(error), message: messageOf(error) });
  }
}

/** Renders waiting frames until none is left, yielding between frames so newer ones replace older ones. */
async function pump(): Promise<void> {
  if (rendering) return;
  rendering = true;
  try {
    for (;;) {
      const next = [...waiting].find(([, w]) => engine.has(w.key));
      if (!next) return;
      const [peerId, job] = next;
      waiting.delete(peerId);
      try {
        const { rendered, quality, ms } = await engine.render(job.key, job.frame, job.view);
        const pixels = rendered.pixels.buffer as ArrayBuffer;
        reply(
          {
            type: 'image',
            peerId,
            seq: job.frame.seq,
            captureTimeMs: job.frame.captureTimeMs,
            renderMs: ms,
            quality,
            cols: job.view.kind === 'quilt' ? job.view.cols : 1,
            rows: job.view.kind === 'quilt' ? job.view.rows : 1,
            width: rendered.width,
            height: rendered.height,
            pixels,
          },
          [pixels],
        );
      } catch (error) {
        reply({ type: 'frame-failed', peerId, code: codeOf(error), message: messageOf(error) });
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  } finally {
    rendering = false;
  }
}

scope.onmessage = (event) => {
  const m = event.data;
  switch (m.type) {
    case 'init': {
      const started = performance.now();
      ready = installPageSegmenter({
        modelUrl: new URL(`${m.segmentationModelPath}selfie.json`, scope.location.origin).href,
        wasmPath: new URL(m.wasmPath, scope.location.origin).href,
      }).then(
        (backend) => {
          reply({ type: 'ready', backend, sharedMemory: SHARED_MEMORY, loadMs: performance.now() - started });
          return true;
        },
        (error: unknown) => {
          reply({ type: 'init-failed', message: messageOf(error) });
          return false;
        },
      );
      break;
    }
    case 'lift':
      void lift(m);
      break;
    case 'forget':
      engine.forget(m.key);
      break;
    case 'frame':
      try {
        waiting.delete(m.peerId);
        waiting.set(m.peerId, { key: m.key, frame: decodeDriverFrame(m.frame), view: m.view });
        void pump();
      } catch (error) {
        reply({ type: 'frame-failed', peerId: m.peerId, code: codeOf(error), message: messageOf(error) });
      }
      break;
    case 'drop-peer':
      waiting.delete(m.peerId);
      break;
    case 'preview':
      void preview(m);
      break;
  }
};
