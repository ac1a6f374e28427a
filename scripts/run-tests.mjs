#!/usr/bin/env node
// The whole test suite, after setup: typecheck, lint, each workspace's unit and
// integration tests (vitest, real mediasoup workers and ONNX sessions), then the
// Playwright end-to-end suites in real Chromium. Workspaces run one after another:
// on 2 cores, real-time media tests and CPU-heavy rendering tests should not compete.
// Ends with one "N passed, N failed" line over everything.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const reportDir = path.join(root, '.cache', 'test-reports');
fs.rmSync(reportDir, { recursive: true, force: true });
fs.mkdirSync(reportDir, { recursive: true });

const VITEST_WORKSPACES = [
  'packages/protocol',
  'packages/face',
  'packages/service',
  'apps/sfu',
  'apps/inference',
  'apps/web',
  'prisma',
];
const TYPECHECK_WORKSPACES = [...VITEST_WORKSPACES, 'test', 'bench', 'scripts'];

const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function step(name, cmd, args, options = {}) {
  const t0 = Date.now();
  console.log(`\n=== ${name}`);
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  const ok = result.status === 0;
  console.log(`=== ${name}: ${ok ? 'ok' : `FAILED (exit ${result.status ?? result.signal})`} in ${secs} s`);
  if (!ok) failures.push(name);
  return ok;
}

function existing(workspaces, marker) {
  return workspaces.filter((ws) => fs.existsSync(path.join(root, ws, marker)));
}

function countVitest(reportFile) {
  if (!fs.existsSync(reportFile)) return false;
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  totals.passed += report.numPassedTests ?? 0;
  totals.failed += report.numFailedTests ?? 0;
  totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  return true;
}

function countPlaywright(reportFile) {
  if (!fs.existsSync(reportFile)) return false;
  const { stats } = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  totals.passed += (stats?.expected ?? 0) + (stats?.flaky ?? 0);
  totals.failed += stats?.unexpected ?? 0;
  totals.skipped += stats?.skipped ?? 0;
  return true;
}

for (const ws of existing(TYPECHECK_WORKSPACES, 'tsconfig.json')) {
  step(`typecheck ${ws}`, bin('tsc'), ['-p', path.join(ws, 'tsconfig.json')]);
}
step('lint and format (biome)', bin('biome'), ['check', '.']);

for (const ws of existing(VITEST_WORKSPACES, 'package.json')) {
  const reportFile = path.join(reportDir, `${ws.replaceAll('/', '-')}.json`);
  step(
    `tests ${ws}`,
    bin('vitest'),
    ['run', '--passWithNoTests', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`],
    { cwd: path.join(root, ws) },
  );
  if (!countVitest(reportFile)) failures.push(`${ws}: no test report`);
}

if (fs.existsSync(path.join(root, 'test', 'playwright.config.ts'))) {
  const reportFile = path.join(reportDir, 'e2e.json');
  step('end-to-end (Playwright, Chromium)', bin('playwright'), ['test', '--config', 'test/playwright.config.ts'], {
    env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: reportFile, HOLOCALL_E2E_JSON: reportFile },
  });
  if (!countPlaywright(reportFile)) failures.push('e2e: no test report');
}

if (fs.existsSync(path.join(root, 'test', 'multi-host.config.ts'))) {
  const reportFile = path.join(reportDir, 'e2e-multi-host.json');
  step(
    'end-to-end across hosts (network namespaces)',
    bin('playwright'),
    ['test', '--config', 'test/multi-host.config.ts'],
    {
      env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: reportFile },
    },
  );
  if (!countPlaywright(reportFile)) failures.push('e2e multi-host: no test report');
}

console.log('');
if (failures.length > 0) console.log(`failed steps: ${failures.join('; ')}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failures.length > 0 || totals.failed > 0 ? 1 : 0);
