/**
 * Bandwidth per sender, measured at the SFU in one run: compact mode (driver frames: pose +
 * the 34-value landmark code, real capture step and codec, 30 Hz on an unordered data
 * channel), crop mode (the same frames plus a small VP8 video of the face crop; the product
 * has no crop mode yet, so this is its transport cost only) and the baseline, plain VP8
 * camera video at 640x480 from a real encoder (ffmpeg libvpx, realtime, ~1 Mbps target like
 * a browser). All three senders run at the same time, each on its own WebRTC transport (werift
 * in Node); payload = the SFU's per-producer counters (data-channel message bytes; RTP
 * packet bytes for video), on the wire = the sender transport's received bytes (ICE, DTLS,
 * SCTP, SRTP/SRTCP included; IP/UDP headers are not).
 *
 *   npx tsx bench/bandwidth.ts [--seconds=15] [--vp8-kbps=1000] [--crop=128] [--crop-kbps=100]
 */
import { availableParallelism, loadavg } from 'node:os';
import { startSfu } from '@holocall/sfu';
import { SfuTestPeer } from '@holocall/sfu/test-client';
import { CLIP_FPS, cameraClip, faceCropClip } from './bandwidth/clips';
import { observeTransports, transportBytesReceived } from './bandwidth/transport-tap';
import { startVp8Encoder } from './bandwidth/vp8-rtp';
import { flag } from './inference/options';
import { createFaceFrameSource } from './latency/face-frames';
import { printMarkdownTable } from './latency/stats';
import { type BenchKeys, startBenchKeys } from './support/web-keys';

const HZ = 30;
/** Time for the encoders to pass their first key frame and settle before the window opens. */
const SETTLE_MS = 3000;
/** Below this fraction of HZ actually sent, the run was starved of CPU and its rates are not a sender's. */
const STARVED_FRACTION = 0.9;
const TARGETS = { compactPayloadKbps: 15, compactWireKbps: 40, ratioVsVp8: 20 };

const argv = process.argv.slice(2);
const seconds = Number(flag(argv, 'seconds') ?? 15);
const vp8Kbps = Number(flag(argv, 'vp8-kbps') ?? 1000);
const cropSize = Number(flag(argv, 'crop') ?? 128);
const cropKbps = Number(flag(argv, 'crop-kbps') ?? 100);

interface Sender {
  label: string;
  peer: SfuTestPeer;
  dataProducerId?: string;
  videoProducerId?: string;
}

async function joinSender(sfuUrl: string, keys: BenchKeys, roomId: string, label: string): Promise<Sender> {
  const token = await keys.roomToken({
    roomId,
    userId: label,
    avatarId: `avatar-${label}`,
    grants: { publishAudio: false, publishDriverFrames: true, publishVideo: true, subscribe: true },
  });
  const peer = await SfuTestPeer.connect(sfuUrl);
  await peer.join(roomId, token);
  return { label, peer };
}

/**
 * Sends frames at HZ until `stopAt`, with `captureTimeMs` = now. A camera does not slow down
 * when the event loop is late: each tick sends every frame that has come due since the last.
 */
const sentFrames = new Map<SfuTestPeer, number>();
function sendFrames(senders: readonly SfuTestPeer[], stopAt: number): Promise<void> {
  const sources = senders.map(() => createFaceFrameSource());
  const start = performance.now();
  let sent = 0;
  return new Promise((resolve) => {
    const timer = setInterval(
      () => {
        const now = performance.now();
        if (now >= stopAt) {
          clearInterval(timer);
          resolve();
          return;
        }
        const due = Math.floor(((now - start) * HZ) / 1000);
        for (; sent < due; sent += 1) {
          for (const [i, peer] of senders.entries()) {
            peer.sendFrame(Buffer.from(sources[i]!.next(Date.now())));
            sentFrames.set(peer, (sentFrames.get(peer) ?? 0) + 1);
          }
        }
      },
      1000 / HZ / 2,
    );
  });
}

interface Snapshot {
  wire: Map<string, number>;
  payload: Map<string, number>;
  messages: Map<string, number>;
  /** Driver frames handed to the data channel (what a 30 Hz camera made). */
  sent: Map<string, number>;
  at: number;
}

async function snapshot(sfu: Awaited<ReturnType<typeof startSfu>>, senders: readonly Sender[]): Promise<Snapshot> {
  const stats = await sfu.stats();
  const channels = stats.rooms.flatMap((r) => r.driverChannels);
  const producers = stats.rooms.flatMap((r) => r.producers);
  const wire = new Map<string, number>();
  const payload = new Map<string, number>();
  const messages = new Map<string, number>();
  const sent = new Map<string, number>();
  for (const s of senders) {
    wire.set(s.label, await transportBytesReceived(s.peer.send?.id ?? ''));
    const channel = channels.find((c) => c.dataProducerId === s.dataProducerId);
    const video = producers.find((p) => p.producerId === s.videoProducerId);
    payload.set(s.label, (channel?.bytesIn ?? 0) + (video?.bytes ?? 0));
    messages.set(s.label, (channel?.messagesIn ?? 0) + (video?.packets ?? 0));
    sent.set(s.label, sentFrames.get(s.peer) ?? 0);
  }
  return { wire, payload, messages, sent, at: performance.now() };
}

async function main(): Promise<void> {
  console.log(
    `bandwidth: ${seconds} s window at ${HZ} Hz, VP8 640x480 target ${vp8Kbps} kbps, crop ${cropSize}x${cropSize} ` +
      `target ${cropKbps} kbps, ${availableParallelism()} cores, load ${loadavg()[0]?.toFixed(2)}`,
  );
  const camera = cameraClip();
  const crop = faceCropClip(cropSize);
  observeTransports();
  const keys = await startBenchKeys();
  const sfu = await startSfu({
    jwksUrl: keys.jwksUrl,
    port: 0,
    workers: 1,
    logLevel: 'warn',
    workerLogLevel: 'error',
    roomEmptyGraceMs: 1000,
  });
  const roomId = `bandwidth-${Date.now()}`;
  const senders: Sender[] = [];
  const encoders: Awaited<ReturnType<typeof startVp8Encoder>>[] = [];
  try {
    const compact = await joinSender(sfu.url, keys, roomId, 'compact');
    const cropMode = await joinSender(sfu.url, keys, roomId, 'crop');
    const vp8 = await joinSender(sfu.url, keys, roomId, 'vp8-camera');
    senders.push(compact, cropMode, vp8);
    compact.dataProducerId = await compact.peer.publishDriverFrames();
    cropMode.dataProducerId = await cropMode.peer.publishDriverFrames();
    const cropTrack = await cropMode.peer.publish('video');
    cropMode.videoProducerId = cropTrack.producerId;
    const cameraTrack = await vp8.peer.publish('video');
    vp8.videoProducerId = cameraTrack.producerId;

    const totalS = seconds + SETTLE_MS / 1000 + 1;
    encoders.push(
      await startVp8Encoder({ clip: camera, seconds: totalS, bitrate: vp8Kbps * 1000, fps: CLIP_FPS }, (p, m) =>
        cameraTrack.sendPacket(p, m),
      ),
      await startVp8Encoder({ clip: crop, seconds: totalS, bitrate: cropKbps * 1000, fps: CLIP_FPS }, (p, m) =>
        cropTrack.sendPacket(p, m),
      ),
    );
    const framesDone = sendFrames([compact.peer, cropMode.peer], performance.now() + (totalS - 0.5) * 1000);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const before = await snapshot(sfu, senders);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const after = await snapshot(sfu, senders);
    await framesDone;
    await Promise.all(encoders.map((e) => e.done));

    const windowS = (after.at - before.at) / 1000;
    const rate = (s: Sender, key: 'wire' | 'payload') =>
      (((after[key].get(s.label) ?? 0) - (before[key].get(s.label) ?? 0)) * 8) / windowS / 1000;
    const perSecond = (s: Sender, key: 'messages' | 'sent' = 'messages') =>
      ((after[key].get(s.label) ?? 0) - (before[key].get(s.label) ?? 0)) / windowS;
    const base = { payload: rate(vp8, 'payload'), wire: rate(vp8, 'wire') };
    const rows = [
      [compact, 'compact: driver frames (data channel)'],
      [cropMode, `crop: driver frames + VP8 ${cropSize}x${cropSize} crop (transport cost only)`],
      [vp8, 'baseline: VP8 640x480 camera (libvpx realtime)'],
    ] as const;
    console.log('');
    printMarkdownTable(
      [
        'sender',
        'frames sent/s',
        'msgs + RTP pkts in/s',
        'payload kbps',
        'wire kbps',
        'wire/payload',
        'VP8/this (payload)',
        'VP8/this (wire)',
      ],
      rows.map(([s, label]) => [
        label,
        s.dataProducerId ? perSecond(s, 'sent').toFixed(1) : '-',
        perSecond(s).toFixed(1),
        rate(s, 'payload').toFixed(1),
        rate(s, 'wire').toFixed(1),
        `${(rate(s, 'wire') / rate(s, 'payload')).toFixed(2)}x`,
        `${(base.payload / rate(s, 'payload')).toFixed(1)}x`,
        `${(base.wire / rate(s, 'wire')).toFixed(1)}x`,
      ]),
    );
    const c = { payload: rate(compact, 'payload'), wire: rate(compact, 'wire') };
    const bytesPerFrame = (
      ((after.payload.get('compact') ?? 0) - (before.payload.get('compact') ?? 0)) /
      Math.max(1, (after.messages.get('compact') ?? 0) - (before.messages.get('compact') ?? 0))
    ).toFixed(1);
    console.log(
      `payload: data-channel message bytes (compact: ${bytesPerFrame} B per driver frame) or RTP packet bytes (video);` +
        ' wire: UDP payload bytes the sender transport received (ICE, DTLS, SCTP, SRTP/SRTCP; no IP/UDP headers).',
    );
    const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
    const sentRate = perSecond(compact, 'sent');
    if (sentRate < HZ * STARVED_FRACTION)
      console.log(
        `WARNING: only ${sentRate.toFixed(1)} of ${HZ} frames/s left this process: the machine was too loaded ` +
          `(load ${loadavg()[0]?.toFixed(2)}) for the rates below to mean anything. Run it again when it is quieter.`,
      );
    console.log(
      `targets (compact, 30 fps): payload ${c.payload.toFixed(1)} <= ${TARGETS.compactPayloadKbps} kbps ` +
        `${verdict(c.payload <= TARGETS.compactPayloadKbps)}; wire ${c.wire.toFixed(1)} <= ${TARGETS.compactWireKbps} kbps ` +
        `${verdict(c.wire <= TARGETS.compactWireKbps)}; ${(base.wire / c.wire).toFixed(1)}x below VP8 on the wire ` +
        `(>= ${TARGETS.ratioVsVp8}x ${verdict(base.wire / c.wire >= TARGETS.ratioVsVp8)})`,
    );
  } finally {
    for (const e of encoders) e.stop();
    await Promise.all(senders.map((s) => s.peer.close().catch(() => undefined)));
    await sfu.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
