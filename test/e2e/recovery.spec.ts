import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import WebSocket from 'ws';
import { hasInference, hasSfu, PORTS, root, SERVICE_ENV, WEB_ORIGIN } from './env';
import { closeAll, frames, tileOf, twoInACall } from './helpers';

/** A second inference node of this test's own, so that killing it touches nothing else in the run. */
const SPARE_INFERENCE_PORT = Number(process.env.E2E_SPARE_INFERENCE_PORT || PORTS.inference + 1);

/**
 * TEST HOOK, installed before the page's scripts run: every text the call-state badge shows, in
 * order, so a short-lived "reconnecting" is seen however briefly it lasted.
 */
async function recordCallStates(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __callStates: string[] }).__callStates = seen;
    new MutationObserver(() => {
      const text = document.querySelector('[data-testid=call-state]')?.textContent ?? null;
      if (text !== null && text !== seen[seen.length - 1]) seen.push(text);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await page.reload();
}

const callStates = (page: Page) => page.evaluate(() => (window as unknown as { __callStates: string[] }).__callStates);

async function sfuWorkerPids(): Promise<number[]> {
  const stats = await (await fetch(`http://127.0.0.1:${PORTS.sfu}/stats`)).json();
  return (stats.workers as { pid: number }[]).map((w) => w.pid);
}

/** Starts an inference node on the spare port (its own process group, so it can be killed whole). */
async function startSpareNode(): Promise<ChildProcess> {
  const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['src/main.ts'], {
    cwd: path.join(root, 'apps', 'inference'),
    env: { ...process.env, ...SERVICE_ENV, INFERENCE_PORT: String(SPARE_INFERENCE_PORT) },
    detached: true,
    stdio: 'ignore',
  });
  await expect
    .poll(
      () =>
        fetch(`http://127.0.0.1:${SPARE_INFERENCE_PORT}/healthz`).then(
          (r) => r.status,
          () => 0,
        ),
      { timeout: 60_000 },
    )
    .toBe(200);
  return child;
}

const killGroup = (child: ChildProcess | null) => {
  if (child?.pid && child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }
};

/**
 * The page's inference socket (ws://127.0.0.1:<inference port>/ws) carried to the spare node
 * instead, byte for byte, with the page's own Origin; when the node goes, the page's socket closes.
 */
async function viaSpareNode(page: Page): Promise<void> {
  await page.routeWebSocket(`ws://127.0.0.1:${PORTS.inference}/ws`, (route) => {
    const upstream = new WebSocket(`ws://127.0.0.1:${SPARE_INFERENCE_PORT}/ws`, { headers: { origin: WEB_ORIGIN } });
    const queued: (string | Buffer)[] = [];
    let closed = false;
    const close = (code: number, reason = '') => {
      if (closed) return;
      closed = true;
      // 1005 and 1006 are not codes one may send: an abnormal end reads as 1011.
      route.close({ code: code === 1005 || code === 1006 ? 1011 : code, reason });
    };
    route.onMessage((message) => {
      if (upstream.readyState === WebSocket.OPEN) upstream.send(message);
      else queued.push(message);
    });
    route.onClose(() => {
      closed = true;
      upstream.close();
    });
    upstream.on('open', () => {
      for (const message of queued.splice(0)) upstream.send(message);
    });
    upstream.on('message', (data, isBinary) => {
      if (!closed) route.send(isBinary ? (data as Buffer) : data.toString());
    });
    upstream.on('close', (code, reason) => close(code, reason.toString()));
    upstream.on('error', () => close(1011));
  });
}

test.describe('recovery', () => {
  test.skip(!hasSfu(), 'needs the SFU');

  test("the SFU's media worker is killed: both pages say reconnecting, rejoin, and frames flow again", async ({
    browser,
  }) => {
    const { ada, grace } = await twoInACall(browser, 'Crash', async (_who, page) => recordCallStates(page));
    const graceTile = tileOf(ada.page, 'Grace');
    const adaTile = tileOf(grace.page, 'Ada');
    await expect(graceTile).toHaveAttribute('data-link', 'live', { timeout: 60_000 });
    await expect(adaTile).toHaveAttribute('data-link', 'live', { timeout: 60_000 });
    const [worker] = await sfuWorkerPids();
    expect(worker).toBeGreaterThan(0);

    process.kill(worker!, 'SIGKILL');
    // The SFU starts a new worker; both pages are told to rejoin and do.
    await expect.poll(async () => (await sfuWorkerPids())[0], { timeout: 30_000 }).not.toBe(worker);
    for (const page of [ada.page, grace.page]) {
      await expect.poll(() => callStates(page), { timeout: 30_000 }).toContain('reconnecting');
      await expect(page.getByTestId('call-state')).toHaveText('connected', { timeout: 30_000 });
      expect((await callStates(page)).slice(-2)).toEqual(['reconnecting', 'connected']);
    }
    // Frames flow again through the new worker, both ways.
    for (const page of [ada.page, grace.page]) {
      const received = await frames(page, 'data-frames-received')();
      await expect.poll(frames(page, 'data-frames-received'), { timeout: 30_000 }).toBeGreaterThan(received + 10);
    }
    await expect(graceTile).toHaveAttribute('data-link', 'live');
    await expect(adaTile).toHaveAttribute('data-link', 'live');
    await closeAll(ada, grace);
  });

  test('the inference node is killed and started again: the page reconnects and rendering resumes', async ({
    browser,
  }) => {
    test.skip(!hasInference(), 'needs the inference node');
    test.setTimeout(150_000);
    let node: ChildProcess | null = await startSpareNode();
    try {
      const { ada, grace } = await twoInACall(browser, 'Restart', async (who, page) => {
        if (who === 'ada') await viaSpareNode(page);
      });
      const status = ada.page.getByTestId('inference-status');
      const graceTile = tileOf(ada.page, 'Grace');
      await expect(status).toContainText('ready', { timeout: 60_000 });
      await expect(graceTile).toHaveAttribute('data-source', 'avatar', { timeout: 90_000 });
      await expect.poll(frames(ada.page, 'data-frames-drawn'), { timeout: 60_000 }).toBeGreaterThan(2);

      killGroup(node);
      await expect(status).toContainText('reconnecting', { timeout: 20_000 });
      const drawnWhileDown = await frames(ada.page, 'data-frames-drawn')();
      node = await startSpareNode();
      // The new node knows nothing: the page says hello, registers Grace again (her photo is
      // lifted afresh) and forwards her frames; rendered frames arrive again.
      await expect(status).toContainText('ready', { timeout: 30_000 });
      await expect(graceTile).toHaveAttribute('data-source', 'avatar', { timeout: 60_000 });
      await expect.poll(frames(ada.page, 'data-frames-drawn'), { timeout: 60_000 }).toBeGreaterThan(drawnWhileDown + 5);
      await expect(graceTile.locator('canvas')).toHaveAttribute('data-showing', 'render');
      await closeAll(ada, grace);
    } finally {
      killGroup(node);
    }
  });
});
