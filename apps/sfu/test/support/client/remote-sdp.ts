import type { CreateWebRtcTransportResponse } from '@holocall/protocol';
import type { z } from 'zod';

/**
 * Writes the SFU's side of the SDP exchange for a werift RTCPeerConnection, the job
 * mediasoup-client's RemoteSdp does in a browser: mediasoup speaks ICE-lite and DTLS with
 * parameters from signaling, and this turns them into an answer (send transport) or an
 * offer (receive transport). The client is always the DTLS client.
 */

export type RemoteTransportParameters = z.infer<typeof CreateWebRtcTransportResponse>;

export interface RemoteCodec {
  payloadType: number;
  mimeType: string;
  clockRate: number;
  channels?: number | undefined;
  parameters?: Record<string, string | number> | undefined;
  rtcpFeedback?: { type: string; parameter?: string | undefined }[] | undefined;
}

export type RemoteSection =
  | { kind: 'application'; mid: string }
  | {
      kind: 'audio' | 'video';
      mid: string;
      /** The SFU's direction: `recvonly` on a send transport, `sendonly` on a receive transport. */
      direction: 'recvonly' | 'sendonly' | 'inactive';
      codecs: RemoteCodec[];
      /** Receive transports only: the SSRC and CNAME the SFU sends with. */
      ssrc?: number | undefined;
      cname?: string | undefined;
      streamId?: string | undefined;
    };

export function writeRemoteSdp(
  transport: RemoteTransportParameters,
  sections: readonly RemoteSection[],
  setup: 'actpass' | 'passive',
  version: number,
): string {
  const lines = [
    'v=0',
    `o=holocall-sfu 10000 ${version} IN IP4 0.0.0.0`,
    's=-',
    't=0 0',
    'a=ice-lite',
    `a=group:BUNDLE ${sections.map((s) => s.mid).join(' ')}`,
    'a=msid-semantic: WMS *',
  ];
  for (const section of sections) lines.push(...writeSection(transport, section, setup));
  return `${lines.join('\r\n')}\r\n`;
}

function writeSection(transport: RemoteTransportParameters, section: RemoteSection, setup: string): string[] {
  const common = transportLines(transport, setup);
  if (section.kind === 'application') {
    const sctp = transport.sctpParameters;
    if (!sctp) throw new Error('transport has no SCTP parameters');
    return [
      'm=application 7 UDP/DTLS/SCTP webrtc-datachannel',
      'c=IN IP4 127.0.0.1',
      `a=mid:${section.mid}`,
      ...common,
      `a=sctp-port:${sctp.port}`,
      `a=max-message-size:${sctp.maxMessageSize}`,
    ];
  }
  const pts = section.codecs.map((c) => c.payloadType).join(' ');
  const lines = [
    `m=${section.kind} 7 UDP/TLS/RTP/SAVPF ${pts}`,
    'c=IN IP4 127.0.0.1',
    `a=mid:${section.mid}`,
    `a=${section.direction}`,
    ...common,
    'a=rtcp-mux',
    'a=rtcp-rsize',
  ];
  for (const codec of section.codecs) {
    const [, name] = codec.mimeType.split('/');
    const channels = codec.channels && codec.channels > 1 ? `/${codec.channels}` : '';
    lines.push(`a=rtpmap:${codec.payloadType} ${name}/${codec.clockRate}${channels}`);
    const params = Object.entries(codec.parameters ?? {});
    if (params.length > 0) lines.push(`a=fmtp:${codec.payloadType} ${params.map(([k, v]) => `${k}=${v}`).join(';')}`);
    for (const fb of codec.rtcpFeedback ?? []) {
      lines.push(`a=rtcp-fb:${codec.payloadType} ${fb.type}${fb.parameter ? ` ${fb.parameter}` : ''}`);
    }
  }
  if (section.direction === 'sendonly' && section.ssrc !== undefined) {
    const stream = section.streamId ?? 'sfu';
    lines.push(`a=msid:${stream} ${stream}-${section.mid}`);
    lines.push(`a=ssrc:${section.ssrc} cname:${section.cname ?? stream}`);
  }
  return lines;
}

function transportLines(transport: RemoteTransportParameters, setup: string): string[] {
  const lines = [
    `a=ice-ufrag:${transport.iceParameters.usernameFragment}`,
    `a=ice-pwd:${transport.iceParameters.password}`,
    'a=ice-options:renomination',
  ];
  for (const fp of transport.dtlsParameters.fingerprints) lines.push(`a=fingerprint:${fp.algorithm} ${fp.value}`);
  lines.push(`a=setup:${setup}`);
  // werift speaks UDP; TCP candidates would only slow its checks down.
  for (const c of transport.iceCandidates.filter((candidate) => candidate.protocol === 'udp')) {
    lines.push(`a=candidate:${c.foundation} 1 udp ${c.priority} ${c.ip} ${c.port} typ host`);
  }
  lines.push('a=end-of-candidates');
  return lines;
}

/** The DTLS fingerprint of a werift peer connection, read from its local SDP. */
export function localFingerprint(sdp: string): { algorithm: 'sha-256'; value: string } {
  const match = /a=fingerprint:sha-256 ([0-9A-Fa-f:]+)/.exec(sdp);
  if (!match?.[1]) throw new Error('local SDP has no sha-256 fingerprint');
  return { algorithm: 'sha-256', value: match[1] };
}

/** The media sections of an SDP, each as its lines, in order. */
export function mediaSections(sdp: string): string[][] {
  const sections: string[][] = [];
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) sections.push([line]);
    else if (sections.length > 0 && line) sections[sections.length - 1]!.push(line);
  }
  return sections;
}

export function attribute(section: readonly string[], name: string): string | undefined {
  const prefix = `a=${name}:`;
  return section.find((line) => line.startsWith(prefix))?.slice(prefix.length);
}
