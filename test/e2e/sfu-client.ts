import { io, type Socket } from 'socket.io-client';
import { PORTS, WEB_ORIGIN } from './env';

/**
 * A bare socket.io client for the test SFU, as a script (not a browser) would talk to it:
 * `request` resolves with the ack's data or rejects with its error `{ code, message }`.
 */
export class SfuSocket {
  private constructor(readonly socket: Socket) {}

  static async connect(origin = WEB_ORIGIN): Promise<SfuSocket> {
    const socket = io(`http://127.0.0.1:${PORTS.sfu}`, {
      transports: ['websocket'],
      extraHeaders: { origin },
      reconnection: false,
      forceNew: true,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return new SfuSocket(socket);
  }

  request(type: string, body: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      this.socket
        .timeout(10_000)
        .emit(
          'request',
          { type, ...body },
          (timeout: Error | null, ack: { ok: boolean; data?: unknown; error?: unknown }) => {
            if (timeout) reject(timeout);
            else if (ack.ok) resolve(ack.data as Record<string, unknown>);
            else reject(ack.error);
          },
        );
    });
  }

  /** The error code a refused request answers with (fails the test when it is not refused). */
  async refusal(type: string, body: Record<string, unknown> = {}): Promise<string> {
    try {
      await this.request(type, body);
    } catch (error) {
      return (error as { code?: string }).code ?? String(error);
    }
    throw new Error(`${type} was not refused`);
  }

  close(): void {
    this.socket.close();
  }
}
