import {
  HolocallError,
  isErrorCode,
  SIGNALING_NOTIFICATION_EVENT,
  SIGNALING_REQUEST_EVENT,
  SignalingAck,
  type SignalingNotification,
  type SignalingNotificationOf,
  type SignalingNotificationType,
  type SignalingRequest,
  type SignalingRequestType,
  type SignalingResponseOf,
  SignalingResponses,
} from '@holocall/protocol';
import { io, type Socket } from 'socket.io-client';

/** How long a request or a wait for a notification may take before it fails (generous: CI is slow). */
export const DEFAULT_WAIT_MS = 15_000;

type Waiter = { match: (n: SignalingNotification) => boolean; resolve: (n: SignalingNotification) => void };

/**
 * The client side of the SFU's signaling for Node (tests, bench): typed requests answered
 * by acknowledgements, and notifications kept in order so a test can wait for one.
 */
export class SignalingClient {
  readonly socket: Socket;
  readonly notifications: SignalingNotification[] = [];
  private waiters: Waiter[] = [];
  private listeners: ((n: SignalingNotification) => void)[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on(SIGNALING_NOTIFICATION_EVENT, (notification: SignalingNotification) => {
      this.notifications.push(notification);
      for (const listener of this.listeners) listener(notification);
      const ready = this.waiters.filter((w) => w.match(notification));
      this.waiters = this.waiters.filter((w) => !ready.includes(w));
      for (const waiter of ready) waiter.resolve(notification);
    });
  }

  static async connect(url: string, options: { extraHeaders?: Record<string, string> } = {}): Promise<SignalingClient> {
    const socket = io(url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      ...(options.extraHeaders ? { extraHeaders: options.extraHeaders } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('socket connect timed out')), DEFAULT_WAIT_MS);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('connect_error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    return new SignalingClient(socket);
  }

  /** Sends a request; resolves with its validated response or rejects with the SFU's HolocallError. */
  async request<T extends SignalingRequestType>(
    type: T,
    body: Omit<Extract<SignalingRequest, { type: T }>, 'type'>,
  ): Promise<SignalingResponseOf<T>> {
    const data = await this.raw({ type, ...body });
    return SignalingResponses[type].parse(data) as SignalingResponseOf<T>;
  }

  /** Sends anything as a request (tests send garbage on purpose) and returns the ack's data or throws its error. */
  async raw(payload: unknown, event: string = SIGNALING_REQUEST_EVENT): Promise<unknown> {
    const ack = SignalingAck.parse(await this.socket.timeout(DEFAULT_WAIT_MS).emitWithAck(event, payload));
    if (ack.ok) return ack.data;
    const code = isErrorCode(ack.error.code) ? ack.error.code : 'internal';
    throw new HolocallError(code, ack.error.message, ack.error.details ? { details: ack.error.details } : undefined);
  }

  onNotification(listener: (n: SignalingNotification) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** The first notification of `type` (already received or still to come) that satisfies `predicate`. */
  waitFor<T extends SignalingNotificationType>(
    type: T,
    predicate: (n: SignalingNotificationOf<T>) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<SignalingNotificationOf<T>> {
    const match = (n: SignalingNotification) => n.type === type && predicate(n as SignalingNotificationOf<T>);
    const seen = this.notifications.find(match);
    if (seen) return Promise.resolve(seen as SignalingNotificationOf<T>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no ${type} notification within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (n) => {
          clearTimeout(timer);
          resolve(n as SignalingNotificationOf<T>);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Resolves when the SFU closes this socket. */
  disconnected(): Promise<void> {
    if (this.socket.disconnected) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('disconnect', () => resolve()));
  }

  close(): void {
    this.socket.disconnect();
  }
}
