import fs from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import { scriptPoses } from './driver-script';
import { hasInference, hasSfu } from './env';
import { closeAll, frames, tileOf, twoInACall } from './helpers';
import { centroidX, coverage, distance, type Grey, mirror, readCanvas } from './images';

/** Radians. Big enough that the turn shows in a 48 px image, inside what a tracker reports. */
const TURN = 0.5;

/** Sets the yaw, lets frames rendered before it drain, and reads what the tile shows. */
async function renderedAt(page: Page, script: { yaw: number }, yaw: number): Promise<Grey> {
  script.yaw = yaw;
  const drawn = await frames(page, 'data-frames-drawn')();
  await expect.poll(frames(page, 'data-frames-drawn'), { timeout: 60_000 }).toBeGreaterThan(drawn + 4);
  return readCanvas(tileOf(page, 'Grace').locator('canvas'));
}

test.describe('rendered heads', () => {
  test.skip(!hasSfu() || !hasInference(), 'needs the SFU and the inference node');

  test("the receiver's rendered head turns with the driver's yaw (measured on the rendered images)", async ({
    browser,
  }, testInfo) => {
    // Two enrollments, a call and four waits for fresh renders: on 2 busy cores (the detail pass
    // renders each frame at the tile's pixels) this runs past the default 90 s.
    test.setTimeout(150_000);
    const script = { yaw: 0 };
    const { ada, grace } = await twoInACall(browser, 'Turn', async (who, page) => {
      if (who === 'ada') await scriptPoses(page, script);
    });
    const graceTile = tileOf(ada.page, 'Grace');
    await expect(graceTile).toHaveAttribute('data-source', 'avatar', { timeout: 90_000 });
    await expect(graceTile.locator('canvas')).toHaveAttribute('data-showing', 'render', { timeout: 60_000 });

    const left = await renderedAt(ada.page, script, -TURN);
    const front = await renderedAt(ada.page, script, 0);
    const right = await renderedAt(ada.page, script, TURN);
    const leftAgain = await renderedAt(ada.page, script, -TURN);
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
    await closeAll(ada, grace);
  });
});
