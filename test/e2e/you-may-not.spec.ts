import { expect, test } from '@playwright/test';
import { blankPhoto, createRoom, enrollByUpload, fakePhoto, signIn } from './helpers';

/** What a person may not do, tried through the real pages and the real server. */
test.describe('you may not', () => {
  test('enroll a file that is not an image, whatever its name', async ({ page }) => {
    await signIn(page, 'Trickster');
    await page.goto('/enroll');
    await page.getByTestId('photo-input').setInputFiles(fakePhoto());
    await expect(page.getByTestId('enroll-error')).toContainText('not a JPEG, PNG or WebP');
  });

  test('enroll a photo without a face', async ({ page }) => {
    await signIn(page, 'Faceless');
    await page.goto('/enroll');
    await page.getByTestId('photo-input').setInputFiles(blankPhoto());
    await expect(page.getByTestId('enroll-error')).toContainText('No face was found', { timeout: 60_000 });
  });

  test('upload to the server past the browser checks: the server refuses by content', async ({ page }) => {
    await signIn(page, 'Curl');
    await page.goto('/');
    const response = await page.request.post('/api/avatar', {
      multipart: {
        photo: { name: 'x.png', mimeType: 'image/png', buffer: Buffer.from('GIF89a....') },
        landmarks: '[]',
        displayWidth: '512',
        displayHeight: '512',
      },
    });
    expect(response.status()).toBe(415);
    expect((await response.json()).error.code).toBe('unsupported_media');
  });

  test('join a call without an account or an avatar', async ({ page }) => {
    await signIn(page, 'Host');
    await enrollByUpload(page);
    const link = await createRoom(page, 'Private');
    await page.context().clearCookies();
    await page.goto(link);
    await expect(page.getByLabel('Your name, as others will see it')).toBeVisible();
    await page.getByLabel('Your name, as others will see it').fill('Guest without photo');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByTestId('enroll-link')).toBeVisible();
    const slug = new URL(link).pathname.split('/').pop()!;
    const join = await page.request.post(`/api/rooms/${slug}/join`);
    expect(join.status()).toBe(409);
  });

  test('open a room that does not exist', async ({ page }) => {
    await signIn(page, 'Lost');
    await page.goto('/r/AAAAAAAAAAAAAAAA');
    await expect(page.getByText('There is no room at this link')).toBeVisible();
  });

  test('post from another site', async ({ page }) => {
    await signIn(page, 'Victim');
    await page.goto('/');
    const response = await page.request.post('/api/rooms', {
      data: { name: 'CSRF' },
      headers: { origin: 'http://evil.example' },
    });
    expect(response.status()).toBe(403);
    expect((await response.json()).error.code).toBe('origin_refused');
  });

  test("see someone else's avatar without sharing a room", async ({ browser, page }) => {
    await signIn(page, 'Owner');
    const avatarId = await enrollByUpload(page);
    const stranger = await browser.newContext();
    const other = await stranger.newPage();
    await signIn(other, 'Stranger');
    await expect(other.getByTestId('display-name')).toHaveText('Stranger');
    expect((await other.request.get(`/api/avatars/${avatarId}/photo`)).status()).toBe(404);
    await stranger.close();
  });
});
