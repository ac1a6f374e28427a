import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openNodeSocket } from '../src/client/inference/connect';
import type { InferenceStatus } from '../src/client/inference/inference-types';
import {
  isLoopbackHost,
  LNA_EXPLAIN_MS,
  NODE_WATCH_POLICY,
  NodePresence,
  nodeAccess,
  nodeCommand,
  nodeNotice,
  type PresenceState,
} from '../src/client/inference/node-presence';
import { FakeWebSocket, installFakeWebSocket, WELCOME } from './support/fake-web-socket';

describe('Local Network Access: what the permission means for the page', () => {
  it('pages on this computer are exempt, whatever the permission says', () => {
    for (const host of ['localhost', 'app.localhost', '127.0.0.1', '127.8.0.3', '[::1]', '::1']) {
      expect(isLoopbackHost(host), host).toBe(true);
      expect(nodeAccess(host, 'denied')).toBe('exempt');
    }
    for (const host of ['10.0.0.2', 'calls.example', '128.0.0.1', 'localhost.example']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  it('elsewhere: granted or unknown to the browser → try; prompt → explain first; denied → blocked', () => {
    expect(nodeAccess('calls.example', 'granted')).toBe('allowed');
    expect(nodeAccess('calls.example', 'unknown')).toBe('allowed');
    expect(nodeAccess('192.168.1.20', 'prompt')).toBe('will-prompt');
    expect(nodeAccess('calls.example', 'denied')).toBe('blocked');
  });
});

describe('the command a page shows', () => {
  it('names the page origin, and a CA file for https on a name no public CA certifies', () => {
    expect(nodeCommand('https://calls.example')).toEqual({
      command: 'npm run node -- --server https://calls.example',
      caFile: null,
    });
    expect(nodeCommand('http://localhost:3000').command).toBe('npm run node -- --server http://localhost:3000');
    for (const origin of ['https://192.168.1.20:8443', 'https://holocall.lan', 'https://box', 'https://h.local']) {
      expect(nodeCommand(origin), origin).toEqual({
        command: `npm run node -- --server ${origin} --ca ca-cert.pem`,
        caFile: 'ca-cert.pem',
      });
    }
  });
});

describe('what the page says about the node', () => {
  const origin = 'https://calls.example';
  const state = (patch: Partial<PresenceState> = {}): PresenceState => ({
    access: 'allowed',
    server: null,
    tried: true,
    ...patch,
  });

  it('explains the browser question before the first try, and nothing once the node answers', () => {
    expect(nodeNotice('connecting', state({ access: 'will-prompt', tried: false }), origin)).toEqual({
      kind: 'explain-prompt',
    });
    expect(nodeNotice('connecting', state({ access: 'allowed', tried: false }), origin).kind).toBe('none');
    expect(nodeNotice('ready', state({ access: 'will-prompt' }), origin).kind).toBe('none');
  });

  it('no node: the command; blocked: how to undo it, and the command too; gone mid-call: the same', () => {
    const absent = nodeNotice('unavailable', state(), origin);
    expect(absent).toEqual({ kind: 'absent', command: 'npm run node -- --server https://calls.example', caFile: null });
    expect(nodeNotice('reconnecting', state(), origin).kind).toBe('absent');
    expect(nodeNotice('unavailable', state({ access: 'blocked' }), origin)).toMatchObject({
      kind: 'blocked',
      command: 'npm run node -- --server https://calls.example',
    });
  });

  it('a node that cannot reach its server says so, whether it welcomed the page or refused it', () => {
    const server = { url: origin, reachable: false, detail: 'DNS: the name calls.example does not resolve' };
    const expected = { kind: 'server-unreachable', server: origin, detail: server.detail };
    expect(nodeNotice('ready', state({ server }), origin)).toEqual(expected);
    expect(nodeNotice('unavailable', state({ server }), origin)).toEqual(expected);
    expect(nodeNotice('ready', state({ server: { url: origin, reachable: true } }), origin).kind).toBe('none');
  });
});

/** navigator.permissions as far as the page uses it: one status per name, its state set by the test. */
function fakePermissions(known: Record<string, string>) {
  const statuses = new Map<string, { state: string; listeners: (() => void)[] }>();
  return {
    queried: [] as string[],
    async query({ name }: { name: string }) {
      this.queried.push(name);
      if (!(name in known)) throw new TypeError(`'${name}' is not a valid PermissionName`);
      let s = statuses.get(name);
      if (!s) {
        const status = { state: known[name] as string, listeners: [] as (() => void)[] };
        statuses.set(name, status);
        s = status;
      }
      const entry = s;
      return {
        get state() {
          return entry.state;
        },
        addEventListener: (_type: 'change', listener: () => void) => entry.listeners.push(listener),
      };
    },
    set(name: string, state: string) {
      const s = statuses.get(name);
      if (!s) return;
      s.state = state;
      for (const l of s.listeners) l();
    },
  };
}

describe('the page finds its node, asking the permission first', () => {
  beforeEach(() => {
    installFakeWebSocket();
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });
  const target = { url: 'ws://127.0.0.1:3002/ws', token: 't' };
  const handlers = (statuses: InferenceStatus[]) => ({
    onMessage: () => {},
    onBinary: () => {},
    onStatus: (s: InferenceStatus) => statuses.push(s),
  });

  it("on 'prompt', explains for a moment before the first try; a Block then Allow retries at once", async () => {
    const permissions = fakePermissions({ 'loopback-network': 'prompt', 'local-network-access': 'prompt' });
    const presence = new NodePresence('192.168.1.20', permissions);
    const statuses: InferenceStatus[] = [];
    const socket = openNodeSocket(target, handlers(statuses), { presence });
    await vi.advanceTimersByTimeAsync(0);
    expect(permissions.queried).toEqual(['loopback-network']);
    expect(presence.snapshot).toMatchObject({ access: 'will-prompt', tried: false });
    expect(FakeWebSocket.opened).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(LNA_EXPLAIN_MS);
    expect(FakeWebSocket.opened).toHaveLength(1);
    expect(presence.snapshot.tried).toBe(true);

    // The user chose Block: the socket fails (1006), the page says blocked and keeps watching.
    permissions.set('loopback-network', 'denied');
    FakeWebSocket.opened[0]?.serverClose(1006);
    expect(presence.snapshot.access).toBe('blocked');
    expect(statuses.at(-1)).toBe('unavailable');
    // Allow in the site settings: the page tries at once, not after the next delay.
    permissions.set('loopback-network', 'granted');
    expect(FakeWebSocket.opened).toHaveLength(2);
    FakeWebSocket.opened[1]?.serverOpen();
    FakeWebSocket.opened[1]?.serverSend(WELCOME);
    expect(statuses.at(-1)).toBe('ready');
    socket.close();
  });

  it('a browser that knows neither name just tries; a page on this computer does not even ask', async () => {
    const none = fakePermissions({});
    const presence = new NodePresence('calls.example', none);
    const socket = openNodeSocket(target, handlers([]), { presence });
    await vi.advanceTimersByTimeAsync(0);
    expect(none.queried).toEqual(['loopback-network', 'local-network-access']);
    expect(FakeWebSocket.opened).toHaveLength(1);
    socket.close();

    const local = fakePermissions({ 'loopback-network': 'prompt' });
    const localSocket = openNodeSocket(target, handlers([]), { presence: new NodePresence('localhost', local) });
    await vi.advanceTimersByTimeAsync(0);
    expect(local.queried).toEqual([]);
    expect(FakeWebSocket.opened).toHaveLength(2);
    localSocket.close();
  });

  it('keeps looking for a node that is not there, every few seconds, and finds it when it starts', async () => {
    const statuses: InferenceStatus[] = [];
    const socket = openNodeSocket(target, handlers(statuses), { presence: null });
    for (let i = 0; i < 6; i++) {
      FakeWebSocket.opened.at(-1)?.serverClose(1006);
      await vi.advanceTimersByTimeAsync(4500);
    }
    expect(FakeWebSocket.opened).toHaveLength(7);
    expect(statuses.every((s) => s === 'unavailable')).toBe(true);
    FakeWebSocket.opened.at(-1)?.serverOpen();
    FakeWebSocket.opened.at(-1)?.serverSend(WELCOME);
    expect(statuses.at(-1)).toBe('ready');
    // It goes away: reconnecting, then found again.
    FakeWebSocket.opened.at(-1)?.serverClose(1001);
    expect(statuses.at(-1)).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(750);
    expect(FakeWebSocket.opened).toHaveLength(8);
    socket.close();
    // The policy's longest wait stays within 2–5 s.
    expect(Math.max(...NODE_WATCH_POLICY.delaysMs) * (1 + NODE_WATCH_POLICY.jitter)).toBeLessThanOrEqual(5000);
  });

  it("hears the node's word on its server: from the welcome, and from a hello refused for lack of keys", async () => {
    const presence = new NodePresence('localhost', null);
    const socket = openNodeSocket(target, handlers([]), { presence });
    await vi.advanceTimersByTimeAsync(0);
    const server = { url: 'https://calls.example', reachable: false, detail: 'connection refused' };
    FakeWebSocket.opened[0]?.serverOpen();
    FakeWebSocket.opened[0]?.serverSend({
      type: 'error',
      code: 'unavailable',
      message: 'this node cannot check page tokens',
      details: { reason: 'token_keys_unavailable', server },
    });
    FakeWebSocket.opened[0]?.serverClose(4401);
    expect(presence.snapshot.server).toEqual(server);
    await vi.advanceTimersByTimeAsync(750);
    FakeWebSocket.opened[1]?.serverOpen();
    FakeWebSocket.opened[1]?.serverSend({ ...WELCOME, server: { url: server.url, reachable: true } });
    expect(presence.snapshot.server).toEqual({ url: server.url, reachable: true });
    socket.close();
  });
});
