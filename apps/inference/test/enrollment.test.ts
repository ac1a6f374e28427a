import { readFileSync } from 'node:fs';
import { alignFace, EXPRESSION_CODE_LENGTH, LEFT_EYE_LOOP, LM, OUTER_LIP_LOOP, RIGHT_EYE_LOOP } from '@holocall/face';
import { FIXTURE_PHOTO_PATH, fixtureLandmarks, loadFixturePhoto } from '@holocall/face/node';
import {
  avatarContentHash,
  decodeRenderedFrame,
  type EnrollmentUpload,
  encodeDriverFrame,
  encodeDriverFrameEnvelope,
  encodeEnrollmentEnvelope,
  MAX_PHOTO_BYTES,
} from '@holocall/protocol';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_BACKEND_INFO } from '../src/backends/reference';
import { createLogger } from '../src/log';
import { type RunningNode, startInferenceNode } from '../src/start';
import { landmarkBox, MOUTH_OPEN, meanAbsDiff } from './support/reference-fixtures';
import { authed, type Client, type Message, testConfig, waitFor } from './support/ws-client';

/** End to end through a started node and a real WebSocket: enrollment registration, reenactment, previews. */
const SIZE = 128;
const LIFT_TIMEOUT_MS = 30_000;
const log = createLogger({}, 'silent');

const photoBytes = new Uint8Array(readFileSync(FIXTURE_PHOTO_PATH));
const landmarks = Float32Array.from(fixtureLandmarks('astronaut'));
const cropLandmarks = alignFace(loadFixturePhoto(), fixtureLandmarks('astronaut')).landmarks;
/** The same photo with its landmarks a quarter pixel to the right: another avatar (another lift). */
const shiftedLandmarks = landmarks.map((v, i) => (i % 3 === 0 ? v + 0.25 : v));
const SPACE = { width: 512, height: 512 };

/** Avatar hashes as the web app declares them: of the content each envelope carries. */
let H1 = '';
let H2 = '';
beforeAll(async () => {
  H1 = await avatarContentHash({ image: photoBytes, landmarkSpace: SPACE, landmarks });
  H2 = await avatarContentHash({ image: photoBytes, landmarkSpace: SPACE, landmarks: shiftedLandmarks });
});

type UploadOver = Partial<EnrollmentUpload> & Pick<EnrollmentUpload, 'id'>;

function content(over: UploadOver): Omit<EnrollmentUpload, 'avatarHash'> {
  return { purpose: 'register', landmarkSpace: SPACE, landmarks, image: photoBytes, ...over };
}

/** An enrollment envelope; its avatar hash is its content's unless `over` names another. */
function upload(over: UploadOver & Pick<EnrollmentUpload, 'avatarHash'>): Uint8Array {
  return encodeEnrollmentEnvelope({ ...content(over), ...over });
}

async function hashOf(over: UploadOver): Promise<string> {
  return avatarContentHash(content(over));
}

function frame(seq: number, code: Float32Array | null): Uint8Array {
  return encodeDriverFrame({
    seq,
    captureTimeMs: 1_700_000_000_000 + seq,
    pose: { rotation: [0, 0, 0], translation: [0, 0, 0.6] },
    expression: code ? { kind: 'landmarks', code } : { kind: 'none' },
  });
}

async function stats(c: Client): Promise<{
  lifts: { lifted: number; cacheHits: number; joined: number; failed: number };
  previews: { completed: number };
  backend: { label: string };
  connection: { framesWhileLifting: number; errors: Record<string, number> };
}> {
  c.sendJson({ type: 'get-stats' });
  return (await c.next((m) => m.type === 'stats')).stats as never;
}

const of = (type: string, field?: string, value?: unknown) => (m: Message) =>
  m.type === type && (field === undefined || m[field] === value);

describe('enrollment through the inference node API (reference backend)', () => {
  let running: RunningNode;
  beforeAll(async () => {
    running = await startInferenceNode(testConfig({ reenact: 'reference' }), log);
  });
  afterAll(async () => {
    await running?.close();
  });

  it('names the classical reference model in welcome', async () => {
    const c = await authed(running.port);
    const node = c.welcome.node as {
      reenact: string;
      untrained: boolean;
      backend: { label: string; trained: boolean };
    };
    expect(node.reenact).toBe(REFERENCE_BACKEND_INFO.reenact);
    expect(node.backend).toEqual({
      id: REFERENCE_BACKEND_INFO.id,
      label: REFERENCE_BACKEND_INFO.label,
      trained: false,
    });
    expect(node.backend.label).toMatch(/classical reference/i);
    c.ws.close();
  });

  it('registers from an enrolled photo with progress, then a mouth-open code opens the mouth', async () => {
    const c = await authed(running.port);
    c.sendJson({ type: 'register-sender', peerId: 'alice', avatarHash: H1, source: 'enrollment' });
    expect(await c.next(of('registered', 'peerId', 'alice'))).toMatchObject({ cacheHit: false, awaitingUpload: true });
    c.ws.send(upload({ id: 'alice', avatarHash: H1 }));
    // A frame while the lift runs is dropped quietly (the page may start sending early).
    c.ws.send(encodeDriverFrameEnvelope('alice', frame(1, null)));
    const done = await c.next(of('registered', 'peerId', 'alice'), LIFT_TIMEOUT_MS);
    expect(done).toMatchObject({ avatarHash: H1, cacheHit: false, awaitingUpload: false });
    expect(done.liftMs as number).toBeGreaterThan(0);

    const progress = c.texts.filter(of('register-progress', 'peerId', 'alice'));
    expect(progress.length).toBeGreaterThanOrEqual(5);
    const fractions = progress.map((m) => m.fraction as number);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(progress[0]).toMatchObject({ stage: 'queued', fraction: 0 });
    expect(progress.map((m) => m.stage)).toEqual(expect.arrayContaining(['decode', 'align', 'lift', 'prepare']));
    expect(progress.at(-1)).toMatchObject({ stage: 'done', fraction: 1 });

    for (const m of [
      { type: 'set-view', view: { kind: 'flat', width: SIZE, height: SIZE } },
      { type: 'set-quality', level: 'high' },
      { type: 'set-output', format: 'rgba' },
    ]) {
      c.sendJson(m);
      await c.next(of('ok'));
    }
    c.ws.send(encodeDriverFrameEnvelope('alice', frame(2, new Float32Array(EXPRESSION_CODE_LENGTH))));
    await waitFor(() => c.binaries.length >= 1, 10_000);
    c.ws.send(encodeDriverFrameEnvelope('alice', frame(3, MOUTH_OPEN)));
    await waitFor(() => c.binaries.length >= 2, 10_000);
    const [neutral, open] = c.binaries.map((b) => decodeRenderedFrame(b));
    expect(neutral!.header).toMatchObject({ peerId: 'alice', seq: 2, width: SIZE, height: SIZE });
    expect(open!.header.seq).toBe(3);
    const img = (f: typeof neutral) => ({ width: SIZE, height: SIZE, data: f!.image });
    const mouth = landmarkBox(cropLandmarks, [...OUTER_LIP_LOOP, LM.chin, 148, 377, 176, 400], 512, SIZE);
    const eyes = landmarkBox(cropLandmarks, [...RIGHT_EYE_LOOP, ...LEFT_EYE_LOOP], 512, SIZE, 0.1);
    expect(meanAbsDiff(img(neutral), img(open), mouth)).toBeGreaterThan(8);
    expect(meanAbsDiff(img(neutral), img(open), eyes)).toBeLessThan(1.5);

    const s = await stats(c);
    expect(s.lifts.lifted).toBe(1);
    expect(s.connection.framesWhileLifting).toBe(1);
    expect(s.backend.label).toBe(REFERENCE_BACKEND_INFO.label);
    c.ws.close();
  }, 60_000);

  it('serves a second peer and a re-register of the same avatar from the cache, without a second lift', async () => {
    const c = await authed(running.port);
    const before = (await stats(c)).lifts;
    c.sendJson({ type: 'register-sender', peerId: 'bob', avatarHash: H1, source: 'enrollment' });
    expect(await c.next(of('registered', 'peerId', 'bob'))).toMatchObject({ cacheHit: true, awaitingUpload: false });
    c.sendJson({ type: 'register-sender', peerId: 'bob', avatarHash: H1, source: 'enrollment' });
    expect(await c.next(of('registered', 'peerId', 'bob'))).toMatchObject({ cacheHit: true, awaitingUpload: false });
    const after = (await stats(c)).lifts;
    expect(after.lifted).toBe(before.lifted);
    expect(after.cacheHits).toBe(before.cacheHits + 2);
    c.ws.close();
  });

  it('refuses bad images, landmarks and sizes with typed errors, and the connection carries on', async () => {
    const c = await authed(running.port);
    const png6000 = photoBytes.slice(0, 64);
    new DataView(png6000.buffer).setUint32(16, 6000);
    new DataView(png6000.buffer).setUint32(20, 6000);
    const cases: [UploadOver, string, string][] = [
      [
        { id: 'dave', image: Uint8Array.from({ length: 4096 }, (_, i) => i * 7) },
        'unsupported_media',
        'unsupported_type',
      ],
      [{ id: 'dave', image: photoBytes.slice(0, 4000) }, 'bad_request', 'photo_undecodable'],
      [{ id: 'dave', landmarks: landmarks.subarray(0, 468 * 3) }, 'bad_request', 'landmark_count'],
      [{ id: 'dave', landmarkSpace: { width: 512, height: 300 } }, 'bad_request', 'landmark_aspect'],
      [{ id: 'dave', image: png6000 }, 'too_large', 'photo_too_many_pixels'],
    ];
    // Each bad envelope declares its own content's hash, as an honest page would: the content is what is refused.
    for (const [over, code, reason] of cases) {
      const avatarHash = await hashOf(over);
      c.sendJson({ type: 'register-sender', peerId: 'dave', avatarHash, source: 'enrollment' });
      await c.next(of('registered', 'peerId', 'dave'));
      c.ws.send(upload({ ...over, avatarHash }));
      const err = await c.next(of('error'), LIFT_TIMEOUT_MS);
      expect(err.code, `${code} ${reason}`).toBe(code);
      expect((err.details as { reason: string }).reason).toBe(reason);
    }
    const H3 = await hashOf({ id: 'dave', landmarks: landmarks.map((v) => v + 1) });
    c.sendJson({ type: 'register-sender', peerId: 'dave', avatarHash: H3, source: 'enrollment' });
    await c.next(of('registered', 'peerId', 'dave'));
    const oversized = upload({ id: 'dave', avatarHash: H3 });
    new DataView(oversized.buffer).setUint32(oversized.length - photoBytes.length - 4, MAX_PHOTO_BYTES + 1, true);
    c.ws.send(oversized);
    expect(await c.next(of('error'))).toMatchObject({ code: 'too_large', details: { reason: 'photo_too_large' } });
    // Envelopes nobody asked for.
    c.ws.send(upload({ id: 'nobody', avatarHash: H3 }));
    expect(await c.next(of('error'))).toMatchObject({ code: 'not_found', details: { peerId: 'nobody' } });
    c.ws.send(upload({ id: 'dave', avatarHash: H2 }));
    expect(await c.next(of('error'))).toMatchObject({ code: 'conflict', details: { peerId: 'dave' } });
    c.sendJson({ type: 'ping', nonce: 1 });
    expect(await c.next(of('pong'))).toEqual({ type: 'pong', nonce: 1 });
    const s = await stats(c);
    expect(s.lifts.lifted).toBe(1);
    expect(s.connection.errors).toMatchObject({ unsupported_media: 1, bad_request: 3, too_large: 2 });
    c.ws.close();
  }, 60_000);

  it("refuses an envelope whose content is not the avatar it names, and never caches a lift under the page's hash", async () => {
    const c = await authed(running.port);
    // Mallory's page names the avatar hash of someone else's enrollment (H2, not lifted yet)
    // and sends its own content: refused before any lift, and nothing is cached under H2.
    const before = (await stats(c)).lifts;
    c.sendJson({ type: 'register-sender', peerId: 'mallory', avatarHash: H2, source: 'enrollment' });
    expect(await c.next(of('registered', 'peerId', 'mallory'))).toMatchObject({
      cacheHit: false,
      awaitingUpload: true,
    });
    const own = { id: 'mallory', landmarks: landmarks.map((v, i) => (i % 3 === 1 ? v + 0.5 : v)) };
    c.ws.send(upload({ ...own, avatarHash: H2 }));
    expect(await c.next(of('error'), LIFT_TIMEOUT_MS)).toMatchObject({
      code: 'bad_request',
      details: { reason: 'avatar_hash_mismatch', peerId: 'mallory' },
    });
    // The landmarks are part of what is named: the right photo with other landmarks is refused too.
    c.ws.send(upload({ id: 'mallory', avatarHash: H2, landmarks }));
    expect(await c.next(of('error'), LIFT_TIMEOUT_MS)).toMatchObject({ details: { reason: 'avatar_hash_mismatch' } });
    const after = (await stats(c)).lifts as typeof before & { refused: number };
    expect(after.lifted).toBe(before.lifted);
    expect(after.refused).toBeGreaterThanOrEqual(2);
    // H2 is still not cached: a later registration for it asks for its image again.
    c.sendJson({ type: 'register-sender', peerId: 'erin', avatarHash: H2, source: 'enrollment' });
    expect(await c.next(of('registered', 'peerId', 'erin'))).toMatchObject({ cacheHit: false, awaitingUpload: true });
    c.sendJson({ type: 'register-sender', peerId: 'frank', avatarHash: H2, source: 'cache' });
    expect(await c.next(of('error'))).toMatchObject({ code: 'not_found', details: { peerId: 'frank' } });
    c.ws.close();
  }, 60_000);

  it('previews a turntable: one lift shared with a concurrent registration, then a cached preview', async () => {
    const c = await authed(running.port);
    const before = (await stats(c)).lifts;
    const VIEWS = 5;
    const TILE = 64;
    c.sendJson({ type: 'preview-avatar', requestId: 'prev-1', avatarHash: H2, views: VIEWS, tileSize: TILE });
    expect(await c.next(of('preview-started', 'requestId', 'prev-1'))).toMatchObject({
      cacheHit: false,
      awaitingImage: true,
    });
    c.sendJson({ type: 'register-sender', peerId: 'carol', avatarHash: H2, source: 'enrollment' });
    await c.next(of('registered', 'peerId', 'carol'));
    c.ws.send(upload({ purpose: 'preview', id: 'prev-1', avatarHash: H2, landmarks: shiftedLandmarks }));
    c.ws.send(upload({ id: 'carol', avatarHash: H2, landmarks: shiftedLandmarks }));
    const done = await c.next(of('preview-done', 'requestId', 'prev-1'), LIFT_TIMEOUT_MS);
    expect(done).toMatchObject({ views: VIEWS, cols: VIEWS, rows: 1, tileWidth: TILE, format: 'png', lifted: true });
    expect(done.yawsDeg).toEqual([-30, -15, 0, 15, 30]);
    expect(await c.next(of('registered', 'peerId', 'carol'), LIFT_TIMEOUT_MS)).toMatchObject({ awaitingUpload: false });

    const sprite = decodeRenderedFrame(c.binaries[0]!);
    expect(sprite.header).toMatchObject({ peerId: 'prev-1', layout: 'quilt', cols: VIEWS, rows: 1, format: 'png' });
    const png = PNG.sync.read(Buffer.from(sprite.image));
    expect([png.width, png.height]).toEqual([VIEWS * TILE, TILE]);
    // Every view shows the head (covered pixels in each tile).
    for (let v = 0; v < VIEWS; v++) {
      let covered = 0;
      for (let y = 0; y < TILE; y++)
        for (let x = 0; x < TILE; x++) covered += png.data[(y * png.width + v * TILE + x) * 4 + 3]! > 128 ? 1 : 0;
      expect(covered, `view ${v}`).toBeGreaterThan(TILE * TILE * 0.15);
    }
    const progress = c.texts.filter(of('preview-progress', 'requestId', 'prev-1')).map((m) => m.fraction as number);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(1);

    const after = (await stats(c)).lifts;
    expect(after.lifted).toBe(before.lifted + 1);
    expect(after.joined).toBe(before.joined + 1);

    // Cached now: no image, straight to the render.
    c.sendJson({ type: 'preview-avatar', requestId: 'prev-2', avatarHash: H2, views: 3, tileSize: 48, format: 'jpeg' });
    expect(await c.next(of('preview-started', 'requestId', 'prev-2'))).toMatchObject({
      cacheHit: true,
      awaitingImage: false,
    });
    expect(await c.next(of('preview-done', 'requestId', 'prev-2'), 20_000)).toMatchObject({ views: 3, lifted: false });
    const second = decodeRenderedFrame(c.binaries[1]!);
    expect(second.header).toMatchObject({ peerId: 'prev-2', format: 'jpeg', cols: 3, width: 144, height: 48 });
    expect((await stats(c)).previews.completed).toBeGreaterThanOrEqual(2);
    c.ws.close();
  }, 60_000);
});
