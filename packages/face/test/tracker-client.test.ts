/**
 * TrackerClient against a stand-in worker: how it settles ready, frames, dropped frames, errors
 * and close. The real worker (human, tfjs wasm, Chromium) is in tracker.browser.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TrackerClient, trackingOptions } from '../src/browser/tracker-client';
import { isTrackerRequest, type TrackerResponse } from '../src/browser/tracker-protocol';

const ASSETS = { modelBasePath: '/models/', wasmPath: '/wasm/' };

/** Records what the page posts; `answer` plays the worker's side. */
class FakeWorker extends EventTarget {
  readonly posted: { message: { type: string; id?: number; options?: unknown }; transfer: unknown[] }[] = [];
  terminated = false;
  postMessage(message: { type: string; id?: number }, transfer: unknown[] = []): void {
    this.posted.push({ message, transfer });
  }
  terminate(): void {
    this.terminated = true;
  }
  answer(message: TrackerResponse): void {
    this.dispatchEvent(new MessageEvent('message', { data: message }));
  }
  crash(message: string): void {
    this.dispatchEvent(Object.assign(new Event('error'), { message }));
  }
  /** The ids of the 'track' requests posted so far. */
  trackIds(): number[] {
    return this.posted.filter((p) => p.message.type === 'track').map((p) => p.message.id as number);
  }
}

function frame() {
  return { width: 4, height: 3, close: vi.fn() } as unknown as ImageBitmap & { close: ReturnType<typeof vi.fn> };
}

function open() {
  const worker = new FakeWorker();
  const client = new TrackerClient(worker as unknown as Worker, trackingOptions('video', ASSETS));
  return { worker, client };
}

const face = {
  landmarks: new Float64Array(478 * 3),
  humanAngles: { yaw: 0, pitch: 0, roll: 0 },
  score: 0.9,
  box: [0, 0, 2, 2] as [number, number, number, number],
  cropSize: 2,
};

/** Lets the client's awaits (ready, createImageBitmap) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => vi.unstubAllGlobals());

describe('trackingOptions', () => {
  it('video follows the face between frames; a still is detected afresh; both upright and single-threaded', () => {
    expect(trackingOptions('video', ASSETS)).toEqual({
      ...ASSETS,
      threads: false,
      skipFrames: 0,
      rotationCorrection: true,
      tracking: true,
    });
    expect(trackingOptions('still', ASSETS)).toEqual({
      ...ASSETS,
      threads: false,
      skipFrames: 0,
      rotationCorrection: true,
      tracking: false,
    });
  });
});

describe('TrackerClient', () => {
  it('sends init with the options at once, and ready resolves with the backend and load time', async () => {
    const { worker, client } = open();
    expect(worker.posted[0]?.message).toEqual({ type: 'init', options: trackingOptions('video', ASSETS) });
    worker.answer({ type: 'ready', backend: 'wasm', loadMs: 12 });
    await expect(client.ready).resolves.toEqual({ backend: 'wasm', loadMs: 12 });
  });

  it('a load failure rejects ready, and so does every frame', async () => {
    const { worker, client } = open();
    worker.answer({ type: 'error', id: null, message: 'tracker failed to load: no facemesh.json' });
    await expect(client.ready).rejects.toThrow('tracker failed to load: no facemesh.json');
    await expect(client.track(frame())).rejects.toThrow('no facemesh.json');
  });

  it('frames wait for ready; a frame is transferred and resolves with its result', async () => {
    const { worker, client } = open();
    const f = frame();
    const tracked = client.track(f);
    await settle();
    expect(worker.trackIds()).toEqual([]);
    worker.answer({ type: 'ready', backend: 'wasm', loadMs: 1 });
    await settle();
    const [id] = worker.trackIds();
    expect(worker.posted.at(-1)?.transfer).toEqual([f]);
    expect(client.busy).toBe(true);
    worker.answer({ type: 'result', id: id!, width: 4, height: 3, faces: [face], detectMs: 7, detected: true });
    await expect(tracked).resolves.toEqual({
      width: 4,
      height: 3,
      faces: [face],
      detectMs: 7,
      detected: true,
      stages: null,
    });
    expect(client.busy).toBe(false);
  });

  it('a frame the worker dropped resolves null from track and rejects from detect', async () => {
    vi.stubGlobal('createImageBitmap', async () => frame());
    const { worker, client } = open();
    worker.answer({ type: 'ready', backend: 'wasm', loadMs: 1 });
    const tracked = client.track(frame());
    const detected = client.detect({} as ImageBitmapSource);
    await settle();
    const [first, second] = worker.trackIds();
    worker.answer({ type: 'dropped', id: first! });
    worker.answer({ type: 'dropped', id: second! });
    await expect(tracked).resolves.toBeNull();
    await expect(detected).rejects.toThrow('replaced by a newer one');
  });

  it('detect sends a bitmap of its own, so the source stays usable', async () => {
    const copy = frame();
    const createImageBitmap = vi.fn(async () => copy);
    vi.stubGlobal('createImageBitmap', createImageBitmap);
    const { worker, client } = open();
    worker.answer({ type: 'ready', backend: 'wasm', loadMs: 1 });
    const source = frame();
    const detected = client.detect(source);
    await settle();
    expect(createImageBitmap).toHaveBeenCalledWith(source);
    expect(worker.posted.at(-1)?.transfer).toEqual([copy]);
    worker.answer({
      type: 'result',
      id: worker.trackIds()[0]!,
      width: 4,
      height: 3,
      faces: [],
      detectMs: 1,
      detected: true,
    });
    await expect(detected).resolves.toMatchObject({ faces: [] });
  });

  it("a frame's error rejects that frame only", async () => {
    const { worker, client } = open();
    worker.answer({ type: 'ready', backend: 'wasm', loadMs: 1 });
    const bad = client.track(frame());
    const good = client.track(frame());
    await settle();
    const [a, b] = worker.trackIds();
    worker.answer({ type: 'error', id: a!, message: 'face tracker: boom' });
    worker.answer({ type: 'result', id: b!, width: 4, height: 3, faces: [], detectMs: 1, detected: true });
    await expect(bad).rejects.toThrow('face tracker: boom');
    await expect(good).resolves.not.toBeNull();
  });

  it('a crashed worker rejects ready and the frames waiting for it', async () => {
    const { worker, client } = open();
    worker.crash('SyntaxError: bad bundle');
    await expect(client.ready).rejects.toThrow('tracker worker failed: SyntaxError: bad bundle');

    const second = open();
    second.worker.answer({ type: 'ready', backend: 'wasm', loadMs: 1 });
    const waiting = second.client.track(frame());
    await settle();
    second.worker.crash('out of memory');
    await expect(waiting).rejects.toThrow('tracker worker failed: out of memory');
  });

  it('close terminates the worker; waiting frames resolve null, detect rejects, later frames are not sent', async () => {
    vi.stubGlobal('createImageBitmap', async () => frame());
    const { worker, client } = open();
    worker.answer({ type: 'ready', backend: 'wasm', loadMs: 1 });
    const tracked = client.track(frame());
    const detected = client.detect({} as ImageBitmapSource);
    await settle();
    client.close();
    expect(worker.terminated).toBe(true);
    await expect(tracked).resolves.toBeNull();
    await expect(detected).rejects.toThrow('tracker closed');
    const late = frame();
    await expect(client.track(late)).resolves.toBeNull();
    expect(late.close).toHaveBeenCalled();
    expect(worker.trackIds()).toHaveLength(2);
  });
});

describe('isTrackerRequest', () => {
  it('accepts init and track, refuses anything else', () => {
    expect(isTrackerRequest({ type: 'init', options: ASSETS })).toBe(true);
    expect(isTrackerRequest({ type: 'track', id: 1, frame: {} })).toBe(true);
    for (const bad of [
      null,
      'init',
      {},
      { type: 'init' },
      { type: 'track', id: '1', frame: {} },
      { type: 'dispose' },
    ]) {
      expect(isTrackerRequest(bad)).toBe(false);
    }
  });
});
