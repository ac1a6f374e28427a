#!/usr/bin/env node
// What `npm start` runs for the web app (scripts/start.mjs starts it in apps/web):
//   1. the database migrate step (prisma/src/migrate-cli.ts: embedded PGlite, or DATABASE_URL);
//   2. the vendor files the browser tracker loads (models, wasm) into public/vendor;
//   3. `next build`, only when the sources changed since the last build (a stamp in .next);
//   4. scripts/web-server.mjs: Next's handler on WEB_HOST (default 127.0.0.1) and WEB_PORT, telling
//      the app each request's socket address.
// Each step logs one structured line; a failing step stops with its exit code.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyVendor } from './copy-vendor.mjs';
import { DEFAULT_WEB_HOST } from './web-server.mjs';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.resolve(appDir, '..', '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const STAMP = path.join(appDir, '.next', 'holocall-build-stamp');

/** Everything the production build depends on: a change in any of these rebuilds. */
const BUILD_INPUTS = [
  'apps/web/src',
  'apps/web/public',
  'apps/web/next.config.ts',
  'apps/web/package.json',
  'apps/web/tsconfig.json',
  'packages/protocol/src',
  'packages/face/src',
  'packages/service/src',
  'apps/sfu/src/tokens',
  'prisma/src',
  'prisma/schema.prisma',
  'package-lock.json',
];

const log = (msg, fields = {}) =>
  console.log(JSON.stringify({ t: new Date().toISOString(), level: 'info', component: 'web-serve', msg, ...fields }));

function filesUnder(rel) {
  const abs = path.join(root, rel);
  if (!fs.existsSync(abs)) return [];
  if (fs.statSync(abs).isFile()) return [rel];
  const out = [];
  for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    out.push(...filesUnder(path.join(rel, entry.name)));
  }
  return out;
}

export function sourceStamp() {
  const hash = createHash('sha256');
  for (const file of BUILD_INPUTS.flatMap(filesUnder).sort()) {
    hash.update(file);
    hash.update(fs.readFileSync(path.join(root, file)));
  }
  return hash.digest('hex');
}

function runStep(name, cmd, args, options = {}) {
  const t0 = Date.now();
  const result = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(
      JSON.stringify({ level: 'error', component: 'web-serve', msg: `${name} failed`, exit: result.status }),
    );
    process.exit(result.status ?? 1);
  }
  log(`${name} done`, { seconds: Number(((Date.now() - t0) / 1000).toFixed(1)) });
}

const port = process.env.WEB_PORT || '3000';
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };

runStep('migrate', bin('tsx'), [path.join(root, 'prisma', 'src', 'migrate-cli.ts')], { cwd: root, env });
copyVendor((msg) => log(msg));

const stamp = sourceStamp();
const built = fs.existsSync(path.join(appDir, '.next', 'BUILD_ID')) && fs.existsSync(STAMP);
if (built && fs.readFileSync(STAMP, 'utf8').trim() === stamp && process.env.HOLOCALL_FORCE_BUILD !== '1') {
  log('build is up to date');
} else {
  log('building the web app (sources changed since the last build)');
  runStep('next build', bin('next'), ['build'], { cwd: appDir, env });
  fs.writeFileSync(STAMP, `${stamp}\n`);
}

const host = process.env.WEB_HOST || DEFAULT_WEB_HOST;
log('starting', { host, port: Number(port) });
const server = spawn(process.execPath, [path.join(appDir, 'scripts', 'web-server.mjs')], {
  cwd: appDir,
  env: { ...env, WEB_HOST: host, WEB_PORT: port },
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
