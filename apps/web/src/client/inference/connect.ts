import {
  decodeRenderedFrame,
  encodeDriverFrameEnvelope,
  encodeEnrollmentEnvelope,
  INFERENCE_PROTOCOL_VERSION,
  type InferenceClientMessage,
  InferenceNodeMessage,
  InferenceServerStatus,
  type RenderedFrameHeader,
  type ViewSpec,
} from '@holocall/protocol';
import type { RetryAttempts, RetryPolicy } from '@holocall/service/retry';
import { LIFT_RETRY_POLICY, TOKEN_REFRESH_POLICY } from '../retry-policies';
import type {
  EnrollmentSource,
  InferenceCallbacks,
  InferenceNode,
  InferenceStatus,
  LiftRetry,
  NodeDescription,
  NodeTarget,
  PeerSource,
  PeerSourceDetail,
} from './inference-types';
import { LatestFrameDecoder } from './latest-frame-decoder';
import { NODE_WATCH_POLICY, type NodePresence, pageNodePresence } from './node-presence';

/**
 * The avatar hash the node's synthetic stand-in head is registered under: never a real
 * content hash, so the node's cache never confuses the stand-in with anyone's avatar.
 */
export const SYNTHETIC_AVATAR_HASH = '5717e7c0de5717e7c0de';
/** Driver frames are dropped, not queued, while this much is still waiting in the socket. */
export const MAX_QUEUED_FRAME_BYTES = 64 * 1024;

interface PeerEntry {
  avatarHash: string;
  source: PeerSource;
  load: () => Promise<EnrollmentSource>;
  /** What the last register-sender asked the node for. */
  asked: 'enrollment' | 'synthetic-head';
  /** Lift retries after `unavailable`, on the lift policy. */
  liftRetries: RetryAttempts;
  retryTimer: ReturnType<typeof setTimeout> | null;
  lift: LiftRetry | null;
}

/** Opens the socket, says hello with the page token, and hands every decoded message on. */
export interface NodeSocket {
  send(message: InferenceClientMessage): void;
  sendBinary(bytes: Uint8Array): boolean;
  readonly open: boolean;
  /** Bytes queued in the socket, not yet sent. */
  readonly buffered: number;
  close(): void;
}

/**
 * Whether the node's refusal of `hello` is one a fresh token answers: `token_expired`, or
 * `unauthenticated` for a token whose own expiry (as the web app gave it) has passed.
 */
function refusedForExpiry(code: string, expiresAt: string | undefined, now = Date.now()): boolean {
  if (code === 'token_expired') return true;
  const expiry = expiresAt === undefined ? Number.NaN : Date.parse(expiresAt);
  return code === 'unauthenticated' && expiry <= now;
}

/**
 * The socket to the node. A node that is not there (yet) or went away is tried again on
 * NODE_WATCH_POLICY, so one started later is found without a reload; a `hello` the node
 * refused for an expired token gets a fresh token from `target.refresh` first, on
 * `refreshPolicy` (TOKEN_REFRESH_POLICY), and the page reports `refused` when that gives up.
 * `presence` (the page's, by default) holds the first try until the Local Network Access
 * permission is known (and explained when the browser will ask), retries at once when it is
 * granted, and hears what the node says of its server.
 */
export function openNodeSocket(
  target: NodeTarget,
  handlers: {
    onMessage: (message: InferenceNodeMessage) => void;
    onBinary: (bytes: Uint8Array) => void;
    onStatus: (status: InferenceStatus, node: NodeDescription | null) => void;
  },
  options: { refreshPolicy?: RetryPolicy; watchPolicy?: RetryPolicy; presence?: NodePresence | null } = {},
): NodeSocket {
  let socket: WebSocket | null = null;
  let closed = false;
  let credentials = { url: target.url, token: target.token, expiresAt: target.expiresAt };
  const presence = options.presence === undefined ? pageNodePresence() : options.presence;
  const retries = (options.watchPolicy ?? NODE_WATCH_POLICY).attempts();
  const refreshes = (options.refreshPolicy ?? TOKEN_REFRESH_POLICY).attempts();
  let everReady = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const later = (delay: number, run: () => void) => {
    timer = setTimeout(() => {
      timer = null;
      run();
    }, delay);
  };

  function open(): void {
    if (closed) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(credentials.url);
    } catch {
      scheduleReconnect();
      return;
    }
    ws.binaryType = 'arraybuffer';
    socket = ws;
    let welcomed = false;
    /** The node refused this socket's hello with a token a fresh one would replace. */
    let expired = false;
    const token = credentials.token;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', protocolVersion: INFERENCE_PROTOCOL_VERSION, token }));
    ws.onmessage = (event) => {
      if (typeof event.data !== 'string') {
        handlers.onBinary(new Uint8Array(event.data as ArrayBuffer));
        return;
      }
      let parsed: ReturnType<typeof InferenceNodeMessage.safeParse>;
      try {
        parsed = InferenceNodeMessage.safeParse(JSON.parse(event.data));
      } catch {
        return;
      }
      if (!parsed.success) return;
      const message = parsed.data;
      if (message.type === 'welcome') presence?.setServer(message.server ?? null);
      // A hello refused because the node holds no keys of its server says why in details.server.
      if (!welcomed && message.type === 'error') {
        const server = InferenceServerStatus.safeParse(message.details?.server);
        if (server.success) presence?.setServer(server.data);
      }
      if (
        !welcomed &&
        message.type === 'error' &&
        target.refresh &&
        refusedForExpiry(message.code, credentials.expiresAt)
      ) {
        // The answer to hello; the node closes the socket next, and onclose fetches a fresh token.
        expired = true;
        return;
      }
      if (message.type === 'welcome') {
        welcomed = true;
        retries.reset();
        refreshes.reset();
        everReady = true;
        const n = message.node;
        handlers.onStatus('ready', {
          renderer: n.renderer,
          executionProvider: n.executionProvider,
          reenact: n.reenact,
          untrained: n.untrained,
          backendLabel: n.backend?.label ?? null,
        });
      }
      handlers.onMessage(message);
    };
    ws.onclose = () => {
      if (socket === ws) socket = null;
      if (closed) return;
      if (expired) refreshToken();
      else scheduleReconnect();
    };
  }

  function scheduleReconnect(): void {
    const delay = retries.next();
    handlers.onStatus(everReady && delay !== null ? 'reconnecting' : 'unavailable', null);
    if (delay !== null) later(delay, open);
  }

  function refreshToken(): void {
    const delay = refreshes.next();
    const refresh = target.refresh;
    if (delay === null || !refresh) {
      handlers.onStatus('refused', null);
      return;
    }
    handlers.onStatus(everReady ? 'reconnecting' : 'connecting', null);
    later(delay, () => {
      if (closed) return;
      refresh().then(
        (fresh) => {
          credentials = fresh;
          open();
        },
        // The web app did not answer (or not with a token): that try is spent too.
        () => {
          if (!closed) refreshToken();
        },
      );
    });
  }

  // A permission granted while the page waits: try now rather than at the next delay.
  const stopGranted = presence?.onGranted(() => {
    if (closed || socket || timer === null) return;
    clearTimeout(timer);
    timer = null;
    retries.reset();
    open();
  });
  if (presence) presence.beforeFirstTry().then(open, open);
  else open();
  return {
    send(message) {
      if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    },
    sendBinary(bytes) {
      if (socket?.readyState !== WebSocket.OPEN) return false;
      socket.send(bytes as Uint8Array<ArrayBuffer>);
      return true;
    },
    get open() {
      return socket?.readyState === WebSocket.OPEN;
    },
    get buffered() {
      return socket?.bufferedAmount ?? 0;
    },
    close() {
      closed = true;
      stopGranted?.();
      if (timer !== null) clearTimeout(timer);
      timer = null;
      socket?.close();
    },
  };
}

/**
 * Rendered frames the node may have in flight to this page. Two: one arriving while the page
 * takes in the other, so a flat view keeps its full rate, while a page slower than the node at
 * taking in quilts makes the node wait instead of queueing them in the sockets (glass-to-glass
 * grew by seconds a minute without it).
 */
export const FRAME_CREDITS = 2;

/** Decodes a rendered frame (raw RGBA or an encoded image) into a bitmap. */
export async function renderedBitmap(bytes: Uint8Array) {
  return frameBitmap(decodeRenderedFrame(bytes));
}

/**
 * RGBA8 pixels (width * height * 4) as a bitmap, read in place: an ArrayBuffer (one transferred
 * from a worker) or a view into a message's buffer (nothing else writes to it). A view on shared
 * memory is copied, as ImageData cannot take one.
 */
export function rgbaBitmap(pixels: Uint8Array | ArrayBuffer, width: number, height: number): Promise<ImageBitmap> {
  const data =
    pixels instanceof ArrayBuffer
      ? new Uint8ClampedArray(pixels)
      : pixels.buffer instanceof ArrayBuffer
        ? new Uint8ClampedArray(pixels.buffer, pixels.byteOffset, pixels.byteLength)
        : new Uint8ClampedArray(pixels);
  return createImageBitmap(new ImageData(data, width, height));
}

/** A decoded rendered frame's image as a bitmap (RGBA, or PNG/JPEG bytes). */
export async function frameBitmap({ header, image }: { header: RenderedFrameHeader; image: Uint8Array }) {
  const bitmap =
    header.format === 'rgba'
      ? await rgbaBitmap(image, header.width, header.height)
      : await createImageBitmap(new Blob([image as Uint8Array<ArrayBuffer>], { type: `image/${header.format}` }));
  return { header, bitmap };
}

/** The enrollment envelope for a lift (a call's registration or an enrollment preview). */
export async function enrollmentEnvelope(purpose: 'register' | 'preview', id: string, source: EnrollmentSource) {
  return encodeEnrollmentEnvelope({
    purpose,
    id,
    avatarHash: source.avatarHash,
    landmarkSpace: { width: source.width, height: source.height },
    landmarks: Float32Array.from(source.landmarks),
    image: source.photo,
  });
}

/**
 * The call page's connection to the viewer's local inference node (WebSocket on 127.0.0.1):
 * senders registered by avatar hash with source 'enrollment' (the node renders its cached lift,
 * or asks for the enrolled photo and lifts it once, reporting progress); when it cannot, the
 * node's synthetic stand-in head, labelled as such. A lift the node could not run for now
 * (`unavailable`) keeps the stand-in and is registered again on `liftRetryPolicy`
 * (LIFT_RETRY_POLICY) until it gives up. Driver frames are forwarded as they arrive; rendered
 * frames are decoded into bitmaps. After a reconnect everything is registered again.
 */
export function connectInferenceNode(
  target: NodeTarget,
  callbacks: InferenceCallbacks,
  options: {
    standIn?: boolean;
    liftRetryPolicy?: RetryPolicy;
    refreshPolicy?: RetryPolicy;
    presence?: NodePresence | null;
  } = {},
): InferenceNode {
  const standIn = options.standIn ?? true;
  const liftRetryPolicy = options.liftRetryPolicy ?? LIFT_RETRY_POLICY;
  let status: InferenceStatus = 'connecting';
  let view: ViewSpec = { kind: 'flat', width: 256, height: 256 };
  const peers = new Map<string, PeerEntry>();
  const frames = new LatestFrameDecoder(frameBitmap, ({ header, bitmap }) =>
    callbacks.onImage({ peerId: header.peerId, header, bitmap }),
  );

  const setSource = (
    peerId: string,
    entry: PeerEntry,
    source: PeerSource,
    progress?: { stage: string; fraction: number },
  ) => {
    entry.source = source;
    const detail: PeerSourceDetail = {};
    if (progress) detail.progress = progress;
    if (entry.lift) detail.lift = entry.lift;
    callbacks.onPeerSource(peerId, source, detail);
  };
  const register = (peerId: string, entry: PeerEntry, source: 'enrollment' | 'synthetic-head') => {
    entry.asked = source;
    socket.send({
      type: 'register-sender',
      peerId,
      avatarHash: source === 'synthetic-head' ? SYNTHETIC_AVATAR_HASH : entry.avatarHash,
      source,
    });
  };
  const fallBack = (peerId: string, entry: PeerEntry) => {
    if (standIn && entry.source !== 'synthetic') {
      entry.source = 'pending';
      register(peerId, entry, 'synthetic-head');
    } else if (!standIn) setSource(peerId, entry, 'missing');
    // Already on the stand-in: say what changed about the lift.
    else setSource(peerId, entry, entry.source);
  };
  const stopRetry = (entry: PeerEntry) => {
    if (entry.retryTimer !== null) clearTimeout(entry.retryTimer);
    entry.retryTimer = null;
  };
  /** The node could not lift this avatar for now: the stand-in meanwhile, and the registration again later. */
  const retryLift = (peerId: string, entry: PeerEntry, message: string) => {
    stopRetry(entry);
    const delay = entry.liftRetries.next();
    entry.lift =
      delay === null
        ? { kind: 'gave-up', attempts: entry.liftRetries.count, message }
        : {
            kind: 'retrying',
            attempt: entry.liftRetries.count,
            maxAttempts: liftRetryPolicy.maxAttempts,
            delayMs: delay,
            message,
          };
    fallBack(peerId, entry);
    if (delay === null) return;
    entry.retryTimer = setTimeout(() => {
      entry.retryTimer = null;
      if (peers.get(peerId) !== entry || status !== 'ready') return;
      register(peerId, entry, 'enrollment');
    }, delay);
  };

  async function upload(peerId: string, entry: PeerEntry): Promise<void> {
    try {
      const source = await entry.load();
      if (peers.get(peerId) !== entry) return;
      if (!socket.sendBinary(await enrollmentEnvelope('register', peerId, source))) return;
      setSource(peerId, entry, 'lifting', { stage: 'queued', fraction: 0 });
    } catch {
      fallBack(peerId, entry);
    }
  }

  const socket = openNodeSocket(
    target,
    {
      onStatus: (s, node) => {
        status = s;
        if (s !== 'ready') {
          for (const entry of peers.values()) {
            entry.source = 'pending';
            // Everything is registered again on the next welcome; a new node is a fresh chance to lift.
            stopRetry(entry);
            entry.liftRetries.reset();
            entry.lift = null;
          }
        }
        callbacks.onStatus(s, node);
      },
      onBinary: (bytes) => {
        // Taken in: the node may send the next (flow control, FRAME_CREDITS).
        socket.send({ type: 'frame-received' });
        frames.push(bytes);
      },
      onMessage: (message) => {
        switch (message.type) {
          case 'welcome':
            socket.send({ type: 'set-output', format: 'rgba', frameCredits: FRAME_CREDITS });
            socket.send({ type: 'set-view', view });
            for (const [peerId, entry] of peers) register(peerId, entry, 'enrollment');
            break;
          case 'registered': {
            const entry = peers.get(message.peerId);
            if (!entry) break;
            if (message.avatarHash === SYNTHETIC_AVATAR_HASH) setSource(message.peerId, entry, 'synthetic');
            else if (message.awaitingUpload) void upload(message.peerId, entry);
            else {
              entry.liftRetries.reset();
              entry.lift = null;
              setSource(message.peerId, entry, 'avatar');
            }
            break;
          }
          case 'register-progress': {
            const entry = peers.get(message.peerId);
            if (entry && entry.source !== 'avatar') {
              setSource(message.peerId, entry, 'lifting', { stage: message.stage, fraction: message.fraction });
            }
            break;
          }
          case 'error': {
            const peerId = typeof message.details?.peerId === 'string' ? message.details.peerId : null;
            const entry = peerId ? peers.get(peerId) : undefined;
            if (!peerId || !entry) break;
            const aboutLift =
              entry.asked === 'enrollment' &&
              (message.inReplyTo === 'register-sender' ||
                message.inReplyTo === 'enrollment' ||
                entry.source === 'lifting');
            // The node cannot lift for now (its lift worker stopped, or a busy machine ran the lift
            // past its deadline): the stand-in, and again later on the lift policy, which gives up.
            if (aboutLift && (message.code === 'unavailable' || message.code === 'timeout'))
              retryLift(peerId, entry, message.message);
            // The node could not register or lift this avatar: its stand-in head, said plainly.
            else if (message.inReplyTo === 'register-sender' || entry.source === 'lifting') fallBack(peerId, entry);
            else if (message.code === 'not_found' && entry.source !== 'synthetic') {
              // Evicted from the node's cache: register again (it asks for the photo if needed).
              entry.source = 'pending';
              register(peerId, entry, 'enrollment');
            }
            break;
          }
          default:
            break;
        }
      },
    },
    {
      ...(options.refreshPolicy ? { refreshPolicy: options.refreshPolicy } : {}),
      ...(options.presence !== undefined ? { presence: options.presence } : {}),
    },
  );

  return {
    get status() {
      return status;
    },
    registerPeer(peerId, avatarHash, load) {
      if (peers.get(peerId)?.avatarHash === avatarHash) return;
      const previous = peers.get(peerId);
      if (previous) stopRetry(previous);
      const entry: PeerEntry = {
        avatarHash,
        source: 'pending',
        load,
        asked: 'enrollment',
        liftRetries: liftRetryPolicy.attempts(),
        retryTimer: null,
        lift: null,
      };
      peers.set(peerId, entry);
      register(peerId, entry, 'enrollment');
    },
    unregisterPeer(peerId) {
      const entry = peers.get(peerId);
      if (!entry) return;
      stopRetry(entry);
      peers.delete(peerId);
      socket.send({ type: 'unregister-sender', peerId });
    },
    setView(next) {
      if (JSON.stringify(next) === JSON.stringify(view)) return;
      view = next;
      socket.send({ type: 'set-view', view });
    },
    sendFrame(peerId, frame) {
      const entry = peers.get(peerId);
      if (!entry || (entry.source !== 'avatar' && entry.source !== 'synthetic') || !socket.open) return;
      // Never queue behind a slow node: a late frame is worthless.
      if (socket.buffered > MAX_QUEUED_FRAME_BYTES) return;
      socket.sendBinary(encodeDriverFrameEnvelope(peerId, frame));
    },
    close() {
      for (const entry of peers.values()) stopRetry(entry);
      socket.close();
    },
  };
}
