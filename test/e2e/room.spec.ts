import path from 'node:path';
import { expect, test, type WebSocketRoute } from '@playwright/test';
import { QUILT_PRESETS } from '../../apps/web/src/client/display/quilt-presets';
import { viewSpecFor } from '../../apps/web/src/client/display/view-spec';
import { scriptPoses } from './driver-script';
import { hasInference, hasSfu, PORTS, testDir } from './env';
import { closeAll, frames, joinCall, twoInACall } from './helpers';
import { coverage, distance, mirror, readQuiltViews } from './images';

const CALIBRATION = path.join(testDir, 'fixtures', 'looking-glass-portrait.calibration.json');
test.describe('rooms and calls', () => {
  test.skip(!hasSfu(), 'the SFU (apps/sfu/src/main.ts) is not there yet');

  test('join by link from a second browser: both live, frames flow, stats, mute, leave', async ({ browser }) => {
    const { ada, grace } = await twoInACall(browser, 'Standup');
    const graceTile = ada.page.locator('[data-testid=peer-tile][data-peer-name=Grace]');
    const adaTile = grace.page.locator('[data-testid=peer-tile][data-peer-name=Ada]');
    // Each sees the other, and the other's driver frames arrive over the SFU (the tile turns live).
    await expect(graceTile).toHaveAttribute('data-link', 'live', { timeout: 60_000 });
    await expect(adaTile).toHaveAttribute('data-link', 'live', { timeout: 60_000 });
    await expect.poll(frames(ada.page, 'data-frames-received'), { timeout: 30_000 }).toBeGreaterThan(10);
    await expect.poll(frames(grace.page, 'data-frames-sent'), { timeout: 30_000 }).toBeGreaterThan(10);
    await expect(ada.page.getByTestId('latency')).toHaveText(/\d+ ms/);
    await expect(ada.page.getByTestId('kbps-received')).toHaveText(/[1-9][\d.]* kbps/);

    await ada.page.getByTestId('mute').click();
    await expect(ada.page.getByTestId('mute')).toHaveAttribute('aria-pressed', 'true');

    // Grace's camera shows a wall for a while: her page says her face is not in view (the
    // real tracker finds none in the grey frames), and stops saying so once it is back.
    await expect(grace.page.getByTestId('face-lost')).toHaveCount(0);
    await grace.page.getByTestId('self-video').evaluate((v: HTMLVideoElement) => {
      const wall = document.createElement('canvas');
      wall.width = 640;
      wall.height = 480;
      const g = wall.getContext('2d')!;
      const paint = () => {
        g.fillStyle = '#8a8a8a';
        g.fillRect(0, 0, 640, 480);
      };
      paint();
      const timer = setInterval(paint, 100);
      (window as unknown as { cameraBack: () => void }).cameraBack = () => {
        clearInterval(timer);
        v.srcObject = (v as unknown as { cameraStream: MediaStream }).cameraStream;
      };
      (v as unknown as { cameraStream: MediaProvider | null }).cameraStream = v.srcObject;
      v.srcObject = wall.captureStream(15);
    });
    await expect(grace.page.getByTestId('face-lost')).toBeVisible({ timeout: 20_000 });
    await grace.page.evaluate(() => (window as unknown as { cameraBack: () => void }).cameraBack());
    await expect(grace.page.getByTestId('face-lost')).toHaveCount(0, { timeout: 20_000 });

    await grace.page.getByTestId('leave').click();
    await expect(grace.page.getByTestId('left')).toBeVisible();
    await expect(graceTile).toHaveCount(0, { timeout: 30_000 });
    await closeAll(ada, grace);
  });

  test('with the local inference node: rendered heads in flat, stereo and holographic modes, and the lenticular view', async ({
    browser,
  }) => {
    test.skip(!hasInference(), 'the inference node (apps/inference/src/main.ts) is not there yet');
    // 48 views per quilt on the CPU renderer (each photo-textured at half the tile's pixels), on two
    // loaded cores, and a page decoding 3360x3360 quilts on its main thread.
    test.setTimeout(240_000);
    // Grace faces the camera squarely (scripted yaw 0, no pitch or roll): the quilt's views are then
    // the head seen from either side of straight ahead, and the outermost mirror each other.
    const { ada, grace } = await twoInACall(browser, 'Holo', async (who, page) => {
      if (who === 'ada') await scriptPoses(page, { yaw: 0 });
    });
    const graceTile = ada.page.locator('[data-testid=peer-tile][data-peer-name=Grace]');
    await expect(ada.page.getByTestId('inference-status')).toContainText('ready', { timeout: 60_000 });
    // Grace's own avatar, lifted from her enrolled photo by Ada's node (no stand-in head).
    await expect(graceTile).toHaveAttribute('data-source', 'avatar', { timeout: 90_000 });
    await expect(graceTile.getByTestId('stand-in')).toHaveCount(0);
    await expect(ada.page.getByTestId('node-info')).toBeVisible();
    // Flat: the node's renders reach the tile.
    await expect.poll(frames(ada.page, 'data-frames-drawn'), { timeout: 60_000 }).toBeGreaterThan(2);
    await expect(graceTile.locator('canvas')).toHaveAttribute('data-showing', 'render');

    await ada.page.getByTestId('mode').selectOption('stereo');
    const drawn = await frames(ada.page, 'data-frames-drawn')();
    await expect.poll(frames(ada.page, 'data-frames-drawn'), { timeout: 60_000 }).toBeGreaterThan(drawn + 2);

    await ada.page.getByTestId('mode').selectOption('holographic');
    const quilt = ada.page.getByTestId('quilt');
    await expect
      .poll(async () => Number((await quilt.getAttribute('data-frames')) ?? 0), { timeout: 90_000 })
      .toBeGreaterThan(0);
    // Portrait preset: 8x6 tiles of the display's 3:4 aspect, of the size the page asked the node for.
    const spec = viewSpecFor('holographic', { preset: QUILT_PRESETS[0]! });
    if (spec.kind !== 'quilt') throw new Error('holographic mode is a quilt');
    expect([spec.cols, spec.rows]).toEqual([8, 6]);
    const size = await quilt.evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
    expect(size).toEqual([spec.cols * spec.tileWidth, spec.rows * spec.tileHeight]);
    expect(size[0]! / 8 / (size[1]! / 6)).toBeCloseTo(0.75, 1);
    // Every tile holds a head; neighbouring views differ a little, the ends of the cone a lot.
    const views = await readQuiltViews(quilt, spec);
    for (const view of views) expect(coverage(view)).toBeGreaterThan(0.05);
    const first = views[0]!;
    const last = views[views.length - 1]!;
    const span = distance(first, last);
    for (let v = 1; v < views.length; v++) {
      const step = distance(views[v - 1]!, views[v]!);
      expect(step).toBeGreaterThan(0.5);
      expect(step).toBeLessThan(span / 4);
    }
    expect(distance(first, views[Math.floor(views.length / 2)]!)).toBeLessThan(span);
    // Leftmost and rightmost: the head seen from either side, (nearly) each other's mirror image.
    expect(distance(first, mirror(last))).toBeLessThan(span * 0.7);

    await ada.page.getByTestId('calibration-input').setInputFiles(CALIBRATION);
    const lenticular = ada.page.getByTestId('lenticular');
    await expect(lenticular).toHaveAttribute('width', '1536');
    await expect
      .poll(async () => Number((await lenticular.getAttribute('data-frames')) ?? 0), { timeout: 90_000 })
      .toBeGreaterThan(0);
    await closeAll(ada, grace);
  });

  test('without a reachable inference node: says so plainly and draws the heads in the page (the enrolled photo when it cannot); a lost node shows reconnecting', async ({
    browser,
  }) => {
    const { ada, grace } = await twoInACall(browser, 'No node');
    const graceTile = ada.page.locator('[data-testid=peer-tile][data-peer-name=Grace]');
    if (hasInference()) {
      // Ada's node goes away mid-call: her page says it is reconnecting, then recovers.
      let current: WebSocketRoute | null = null;
      let refuse = false;
      await ada.page.routeWebSocket(`ws://127.0.0.1:${PORTS.inference}/ws`, (ws) => {
        if (refuse) return void ws.close();
        current = ws;
        ws.connectToServer();
      });
      await ada.page.reload();
      await joinCall(ada.page);
      const status = ada.page.getByTestId('inference-status');
      await expect(status).toContainText('ready', { timeout: 60_000 });
      refuse = true;
      await (current as WebSocketRoute | null)?.close();
      await expect(status).toContainText('reconnecting');
      refuse = false;
      await expect(status).toContainText('ready', { timeout: 30_000 });
    }
    // Grace has no node at all: every connection to 127.0.0.1 is refused.
    await grace.page.routeWebSocket(/127\.0\.0\.1:\d+\/ws/, (ws) => ws.close());
    await grace.page.reload();
    await joinCall(grace.page);
    await expect(grace.page.getByTestId('no-inference-notice')).toBeVisible({ timeout: 30_000 });
    const adaTile = grace.page.locator('[data-testid=peer-tile][data-peer-name=Ada]');
    await expect(adaTile.getByTestId('no-inference')).toContainText('drawn in this page', { timeout: 30_000 });
    await expect(adaTile).toHaveAttribute('data-renderer', 'page');
    await expect(adaTile.locator('canvas')).toHaveAttribute('data-showing', 'render', { timeout: 90_000 });
    await expect(graceTile).toHaveCount(1);

    // A page served without cross-origin isolation (a proxy that drops COOP/COEP) has no shared
    // memory: it still draws the heads, copying instead of sharing, and its stats say so.
    await grace.page.route(/\/r\/[^/?]+(\?.*)?$/, async (route) => {
      const response = await route.fetch();
      const headers = { ...response.headers() };
      delete headers['cross-origin-opener-policy'];
      delete headers['cross-origin-embedder-policy'];
      await route.fulfill({ response, headers });
    });
    // A document fulfilled by the test's route counts as a public page for Local Network Access
    // (the SFU on another loopback port would be blocked): allowed, as a user behind that proxy would.
    await grace.context.grantPermissions(['camera', 'microphone', 'local-network-access']);
    await grace.page.reload();
    await joinCall(grace.page);
    expect(await grace.page.evaluate(() => self.crossOriginIsolated)).toBe(false);
    await expect(adaTile.locator('canvas')).toHaveAttribute('data-showing', 'render', { timeout: 90_000 });
    await expect(grace.page.getByTestId('renderer')).toContainText('not cross-origin isolated');

    // A page that cannot run its own renderer either (here: its segmentation model does not
    // load) says why and shows the enrolled photo.
    await grace.page.route('**/vendor/segmentation/**', (route) => route.abort());
    await grace.page.reload();
    await joinCall(grace.page);
    await expect(grace.page.getByTestId('page-renderer-failed')).toBeVisible({ timeout: 30_000 });
    await expect(adaTile.getByTestId('no-inference')).toContainText('showing the enrolled photo');
    await expect(adaTile).toHaveAttribute('data-renderer', 'none');
    await expect(adaTile.locator('canvas')).toHaveAttribute('data-showing', 'photo', { timeout: 30_000 });
    await closeAll(ada, grace);
  });
});
