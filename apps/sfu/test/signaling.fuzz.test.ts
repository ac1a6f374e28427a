/**
 * A real SFU's SignalingConnection fuzzed over socket.io (test/support/signaling-fuzz.ts): one
 * socket per batch joins, sets capabilities and creates two transports, then sends mutated
 * requests with real ids (some on unknown events, with binary attachments, or unacknowledged).
 * Every acknowledgement is a SignalingAck; no error is `internal`; every request the independent
 * spec calls invalid is refused with bad_request or too_large; the socket is not dropped; and
 * each batch's fresh socket still joins and is served. The bulk of schema fuzzing is in
 * packages/protocol/test/signaling.fuzz.test.ts.
 */
import { runFuzz } from '@holocall/protocol/test-support/fuzz';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SfuHandle } from '../src/start-sfu';
import { startTestSfu } from './support/sfu-fixture';
import { CASES_PER_SOCKET, signalingSocketFuzz } from './support/signaling-fuzz';

const SEED = 0x5f_05;
const CASES = CASES_PER_SOCKET * 60;

describe('SFU signaling socket fuzz', () => {
  let sfu: SfuHandle;
  beforeAll(async () => {
    sfu = await startTestSfu();
  });
  afterAll(async () => {
    await sfu?.close();
  });

  it(`mutated requests on joined sockets (${CASES}, seed ${SEED.toString(16)})`, async () => {
    const fuzz = signalingSocketFuzz(sfu);
    const tally = await runFuzz({
      boundary: 'sfu-signaling',
      seed: SEED,
      cases: CASES,
      stopOnCrash: true,
      run: (random, index) => fuzz.run(random, index),
    });
    await fuzz.close();
    expect(tally.crashes).toBe(0);
    expect(tally.accepted).toBeGreaterThan(CASES / 50);
    expect(tally.refused).toBeGreaterThan(CASES / 3);
  }, 120_000);
});
