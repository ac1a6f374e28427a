import {
  type DataProducerInfo,
  DRIVER_DATA_LABEL,
  type DriverFrame,
  type PeerIdentity,
  type ProducerInfo,
  type SignalingNotification,
  tryDecodeDriverFrame,
} from '@holocall/protocol';
import type { RetryAttempts, RetryPolicy } from '@holocall/service/retry';
import { Device } from 'mediasoup-client';
import type { Consumer, DataConsumer, DataProducer, Producer, Transport } from 'mediasoup-client/types';
import type { JoinRoomResponse } from '../api';
import { REJOIN_POLICY } from '../retry-policies';
import { SignalingClient } from './signaling';

/** mediasoup-client 3.21+ no longer reports SCTP capabilities; this is what Chromium supports. */
const SCTP_CAPABILITIES = { numStreams: { OS: 1024, MIS: 1024 } };

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'replaced' | 'closed' | 'failed';
export type PeerLink = 'connecting' | 'live' | 'reconnecting';

/** After an ICE restart, the transports have this long to report `connected` before a full rejoin. */
export const ICE_RESTART_DEADLINE_MS = 10_000;

/**
 * Codes no retry answers: the room is not ours to join (or gone), or the web session is over.
 * Anything else (a dead worker, a timeout, the web app or SFU not answering) is retried.
 */
const FINAL_CODES: ReadonlySet<string> = new Set([
  'forbidden',
  'not_found',
  'origin_refused',
  'bad_request',
  'unauthenticated',
]);

function errorCode(error: unknown): string | null {
  const e = error as { code?: unknown; wire?: { code?: unknown } } | null;
  const code = e?.wire?.code ?? e?.code;
  return typeof code === 'string' ? code : null;
}

/** Where a recovery stands while the call shows `reconnecting`. */
export interface Recovery {
  /** Retries spent so far in this episode (0 while the first try runs). */
  attempt: number;
  maxAttempts: number;
  /** Why the last try failed, if one did. */
  lastError: string | null;
}

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
  /** Retries of a lost call (REJOIN_POLICY); tests pass a quick one. */
  retryPolicy?: RetryPolicy;
}

/**
 * One browser's part in a call: socket.io signaling to the SFU, a send and a receive
 * WebRtcTransport, the microphone (Opus) and the driver-frame DataProducer (unordered, no
 * retransmits: a late frame is worthless), and a consumer for each peer's audio and frames.
 * A lost call is recovered on REJOIN_POLICY: a transport whose ICE failed is restarted first
 * (producers and consumers kept) where the transport still exists; otherwise, or when that does
 * not bring it back, a full rejoin with a fresh token. The state is `reconnecting` meanwhile,
 * and `failed` only when the policy gives up (or the answer is final); `retry()` starts over.
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
  /**
   * Producers announced while we had no receive transport yet (between the join's answer and
   * createWebRtcTransport): consumed once it exists. Without this, a peer who rejoins at the
   * same moment as we do (both told to after a media worker died) would be in neither our
   * join snapshot nor a notification we acted on, and would stay silent and frozen.
   */
  private readonly pendingProducers = new Map<string, ProducerInfo>();
  private readonly pendingDataProducers = new Map<string, DataProducerInfo>();
  private join: JoinRoomResponse;
  private muted = false;
  private everConnected = false;
  /** The join given at construction has been used: every later one is fetched fresh. */
  private usedInitialJoin = false;
  /** A recovery try is running (only one at a time). */
  private recovering = false;
  /** A rejoin asked for while a try ran: done right after it. */
  private rejoinAfter = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly retries: RetryAttempts;
  /** Set while `reconnecting`: the episode's retries and the last failure. */
  recovery: Recovery | null = null;

  constructor(private readonly options: CallSessionOptions) {
    this.join = options.join;
    this.retries = (options.retryPolicy ?? REJOIN_POLICY).attempts();
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
    signaling.socket.on('connect', () =>
      this.recover(this.everConnected ? 'socket reconnected' : 'first join', 'rejoin'),
    );
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
    // On a rejoin everyone has a new peer id (the room was rebuilt): forget the old ones, or
    // each would linger as a second tile that never gets a peerLeft. Done before any await, so
    // a peer announced after this snapshot is never dropped as absent from it.
    const present = new Set(joined.peers.map((p) => p.peerId));
    for (const peerId of [...this.peers.keys()]) if (!present.has(peerId)) this.peers.delete(peerId);
    for (const peer of joined.peers) this.upsertPeer(peer);
    const device = new Device();
    await device.load({ routerRtpCapabilities: joined.routerRtpCapabilities as never });
    this.device = device;
    await signaling.request('setCapabilities', {
      rtpCapabilities: device.recvRtpCapabilities as never,
      sctpCapabilities: SCTP_CAPABILITIES,
    });
    this.sendTransport = await this.createTransport('send');
    this.recvTransport = await this.createTransport('recv');
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
    // The snapshot must be consumed for the join to count; one announced meanwhile may already
    // be gone again (its owner left), which is logged, not a failed join.
    const announced = [...this.pendingProducers.values()];
    const announcedData = [...this.pendingDataProducers.values()];
    this.pendingProducers.clear();
    this.pendingDataProducers.clear();
    const late = (what: string) => (e: Error) => this.log(`${what} failed`, { error: e.message });
    await Promise.all([
      ...joined.producers.map((p) => this.consume(p)),
      ...joined.dataProducers.map((p) => this.consumeData(p)),
      ...announced.map((p) => this.consume(p).catch(late('consume'))),
      ...announcedData.map((p) => this.consumeData(p).catch(late('consumeData'))),
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
      if (transport !== this.sendTransport && transport !== this.recvTransport) return;
      this.log('transport state', { direction, state });
      if (state === 'disconnected' || state === 'failed') this.recover(`${direction} transport ${state}`, 'ice');
      else if (state === 'connected') this.iceRecovered();
    });
    return transport;
  }

  private get transports(): Transport[] {
    return [this.sendTransport, this.recvTransport].filter((t): t is Transport => t !== null && !t.closed);
  }

  /** An ICE restart keeps every producer and consumer; it is tried before a full rejoin. */
  private async restartIce(): Promise<void> {
    for (const transport of this.transports) {
      if (transport.connectionState === 'connected') continue;
      const { iceParameters } = await this.signaling!.request('restartIce', { transportId: transport.id });
      await transport.restartIce({ iceParameters });
    }
  }

  /** A transport came back: if an ICE restart was waiting for that, the call is up again. */
  private iceRecovered(): void {
    if (this.recovering || this.state !== 'reconnecting' || this.transports.length < 2) return;
    if (this.transports.some((t) => t.connectionState !== 'connected')) return;
    this.clearRetryTimer();
    this.retries.reset();
    this.recovery = null;
    this.setState('connected');
    this.log('ice restart recovered');
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
    if (this.consumers.has(info.producerId) || info.owner.peerId === this.selfPeerId) return;
    if (!this.recvTransport) {
      this.pendingProducers.set(info.producerId, info);
      return;
    }
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
    if (this.dataConsumers.has(info.dataProducerId) || info.owner.peerId === this.selfPeerId) return;
    if (!this.recvTransport) {
      this.pendingDataProducers.set(info.dataProducerId, info);
      return;
    }
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
        this.pendingProducers.delete(n.producerId);
        this.consumers.get(n.producerId)?.close();
        this.consumers.delete(n.producerId);
        break;
      case 'dataProducerClosed':
        this.pendingDataProducers.delete(n.dataProducerId);
        this.dataConsumers.get(n.dataProducerId)?.close();
        this.dataConsumers.delete(n.dataProducerId);
        break;
      case 'sessionReplaced':
        this.clearRetryTimer();
        this.teardown();
        this.signaling?.close();
        this.setState('replaced', 'You joined this room from another tab.');
        break;
      case 'rejoinRequired':
        this.recover('media worker restarted', 'rejoin');
        break;
      case 'limitExceeded':
        this.log('limit exceeded', { code: n.error.code });
        break;
      default:
        break;
    }
  }

  /**
   * Brings the call back: `ice` restarts ICE on the transports we still have (only as an
   * episode's first try), `rejoin` joins again from scratch. A failure is retried on the policy.
   */
  private recover(reason: string, how: 'ice' | 'rejoin'): void {
    if (this.state === 'closed' || this.state === 'replaced' || this.signaling === null) return;
    if (this.recovering) {
      if (how === 'rejoin') this.rejoinAfter = true;
      return;
    }
    this.clearRetryTimer();
    void this.attempt(reason, how);
  }

  private async attempt(reason: string, how: 'ice' | 'rejoin'): Promise<void> {
    const signaling = this.signaling!;
    // Without a socket nothing can be tried: its own reconnect ('connect') comes back here.
    if (!signaling.socket.connected) return;
    this.recovering = true;
    const policy = this.retries.policy;
    this.recovery = {
      attempt: this.retries.count,
      maxAttempts: policy.maxAttempts,
      lastError: this.recovery?.lastError ?? null,
    };
    const first = !this.everConnected && !this.usedInitialJoin;
    if (!first) this.setState(this.everConnected ? 'reconnecting' : 'connecting', this.error);
    const ice = how === 'ice' && this.retries.count === 0 && this.transports.length === 2;
    this.log('reconnecting', { reason, how: ice ? 'ice' : first ? 'join' : 'rejoin', attempt: this.retries.count });
    try {
      if (ice) {
        await this.restartIce();
        // Its outcome is the transports' next state: `connected` ends the episode, else a rejoin.
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          if (this.state === 'reconnecting') this.failedTry(new Error('the ICE restart did not reconnect'));
        }, ICE_RESTART_DEADLINE_MS);
      } else {
        this.teardown();
        if (this.usedInitialJoin) this.join = await this.options.rejoin();
        this.usedInitialJoin = true;
        if (this.isOver) return;
        await this.connect();
        this.retries.reset();
        this.recovery = null;
      }
    } catch (error) {
      this.failedTry(error);
    } finally {
      this.recovering = false;
    }
    // The transports may have come back while the restart was being answered.
    if (ice) this.iceRecovered();
    if (this.rejoinAfter) {
      this.rejoinAfter = false;
      if (this.state === 'reconnecting' && this.retryTimer === null) this.recover(reason, 'rejoin');
    }
  }

  private get isOver(): boolean {
    return this.state === 'closed' || this.state === 'replaced';
  }

  /** One try failed: the next one after the policy's delay, or `failed` when it says stop. */
  private failedTry(error: unknown): void {
    if (this.isOver) return;
    const message = (error as Error)?.message ?? String(error);
    const code = errorCode(error);
    const delay = code !== null && FINAL_CODES.has(code) ? null : this.retries.next();
    this.log('reconnect try failed', { error: message, code, retryInMs: delay });
    if (delay === null) {
      this.recovery = null;
      this.setState('failed', message);
      return;
    }
    this.recovery = { attempt: this.retries.count, maxAttempts: this.retries.policy.maxAttempts, lastError: message };
    // A first join that failed is still `connecting` (with the reason); a lost call is `reconnecting`.
    this.setState(this.everConnected ? 'reconnecting' : 'connecting', message);
    this.clearRetryTimer();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.recover('retry', 'rejoin');
    }, delay);
  }

  private clearRetryTimer(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** The Retry button of a `failed` call: a full rejoin, with the policy's tries afresh. */
  retry(): void {
    if (this.state !== 'failed') return;
    this.retries.reset();
    this.recovery = null;
    this.setState(this.everConnected ? 'reconnecting' : 'connecting');
    this.recover('retry requested', 'rejoin');
  }

  private teardown(): void {
    this.dataProducer?.close();
    this.micProducer?.close();
    for (const c of this.consumers.values()) c.close();
    for (const c of this.dataConsumers.values()) c.close();
    this.consumers.clear();
    this.dataConsumers.clear();
    this.pendingProducers.clear();
    this.pendingDataProducers.clear();
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
    this.clearRetryTimer();
    this.teardown();
    this.signaling?.request('leave', {}).catch(() => {});
    setTimeout(() => this.signaling?.close(), 200);
    this.setState('closed');
  }
}
