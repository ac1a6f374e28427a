import type { types } from 'mediasoup';

/**
 * What every room's router speaks: Opus for voice (a call without voice is no call) and VP8
 * for the small face-crop video of crop mode. Driver frames travel on data channels.
 */
export const ROUTER_MEDIA_CODECS: types.RtpCodecCapability[] = [
  {
    kind: 'audio',
    mimeType: 'audio/opus',
    clockRate: 48000,
    channels: 2,
    parameters: { useinbandfec: 1, usedtx: 1 },
  },
  {
    kind: 'video',
    mimeType: 'video/VP8',
    clockRate: 90000,
    parameters: { 'x-google-start-bitrate': 300 },
  },
];
