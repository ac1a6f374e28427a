/**
 * The inference node's JSON messages (`parseMessage(InferenceClientMessage, …)`), fuzzed with
 * structure-aware mutations of one valid example of every message and judged by an independent
 * spec (test/support/message-oracles.ts): accepted iff the spec calls the message valid,
 * refused only with bad_request. The node's Connection is fuzzed in apps/inference/test.
 */
import { describe, expect, it } from 'vitest';
import { runFuzz } from './support/fuzz';
import { inferenceMessageCase } from './support/protocol-fuzz-cases';

const SEED = 0x1fe_7e5;
const CASES = 15_000;

describe('inference message fuzz', () => {
  it(`mutated valid messages (${CASES}, seed ${SEED.toString(16)})`, async () => {
    const tally = await runFuzz({
      boundary: 'inference-json',
      seed: SEED,
      cases: CASES,
      stopOnCrash: true,
      run: inferenceMessageCase,
    });
    expect(tally.crashes).toBe(0);
    expect(tally.accepted).toBeGreaterThan(CASES / 20);
    expect(tally.refused).toBeGreaterThan(CASES / 2);
  }, 30_000);
});
