/**
 * Driver frames through the SFU: N peers in one room, each sending frames at 30 Hz and
 * receiving everybody else's. For N = 4, 8, 16, 32 it prints delivered/expected, one-way
 * latency (p50/p99) and the CPU of the media worker, of the SFU's Node process (which
 * relays every frame, see apps/sfu/src/data/driver-channel.ts) and of the clients. The
 * baseline, in the same run, is the same frames over a direct werift data channel.
 *
 *   npx tsx bench/sfu-driver-frames.ts [--quick] [--sizes=4,8,16,32] [--seconds=5] [--procs=4]
 *
 * Clients are werift (WebRTC in TypeScript) spread over several child processes; their CPU
 * is printed so you can tell whether the SFU or the clients limit a row.
 */
import { availableParallelism } from 'node:os';
import { type SfuStats, startSfu } from '@holocall/sfu';
import * as mediasoup from 'mediasoup';
import { hiresNow, sendTimeOf } from './sfu/bench-frames';
import { BenchClient } from './sfu/clients';
import type { ClientReport, PeerSpec } from './sfu/ipc';
import { percentile } from './sfu/percentile';
import { type BenchKeys, startBenchKeys } from './support/web-keys';

const HZ = 30;
const DRAIN_MS = 1000;
const SETUP_TIMEOUT_MS = 180_000;

interface Options {
  sizes: number[];
  seconds: number;
  procs: number;
}

function parseOptions(argv: readonly string[]): Options {
  const quick = argv.includes('--quick');
  const value = (name: string) => argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  return {
    sizes: (value('sizes') ?? '4,8,16,32').split(',').map(Number),
    seconds: Number(value('seconds') ?? (quick ? 2 : 5)),
    procs: Number(value('procs') ?? 4),
  };
}

interface Row {
  label: string;
  peers: number;
  framesPerSecondIn: number;
  /** Frames per second the clients actually managed to send (below the target when they are starved of CPU). */
  sentPerSecond: number;
  delivered: number;
  expected: number;
  p50: number;
  p99: number;
  /** Sender to the SFU's relay (the uplink half of the path), when measured. */
  upP50: number | undefined;
  upP99: number | undefined;
  workerCpu: number | undefined;
  sfuNodeCpu: number | undefined;
  clientsCpu: number;
}

function workerCpuMs(stats: SfuStats): number {
  return stats.workers.reduce((sum, w) => sum + (w.cpu ? w.cpu.userMs + w.cpu.systemMs : 0), 0);
}

function merge(reports: readonly ClientReport[]) {
  return {
    sent: reports.reduce((s, r) => s + r.sent, 0),
    received: reports.reduce((s, r) => s + r.received, 0),
    latencies: reports.flatMap((r) => r.latenciesMs),
    cpuMs: reports.reduce((s, r) => s + r.cpuMs, 0),
  };
}

/**
 * Arrival of each frame at the SFU's relay (the DirectTransport tap in its Node process),
 * observed through mediasoup's observer API: it splits the path into sender -> SFU and
 * SFU -> receiver, which tells whether the SFU or the receiving clients add the latency.
 */
const uplink: number[] = [];
let uplinkRecording = false;
function observeRelayArrivals(): void {
  mediasoup.observer.on('newworker', (worker) =>
    worker.observer.on('newrouter', (router) =>
      router.observer.on('newtransport', (transport) =>
        transport.observer.on('newdataconsumer', (dataConsumer) => {
          if (dataConsumer.type !== 'direct') return;
          dataConsumer.on('message', (message: Buffer) => {
            if (uplinkRecording) uplink.push(hiresNow() - sendTimeOf(message));
          });
        }),
      ),
    ),
  );
}

async function baseline(seconds: number): Promise<Row> {
  const client = new BenchClient();
  try {
    const { report } = await client.request({ cmd: 'direct', durationMs: seconds * 1000, hz: HZ }, 'report', 60_000);
    const wallMs = seconds * 1000 + DRAIN_MS;
    return {
      label: 'direct (no SFU)',
      peers: 2,
      framesPerSecondIn: HZ,
      sentPerSecond: report.sent / seconds,
      delivered: report.received,
      expected: report.sent,
      p50: percentile(report.latenciesMs, 50),
      p99: percentile(report.latenciesMs, 99),
      upP50: undefined,
      upP99: undefined,
      workerCpu: undefined,
      sfuNodeCpu: undefined,
      clientsCpu: report.cpuMs / wallMs,
    };
  } finally {
    await client.exit();
  }
}

async function phase(
  sfu: Awaited<ReturnType<typeof startSfu>>,
  keys: BenchKeys,
  peers: number,
  options: Options,
): Promise<Row> {
  const roomId = `bench-${peers}-${Date.now()}`;
  const specs: PeerSpec[] = await Promise.all(
    Array.from({ length: peers }, async (_, i) => {
      const userId = `peer-${i}`;
      const token = await keys.roomToken({
        roomId,
        userId,
        avatarId: `avatar-${i}`,
        grants: { publishAudio: false, publishDriverFrames: true, publishVideo: false, subscribe: true },
      });
      return { userId, token };
    }),
  );
  const procCount = Math.max(1, Math.min(options.procs, peers));
  const groups: PeerSpec[][] = Array.from({ length: procCount }, (_, p) => specs.filter((_, i) => i % procCount === p));
  const clients = groups.map(() => new BenchClient());
  try {
    // Join one process at a time: each peer's consumeData calls then stay under the signaling burst.
    for (const [i, client] of clients.entries()) {
      await client.request({ cmd: 'setup', url: sfu.url, roomId, peers: groups[i] ?? [] }, 'ready', SETUP_TIMEOUT_MS);
    }
    const deadline = Date.now() + 60_000;
    for (;;) {
      const statuses = await Promise.all(clients.map((c) => c.request({ cmd: 'status' }, 'status', 30_000)));
      const errors = statuses.flatMap((s) => s.errors);
      if (errors.length > 0) throw new Error(`client errors: ${errors.slice(0, 3).join('; ')}`);
      if (statuses.every((s) => s.minOpenChannels >= peers - 1)) break;
      if (Date.now() > deadline) throw new Error('not every receiving channel opened');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    uplink.length = 0;
    uplinkRecording = true;
    const before = await sfu.stats();
    const nodeBefore = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      clients.map((c) => c.request({ cmd: 'start', durationMs: options.seconds * 1000, hz: HZ }, 'started', 30_000)),
    );
    await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000 + DRAIN_MS));
    const reports = await Promise.all(clients.map((c) => c.request({ cmd: 'report' }, 'report', 60_000)));
    uplinkRecording = false;
    const wallMs = performance.now() - t0;
    const after = await sfu.stats();
    const node = process.cpuUsage(nodeBefore);
    const all = merge(reports.map((r) => r.report));
    return {
      label: `SFU, ${peers} peers`,
      peers,
      framesPerSecondIn: peers * HZ,
      sentPerSecond: all.sent / options.seconds,
      delivered: all.received,
      expected: all.sent * (peers - 1),
      p50: percentile(all.latencies, 50),
      p99: percentile(all.latencies, 99),
      upP50: percentile(uplink, 50),
      upP99: percentile(uplink, 99),
      workerCpu: (workerCpuMs(after) - workerCpuMs(before)) / wallMs,
      sfuNodeCpu: (node.user + node.system) / 1000 / wallMs,
      clientsCpu: all.cpuMs / wallMs,
    };
  } finally {
    await Promise.all(clients.map((c) => c.exit()));
  }
}

function pct(value: number | undefined): string {
  return value === undefined ? '-' : `${(value * 100).toFixed(0)}%`;
}

function printTable(rows: readonly Row[], base: Row): void {
  const header = [
    'path',
    'frames/s in: target/sent',
    'delivered/expected',
    'delivered',
    'p50 ms',
    'p99 ms',
    'to SFU p50/p99',
    'p50 vs direct',
    'worker CPU',
    'SFU node CPU',
    'clients CPU',
  ];
  const lines = [base, ...rows].map((row) => [
    row.label,
    `${row.framesPerSecondIn}/${row.sentPerSecond.toFixed(0)}`,
    `${row.delivered}/${row.expected}`,
    `${((row.delivered / Math.max(1, row.expected)) * 100).toFixed(2)}%`,
    row.p50.toFixed(2),
    row.p99.toFixed(2),
    row.upP50 === undefined ? '-' : `${row.upP50.toFixed(2)}/${(row.upP99 ?? Number.NaN).toFixed(2)}`,
    `${(row.p50 / base.p50).toFixed(2)}x`,
    pct(row.workerCpu),
    pct(row.sfuNodeCpu),
    pct(row.clientsCpu),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(format(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const line of lines) console.log(format(line));
  console.log(
    'Latency is one-way, sender to receiver (the 8-byte send time travels in the frame). "to SFU" is sender to the',
  );
  console.log(
    'SFU relay. CPU columns are % of one core over the phase; one mediasoup worker; clients in child processes.',
  );
}

function saturationNote(rows: readonly Row[], options: Options): string {
  const measured = rows.filter((row) => row.workerCpu !== undefined);
  const last = measured.at(-1);
  if (!last || last.workerCpu === undefined) return '';
  // Marginal worker cost per delivery between the two largest rows (fixed costs cancel out);
  // with a single row, the average.
  const prev = measured.at(-2);
  const delivered = (row: Row) => row.delivered / ((options.seconds * 1000 + DRAIN_MS) / 1000);
  const marginal =
    prev?.workerCpu !== undefined && delivered(last) > delivered(prev)
      ? ((last.workerCpu - prev.workerCpu) * 1000) / (delivered(last) - delivered(prev))
      : Number.NaN;
  // A starved run can make the marginal cost meaningless; fall back to the average then.
  const msPerDelivery = marginal > 0 ? marginal : (last.workerCpu * 1000) / delivered(last);
  const headroomMs = 1000 - last.workerCpu * 1000;
  const extraDeliveries = msPerDelivery > 0 ? headroomMs / msPerDelivery : Number.POSITIVE_INFINITY;
  const saturation = delivered(last) + extraDeliveries;
  // N(N-1) * HZ = saturation
  const n = (1 + Math.sqrt(1 + (4 * saturation) / HZ)) / 2;
  const nodeUsPerFrameIn = ((last.sfuNodeCpu ?? 0) * 1e6) / Math.max(1, last.sentPerSecond);
  return [
    `worker: ${(msPerDelivery * 1000).toFixed(1)} us CPU per extra delivered frame; one worker core would saturate`,
    `  near ${Math.round(saturation)} deliveries/s, i.e. about N = ${Math.floor(n)} peers in one room (extrapolated).`,
    `SFU node process: ${nodeUsPerFrameIn.toFixed(0)} us CPU per incoming frame at N=${last.peers} (relay, signaling, stats).`,
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const keys = await startBenchKeys();
  console.log(
    `sfu-driver-frames: ${options.seconds} s per phase at ${HZ} Hz, sizes ${options.sizes.join(', ')}, ` +
      `${options.procs} client processes, ${availableParallelism()} cores`,
  );
  const base = await baseline(options.seconds);
  observeRelayArrivals();
  const sfu = await startSfu({
    jwksUrl: keys.jwksUrl,
    port: 0,
    workers: 1,
    logLevel: 'warn',
    workerLogLevel: 'error',
    roomEmptyGraceMs: 1000,
  });
  const rows: Row[] = [];
  try {
    for (const peers of options.sizes) {
      const row = await phase(sfu, keys, peers, options);
      rows.push(row);
      console.log(
        `  N=${peers}: ${((row.delivered / row.expected) * 100).toFixed(2)}% delivered, p50 ${row.p50.toFixed(2)} ms, p99 ${row.p99.toFixed(2)} ms`,
      );
    }
  } finally {
    await sfu.close();
  }
  console.log('');
  printTable(rows, base);
  console.log(saturationNote(rows, options));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
