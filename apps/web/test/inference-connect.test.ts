import { InferenceWelcome } from '@holocall/protocol';
import { RetryPolicy } from '@holocall/service/retry';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { createLogger } from '../../inference/src/log';
import { CpuRenderStage } from '../../inference/src/render/cpu-render-stage';
import { RenderPool } from '../../inference/src/render/render-pool';
import { type RunningNode, startInferenceNode } from '../../inference/src/start';
import { ORIGIN, pageToken, testConfig } from '../../inference/test/support/ws-client';
import { connectInferenceNode, openNodeSocket, SYNTHETIC_AVATAR_HASH } from '../src/client/inference/connect';
import type { EnrollmentSource, InferenceStatus, PeerSourceDetail } from '../src/client/inference/inference-types';
import { TOKEN_REFRESH_POLICY } from '../src/client/retry-policies';
import { FakeWebSocket, installFakeWebSocket, WELCOME } from './support/fake-web-socket';

const URL = 'ws://127.0.0.1:7010/ws';
const HASH = 'abcdef0123456789'.repeat(2);
const PAST = new Date(Date.now() - 60_000).toISOString();
const FUTURE = new Date(Date.now() + 3_600_000).toISOString();

const latest = () => FakeWebSocket.opened.at(-1) as FakeWebSocket;
const hellos = () => FakeWebSocket.opened.flatMap((ws) => ws.json.filter((m) => m.type === 'hello'));

/** The node's answer to a refused hello: the error, then the close (as apps/inference does it). */
function refuse(ws: FakeWebSocket, code: string) {
  ws.serverSend({ type: 'error', code, message: `refused: ${code}` });
  ws.serverClose(4401, code);
}

describe('the page token for the inference node', () => {
  beforeEach(() => {
    installFakeWebSocket();
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('the welcome fixture is one the protocol accepts', () => {
    expect(InferenceWelcome.parse(WELCOME)).toBeTruthy();
  });

  it('after token_expired, fetches a fresh token and says hello with it', async () => {
    const statuses: InferenceStatus[] = [];
    const refresh = vi.fn(async () => ({ url: URL, token: 'fresh-token', expiresAt: FUTURE }));
    const socket = openNodeSocket(
      { url: URL, token: 'old-token', expiresAt: PAST, refresh },
      { onMessage: () => {}, onBinary: () => {}, onStatus: (s) => statuses.push(s) },
    );
    latest().serverOpen();
    latest().serverSend(WELCOME);
    expect(statuses).toEqual(['ready']);

    // The node restarts after the token's 4 h: the reconnect's hello is refused as expired.
    latest().serverClose(1001);
    await vi.advanceTimersByTimeAsync(1000);
    latest().serverOpen();
    refuse(latest(), 'token_expired');
    await vi.advanceTimersByTimeAsync(0);
    expect(refresh).toHaveBeenCalledTimes(1);
    latest().serverOpen();
    latest().serverSend(WELCOME);

    expect(hellos().map((h) => h.token)).toEqual(['old-token', 'old-token', 'fresh-token']);
    expect(statuses.at(-1)).toBe('ready');
    socket.close();
  });

  it('refreshes on unauthenticated only when the token is past its own expiry', async () => {
    const refresh = vi.fn(async () => ({ url: URL, token: 'fresh-token', expiresAt: FUTURE }));
    const handlers = { onMessage: () => {}, onBinary: () => {}, onStatus: () => {} };

    const stale = openNodeSocket({ url: URL, token: 'stale', expiresAt: PAST, refresh }, handlers);
    latest().serverOpen();
    refuse(latest(), 'unauthenticated');
    await vi.advanceTimersByTimeAsync(0);
    expect(refresh).toHaveBeenCalledTimes(1);
    latest().serverOpen();
    stale.close();

    refresh.mockClear();
    const current = openNodeSocket({ url: URL, token: 'current', expiresAt: FUTURE, refresh }, handlers);
    latest().serverOpen();
    refuse(latest(), 'unauthenticated');
    await vi.advanceTimersByTimeAsync(2000);
    // A token that has not expired is not what the node refused: no refresh, the same token again.
    expect(refresh).not.toHaveBeenCalled();
    latest().serverOpen();
    expect(hellos().map((h) => h.token)).toEqual(['stale', 'fresh-token', 'current', 'current']);
    current.close();
  });

  it('gives up as refused when the policy says stop, and a failed refresh spends a try', async () => {
    const statuses: InferenceStatus[] = [];
    let calls = 0;
    const refresh = vi.fn(async () => {
      calls++;
      if (calls === 1) throw new Error('web app unreachable');
      return { url: URL, token: `fresh-${calls}`, expiresAt: FUTURE };
    });
    const socket = openNodeSocket(
      { url: URL, token: 'old', expiresAt: PAST, refresh },
      { onMessage: () => {}, onBinary: () => {}, onStatus: (s) => statuses.push(s) },
      { refreshPolicy: new RetryPolicy({ delaysMs: [10], maxAttempts: 3 }) },
    );
    latest().serverOpen();
    refuse(latest(), 'token_expired');
    await vi.advanceTimersByTimeAsync(10); // refresh 1 fails
    await vi.advanceTimersByTimeAsync(10); // refresh 2: a token the node refuses too
    latest().serverOpen();
    refuse(latest(), 'token_expired');
    await vi.advanceTimersByTimeAsync(10); // refresh 3
    latest().serverOpen();
    refuse(latest(), 'token_expired');
    await vi.advanceTimersByTimeAsync(1000);
    expect(refresh).toHaveBeenCalledTimes(3);
    expect(statuses.at(-1)).toBe('refused');
    const sockets = FakeWebSocket.opened.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.opened.length).toBe(sockets);
    socket.close();
  });

  it('TOKEN_REFRESH_POLICY is bounded and starts at once', () => {
    expect(TOKEN_REFRESH_POLICY.nextDelay(0)).toBe(0);
    expect(Number.isFinite(TOKEN_REFRESH_POLICY.maxAttempts)).toBe(true);
  });
});

describe('a lift the node answers with unavailable', () => {
  beforeEach(() => {
    installFakeWebSocket();
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  const source: EnrollmentSource = {
    avatarHash: HASH,
    photo: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]),
    width: 512,
    height: 512,
    landmarks: new Float32Array(478 * 3).fill(100),
  };

  function callWithOnePeer(policy: RetryPolicy) {
    const sources: { source: string; detail: PeerSourceDetail }[] = [];
    const node = connectInferenceNode(
      { url: URL, token: 't' },
      {
        onStatus: () => {},
        onImage: () => {},
        onPeerSource: (_peerId, s, detail) => sources.push({ source: s, detail }),
      },
      { liftRetryPolicy: policy },
    );
    const ws = latest();
    ws.serverOpen();
    ws.serverSend(WELCOME);
    node.registerPeer('peer-1', HASH, async () => source);
    return { node, ws, sources };
  }

  const registrations = (ws: FakeWebSocket) =>
    ws.json.filter((m) => m.type === 'register-sender').map((m) => `${m.source}:${m.avatarHash}`);

  /** The node asks for the photo, the page sends it, the node fails the lift. */
  async function failLift(ws: FakeWebSocket, code: 'unavailable' | 'timeout' = 'unavailable') {
    ws.serverSend({ type: 'registered', peerId: 'peer-1', avatarHash: HASH, cacheHit: false, awaitingUpload: true });
    const uploads = ws.binaries.length;
    await vi.waitFor(() => expect(ws.binaries.length).toBe(uploads + 1));
    ws.serverSend({
      type: 'error',
      code,
      message:
        code === 'timeout' ? 'the lift took longer than 30000 ms: try again' : 'the lift worker stopped: try again',
      inReplyTo: 'enrollment',
      details: { peerId: 'peer-1' },
    });
    ws.serverSend({
      type: 'registered',
      peerId: 'peer-1',
      avatarHash: SYNTHETIC_AVATAR_HASH,
      cacheHit: true,
      awaitingUpload: false,
    });
  }

  it('keeps the stand-in meanwhile, registers again after the delay, and shows the avatar once lifted', async () => {
    const { node, ws, sources } = callWithOnePeer(new RetryPolicy({ delaysMs: [1000], maxAttempts: 3 }));
    await failLift(ws);
    expect(registrations(ws)).toEqual([`enrollment:${HASH}`, `synthetic-head:${SYNTHETIC_AVATAR_HASH}`]);
    expect(sources.at(-1)).toMatchObject({
      source: 'synthetic',
      detail: { lift: { kind: 'retrying', attempt: 1, maxAttempts: 3, delayMs: 1000 } },
    });

    await vi.advanceTimersByTimeAsync(1000);
    expect(registrations(ws).at(-1)).toBe(`enrollment:${HASH}`);
    ws.serverSend({ type: 'registered', peerId: 'peer-1', avatarHash: HASH, cacheHit: false, awaitingUpload: true });
    await vi.waitFor(() => expect(ws.binaries.length).toBe(2));
    ws.serverSend({
      type: 'registered',
      peerId: 'peer-1',
      avatarHash: HASH,
      cacheHit: false,
      awaitingUpload: false,
      liftMs: 900,
    });
    expect(sources.at(-1)).toEqual({ source: 'avatar', detail: {} });
    node.close();
  });

  it('retries a lift that ran past its deadline (a busy node), on the same policy', async () => {
    const { node, ws, sources } = callWithOnePeer(new RetryPolicy({ delaysMs: [1000], maxAttempts: 3 }));
    await failLift(ws, 'timeout');
    expect(sources.at(-1)).toMatchObject({ source: 'synthetic', detail: { lift: { kind: 'retrying', attempt: 1 } } });
    await vi.advanceTimersByTimeAsync(1000);
    expect(registrations(ws).at(-1)).toBe(`enrollment:${HASH}`);
    node.close();
  });

  it('gives up with a message after the policy says stop', async () => {
    const { node, ws, sources } = callWithOnePeer(new RetryPolicy({ delaysMs: [100], maxAttempts: 2 }));
    await failLift(ws);
    await vi.advanceTimersByTimeAsync(100);
    await failLift(ws);
    await vi.advanceTimersByTimeAsync(100);
    await failLift(ws);
    expect(sources.at(-1)).toMatchObject({
      source: 'synthetic',
      detail: { lift: { kind: 'gave-up', attempts: 2, message: 'the lift worker stopped: try again' } },
    });
    const count = registrations(ws).length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(registrations(ws).length).toBe(count);
    node.close();
  });

  it('a lift refused for its content is not retried', async () => {
    const { node, ws, sources } = callWithOnePeer(new RetryPolicy({ delaysMs: [100], maxAttempts: 3 }));
    ws.serverSend({ type: 'registered', peerId: 'peer-1', avatarHash: HASH, cacheHit: false, awaitingUpload: true });
    await vi.waitFor(() => expect(ws.binaries.length).toBe(1));
    ws.serverSend({
      type: 'error',
      code: 'face_not_found',
      message: 'no face',
      inReplyTo: 'enrollment',
      details: { peerId: 'peer-1' },
    });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(registrations(ws)).toEqual([`enrollment:${HASH}`, `synthetic-head:${SYNTHETIC_AVATAR_HASH}`]);
    expect(sources.every((s) => s.detail.lift === undefined)).toBe(true);
    node.close();
  });
});

describe('against a real inference node started in-process', () => {
  let running: RunningNode;
  const log = createLogger({}, 'silent');

  beforeAll(async () => {
    running = await startInferenceNode(testConfig(), log, { stage: new CpuRenderStage(await RenderPool.start(0)) });
    // The page's WebSocket, as a browser on ORIGIN would open it.
    vi.stubGlobal(
      'WebSocket',
      class extends NodeWebSocket {
        constructor(url: string) {
          super(url, { origin: ORIGIN });
        }
      },
    );
  });
  afterAll(async () => {
    vi.unstubAllGlobals();
    await running?.close();
  });

  it('a token that expired is refused, and the page comes back with a fresh one', async () => {
    const hourAgo = Math.floor(Date.now() / 1000) - 3600;
    const expired = await pageToken({ issuedAt: hourAgo });
    const refresh = vi.fn(async () => ({
      url: `ws://127.0.0.1:${running.port}/ws`,
      token: await pageToken(),
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    }));
    const statuses: InferenceStatus[] = [];
    const node = connectInferenceNode(
      {
        url: `ws://127.0.0.1:${running.port}/ws`,
        token: expired,
        expiresAt: new Date((hourAgo + 60) * 1000).toISOString(),
        refresh,
      },
      { onStatus: (s) => statuses.push(s), onImage: () => {}, onPeerSource: () => {} },
    );
    await vi.waitFor(() => expect(statuses).toContain('ready'), { timeout: 5000 });
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(statuses).not.toContain('refused');
    node.close();
  });
});
