import type { SignalingNotification } from '@holocall/protocol';
import type { JWTVerifyGetKey } from 'jose';
import type { SfuConfig } from '../config/sfu-config';
import type { Logger } from '../logging/logger';
import type { Peer } from '../peers/peer';
import type { Room } from '../rooms/room';
import type { RoomRegistry } from '../rooms/room-registry';

/** A joined socket: the room it is in and the peer it is. */
export interface Session {
  room: Room;
  peer: Peer;
}

/** What a request handler may use. One per connection. */
export interface RequestContext {
  readonly config: SfuConfig;
  /** The web app's public keys (its JWKS), which room tokens are checked against. */
  readonly tokenKeys: JWTVerifyGetKey;
  readonly registry: RoomRegistry;
  readonly logger: Logger;
  /** The current session; throws `unauthenticated` when the socket has not joined. */
  session(): Session;
  /** True when the socket has joined a room. */
  readonly joined: boolean;
  /** False once the socket has gone away: a handler checks it (or its peer's `closed`) after every await. */
  readonly connected: boolean;
  /**
   * A peer whose join is in flight: closed with the socket if the socket goes away before
   * `attach`, so a join that finishes after a disconnect seats nobody.
   */
  holdPending(peer: Peer): void;
  /** Counts this socket as one of `userId`'s; throws `rate_limited` past MAX_SOCKETS_PER_USER. */
  claimUser(userId: string): void;
  /** Binds the socket to a freshly joined peer. */
  attach(room: Room, peer: Peer): void;
  /** Sends a notification to this socket. */
  notify(notification: SignalingNotification): void;
}
