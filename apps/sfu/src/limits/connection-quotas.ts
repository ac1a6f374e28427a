import {
  ErrorCode,
  HolocallError,
  MAX_SOCKETS_PER_ADDRESS,
  MAX_SOCKETS_PER_USER,
  type SignalingLimitReason,
} from '@holocall/protocol';

/** A refusal for one of the signaling caps, in the protocol's words: `details: { reason, limit }`. */
export function capReached(
  code: ErrorCode,
  message: string,
  reason: SignalingLimitReason,
  limit: number,
): HolocallError {
  return new HolocallError(code, message, { details: { reason, limit } });
}

/**
 * Open sockets per client address and per user, for the caps MAX_SOCKETS_PER_ADDRESS (checked
 * at the handshake, before any request) and MAX_SOCKETS_PER_USER (checked when a socket first
 * presents a user's room token). Keyed by the data (address, user id, socket id), one per
 * signaling server.
 */
export class ConnectionQuotas {
  private readonly socketsByAddress = new Map<string, number>();
  private readonly socketsByUser = new Map<string, Set<string>>();
  private readonly userOfSocket = new Map<string, string>();

  /** Counts a new socket from `address`, or throws `rate_limited` (sockets_per_address) and counts nothing. */
  admitAddress(address: string): void {
    const open = this.socketsByAddress.get(address) ?? 0;
    if (open >= MAX_SOCKETS_PER_ADDRESS) {
      throw capReached(
        ErrorCode.RateLimited,
        'too many open sockets from this address',
        'sockets_per_address',
        MAX_SOCKETS_PER_ADDRESS,
      );
    }
    this.socketsByAddress.set(address, open + 1);
  }

  /**
   * Counts socket `socketId` as one of `userId`'s, or throws `rate_limited` (sockets_per_user).
   * A socket stays the user's until it closes or presents another user's token.
   */
  claimUser(socketId: string, userId: string): void {
    const owner = this.userOfSocket.get(socketId);
    if (owner === userId) return;
    const sockets = this.socketsByUser.get(userId) ?? new Set<string>();
    if (sockets.size >= MAX_SOCKETS_PER_USER) {
      throw capReached(
        ErrorCode.RateLimited,
        'too many open sockets of this user',
        'sockets_per_user',
        MAX_SOCKETS_PER_USER,
      );
    }
    if (owner !== undefined) this.dropUser(socketId, owner);
    sockets.add(socketId);
    this.socketsByUser.set(userId, sockets);
    this.userOfSocket.set(socketId, userId);
  }

  /** The socket closed: its address and user count one less. */
  release(socketId: string, address: string): void {
    const open = (this.socketsByAddress.get(address) ?? 1) - 1;
    if (open <= 0) this.socketsByAddress.delete(address);
    else this.socketsByAddress.set(address, open);
    const userId = this.userOfSocket.get(socketId);
    if (userId !== undefined) this.dropUser(socketId, userId);
  }

  private dropUser(socketId: string, userId: string): void {
    this.userOfSocket.delete(socketId);
    const sockets = this.socketsByUser.get(userId);
    sockets?.delete(socketId);
    if (sockets?.size === 0) this.socketsByUser.delete(userId);
  }
}
