/**
 * A real VP8 encoder as a sender's camera: ffmpeg (libvpx, realtime deadline, browser-like
 * settings) encodes a clip and packetizes it as VP8 RTP to a UDP port on 127.0.0.1; each
 * packet's payload (VP8 payload descriptor + encoded data, as a browser would send it) is
 * handed to the caller, which sends it on a werift track produced on the SFU.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';

export interface Vp8EncoderOptions {
  clip: string;
  seconds: number;
  /** Target bitrate, bits per second. */
  bitrate: number;
  fps: number;
}

/** Largest RTP packet ffmpeg may write; browsers keep packets near 1200 bytes for the path MTU. */
const RTP_PACKET_SIZE = 1200;

export interface RunningEncoder {
  done: Promise<void>;
  stop(): void;
}

/** RTP payload of a packet (skips CSRCs, the header extension and padding). */
function rtpPayload(packet: Buffer): { payload: Buffer; marker: boolean } | undefined {
  if (packet.length < 12 || packet[0] === undefined || packet[0] >> 6 !== 2) return undefined;
  const first = packet[0];
  const csrcCount = first & 0x0f;
  let offset = 12 + 4 * csrcCount;
  if (first & 0x10) {
    if (packet.length < offset + 4) return undefined;
    offset += 4 + 4 * packet.readUInt16BE(offset + 2);
  }
  let end = packet.length;
  if (first & 0x20) end -= packet[packet.length - 1] ?? 0;
  if (end <= offset) return undefined;
  return { payload: packet.subarray(offset, end), marker: ((packet[1] ?? 0) & 0x80) !== 0 };
}

export async function startVp8Encoder(
  options: Vp8EncoderOptions,
  onPacket: (payload: Buffer, marker: boolean) => void,
): Promise<RunningEncoder> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  socket.on('message', (packet) => {
    const parsed = rtpPayload(packet);
    if (parsed) onPacket(parsed.payload, parsed.marker);
  });
  // prettier-ignore
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-re',
    '-stream_loop',
    '-1',
    '-i',
    options.clip,
    '-t',
    String(options.seconds),
    '-r',
    String(options.fps),
    '-c:v',
    'libvpx',
    '-b:v',
    String(options.bitrate),
    '-maxrate',
    String(options.bitrate),
    '-minrate',
    '0',
    '-bufsize',
    String(options.bitrate),
    '-deadline',
    'realtime',
    '-cpu-used',
    '8',
    '-lag-in-frames',
    '0',
    '-auto-alt-ref',
    '0',
    '-error-resilient',
    '1',
    '-g',
    '3000',
    '-threads',
    '1',
    '-an',
    '-f',
    'rtp',
    '-payload_type',
    '101',
    '-pkt_size',
    String(RTP_PACKET_SIZE),
    `rtp://127.0.0.1:${port}`,
  ];
  const child: ChildProcess = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      socket.close();
      if (code === 0 || signal === 'SIGTERM') resolve();
      else reject(new Error(`ffmpeg exited with ${code ?? signal}`));
    });
  });
  return { done, stop: () => child.kill('SIGTERM') };
}
