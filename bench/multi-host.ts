/**
 * Calls between computers, measured over the same network namespaces as the multi-host
 * end-to-end test (test/multi-host): a server host started as `npm start` starts it on a LAN
 * (HOLOCALL_PUBLIC_HOST: HTTPS, signaling under /sfu, WebRTC on its one port per worker), two
 * participant hosts, each with its own Chromium (fake camera playing the face clip, the real
 * tracker) and its own node (`npm run node -- --server …`). Ada and Grace share a call; then:
 *
 * - glass to glass, per direction: the time a rendered head arrives on the viewer's page minus
 *   the capture time of the camera frame the sender's page tracked (the page's own stats: p50/p95
 *   over its last 600 rendered frames). "Tracker excluded" subtracts the sender's median
 *   tracking time. Baseline in the same run: the driver frame's one-way latency (sender capture
 *   to viewer page, through the SFU, no rendering);
 * - bytes per second each sender puts on the wire to the server (its interface's transmitted
 *   bytes: everything it sends goes to the server), against the driver-frame payload the page
 *   counts, and what the server's interface received in all.
 *
 * All hosts share this machine's clock, so one-way times are exact; they also share its cores.
 * Needs root (network namespaces).
 *
 *   npm run bench -- multi-host [--seconds=30]
 */
import { availableParallelism, loadavg } from 'node:os';
import type { Page } from '@playwright/test';
import { type Host, namespacesUnavailable, runIn } from '../test/multi-host/netns';
import { MultiHostWorld } from '../test/multi-host/world';
import { flag } from './inference/options';
import { printMarkdownTable } from './latency/stats';

const seconds = Number(flag(process.argv.slice(2), 'seconds') ?? 30);

const txBytes = (host: Host, counter: 'tx_bytes' | 'rx_bytes') =>
  Number(runIn(host, 'cat', [`/sys/class/net/eth0/statistics/${counter}`]).trim());

async function statsOf(page: Page) {
  const stats = page.getByTestId('stats');
  const num = async (name: string) => {
    const value = await stats.getAttribute(name);
    return value === null ? Number.NaN : Number(value);
  };
  const sent = (await page.getByTestId('kbps-sent').textContent()) ?? '';
  return {
    glassP50: await num('data-glass-p50'),
    glassP95: await num('data-glass-p95'),
    trackerMs: await num('data-tracker-ms'),
    oneWayMs: Number.parseFloat((await page.getByTestId('latency').textContent()) ?? ''),
    driverKbpsSent: Number.parseFloat(/driver frames ([\d.]+)/.exec(sent)?.[1] ?? 'NaN'),
  };
}

const median = (values: number[]) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : (sorted[Math.floor(sorted.length / 2)] as number);
};
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

async function main(): Promise<void> {
  const unavailable = namespacesUnavailable();
  if (unavailable) {
    console.log(`multi-host: skipped: ${unavailable}`);
    return;
  }
  console.log(`multi-host: ${seconds} s of a two-person call over network namespaces, ${availableParallelism()} cores`);
  const world = await MultiHostWorld.start('hc-bench', ['ada', 'grace']);
  try {
    const { server, ada: adaHost, grace: graceHost } = world.hosts as Record<'server' | 'ada' | 'grace', Host>;
    await Promise.all([world.startNode(adaHost), world.startNode(graceHost)]);
    const ada = await world.personAt(adaHost, 'Ada');
    const link = await world.createRoom(ada.page, 'Bench');
    const grace = await world.personAt(graceHost, 'Grace');
    await grace.page.goto(link);
    for (const page of [ada.page, grace.page]) {
      await page.getByTestId('join-call').click();
      await page.getByTestId('call-state').getByText('connected', { exact: true }).waitFor({ timeout: 60_000 });
    }
    for (const [viewer, other] of [
      [ada.page, 'Grace'],
      [grace.page, 'Ada'],
    ] as const) {
      await viewer
        .locator(`[data-testid=peer-tile][data-peer-name=${JSON.stringify(other)}] canvas[data-showing=render]`)
        .waitFor({ timeout: 180_000 });
    }
    // Warm up, so the glass-to-glass window holds only frames of the steady call.
    await new Promise((r) => setTimeout(r, 20_000));

    const before = {
      ada: txBytes(adaHost, 'tx_bytes'),
      grace: txBytes(graceHost, 'tx_bytes'),
      server: txBytes(server, 'rx_bytes'),
    };
    const t0 = Date.now();
    const trackers = { ada: [] as number[], grace: [] as number[] };
    const oneWay = { ada: [] as number[], grace: [] as number[] };
    const driverKbps = { ada: [] as number[], grace: [] as number[] };
    while (Date.now() - t0 < seconds * 1000) {
      const [a, g] = [await statsOf(ada.page), await statsOf(grace.page)];
      trackers.ada.push(a.trackerMs);
      trackers.grace.push(g.trackerMs);
      oneWay.grace.push(a.oneWayMs); // what Ada's page receives: Grace's frames
      oneWay.ada.push(g.oneWayMs);
      driverKbps.ada.push(a.driverKbpsSent);
      driverKbps.grace.push(g.driverKbpsSent);
      await new Promise((r) => setTimeout(r, 500));
    }
    const elapsed = (Date.now() - t0) / 1000;
    const after = {
      ada: txBytes(adaHost, 'tx_bytes'),
      grace: txBytes(graceHost, 'tx_bytes'),
      server: txBytes(server, 'rx_bytes'),
    };
    const [atAda, atGrace] = [await statsOf(ada.page), await statsOf(grace.page)];

    console.log(
      `\nload ${loadavg()[0]?.toFixed(2)} at the end; glass to glass over the viewer's last 600 rendered frames`,
    );
    const rows = (
      [
        ['Ada → Grace', 'ada', atGrace],
        ['Grace → Ada', 'grace', atAda],
      ] as const
    ).map(([direction, sender, viewer]) => {
      const tracker = median(trackers[sender]);
      const baseline = median(oneWay[sender]);
      return [
        direction,
        fmt(viewer.glassP50),
        fmt(viewer.glassP95),
        fmt(tracker, 1),
        fmt(viewer.glassP50 - tracker),
        fmt(viewer.glassP95 - tracker),
        fmt(baseline),
        fmt(viewer.glassP50 / baseline, 1),
      ];
    });
    printMarkdownTable(
      [
        'direction',
        'glass p50 ms',
        'glass p95 ms',
        'sender tracker ms (median)',
        'p50 tracker excluded',
        'p95 tracker excluded',
        'driver frame one-way ms (baseline)',
        'glass p50 / baseline',
      ],
      rows,
    );

    console.log(
      `\nbytes on the wire over ${elapsed.toFixed(0)} s (each participant's interface: all of it goes to the server)`,
    );
    printMarkdownTable(
      ['sender', 'bytes/s sent', 'kbps sent', 'driver-frame payload kbps (page)', 'wire / payload'],
      (['ada', 'grace'] as const).map((who) => {
        const bps = (after[who] - before[who]) / elapsed;
        const payload = median(driverKbps[who]);
        return [who, fmt(bps), fmt((bps * 8) / 1000, 1), fmt(payload, 1), fmt((bps * 8) / 1000 / payload, 1)];
      }),
    );
    console.log(
      `\nserver interface received ${fmt((after.server - before.server) / elapsed)} bytes/s from both senders ` +
        `(${fmt(((after.server - before.server) * 8) / elapsed / 1000, 1)} kbps)`,
    );
  } finally {
    await world.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
