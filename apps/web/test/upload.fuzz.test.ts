/**
 * The web app's upload endpoint and avatar routes fuzzed in-process through their route
 * handlers (real PGlite, real photo store; test/support/upload-fuzz.ts): mutated multipart
 * fields, photo and crop bytes, raw multipart bodies and headers; mutated avatar ids and
 * cookies. Only typed 4xx answers (never a 5xx), nothing stored for a refused upload, and a
 * valid upload still accepted after every batch. A failure names seed and case.
 */
import { runFuzz } from '@holocall/protocol/test-support/fuzz';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/app';
import { uploadFuzz } from './support/upload-fuzz';

const SEED = 0x0b_10ad;
const CASES = 150;

describe('upload endpoint fuzz', () => {
  const app = useTestApp();

  it(`mutated uploads and avatar requests (${CASES}, seed ${SEED.toString(16)})`, async () => {
    const fuzz = uploadFuzz(app);
    const tally = await runFuzz({
      boundary: 'web-upload',
      seed: SEED,
      cases: CASES,
      stopOnCrash: true,
      run: (random, index) => fuzz.run(random, index),
      checkpoint: { every: 50, check: () => fuzz.stillServes() },
    });
    expect(tally.crashes).toBe(0);
    expect(tally.accepted).toBeGreaterThan(CASES / 50);
    expect(tally.refused).toBeGreaterThan(CASES / 3);
  }, 120_000);
});
