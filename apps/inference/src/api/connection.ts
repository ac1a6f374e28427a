import {
  assertWithinSize,
  type DriverFrame,
  decodeInferenceEnvelope,
  encodeRenderedFrame,
  HolocallError,
  InferenceClientMessage,
  type InferenceEnvelope,
  type InferenceNodeMessage,
  MAX_INFERENCE_JSON_BYTES,
  parseMessage,
  toWireError,
  type ViewSpec,
} from '@holocall/protocol';
import type { Logger } from '../log';
import type { FrameSink, InferenceNode } from '../node';
import { AdaptiveQuality, type QualityLevel } from '../render/quality';
import type { RenderedFrame } from '../stages/contract';
import type {
  ConnectionAuth,
  ConnectionContext,
  ConnectionCounters,
  OutputSettings,
  PeerState,
} from './connection-context';
import { FrameCredits } from './frame-credits';
import { setOutput, setQuality, setView } from './handlers/output';
import { driverFrame, enrollSender, registerSender, unregisterSender, uploadTriplane } from './handlers/senders';
import { getStats, hello, ping } from './handlers/session';
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

let nextConnectionId = 1;

/**
 * One browser connection: authentication by the first message, then one dispatcher over the
 * message tag (handlers per message family in handlers/, over this connection as their
 * ConnectionContext). Malformed or refused messages are answered with a typed error and
 * counted; the connection carries on. Driver frames go to the node's scheduler; rendered frames
 * come back through `deliver` as binary messages.
 */
export class Connection implements FrameSink, ConnectionContext {
  readonly id = nextConnectionId++;
  private isAuthenticated = false;
  private isClosed = false;
  readonly peers = new Map<string, PeerState>();
  readonly output: OutputSettings = {
    defaultView: DEFAULT_VIEW,
    format: 'rgba',
    jpegQuality: DEFAULT_JPEG_QUALITY,
    fixedQuality: null,
  };
  readonly adaptive: AdaptiveQuality;
  readonly frameCredits = new FrameCredits();
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
  readonly previews: PreviewRequests;

  constructor(
    private readonly socket: Socket,
    readonly node: InferenceNode,
    readonly auth: ConnectionAuth,
    readonly log: Logger,
    targetFps: number,
  ) {
    this.adaptive = new AdaptiveQuality(targetFps);
    this.previews = new PreviewRequests(node, {
      send: (msg) => this.send(msg),
      sendBinary: (bytes) => this.sendBinary(bytes),
      sendError: (error, inReplyTo, details) => this.sendError(error, inReplyTo, details),
      isClosed: () => this.isClosed,
    });
    this.helloTimer = setTimeout(() => {
      if (!this.isAuthenticated)
        this.refuse(CLOSE.helloTimeout, new HolocallError('unauthenticated', 'no hello in time'));
    }, auth.helloTimeoutMs);
  }

  get closed(): boolean {
    return this.isClosed;
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
    this.isClosed = true;
    clearTimeout(this.helloTimer);
    for (const peerId of this.peers.keys()) this.node.forgetPeer(this, peerId);
    this.peers.clear();
  }

  /** Avatar hashes this connection's peers use (to tell them when one is evicted). */
  avatarEvicted(hash: string): void {
    for (const [peerId, p] of this.peers) {
      if (p.cacheKey === hash) {
        this.sendError(
          new HolocallError('not_found', 'avatar evicted from the cache: register the sender again', {
            details: { peerId },
          }),
        );
      }
    }
  }

  authenticated(sub: string | undefined): void {
    this.isAuthenticated = true;
    clearTimeout(this.helloTimer);
    this.log.info('browser connected', { conn: this.id, sub });
  }

  private async handleText(text: string): Promise<void> {
    if (this.isClosed) return;
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
      if (!this.isAuthenticated) {
        if (msg.type !== 'hello') throw new HolocallError('unauthenticated', 'the first message must be hello');
        await hello(this, msg);
        return;
      }
      await this.dispatch(msg);
    } catch (error) {
      if (!this.isAuthenticated) {
        this.refuse(CLOSE.unauthenticated, error);
        return;
      }
      this.sendError(error, type);
    }
  }

  /** The one dispatcher for JSON messages of an authenticated connection. */
  private async dispatch(msg: InferenceClientMessage): Promise<void> {
    switch (msg.type) {
      case 'hello':
        throw new HolocallError('conflict', 'already authenticated');
      case 'register-sender':
        return registerSender(this, msg);
      case 'unregister-sender':
        return unregisterSender(this, this, msg);
      case 'preview-avatar':
        return this.previews.start(msg);
      case 'set-view':
        return setView(this, msg);
      case 'set-quality':
        return setQuality(this, msg);
      case 'set-output':
        return setOutput(this, msg);
      case 'frame-received':
        return this.frameCredits.received(msg.frames);
      case 'get-stats':
        return getStats(this);
      case 'ping':
        return ping(this, msg);
      default: {
        const unreachable: never = msg;
        throw HolocallError.badRequest('unknown message type', { type: (unreachable as { type: string }).type });
      }
    }
  }

  private async handleBinary(bytes: Uint8Array): Promise<void> {
    if (this.isClosed) return;
    this.counters.binary++;
    try {
      if (!this.isAuthenticated) throw new HolocallError('unauthenticated', 'the first message must be hello');
      await this.dispatchBinary(decodeInferenceEnvelope(bytes));
    } catch (error) {
      if (!this.isAuthenticated) {
        this.refuse(CLOSE.unauthenticated, error);
        return;
      }
      this.sendError(error, 'binary');
    }
  }

  /** The one dispatcher for binary envelopes. */
  private async dispatchBinary(env: InferenceEnvelope): Promise<void> {
    switch (env.kind) {
      case 'enrollment':
        if (env.purpose === 'preview') this.previews.image(env);
        else enrollSender(this, env);
        return;
      case 'triplane':
        return uploadTriplane(this, env);
      case 'driver-frame':
        return driverFrame(this, this, env.peerId, env.frame);
      default: {
        const unreachable: never = env;
        throw HolocallError.badRequest('unknown envelope kind', { kind: (unreachable as { kind: string }).kind });
      }
    }
  }

  // ---- FrameSink ----

  senderSetup(peerId: string): { cacheKey: string; view: ViewSpec } | null {
    const p = this.peers.get(peerId);
    if (!p || this.isClosed) return null;
    return { cacheKey: p.cacheKey, view: p.view ?? this.output.defaultView };
  }

  quality(): QualityLevel {
    return this.output.fixedQuality ?? this.adaptive.level;
  }

  canSend(): boolean {
    return !this.isClosed && this.socket.bufferedAmount < MAX_SEND_BUFFER_BYTES && this.frameCredits.allows();
  }

  deliver(
    peerId: string,
    frame: DriverFrame,
    rendered: RenderedFrame,
    view: ViewSpec,
    quality: QualityLevel,
    ms: number,
  ): void {
    if (this.isClosed) return;
    const { format, jpegQuality } = this.output;
    const image = encodeImage(rendered.pixels, rendered.width, rendered.height, format, jpegQuality);
    // The header describes the view this image was rendered for, not the peer's current one:
    // a set-view arriving mid-render must not relabel the frame already in flight.
    const out = encodeRenderedFrame(
      {
        peerId,
        seq: frame.seq,
        captureTimeMs: frame.captureTimeMs,
        renderMs: ms,
        format,
        quality,
        layout: view.kind === 'quilt' ? 'quilt' : 'flat',
        cols: view.kind === 'quilt' ? view.cols : 1,
        rows: view.kind === 'quilt' ? view.rows : 1,
        width: rendered.width,
        height: rendered.height,
      },
      image,
    );
    this.socket.send(out);
    this.frameCredits.sent();
    this.counters.framesSent++;
    this.counters.bytesSent += out.length;
  }

  fail(_peerId: string, error: unknown): void {
    this.sendError(error, 'render');
  }

  recordFrameTime(ms: number): void {
    if (this.output.fixedQuality) return;
    const { level, changed } = this.adaptive.record(ms);
    if (changed) this.send({ type: 'quality', level, auto: true, frameMs: Math.round(ms * 10) / 10 });
  }

  // ---- helpers ----

  statsForConnection(): Record<string, unknown> {
    return {
      id: this.id,
      peers: this.peers.size,
      quality: this.quality(),
      qualityMode: this.output.fixedQuality ? 'fixed' : 'auto',
      format: this.output.format,
      previews: this.previews.size,
      framesUnanswered: this.frameCredits.unanswered,
      frameCredits: this.frameCredits.counters,
      ...this.counters,
    };
  }

  send(msg: InferenceNodeMessage): void {
    if (!this.isClosed) this.socket.send(JSON.stringify(msg));
  }

  private sendBinary(bytes: Uint8Array): void {
    if (this.isClosed) return;
    this.socket.send(bytes);
    this.counters.bytesSent += bytes.length;
  }

  sendError(error: unknown, inReplyTo?: string, context?: Record<string, unknown>): void {
    const wire = toWireError(error);
    if (wire.code === 'internal') this.log.error('request failed', { conn: this.id, error: String(error) });
    this.counters.errors[wire.code] = (this.counters.errors[wire.code] ?? 0) + 1;
    const msg: InferenceNodeMessage = { type: 'error', code: wire.code, message: wire.message.slice(0, 512) };
    if (wire.details || context) msg.details = { ...wire.details, ...context };
    if (inReplyTo) msg.inReplyTo = inReplyTo;
    this.send(msg);
  }

  private refuse(code: number, error: unknown): void {
    if (this.isClosed) return;
    this.sendError(error);
    this.log.warn('connection refused', { conn: this.id, reason: toWireError(error).code });
    this.isClosed = true;
    clearTimeout(this.helloTimer);
    this.socket.close(code, toWireError(error).code);
  }
}
