#!/usr/bin/env node
// Runs the benchmarks under bench/ one after another; each prints its own table with a
// ratio against a baseline measured in the same run. `npm run bench -- <name>` runs the
// ones whose file name contains <name>. Extra flags after `--` go to every script.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(root, 'bench');
const args = process.argv.slice(2);
const filters = args.filter((arg) => !arg.startsWith('-'));
const flags = args.filter((arg) => arg.startsWith('-'));
const scripts = fs
  .readdirSync(benchDir)
  .filter((name) => name.endsWith('.ts'))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();

let failed = 0;
for (const name of scripts) {
  console.log(`\n### bench/${name}`);
  const result = spawnSync(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(benchDir, name), ...flags], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) failed += 1;
}
process.exit(failed > 0 ? 1 : 0);
