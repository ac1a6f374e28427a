/**
 * Signaling requests as the SFU validates them (`parseMessage(SignalingRequest, …)`), fuzzed
 * with structure-aware mutations of one valid example of every request type and judged by an
 * independent spec of the documented fields and limits (test/support/message-oracles.ts):
 * accepted iff the spec calls the message valid, refused only with bad_request. A failure
 * names the seed and the case; `caseRandom(seed, index)` replays it. The long run is
 * `npm run bench -- fuzz`; the real SFU's socket is fuzzed in apps/sfu/test/signaling.fuzz.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { runFuzz } from './support/fuzz';
import { signalingRequestCase } from './support/protocol-fuzz-cases';

const SEED = 0x51_9a_11;
const CASES = 10_000;

describe('signaling request fuzz', () => {
  it(`mutated valid requests (${CASES}, seed ${SEED.toString(16)})`, async () => {
    const tally = await runFuzz({
      boundary: 'signaling',
      seed: SEED,
      cases: CASES,
      stopOnCrash: true,
      run: signalingRequestCase,
    });
    expect(tally.crashes).toBe(0);
    // The mutations must reach both outcomes, or the run proves little.
    expect(tally.accepted).toBeGreaterThan(CASES / 20);
    expect(tally.refused).toBeGreaterThan(CASES / 2);
  }, 30_000);
});
