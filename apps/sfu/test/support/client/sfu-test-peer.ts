import type { DataProducerInfo, PeerIdentity, ProducerInfo, SignalingResponseOf } from '@holocall/protocol';
import type { RTCDataChannel, RtpPacket } from 'werift';
import { SignalingClient } from './signaling-client';
import { SCTP_CAPABILITIES, WERIFT_RTP_CAPABILITIES } from './werift-config';
import { WeriftRecvTransport } from './werift-recv-transport';
import type { MediaSender } from './werift-send-transport';
import { WeriftSendTransport } from './werift-send-transport';

export type FrameListener = (owner: PeerIdentity, frame: Buffer) => void;
export type RtpListener = (owner: PeerIdentity, packet: RtpPacket, kind: 'audio' | 'video') => void;

/**
 * A whole call participant in Node: signaling plus a werift send and receive transport,
 * doing what a browser with mediasoup-client does. Used by the SFU's tests and the bench.
 */
export class SfuTestPeer {
  readonly signaling: SignalingClient;
  joined: SignalingResponseOf<'join'> | undefined;
  send: WeriftSendTransport | undefined;
  recv: WeriftRecvTransport | undefined;
  private driverChannel: { dataProducerId: string; send: (bytes: Buffer) => void } | undefined;
  private frameListeners: FrameListener[] = [];
  private rtpListeners: RtpListener[] = [];
  private unsubscribe: (() => void) | undefined;
  private consumedData = new Set<string>();
  private consumedMedia = new Set<string>();
  private receivingChannels: RTCDataChannel[] = [];
  private noticesAtJoin = 0;
  /** Errors from background consumption (a test asserts there are none). */
  readonly backgroundErrors: unknown[] = [];

  private constructor(signaling: SignalingClient) {
    this.signaling = signaling;
  }

  static async connect(url: string): Promise<SfuTestPeer> {
    return new SfuTestPeer(await SignalingClient.connect(url));
  }

  get self(): PeerIdentity {
    if (!this.joined) throw new Error('not joined');
    return this.joined.self;
  }

  async join(roomId: string, token: string): Promise<SignalingResponseOf<'join'>> {
    this.noticesAtJoin = this.signaling.notifications.length;
    this.joined = await this.signaling.request('join', { roomId, token });
    await this.signaling.request('setCapabilities', {
      rtpCapabilities: WERIFT_RTP_CAPABILITIES,
      sctpCapabilities: SCTP_CAPABILITIES,
    });
    return this.joined;
  }

  async publishDriverFrames(): Promise<string> {
    this.send ??= await WeriftSendTransport.create(this.signaling);
    const { dataProducerId, channel } = await this.send.produceDriverFrames();
    this.driverChannel = { dataProducerId, send: (bytes) => channel.send(bytes) };
    return dataProducerId;
  }

  sendFrame(bytes: Buffer): void {
    if (!this.driverChannel) throw new Error('publishDriverFrames first');
    this.driverChannel.send(bytes);
  }

  async publish(kind: 'audio' | 'video'): Promise<MediaSender> {
    this.send ??= await WeriftSendTransport.create(this.signaling);
    return this.send.produce(kind);
  }

  /** Driver-frame channels this peer receives on that are open now. */
  get openReceivingChannels(): number {
    return this.receivingChannels.filter((channel) => channel.readyState === 'open').length;
  }

  onFrame(listener: FrameListener): void {
    this.frameListeners.push(listener);
  }

  onRtp(listener: RtpListener): void {
    this.rtpListeners.push(listener);
  }

  /**
   * Consumes every driver-frame channel and media producer already in the room and each
   * new one as it is announced.
   */
  async subscribe(options: { media?: boolean } = {}): Promise<void> {
    if (!this.joined) throw new Error('join first');
    this.recv ??= await WeriftRecvTransport.create(this.signaling);
    const media = options.media ?? true;
    this.unsubscribe?.();
    this.unsubscribe = this.signaling.onNotification((n) => {
      if (n.type === 'newDataProducer')
        void this.consumeData(n.dataProducer).catch((e) => this.backgroundErrors.push(e));
      if (n.type === 'newProducer' && media) void this.consume(n.producer).catch((e) => this.backgroundErrors.push(e));
    });
    // Producers announced between join and now are in the notifications already received.
    const since = this.signaling.notifications.slice(this.noticesAtJoin);
    const closed = new Set(
      since.flatMap((n) =>
        n.type === 'dataProducerClosed' ? [n.dataProducerId] : n.type === 'producerClosed' ? [n.producerId] : [],
      ),
    );
    const dataProducers = [
      ...this.joined.dataProducers,
      ...since.flatMap((n) => (n.type === 'newDataProducer' ? [n.dataProducer] : [])),
    ].filter((info) => !closed.has(info.dataProducerId));
    const producers = [
      ...this.joined.producers,
      ...since.flatMap((n) => (n.type === 'newProducer' ? [n.producer] : [])),
    ].filter((info) => !closed.has(info.producerId));
    await Promise.all([
      ...dataProducers.map((info) => this.consumeData(info)),
      ...(media ? producers.map((info) => this.consume(info)) : []),
    ]);
  }

  /** Drops every transport (after `rejoinRequired` the SFU side is gone) so the peer can join again. */
  async resetMedia(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.driverChannel = undefined;
    this.consumedData.clear();
    this.consumedMedia.clear();
    this.receivingChannels = [];
    await Promise.all([this.send?.close(), this.recv?.close()]);
    this.send = undefined;
    this.recv = undefined;
    this.joined = undefined;
  }

  async close(): Promise<void> {
    await this.resetMedia();
    this.signaling.close();
  }

  private async consumeData(info: DataProducerInfo): Promise<void> {
    if (!this.recv || this.consumedData.has(info.dataProducerId)) return;
    this.consumedData.add(info.dataProducerId);
    const received = await this.recv.consumeData(info.dataProducerId);
    this.receivingChannels.push(received.channel);
    received.channel.onMessage.subscribe((message) => {
      const bytes = typeof message === 'string' ? Buffer.from(message) : message;
      for (const listener of this.frameListeners) listener(received.owner, bytes);
    });
  }

  private async consume(info: ProducerInfo): Promise<void> {
    if (!this.recv || this.consumedMedia.has(info.producerId)) return;
    this.consumedMedia.add(info.producerId);
    const received = await this.recv.consume(info.producerId);
    received.track.onReceiveRtp.subscribe((packet) => {
      for (const listener of this.rtpListeners) listener(received.owner, packet, info.kind);
    });
  }
}
