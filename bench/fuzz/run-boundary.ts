/**
 * Runs one fuzz boundary in this process (started by bench/fuzz.ts with --expose-gc, so the
 * memory columns are measured after a collection) and prints its tally as one JSON line.
 *
 *   npx tsx --expose-gc bench/fuzz/run-boundary.ts <name> <cases>
 */
import { runFuzz } from '@holocall/protocol/test-support/fuzz';
import { BOUNDARIES } from './boundaries';

const [name, cases] = process.argv.slice(2);
const spec = BOUNDARIES.find((b) => b.name === name);
if (!spec || !Number.isInteger(Number(cases))) {
  console.error(`usage: run-boundary.ts <${BOUNDARIES.map((b) => b.name).join('|')}> <cases>`);
  process.exit(2);
}
const boundary = await spec.open();
const tally = await runFuzz({
  boundary: spec.name,
  seed: spec.seed,
  cases: Number(cases),
  run: (random, index) => boundary.run(random, index),
  ...(boundary.checkpoint ? { checkpoint: boundary.checkpoint } : {}),
});
await boundary.close();
console.log(`FUZZ-TALLY ${JSON.stringify(tally)}`);
process.exit(0);
