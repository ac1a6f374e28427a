import type { RtpCapabilities } from '@holocall/protocol';
import { RTCRtpCodecParameters } from 'werift';

/** Payload types the werift client offers; the SFU's consumers use the router's own, read from each offer. */
export const OPUS_PAYLOAD_TYPE = 100;
export const VP8_PAYLOAD_TYPE = 101;

/** werift settings for talking to mediasoup on loopback: IPv4 UDP only, loopback allowed. */
export function weriftPeerConfig() {
  return {
    codecs: {
      audio: [
        new RTCRtpCodecParameters({
          mimeType: 'audio/opus',
          clockRate: 48000,
          channels: 2,
          payloadType: OPUS_PAYLOAD_TYPE,
        }),
      ],
      video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, payloadType: VP8_PAYLOAD_TYPE })],
    },
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceUseIpv6: false,
    iceUseTcp: false,
  };
}

/** What the werift client can receive, as `setCapabilities` wants it (no header extensions: werift routes by SSRC). */
export const WERIFT_RTP_CAPABILITIES: RtpCapabilities = {
  codecs: [
    { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2, preferredPayloadType: OPUS_PAYLOAD_TYPE },
    { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, preferredPayloadType: VP8_PAYLOAD_TYPE },
  ],
  headerExtensions: [],
};

export const SCTP_CAPABILITIES = { numStreams: { OS: 1024, MIS: 1024 } };
