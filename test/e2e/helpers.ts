import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, expect, type Page } from '@playwright/test';
import { cacheDir, FACE_PHOTO } from './env';

export { FACE_PHOTO };

/** Signs in with a display name and waits until the session cookie is set (the form goes away). */
export async function signIn(page: Page, name: string, path = '/'): Promise<void> {
  await page.goto(path);
  const field = page.getByLabel('Your name, as others will see it');
  await field.fill(name);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(field).toBeHidden();
}

/** Enrolls the face fixture through the file picker and waits for the avatar. */
export async function enrollByUpload(page: Page, photo = FACE_PHOTO): Promise<string> {
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
