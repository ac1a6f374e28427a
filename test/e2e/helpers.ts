import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, expect, type Page } from '@playwright/test';
import { cacheDir, DATA_DIR, FACE_PHOTO } from './env';

export { FACE_PHOTO };

/** Signs in with a display name and waits until the session cookie is set (the form goes away). */
export async function signIn(page: Page, name: string, path = '/'): Promise<void> {
  await page.goto(path);
  const field = page.getByLabel('Your name, as others will see it');
  await field.fill(name);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(field).toBeHidden();
}

/**
 * The face fixture with its colours nudged by a few levels, different for every call in a run:
 * the web app refuses a photo (or crop) another account already enrolled, so each person of a
 * test needs bytes of their own. Numbered through files made with O_EXCL under the run's data
 * directory (wiped per run), so the spec files' worker processes never hand out one twice.
 */
export function ownPhoto(): string {
  const dir = path.join(DATA_DIR, 'e2e-photos');
  fs.mkdirSync(dir, { recursive: true });
  let n = 0;
  for (; ; n++) {
    try {
      fs.closeSync(fs.openSync(path.join(dir, `${n}.taken`), 'wx'));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const file = path.join(dir, `face-${n}.png`);
  const [r, g, b] = [1 + (n % 8), Math.floor(n / 8) % 8, Math.floor(n / 64) % 8];
  const lut = `lutrgb=r='clip(val+${r},0,255)':g='clip(val+${g},0,255)':b='clip(val+${b},0,255)'`;
  const result = spawnSync('ffmpeg', ['-y', '-loglevel', 'error', '-i', FACE_PHOTO, '-vf', lut, file], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`ffmpeg could not make a photo variant: ${result.stderr}`);
  return file;
}

/** Enrolls a photo of the face fixture (one of its own, see ownPhoto) through the file picker and waits for the avatar. */
export async function enrollByUpload(page: Page, photo = ownPhoto()): Promise<string> {
  await page.goto('/enroll');
  await page.getByTestId('photo-input').setInputFiles(photo);
  const avatar = page.getByTestId('enrolled-avatar');
  await expect(avatar).toBeVisible({ timeout: 60_000 });
  return (await avatar.getAttribute('data-avatar-id')) ?? '';
}

export async function createRoom(page: Page, name: string, maxPeers = 8): Promise<string> {
  await page.goto('/');
  await page.getByLabel('Room name').fill(name);
  await page.getByLabel('Up to').selectOption(String(maxPeers));
  await page.getByRole('button', { name: 'Create room' }).click();
  await expect(page).toHaveURL(/\/r\/[A-Za-z0-9_-]{16}$/);
  return page.url();
}

/** A new person: a fresh browser context (own cookies), signed in and enrolled. */
export async function person(browser: Browser, name: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, name);
  await expect(page.getByTestId('display-name')).toHaveText(name);
  await enrollByUpload(page);
  return { context, page };
}

/** A 512x512 grey PNG: a valid photo with no face in it. */
export function blankPhoto(): string {
  const file = path.join(cacheDir, 'blank.png');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(cacheDir, { recursive: true });
    const r = spawnSync('ffmpeg', [
      '-y',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'color=c=gray:s=512x512',
      '-frames:v',
      '1',
      file,
    ]);
    if (r.status !== 0) throw new Error('ffmpeg could not make blank.png');
  }
  return file;
}

/** A text file named like a photo. */
export function fakePhoto(): string {
  const file = path.join(cacheDir, 'not-a-photo.jpg');
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.writeFileSync(file, 'this is not an image\n');
  return file;
}

/** A call page's counter from the stats overlay (frames sent, received, drawn), as a poll function. */
export const frames = (page: Page, attr: string) => async () =>
  Number(await page.getByTestId('stats').getAttribute(attr));

export async function joinCall(page: Page): Promise<void> {
  await expect(page.getByTestId('lobby-preview')).toBeVisible();
  await page.getByTestId('join-call').click();
  await expect(page.getByTestId('call-state')).toHaveText('connected', { timeout: 30_000 });
}

export interface Person {
  context: BrowserContext;
  page: Page;
}

/**
 * Two people in one room, both in the call. `beforeJoin` runs on each lobby page first (routes,
 * init scripts followed by a reload) for what must be in place before the call's sockets open.
 */
export async function twoInACall(
  browser: Browser,
  room: string,
  beforeJoin?: (who: 'ada' | 'grace', page: Page) => Promise<void>,
): Promise<{ ada: Person; grace: Person; link: string }> {
  const ada = await person(browser, 'Ada');
  const link = await createRoom(ada.page, room, 4);
  await expect(ada.page.getByTestId('room-link')).toHaveValue(link);
  const grace = await person(browser, 'Grace');
  await grace.page.goto(link);
  await expect(grace.page.getByTestId('room-name')).toHaveText(room);
  await beforeJoin?.('ada', ada.page);
  await beforeJoin?.('grace', grace.page);
  await joinCall(ada.page);
  await joinCall(grace.page);
  return { ada, grace, link };
}

export async function closeAll(...people: { context: BrowserContext }[]): Promise<void> {
  for (const p of people) await p.context.close();
}

/** The tile in which `viewer` sees `name`. */
export const tileOf = (viewer: Page, name: string) =>
  viewer.locator(`[data-testid=peer-tile][data-peer-name=${JSON.stringify(name)}]`);

/** TEST HOOK, before the page's scripts run: keeps each RTCPeerConnection it makes, for getStats. */
export async function keepPeerConnections(page: Page): Promise<void> {
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
export const audioIn = (page: Page) =>
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
