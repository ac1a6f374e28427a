/**
 * The enrollment image decoder the lift worker runs (decodeEnrollmentImage, after the protocol's
 * checkEnrollmentImage as in the node), fuzzed with structure-aware mutations of valid PNGs and
 * JPEGs (test/support/image-fuzz.ts): each case ends in a typed refusal with an enrollment
 * reason or an RGBA image within the photo limits at the header's displayed size, in bounded
 * time. A failure names seed and case.
 */
import { preview, runFuzz } from '@holocall/protocol/test-support/fuzz';
import { describe, expect, it } from 'vitest';
import { imageCase, imageInput, imageSeeds } from './support/image-fuzz';

const SEED = 0x1_3a6e;
const CASES = 500;

describe('enrollment image decoder fuzz', () => {
  it(`mutated valid PNGs and JPEGs (${CASES}, seed ${SEED.toString(16)})`, async () => {
    const seeds = imageSeeds();
    let slowestMs = 0;
    const tally = await runFuzz({
      boundary: 'decode-image',
      seed: SEED,
      cases: CASES,
      stopOnCrash: true,
      run: (random) => {
        const verdict = imageCase(random, seeds);
        slowestMs = Math.max(slowestMs, verdict.ms);
        return verdict;
      },
      describe: (random) => preview(imageInput(random, seeds)),
    });
    expect(tally.crashes).toBe(0);
    expect(tally.accepted).toBeGreaterThan(CASES / 20);
    expect(tally.refused).toBeGreaterThan(CASES / 3);
  }, 120_000);
});
