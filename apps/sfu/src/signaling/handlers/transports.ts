import {
  ErrorCode,
  HolocallError,
  MAX_TRANSPORTS_PER_PEER,
  MAX_TRANSPORTS_PER_USER,
  type SignalingRequestOf,
  type SignalingResponseOf,
} from '@holocall/protocol';
import type { types } from 'mediasoup';
import { capReached } from '../../limits/connection-quotas';
import type { Peer } from '../../peers/peer';
import { createPeerTransport, type TransportAppData } from '../../transports/create-peer-transport';
import { withClientParameters } from '../mediasoup-errors';
import type { RequestContext } from '../request-context';

export async function createWebRtcTransport(
  ctx: RequestContext,
  request: SignalingRequestOf<'createWebRtcTransport'>,
): Promise<SignalingResponseOf<'createWebRtcTransport'>> {
  const { room, peer } = ctx.session();
  const { grants } = peer;
  if (request.direction === 'recv' && !grants.subscribe) {
    throw HolocallError.forbidden('this token does not grant subscribe', { grant: 'subscribe' });
  }
  if (request.direction === 'send' && !grants.publishAudio && !grants.publishDriverFrames && !grants.publishVideo) {
    throw HolocallError.forbidden('this token grants no publishing');
  }
  if (peer.transports.size + peer.pendingTransports >= MAX_TRANSPORTS_PER_PEER) {
    throw capReached(
      ErrorCode.Conflict,
      'too many transports; close one first',
      'transports_per_peer',
      MAX_TRANSPORTS_PER_PEER,
    );
  }
  if (ctx.registry.transportsOfUser(peer.identity.userId) >= MAX_TRANSPORTS_PER_USER) {
    throw capReached(
      ErrorCode.Conflict,
      'too many transports over your rooms; close one first',
      'transports_per_user',
      MAX_TRANSPORTS_PER_USER,
    );
  }
  peer.pendingTransports += 1;
  let transport: types.WebRtcTransport;
  try {
    transport = await createPeerTransport({
      router: room.router,
      peer,
      direction: request.direction,
      webRtcServer: room.worker.appData.webRtcServer,
      sctpCapabilities: request.sctpCapabilities,
      logger: ctx.logger,
    });
  } finally {
    peer.pendingTransports -= 1;
  }
  const response: SignalingResponseOf<'createWebRtcTransport'> = {
    transportId: transport.id,
    iceParameters: transport.iceParameters,
    iceCandidates: transport.iceCandidates.map((c) => ({
      foundation: c.foundation,
      priority: c.priority,
      ip: c.ip,
      protocol: c.protocol,
      port: c.port,
      type: c.type,
      ...(c.tcpType === undefined ? {} : { tcpType: c.tcpType }),
    })),
    dtlsParameters: transport.dtlsParameters as SignalingResponseOf<'createWebRtcTransport'>['dtlsParameters'],
  };
  if (transport.sctpParameters) response.sctpParameters = transport.sctpParameters;
  return response;
}

export async function connectWebRtcTransport(
  ctx: RequestContext,
  request: SignalingRequestOf<'connectWebRtcTransport'>,
): Promise<SignalingResponseOf<'connectWebRtcTransport'>> {
  const transport = ownTransport(ctx.session().peer, request.transportId);
  if (transport.appData.connectRequested) throw new HolocallError(ErrorCode.Conflict, 'transport is already connected');
  transport.appData.connectRequested = true;
  await withClientParameters('dtlsParameters', () => transport.connect({ dtlsParameters: request.dtlsParameters }));
  return {};
}

export async function restartIce(
  ctx: RequestContext,
  request: SignalingRequestOf<'restartIce'>,
): Promise<SignalingResponseOf<'restartIce'>> {
  const transport = ownTransport(ctx.session().peer, request.transportId);
  return { iceParameters: await transport.restartIce() };
}

type PeerTransport = types.WebRtcTransport<TransportAppData & { connectRequested?: boolean }>;

/** One of the caller's own transports; another peer's transport id is as unknown as a made-up one. */
export function ownTransport(peer: Peer, transportId: string, direction?: 'send' | 'recv'): PeerTransport {
  const transport = peer.transport(transportId) as PeerTransport | undefined;
  if (!transport) throw new HolocallError(ErrorCode.NotFound, 'no such transport', { details: { transportId } });
  if (direction && transport.appData.direction !== direction) {
    throw HolocallError.badRequest(`transport is not a ${direction} transport`, { transportId });
  }
  return transport;
}
