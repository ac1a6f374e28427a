// npm install, skipped when no manifest or the lockfile changed since the last one.
// Install-script policy: package.json's allowScripts. mediasoup's postinstall is denied
// (it would try a GitHub prebuilt; the worker is built by the next step instead) and so is
// onnxruntime-node's (it only downloads CUDA libraries; CPU and WebGPU ship in the package).
import fs from 'node:fs';
import path from 'node:path';
import { readStamp, run, writeStamp } from './util.mjs';

function manifests(root) {
  const files = [path.join(root, 'package.json'), path.join(root, 'package-lock.json')];
  for (const group of ['apps', 'packages']) {
    const dir = path.join(root, group);
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir).sort()) files.push(path.join(dir, name, 'package.json'));
  }
  files.push(path.join(root, 'test', 'package.json'), path.join(root, 'prisma', 'package.json'));
  return files;
}

export async function npmInstallStep(ctx) {
  const stampFile = path.join(ctx.root, 'node_modules', '.holocall-install-stamp');
  const key = ctx.hash(manifests(ctx.root));
  if (readStamp(stampFile) === key) return 'up to date';
  // `npm install`, not `npm ci`: it follows the lockfile just the same, and `npm ci` refuses
  // lockfiles that leave out other platforms' optional packages (Biome's), as npm 11 writes them.
  ctx.log('npm install (manifests changed or first run)');
  run('npm', ['install', '--no-audit', '--no-fund'], {
    cwd: ctx.root,
    env: { ONNXRUNTIME_NODE_INSTALL: 'skip', MEDIASOUP_WORKER_BIN: '/dev/null/built-by-setup' },
    logFile: path.join(ctx.root, '.cache', 'logs', 'npm-install.log'),
  });
  // npm install may rewrite the lockfile: stamp what is there now.
  writeStamp(stampFile, ctx.hash(manifests(ctx.root)));
  return 'installed';
}
