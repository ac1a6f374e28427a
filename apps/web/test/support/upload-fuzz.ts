/**
 * Fuzzing the web app's upload endpoint (POST /api/avatar) and the avatar routes in-process,
 * through the route handlers as Next calls them (real PGlite, real photo store), for
 * upload.fuzz.test.ts and `npm run bench -- fuzz`. Each upload case starts from a valid
 * enrollment (a photo of its own, landmarks of one face) and mutates one thing: a form field
 * (landmarks JSON, sizes, camera), the photo's bytes, a crop, the multipart body's bytes, or a
 * header (content type and boundary, content length, origin, cookie). Avatar-route cases send
 * mutated ids and cookies.
 *
 * Oracle: only 201/200 or a typed 4xx whose body's code maps to that status (never a 5xx);
 * a request that must fail by construction (no cookie, another origin, a declared body over the
 * limit) fails with that status; a refused upload stores nothing (no new file in the photo
 * store, the caller's avatar unchanged); an accepted one stored its photo; and a valid upload
 * still works after every batch.
 */
import fs from 'node:fs';
import path from 'node:path';
import { encodePng } from '@holocall/face/node';
import { ErrorCode, httpStatusFor, isErrorCode, MAX_ENROLL_BODY_BYTES } from '@holocall/protocol';
import {
  ACCEPTED,
  FuzzCrash,
  longString,
  mutateBytes,
  mutateText,
  mutateValue,
  pick,
  preview,
  type Random,
  randomInt,
  UNICODE_SAMPLES,
  type Verdict,
} from '@holocall/protocol/test-support/fuzz';
import { GIF_BYTES, pngHeader, webpVp8xHeader } from '@holocall/protocol/test-support/images';
import { POST as enrollRoute, GET as myAvatarRoute } from '../../src/app/api/avatar/route';
import { GET as avatarCropRoute } from '../../src/app/api/avatars/[id]/crop/route';
import { GET as avatarPhotoRoute } from '../../src/app/api/avatars/[id]/photo/route';
import { GET as avatarSourceRoute } from '../../src/app/api/avatars/[id]/route';
import { POST as signInRoute } from '../../src/app/api/session/route';
import { contentPath } from '../../src/server/enrollment/content-store';
import { ORIGIN, signIn, type TestApp } from './app';
import { syntheticLandmarks } from './landmarks';
import { patternImage } from './photos';

const PHOTO_W = 320;
const PHOTO_H = 256;
/** Uploads per account before the fuzz signs in a new one (under ENROLLMENTS_PER_ACCOUNT_PER_HOUR). */
const UPLOADS_PER_ACCOUNT = 8;

/** Statuses an upload or avatar route may answer (each refusal's code must map to it). */
const ALLOWED_STATUSES = [200, 201, 400, 401, 403, 404, 409, 413, 415, 422, 429];

let uniquePhotos = 0;
/** A decodable photo whose bytes no other case uses (nobody may enroll another account's photo). */
function uniquePhoto(): Uint8Array {
  const image = patternImage(PHOTO_W, PHOTO_H, 0);
  const n = ++uniquePhotos;
  for (let i = 0; i < 4; i++) image.data[i * 4 + 2] = (n >> (8 * i)) & 0xff;
  return new Uint8Array(encodePng(image));
}

interface Upload {
  fields: [string, string | { bytes: Uint8Array; filename: string }][];
  headers: Record<string, string>;
  /** Raw body instead of the fields (a mutated multipart). */
  raw?: Uint8Array;
  /** The status this request must get, when its mutation decides it. */
  mustBe?: number;
  what: string;
}

function validUpload(photo: Uint8Array): Upload {
  return {
    fields: [
      ['photo', { bytes: photo, filename: 'me.png' }],
      ['landmarks', JSON.stringify(syntheticLandmarks(PHOTO_W / 2, PHOTO_H / 2, 90))],
      ['displayWidth', String(PHOTO_W)],
      ['displayHeight', String(PHOTO_H)],
    ],
    headers: { origin: ORIGIN },
    what: 'valid',
  };
}

function field(upload: Upload, name: string): string | undefined {
  const entry = upload.fields.find(([key]) => key === name);
  return typeof entry?.[1] === 'string' ? entry[1] : undefined;
}

function setField(upload: Upload, name: string, value: Upload['fields'][number][1] | undefined): void {
  upload.fields = upload.fields.filter(([key]) => key !== name);
  if (value !== undefined) upload.fields.push([name, value]);
}

async function multipart(upload: Upload): Promise<{ body: Uint8Array; type: string }> {
  const form = new FormData();
  for (const [name, value] of upload.fields) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, new Blob([value.bytes as BlobPart]), value.filename);
  }
  const response = new Response(form);
  return { body: new Uint8Array(await response.arrayBuffer()), type: response.headers.get('content-type') ?? '' };
}

/** One mutation of a valid upload; `photo` is the case's own unique photo. */
async function mutatedUpload(random: Random, photo: Uint8Array): Promise<Upload> {
  const upload = validUpload(photo);
  const kind = random();
  if (kind < 0.08) return upload;
  if (kind < 0.3) {
    upload.what = 'landmarks';
    const landmarks = JSON.parse(field(upload, 'landmarks')!) as unknown;
    setField(
      upload,
      'landmarks',
      random() < 0.7
        ? (JSON.stringify(mutateValue(random, landmarks, { limits: [477, 478, 479, 1434, 1435] })) ?? 'undefined')
        : mutateText(random, JSON.stringify(landmarks)),
    );
  } else if (kind < 0.42) {
    upload.what = 'size fields';
    const name = pick(random, ['displayWidth', 'displayHeight']);
    const values = [
      '',
      '0',
      '-1',
      '1e3',
      '0x140',
      '320.5',
      ' 320',
      'NaN',
      'Infinity',
      String(2 ** 53),
      '256',
      '257',
      '10001',
    ];
    setField(upload, name, random() < 0.8 ? pick(random, values) : pick(random, UNICODE_SAMPLES));
    if (random() < 0.2) setField(upload, name, undefined);
  } else if (kind < 0.5) {
    upload.what = 'camera';
    const camera = Array.from({ length: 25 }, (_, i) => i / 10);
    setField(
      upload,
      'camera',
      random() < 0.2 ? longString(random, [4096, 4097]) : (JSON.stringify(mutateValue(random, camera)) ?? ''),
    );
  } else if (kind < 0.64) {
    upload.what = 'photo bytes';
    const bytes =
      random() < 0.8
        ? mutateBytes(random, photo, { hotRange: 64 })
        : pick(random, [GIF_BYTES, webpVp8xHeader(640, 480), new Uint8Array(0), pngHeader(640, 480)]);
    setField(
      upload,
      'photo',
      random() < 0.1
        ? 'not a file'
        : {
            bytes,
            filename: pick(random, ['me.png', '../../x.png', '', longString(random), pick(random, UNICODE_SAMPLES)]),
          },
    );
  } else if (kind < 0.7) {
    upload.what = 'crop';
    const crop = random() < 0.5 ? pngHeader(512, 512, 100) : mutateBytes(random, pngHeader(512, 512, 100));
    setField(upload, 'crop', random() < 0.1 ? 'not a file' : { bytes: crop, filename: 'crop.png' });
  } else if (kind < 0.78) {
    upload.what = 'extra or repeated fields';
    const name = pick(random, ['photo', 'landmarks', 'displayWidth', 'x', '__proto__', 'constructor', '']);
    upload.fields.push([name, random() < 0.5 ? 'extra' : { bytes: photo, filename: 'again.png' }]);
  } else if (kind < 0.9) {
    upload.what = 'multipart bytes';
    const { body, type } = await multipart(upload);
    upload.raw = mutateBytes(random, body, { hotRange: 200 });
    upload.headers['content-type'] = random() < 0.8 ? type : mutateText(random, type);
  } else {
    upload.what = 'headers';
    switch (randomInt(random, 5)) {
      case 0:
        // Other hosts or ports (assertSameOrigin compares host:port: the scheme alone on the same port is not another site).
        upload.headers.origin = pick(random, [
          'http://evil.example',
          'null',
          'http://localhost:3001',
          'http://127.0.0.1:3000',
        ]);
        upload.mustBe = 403;
        break;
      case 1:
        upload.headers.cookie = pick(random, ['', 'session=', 'holocall_session=%', `x=${longString(random)}`]);
        upload.mustBe = 401;
        break;
      case 2:
        upload.headers['content-length'] = String(MAX_ENROLL_BODY_BYTES + 1 + randomInt(random, 1e9));
        upload.mustBe = 413;
        break;
      case 3:
        upload.headers['content-type'] = pick(random, [
          'text/plain',
          'multipart/form-data',
          'multipart/form-data; boundary=',
          'multipart/form-data; boundary=nope',
          `multipart/form-data; boundary=${'x'.repeat(5000)}`,
          'application/json',
        ]);
        break;
      default:
        upload.headers['content-length'] = pick(random, ['-1', 'NaN', '0', '1', '1e3', ' ']);
        break;
    }
  }
  return upload;
}

/**
 * The photo store's state, cheaply: each shard folder's modification time and entry count (a
 * file added, renamed in or removed changes its folder's), so a case costs one stat per shard
 * however many photos earlier cases stored.
 */
function photoStore(dataDir: string): Map<string, string> {
  const root = path.join(dataDir, 'photos');
  const state = new Map<string, string>();
  if (!fs.existsSync(root)) return state;
  for (const shard of fs.readdirSync(root)) {
    const stat = fs.statSync(path.join(root, shard), { bigint: true });
    state.set(shard, `${stat.mtimeNs}:${stat.isDirectory() ? fs.readdirSync(path.join(root, shard)).length : 'file'}`);
  }
  return state;
}

/** Shards whose state differs between two snapshots, with what they hold now. */
function changedShards(dataDir: string, before: Map<string, string>, after: Map<string, string>): string[] {
  const shards = new Set([...before.keys(), ...after.keys()]);
  return [...shards]
    .filter((shard) => before.get(shard) !== after.get(shard))
    .map((shard) => {
      const dir = path.join(dataDir, 'photos', shard);
      return `${shard}/ [${fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? fs.readdirSync(dir).join(', ') : ''}]`;
    });
}

type Response_ = { status: number; body: unknown; headers: Headers };

async function send(
  handler: (request: Request, ...rest: never[]) => Promise<Response>,
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: Uint8Array,
  params: Record<string, string> = {},
): Promise<Response_> {
  // As a header arrives from the wire: bytes read as latin1, without the CR, LF and NUL Node's parser refuses.
  const wire = Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [
      k,
      Buffer.from(v, 'utf8')
        .toString('latin1')
        .replace(/[\r\n\0]/g, ''),
    ]),
  );
  const request = new Request(url, {
    method,
    headers: { host: 'localhost:3000', ...wire },
    ...(body === undefined ? {} : { body: body as BodyInit, duplex: 'half' }),
  } as RequestInit);
  const response = await (
    handler as unknown as (r: Request, c: { params: Promise<Record<string, string>> }) => Promise<Response>
  )(request, { params: Promise.resolve(params) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // images, or not JSON
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** The typed-refusal check every answer passes; returns the verdict. */
function judge(res: Response_, what: string): Verdict {
  if (!ALLOWED_STATUSES.includes(res.status)) {
    throw new FuzzCrash(`${what}: answered ${res.status}: ${preview(res.body)}`);
  }
  if (res.status < 300) return ACCEPTED;
  const error = (res.body as { error?: { code?: unknown; message?: unknown } })?.error;
  if (!error || !isErrorCode(error.code) || typeof error.message !== 'string') {
    throw new FuzzCrash(`${what}: ${res.status} without a typed error body: ${preview(res.body)}`);
  }
  if (error.code === ErrorCode.Internal || httpStatusFor(error.code) !== res.status) {
    throw new FuzzCrash(`${what}: ${res.status} carries code ${error.code}`);
  }
  return { outcome: 'refused', code: error.code };
}

export interface UploadFuzz {
  run(random: Random, index: number): Promise<Verdict>;
  /** A fresh account's valid upload must still be accepted. */
  stillServes(): Promise<void>;
}

interface Account {
  cookie: string;
  userId: string;
  uploads: number;
  avatarId: string | null;
}

export function uploadFuzz(app: TestApp): UploadFuzz {
  let account: Account | undefined;
  let accounts = 0;
  let lastAccepted: { userId: string; photo: Uint8Array } | undefined;
  const current = async (): Promise<Account> => {
    if (!account || account.uploads >= UPLOADS_PER_ACCOUNT) {
      const { cookie, userId } = await signIn(signInRoute, `Fuzz ${++accounts}`);
      account = { cookie, userId, uploads: 0, avatarId: null };
    }
    return account;
  };
  const address = () => `2001:db8:f::${(++accounts).toString(16)}`;

  async function uploadCase(random: Random): Promise<Verdict> {
    const user = await current();
    user.uploads++;
    const theirs = lastAccepted && lastAccepted.userId !== user.userId && random() < 0.12 ? lastAccepted : undefined;
    const upload = await mutatedUpload(random, theirs ? theirs.photo : uniquePhoto());
    if (theirs) {
      // Another account's photo, with a crop of its own: refused (conflict), and the crop must not be left stored.
      upload.what = `another account's photo (${upload.what})`;
      const crop = pngHeader(512, 512, 100);
      crop.set(new TextEncoder().encode(`crop-${++uniquePhotos}`), 80);
      setField(upload, 'crop', { bytes: crop, filename: 'crop.png' });
    }
    const { body, type } = upload.raw
      ? { body: upload.raw, type: upload.headers['content-type'] ?? '' }
      : await multipart(upload);
    const headers: Record<string, string> = {
      'content-type': type,
      cookie: user.cookie,
      'x-holocall-peer-address': address(),
      ...upload.headers,
    };
    const before = photoStore(app.config.dataDir);
    const res = await send(enrollRoute, 'POST', `${ORIGIN}/api/avatar`, headers, body);
    const what = `upload (${upload.what})`;
    const verdict = judge(res, what);
    if (upload.mustBe !== undefined && res.status !== upload.mustBe) {
      throw new FuzzCrash(`${what}: answered ${res.status}, must be ${upload.mustBe}`);
    }
    const avatar = await app.db.prisma.avatar.findUnique({ where: { ownerId: user.userId } });
    if (verdict.outcome === 'refused') {
      const changed = changedShards(app.config.dataDir, before, photoStore(app.config.dataDir));
      if (changed.length > 0)
        throw new FuzzCrash(`${what}: refused ${res.status} but the store changed: ${changed.join('; ')}`);
      if ((avatar?.id ?? null) !== user.avatarId)
        throw new FuzzCrash(`${what}: refused ${res.status} but the avatar changed`);
    } else {
      if (res.status !== 201 || !avatar) throw new FuzzCrash(`${what}: answered ${res.status} without an avatar`);
      if (!fs.existsSync(contentPath(app.config.dataDir, avatar.photoHash))) {
        throw new FuzzCrash(`${what}: accepted but its photo is not stored`);
      }
      user.avatarId = avatar.id;
      const sent = upload.fields.find(([key]) => key === 'photo')?.[1];
      if (sent && typeof sent !== 'string') lastAccepted = { userId: user.userId, photo: sent.bytes };
    }
    return verdict;
  }

  async function avatarRouteCase(random: Random): Promise<Verdict> {
    const user = await current();
    const ids = [
      user.avatarId ?? 'a_missing',
      'a_missing',
      '',
      '..',
      '../../etc/passwd',
      '%2e%2e',
      longString(random, [64, 4096]),
      ...UNICODE_SAMPLES,
    ];
    const id = random() < 0.3 && user.avatarId ? mutateText(random, user.avatarId) : pick(random, ids);
    const cookie =
      random() < 0.85 ? user.cookie : pick(random, ['', 'holocall_session=garbage', '%%%', user.cookie.slice(0, -3)]);
    const headers = { cookie, 'x-holocall-peer-address': address() };
    const [name, handler] = pick(random, [
      ['avatar source', avatarSourceRoute],
      ['avatar photo', avatarPhotoRoute],
      ['avatar crop', avatarCropRoute],
      ['my avatar', myAvatarRoute],
    ] as const);
    const res = await send(handler, 'GET', `${ORIGIN}/api/avatars/x`, headers, undefined, { id });
    return judge(res, `${name} ${preview(id, 60)}`);
  }

  return {
    run: (random) => (random() < 0.85 ? uploadCase(random) : avatarRouteCase(random)),
    async stillServes() {
      account = undefined;
      const user = await current();
      const upload = validUpload(uniquePhoto());
      const { body, type } = await multipart(upload);
      const res = await send(
        enrollRoute,
        'POST',
        `${ORIGIN}/api/avatar`,
        { 'content-type': type, cookie: user.cookie, origin: ORIGIN, 'x-holocall-peer-address': address() },
        body,
      );
      if (res.status !== 201) throw new Error(`a valid upload answered ${res.status}: ${preview(res.body)}`);
      account = undefined;
    },
  };
}
