import type { PeerIdentity, SignalingResponseOf } from '@holocall/protocol';
import { type MediaStreamTrack, type RTCDataChannel, RTCPeerConnection } from 'werift';
import { localFingerprint, type RemoteSection, writeRemoteSdp } from './remote-sdp';
import type { SignalingClient } from './signaling-client';
import { weriftPeerConfig } from './werift-config';

export interface ReceivedDataChannel {
  dataConsumerId: string;
  dataProducerId: string;
  /** Whose frames these are, as the SFU says (from the sender's room token). */
  owner: PeerIdentity;
  channel: RTCDataChannel;
}

export interface ReceivedTrack {
  consumerId: string;
  producerId: string;
  owner: PeerIdentity;
  track: MediaStreamTrack;
}

/**
 * A receive transport: the SFU's consumers become m-sections of an offer written from the
 * SFU's parameters; werift answers. Every new consumer renegotiates, one at a time.
 */
export class WeriftRecvTransport {
  readonly id: string;
  readonly pc: RTCPeerConnection;
  private readonly signaling: SignalingClient;
  private readonly remote: SignalingResponseOf<'createWebRtcTransport'>;
  private readonly sections: RemoteSection[] = [];
  private connected = false;
  private version = 1;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(signaling: SignalingClient, remote: SignalingResponseOf<'createWebRtcTransport'>) {
    this.signaling = signaling;
    this.remote = remote;
    this.id = remote.transportId;
    this.pc = new RTCPeerConnection(weriftPeerConfig());
  }

  static async create(signaling: SignalingClient): Promise<WeriftRecvTransport> {
    const remote = await signaling.request('createWebRtcTransport', {
      direction: 'recv',
      sctpCapabilities: { numStreams: { OS: 1024, MIS: 1024 } },
    });
    return new WeriftRecvTransport(signaling, remote);
  }

  consumeData(dataProducerId: string): Promise<ReceivedDataChannel> {
    return this.serial(async () => {
      const response = await this.signaling.request('consumeData', { transportId: this.id, dataProducerId });
      const { streamId, ordered, maxPacketLifeTime, maxRetransmits } = response.sctpStreamParameters;
      const channel = this.pc.createDataChannel(response.label, {
        negotiated: true,
        id: streamId,
        ordered: ordered ?? true,
        ...(maxPacketLifeTime === undefined ? {} : { maxPacketLifeTime }),
        ...(maxRetransmits === undefined ? {} : { maxRetransmits }),
      });
      if (!this.sections.some((s) => s.kind === 'application')) {
        this.sections.push({ kind: 'application', mid: 'datachannel' });
        await this.renegotiate();
      }
      return { dataConsumerId: response.dataConsumerId, dataProducerId, owner: response.owner, channel };
    });
  }

  /** Consumes a producer, then resumes it once the track exists (consumers start paused). */
  consume(producerId: string): Promise<ReceivedTrack> {
    return this.serial(async () => {
      const response = await this.signaling.request('consume', { transportId: this.id, producerId });
      const { rtpParameters } = response;
      const mid = rtpParameters.mid ?? String(this.sections.length);
      this.sections.push({
        kind: response.kind,
        mid,
        direction: 'sendonly',
        codecs: rtpParameters.codecs.map((c) => ({ ...c, rtcpFeedback: [] })),
        ssrc: rtpParameters.encodings?.[0]?.ssrc,
        cname: rtpParameters.rtcp?.cname,
        streamId: response.owner.peerId,
      });
      await this.renegotiate();
      const transceiver = this.pc.getTransceivers().find((t) => t.mid === mid);
      const track = transceiver?.receiver.tracks[0];
      if (!track) throw new Error(`no receiving track for mid ${mid}`);
      await this.signaling.request('resumeConsumer', { consumerId: response.consumerId });
      return { consumerId: response.consumerId, producerId, owner: response.owner, track };
    });
  }

  async close(): Promise<void> {
    await this.pc.close();
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task, task);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async renegotiate(): Promise<void> {
    await this.pc.setRemoteDescription({
      type: 'offer',
      sdp: writeRemoteSdp(this.remote, this.sections, 'actpass', this.version++),
    });
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    if (!this.connected) {
      this.connected = true;
      await this.signaling.request('connectWebRtcTransport', {
        transportId: this.id,
        dtlsParameters: { role: 'client', fingerprints: [localFingerprint(this.pc.localDescription?.sdp ?? '')] },
      });
    }
  }
}
