/**
 * The page side of bench/page-render.ts, bundled for Chromium: drives the product's page
 * renderer worker (apps/web/src/client/page-render/page-render.worker.ts, bundled beside it) with
 * its own protocol, draws each image to a 512 canvas as a call tile does, and optionally runs the
 * face tracker worker on the fixture photo at 30 Hz meanwhile (the sender's local face).
 */
import { TrackerClient, trackingOptions } from '@holocall/face/browser/tracker-client';
import type { PageRenderReply, PageRenderRequest } from '../../apps/web/src/client/page-render/page-render-protocol';

export interface PageRunOptions {
  /** Driver frames (bytes) to cycle through, as a call receives them. */
  frames: number[][];
  landmarks: number[];
  photoWidth: number;
  photoHeight: number;
  tile: number;
  seconds: number;
  warmUpSeconds: number;
  scenarios: { peers: number; tracker: boolean }[];
}

export interface ScenarioResult {
  peers: number;
  tracker: boolean;
  /** Images drawn per second per peer. */
  fpsPerPeer: number;
  renderMs: number[];
  trackerMs: number[];
  quality: Record<string, number>;
}

export interface PageRunResult {
  ready: { backend: string; sharedMemory: boolean; loadMs: number };
  crossOriginIsolated: boolean;
  liftMs: number;
  liftWallMs: number;
  scenarios: ScenarioResult[];
  /** RGBA of frames[0] rendered flat at `tile`, base64 (for the comparison with Node). */
  reference: string;
  referenceQuality: 'interactive' | 'balanced' | 'high';
}

const HZ = 30;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(o: PageRunOptions): Promise<PageRunResult> {
  const worker = new Worker('/worker.js', { type: 'module', name: 'page-renderer' });
  const listeners = new Set<(m: PageRenderReply) => void>();
  worker.onmessage = (e: MessageEvent<PageRenderReply>) => {
    for (const l of listeners) l(e.data);
  };
  const post = (m: PageRenderRequest, transfer: Transferable[] = []) => worker.postMessage(m, transfer);
  const next = <T extends PageRenderReply['type']>(type: T) =>
    new Promise<Extract<PageRenderReply, { type: T }>>((resolve, reject) => {
      const l = (m: PageRenderReply) => {
        if (m.type === type) {
          listeners.delete(l);
          resolve(m as Extract<PageRenderReply, { type: T }>);
        } else if (m.type === 'init-failed' || m.type === 'lift-failed') {
          listeners.delete(l);
          reject(new Error(`${m.type}: ${m.message}`));
        }
      };
      listeners.add(l);
    });

  const readyP = next('ready');
  post({ type: 'init', segmentationModelPath: '/vendor/segmentation/', wasmPath: '/vendor/tfjs/' });
  const ready = await readyP;
  console.log(`bench: renderer ready (${ready.backend})`);
  const photo = await (await fetch('/fixture.png')).arrayBuffer();
  const liftedP = next('lifted');
  const t0 = performance.now();
  post({
    type: 'lift',
    key: 'fixture',
    photo,
    landmarks: Float32Array.from(o.landmarks),
    width: o.photoWidth,
    height: o.photoHeight,
  });
  const lifted = await liftedP;
  const liftWallMs = performance.now() - t0;
  console.log(`bench: lifted in ${Math.round(liftWallMs)} ms`);

  const canvas = document.createElement('canvas');
  canvas.width = o.tile;
  canvas.height = o.tile;
  document.body.append(canvas);
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  const view = { kind: 'flat' as const, width: o.tile, height: o.tile };
  const frames = o.frames.map((f) => Uint8Array.from(f));
  const scenarios: ScenarioResult[] = [];

  for (const s of o.scenarios) {
    let measuring = false;
    const drawn = new Map<string, number>();
    const renderMs: number[] = [];
    const trackerMs: number[] = [];
    const quality: Record<string, number> = {};
    const onImage = (m: PageRenderReply) => {
      if (m.type !== 'image') return;
      void createImageBitmap(new ImageData(new Uint8ClampedArray(m.pixels), m.width, m.height)).then((bitmap) => {
        ctx.drawImage(bitmap, 0, 0);
        bitmap.close();
        if (!measuring) return;
        drawn.set(m.peerId, (drawn.get(m.peerId) ?? 0) + 1);
        renderMs.push(m.renderMs);
        quality[m.quality] = (quality[m.quality] ?? 0) + 1;
      });
    };
    listeners.add(onImage);
    let running = true;
    let tracker: TrackerClient | null = null;
    const trackerLoop = (async () => {
      if (!s.tracker) return;
      tracker = new TrackerClient(
        new Worker('/tracker.js', { type: 'module', name: 'face-tracker' }),
        trackingOptions('video', { modelBasePath: '/vendor/human/models/', wasmPath: '/vendor/tfjs/' }),
      );
      await tracker.ready;
      const face = await createImageBitmap(await (await fetch('/fixture.png')).blob());
      while (running) {
        const started = performance.now();
        const d = await tracker.detect(face);
        if (measuring) trackerMs.push(d.detectMs);
        await sleep(Math.max(0, 1000 / HZ - (performance.now() - started)));
      }
    })();
    const peers = Array.from({ length: s.peers }, (_, i) => `peer-${i}`);
    let i = 0;
    const sender = setInterval(() => {
      const frame = frames[i++ % frames.length] as Uint8Array;
      for (const peerId of peers) post({ type: 'frame', peerId, key: 'fixture', frame, view });
    }, 1000 / HZ);
    await sleep(o.warmUpSeconds * 1000);
    measuring = true;
    await sleep(o.seconds * 1000);
    measuring = false;
    running = false;
    clearInterval(sender);
    await trackerLoop;
    (tracker as TrackerClient | null)?.close();
    for (const peerId of peers) post({ type: 'drop-peer', peerId });
    listeners.delete(onImage);
    await sleep(500);
    const total = [...drawn.values()].reduce((a, b) => a + b, 0);
    console.log(`bench: ${s.peers} peer(s)${s.tracker ? ' + tracker' : ''} done: ${renderMs.length} drawn`);
    scenarios.push({ ...s, fpsPerPeer: total / s.peers / o.seconds, renderMs, trackerMs, quality });
  }

  // One known frame, for the comparison with the node's render of it.
  const imageP = next('image');
  post({ type: 'frame', peerId: 'reference', key: 'fixture', frame: frames[0] as Uint8Array, view });
  const image = await imageP;
  const bytes = new Uint8Array(image.pixels);
  let binary = '';
  for (let k = 0; k < bytes.length; k += 0x8000) binary += String.fromCharCode(...bytes.subarray(k, k + 0x8000));
  worker.terminate();
  return {
    ready: { backend: ready.backend, sharedMemory: ready.sharedMemory, loadMs: ready.loadMs },
    crossOriginIsolated: self.crossOriginIsolated,
    liftMs: lifted.ms,
    liftWallMs,
    scenarios,
    reference: btoa(binary),
    referenceQuality: image.quality,
  };
}

(window as unknown as { runPageBench: typeof run }).runPageBench = run;
