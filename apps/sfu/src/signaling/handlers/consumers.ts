import {
  DRIVER_DATA_LABEL,
  ErrorCode,
  HolocallError,
  type RtpParameters,
  type SctpStreamParameters,
  type SignalingRequestOf,
  type SignalingResponseOf,
} from '@holocall/protocol';
import { type Peer, sessionEnded } from '../../peers/peer';
import { withClientParameters } from '../mediasoup-errors';
import type { RequestContext } from '../request-context';
import { ownTransport } from './transports';

/**
 * How long the SFU keeps retransmitting a driver frame to a receiver. mediasoup 3.12 drops
 * `maxRetransmits: 0` on this leg (the channel would become reliable), so a short lifetime
 * bounds lateness instead: a frame this late is worth less than the next one.
 */
export const DRIVER_FRAME_MAX_PACKET_LIFETIME_MS = 100;

/**
 * mediasoup 3.12 starts every SCTP DataConsumer with a buffered-amount-low threshold of 0,
 * so each time a receiver's SCTP send buffer drains the worker sends a `bufferedamountlow`
 * notification to this process for every data consumer on that transport: thousands per
 * second in a full room, costing worker and Node CPU for an event nobody listens to. A
 * threshold no buffer can exceed turns it off.
 */
export const SILENT_BUFFERED_AMOUNT_LOW_THRESHOLD = 0xffff_ffff;

function requireSubscribe(peer: Peer): void {
  if (!peer.grants.subscribe)
    throw HolocallError.forbidden('this token does not grant subscribe', { grant: 'subscribe' });
}

/** Consumers are created paused; the client resumes each once its receiver is ready. */
export async function consume(
  ctx: RequestContext,
  request: SignalingRequestOf<'consume'>,
): Promise<SignalingResponseOf<'consume'>> {
  const { room, peer } = ctx.session();
  requireSubscribe(peer);
  const transport = ownTransport(peer, request.transportId, 'recv');
  if (!peer.rtpCapabilities) throw HolocallError.badRequest('send setCapabilities before consuming');
  const found = room.findProducer(request.producerId);
  if (!found) throw new HolocallError(ErrorCode.NotFound, 'no such producer in this room');
  if (found.owner === peer) throw HolocallError.badRequest('a peer does not consume its own producer');
  for (const existing of peer.consumers.values()) {
    if (existing.producerId === request.producerId) throw new HolocallError(ErrorCode.Conflict, 'already consuming');
  }
  const rtpCapabilities = peer.rtpCapabilities;
  if (!room.router.canConsume({ producerId: request.producerId, rtpCapabilities })) {
    throw HolocallError.badRequest('your RTP capabilities cannot receive this producer');
  }
  const consumer = await withClientParameters('rtpCapabilities', () =>
    transport.consume({ producerId: request.producerId, rtpCapabilities, paused: true }),
  );
  if (peer.closed) {
    consumer.close();
    throw sessionEnded('consuming');
  }
  peer.consumers.set(consumer.id, consumer);
  consumer.observer.on('close', () => peer.consumers.delete(consumer.id));
  consumer.on('producerclose', () => peer.notify({ type: 'consumerClosed', consumerId: consumer.id }));
  const { appData } = found.producer;
  return {
    consumerId: consumer.id,
    producerId: consumer.producerId,
    kind: consumer.kind,
    source: appData.source,
    rtpParameters: consumer.rtpParameters as RtpParameters,
    owner: appData.owner,
  };
}

export async function resumeConsumer(
  ctx: RequestContext,
  request: SignalingRequestOf<'resumeConsumer'>,
): Promise<SignalingResponseOf<'resumeConsumer'>> {
  const consumer = ctx.session().peer.consumers.get(request.consumerId);
  if (!consumer) throw new HolocallError(ErrorCode.NotFound, 'no such consumer of yours');
  await consumer.resume();
  return {};
}

/**
 * A receiver's data consumer of one sender's driver frames (through the sender's relay).
 * The owner in the response comes from the sender's token: that is how a receiver knows
 * whose avatar the frames drive.
 */
export async function consumeData(
  ctx: RequestContext,
  request: SignalingRequestOf<'consumeData'>,
): Promise<SignalingResponseOf<'consumeData'>> {
  const { room, peer } = ctx.session();
  requireSubscribe(peer);
  const transport = ownTransport(peer, request.transportId, 'recv');
  const channel = room.driverChannels.get(request.dataProducerId);
  if (!channel) throw new HolocallError(ErrorCode.NotFound, 'no such data producer in this room');
  if (channel.owner.peerId === peer.id) throw HolocallError.badRequest('a peer does not consume its own frames');
  for (const existing of peer.dataConsumers.values()) {
    if (existing.dataProducerId === channel.relay.id) throw new HolocallError(ErrorCode.Conflict, 'already consuming');
  }
  const dataConsumer = await transport.consumeData({
    dataProducerId: channel.relay.id,
    ordered: false,
    maxPacketLifeTime: DRIVER_FRAME_MAX_PACKET_LIFETIME_MS,
  });
  try {
    await dataConsumer.setBufferedAmountLowThreshold(SILENT_BUFFERED_AMOUNT_LOW_THRESHOLD);
  } catch (error) {
    dataConsumer.close();
    throw error;
  }
  if (peer.closed) {
    dataConsumer.close();
    throw sessionEnded('consuming');
  }
  peer.dataConsumers.set(dataConsumer.id, dataConsumer);
  dataConsumer.observer.on('close', () => peer.dataConsumers.delete(dataConsumer.id));
  dataConsumer.on('dataproducerclose', () =>
    peer.notify({ type: 'dataConsumerClosed', dataConsumerId: dataConsumer.id }),
  );
  return {
    dataConsumerId: dataConsumer.id,
    dataProducerId: channel.id,
    label: DRIVER_DATA_LABEL,
    protocol: dataConsumer.protocol,
    sctpStreamParameters: dataConsumer.sctpStreamParameters as SctpStreamParameters,
    owner: channel.owner,
  };
}
