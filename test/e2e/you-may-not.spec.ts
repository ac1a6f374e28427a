import { expect, type Page, test } from '@playwright/test';
import { hasInference, hasSfu, PORTS, WEB_ORIGIN } from './env';
import { blankPhoto, closeAll, createRoom, enrollByUpload, fakePhoto, person, signIn } from './helpers';
import { SfuSocket } from './sfu-client';

/** The web app's join answer for a room link: the SFU room id and a room token for it. */
async function joinByApi(page: Page, link: string): Promise<{ roomId: string; roomToken: string }> {
  const slug = new URL(link).pathname.split('/').pop()!;
  const response = await page.request.post(`/api/rooms/${slug}/join`);
  expect(response.status()).toBe(200);
  return response.json();
}

/** Whether a page can open a WebSocket to the local inference node. */
const opensInferenceSocket = (page: Page) =>
  page.evaluate(
    (url) =>
      new Promise<boolean>((resolve) => {
        const ws = new WebSocket(url);
        ws.onopen = () => {
          ws.close();
          resolve(true);
        };
        ws.onerror = () => resolve(false);
      }),
    `ws://127.0.0.1:${PORTS.inference}/ws`,
  );

/** What a person may not do, tried through the real pages and the real server. */
test.describe('you may not', () => {
  test('enroll a file that is not an image, whatever its name', async ({ page }) => {
    await signIn(page, 'Trickster');
    await page.goto('/enroll');
    await page.getByTestId('photo-input').setInputFiles(fakePhoto());
    await expect(page.getByTestId('enroll-error')).toContainText('not a JPEG or PNG image');
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

  test("talk to the SFU without a token, with another room's, or as someone else", async ({ browser }) => {
    test.skip(!hasSfu(), 'needs the SFU');
    const ada = await person(browser, 'Ada');
    const linkA = await createRoom(ada.page, 'Room A');
    const linkB = await createRoom(ada.page, 'Room B');
    const a = await joinByApi(ada.page, linkA);
    const b = await joinByApi(ada.page, linkB);
    const eve = await person(browser, 'Eve');
    const eveInA = await joinByApi(eve.page, linkA);
    const adaSocket = await SfuSocket.connect();
    const eveSocket = await SfuSocket.connect();
    try {
      expect(await adaSocket.refusal('join', { roomId: a.roomId })).toBe('unauthenticated');
      expect(await adaSocket.refusal('join', { roomId: a.roomId, token: 'not.a.token' })).toBe('unauthenticated');
      // A real token the web app issued, for another room.
      expect(await adaSocket.refusal('join', { roomId: b.roomId, token: a.roomToken })).toBe('forbidden');
      expect(await adaSocket.refusal('createWebRtcTransport', { direction: 'send' })).toBe('unauthenticated');
      // Eve's token is hers: presented for Ada's room B it is refused too.
      expect(await eveSocket.refusal('join', { roomId: b.roomId, token: eveInA.roomToken })).toBe('forbidden');

      await adaSocket.request('join', { roomId: a.roomId, token: a.roomToken });
      await eveSocket.request('join', { roomId: a.roomId, token: eveInA.roomToken });
      const sctpCapabilities = { numStreams: { OS: 1024, MIS: 1024 } };
      const adaSend = await adaSocket.request('createWebRtcTransport', { direction: 'send', sctpCapabilities });
      const eveSend = await eveSocket.request('createWebRtcTransport', { direction: 'send', sctpCapabilities });
      const channel = {
        label: 'driver-frames',
        sctpStreamParameters: { streamId: 0, ordered: false, maxRetransmits: 0 },
      };
      // Driver frames on Ada's transport, sent by Eve: the transport is not hers to use.
      expect(await eveSocket.refusal('produceData', { transportId: adaSend.transportId, ...channel })).toBe(
        'not_found',
      );
      // Eve's own transport, claiming the frames are Ada's: ownership is the SFU's to stamp.
      expect(
        await eveSocket.refusal('produceData', {
          transportId: eveSend.transportId,
          ...channel,
          appData: { userId: 'u_ada', avatarId: 'a_ada' },
        }),
      ).toBe('bad_request');
    } finally {
      adaSocket.close();
      eveSocket.close();
      await closeAll(ada, eve);
    }
  });

  test('open the inference node from another web origin', async ({ page }) => {
    test.skip(!hasInference(), 'needs the inference node');
    // The same app, served at another origin (localhost instead of 127.0.0.1): the node refuses it.
    const other = new URL(WEB_ORIGIN);
    other.hostname = 'localhost';
    await page.goto(other.origin);
    expect(await opensInferenceSocket(page)).toBe(false);
    // From the origin it serves, the same socket opens (the refusal above is the origin's).
    await page.goto(WEB_ORIGIN);
    expect(await opensInferenceSocket(page)).toBe(true);
  });
});
