import { expect, test } from '@playwright/test';
import { audioIn, frames, keepPeerConnections, tileOf } from '../e2e/helpers';
import { type Host, namespacesUnavailable } from './netns';
import { LOCAL_NETWORK, MultiHostWorld } from './world';

/**
 * Calls between computers, as a user meets them: one server host (web app + SFU, started with
 * `npm start`'s script and HOLOCALL_PUBLIC_HOST) and participant hosts on a virtual LAN, each in
 * its own network namespace with its own loopback, Chromium and inference node
 * (`npm run node -- --server … --ca …`). Pages reach the server only at its LAN address over
 * HTTPS, and their own node at 127.0.0.1 inside their host, through Chromium's Local Network Access.
 */
const unavailable = namespacesUnavailable();
if (unavailable) console.log(`[multi-host] skipped: ${unavailable}`);

test.describe
  .serial('calls between computers', () => {
    test.skip(unavailable !== null, unavailable ?? '');
    let world: MultiHostWorld;

    test.beforeAll(async () => {
      test.setTimeout(600_000);
      world = await MultiHostWorld.start('hc-e2e', ['ada', 'grace', 'cleo']);
      await Promise.all([world.startNode(world.hosts.ada!), world.startNode(world.hosts.grace!)]);
    });

    test.afterAll(async () => {
      await world?.stop();
    });

    test('two participants on two computers see each other rendered by their own nodes, hear each other, survive a node restart and a network drop; one without a node is told the command', async () => {
      test.setTimeout(480_000);
      const hosts = world.hosts as Record<'ada' | 'grace' | 'cleo', Host>;
      const ada = await world.personAt(hosts.ada, 'Ada');
      const link = await world.createRoom(ada.page, 'Across the LAN');
      expect(link.startsWith(`${world.origin}/r/`)).toBe(true);

      // Grace has not allowed local network access yet: her browser blocks the page's socket to her
      // node (headless answers the prompt with Block), the page says how to undo that, and recovers
      // by itself once she allows it.
      const grace = await world.personAt(hosts.grace, 'Grace', false);
      const notice = grace.page.getByTestId('no-inference-notice');
      await expect(notice).toHaveAttribute('data-reason', 'blocked', { timeout: 30_000 });
      await expect(grace.page.getByTestId('lna-blocked')).toBeVisible();
      await grace.context.grantPermissions([LOCAL_NETWORK], { origin: world.origin });
      await expect(grace.page.getByTestId('turntable')).toHaveAttribute('data-status', 'ready', { timeout: 30_000 });
      await expect(notice).toBeHidden();
      await grace.page.goto(link);
      for (const page of [ada.page, grace.page]) await keepPeerConnections(page);
      for (const page of [ada.page, grace.page]) {
        await page.getByTestId('join-call').click();
        await expect(page.getByTestId('call-state')).toHaveText('connected', { timeout: 60_000 });
      }

      // Each sees the other's head, rendered by the node on their own computer.
      for (const [viewer, other] of [
        [ada.page, 'Grace'],
        [grace.page, 'Ada'],
      ] as const) {
        const tile = tileOf(viewer, other);
        await expect(tile).toHaveAttribute('data-renderer', 'node', { timeout: 60_000 });
        await expect(tile).toHaveAttribute('data-source', 'avatar', { timeout: 120_000 });
        await expect(tile.locator('canvas')).toHaveAttribute('data-showing', 'render', { timeout: 60_000 });
        await expect.poll(frames(viewer, 'data-frames-drawn'), { timeout: 60_000 }).toBeGreaterThan(5);
      }
      // Audio both ways, through the server's one media port.
      for (const page of [ada.page, grace.page]) {
        await expect.poll(async () => (await audioIn(page)).packets, { timeout: 30_000 }).toBeGreaterThan(20);
      }

      // Ada's node dies and comes back: her page notices both, with no reload; meanwhile the page
      // draws Grace itself, and hands back to the node.
      await world.stopNode(hosts.ada);
      const status = ada.page.getByTestId('inference-status');
      await expect(status).not.toContainText('ready', { timeout: 30_000 });
      await expect(tileOf(ada.page, 'Grace')).toHaveAttribute('data-renderer', 'page', { timeout: 30_000 });
      await world.startNode(hosts.ada);
      await expect(status).toContainText('ready', { timeout: 60_000 });
      await expect(tileOf(ada.page, 'Grace')).toHaveAttribute('data-renderer', 'node', { timeout: 30_000 });
      await expect(tileOf(ada.page, 'Grace')).toHaveAttribute('data-source', 'avatar', { timeout: 120_000 });
      const drawnByNode = await frames(ada.page, 'data-frames-drawn')();
      await expect.poll(frames(ada.page, 'data-frames-drawn'), { timeout: 60_000 }).toBeGreaterThan(drawnByNode + 5);

      // Grace's network drops for 10 s: her page says it is reconnecting, then the call resumes.
      const callState = grace.page.getByTestId('call-state');
      const unplugged = Date.now();
      world.lan.setLink(hosts.grace, false);
      try {
        await expect(callState).toHaveText('reconnecting', { timeout: 30_000 });
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, 10_000 - (Date.now() - unplugged))));
      } finally {
        world.lan.setLink(hosts.grace, true);
      }
      await expect(callState).toHaveText('connected', { timeout: 90_000 });
      const receivedAfter = await frames(grace.page, 'data-frames-received')();
      await expect
        .poll(frames(grace.page, 'data-frames-received'), { timeout: 60_000 })
        .toBeGreaterThan(receivedAfter + 10);

      // A third participant, with no node on her computer, is told the exact command, and her
      // page draws the others itself meanwhile.
      const cleo = await world.personAt(hosts.cleo, 'Cleo');
      await cleo.page.goto(link);
      await cleo.page.getByTestId('join-call').click();
      await expect(cleo.page.getByTestId('call-state')).toHaveText('connected', { timeout: 60_000 });
      await expect(cleo.page.getByTestId('node-command')).toContainText(`npm run node -- --server ${world.origin}`, {
        timeout: 30_000,
      });
      await expect(tileOf(cleo.page, 'Ada')).toHaveAttribute('data-renderer', 'page', { timeout: 30_000 });
      await expect(tileOf(cleo.page, 'Ada').locator('canvas')).toHaveAttribute('data-showing', 'render', {
        timeout: 120_000,
      });
    });
  });
