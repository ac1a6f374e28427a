import { vi } from 'vitest';

/**
 * A browser WebSocket as far as the call page's inference client uses it, driven by the test:
 * `serverOpen()`, `serverSend(json)`, `serverClose(code)`. Every socket the page opens is kept
 * in `FakeWebSocket.opened`, in order. Install with `installFakeWebSocket()` (a stubbed global).
 */
export class FakeWebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static opened: FakeWebSocket[] = [];

  readyState = FakeWebSocket.CONNECTING;
  binaryType = 'blob';
  bufferedAmount = 0;
  readonly sent: (string | Uint8Array)[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;

  constructor(readonly url: string) {
    FakeWebSocket.opened.push(this);
  }

  send(data: string | Uint8Array): void {
    if (this.readyState !== FakeWebSocket.OPEN) throw new Error('send on a socket that is not open');
    this.sent.push(data);
  }

  close(): void {
    this.serverClose(1000);
  }

  /** The JSON messages the page sent, parsed. */
  get json(): Record<string, unknown>[] {
    return this.sent.filter((m): m is string => typeof m === 'string').map((m) => JSON.parse(m));
  }

  get binaries(): Uint8Array[] {
    return this.sent.filter((m): m is Uint8Array => typeof m !== 'string');
  }

  serverOpen(): void {
    this.readyState = FakeWebSocket.OPEN;
    this.onopen?.();
  }

  serverSend(message: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }

  serverClose(code: number, reason = ''): void {
    if (this.readyState === FakeWebSocket.CLOSED) return;
    this.readyState = FakeWebSocket.CLOSED;
    this.onclose?.({ code, reason });
  }
}

export function installFakeWebSocket(): void {
  FakeWebSocket.opened = [];
  vi.stubGlobal('WebSocket', FakeWebSocket);
}

/** The node's welcome, as the protocol's schema has it. */
export const WELCOME = {
  type: 'welcome',
  protocolVersion: 1,
  node: {
    renderer: 'cpu-sparse-marcher',
    executionProvider: 'cpu',
    reenact: 'identity',
    untrained: false,
    threads: 0,
  },
  limits: { maxSenders: 16, maxRenderPixels: 1 << 22, maxBinaryBytes: 1 << 24 },
};
