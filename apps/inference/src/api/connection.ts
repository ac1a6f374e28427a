import {
  assertWithinSize,
  type DriverFrame,
  decodeDriverFrame,
  decodeInferenceEnvelope,
  type EnrollmentUpload,
  HolocallError,
  INFERENCE_PROTOCOL_VERSION,
  InferenceClientMessage,
  type InferenceNodeMessage,
  MAX_INFERENCE_BINARY_BYTES,
  MAX_INFERENCE_JSON_BYTES,
  MAX_RENDER_PIXELS,
  MAX_SENDERS_PER_CONNECTION,
  type OutputFormat,
  parseMessage,
  renderedFrameHeaderBytes,
  TRIPLANE_UPLOAD_SHAPE,
  toWireError,
  type ViewSpec,
  verifyInferenceToken,
  writeRenderedFrameHeader,
} from '@holocall/protocol';
import type { Logger } from '../log';
import type { FrameSink, InferenceNode } from '../node';
import { AdaptiveQuality, type QualityLevel } from '../render/quality';
import type { RenderedFrame } from '../stages/contract';
import { DEFAULT_JPEG_QUALITY, encodeImage } from './image-encode';
import { PreviewRequests } from './preview-requests';

/** What a connection needs of its socket (a `ws` WebSocket in production, a fake in tests). */
export interface Socket {
  send(data: string | Uint8Array): void;
  close(code: number, reason: string): void;
  readonly bufferedAmount: number;
}

/** WebSocket close codes (4000-4999 are the application's). */
export const CLOSE = { unauthenticated: 4401, forbidden: 4403, helloTimeout: 4408, shuttingDown: 1001 } as const;

/** Bytes waiting in the socket beyond which frames are dropped before rendering (about two large frames). */
export const MAX_SEND_BUFFER_BYTES = 16 * 1024 * 1024;

/** The view a peer gets until the browser sets one. */
export const DEFAULT_VIEW: ViewSpec = { kind: 'flat', width: 512, height: 512 };

interface PeerState {
  avatarHash: string;
  /**
   * What the peer waits for before it can render: a tri-plane upload, an enrollment envelope,
   * or its enrollment lift to finish; null when it renders.
   */
  pending: 'triplane' | 'enrollment' | 'lifting' | null;
  view: ViewSpec | null;
}

export interface ConnectionCounters {
  messages: number;
  binary: number;
  errors: Record<string, number>;
  framesSent: number;
  bytesSent: number;
  /** Driver frames for a peer whose enrollment lift has not finished (dropped quietly: the page may send early). */
  framesWhileLifting: number;
}

let nextConnectionId = 1;

/**
 * One browser connection: authentication by the first message, then one dispatcher over the
 * message tag. Malformed or refused messages are answered with a typed error and counted; the
 * connection carries on. Driver frames go to the node's scheduler; rendered frames come back
 * through `deliver` as binary messages.
 */
export class Connection implements FrameSink {
  readonly id = nextConnectionId++;
  private authenticated = false;
  private closed = false;
  private readonly peers = new Map<string, PeerState>();
  private defaultView: ViewSpec = DEFAULT_VIEW;
  private format: OutputFormat = 'rgba';
  private jpegQuality = DEFAULT_JPEG_QUALITY;
  private fixedQuality: QualityLevel | null = null;
  private readonly adaptive: AdaptiveQuality;
  private queue: Promise<void> = Promise.resolve();
  readonly counters: ConnectionCounters = {
    messages: 0,
    binary: 0,
    errors: {},
    framesSent: 0,
    bytesSent: 0,
    framesWhileLifting: 0,
  };
  private readonly helloTimer: NodeJS.Timeout;
  private readonly previews: PreviewRequests;

  constructor(
    private readonly socket: Socket,
    private readonly node: InferenceNode,
    private readonly auth: { secret: string; origin: string; helloTimeoutMs: number; threads: number },
    private readonly log: Logger,
    targetFps: number,
  ) {
    this.adaptive = new AdaptiveQuality(targetFps);
    this.previews = new PreviewRequests(node, {
      send: (msg) => this.send(msg),
      sendBinary: (bytes) => this.sendBinary(bytes),
      sendError: (error, inReplyTo, details) => this.sendError(error, inReplyTo, details),
      isClosed: () => this.closed,
    });
    this.helloTimer = setTimeout(() => {
      if (!this.authenticated)
        this.refuse(CLOSE.helloTimeout, new HolocallError('unauthenticated', 'no hello in time'));
    }, auth.helloTimeoutMs);
  }

  /** A text frame: JSON control messages, handled one at a time in arrival order. */
  onText(text: string): void {
    this.queue = this.queue.then(() => this.handleText(text));
  }

  /** A binary frame: driver frames and tri-plane uploads. */
  onBinary(bytes: Uint8Array): void {
    this.queue = this.queue.then(() => this.handleBinary(bytes));
  }

  onClose(): void {
    this.closed = true;
    clearTimeout(this.helloTimer);
    for (const peerId of this.peers.keys()) this.node.forgetPeer(this, peerId);
    this.peers.clear();
  }

  /** Avatar hashes this connection's peers use (to tell them when one is evicted). */
  avatarEvicted(hash: string): void {
    for (const [peerId, p] of this.peers) {
      if (p.avatarHash === hash) {
        this.sendError(
          new HolocallError('not_found', 'avatar evicted from the cache: register the sender again', {
            details: { peerId },
          }),
        );
      }
    }
  }

  private async handleText(text: string): Promise<void> {
    if (this.closed) return;
    this.counters.messages++;
    let type: string | undefined;
    try {
      assertWithinSize('message bytes', Buffer.byteLength(text), MAX_INFERENCE_JSON_BYTES);
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        throw HolocallError.badRequest('message is not JSON');
      }
      if (raw && typeof raw === 'object' && typeof (raw as { type?: unknown }).type === 'string') {
        type = (raw as { type: string }).type.slice(0, 32);
      }
      const msg = parseMessage(InferenceClientMessage, raw, 'inference message');
      if (!this.authenticated) {
        if (msg.type !== 'hello') throw new HolocallError('unauthenticated', 'the first message must be hello');
        await this.hello(msg.token);
        return;
      }
      await this.dispatch(msg);
    } catch (error) {
      if (!this.authenticated) {
        this.refuse(CLOSE.unauthenticated, error);
        return;
      }
      this.sendError(error, type);
    }
  }

  private async hello(token: string): Promise<void> {
    const claims = await verifyInferenceToken(token, this.auth.secret, this.auth.origin);
    this.authenticated = true;
    clearTimeout(this.helloTimer);
    this.log.info('browser connected', { conn: this.id, sub: claims.sub });
    this.send({
      type: 'welcome',
      protocolVersion: INFERENCE_PROTOCOL_VERSION,
      node: {
        renderer: this.node.stage.name,
        executionProvider: this.node.stage.executionProvider,
        reenact: this.node.reenact.name,
        untrained: this.node.stage.untrained || this.node.reenact.untrained,
        threads: this.auth.threads,
        backend: { ...this.node.backend },
      },
      limits: {
        maxSenders: MAX_SENDERS_PER_CONNECTION,
        maxRenderPixels: MAX_RENDER_PIXELS,
        maxBinaryBytes: MAX_INFERENCE_BINARY_BYTES,
      },
    });
  }

  private async dispatch(msg: InferenceClientMessage): Promise<void> {
    switch (msg.type) {
      case 'hello':
        throw new HolocallError('conflict', 'already authenticated');
      case 'register-sender': {
        if (!this.peers.has(msg.peerId) && this.peers.size >= MAX_SENDERS_PER_CONNECTION) {
          throw HolocallError.tooLarge('senders', MAX_SENDERS_PER_CONNECTION, this.peers.size + 1);
        }
        let cacheHit = this.node.cache.has(msg.avatarHash);
        let pending: PeerState['pending'] = null;
        switch (msg.source) {
          case 'cache':
            if (!cacheHit)
              throw new HolocallError('not_found', 'no cached tri-plane for this avatar: upload it', {
                details: { peerId: msg.peerId },
              });
            break;
          case 'synthetic-head':
            if (!cacheHit)
              await this.node.registerSender(msg.avatarHash, {
                triplane: this.node.syntheticTriplane(),
                sourceFace: {},
              });
            break;
          case 'upload':
            cacheHit = false;
            pending = 'triplane';
            break;
          case 'enrollment':
            // Lifted here before (this peer, another peer, a preview): no image needed.
            cacheHit = this.node.lifts.tryCached(msg.avatarHash);
            if (!cacheHit) pending = 'enrollment';
            break;
        }
        const previous = this.peers.get(msg.peerId);
        this.peers.set(msg.peerId, { avatarHash: msg.avatarHash, pending, view: previous?.view ?? null });
        this.send({
          type: 'registered',
          peerId: msg.peerId,
          avatarHash: msg.avatarHash,
          cacheHit,
          awaitingUpload: pending !== null,
        });
        return;
      }
      case 'preview-avatar':
        this.previews.start(msg);
        return;
      case 'unregister-sender':
        if (!this.peers.delete(msg.peerId)) throw new HolocallError('not_found', 'peer is not registered');
        this.node.forgetPeer(this, msg.peerId);
        this.send({ type: 'unregistered', peerId: msg.peerId });
        return;
      case 'set-view':
        if (msg.peerId === undefined) {
          this.defaultView = msg.view;
          for (const p of this.peers.values()) p.view = null;
        } else {
          const p = this.peers.get(msg.peerId);
          if (!p) throw new HolocallError('not_found', 'peer is not registered');
          p.view = msg.view;
        }
        this.send({ type: 'ok', inReplyTo: msg.type });
        return;
      case 'set-quality':
        this.fixedQuality = msg.level === 'auto' ? null : msg.level;
        if (msg.targetFps !== undefined) this.adaptive.setTarget(msg.targetFps);
        this.send({ type: 'ok', inReplyTo: msg.type });
        return;
      case 'set-output':
        this.format = msg.format;
        this.jpegQuality = msg.jpegQuality ?? DEFAULT_JPEG_QUALITY;
        this.send({ type: 'ok', inReplyTo: msg.type });
        return;
      case 'get-stats':
        this.send({ type: 'stats', stats: { ...this.node.stats(), connection: this.statsForConnection() } });
        return;
      case 'ping':
        this.send(msg.nonce === undefined ? { type: 'pong' } : { type: 'pong', nonce: msg.nonce });
        return;
    }
  }

  private async handleBinary(bytes: Uint8Array): Promise<void> {
    if (this.closed) return;
    this.counters.binary++;
    try {
      if (!this.authenticated) throw new HolocallError('unauthenticated', 'the first message must be hello');
      const env = decodeInferenceEnvelope(bytes);
      if (env.kind === 'enrollment') {
        if (env.purpose === 'preview') this.previews.image(env);
        else this.startEnrollmentLift(env);
        return;
      }
      const peer = this.peers.get(env.peerId);
      if (!peer) throw new HolocallError('not_found', 'peer is not registered', { details: { peerId: env.peerId } });
      if (env.kind === 'triplane') {
        if (peer.pending !== 'triplane' || env.avatarHash !== peer.avatarHash) {
          throw new HolocallError('conflict', 'no upload expected for this peer and avatar', {
            details: { peerId: env.peerId },
          });
        }
        const [, channels, resolution] = TRIPLANE_UPLOAD_SHAPE;
        await this.node.registerSender(env.avatarHash, {
          triplane: { resolution, channels, data: env.data },
          sourceFace: {},
        });
        peer.pending = null;
        this.send({
          type: 'registered',
          peerId: env.peerId,
          avatarHash: env.avatarHash,
          cacheHit: true,
          awaitingUpload: false,
        });
        return;
      }
      const frame: DriverFrame = decodeDriverFrame(env.frame);
      if (peer.pending === 'triplane') throw new HolocallError('conflict', 'tri-plane upload pending for this peer');
      if (peer.pending !== null) {
        this.counters.framesWhileLifting++;
        return;
      }
      this.node.submitFrame(this, env.peerId, frame);
    } catch (error) {
      if (!this.authenticated) {
        this.refuse(CLOSE.unauthenticated, error);
        return;
      }
      this.sendError(error, 'binary');
    }
  }

  /**
   * The enrollment envelope of a peer registered with source 'enrollment': lifts it (once per
   * avatar hash, in the lift worker) WITHOUT holding this connection's message queue, so other
   * peers' frames and control messages carry on; register-progress while it runs, registered
   * when the peer can render, or a typed error (details.peerId) after which the envelope may
   * be sent again.
   */
  private startEnrollmentLift(upload: EnrollmentUpload): void {
    const peerId = upload.id;
    const peer = this.peers.get(peerId);
    if (!peer) throw new HolocallError('not_found', 'peer is not registered', { details: { peerId } });
    if (peer.pending !== 'enrollment' || upload.avatarHash !== peer.avatarHash) {
      throw new HolocallError('conflict', 'no enrollment expected for this peer and avatar', { details: { peerId } });
    }
    peer.pending = 'lifting';
    const { avatarHash } = upload;
    const current = () => !this.closed && this.peers.get(peerId) === peer && peer.avatarHash === avatarHash;
    this.node.lifts
      .lift(
        avatarHash,
        { image: upload.image, landmarks: upload.landmarks, landmarkSpace: upload.landmarkSpace },
        (stage, fraction) => {
          if (current()) this.send({ type: 'register-progress', peerId, avatarHash, stage, fraction });
        },
      )
      .then(
        (outcome) => {
          if (!current()) return;
          peer.pending = null;
          const msg: InferenceNodeMessage = {
            type: 'registered',
            peerId,
            avatarHash,
            cacheHit: !outcome.lifted,
            awaitingUpload: false,
          };
          if (outcome.lifted) msg.liftMs = Math.round(outcome.liftMs);
          this.send(msg);
        },
        (error) => {
          if (!current()) return;
          peer.pending = 'enrollment';
          this.sendError(error, 'enrollment', { peerId });
        },
      );
  }

  // ---- FrameSink ----

  senderSetup(peerId: string): { avatarHash: string; view: ViewSpec } | null {
    const p = this.peers.get(peerId);
    if (!p || this.closed) return null;
    return { avatarHash: p.avatarHash, view: p.view ?? this.defaultView };
  }

  quality(): QualityLevel {
    return this.fixedQuality ?? this.adaptive.level;
  }

  canSend(): boolean {
    return !this.closed && this.socket.bufferedAmount < MAX_SEND_BUFFER_BYTES;
  }

  deliver(
    peerId: string,
    frame: DriverFrame,
    rendered: RenderedFrame,
    view: ViewSpec,
    quality: QualityLevel,
    ms: number,
  ): void {
    if (this.closed) return;
    const image = encodeImage(rendered.pixels, rendered.width, rendered.height, this.format, this.jpegQuality);
    const headerBytes = renderedFrameHeaderBytes(peerId);
    const out = new Uint8Array(headerBytes + image.length);
    // The header describes the view this image was rendered for, not the peer's current one:
    // a set-view arriving mid-render must not relabel the frame already in flight.
    writeRenderedFrameHeader(out, {
      peerId,
      seq: frame.seq,
      captureTimeMs: frame.captureTimeMs,
      renderMs: ms,
      format: this.format,
      quality,
      layout: view.kind === 'quilt' ? 'quilt' : 'flat',
      cols: view.kind === 'quilt' ? view.cols : 1,
      rows: view.kind === 'quilt' ? view.rows : 1,
      width: rendered.width,
      height: rendered.height,
    });
    out.set(image, headerBytes);
    this.socket.send(out);
    this.counters.framesSent++;
    this.counters.bytesSent += out.length;
  }

  fail(_peerId: string, error: unknown): void {
    this.sendError(error, 'render');
  }

  recordFrameTime(ms: number): void {
    if (this.fixedQuality) return;
    const { level, changed } = this.adaptive.record(ms);
    if (changed) this.send({ type: 'quality', level, auto: true, frameMs: Math.round(ms * 10) / 10 });
  }

  // ---- helpers ----

  statsForConnection(): Record<string, unknown> {
    return {
      id: this.id,
      peers: this.peers.size,
      quality: this.quality(),
      qualityMode: this.fixedQuality ? 'fixed' : 'auto',
      format: this.format,
      previews: this.previews.size,
      ...this.counters,
    };
  }

  private send(msg: InferenceNodeMessage): void {
    if (!this.closed) this.socket.send(JSON.stringify(msg));
  }

  private sendBinary(bytes: Uint8Array): void {
    if (this.closed) return;
    this.socket.send(bytes);
    this.counters.bytesSent += bytes.length;
  }

  /** A typed error; `context` (the peer or request it concerns) is merged into its details. */
  private sendError(error: unknown, inReplyTo?: string, context?: Record<string, unknown>): void {
    const wire = toWireError(error);
    if (wire.code === 'internal') this.log.error('request failed', { conn: this.id, error: String(error) });
    this.counters.errors[wire.code] = (this.counters.errors[wire.code] ?? 0) + 1;
    const msg: InferenceNodeMessage = { type: 'error', code: wire.code, message: wire.message.slice(0, 512) };
    if (wire.details || context) msg.details = { ...wire.details, ...context };
    if (inReplyTo) msg.inReplyTo = inReplyTo;
    this.send(msg);
  }

  private refuse(code: number, error: unknown): void {
    if (this.closed) return;
    this.sendError(error);
    this.log.warn('connection refused', { conn: this.id, reason: toWireError(error).code });
    this.closed = true;
    clearTimeout(this.helloTimer);
    this.socket.close(code, toWireError(error).code);
  }
}
