import {
  decodeRenderedFrame,
  encodeDriverFrame,
  encodeDriverFrameEnvelope,
  encodeTriplaneEnvelope,
  TRIPLANE_UPLOAD_FLOATS,
  triplaneContentHash,
} from '@holocall/protocol';
import { testSigningKey } from '@holocall/protocol/test-support/token-keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log';
import { CpuRenderStage } from '../src/render/cpu-render-stage';
import { RenderPool } from '../src/render/render-pool';
import type { SchedulerStats } from '../src/senders/latest-frame-scheduler';
import type { PreparedTriplane, RenderedFrame, RenderRequest, RenderStage } from '../src/stages/contract';
import { type RunningNode, startInferenceNode } from '../src/start';
import type { Triplane } from '../src/triplane/layout';
import { authed, connect, ORIGIN, pageToken, testConfig, waitFor } from './support/ws-client';

const HASH = 'feedface'.repeat(4);
const log = createLogger({}, 'silent');

/** Wraps a render stage and makes every render take at least `delayMs` (to pile frames up). */
class SlowStage implements RenderStage {
  delayMs = 0;
  renderedSeqs: number[] = [];
  constructor(private readonly inner: RenderStage) {}
  get name() {
    return this.inner.name;
  }
  get executionProvider() {
    return this.inner.executionProvider;
  }
  get untrained() {
    return this.inner.untrained;
  }
  prepare(t: Triplane) {
    return this.inner.prepare(t);
  }
  release(p: PreparedTriplane) {
    this.inner.release(p);
  }
  /** Renders in flight now. */
  rendering = 0;
  async render(p: PreparedTriplane, r: Triplane | null, req: RenderRequest): Promise<RenderedFrame> {
    this.rendering++;
    try {
      if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      return await this.inner.render(p, r, req);
    } finally {
      this.rendering--;
    }
  }
  close() {
    return this.inner.close();
  }
}

function driverFrame(seq: number): Uint8Array {
  return encodeDriverFrame({
    seq,
    captureTimeMs: 1_700_000_000_000 + seq,
    pose: { rotation: [0.1, 0, 0], translation: [0, 0, 0.6] },
    expression: { kind: 'none' },
  });
}

describe('inference node API', () => {
  let running: RunningNode;
  let stage: SlowStage;
  beforeAll(async () => {
    stage = new SlowStage(new CpuRenderStage(await RenderPool.start(0)));
    running = await startInferenceNode(testConfig(), log, { stage, helloTimeoutMs: 400 });
  });
  afterAll(async () => {
    await running.close();
  });

  it('refuses a WebSocket from another origin, or without one, before it opens', async () => {
    await expect(connect(running.port, 'http://evil.test')).rejects.toThrow('HTTP 403');
    await expect(connect(running.port)).rejects.toThrow('HTTP 403');
    expect(running.server.refused.origin).toBeGreaterThanOrEqual(2);
  });

  it('closes a connection that sends no hello in time', async () => {
    const c = await connect(running.port, ORIGIN);
    expect((await c.closed).code).toBe(4408);
  });

  it('closes a connection whose first message is not hello, or whose token is bad or expired', async () => {
    const cases: [unknown, string][] = [
      [{ type: 'get-stats' }, 'unauthenticated'],
      [{ type: 'hello', protocolVersion: 1, token: 'not-a-token' }, 'unauthenticated'],
      [
        {
          type: 'hello',
          protocolVersion: 1,
          token: await pageToken({ issuedAt: Math.floor(Date.now() / 1000) - 3600 }),
        },
        'token_expired',
      ],
      [
        {
          type: 'hello',
          protocolVersion: 1,
          // Another server's key: not in the JWKS.
          token: await pageToken({ key: await testSigningKey('another-server') }),
        },
        'unauthenticated',
      ],
      [
        {
          type: 'hello',
          protocolVersion: 1,
          // A kid the web app never published.
          token: await pageToken({ kid: 'no-such-key' }),
        },
        'unauthenticated',
      ],
      [
        {
          type: 'hello',
          protocolVersion: 1,
          token: await pageToken({ origin: 'http://other.test' }),
        },
        'origin_refused',
      ],
    ];
    for (const [first, code] of cases) {
      const c = await connect(running.port, ORIGIN);
      c.sendJson(first);
      const err = await c.next((m) => m.type === 'error');
      expect(err.code).toBe(code);
      expect((await c.closed).code).toBe(4401);
    }
    // Binary before hello is refused the same way.
    const c = await connect(running.port, ORIGIN);
    c.ws.send(encodeDriverFrameEnvelope('p1', driverFrame(1)));
    expect((await c.closed).code).toBe(4401);
  });

  it('answers malformed messages with typed errors and keeps the connection', async () => {
    const c = await authed(running.port);
    c.ws.send('{not json');
    expect((await c.next((m) => m.type === 'error')).code).toBe('bad_request');
    c.sendJson({ type: 'set-quality', level: 'ultra' });
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ code: 'bad_request', inReplyTo: 'set-quality' });
    c.sendJson({ type: 'ping', pad: 'x'.repeat(20_000) });
    expect((await c.next((m) => m.type === 'error')).code).toBe('too_large');
    c.ws.send(Uint8Array.from([9, 9, 9]));
    expect((await c.next((m) => m.type === 'error')).code).toBe('malformed_frame');
    c.ws.send(encodeDriverFrameEnvelope('nobody', driverFrame(1)));
    expect((await c.next((m) => m.type === 'error')).code).toBe('not_found');
    c.sendJson({ type: 'register-sender', peerId: 'p1', avatarHash: HASH, source: 'cache' });
    expect((await c.next((m) => m.type === 'error')).code).toBe('not_found');
    c.sendJson({ type: 'hello', protocolVersion: 1, token: 'again' });
    expect((await c.next((m) => m.type === 'error')).code).toBe('conflict');
    c.sendJson({ type: 'ping', nonce: 7 });
    expect(await c.next((m) => m.type === 'pong')).toEqual({ type: 'pong', nonce: 7 });
    c.ws.close();
  });

  it('renders a registered demo sender and returns a decodable frame', async () => {
    const c = await authed(running.port);
    c.sendJson({ type: 'register-sender', peerId: 'p1', avatarHash: HASH, source: 'synthetic-head' });
    expect(await c.next((m) => m.type === 'registered')).toMatchObject({ peerId: 'p1', awaitingUpload: false });
    c.sendJson({ type: 'set-view', view: { kind: 'flat', width: 64, height: 48 } });
    await c.next((m) => m.type === 'ok');
    c.sendJson({ type: 'set-quality', level: 'interactive' });
    await c.next((m) => m.type === 'ok');
    c.ws.send(encodeDriverFrameEnvelope('p1', driverFrame(5)));
    await waitFor(() => c.binaries.length >= 1);
    expect(c.binaries.length).toBe(1);
    const { header, image } = decodeRenderedFrame(c.binaries[0]!);
    expect(header).toMatchObject({ peerId: 'p1', seq: 5, format: 'rgba', width: 64, height: 48, layout: 'flat' });
    expect(image.length).toBe(64 * 48 * 4);
    expect(image.some((v) => v > 0)).toBe(true);
    c.sendJson({ type: 'get-stats' });
    const stats = (await c.next((m) => m.type === 'stats')).stats as {
      cache: { entries: number; bytesPerAvatar: number };
    };
    expect(stats.cache.entries).toBeGreaterThanOrEqual(1);
    expect(stats.cache.bytesPerAvatar).toBeGreaterThan(24 * 1024 * 1024);
    c.ws.close();
  });

  it('drops stale frames under load: only the latest waiting frame is rendered', async () => {
    const c = await authed(running.port);
    c.sendJson({ type: 'register-sender', peerId: 'p2', avatarHash: HASH, source: 'synthetic-head' });
    await c.next((m) => m.type === 'registered');
    c.sendJson({ type: 'set-view', view: { kind: 'flat', width: 32, height: 32 } });
    await c.next((m) => m.type === 'ok');
    const frames = () => running.node.stats().frames as SchedulerStats;
    const before = frames();
    stage.delayMs = 150;
    for (let seq = 100; seq < 130; seq++) c.ws.send(encodeDriverFrameEnvelope('p2', driverFrame(seq)));
    c.ws.send(encodeDriverFrameEnvelope('p2', driverFrame(90))); // older than what was seen: stale
    c.sendJson({ type: 'ping' });
    await c.next((m) => m.type === 'pong');
    await running.node.framesIdle();
    stage.delayMs = 0;
    await waitFor(() => c.binaries.length >= frames().rendered - before.rendered);
    const after = frames();
    const rendered = after.rendered - before.rendered;
    expect(after.received - before.received).toBe(31);
    expect(rendered).toBeLessThanOrEqual(3);
    expect(after.droppedSuperseded - before.droppedSuperseded).toBe(30 - rendered);
    expect(after.droppedStale - before.droppedStale).toBe(1);
    const seqs = c.binaries.map((b) => decodeRenderedFrame(b).header.seq);
    expect(seqs[seqs.length - 1]).toBe(129);
    c.ws.close();
  });

  it('with frame credits, keeps no more frames in flight than the page has not answered', async () => {
    const c = await authed(running.port);
    c.sendJson({ type: 'register-sender', peerId: 'pc', avatarHash: HASH, source: 'synthetic-head' });
    await c.next((m) => m.type === 'registered');
    c.sendJson({ type: 'set-view', view: { kind: 'flat', width: 32, height: 32 } });
    await c.next((m) => m.type === 'ok');
    c.sendJson({ type: 'set-output', format: 'rgba', frameCredits: 1 });
    await c.next((m) => m.type === 'ok');
    const rendered = async (seq: number) => {
      c.ws.send(encodeDriverFrameEnvelope('pc', driverFrame(seq)));
      c.sendJson({ type: 'ping' });
      await c.next((m) => m.type === 'pong');
      await running.node.framesIdle();
    };
    await rendered(1);
    await waitFor(() => c.binaries.length === 1);
    // Unanswered: the next frames are dropped before rendering, not queued.
    await rendered(2);
    await rendered(3);
    expect(c.binaries.length).toBe(1);
    c.sendJson({ type: 'frame-received' });
    await rendered(4);
    await waitFor(() => c.binaries.length === 2);
    expect(decodeRenderedFrame(c.binaries[1]!).header.seq).toBe(4);
    // Without credits (the default) frames flow as before.
    c.sendJson({ type: 'set-output', format: 'rgba' });
    await c.next((m) => m.type === 'ok');
    await rendered(5);
    await rendered(6);
    await waitFor(() => c.binaries.length === 4);
    c.ws.close();
  });

  it('labels a frame with the view it was rendered for, even when the view changes mid-render', async () => {
    const c = await authed(running.port);
    c.sendJson({ type: 'register-sender', peerId: 'p3', avatarHash: HASH, source: 'synthetic-head' });
    await c.next((m) => m.type === 'registered');
    c.sendJson({ type: 'set-view', view: { kind: 'flat', width: 40, height: 24 } });
    await c.next((m) => m.type === 'ok');
    stage.delayMs = 200;
    c.ws.send(encodeDriverFrameEnvelope('p3', driverFrame(300)));
    // The render has started with the flat view; switch to a quilt while it is in flight.
    await waitFor(() => (running.node.stats().frames as SchedulerStats).received > 0 && stage.rendering > 0);
    c.sendJson({
      type: 'set-view',
      view: { kind: 'quilt', cols: 2, rows: 2, tileWidth: 16, tileHeight: 16, viewConeDeg: 30 },
    });
    await c.next((m) => m.type === 'ok');
    await waitFor(() => c.binaries.length >= 1);
    stage.delayMs = 0;
    const { header, image } = decodeRenderedFrame(c.binaries[0]!);
    expect(header).toMatchObject({ layout: 'flat', cols: 1, rows: 1, width: 40, height: 24 });
    expect(image.length).toBe(40 * 24 * 4);
    c.ws.close();
  });

  it("shows the synthetic head under a key of its own: it never takes the page's hash in the cache", async () => {
    const c = await authed(running.port);
    const named = 'ee'.repeat(32);
    c.sendJson({ type: 'register-sender', peerId: 'p4', avatarHash: named, source: 'synthetic-head' });
    expect(await c.next((m) => m.type === 'registered')).toMatchObject({ peerId: 'p4', avatarHash: named });
    // Nothing is cached under the named hash: a 'cache' registration for it finds nothing.
    c.sendJson({ type: 'register-sender', peerId: 'p5', avatarHash: named, source: 'cache' });
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ code: 'not_found', details: { peerId: 'p5' } });
    expect(running.node.hasAvatar(named)).toBe(false);
    c.ws.close();
  });

  it('caches an uploaded tri-plane only under its content hash, and refuses one that names another', async () => {
    const c = await authed(running.port);
    const data = new Float32Array(TRIPLANE_UPLOAD_FLOATS);
    for (let i = 0; i < data.length; i += 997) data[i] = (i % 13) / 13;
    const own = await triplaneContentHash(data);
    const named = 'dd'.repeat(32);
    c.sendJson({ type: 'register-sender', peerId: 'u1', avatarHash: named, source: 'upload' });
    expect(await c.next((m) => m.type === 'registered')).toMatchObject({ awaitingUpload: true });
    c.ws.send(encodeTriplaneEnvelope('u1', named, data));
    expect(await c.next((m) => m.type === 'error', 10_000)).toMatchObject({
      code: 'bad_request',
      details: { reason: 'avatar_hash_mismatch' },
    });
    expect(running.node.hasAvatar(named)).toBe(false);
    c.sendJson({ type: 'register-sender', peerId: 'u1', avatarHash: own, source: 'upload' });
    await c.next((m) => m.type === 'registered');
    c.ws.send(encodeTriplaneEnvelope('u1', own, data));
    expect(await c.next((m) => m.type === 'registered' && m.awaitingUpload === false, 10_000)).toMatchObject({
      avatarHash: own,
      cacheHit: true,
    });
    expect(running.node.hasAvatar(own)).toBe(true);
    c.ws.close();
  });

  it('serves /stats to local tools and refuses foreign origins', async () => {
    const res = await fetch(`http://127.0.0.1:${running.port}/stats`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { cache: { maxBytes: number } };
    expect(body.cache.maxBytes).toBe(256 * 1024 * 1024);
    const foreign = await fetch(`http://127.0.0.1:${running.port}/stats`, { headers: { origin: 'http://evil.test' } });
    expect(foreign.status).toBe(403);
  });
});
