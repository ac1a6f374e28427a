import fs from 'node:fs';
import path from 'node:path';
import { readJpegLayout } from '@holocall/face/node/image';
import { baselineJpeg, interlacedPng, pngBomb, progressiveJpeg } from '@holocall/face/test-support/image-files';
import {
  CROP_SIDE,
  checkEnrollmentImage,
  MAX_CROP_BYTES,
  MAX_ENROLL_BODY_BYTES,
  MAX_JPEG_SCANS,
  MAX_LANDMARK_DEPTH_RATIO,
  MAX_PHOTO_BYTES,
  MAX_PHOTO_PIXELS,
  MAX_PHOTO_SIDE,
  MIN_FACE_SIDE,
  MIN_PHOTO_SIDE,
} from '@holocall/protocol';
import { GIF_BYTES, jpegHeader, pngHeader, webpVp8xHeader } from '@holocall/protocol/test-support/images';
import { describe, expect, it } from 'vitest';
import { POST as enrollRoute, GET as myAvatar } from '../src/app/api/avatar/route';
import { GET as avatarCrop } from '../src/app/api/avatars/[id]/crop/route';
import { GET as avatarPhoto } from '../src/app/api/avatars/[id]/photo/route';
import { GET as avatarSource } from '../src/app/api/avatars/[id]/route';
import { POST as join } from '../src/app/api/rooms/[slug]/join/route';
import { POST as createRoom } from '../src/app/api/rooms/route';
import { POST as signInRoute } from '../src/app/api/session/route';
import { contentHash, contentPath } from '../src/server/enrollment/content-store';
import { call, signIn, useTestApp } from './support/app';
import { syntheticLandmarks } from './support/landmarks';
import { patternImage, photoPng } from './support/photos';

interface Upload {
  photo?: Uint8Array | null;
  crop?: Uint8Array;
  landmarks?: unknown;
  displayWidth?: number;
  displayHeight?: number;
  camera?: unknown;
  filename?: string;
}

/** Each default photo is bytes of its own: nobody may enroll a photo another account enrolled. */
let photos = 0;

function form(upload: Upload): FormData {
  const data = new FormData();
  const photo = upload.photo === undefined ? photoPng(640, 480, photos++) : upload.photo;
  if (photo) data.set('photo', new Blob([photo as BlobPart]), upload.filename ?? 'me.png');
  if (upload.crop) data.set('crop', new Blob([upload.crop as BlobPart]), 'crop.png');
  data.set('landmarks', JSON.stringify(upload.landmarks ?? syntheticLandmarks()));
  data.set('displayWidth', String(upload.displayWidth ?? 640));
  data.set('displayHeight', String(upload.displayHeight ?? 480));
  if (upload.camera !== undefined) data.set('camera', JSON.stringify(upload.camera));
  return data;
}

describe('enrollment: upload checks, content-addressed storage, re-enrolling', () => {
  const app = useTestApp();
  const enroll = (cookie: string, upload: Upload = {}) =>
    call(enrollRoute, 'POST', '/api/avatar', { cookie, body: form(upload) });

  it('enrolls a photo with landmarks and a crop, stored under its sha256', async () => {
    const { cookie, userId } = await signIn(signInRoute, 'Ada');
    const photo = photoPng(640, 480, 200);
    const crop = pngHeader(CROP_SIDE, CROP_SIDE, 100);
    const res = await enroll(cookie, { photo, crop, camera: Array.from({ length: 25 }, (_, i) => i / 10) });
    expect(res.status).toBe(201);
    expect(res.body.avatar).toMatchObject({ ownerId: userId, photoType: 'image/png', width: 640, height: 480 });
    const file = contentPath(app.config.dataDir, contentHash(photo));
    expect(fs.readFileSync(file)).toEqual(Buffer.from(photo));
    expect(path.basename(file)).toMatch(/^[0-9a-f]{64}$/);

    const mine = await call(myAvatar, 'GET', '/api/avatar', { cookie });
    expect(mine.body.avatar.avatarId).toBe(res.body.avatar.avatarId);
    const params = { id: res.body.avatar.avatarId };
    const served = await call(avatarPhoto, 'GET', '/', { cookie, params });
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await call(avatarCrop, 'GET', '/', { cookie, params })).status).toBe(200);
  });

  it('re-enrolling replaces the avatar (new id) and removes the files nobody uses any more', async () => {
    const { cookie, userId } = await signIn(signInRoute, 'Grace');
    const first = photoPng(640, 480, 300);
    const second = baselineJpeg(patternImage(480, 640, 301));
    const a = await enroll(cookie, { photo: first });
    const b = await enroll(cookie, {
      photo: second,
      displayWidth: 480,
      displayHeight: 640,
      landmarks: syntheticLandmarks(240, 320, 120),
    });
    expect(b.status).toBe(201);
    expect(b.body.avatar.avatarId).not.toBe(a.body.avatar.avatarId);
    expect(b.body.avatar.photoType).toBe('image/jpeg');
    expect(await app.db.prisma.avatar.count({ where: { ownerId: userId } })).toBe(1);
    expect(fs.existsSync(contentPath(app.config.dataDir, contentHash(first)))).toBe(false);
    expect(fs.existsSync(contentPath(app.config.dataDir, contentHash(second)))).toBe(true);
  });

  it('accepts landmarks in the displayed (EXIF-rotated) frame of a rotated JPEG', async () => {
    const { cookie } = await signIn(signInRoute, 'Rotated');
    const photo = baselineJpeg(patternImage(800, 600), { orientation: 6 });
    const res = await enroll(cookie, {
      photo,
      displayWidth: 600,
      displayHeight: 800,
      landmarks: syntheticLandmarks(300, 400, 150),
    });
    expect(res.status).toBe(201);
    expect(res.body.avatar).toMatchObject({ width: 600, height: 800 });
  });

  it('stores a rotated, an interlaced and a progressive photo as plain upright images, the landmarks carried along', async () => {
    const { cookie, userId } = await signIn(signInRoute, 'Normalised');
    const uploads: Upload[] = [
      {
        photo: baselineJpeg(patternImage(800, 600, 7), { orientation: 6 }),
        displayWidth: 600,
        displayHeight: 800,
        landmarks: syntheticLandmarks(300, 400, 150),
      },
      { photo: interlacedPng(patternImage(640, 480, 8)) },
      { photo: progressiveJpeg(640, 480, (bx, by) => bx + by, 9) },
    ];
    for (const upload of uploads) {
      const res = await enroll(cookie, upload);
      expect(res.status).toBe(201);
      const row = await app.db.prisma.avatar.findUniqueOrThrow({ where: { ownerId: userId } });
      const stored = new Uint8Array(fs.readFileSync(contentPath(app.config.dataDir, row.photoHash)));
      expect(row.photoHash).toBe(contentHash(stored));
      // What every call peer's node will decode: a baseline JPEG, upright, of the size the browser displayed.
      expect(checkEnrollmentImage(stored)).toMatchObject({
        type: 'image/jpeg',
        orientation: 1,
        width: upload.displayWidth ?? 640,
        height: upload.displayHeight ?? 480,
      });
      expect(readJpegLayout(stored)).toMatchObject({ frame: 0xc0, scans: 1 });
      expect(row).toMatchObject({ photoType: 'image/jpeg', photoWidth: upload.displayWidth ?? 640 });
      expect(row.landmarks).toEqual(upload.landmarks ?? syntheticLandmarks());
    }
  });

  it('may not upload an image bomb: refused with its reason before anything is stored', async () => {
    const { cookie, userId } = await signIn(signInRoute, 'Bomber');
    const inflates = await enroll(cookie, { photo: pngBomb(640, 480, 100_000_000, true) });
    expect(inflates.status).toBe(413);
    expect(inflates.body.error.details.reason).toBe('photo_decode_budget');
    const scans = await enroll(cookie, { photo: progressiveJpeg(640, 480, () => 128, MAX_JPEG_SCANS) });
    expect(scans.status).toBe(413);
    expect(scans.body.error.details).toMatchObject({ reason: 'photo_too_many_scans', limit: MAX_JPEG_SCANS });
    expect(await app.db.prisma.avatar.count({ where: { ownerId: userId } })).toBe(0);
  });

  it('lets room peers fetch an avatar for their inference node, with its landmarks', async () => {
    const owner = await signIn(signInRoute, 'Owner');
    const guest = await signIn(signInRoute, 'Guest');
    const ownerAvatar = (await enroll(owner.cookie)).body.avatar.avatarId;
    await enroll(guest.cookie);
    const room = (await call(createRoom, 'POST', '/api/rooms', { cookie: owner.cookie, json: { name: 'R' } })).body
      .room;
    for (const who of [owner, guest])
      await call(join, 'POST', '/', { cookie: who.cookie, params: { slug: room.slug } });
    const res = await call(avatarSource, 'GET', '/', { cookie: guest.cookie, params: { id: ownerAvatar } });
    expect(res.status).toBe(200);
    expect(res.body.displayName).toBe('Owner');
    expect(res.body.landmarks).toHaveLength(478 * 3);
    expect(res.body.avatar.photoUrl).toContain(`/api/avatars/${ownerAvatar}/photo`);
  });
});

describe('enrollment: what you may not upload', () => {
  useTestApp();
  const enroll = (cookie: string | undefined, upload: Upload = {}) =>
    call(enrollRoute, 'POST', '/api/avatar', { cookie, body: form(upload) });

  async function user(name = 'Uploader') {
    return (await signIn(signInRoute, name)).cookie;
  }

  it('may not enroll without signing in', async () => {
    expect((await enroll(undefined)).status).toBe(401);
  });

  it('may not upload a GIF, an SVG or a renamed text file (type judged by content)', async () => {
    const cookie = await user();
    for (const photo of [
      GIF_BYTES,
      new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
      new TextEncoder().encode('hello'),
    ]) {
      const res = await enroll(cookie, { photo, filename: 'face.jpg' });
      expect(res.status).toBe(415);
      expect(res.body.error.code).toBe('unsupported_media');
      expect(res.body.error.details.reason).toBe('unsupported_type');
    }
  });

  it('may not upload a WebP: the inference nodes that lift it for a call do not decode WebP', async () => {
    const cookie = await user();
    const res = await enroll(cookie, { photo: webpVp8xHeader(640, 480), filename: 'me.webp' });
    expect(res.status).toBe(415);
    expect(res.body.error).toMatchObject({ code: 'unsupported_media', details: { reason: 'unsupported_type' } });
  });

  it('may not upload an empty photo, or one whose header is cut short or damaged', async () => {
    const cookie = await user();
    const empty = await enroll(cookie, { photo: new Uint8Array(0) });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details.reason).toBe('photo_empty');
    const cut = await enroll(cookie, { photo: pngHeader(640, 480).subarray(0, 20) });
    expect(cut.status).toBe(400);
    expect(cut.body.error.details.reason).toBe('photo_truncated');
    const damaged = pngHeader(640, 480);
    damaged[12] = 0x58; // "XHDR"
    const bad = await enroll(cookie, { photo: damaged });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.reason).toBe('photo_corrupt');
  });

  it('may not upload a photo over the byte limit, or a body over the upload limit', async () => {
    const cookie = await user();
    const big = new Uint8Array(MAX_PHOTO_BYTES + 1);
    big.set(pngHeader(640, 480));
    const res = await enroll(cookie, { photo: big });
    expect(res.status).toBe(413);
    expect(res.body.error.details).toMatchObject({ limit: MAX_PHOTO_BYTES, reason: 'photo_too_large' });
    const declared = await call(enrollRoute, 'POST', '/api/avatar', {
      cookie,
      body: 'x',
      headers: {
        'content-type': 'multipart/form-data; boundary=x',
        'content-length': String(MAX_ENROLL_BODY_BYTES + 1),
      },
    });
    expect(declared.status).toBe(413);
  });

  it('may not upload a photo over the pixel limit, too long a side, or too small', async () => {
    const cookie = await user();
    const side = Math.ceil(Math.sqrt(MAX_PHOTO_PIXELS)) + 1;
    const tooMany = await enroll(cookie, { photo: pngHeader(side, side), displayWidth: side, displayHeight: side });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error.details.what).toBe('photo (pixels)');
    expect(tooMany.body.error.details.reason).toBe('photo_too_many_pixels');
    const strip = await enroll(cookie, {
      photo: pngHeader(MAX_PHOTO_SIDE + 1, 300),
      displayWidth: MAX_PHOTO_SIDE + 1,
      displayHeight: 300,
    });
    expect(strip.status).toBe(413);
    expect(strip.body.error.details.reason).toBe('photo_side_too_long');
    const tiny = await enroll(cookie, {
      photo: pngHeader(MIN_PHOTO_SIDE - 1, 400),
      displayWidth: MIN_PHOTO_SIDE - 1,
      displayHeight: 400,
    });
    expect(tiny.status).toBe(400);
    expect(tiny.body.error.details.reason).toBe('photo_side_too_short');
    // The shortest side the inference node lifts too (MIN_PHOTO_SIDE): accepted.
    const least = await enroll(cookie, {
      photo: photoPng(MIN_PHOTO_SIDE, 400),
      displayWidth: MIN_PHOTO_SIDE,
      displayHeight: 400,
      landmarks: syntheticLandmarks(128, 200, 100),
    });
    expect(least.status).toBe(201);
  });

  it('may not send no face, two faces, or a face that is too small', async () => {
    const cookie = await user();
    const none = await enroll(cookie, { landmarks: [] });
    expect(none.status).toBe(422);
    expect(none.body.error).toMatchObject({ code: 'face_not_found', details: { reason: 'no_face' } });
    const two = await enroll(cookie, {
      landmarks: [...syntheticLandmarks(200, 240, 100), ...syntheticLandmarks(450, 240, 100)],
    });
    expect(two.status).toBe(422);
    expect(two.body.error).toMatchObject({ code: 'multiple_faces', details: { reason: 'several_faces' } });
    const small = await enroll(cookie, { landmarks: syntheticLandmarks(320, 240, MIN_FACE_SIDE / 4) });
    expect(small.status).toBe(422);
    expect(small.body.error).toMatchObject({ code: 'face_not_found', details: { reason: 'face_too_small' } });
  });

  it('may not send landmarks outside the photo, non-numbers, or a scrambled face', async () => {
    const cookie = await user();
    const reason = async (landmarks: unknown) => {
      const res = await enroll(cookie, { landmarks });
      expect(res.status).toBe(400);
      return res.body.error.details.reason;
    };
    expect(await reason(syntheticLandmarks(600, 240, 120))).toBe('landmarks_outside_photo');
    const nan = syntheticLandmarks();
    (nan as unknown[])[10] = 'x';
    expect(await reason(nan)).toBe('landmarks_malformed');
    expect(await reason(syntheticLandmarks().slice(0, 300))).toBe('landmark_count');
    const upsideDown = syntheticLandmarks();
    // Nose tip far below the mouth: not a face.
    upsideDown[3 * 1 + 1] = 300 + 120 * 0.9;
    expect(await reason(upsideDown)).toBe('implausible_anatomy');
    const deep = syntheticLandmarks();
    deep[3 * 5 + 2] = MAX_LANDMARK_DEPTH_RATIO * 240 + 1; // the synthetic face is 240 pixels across
    expect(await reason(deep)).toBe('implausible_depth');
    expect(await reason('not json')).toBe('landmarks_malformed');
  });

  it('may not claim a displayed size that does not match the photo', async () => {
    const cookie = await user();
    const res = await enroll(cookie, { displayWidth: 1280, displayHeight: 960, landmarks: syntheticLandmarks() });
    expect(res.status).toBe(400);
    expect(res.body.error.details.reason).toBe('display_size_mismatch');
  });

  it('may not send a crop that is not a 512x512 PNG, or too large', async () => {
    const cookie = await user();
    const refused = async (crop: Uint8Array) => {
      const res = await enroll(cookie, { crop });
      return `${res.status}:${res.body.error?.details?.reason}`;
    };
    expect(await refused(pngHeader(256, 256))).toBe('400:crop_not_aligned');
    expect(await refused(jpegHeader(512, 512))).toBe('400:crop_not_aligned');
    const big = new Uint8Array(MAX_CROP_BYTES + 1);
    big.set(pngHeader(512, 512));
    expect(await refused(big)).toBe('413:crop_too_large');
    expect(await refused(GIF_BYTES)).toBe('415:unsupported_type');
  });

  it('may not send a camera that is not 25 numbers', async () => {
    const cookie = await user();
    const res = await enroll(cookie, { camera: [1, 2, 3] });
    expect(res.status).toBe(400);
    expect(res.body.error.details.reason).toBe('camera_malformed');
  });

  it('may not upload without a photo or as JSON', async () => {
    const cookie = await user();
    expect((await enroll(cookie, { photo: null })).status).toBe(400);
    const asJson = await call(enrollRoute, 'POST', '/api/avatar', { cookie, json: { photo: 'base64' } });
    expect(asJson.status).toBe(400);
  });

  it("may not see a stranger's avatar: it does not exist for them", async () => {
    const owner = await user('Private');
    const id = (await enroll(owner)).body.avatar.avatarId;
    const stranger = await user('Stranger');
    for (const handler of [avatarSource, avatarPhoto]) {
      const res = await call(handler, 'GET', '/', { cookie: stranger, params: { id } });
      expect(res.status).toBe(404);
    }
  });
});
