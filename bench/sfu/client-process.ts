/**
 * A bench client process: hosts some of the room's peers (werift WebRTC in Node), sends
 * driver frames at a fixed rate and records the one-way latency of every frame it receives.
 * Several run side by side so that one Node event loop is not the bottleneck.
 */
import { SfuTestPeer, waitOpen } from '@holocall/sfu/test-client';
import { RTCPeerConnection } from 'werift';
import { hiresNow, makeBenchFrame, sendTimeOf } from './bench-frames';
import type { ClientReport, FromClient, PeerSpec, ToClient } from './ipc';

type Send = (frame: Buffer) => void;

const WARM_UP_FRAMES = 10;

const peers: SfuTestPeer[] = [];
let latencies: number[] = [];
let received = 0;
let sent = 0;
let cpuAtStart = process.cpuUsage();
let recording = false;

function reply(message: FromClient): void {
  process.send?.(message);
}

function record(bytes: Buffer): void {
  if (!recording) return;
  received += 1;
  latencies.push(hiresNow() - sendTimeOf(bytes));
}

function beginRecording(): void {
  latencies = [];
  received = 0;
  sent = 0;
  cpuAtStart = process.cpuUsage();
  recording = true;
}

function takeReport(): ClientReport {
  recording = false;
  const cpu = process.cpuUsage(cpuAtStart);
  return { sent, received, latenciesMs: latencies, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** One timer per sender, each started at a random phase like independent cameras. */
function startSending(durationMs: number, hz: number, senders: readonly Send[]): void {
  const periodMs = 1000 / hz;
  for (const send of senders) {
    let seq = 0;
    setTimeout(() => {
      const stopAt = performance.now() + durationMs;
      const timer = setInterval(() => {
        if (performance.now() >= stopAt) {
          clearInterval(timer);
          return;
        }
        seq += 1;
        sent += 1;
        send(makeBenchFrame(seq));
      }, periodMs);
    }, Math.random() * periodMs);
  }
}

async function setup(url: string, roomId: string, specs: readonly PeerSpec[]): Promise<void> {
  for (const spec of specs) {
    const peer = await SfuTestPeer.connect(url);
    await peer.join(roomId, spec.token);
    await peer.publishDriverFrames();
    peer.onFrame((_owner, bytes) => record(bytes));
    peers.push(peer);
  }
  await Promise.all(peers.map((peer) => peer.subscribe({ media: false })));
  // werift -> mediasoup drops the 4th DATA chunk of a fresh SCTP association and recovers it
  // by fast retransmit about 100 ms later (werift treats maxRetransmits 0 as "reliable").
  // Warm every sender's association up before anything is measured.
  await Promise.all(peers.map((peer) => warmUp((frame) => peer.sendFrame(frame))));
}

async function warmUp(send: Send): Promise<void> {
  for (let i = 0; i < WARM_UP_FRAMES; i += 1) {
    send(makeBenchFrame(0));
    await new Promise((resolve) => setTimeout(resolve, 1000 / 30));
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
}

/** The baseline: the same frames over a direct werift-to-werift data channel on loopback. */
async function direct(durationMs: number, hz: number): Promise<void> {
  const config = { iceAdditionalHostAddresses: ['127.0.0.1'], iceUseIpv6: false, iceUseTcp: false };
  const a = new RTCPeerConnection(config);
  const b = new RTCPeerConnection(config);
  const options = { negotiated: true, id: 0, ordered: false, maxRetransmits: 0 };
  const sendChannel = a.createDataChannel('bench', options);
  const recvChannel = b.createDataChannel('bench', options);
  recvChannel.onMessage.subscribe((message) => record(typeof message === 'string' ? Buffer.from(message) : message));
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription!);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription!);
  await Promise.all([waitOpen(sendChannel), waitOpen(recvChannel)]);
  await warmUp((frame) => sendChannel.send(frame));
  beginRecording();
  startSending(durationMs, hz, [(frame) => sendChannel.send(frame)]);
  await new Promise((resolve) => setTimeout(resolve, durationMs + 1000));
  reply({ ev: 'report', report: takeReport() });
  await Promise.all([a.close(), b.close()]);
}

async function handle(message: ToClient): Promise<void> {
  switch (message.cmd) {
    case 'setup':
      await setup(message.url, message.roomId, message.peers);
      reply({ ev: 'ready' });
      return;
    case 'status':
      reply({
        ev: 'status',
        minOpenChannels: Math.min(...peers.map((peer) => peer.openReceivingChannels)),
        errors: peers.flatMap((peer) => peer.backgroundErrors.map(String)),
      });
      return;
    case 'start':
      beginRecording();
      startSending(
        message.durationMs,
        message.hz,
        peers.map((peer) => (frame: Buffer) => peer.sendFrame(frame)),
      );
      reply({ ev: 'started' });
      return;
    case 'report':
      reply({ ev: 'report', report: takeReport() });
      return;
    case 'direct':
      await direct(message.durationMs, message.hz);
      return;
    case 'exit':
      await Promise.all(peers.map((peer) => peer.close()));
      process.exit(0);
  }
}

process.on('message', (message: ToClient) => {
  handle(message).catch((error: unknown) => {
    reply({ ev: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  });
});
