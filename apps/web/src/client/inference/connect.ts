import {
  decodeRenderedFrame,
  encodeDriverFrameEnvelope,
  encodeEnrollmentEnvelope,
  INFERENCE_PROTOCOL_VERSION,
  type InferenceClientMessage,
  InferenceNodeMessage,
  type ViewSpec,
} from '@holocall/protocol';
import { RECONNECT_POLICY } from '@holocall/service/retry';
import type {
  EnrollmentSource,
  InferenceCallbacks,
  InferenceNode,
  InferenceStatus,
  NodeDescription,
  PeerSource,
} from './inference-types';

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

export function openNodeSocket(
  target: { url: string; token: string },
  handlers: {
    onMessage: (message: InferenceNodeMessage) => void;
    onBinary: (bytes: Uint8Array) => void;
    onStatus: (status: InferenceStatus, node: NodeDescription | null) => void;
  },
): NodeSocket {
  let socket: WebSocket | null = null;
  let closed = false;
  const retries = RECONNECT_POLICY.attempts();
  let everReady = false;

  function open(): void {
    if (closed) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(target.url);
    } catch {
      scheduleReconnect();
      return;
    }
    ws.binaryType = 'arraybuffer';
    socket = ws;
    ws.onopen = () =>
      ws.send(JSON.stringify({ type: 'hello', protocolVersion: INFERENCE_PROTOCOL_VERSION, token: target.token }));
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
      if (parsed.data.type === 'welcome') {
        retries.reset();
        everReady = true;
        const n = parsed.data.node;
        handlers.onStatus('ready', {
          renderer: n.renderer,
          executionProvider: n.executionProvider,
          reenact: n.reenact,
          untrained: n.untrained,
          backendLabel: n.backend?.label ?? null,
        });
      }
      handlers.onMessage(parsed.data);
    };
    ws.onclose = () => {
      if (socket === ws) socket = null;
      if (!closed) scheduleReconnect();
    };
  }

  function scheduleReconnect(): void {
    const delay = retries.next();
    handlers.onStatus(everReady && delay !== null ? 'reconnecting' : 'unavailable', null);
    if (delay !== null) setTimeout(open, delay);
  }

  open();
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
      socket?.close();
    },
  };
}

/** Decodes a rendered frame (raw RGBA or an encoded image) into a bitmap. */
export async function renderedBitmap(bytes: Uint8Array) {
  const { header, image } = decodeRenderedFrame(bytes);
  const bitmap =
    header.format === 'rgba'
      ? await createImageBitmap(new ImageData(new Uint8ClampedArray(image), header.width, header.height))
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
 * node's synthetic stand-in head, labelled as such. Driver frames are forwarded as they arrive;
 * rendered frames are decoded into bitmaps. After a reconnect everything is registered again.
 */
export function connectInferenceNode(
  target: { url: string; token: string },
  callbacks: InferenceCallbacks,
  options: { standIn?: boolean } = {},
): InferenceNode {
  const standIn = options.standIn ?? true;
  let status: InferenceStatus = 'connecting';
  let view: ViewSpec = { kind: 'flat', width: 256, height: 256 };
  const peers = new Map<string, PeerEntry>();

  const setSource = (
    peerId: string,
    entry: PeerEntry,
    source: PeerSource,
    progress?: { stage: string; fraction: number },
  ) => {
    entry.source = source;
    callbacks.onPeerSource(peerId, source, progress);
  };
  const register = (peerId: string, entry: PeerEntry, source: 'enrollment' | 'synthetic-head') => {
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

  const socket = openNodeSocket(target, {
    onStatus: (s, node) => {
      status = s;
      if (s !== 'ready') for (const entry of peers.values()) entry.source = 'pending';
      callbacks.onStatus(s, node);
    },
    onBinary: (bytes) => {
      renderedBitmap(bytes).then(
        ({ header, bitmap }) => callbacks.onImage({ peerId: header.peerId, header, bitmap }),
        () => {},
      );
    },
    onMessage: (message) => {
      switch (message.type) {
        case 'welcome':
          socket.send({ type: 'set-output', format: 'rgba' });
          socket.send({ type: 'set-view', view });
          for (const [peerId, entry] of peers) register(peerId, entry, 'enrollment');
          break;
        case 'registered': {
          const entry = peers.get(message.peerId);
          if (!entry) break;
          if (message.avatarHash === SYNTHETIC_AVATAR_HASH) setSource(message.peerId, entry, 'synthetic');
          else if (message.awaitingUpload) void upload(message.peerId, entry);
          else setSource(message.peerId, entry, 'avatar');
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
          // The node could not register or lift this avatar: its stand-in head, said plainly.
          if (message.inReplyTo === 'register-sender' || entry.source === 'lifting') fallBack(peerId, entry);
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
  });

  return {
    get status() {
      return status;
    },
    registerPeer(peerId, avatarHash, load) {
      if (peers.get(peerId)?.avatarHash === avatarHash) return;
      const entry: PeerEntry = { avatarHash, source: 'pending', load };
      peers.set(peerId, entry);
      register(peerId, entry, 'enrollment');
    },
    unregisterPeer(peerId) {
      if (peers.delete(peerId)) socket.send({ type: 'unregister-sender', peerId });
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
      socket.close();
    },
  };
}
