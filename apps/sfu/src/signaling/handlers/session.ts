import {
  ErrorCode,
  HolocallError,
  type RtpCapabilities,
  type SignalingRequestOf,
  type SignalingResponseOf,
} from '@holocall/protocol';
import type { types } from 'mediasoup';
import { Peer, sessionEnded } from '../../peers/peer';
import { verifyRoomToken } from '../../tokens/room-tokens';
import type { RequestContext } from '../request-context';

/** Verifies the room token, places the peer in its room (creating the room if needed). */
export async function join(
  ctx: RequestContext,
  request: SignalingRequestOf<'join'>,
): Promise<SignalingResponseOf<'join'>> {
  if (ctx.joined) throw new HolocallError(ErrorCode.Conflict, 'this socket has already joined a room; leave first');
  const { claims } = await verifyRoomToken(request.token, ctx.tokenKeys, request.roomId);
  if (!ctx.connected) throw sessionEnded('joining');
  ctx.claimUser(claims.userId);
  const peer = new Peer(claims, (notification) => ctx.notify(notification));
  // From here a disconnect closes the peer; the registry seats no closed peer.
  ctx.holdPending(peer);
  const room = await ctx.registry.join(claims.roomId, peer, claims.maxPeers);
  if (peer.closed || !ctx.connected) {
    // Seated just before the socket went away: closing the peer gives the seat back.
    peer.close('disconnected');
    throw sessionEnded('joining');
  }
  ctx.attach(room, peer);
  return {
    roomId: room.id,
    self: peer.identity,
    grants: peer.grants,
    routerRtpCapabilities: room.router.rtpCapabilities,
    ...room.snapshot(peer),
  };
}

export async function leave(ctx: RequestContext): Promise<SignalingResponseOf<'leave'>> {
  ctx.session().peer.close('left');
  return {};
}

export async function getRouterRtpCapabilities(
  ctx: RequestContext,
): Promise<SignalingResponseOf<'getRouterRtpCapabilities'>> {
  return { rtpCapabilities: ctx.session().room.router.rtpCapabilities };
}

export async function setCapabilities(
  ctx: RequestContext,
  request: SignalingRequestOf<'setCapabilities'>,
): Promise<SignalingResponseOf<'setCapabilities'>> {
  ctx.session().peer.rtpCapabilities = request.rtpCapabilities satisfies RtpCapabilities as types.RtpCapabilities;
  return {};
}
