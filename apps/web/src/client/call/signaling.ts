import {
  isErrorCode,
  SIGNALING_NOTIFICATION_EVENT,
  SIGNALING_REQUEST_EVENT,
  SignalingAck,
  SignalingNotification,
  type SignalingRequest,
  type SignalingRequestType,
  type SignalingResponseOf,
  SignalingResponses,
  type WireError,
} from '@holocall/protocol';
import { RECONNECT_POLICY } from '@holocall/service/retry';
import { io, type Socket } from 'socket.io-client';

export const SIGNALING_TIMEOUT_MS = 10_000;

/**
 * Where socket.io-client must connect for an SFU URL. socket.io-client reads a URL's pathname as
 * a *namespace*, not as where the server is: `io('https://host/sfu')` asks the server at
 * /socket.io/ for namespace "/sfu". The SFU served under the web origin at /sfu
 * (apps/web/scripts/sfu-proxy.mjs) is reached by its engine path instead: origin, and
 * `path` = pathname + /socket.io/, default namespace.
 */
export function signalingTarget(url: string): { origin: string; path: string } {
  const parsed = new URL(url);
  const base = parsed.pathname.replace(/\/+$/, '');
  return { origin: parsed.origin, path: `${base}/socket.io/` };
}

export class SignalingError extends Error {
  override readonly name = 'SignalingError';
  constructor(readonly wire: WireError) {
    super(wire.message);
  }
}

/**
 * The browser side of the SFU's signaling: typed requests answered by acknowledgements,
 * validated with the protocol's response schemas; notifications validated before dispatch
 * (an unknown one is counted and dropped, never thrown through).
 *
 * A lost or failed connection is retried on RECONNECT_POLICY (socket.io's own reconnection is
 * off, so one policy paces every reconnect in the product). As with socket.io's, a socket the
 * server disconnected or refused (`socket.active` false) is not retried, nor one closed here.
 */
export class SignalingClient {
  readonly socket: Socket;
  private listeners = new Set<(n: SignalingNotification) => void>();
  private readonly retries = RECONNECT_POLICY.attempts();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  rejectedNotifications = 0;

  constructor(url: string) {
    const target = signalingTarget(url);
    this.socket = io(target.origin, { path: target.path, transports: ['websocket'], reconnection: false });
    this.socket.on('connect', () => this.retries.reset());
    this.socket.on('disconnect', () => this.scheduleReconnect());
    this.socket.on('connect_error', () => this.scheduleReconnect());
    this.socket.on(SIGNALING_NOTIFICATION_EVENT, (raw: unknown) => {
      const parsed = SignalingNotification.safeParse(raw);
      if (!parsed.success) {
        this.rejectedNotifications++;
        return;
      }
      for (const listener of this.listeners) listener(parsed.data);
    });
  }

  private scheduleReconnect(): void {
    if (!this.socket.active || this.retryTimer !== null) return;
    const delay = this.retries.next();
    if (delay === null) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.socket.active && !this.socket.connected) this.socket.connect();
    }, delay);
  }

  onNotification(listener: (n: SignalingNotification) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async request<T extends SignalingRequestType>(
    type: T,
    body: Omit<Extract<SignalingRequest, { type: T }>, 'type'>,
  ): Promise<SignalingResponseOf<T>> {
    const raw = await this.socket.timeout(SIGNALING_TIMEOUT_MS).emitWithAck(SIGNALING_REQUEST_EVENT, { type, ...body });
    const ack = SignalingAck.parse(raw);
    if (!ack.ok) {
      const code = isErrorCode(ack.error.code) ? ack.error.code : 'internal';
      throw new SignalingError({ ...ack.error, code });
    }
    return SignalingResponses[type].parse(ack.data) as SignalingResponseOf<T>;
  }

  close(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.listeners.clear();
    this.socket.close();
  }
}
