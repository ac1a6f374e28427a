#!/usr/bin/env node
// The one setup step both README commands run (`npm start`, `npm test`).
// Idempotent: every step checks whether its work is already done and skips it,
// so a second run takes seconds. Only Node built-ins here: it runs before npm install.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { aptPackagesStep } from './setup/apt.mjs';
import { mediasoupWorkerStep } from './setup/mediasoup-worker.mjs';
import { modelsStep } from './setup/models.mjs';
import { npmInstallStep } from './setup/npm-install.mjs';
import { prismaStep } from './setup/prisma.mjs';
import { hashFiles } from './setup/util.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const allSteps = [
  ['Debian packages', aptPackagesStep],
  ['npm install', npmInstallStep],
  ['mediasoup worker', mediasoupWorkerStep],
  ['Prisma client', prismaStep],
  ['generated models', modelsStep],
];
/**
 * `--only=node`: what a participant's inference node needs (`npm run node`), no more: no Debian
 * packages (they serve the SFU build and the tests), no mediasoup worker, no Prisma client.
 */
const ONLY = { node: new Set(['npm install', 'generated models']) };
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
if (only !== undefined && !(only in ONLY)) {
  console.error(`setup: unknown --only=${only} (known: ${Object.keys(ONLY).join(', ')})`);
  process.exit(2);
}
const steps = only ? allSteps.filter(([name]) => ONLY[only].has(name)) : allSteps;

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 10)) {
    throw new Error(`Node ${process.versions.node} is too old: HoloCall needs Node 20.10 or newer`);
  }
}

async function main() {
  checkNode();
  const started = Date.now();
  const ctx = { root, hash: (files) => hashFiles(root, files), log: (msg) => console.log(`  ${msg}`) };
  for (const [name, step] of steps) {
    const t0 = Date.now();
    const outcome = await step(ctx);
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    console.log(`setup: ${name}: ${outcome} (${secs} s)`);
  }
  console.log(`setup: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error) => {
  console.error(`\nsetup failed: ${error.message}`);
  process.exit(1);
});
