// Builds the mediasoup 3.12.16 C++ worker against Debian's libraries, once per machine.
//
// mediasoup's own postinstall tries a GitHub prebuilt and then meson subprojects that
// download sources; neither works offline. Instead, the stand-in subprojects in
// scripts/mediasoup-subprojects/ (one folder per .wrap, named by its `directory=`)
// declare each dependency from pkg-config under the variable names the worker reads.
// The binary is cached outside the checkout (keyed by the stand-ins and the Debian library
// versions) and copied into node_modules, so fresh clones and reinstalls reuse it.
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir, capture, run } from './util.mjs';

const LIB_PACKAGES = [
  'libsrtp2-dev',
  'libusrsctp-dev',
  'libuv1-dev',
  'libabsl-dev',
  'nlohmann-json3-dev',
  'libssl-dev',
];

function listFiles(dir) {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

function cacheKey(ctx, version, standIns) {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format string, not a template
  const libs = capture('dpkg-query', ['-W', '-f=${Package}=${Version};', ...LIB_PACKAGES]).stdout;
  const stamp = path.join(ctx.root, '.cache', 'mediasoup-libs.txt');
  fs.mkdirSync(path.dirname(stamp), { recursive: true });
  fs.writeFileSync(stamp, `${version}\n${libs}\n`);
  return `${version}-${ctx.hash([stamp, ...listFiles(standIns)])}`;
}

function sameFile(a, b) {
  if (!fs.existsSync(a) || !fs.existsSync(b)) return false;
  if (fs.statSync(a).size !== fs.statSync(b).size) return false;
  return fs.readFileSync(a).equals(fs.readFileSync(b));
}

function buildWorker(ctx, pkgDir, standIns, target) {
  const workerDir = path.join(pkgDir, 'worker');
  const subprojects = path.join(workerDir, 'subprojects');
  for (const name of fs.readdirSync(standIns)) {
    fs.cpSync(path.join(standIns, name), path.join(subprojects, name), { recursive: true, force: true });
  }
  const logFile = path.join(ctx.root, '.cache', 'logs', 'mediasoup-worker-build.log');
  ctx.log(`building the mediasoup worker from source (about 4 minutes on 2 cores; log: ${logFile})`);
  run('make', ['-C', workerDir], {
    env: {
      MEDIASOUP_SKIP_WORKER_PREBUILT_DOWNLOAD: '1',
      MESON_ARGS: '--wrap-mode=nodownload',
      // The versions mediasoup pins are not in the local wheel mirror; these are and work.
      MESON_VERSION: '1.12.1',
      NINJA_VERSION: '1.13.2',
      MEDIASOUP_WORKER_BIN: '',
    },
    logFile,
  });
  const built = path.join(workerDir, 'out', 'Release', 'mediasoup-worker');
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const partial = `${target}.partial-${process.pid}`;
  fs.copyFileSync(built, partial);
  fs.chmodSync(partial, 0o755);
  fs.renameSync(partial, target);
  // The object files are 100+ MB and the binary now lives in the cache.
  fs.rmSync(path.join(workerDir, 'out', 'Release', 'build'), { recursive: true, force: true });
}

/** Where this machine's build of the worker for this checkout's mediasoup and stand-ins lives. */
export function cachedWorkerPath(ctx) {
  const pkgDir = path.join(ctx.root, 'node_modules', 'mediasoup');
  const { version } = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  const standIns = path.join(ctx.root, 'scripts', 'mediasoup-subprojects');
  return path.join(cacheDir(), `mediasoup-worker-${cacheKey(ctx, version, standIns)}`, 'mediasoup-worker');
}

export async function mediasoupWorkerStep(ctx) {
  const pkgDir = path.join(ctx.root, 'node_modules', 'mediasoup');
  const { version } = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  const standIns = path.join(ctx.root, 'scripts', 'mediasoup-subprojects');
  const cached = cachedWorkerPath(ctx);
  const installed = path.join(pkgDir, 'worker', 'out', 'Release', 'mediasoup-worker');
  let outcome = 'cached build reused';
  if (!fs.existsSync(cached)) {
    buildWorker(ctx, pkgDir, standIns, cached);
    outcome = `built ${version} and cached`;
  } else if (sameFile(cached, installed)) {
    return 'up to date';
  }
  fs.mkdirSync(path.dirname(installed), { recursive: true });
  fs.copyFileSync(cached, installed);
  fs.chmodSync(installed, 0o755);
  return outcome;
}
