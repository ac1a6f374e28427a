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
    const turntable = page.getByTestId('turntable');
    if (hasInference()) {
      await expect(turntable).toHaveAttribute('data-status', 'ready', { timeout: 30_000 });
      // The node lifts the photo (progress shown meanwhile) and renders the turntable.
      await expect(turntable).toHaveAttribute('data-phase', 'done', { timeout: 90_000 });
      await expect(turntable.locator('canvas')).toHaveAttribute('data-showing', 'turntable');
      await expect(turntable).toContainText('What others will see');
    } else {
      await expect(turntable).toHaveAttribute('data-status', 'unavailable', { timeout: 30_000 });
      await expect(turntable).toContainText('No inference node');
    }
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
