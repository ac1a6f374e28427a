import { expect, type Page, test } from '@playwright/test';
import { hasSfu } from './env';
import { closeAll, tileOf, twoInACall } from './helpers';

/**
 * TEST HOOK, installed by the test before the page's scripts run: keeps every RTCPeerConnection
 * the page makes (mediasoup-client's transports) so the test can read their getStats.
 */
async function keepPeerConnections(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    const all: RTCPeerConnection[] = [];
    (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections = all;
    window.RTCPeerConnection = class extends Native {
      constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
        super(...args);
        all.push(this);
      }
    } as typeof RTCPeerConnection;
  });
  await page.reload();
}

/** Audio packets and bytes received over all the page's peer connections (inbound-rtp, kind audio). */
const audioIn = (page: Page) =>
  page.evaluate(async () => {
    const total = { packets: 0, bytes: 0 };
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio') {
          total.packets += s.packetsReceived ?? 0;
          total.bytes += s.bytesReceived ?? 0;
        }
      });
    }
    return total;
  });

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
