import { expect, test } from '@playwright/test';
import { hasInference } from './env';
import { enrollByUpload, signIn } from './helpers';

test.describe('enrollment', () => {
  test('a photo picked from disk: one face found in the browser, aligned crop made, avatar stored', async ({
    page,
  }) => {
    await signIn(page, 'Eileen');
    await expect(page.getByTestId('display-name')).toHaveText('Eileen');
    const avatarId = await enrollByUpload(page);
    expect(avatarId).toMatch(/^a_/);
    const crop = page.getByTestId('aligned-crop');
    await expect(crop).toBeVisible();
    // The crop is a real 512x512 image served back by the app.
    await expect.poll(() => crop.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(512);
    const response = await page.request.get(`/api/avatars/${avatarId}`);
    const body = await response.json();
    expect(body.landmarks).toHaveLength(478 * 3);
    expect(body.avatar).toMatchObject({ width: 512, height: 512, photoType: 'image/png' });
    // The 3D preview asks this computer's inference node, and says plainly how that went.
    // (Without a node, the page builds the preview itself: see the test below.)
    const turntable = page.getByTestId('turntable');
    if (hasInference()) {
      await expect(turntable).toHaveAttribute('data-status', 'ready', { timeout: 30_000 });
      // The node lifts the photo (progress shown meanwhile) and renders the turntable.
      await expect(turntable).toHaveAttribute('data-phase', 'done', { timeout: 90_000 });
      await expect(turntable.locator('canvas')).toHaveAttribute('data-showing', 'turntable');
      await expect(turntable).toContainText('What others will see');
    } else {
      await expect(turntable).toHaveAttribute('data-status', 'unavailable', { timeout: 30_000 });
      await expect(turntable).toHaveAttribute('data-renderer', 'page', { timeout: 90_000 });
    }
  });

  test('without a node, the page builds the same 3D preview itself and shows how to start a node', async ({
    page,
  }, testInfo) => {
    // No node on this computer: every connection to 127.0.0.1 is refused.
    await page.routeWebSocket(/127\.0\.0\.1:\d+\/ws/, (ws) => ws.close());
    await signIn(page, 'Nodeless');
    await enrollByUpload(page);
    const turntable = page.getByTestId('turntable');
    await expect(turntable).toHaveAttribute('data-status', 'unavailable', { timeout: 30_000 });
    await expect(turntable.getByTestId('node-command')).toBeVisible();
    await expect(turntable).toHaveAttribute('data-phase', 'done', { timeout: 90_000 });
    await expect(turntable).toHaveAttribute('data-renderer', 'page');
    await expect(turntable).toContainText('in this page');
    await expect(turntable.locator('canvas')).toHaveAttribute('data-showing', 'turntable');
    // A head, not an empty canvas: a good share of the preview is drawn.
    const covered = await turntable.locator('canvas').evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]! > 0 && d[i - 1]! + d[i - 2]! + d[i - 3]! > 30) n++;
      return n / (c.width * c.height);
    });
    expect(covered).toBeGreaterThan(0.15);
    await turntable.screenshot({ path: testInfo.outputPath('page-preview.png') });
  });

  test('a snapshot from the camera; re-enrolling replaces the avatar', async ({ page }) => {
    await signIn(page, 'Snapper');
    const first = await enrollByUpload(page);
    await page.goto('/enroll');
    await page.getByRole('button', { name: 'Take a snapshot with the camera' }).click();
    const snap = page.getByTestId('take-snapshot');
    await expect(snap).toBeEnabled({ timeout: 20_000 });
    await snap.click();
    const avatar = page.getByTestId('enrolled-avatar');
    await expect(avatar).toHaveAttribute('data-avatar-id', /^a_/, { timeout: 60_000 });
    await expect.poll(() => avatar.getAttribute('data-avatar-id'), { timeout: 60_000 }).not.toBe(first);
    const mine = await (await page.request.get('/api/avatar')).json();
    expect(mine.avatar.avatarId).not.toBe(first);
    expect(mine.avatar.photoType).toBe('image/png');
    expect(mine.avatar).toMatchObject({ width: 640, height: 480 });
  });
});
