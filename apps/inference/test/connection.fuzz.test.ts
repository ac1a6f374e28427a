/**
 * The inference node's Connection fuzzed in-process (real node, render stage and lift worker):
 * mutated JSON messages, mutated text and mutated binary envelopes, each followed by a ping that
 * must be answered. Every reply must fit the node's message schema, every error must carry an
 * expected code (never `internal`), every message the independent spec or envelope layout calls
 * invalid must be refused, and the connection must stay open. A failure names seed and case.
 */

import { runFuzz } from '@holocall/protocol/test-support/fuzz';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectionFuzz, startConnectionFuzz } from './support/connection-fuzz';

const SEED = 0xc0_22ec;
const CASES = 1500;

describe('inference connection fuzz', () => {
  let fuzz: ConnectionFuzz;
  beforeAll(async () => {
    fuzz = await startConnectionFuzz();
  }, 60_000);
  afterAll(async () => {
    await fuzz?.close();
  });

  it(`mutated messages and envelopes on one connection (${CASES}, seed ${SEED.toString(16)})`, async () => {
    const tally = await runFuzz({
      boundary: 'inference-connection',
      seed: SEED,
      cases: CASES,
      stopOnCrash: true,
      run: (random, index) => fuzz.run(random, index),
      describe: (random) => fuzz.describe(random),
    });
    expect(tally.crashes).toBe(0);
    expect(tally.accepted).toBeGreaterThan(CASES / 20);
    expect(tally.refused).toBeGreaterThan(CASES / 3);
  }, 120_000);
});
