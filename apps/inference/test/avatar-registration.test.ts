import { readFileSync } from 'node:fs';
import { FIXTURE_PHOTO_PATH, fixtureLandmarks } from '@holocall/face/node';
import { avatarContentHash, type DriverFrame, type ViewSpec } from '@holocall/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_BACKEND_INFO } from '../src/backends/reference';
import { ReferenceReenact } from '../src/backends/reference/reenact';
import { createLogger } from '../src/log';
import { type FrameSink, InferenceNode } from '../src/node';
import { CpuRenderStage } from '../src/render/cpu-render-stage';
import { RenderPool } from '../src/render/render-pool';
import type { RenderedFrame } from '../src/stages/contract';
import { MOUTH_OPEN } from './support/reference-fixtures';

/**
 * The node's one registration path for an enrolled face (the lift job in the lift worker, into
 * the avatar cache), driven through InferenceNode's own surface as the API drives it, with the
 * reference reenact stage alone (no pose-only fallback: a source it cannot drive fails the frame).
 */
const INPUT = {
  image: new Uint8Array(readFileSync(FIXTURE_PHOTO_PATH)),
  landmarks: Float32Array.from(fixtureLandmarks('astronaut')),
  landmarkSpace: { width: 512, height: 512 },
};
/** The enrolled avatar's content hash, as the web app declares it. */
const HASH = await avatarContentHash(INPUT);
const VIEW: ViewSpec = { kind: 'flat', width: 128, height: 128 };

/** A FrameSink that keeps a copy of each delivered image and every failure. */
class RecordingSink implements FrameSink {
  readonly id = 1;
  readonly images: Uint8Array[] = [];
  readonly failures: unknown[] = [];
  senderSetup() {
    return { cacheKey: HASH, view: VIEW };
  }
  quality() {
    return 'high' as const;
  }
  canSend() {
    return true;
  }
  deliver(_peerId: string, _frame: DriverFrame, rendered: RenderedFrame) {
    this.images.push(rendered.pixels.slice());
  }
  fail(_peerId: string, error: unknown) {
    this.failures.push(error);
  }
  recordFrameTime() {}
}

function frame(seq: number, code: Float32Array | null): DriverFrame {
  return {
    seq,
    captureTimeMs: 1_700_000_000_000 + seq,
    pose: { rotation: [0, 0, 0], translation: [0, 0, 0.6] },
    expression: code ? { kind: 'landmarks', code } : { kind: 'none' },
  };
}

describe('registering an enrolled sender (the node lifts it once, then reenacts it)', () => {
  let node: InferenceNode;
  beforeAll(async () => {
    const stage = new CpuRenderStage(await RenderPool.start(0));
    node = new InferenceNode(stage, new ReferenceReenact(), 256 * 1024 * 1024, createLogger({}, 'silent'));
  });
  afterAll(async () => {
    await node.close();
  });

  it('lifts once from the enrolled photo, caches it in the node, and reenacts it', async () => {
    const input = INPUT;
    expect(node.registerFromCache(HASH)).toBe(false);
    const first = await node.registerEnrollment(HASH, input, () => {});
    expect(first.lifted).toBe(true);
    const cache = node.stats().cache as { entries: number; bytes: number };
    expect(cache.entries).toBe(1);
    expect(cache.bytes).toBeGreaterThan(24 * 1024 * 1024);
    const again = await node.registerEnrollment(HASH, input, () => {});
    expect(again.lifted).toBe(false);
    // Cached with its reference model: ready without an image.
    expect(node.registerFromCache(HASH)).toBe(true);

    // Reenacted: an open-mouth code renders a different image than the source expression.
    const sink = new RecordingSink();
    node.submitFrame(sink, 'p1', frame(1, null));
    await node.framesIdle();
    node.submitFrame(sink, 'p1', frame(2, MOUTH_OPEN));
    await node.framesIdle();
    expect(sink.failures).toEqual([]);
    expect(sink.images.length).toBe(2);
    const [neutral, open] = sink.images as [Uint8Array, Uint8Array];
    let changed = 0;
    for (let i = 0; i < neutral.length; i++) if (neutral[i] !== open[i]) changed++;
    expect(changed).toBeGreaterThan(0);
    expect((node.stats() as { reenact: string }).reenact).toBe(REFERENCE_BACKEND_INFO.reenact);
  }, 30_000);

  it('refuses a lift whose content is not the hash it is registered under, and caches nothing for it', async () => {
    const other = 'cd'.repeat(32);
    await expect(node.registerEnrollment(other, INPUT, () => {})).rejects.toMatchObject({
      code: 'bad_request',
      details: { reason: 'avatar_hash_mismatch' },
    });
    expect(node.hasAvatar(other)).toBe(false);
    expect(node.registerFromCache(other)).toBe(false);
  });

  it('says in its name that it is the classical reference model, not trained weights', () => {
    expect(REFERENCE_BACKEND_INFO.trained).toBe(false);
    expect(REFERENCE_BACKEND_INFO.label).toMatch(/classical/i);
    expect(new ReferenceReenact().name).toMatch(/reference-classical/);
  });
});
