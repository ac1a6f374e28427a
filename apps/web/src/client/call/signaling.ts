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
import { io, type Socket } from 'socket.io-client';

export const SIGNALING_TIMEOUT_MS = 10_000;

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
 */
export class SignalingClient {
  readonly socket: Socket;
  private listeners = new Set<(n: SignalingNotification) => void>();
  rejectedNotifications = 0;

  constructor(url: string) {
    this.socket = io(url, {
      transports: ['websocket'],
      reconnection: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    this.socket.on(SIGNALING_NOTIFICATION_EVENT, (raw: unknown) => {
      const parsed = SignalingNotification.safeParse(raw);
      if (!parsed.success) {
        this.rejectedNotifications++;
        return;
      }
      for (const listener of this.listeners) listener(parsed.data);
    });
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
    this.listeners.clear();
    this.socket.close();
  }
}
