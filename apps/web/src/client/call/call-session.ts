import {
  type DataProducerInfo,
  DRIVER_DATA_LABEL,
  type DriverFrame,
  type PeerIdentity,
  type ProducerInfo,
  type SignalingNotification,
  tryDecodeDriverFrame,
} from '@holocall/protocol';
import { Device } from 'mediasoup-client';
import type { Consumer, DataConsumer, DataProducer, Producer, Transport } from 'mediasoup-client/types';
import type { JoinRoomResponse } from '../api';
import { SignalingClient } from './signaling';

/** mediasoup-client 3.21+ no longer reports SCTP capabilities; this is what Chromium supports. */
const SCTP_CAPABILITIES = { numStreams: { OS: 1024, MIS: 1024 } };

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'replaced' | 'closed' | 'failed';
export type PeerLink = 'connecting' | 'live' | 'reconnecting';

export interface RemotePeer {
  identity: PeerIdentity;
  link: PeerLink;
  audio: MediaStream | null;
  lastFrame: DriverFrame | null;
  framesReceived: number;
  framesRejected: number;
}

export interface CallSessionOptions {
  join: JoinRoomResponse;
  /** A fresh token (and the same room) for rejoining after a disconnect. */
  rejoin: () => Promise<JoinRoomResponse>;
  audioTrack: MediaStreamTrack | null;
  onChange: () => void;
  /** A decoded driver frame and its bytes exactly as received (forwarded to the inference node). */
  onFrame: (peerId: string, frame: DriverFrame, bytes: Uint8Array) => void;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/**
 * One browser's part in a call: socket.io signaling to the SFU, a send and a receive
 * WebRtcTransport, the microphone (Opus) and the driver-frame DataProducer (unordered, no
 * retransmits: a late frame is worthless), and a consumer for each peer's audio and frames.
 * After a lost socket or a `rejoinRequired` it joins again with a fresh token.
 */
export class CallSession {
  state: ConnectionState = 'connecting';
  error: string | null = null;
  readonly peers = new Map<string, RemotePeer>();
  selfPeerId: string | null = null;
  private signaling: SignalingClient | null = null;
  private device: Device | null = null;
  private sendTransport: Transport | null = null;
  private recvTransport: Transport | null = null;
  private micProducer: Producer | null = null;
  private dataProducer: DataProducer | null = null;
  private readonly consumers = new Map<string, Consumer>();
  private readonly dataConsumers = new Map<string, DataConsumer>();
  private join: JoinRoomResponse;
  private muted = false;
  private rejoining = false;
  private everConnected = false;

  constructor(private readonly options: CallSessionOptions) {
    this.join = options.join;
  }

  private log(msg: string, fields?: Record<string, unknown>): void {
    this.options.log?.(msg, fields);
  }

  private setState(state: ConnectionState, error: string | null = null): void {
    this.state = state;
    this.error = error;
    this.options.onChange();
  }

  async start(): Promise<void> {
    const signaling = new SignalingClient(this.join.sfu.url);
    this.signaling = signaling;
    signaling.onNotification((n) => this.onNotification(n));
    signaling.socket.on('connect', () => {
      if (this.everConnected) void this.rejoin('socket reconnected');
      else void this.connect().catch((e: Error) => this.setState('failed', e.message));
    });
    signaling.socket.on('disconnect', (reason) => {
      if (this.state === 'closed' || this.state === 'replaced') return;
      this.log('signaling disconnected', { reason });
      for (const peer of this.peers.values()) peer.link = 'reconnecting';
      this.setState('reconnecting');
    });
    signaling.socket.on('connect_error', (e) => {
      if (!this.everConnected) this.setState('connecting', `cannot reach the SFU: ${e.message}`);
    });
  }

  /** The whole join: room, device, transports, our producers, then consumers for what is there. */
  private async connect(): Promise<void> {
    const signaling = this.signaling!;
    const joined = await signaling.request('join', { roomId: this.join.roomId, token: this.join.roomToken });
    this.everConnected = true;
    this.selfPeerId = joined.self.peerId;
    const device = new Device();
    await device.load({ routerRtpCapabilities: joined.routerRtpCapabilities as never });
    this.device = device;
    await signaling.request('setCapabilities', {
      rtpCapabilities: device.recvRtpCapabilities as never,
      sctpCapabilities: SCTP_CAPABILITIES,
    });
    this.sendTransport = await this.createTransport('send');
    this.recvTransport = await this.createTransport('recv');
    // On a rejoin everyone has a new peer id (the room was rebuilt): forget the old ones, or
    // each would linger as a second tile that never gets a peerLeft.
    const present = new Set(joined.peers.map((p) => p.peerId));
    for (const peerId of [...this.peers.keys()]) if (!present.has(peerId)) this.peers.delete(peerId);
    for (const peer of joined.peers) this.upsertPeer(peer);
    if (this.options.audioTrack && joined.grants.publishAudio) {
      this.micProducer = await this.sendTransport.produce({
        track: this.options.audioTrack,
        stopTracks: false,
        codecOptions: { opusDtx: true, opusFec: true },
        appData: { source: 'mic' },
      });
      if (this.muted) this.micProducer.pause();
    }
    if (joined.grants.publishDriverFrames) {
      // Both flags explicit: maxRetransmits 0 alone reads as "unset" and leaves the channel ordered.
      this.dataProducer = await this.sendTransport.produceData({
        ordered: false,
        maxRetransmits: 0,
        label: DRIVER_DATA_LABEL,
      });
    }
    await Promise.all([
      ...joined.producers.map((p) => this.consume(p)),
      ...joined.dataProducers.map((p) => this.consumeData(p)),
    ]);
    this.setState('connected');
    this.log('joined', { peers: joined.peers.length });
  }

  private async createTransport(direction: 'send' | 'recv'): Promise<Transport> {
    const signaling = this.signaling!;
    const info = await signaling.request('createWebRtcTransport', { direction, sctpCapabilities: SCTP_CAPABILITIES });
    const params = {
      id: info.transportId,
      iceParameters: info.iceParameters,
      iceCandidates: info.iceCandidates as never,
      dtlsParameters: info.dtlsParameters as never,
      // mediasoup 3.12 announces one maxMessageSize; mediasoup-client 3.24 wants it per direction.
      ...(info.sctpParameters
        ? {
            sctpParameters: {
              ...info.sctpParameters,
              maxSendMessageSize: info.sctpParameters.maxMessageSize,
              maxReceiveMessageSize: info.sctpParameters.maxMessageSize,
            },
          }
        : {}),
    };
    const transport =
      direction === 'send' ? this.device!.createSendTransport(params) : this.device!.createRecvTransport(params);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      signaling
        .request('connectWebRtcTransport', { transportId: transport.id, dtlsParameters: dtlsParameters as never })
        .then(() => callback(), errback);
    });
    transport.on('produce', ({ kind, rtpParameters }, callback, errback) => {
      signaling
        .request('produce', { transportId: transport.id, kind, source: 'mic', rtpParameters: rtpParameters as never })
        .then(({ producerId }) => callback({ id: producerId }), errback);
    });
    transport.on('producedata', ({ sctpStreamParameters, label, protocol }, callback, errback) => {
      signaling
        .request('produceData', {
          transportId: transport.id,
          label: label as typeof DRIVER_DATA_LABEL,
          protocol,
          sctpStreamParameters: sctpStreamParameters as never,
        })
        .then(({ dataProducerId }) => callback({ id: dataProducerId }), errback);
    });
    transport.on('connectionstatechange', (state) => {
      this.log('transport state', { direction, state });
      if (state === 'disconnected' || state === 'failed') void this.restartIce(transport);
    });
    return transport;
  }

  /** An ICE restart keeps every producer and consumer; it is tried before a full rejoin. */
  private async restartIce(transport: Transport): Promise<void> {
    try {
      const { iceParameters } = await this.signaling!.request('restartIce', { transportId: transport.id });
      await transport.restartIce({ iceParameters });
    } catch (error) {
      this.log('ice restart failed', { error: (error as Error).message });
    }
  }

  private upsertPeer(identity: PeerIdentity): RemotePeer {
    let peer = this.peers.get(identity.peerId);
    if (!peer) {
      peer = { identity, link: 'connecting', audio: null, lastFrame: null, framesReceived: 0, framesRejected: 0 };
      this.peers.set(identity.peerId, peer);
      this.options.onChange();
    }
    return peer;
  }

  private async consume(info: ProducerInfo): Promise<void> {
    if (!this.recvTransport || this.consumers.has(info.producerId) || info.owner.peerId === this.selfPeerId) return;
    const res = await this.signaling!.request('consume', {
      transportId: this.recvTransport.id,
      producerId: info.producerId,
    });
    const consumer = await this.recvTransport.consume({
      id: res.consumerId,
      producerId: res.producerId,
      kind: res.kind,
      rtpParameters: res.rtpParameters as never,
    });
    this.consumers.set(info.producerId, consumer);
    // Created paused on the SFU; resumed once our side is ready to play it.
    await this.signaling!.request('resumeConsumer', { consumerId: consumer.id });
    const peer = this.upsertPeer(res.owner);
    if (res.kind === 'audio') peer.audio = new MediaStream([consumer.track]);
    this.options.onChange();
  }

  private async consumeData(info: DataProducerInfo): Promise<void> {
    if (!this.recvTransport || this.dataConsumers.has(info.dataProducerId) || info.owner.peerId === this.selfPeerId)
      return;
    const res = await this.signaling!.request('consumeData', {
      transportId: this.recvTransport.id,
      dataProducerId: info.dataProducerId,
    });
    const consumer = await this.recvTransport.consumeData({
      id: res.dataConsumerId,
      dataProducerId: res.dataProducerId,
      sctpStreamParameters: res.sctpStreamParameters as never,
      label: res.label,
      protocol: res.protocol,
    });
    consumer.binaryType = 'arraybuffer';
    this.dataConsumers.set(info.dataProducerId, consumer);
    const peer = this.upsertPeer(res.owner);
    consumer.on('message', (data: unknown) => {
      if (!(data instanceof ArrayBuffer)) {
        peer.framesRejected++;
        return;
      }
      const bytes = new Uint8Array(data);
      const decoded = tryDecodeDriverFrame(bytes);
      if (!decoded.ok) {
        peer.framesRejected++;
        return;
      }
      const first = peer.link !== 'live';
      peer.link = 'live';
      peer.framesReceived++;
      // Latest frame wins: frames arrive unordered, an older one never replaces a newer one.
      if (!peer.lastFrame || decoded.frame.captureTimeMs >= peer.lastFrame.captureTimeMs)
        peer.lastFrame = decoded.frame;
      this.options.onFrame(peer.identity.peerId, decoded.frame, bytes);
      if (first) this.options.onChange();
    });
  }

  private onNotification(n: SignalingNotification): void {
    switch (n.type) {
      case 'peerJoined':
        this.upsertPeer(n.peer);
        break;
      case 'peerLeft':
        this.peers.delete(n.peer.peerId);
        this.options.onChange();
        break;
      case 'newProducer':
        void this.consume(n.producer).catch((e: Error) => this.log('consume failed', { error: e.message }));
        break;
      case 'newDataProducer':
        void this.consumeData(n.dataProducer).catch((e: Error) => this.log('consumeData failed', { error: e.message }));
        break;
      case 'producerClosed':
        this.consumers.get(n.producerId)?.close();
        this.consumers.delete(n.producerId);
        break;
      case 'dataProducerClosed':
        this.dataConsumers.get(n.dataProducerId)?.close();
        this.dataConsumers.delete(n.dataProducerId);
        break;
      case 'sessionReplaced':
        this.teardown();
        this.signaling?.close();
        this.setState('replaced', 'You joined this room from another tab.');
        break;
      case 'rejoinRequired':
        void this.rejoin('media worker restarted');
        break;
      case 'limitExceeded':
        this.log('limit exceeded', { code: n.error.code });
        break;
      default:
        break;
    }
  }

  private async rejoin(reason: string): Promise<void> {
    if (this.rejoining || this.state === 'closed') return;
    this.rejoining = true;
    this.log('rejoining', { reason });
    this.setState('reconnecting');
    try {
      this.teardown();
      this.join = await this.options.rejoin();
      await this.connect();
    } catch (error) {
      this.setState('failed', (error as Error).message);
    } finally {
      this.rejoining = false;
    }
  }

  private teardown(): void {
    this.dataProducer?.close();
    this.micProducer?.close();
    for (const c of this.consumers.values()) c.close();
    for (const c of this.dataConsumers.values()) c.close();
    this.consumers.clear();
    this.dataConsumers.clear();
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.sendTransport = null;
    this.recvTransport = null;
    this.dataProducer = null;
    this.micProducer = null;
  }

  /** Sends one encoded driver frame if the channel is open; false when it was not sent. */
  sendDriverFrame(bytes: Uint8Array): boolean {
    const producer = this.dataProducer;
    if (producer?.readyState !== 'open') return false;
    // Never queue behind a congested channel: a late frame is worthless.
    if (producer.bufferedAmount > 16 * 1024) return false;
    producer.send(bytes as Uint8Array<ArrayBuffer>);
    return true;
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    if (muted) this.micProducer?.pause();
    else this.micProducer?.resume();
  }

  /** RTP stats for the overlay: audio bits per second out and in, from the transports' getStats. */
  async audioBytes(): Promise<{ sent: number; received: number }> {
    let sent = 0;
    let received = 0;
    for (const [transport, field] of [
      [this.sendTransport, 'bytesSent'],
      [this.recvTransport, 'bytesReceived'],
    ] as const) {
      if (!transport) continue;
      const report = await transport.getStats();
      report.forEach((s: Record<string, unknown>) => {
        if (s.type === 'transport' && typeof s[field] === 'number') {
          if (field === 'bytesSent') sent += s[field] as number;
          else received += s[field] as number;
        }
      });
    }
    return { sent, received };
  }

  close(): void {
    this.teardown();
    this.signaling?.request('leave', {}).catch(() => {});
    setTimeout(() => this.signaling?.close(), 200);
    this.setState('closed');
  }
}
