import { expect, test } from '@playwright/test';
import { hasSfu } from './env';
import { audioIn, closeAll, keepPeerConnections, tileOf, twoInACall } from './helpers';

test.describe('call media', () => {
  test.skip(!hasSfu(), 'needs the SFU');

  test("the other's microphone reaches me as RTP audio; when they close the tab, their tile goes", async ({
    browser,
  }) => {
    const { ada, grace } = await twoInACall(browser, 'Audio', async (who, page) => {
      if (who === 'ada') await keepPeerConnections(page);
    });
    const graceTile = tileOf(ada.page, 'Grace');
    await expect(graceTile).toHaveCount(1, { timeout: 30_000 });
    // Chromium's fake microphone beeps; Grace's Opus reaches Ada through the SFU and keeps coming.
    await expect.poll(async () => (await audioIn(ada.page)).packets, { timeout: 30_000 }).toBeGreaterThan(10);
    const before = await audioIn(ada.page);
    await expect
      .poll(async () => (await audioIn(ada.page)).packets, { timeout: 20_000 })
      .toBeGreaterThan(before.packets + 20);
    expect((await audioIn(ada.page)).bytes).toBeGreaterThan(before.bytes);
    await expect(graceTile.locator('audio')).toHaveJSProperty('paused', false);

    // Grace goes without pressing Leave: her socket closes and Ada's page drops her tile.
    await grace.context.close();
    await expect(graceTile).toHaveCount(0, { timeout: 30_000 });
    await expect(ada.page.getByTestId('alone')).toBeVisible();
    await closeAll(ada);
  });
});
