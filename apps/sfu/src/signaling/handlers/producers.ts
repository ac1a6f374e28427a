import {
  DRIVER_DATA_LABEL,
  ErrorCode,
  HolocallError,
  type ProducerSource,
  type SignalingRequestOf,
  type SignalingResponseOf,
  toWireError,
} from '@holocall/protocol';
import type { types } from 'mediasoup';
import { DriverChannel } from '../../data/driver-channel';
import { sessionEnded } from '../../peers/peer';
import { type ProducerAppData, producerInfo } from '../../rooms/room';
import { withClientParameters } from '../mediasoup-errors';
import type { RequestContext } from '../request-context';
import { ownTransport } from './transports';

/** Which grant each source needs and which media kind it must be. */
const SOURCES: Record<ProducerSource, { kind: 'audio' | 'video'; grant: 'publishAudio' | 'publishVideo' }> = {
  mic: { kind: 'audio', grant: 'publishAudio' },
  crop: { kind: 'video', grant: 'publishVideo' },
};

/** Audio (Opus) or, in crop mode, a small face-crop video (VP8). One producer per source per peer. */
export async function produce(
  ctx: RequestContext,
  request: SignalingRequestOf<'produce'>,
): Promise<SignalingResponseOf<'produce'>> {
  const { room, peer } = ctx.session();
  const rule = SOURCES[request.source];
  if (!peer.grants[rule.grant]) {
    throw HolocallError.forbidden(`this token does not grant ${rule.grant}`, { grant: rule.grant });
  }
  if (request.kind !== rule.kind) {
    throw HolocallError.badRequest(`source ${request.source} must be ${rule.kind}`, { kind: request.kind });
  }
  const transport = ownTransport(peer, request.transportId, 'send');
  for (const existing of peer.producers.values()) {
    if ((existing.appData as ProducerAppData).source === request.source) {
      throw new HolocallError(ErrorCode.Conflict, `already producing ${request.source}`);
    }
  }
  // Owner and source are stamped here from the token; a client has no way to set them.
  const appData: ProducerAppData = { owner: peer.identity, source: request.source };
  const producer = await withClientParameters('rtpParameters', () =>
    transport.produce<ProducerAppData>({
      kind: request.kind,
      rtpParameters: request.rtpParameters as types.RtpParameters,
      appData,
    }),
  );
  if (peer.closed) {
    producer.close();
    throw sessionEnded('producing');
  }
  peer.producers.set(producer.id, producer);
  producer.observer.on('close', () => {
    peer.producers.delete(producer.id);
    room.broadcast({ type: 'producerClosed', producerId: producer.id, owner: peer.identity }, peer);
  });
  room.broadcast({ type: 'newProducer', producer: producerInfo(producer) }, peer);
  return { producerId: producer.id };
}

/**
 * Driver frames: one unordered, never-retransmitted data channel per peer, relayed through
 * a DriverChannel that enforces the frame size and rate limits.
 */
export async function produceData(
  ctx: RequestContext,
  request: SignalingRequestOf<'produceData'>,
): Promise<SignalingResponseOf<'produceData'>> {
  const { room, peer } = ctx.session();
  if (!peer.grants.publishDriverFrames) {
    throw HolocallError.forbidden('this token does not grant publishDriverFrames', { grant: 'publishDriverFrames' });
  }
  const transport = ownTransport(peer, request.transportId, 'send');
  const { sctpStreamParameters } = request;
  // maxRetransmits 0 alone leaves a channel ordered: require `ordered: false` explicitly.
  if (sctpStreamParameters.ordered !== false || sctpStreamParameters.maxRetransmits !== 0) {
    throw HolocallError.badRequest('driver frames need an unordered channel with maxRetransmits 0', {
      ordered: sctpStreamParameters.ordered,
      maxRetransmits: sctpStreamParameters.maxRetransmits,
    });
  }
  if (peer.dataProducers.size > 0) throw new HolocallError(ErrorCode.Conflict, 'already producing driver frames');
  const source = await withClientParameters('sctpStreamParameters', () =>
    transport.produceData({
      sctpStreamParameters,
      label: DRIVER_DATA_LABEL,
      protocol: request.protocol ?? '',
      appData: { owner: peer.identity },
    }),
  );
  let channel: DriverChannel;
  try {
    channel = await DriverChannel.create(room.relayTransport, source, peer.identity);
  } catch (error) {
    source.close();
    throw error;
  }
  if (peer.closed || room.closed) {
    channel.close();
    throw sessionEnded('producing');
  }
  peer.dataProducers.set(source.id, source);
  room.driverChannels.set(channel.id, channel);
  channel.on('limitexceeded', (error) =>
    peer.notify({ type: 'limitExceeded', dataProducerId: channel.id, error: toWireError(error) }),
  );
  channel.on('close', () => {
    peer.dataProducers.delete(source.id);
    room.driverChannels.delete(channel.id);
    room.broadcast({ type: 'dataProducerClosed', dataProducerId: channel.id, owner: peer.identity }, peer);
  });
  room.broadcast(
    {
      type: 'newDataProducer',
      dataProducer: { dataProducerId: channel.id, label: DRIVER_DATA_LABEL, owner: peer.identity },
    },
    peer,
  );
  return { dataProducerId: channel.id };
}

export async function closeProducer(
  ctx: RequestContext,
  request: SignalingRequestOf<'closeProducer'>,
): Promise<SignalingResponseOf<'closeProducer'>> {
  const producer = ctx.session().peer.producers.get(request.producerId);
  if (!producer) throw new HolocallError(ErrorCode.NotFound, 'no such producer of yours');
  producer.close();
  return {};
}

export async function closeDataProducer(
  ctx: RequestContext,
  request: SignalingRequestOf<'closeDataProducer'>,
): Promise<SignalingResponseOf<'closeDataProducer'>> {
  const { room, peer } = ctx.session();
  if (!peer.dataProducers.has(request.dataProducerId)) {
    throw new HolocallError(ErrorCode.NotFound, 'no such data producer of yours');
  }
  room.driverChannels.get(request.dataProducerId)?.close();
  peer.dataProducers.get(request.dataProducerId)?.close();
  return {};
}
