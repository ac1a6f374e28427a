/**
 * The inference node's binary envelopes (`decodeInferenceEnvelope`), fuzzed with byte-level
 * mutations of valid driver-frame, enrollment and (a few) tri-plane envelopes, judged by the
 * layout restated independently (referenceEnvelope in test/support/message-oracles.ts): a
 * valid envelope decodes to what the layout reads and re-encodes to the same content; anything
 * else is refused with malformed_frame (with details.reason) or too_large, as the layout says.
 */
import { describe, expect, it } from 'vitest';
import { preview, runFuzz } from './support/fuzz';
import { envelopeCase, envelopeInput } from './support/protocol-fuzz-cases';

const SEED = 0xe_17e_10;
const CASES = 15_000;
/** Tri-plane envelopes are 25 MiB: a handful of header mutations per run. */
const TRIPLANE_SHARE = 0.0005;

describe('inference envelope fuzz', () => {
  it(`mutated valid envelopes (${CASES}, seed ${SEED.toString(16)})`, async () => {
    const tally = await runFuzz({
      boundary: 'inference-envelope',
      seed: SEED,
      cases: CASES,
      stopOnCrash: true,
      run: (random) => envelopeCase(random, TRIPLANE_SHARE),
      describe: (random) => preview(envelopeInput(random, TRIPLANE_SHARE)),
    });
    expect(tally.crashes).toBe(0);
    expect(tally.accepted).toBeGreaterThan(CASES / 20);
    expect(tally.refused).toBeGreaterThan(CASES / 2);
  }, 30_000);
});
