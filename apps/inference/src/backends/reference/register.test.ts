import { fixtureLandmarks, loadFixturePhoto } from '@holocall/face/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../log';
import { InferenceNode } from '../../node';
import { CpuRenderStage } from '../../render/cpu-render-stage';
import { RenderPool } from '../../render/render-pool';
import { REFERENCE_BACKEND_INFO } from './index';
import { ReferenceReenact, referenceModelOf } from './reenact';
import { enrollmentFromPhoto, registerReferenceSender } from './register';
import { MOUTH_OPEN } from './test-helpers';

describe('registering a sender with the reference backend', () => {
  let node: InferenceNode;
  beforeAll(async () => {
    const stage = new CpuRenderStage(await RenderPool.start(0));
    node = new InferenceNode(stage, new ReferenceReenact(), 256 * 1024 * 1024, createLogger({}, 'silent'));
  });
  afterAll(async () => {
    await node.close();
  });

  it('lifts once from the enrolled photo, caches it in the node, and reenacts it', async () => {
    const input = enrollmentFromPhoto(loadFixturePhoto(), fixtureLandmarks('astronaut'));
    const first = await registerReferenceSender(node, 'avatar-1', input);
    expect(first.lifted).toBe(true);
    expect(first.bytes).toBeGreaterThan(24 * 1024 * 1024);
    const again = await registerReferenceSender(node, 'avatar-1', input);
    expect(again.lifted).toBe(false);
    const entry = node.cache.get('avatar-1')!;
    expect(referenceModelOf(entry.triplane)).toBeDefined();
    const residual = await node.reenact.residual({
      source: entry.triplane,
      sourceFace: entry.sourceFace,
      driver: { kind: 'landmarks', code: MOUTH_OPEN },
    });
    expect(residual).not.toBeNull();
    expect((node.stats() as { reenact: string }).reenact).toBe(REFERENCE_BACKEND_INFO.reenact);
  }, 30_000);

  it('says in its name that it is the classical reference model, not trained weights', () => {
    expect(REFERENCE_BACKEND_INFO.trained).toBe(false);
    expect(REFERENCE_BACKEND_INFO.label).toMatch(/classical/i);
    expect(new ReferenceReenact().name).toMatch(/reference-classical/);
  });
});
