import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EnrollmentSource, PeerSource, PeerSourceDetail } from '../src/client/inference/inference-types';
import type { PageRenderReply, PageRenderRequest } from '../src/client/page-render/page-render-protocol';
import { PageRenderer } from '../src/client/page-render/page-renderer';

/** Stands in for the page-render worker: records what the page posts, replies when the test says. */
class FakeWorker {
  static last: FakeWorker | null = null;
  readonly posted: PageRenderRequest[] = [];
  onmessage: ((event: { data: PageRenderReply }) => void) | null = null;
  onerror: ((event: { message: string }) => void) | null = null;
  terminated = false;
  constructor() {
    FakeWorker.last = this;
  }
  postMessage(message: PageRenderRequest): void {
    this.posted.push(message);
  }
  reply(message: PageRenderReply): void {
    this.onmessage?.({ data: message });
  }
  terminate(): void {
    this.terminated = true;
  }
  types(): string[] {
    return this.posted.map((m) => m.type);
  }
}

const source = (avatarHash: string): EnrollmentSource => ({
  avatarHash,
  photo: Uint8Array.of(1, 2, 3),
  width: 512,
  height: 512,
  landmarks: new Float32Array(1434),
});
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('PageRenderer', () => {
  const original = globalThis.Worker;
  let sources: [string, PeerSource, PeerSourceDetail][];
  let ready: unknown[];
  let page: PageRenderer;
  let worker: FakeWorker;
  beforeEach(() => {
    (globalThis as { Worker: unknown }).Worker = FakeWorker;
    sources = [];
    ready = [];
    page = new PageRenderer({
      onImage: () => {},
      onPeerSource: (peerId, s, detail) => sources.push([peerId, s, detail]),
      onReady: (info, error) => ready.push(info ?? error),
    });
    worker = FakeWorker.last as FakeWorker;
  });
  afterEach(() => {
    (globalThis as { Worker: unknown }).Worker = original;
  });

  it('says why a lift failed on the tile, keeps no frames for it, and lifts again on the next registration', async () => {
    worker.reply({ type: 'ready', backend: 'wasm', sharedMemory: true, loadMs: 1 });
    page.registerPeer('p1', 'hash-1', async () => source('hash-1'));
    await settle();
    expect(worker.types()).toEqual(['init', 'lift']);
    worker.reply({
      type: 'lift-failed',
      key: 'hash-1',
      code: 'bad_request',
      message: 'the browser cannot decode this photo',
    });
    expect(sources.at(-1)).toEqual([
      'p1',
      'missing',
      { lift: { kind: 'gave-up', attempts: 1, message: 'the browser cannot decode this photo' } },
    ]);
    page.sendFrame('p1', Uint8Array.of(9));
    expect(worker.types()).toEqual(['init', 'lift']);

    page.registerPeer('p1', 'hash-1', async () => source('hash-1'));
    await settle();
    expect(worker.types()).toEqual(['init', 'lift', 'lift']);
    worker.reply({ type: 'lifted', key: 'hash-1', ms: 500 });
    expect(sources.at(-1)).toEqual(['p1', 'avatar', {}]);
    page.sendFrame('p1', Uint8Array.of(9));
    expect(worker.types().at(-1)).toBe('frame');
  });

  it('forgets an avatar whose peers all left while it lifted, and one whose last peer leaves', async () => {
    page.registerPeer('p1', 'hash-1', async () => source('hash-1'));
    page.registerPeer('p2', 'hash-2', async () => source('hash-2'));
    await settle();
    page.unregisterPeer('p1');
    worker.reply({ type: 'lifted', key: 'hash-1', ms: 500 });
    worker.reply({ type: 'lifted', key: 'hash-2', ms: 500 });
    page.unregisterPeer('p2');
    // p1's leaving forgets hash-1 before its lift has stored anything; the lift then finishes, and is forgotten again.
    const forgotten = worker.posted.filter((m) => m.type === 'forget').map((m) => (m as { key: string }).key);
    expect(forgotten).toEqual(['hash-1', 'hash-1', 'hash-2']);
  });

  it('reports a renderer that could not start, and rejects a preview waiting on it', async () => {
    const preview = page.preview(source('hash-1'), { views: 3, maxYawDeg: 30, tileSize: 64 }, () => {});
    worker.onerror?.({ message: 'worker script failed to load' });
    await expect(preview).rejects.toThrow('worker script failed to load');
    expect(ready).toEqual(['worker script failed to load']);
    expect(page.status).toBe('unavailable');
    page.close();
    expect(worker.terminated).toBe(true);
  });
});
