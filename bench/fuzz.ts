/**
 * Fuzzing every boundary at length: the same structure-aware mutations and independent oracles
 * as the short runs in `npm test` (packages/protocol/test/support/fuzz.ts and each workspace's
 * fuzz support), 100,000 cases per boundary by default, each boundary in its own process. Prints
 * cases, crashes (must be 0), typed refusals, accepted, memory (heap and RSS before, peak and
 * after a collection) and seconds; the first crash reports name boundary, seed and case.
 *
 *   npm run bench -- fuzz [--cases=100000] [--only=signaling-parse,decode-image]
 *
 * Exit status 1 when any boundary crashed or failed to run.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FuzzTally } from '@holocall/protocol/test-support/fuzz';
import { BOUNDARIES } from './fuzz/boundaries';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const value = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
const cases = Number(value('cases') ?? 100_000);
const only = value('only')?.split(',');
/** Heap left after the run (after a collection) beyond which a boundary counts as leaking. */
const HEAP_GROWTH_BOUND_MIB = 64;

const rows: { tally: FuzzTally | null; what: string; name: string; error?: string }[] = [];
for (const spec of BOUNDARIES.filter((b) => !only || only.includes(b.name))) {
  console.log(`fuzzing ${spec.name} (${spec.what}): ${cases} cases, seed 0x${spec.seed.toString(16)}`);
  const result = spawnSync(
    path.join(root, 'node_modules', '.bin', 'tsx'),
    ['--expose-gc', path.join(root, 'bench', 'fuzz', 'run-boundary.ts'), spec.name, String(cases)],
    {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: {
        ...process.env,
        LOG_LEVEL: 'error',
        ...(spec.tsconfig ? { TSX_TSCONFIG_PATH: path.join(root, spec.tsconfig) } : {}),
      },
    },
  );
  const line = result.stdout.split('\n').find((l) => l.startsWith('FUZZ-TALLY '));
  if (result.status !== 0 || !line) {
    rows.push({ tally: null, what: spec.what, name: spec.name, error: (result.stderr || result.stdout).slice(-2000) });
    console.log(`  failed to run (exit ${result.status}):\n${(result.stderr || result.stdout).slice(-2000)}`);
    continue;
  }
  const tally = JSON.parse(line.slice('FUZZ-TALLY '.length)) as FuzzTally;
  rows.push({ tally, what: spec.what, name: spec.name });
  for (const report of tally.crashReports) console.log(`  CRASH ${report}`);
}

const mib = (n: number) => n.toFixed(0);
console.log(
  '\n| boundary | cases | crashes | typed refusals | accepted | heap MiB before → peak → after | RSS MiB before → peak → after | s |',
);
console.log('|---|---:|---:|---:|---:|---|---|---:|');
let failed = 0;
for (const { tally, name } of rows) {
  if (!tally) {
    failed++;
    console.log(`| ${name} | – | did not run | | | | | |`);
    continue;
  }
  const m = tally.memory;
  const leaked = m.heapAfterMiB - m.heapBeforeMiB > HEAP_GROWTH_BOUND_MIB;
  if (tally.crashes > 0 || leaked) failed++;
  console.log(
    `| ${name} | ${tally.cases} | ${tally.crashes} | ${tally.refused} | ${tally.accepted} | ` +
      `${mib(m.heapBeforeMiB)} → ${mib(m.heapPeakMiB)} → ${mib(m.heapAfterMiB)}${leaked ? ' (grew)' : ''} | ` +
      `${mib(m.rssBeforeMiB)} → ${mib(m.rssPeakMiB)} → ${mib(m.rssAfterMiB)} | ${tally.seconds.toFixed(0)} |`,
  );
}
console.log('\nRefusals by code (and reason):');
for (const { tally, name } of rows) {
  if (!tally) continue;
  const top = Object.entries(tally.refusals)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  console.log(`- ${name}: ${top}`);
}
process.exit(failed > 0 ? 1 : 0);
