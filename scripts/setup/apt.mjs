// Debian packages the product needs: Chromium (tests, fake camera), ffmpeg (test clips),
// the libraries the mediasoup worker links against, and PostgreSQL (the tests' second database).
import { capture, run } from './util.mjs';

export const DEBIAN_PACKAGES = [
  'chromium',
  'ffmpeg',
  'pkg-config',
  'libsrtp2-dev',
  'libusrsctp-dev',
  'libuv1-dev',
  'libabsl-dev',
  'nlohmann-json3-dev',
  'libssl-dev',
  'catch2',
  'postgresql',
  'python3-pip',
];

function missingPackages() {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format string, not a template
  const { stdout } = capture('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\n', ...DEBIAN_PACKAGES]);
  const installed = new Set(
    stdout
      .split('\n')
      .filter((line) => line.endsWith(' installed'))
      .map((line) => line.split(' ')[0]),
  );
  return DEBIAN_PACKAGES.filter((name) => !installed.has(name));
}

export async function aptPackagesStep(ctx) {
  if (capture('dpkg-query', ['--version']).status !== 0)
    return 'skipped: not a Debian system (install the equivalents by hand)';
  const missing = missingPackages();
  if (missing.length === 0) return 'all present';
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error(
      `missing Debian packages: ${missing.join(' ')}\nInstall them with: sudo apt-get install -y ${missing.join(' ')}`,
    );
  }
  ctx.log(`installing ${missing.join(' ')}`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
  return `installed ${missing.length}`;
}
