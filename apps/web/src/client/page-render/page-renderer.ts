import type { ViewSpec } from '@holocall/protocol';
import { TRACKER_ASSETS } from '../face/tracker-assets';
import { rgbaBitmap } from '../inference/connect';
import type {
  EnrollmentSource,
  InferenceNode,
  InferenceStatus,
  PeerSource,
  PeerSourceDetail,
  RenderedImage,
} from '../inference/inference-types';
import type { PageRenderReply, PageRenderRequest } from './page-render-protocol';

/** Where the app serves the segmentation model the lift runs (scripts/copy-vendor.mjs). */
const SEGMENTATION_MODEL_PATH = '/vendor/segmentation/';

/** How the page renderer started: its segmentation backend and whether it has shared memory (cross-origin isolation). */
export interface PageRendererInfo {
  backend: string;
  sharedMemory: boolean;
  loadMs: number;
}

export interface PageRendererCallbacks {
  onImage: (image: RenderedImage) => void;
  onPeerSource: (peerId: string, source: PeerSource, detail: PeerSourceDetail) => void;
  /** Once: how it started, or null and why it could not. */
  onReady: (info: PageRendererInfo | null, error?: string) => void;
}

/**
 * The view the page draws for a view the call asks for: flat and stereo (a 2 x 1 quilt) as
 * asked; a Looking Glass quilt (dozens of views) is beyond one CPU thread of a page, so the page
 * draws its centre view flat and the call page asks for a node for the quilt.
 */
export function pageViewFor(view: ViewSpec): ViewSpec {
  if (view.kind === 'flat' || view.cols * view.rows <= 2) return view;
  return { kind: 'flat', width: view.tileWidth, height: view.tileHeight };
}

/** What a page preview asks for: the turntable's views, their yaw span and tile size. */
export interface PagePreviewOptions {
  views: number;
  maxYawDeg: number;
  tileSize: number;
}

export interface PagePreview {
  /** The turntable sprite: `views` square tiles left to right. */
  sprite: ImageBitmap;
  lifted: boolean;
  liftMs: number;
}

interface PendingPreview {
  resolve: (preview: PagePreview) => void;
  reject: (error: Error) => void;
  onProgress: (stage: string, fraction: number) => void;
}

/** An enrolled photo and its landmarks in memory of their own, to hand to the worker without a copy. */
function transferable(source: EnrollmentSource) {
  const photo = source.photo.slice().buffer as ArrayBuffer;
  const landmarks = Float32Array.from(source.landmarks);
  return { photo, landmarks, transfer: [photo, landmarks.buffer] };
}

interface PagePeer {
  key: string;
  load: () => Promise<EnrollmentSource>;
}

/**
 * The inference node's job done inside the page (page-render.worker.ts), behind the same
 * InferenceNode surface as the local node: each peer's enrolled photo is lifted once per avatar
 * in the worker, and every driver frame is rendered there. Chosen by RendererChoice when no
 * node answers.
 */
export class PageRenderer implements InferenceNode {
  status: InferenceStatus = 'connecting';
  private readonly worker: Worker;
  private readonly peers = new Map<string, PagePeer>();
  /** Avatars by key while lifting and once lifted (a failed lift is forgotten: the next registration tries again). */
  private readonly lifts = new Map<string, 'lifting' | 'lifted'>();
  private view: ViewSpec = { kind: 'flat', width: 480, height: 480 };
  private readonly previews = new Map<string, PendingPreview>();
  private nextPreview = 1;

  constructor(private readonly callbacks: PageRendererCallbacks) {
    // Literal, so Next bundles the worker (with the page engine) as its own chunk.
    this.worker = new Worker(new URL('./page-render.worker.ts', import.meta.url), {
      type: 'module',
      name: 'page-renderer',
    });
    this.worker.onmessage = (event: MessageEvent<PageRenderReply>) => this.onReply(event.data);
    this.worker.onerror = (event) => {
      this.status = 'unavailable';
      const why = event.message || 'its worker failed to start';
      callbacks.onReady(null, why);
      for (const p of this.previews.values()) p.reject(new Error(why));
      this.previews.clear();
    };
    this.post({ type: 'init', segmentationModelPath: SEGMENTATION_MODEL_PATH, wasmPath: TRACKER_ASSETS.wasmPath });
  }

  private post(message: PageRenderRequest, transfer: Transferable[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  private peersOf(key: string): string[] {
    return [...this.peers].filter(([, p]) => p.key === key).map(([id]) => id);
  }

  private onReply(m: PageRenderReply): void {
    switch (m.type) {
      case 'ready':
        this.status = 'ready';
        this.callbacks.onReady({ backend: m.backend, sharedMemory: m.sharedMemory, loadMs: m.loadMs });
        break;
      case 'init-failed':
        this.status = 'unavailable';
        this.callbacks.onReady(null, m.message);
        break;
      case 'lift-progress':
        for (const peerId of this.peersOf(m.key))
          this.callbacks.onPeerSource(peerId, 'lifting', { progress: { stage: m.stage, fraction: m.fraction } });
        break;
      case 'lifted':
        // Everyone with this avatar left while it lifted: nothing will draw it.
        if (this.peersOf(m.key).length === 0) {
          this.post({ type: 'forget', key: m.key });
          break;
        }
        this.lifts.set(m.key, 'lifted');
        for (const peerId of this.peersOf(m.key)) this.callbacks.onPeerSource(peerId, 'avatar', {});
        break;
      case 'lift-failed': {
        // Said on the tile as the node's given-up lifts are; the photo stays, and a later registration tries again.
        this.lifts.delete(m.key);
        const lift = { kind: 'gave-up' as const, attempts: 1, message: m.message };
        for (const peerId of this.peersOf(m.key)) this.callbacks.onPeerSource(peerId, 'missing', { lift });
        break;
      }
      case 'image':
        void this.deliver(m);
        break;
      case 'frame-failed':
        // A frame the worker could not decode or render: the next one replaces it (as at the node).
        break;
      case 'preview-progress':
        this.previews.get(m.requestId)?.onProgress(m.stage, m.fraction);
        break;
      case 'preview-done': {
        const pending = this.previews.get(m.requestId);
        this.previews.delete(m.requestId);
        if (!pending) break;
        rgbaBitmap(m.pixels, m.width, m.height).then(
          (sprite) => pending.resolve({ sprite, lifted: m.lifted, liftMs: m.liftMs }),
          (error: Error) => pending.reject(error),
        );
        break;
      }
      case 'preview-failed':
        this.previews.get(m.requestId)?.reject(new Error(m.message));
        this.previews.delete(m.requestId);
        break;
    }
  }

  private async deliver(m: Extract<PageRenderReply, { type: 'image' }>): Promise<void> {
    if (!this.peers.has(m.peerId)) return;
    const bitmap = await rgbaBitmap(m.pixels, m.width, m.height);
    this.callbacks.onImage({
      peerId: m.peerId,
      bitmap,
      header: {
        peerId: m.peerId,
        seq: m.seq,
        captureTimeMs: m.captureTimeMs,
        renderMs: m.renderMs,
        format: 'rgba',
        quality: m.quality,
        layout: m.cols * m.rows > 1 ? 'quilt' : 'flat',
        cols: m.cols,
        rows: m.rows,
        width: m.width,
        height: m.height,
      },
    });
  }

  registerPeer(peerId: string, avatarHash: string, load: () => Promise<EnrollmentSource>): void {
    this.peers.set(peerId, { key: avatarHash, load });
    const lift = this.lifts.get(avatarHash);
    if (lift) {
      this.callbacks.onPeerSource(peerId, lift === 'lifted' ? 'avatar' : 'lifting', {});
      return;
    }
    this.lifts.set(avatarHash, 'lifting');
    this.callbacks.onPeerSource(peerId, 'lifting', { progress: { stage: 'download', fraction: 0 } });
    load().then(
      (source) => {
        const { photo, landmarks, transfer } = transferable(source);
        this.post(
          { type: 'lift', key: avatarHash, photo, landmarks, width: source.width, height: source.height },
          transfer,
        );
      },
      (error: unknown) =>
        this.onReply({ type: 'lift-failed', key: avatarHash, code: 'unavailable', message: String(error) }),
    );
  }

  unregisterPeer(peerId: string): void {
    const peer = this.peers.get(peerId);
    if (!peer) return;
    this.peers.delete(peerId);
    this.post({ type: 'drop-peer', peerId });
    if (this.peersOf(peer.key).length === 0) {
      this.lifts.delete(peer.key);
      this.post({ type: 'forget', key: peer.key });
    }
  }

  setView(view: ViewSpec): void {
    this.view = pageViewFor(view);
  }

  sendFrame(peerId: string, frame: Uint8Array): void {
    const peer = this.peers.get(peerId);
    if (!peer || this.lifts.get(peer.key) !== 'lifted') return;
    this.post({ type: 'frame', peerId, key: peer.key, frame: frame.slice(), view: this.view });
  }

  /**
   * The enrollment preview in the page: lifts the enrolled photo (unless this page lifted it
   * already) and renders the node's turntable of it, reporting progress.
   */
  preview(
    source: EnrollmentSource,
    options: PagePreviewOptions,
    onProgress: (stage: string, fraction: number) => void,
  ): Promise<PagePreview> {
    const requestId = `preview-${this.nextPreview++}`;
    const { photo, landmarks, transfer } = transferable(source);
    return new Promise<PagePreview>((resolve, reject) => {
      this.previews.set(requestId, { resolve, reject, onProgress });
      this.post(
        {
          type: 'preview',
          requestId,
          key: source.avatarHash,
          photo,
          landmarks,
          width: source.width,
          height: source.height,
          ...options,
        },
        transfer,
      );
    });
  }

  close(): void {
    this.worker.terminate();
    this.peers.clear();
    for (const p of this.previews.values()) p.reject(new Error('the page renderer closed'));
    this.previews.clear();
  }
}
