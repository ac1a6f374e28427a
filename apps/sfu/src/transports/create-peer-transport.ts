import {
  ErrorCode,
  HolocallError,
  MAX_SCTP_MESSAGE_BYTES,
  type SctpCapabilities,
  type SignalingLimitReason,
  TRANSPORT_CONNECT_DEADLINE_MS,
  type TransportDirection,
  toWireError,
} from '@holocall/protocol';
import type { types } from 'mediasoup';
import type { Logger } from '../logging/logger';
import { type Peer, sessionEnded } from '../peers/peer';

/** SCTP streams per direction when the client does not say (mediasoup-client no longer reports them). */
export const DEFAULT_SCTP_STREAMS = { OS: 1024, MIS: 1024 } as const;
/** Starting estimate of a receiver's downlink; audio plus driver frames need far less. */
export const INITIAL_OUTGOING_BITRATE = 600_000;

export interface TransportAppData extends types.AppData {
  peerId: string;
  direction: TransportDirection;
}

export interface CreatePeerTransportOptions {
  router: types.Router;
  peer: Peer;
  direction: TransportDirection;
  /** The router's worker's WebRtcServer: the transport shares its one UDP and one TCP port. */
  webRtcServer: types.WebRtcServer;
  sctpCapabilities: SctpCapabilities | undefined;
  logger: Logger;
}

/**
 * A WebRtcTransport for one peer, on its worker's WebRtcServer (no port of its own): UDP preferred, TCP allowed, SCTP on (driver frames ride
 * data channels), and a maximum SCTP message size well above a driver frame so frames that
 * cross the frame limit still reach the SFU and get a typed answer. A transport whose DTLS
 * fails or closes is closed with everything on it; the peer stays joined and may create another.
 */
export async function createPeerTransport(options: CreatePeerTransportOptions): Promise<types.WebRtcTransport> {
  const { router, peer, direction, logger } = options;
  const transport = await router.createWebRtcTransport<TransportAppData>({
    webRtcServer: options.webRtcServer,
    enableUdp: true,
    enableTcp: true,
    preferUdp: true,
    enableSctp: true,
    numSctpStreams: options.sctpCapabilities?.numStreams ?? DEFAULT_SCTP_STREAMS,
    maxSctpMessageSize: MAX_SCTP_MESSAGE_BYTES,
    initialAvailableOutgoingBitrate: INITIAL_OUTGOING_BITRATE,
    appData: { peerId: peer.id, direction },
  });
  if (peer.closed) {
    // The peer closed (socket gone) while the worker made the transport: nobody would ever close it.
    transport.close();
    throw sessionEnded('creating a transport');
  }
  peer.transports.set(transport.id, transport);
  transport.observer.on('close', () => peer.transports.delete(transport.id));
  transport.on('dtlsstatechange', (state) => {
    if (state === 'failed' || state === 'closed') {
      logger.info('transport DTLS ended; closing the transport', { peer: peer.id, transport: transport.id, state });
      transport.close();
    }
  });
  closeUnlessConnectedInTime(transport, peer, logger);
  return transport;
}

/**
 * TRANSPORT_CONNECT_DEADLINE_MS from the moment the transport is in use (a send transport: now;
 * a receive transport: its first consumer or data consumer), DTLS must be `connected`, else the
 * transport is closed and its peer told `limitExceeded` (`timeout`, transport_connect_deadline).
 */
function closeUnlessConnectedInTime(
  transport: types.WebRtcTransport<TransportAppData>,
  peer: Peer,
  logger: Logger,
): void {
  let timer: NodeJS.Timeout | undefined;
  const disarm = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  const arm = () => {
    if (timer || transport.closed || transport.dtlsState === 'connected') return;
    timer = setTimeout(() => {
      timer = undefined;
      if (transport.closed || transport.dtlsState === 'connected') return;
      logger.info('transport did not connect in time; closing it', { peer: peer.id, transport: transport.id });
      const reason: SignalingLimitReason = 'transport_connect_deadline';
      const error = new HolocallError(ErrorCode.Timeout, 'the transport did not connect in time and was closed', {
        details: { reason, limit: TRANSPORT_CONNECT_DEADLINE_MS, transportId: transport.id },
      });
      transport.close();
      peer.notify({ type: 'limitExceeded', error: toWireError(error) });
    }, TRANSPORT_CONNECT_DEADLINE_MS);
  };
  transport.on('dtlsstatechange', (state) => {
    if (state === 'connected') disarm();
  });
  transport.observer.once('close', disarm);
  if (transport.appData.direction === 'send') arm();
  else {
    transport.observer.once('newconsumer', arm);
    transport.observer.once('newdataconsumer', arm);
  }
}
