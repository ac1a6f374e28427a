import type { HolocallError, PeerIdentity } from '@holocall/protocol';
import type { types } from 'mediasoup';
import { TypedEmitter } from '../events/typed-emitter';
import { DriverFrameGuard } from '../limits/driver-frame-guard';

export interface DriverChannelEvents {
  /** Frames were dropped for crossing a limit; tell the sender (already rate-limited per kind). */
  limitexceeded: [error: HolocallError];
  close: [];
}

/**
 * The path one sender's driver frames take through the SFU.
 *
 * mediasoup 3.12 forwards SCTP messages inside the worker with no hook to inspect them, so
 * the sender's DataProducer is consumed only by a DirectTransport tap in this process; each
 * frame is checked (size, rate), counted, and re-sent through a direct DataProducer that the
 * receivers consume. Fan-out still happens in the worker. Receivers learn the owner from the
 * SFU (`owner`, from the sender's room token), never from the frame.
 */
export class DriverChannel extends TypedEmitter<DriverChannelEvents> {
  /** The id peers use: the sender's DataProducer id. */
  readonly id: string;
  readonly owner: PeerIdentity;
  readonly source: types.DataProducer;
  readonly relay: types.DataProducer;
  readonly guard: DriverFrameGuard;
  private readonly tap: types.DataConsumer;
  private isClosed = false;

  private constructor(
    source: types.DataProducer,
    tap: types.DataConsumer,
    relay: types.DataProducer,
    owner: PeerIdentity,
    guard: DriverFrameGuard,
  ) {
    super();
    this.id = source.id;
    this.owner = owner;
    this.source = source;
    this.relay = relay;
    this.guard = guard;
    this.tap = tap;
    tap.on('message', (message, ppid) => this.onFrame(message, ppid));
    source.observer.on('close', () => this.close());
    tap.observer.on('close', () => this.close());
    relay.observer.on('close', () => this.close());
  }

  static async create(
    relayTransport: types.DirectTransport,
    source: types.DataProducer,
    owner: PeerIdentity,
    guard: DriverFrameGuard = new DriverFrameGuard(),
  ): Promise<DriverChannel> {
    const tap = await relayTransport.consumeData({ dataProducerId: source.id });
    let relay: types.DataProducer;
    try {
      relay = await relayTransport.produceData({
        label: source.label,
        protocol: source.protocol,
        appData: { ownerPeerId: owner.peerId },
      });
    } catch (error) {
      tap.close();
      throw error;
    }
    return new DriverChannel(source, tap, relay, owner, guard);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.tap.close();
    this.relay.close();
    this.source.close();
    this.emit('close');
  }

  private onFrame(message: Buffer, ppid: number): void {
    if (this.isClosed) return;
    const verdict = this.guard.check(message.length);
    if (verdict === 'pass') {
      this.relay.send(message, ppid);
      return;
    }
    const notice = this.guard.noticeFor(verdict, message.length);
    if (notice) this.emit('limitexceeded', notice);
  }
}
