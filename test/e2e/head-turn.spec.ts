import fs from 'node:fs';
import { expect, type Page, type TestInfo, test } from '@playwright/test';
import { scriptPoses, scriptPosesInPage } from './driver-script';
import { hasInference, hasSfu } from './env';
import { closeAll, frames, tileOf, twoInACall } from './helpers';
import { centroidX, coverage, distance, type Grey, mirror, readCanvas } from './images';

/** Radians. Big enough that the turn shows in a 48 px image, inside what a tracker reports. */
const TURN = 0.5;

/** Sets the yaw, lets frames rendered before it drain, and reads what the tile shows. */
async function renderedAt(page: Page, setYaw: (yaw: number) => Promise<void>, yaw: number): Promise<Grey> {
  await setYaw(yaw);
  const drawn = await frames(page, 'data-frames-drawn')();
  await expect.poll(frames(page, 'data-frames-drawn'), { timeout: 60_000 }).toBeGreaterThan(drawn + 4);
  return readCanvas(tileOf(page, 'Grace').locator('canvas'));
}

/**
 * Ada sees Grace's head rendered (by `renderer`) and turns Grace's yaw by script: left, front,
 * right, left again, each read from the tile once fresh frames were drawn.
 */
async function expectHeadTurns(
  page: Page,
  renderer: 'node' | 'page',
  setYaw: (yaw: number) => Promise<void>,
  testInfo: TestInfo,
): Promise<void> {
  const graceTile = tileOf(page, 'Grace');
  await expect(graceTile).toHaveAttribute('data-renderer', renderer, { timeout: 60_000 });
  await expect(graceTile).toHaveAttribute('data-source', 'avatar', { timeout: 90_000 });
  await expect(graceTile.locator('canvas')).toHaveAttribute('data-showing', 'render', { timeout: 60_000 });

  const left = await renderedAt(page, setYaw, -TURN);
  const front = await renderedAt(page, setYaw, 0);
  const right = await renderedAt(page, setYaw, TURN);
  const leftAgain = await renderedAt(page, setYaw, -TURN);
  fs.writeFileSync(testInfo.outputPath('turn.json'), JSON.stringify({ left, front, right, leftAgain }));
  for (const g of [left, front, right]) expect(coverage(g)).toBeGreaterThan(0.05);

  // Turned one way and the other, the head is (nearly) each other's mirror image, and far
  // from itself unmirrored: the render turned, it did not just move or flicker.
  const turned = distance(left, right);
  const mirrored = distance(left, mirror(right));
  testInfo.annotations.push({ type: 'turn', description: JSON.stringify({ turned, mirrored }) });
  expect(mirrored).toBeLessThan(turned * 0.7);
  // The same yaw again gives the same picture (the expression still moves a little).
  expect(distance(left, leftAgain)).toBeLessThan(turned * 0.5);
  // And the head's centre of brightness moves one way from left to front to right.
  const xs = [centroidX(left), centroidX(front), centroidX(right)];
  testInfo.annotations.push({ type: 'centroids', description: JSON.stringify(xs) });
  expect(Math.sign(xs[1]! - xs[0]!)).toBe(Math.sign(xs[2]! - xs[1]!));
  expect(xs[0]).not.toBeCloseTo(xs[2]!, 1);
}

test.describe('rendered heads', () => {
  test.skip(!hasSfu(), 'needs the SFU');

  test("the receiver's rendered head turns with the driver's yaw (measured on the rendered images)", async ({
    browser,
  }, testInfo) => {
    test.skip(!hasInference(), 'needs the inference node');
    // Two enrollments, a call and four waits for fresh renders: on 2 busy cores (the detail pass
    // renders each frame at the tile's pixels) this runs past the default 90 s.
    test.setTimeout(150_000);
    const script = { yaw: 0 };
    const { ada, grace } = await twoInACall(browser, 'Turn', async (who, page) => {
      if (who === 'ada') await scriptPoses(page, script);
    });
    await expectHeadTurns(
      ada.page,
      'node',
      async (yaw) => {
        script.yaw = yaw;
      },
      testInfo,
    );
    await closeAll(ada, grace);
  });

  test('without a node, the page renders the head itself, turning with the driver, and hands over to a node that starts', async ({
    browser,
  }, testInfo) => {
    // The page lifts Grace's photo in its own worker (a few seconds on 2 busy cores) and renders
    // every frame on one thread of the tab.
    test.setTimeout(180_000);
    let refuseNode = true;
    let setYaw: (yaw: number) => Promise<void> = async () => {};
    const { ada, grace } = await twoInACall(browser, 'Turn in page', async (who, page) => {
      if (who !== 'ada') return;
      // No node for Ada: every connection to 127.0.0.1 is refused until the test lets it through.
      await page.routeWebSocket(/127\.0\.0\.1:\d+\/ws/, (ws) => (refuseNode ? ws.close() : ws.connectToServer()));
      setYaw = await scriptPosesInPage(page);
      await page.reload();
    });
    await expect(ada.page.getByTestId('page-renderer-info')).toBeVisible({ timeout: 60_000 });
    await expect(ada.page.getByTestId('stats')).toHaveAttribute('data-renderer', 'page');
    await expectHeadTurns(ada.page, 'page', setYaw, testInfo);
    await setYaw(0.25);
    await tileOf(ada.page, 'Grace').screenshot({ path: testInfo.outputPath('page-rendered-tile.png') });
    testInfo.annotations.push({
      type: 'stats',
      description: (await ada.page.getByTestId('stats').textContent()) ?? '',
    });
    if (hasInference()) {
      // A node appears: the page finds it without a reload and hands the rendering over.
      refuseNode = false;
      await expect(tileOf(ada.page, 'Grace')).toHaveAttribute('data-renderer', 'node', { timeout: 60_000 });
      await expect(ada.page.getByTestId('page-renderer-info')).toHaveCount(0);
      const drawn = await frames(ada.page, 'data-frames-drawn')();
      await expect.poll(frames(ada.page, 'data-frames-drawn'), { timeout: 60_000 }).toBeGreaterThan(drawn + 4);
    }
    await closeAll(ada, grace);
  });
});
