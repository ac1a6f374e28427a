import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, HolocallError } from '@holocall/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { POST as enrollRoute } from '../src/app/api/avatar/route';
import { GET as avatarPhoto } from '../src/app/api/avatars/[id]/photo/route';
import { POST as signInRoute } from '../src/app/api/session/route';
import * as store from '../src/server/enrollment/content-store';
import { call, signIn, useTestApp } from './support/app';
import { syntheticLandmarks } from './support/landmarks';
import { photoPng } from './support/photos';

/**
 * The photo store's removal can be held at its start (after the caller found the file unused,
 * before anything is removed), so a test can run a re-upload of the same bytes in that gap.
 */
const hold = vi.hoisted(() => ({ next: null as null | { reached: () => void; release: Promise<void> } }));
vi.mock('../src/server/enrollment/content-store', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/server/enrollment/content-store')>();
  return {
    ...real,
    removeContent: async (...args: Parameters<typeof real.removeContent>) => {
      const held = hold.next;
      if (held) {
        hold.next = null;
        held.reached();
        await held.release;
      }
      return real.removeContent(...args);
    },
  };
});

/** Arms the hold; `reached` resolves when a removal is waiting, `release()` lets it go on. */
function holdNextRemoval(): { reached: Promise<void>; release: () => void } {
  let reached!: () => void;
  let release!: () => void;
  const reachedPromise = new Promise<void>((resolve) => {
    reached = resolve;
  });
  hold.next = { reached, release: new Promise<void>((resolve) => (release = resolve)) };
  return { reached: reachedPromise, release };
}

function form(photo: Uint8Array): FormData {
  const data = new FormData();
  data.set('photo', new Blob([photo as BlobPart]), 'me.png');
  data.set('landmarks', JSON.stringify(syntheticLandmarks()));
  data.set('displayWidth', '640');
  data.set('displayHeight', '480');
  return data;
}

afterEach(() => {
  hold.next = null;
  vi.restoreAllMocks();
});

describe('photo store', () => {
  const app = useTestApp();
  const enroll = (cookie: string, photo: Uint8Array) =>
    call(enrollRoute, 'POST', '/api/avatar', { cookie, body: form(photo) });

  it('fsyncs a new file before renaming it into place, and its folder after', async () => {
    const events: string[] = [];
    const open = fsp.open.bind(fsp);
    vi.spyOn(fsp, 'open').mockImplementation(async (file, ...rest) => {
      const handle = await open(file, ...rest);
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        events.push(`sync ${String(file).endsWith('.tmp') ? 'temp' : 'dir'}`);
        return sync();
      };
      return handle;
    });
    const rename = fsp.rename.bind(fsp);
    vi.spyOn(fsp, 'rename').mockImplementation(async (from, to) => {
      events.push('rename');
      return rename(from, to);
    });
    await store.storeContent(app.config.dataDir, new TextEncoder().encode('bytes that must survive a crash'));
    expect(events).toEqual(['sync temp', 'rename', 'sync dir']);
  });

  it('refuses to read a file whose bytes no longer match their hash, and the route does not serve it', async () => {
    const { cookie } = await signIn(signInRoute, 'Ada');
    const photo = photoPng(640, 480, 900);
    const res = await enroll(cookie, photo);
    expect(res.status).toBe(201);
    const hash = store.contentHash(photo);
    const file = store.contentPath(app.config.dataDir, hash);
    const damaged = fs.readFileSync(file);
    const middle = damaged.length >> 1;
    damaged.writeUInt8(damaged.readUInt8(middle) ^ 0xff, middle);
    fs.writeFileSync(file, damaged);

    const error = await store.readContent(app.config.dataDir, hash).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HolocallError);
    expect(error).toMatchObject({ code: ErrorCode.Internal, details: { reason: 'content_corrupted' } });

    const served = await call(avatarPhoto, 'GET', '/', { cookie, params: { id: res.body.avatar.avatarId } });
    expect(served.status).toBe(500);
    expect(served.body.error).toMatchObject({ code: 'internal', details: { reason: 'content_corrupted' } });
    expect(served.headers.get('content-type')).toContain('application/json');

    // Storing the same bytes again repairs it.
    await store.storeContent(app.config.dataDir, photo);
    expect(fs.readFileSync(file)).toEqual(Buffer.from(photo));
    expect((await call(avatarPhoto, 'GET', '/', { cookie, params: { id: res.body.avatar.avatarId } })).status).toBe(
      200,
    );
  });

  it('keeps a photo that is re-uploaded while the cleanup of its old owner is removing it', async () => {
    const photo = photoPng(640, 480, 901);
    const file = store.contentPath(app.config.dataDir, store.contentHash(photo));
    const grace = await signIn(signInRoute, 'Grace');
    const alan = await signIn(signInRoute, 'Alan');
    expect((await enroll(grace.cookie, photo)).status).toBe(201);

    // Grace re-enrolls another photo: her old one is unused, and its removal is held there.
    const held = holdNextRemoval();
    const replacing = enroll(grace.cookie, photoPng(640, 480, 902));
    await held.reached;

    // In that gap Alan enrolls the same bytes (no one owns them now): the file is there, so it is not written.
    const reupload = await enroll(alan.cookie, photo);
    expect(reupload.status).toBe(201);

    // The cleanup goes on, and must not take Alan's photo with it.
    held.release();
    expect((await replacing).status).toBe(201);
    expect(fs.existsSync(file)).toBe(true);
    const served = await call(avatarPhoto, 'GET', '/', {
      cookie: alan.cookie,
      params: { id: reupload.body.avatar.avatarId },
    });
    expect(served.status).toBe(200);
    expect(fs.readdirSync(path.dirname(file)).filter((name) => name.includes('.unused'))).toEqual([]);
  });

  it('removes a file that stays unused, and puts back one that is in use again once moved aside', async () => {
    const dataDir = app.config.dataDir;
    const hash = await store.storeContent(dataDir, new TextEncoder().encode('unused'));
    expect(await store.removeContent(dataDir, hash, async () => true)).toBe(true);
    expect(fs.existsSync(store.contentPath(dataDir, hash))).toBe(false);
    const kept = await store.storeContent(dataDir, new TextEncoder().encode('in use again'));
    expect(await store.removeContent(dataDir, kept, async () => false)).toBe(false);
    expect(await store.readContent(dataDir, kept)).toEqual(Buffer.from('in use again'));
  });
});
