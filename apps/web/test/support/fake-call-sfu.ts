import type { PeerIdentity, SignalingNotification } from '@holocall/protocol';

/**
 * Fakes of what CallSession talks to, for unit tests (vi.mock swaps them in for
 * mediasoup-client's Device and the SignalingClient): a signaling socket the test connects and
 * drops, an SFU that answers requests (and fails the ones it is told to), and transports whose
 * connection state the test sets.
 */

type Listener = (...args: unknown[]) => void;

class Emitter {
  private readonly listeners = new Map<string, Listener[]>();

  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  emit(event: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? []) listener(...args);
  }
}

export class FakeSocket extends Emitter {
  connected = false;
  active = true;

  serverConnect(): void {
    this.connected = true;
    this.emit('connect');
  }

  serverDisconnect(reason = 'transport close'): void {
    this.connected = false;
    this.emit('disconnect', reason);
  }
}

export type Answer = (body: Record<string, unknown>) => unknown;

/** The SFU as far as the fake signaling asks it: default answers, and failures queued per request type. */
export class FakeSfu {
  readonly requests: { type: string; body: Record<string, unknown> }[] = [];
  private readonly failures = new Map<string, Error[]>();
  private readonly hooks = new Map<string, () => void>();
  /** Who owns each producer the test announced (the answer to `consume` names them). */
  readonly owners = new Map<string, PeerIdentity>();
  private nextId = 1;

  /** Runs `hook` once, as the SFU answers the next request of `type` (to interleave a notification). */
  onNext(type: string, hook: () => void): void {
    this.hooks.set(type, hook);
  }

  /** The next `count` requests of `type` are answered with `error`. */
  fail(type: string, error: Error, count = 1): void {
    this.failures.set(type, [...(this.failures.get(type) ?? []), ...Array.from({ length: count }, () => error)]);
  }

  count(type: string): number {
    return this.requests.filter((r) => r.type === type).length;
  }

  async answer(type: string, body: Record<string, unknown>): Promise<unknown> {
    this.requests.push({ type, body });
    const failure = this.failures.get(type)?.shift();
    if (failure) throw failure;
    const hook = this.hooks.get(type);
    this.hooks.delete(type);
    hook?.();
    switch (type) {
      case 'join':
        return {
          self: { peerId: `self-${this.nextId++}` },
          routerRtpCapabilities: {},
          peers: [],
          producers: [],
          dataProducers: [],
          grants: { publishAudio: false, publishDriverFrames: false },
        };
      case 'createWebRtcTransport':
        return {
          transportId: `transport-${this.nextId++}`,
          iceParameters: {},
          iceCandidates: [],
          dtlsParameters: {},
        };
      case 'consume':
        return {
          consumerId: `consumer-${this.nextId++}`,
          producerId: body.producerId,
          kind: 'audio',
          rtpParameters: {},
          owner: this.owners.get(String(body.producerId)),
        };
      case 'consumeData':
        return {
          dataConsumerId: `data-consumer-${this.nextId++}`,
          dataProducerId: body.dataProducerId,
          sctpStreamParameters: {},
          label: 'driver',
          protocol: '',
          owner: this.owners.get(String(body.dataProducerId)),
        };
      case 'restartIce':
        return { iceParameters: { usernameFragment: `ice-${this.nextId++}` } };
      default:
        return {};
    }
  }
}

export class FakeSignaling {
  static sfu = new FakeSfu();
  static instances: FakeSignaling[] = [];
  readonly socket = new FakeSocket();
  private readonly listeners = new Set<(n: SignalingNotification) => void>();
  rejectedNotifications = 0;

  constructor(readonly url: string) {
    FakeSignaling.instances.push(this);
  }

  onNotification(listener: (n: SignalingNotification) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(n: SignalingNotification): void {
    for (const listener of this.listeners) listener(n);
  }

  request(type: string, body: Record<string, unknown>): Promise<unknown> {
    return FakeSignaling.sfu.answer(type, body);
  }

  close(): void {
    this.listeners.clear();
  }
}

export class FakeTransport extends Emitter {
  closed = false;
  connectionState = 'new';
  readonly iceRestarts: unknown[] = [];

  constructor(
    readonly id: string,
    readonly direction: 'send' | 'recv',
  ) {
    super();
  }

  /** The browser's ICE/DTLS state changed. */
  setState(state: string): void {
    this.connectionState = state;
    this.emit('connectionstatechange', state);
  }

  async restartIce({ iceParameters }: { iceParameters: unknown }): Promise<void> {
    this.iceRestarts.push(iceParameters);
  }

  readonly consumed: string[] = [];

  async consume({ id, producerId }: { id: string; producerId: string }) {
    this.consumed.push(producerId);
    return { id, producerId, track: {}, close() {} };
  }

  async consumeData({ id, dataProducerId }: { id: string; dataProducerId: string }) {
    this.consumed.push(dataProducerId);
    return Object.assign(new Emitter(), { id, dataProducerId, binaryType: 'blob', close() {} });
  }

  async getStats(): Promise<Map<string, unknown>> {
    return new Map();
  }

  close(): void {
    this.closed = true;
    this.connectionState = 'closed';
  }
}

export class FakeDevice {
  static transports: FakeTransport[] = [];
  readonly recvRtpCapabilities = {};

  async load(): Promise<void> {}

  createSendTransport(params: { id: string }): FakeTransport {
    return FakeDevice.track(new FakeTransport(params.id, 'send'));
  }

  createRecvTransport(params: { id: string }): FakeTransport {
    return FakeDevice.track(new FakeTransport(params.id, 'recv'));
  }

  private static track(t: FakeTransport): FakeTransport {
    FakeDevice.transports.push(t);
    return t;
  }

  /** The transports of the current join (the last two made). */
  static get current(): FakeTransport[] {
    return FakeDevice.transports.slice(-2);
  }
}

export function resetFakes(): void {
  FakeSignaling.sfu = new FakeSfu();
  FakeSignaling.instances = [];
  FakeDevice.transports = [];
}
