import { DRIVER_DATA_LABEL, type SignalingResponseOf } from '@holocall/protocol';
import { MediaStreamTrack, type RTCDataChannel, RTCPeerConnection, RtpHeader, RtpPacket } from 'werift';
import { attribute, localFingerprint, mediaSections, type RemoteSection, writeRemoteSdp } from './remote-sdp';
import type { SignalingClient } from './signaling-client';
import { DEFAULT_WAIT_MS } from './signaling-client';
import { OPUS_PAYLOAD_TYPE, VP8_PAYLOAD_TYPE, weriftPeerConfig } from './werift-config';

export interface MediaSender {
  producerId: string;
  /** Sends one RTP packet carrying `payload`. */
  sendPacket(payload: Buffer, marker?: boolean): void;
}

const CODECS = {
  audio: { mimeType: 'audio/opus', payloadType: OPUS_PAYLOAD_TYPE, clockRate: 48000, channels: 2 },
  video: { mimeType: 'video/VP8', payloadType: VP8_PAYLOAD_TYPE, clockRate: 90000 },
} as const;

/**
 * A VP8 RTP payload the SFU takes for a key frame: a payload descriptor with X=1, S=1 and
 * a 15-bit picture id (mediasoup ignores descriptors without the extension byte), then a
 * key-frame header with the start code and a 160x120 size. Enough for mediasoup to start
 * forwarding to a new consumer; nobody decodes it.
 */
export const VP8_KEYFRAME_PAYLOAD = Buffer.from([
  0x90,
  0x80,
  0x80,
  0x01,
  0x50,
  0x02,
  0x00,
  0x9d,
  0x01,
  0x2a,
  0xa0,
  0x00,
  0x78,
  0x00,
  ...new Array(40).fill(0),
]);

/**
 * A send transport: a werift RTCPeerConnection that offers, with the SFU's transport
 * parameters written as the answer. Driver frames go on a negotiated, unordered,
 * never-retransmitted data channel; audio on an Opus transceiver.
 */
export class WeriftSendTransport {
  readonly id: string;
  readonly pc: RTCPeerConnection;
  private readonly signaling: SignalingClient;
  private readonly remote: SignalingResponseOf<'createWebRtcTransport'>;
  private connected = false;
  private version = 1;
  private nextStreamId = 0;

  private constructor(signaling: SignalingClient, remote: SignalingResponseOf<'createWebRtcTransport'>) {
    this.signaling = signaling;
    this.remote = remote;
    this.id = remote.transportId;
    this.pc = new RTCPeerConnection(weriftPeerConfig());
  }

  static async create(signaling: SignalingClient): Promise<WeriftSendTransport> {
    const remote = await signaling.request('createWebRtcTransport', {
      direction: 'send',
      sctpCapabilities: { numStreams: { OS: 1024, MIS: 1024 } },
    });
    return new WeriftSendTransport(signaling, remote);
  }

  /** Opens the driver-frame data channel and registers it with the SFU as a DataProducer. */
  async produceDriverFrames(
    sctp: { ordered?: boolean; maxRetransmits?: number } = { ordered: false, maxRetransmits: 0 },
  ): Promise<{ dataProducerId: string; channel: RTCDataChannel }> {
    const id = this.nextStreamId++;
    const channel = this.pc.createDataChannel(DRIVER_DATA_LABEL, { negotiated: true, id, ...sctp });
    if (!this.hasApplicationSection()) await this.negotiate();
    const { dataProducerId } = await this.signaling.request('produceData', {
      transportId: this.id,
      label: DRIVER_DATA_LABEL,
      sctpStreamParameters: { streamId: id, ...sctp },
    });
    await waitOpen(channel);
    return { dataProducerId, channel };
  }

  /** Adds an Opus `mic` track, or in crop mode a VP8 `crop` track, and registers it with the SFU. */
  async produce(kind: 'audio' | 'video'): Promise<MediaSender> {
    const track = new MediaStreamTrack({ kind });
    const transceiver = this.pc.addTransceiver(track, { direction: 'sendonly' });
    await this.negotiate();
    const mid = transceiver.mid;
    if (!mid) throw new Error('transceiver has no mid after negotiation');
    const codec = CODECS[kind];
    const { producerId } = await this.signaling.request('produce', {
      transportId: this.id,
      kind,
      source: kind === 'audio' ? 'mic' : 'crop',
      rtpParameters: {
        mid,
        codecs: [codec],
        encodings: [{ ssrc: transceiver.sender.ssrc }],
        rtcp: { cname: this.pc.cname, reducedSize: true },
      },
    });
    let seq = 0;
    const step = kind === 'audio' ? 960 : 3000;
    return {
      producerId,
      sendPacket: (payload, marker = kind === 'video') => {
        seq = (seq + 1) & 0xffff;
        const header = new RtpHeader({
          sequenceNumber: seq,
          timestamp: (seq * step) >>> 0,
          payloadType: codec.payloadType,
          marker,
        });
        track.writeRtp(new RtpPacket(header, payload));
      },
    };
  }

  async close(): Promise<void> {
    await this.pc.close();
  }

  private hasApplicationSection(): boolean {
    return (this.pc.localDescription?.sdp ?? '').includes('m=application');
  }

  /** Offer locally, answer with the SFU's parameters; the first time also sends our DTLS fingerprint. */
  private async negotiate(): Promise<void> {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    const sdp = this.pc.localDescription?.sdp ?? '';
    const sections: RemoteSection[] = mediaSections(sdp).map((lines) => {
      const mid = attribute(lines, 'mid') ?? '';
      if (lines[0]?.startsWith('m=application')) return { kind: 'application', mid };
      const kind = lines[0]?.startsWith('m=video') ? 'video' : 'audio';
      return { kind, mid, direction: 'recvonly', codecs: [CODECS[kind]] };
    });
    if (!this.connected) {
      this.connected = true;
      await this.signaling.request('connectWebRtcTransport', {
        transportId: this.id,
        dtlsParameters: { role: 'client', fingerprints: [localFingerprint(sdp)] },
      });
    }
    await this.pc.setRemoteDescription({
      type: 'answer',
      sdp: writeRemoteSdp(this.remote, sections, 'passive', this.version++),
    });
  }
}

export function waitOpen(channel: RTCDataChannel, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
  if (channel.readyState === 'open') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('data channel did not open')), timeoutMs);
    const { unSubscribe } = channel.stateChanged.subscribe((state) => {
      if (state === 'open') {
        clearTimeout(timer);
        unSubscribe();
        resolve();
      }
    });
  });
}
