import fs from 'node:fs';
import { defineConfig } from '@playwright/test';
import { CHROMIUM_FLAGS, DATA_DIR, ensureCameraClip, services, WEB_ORIGIN } from './e2e/env';

/**
 * End-to-end suites in real Chromium (Debian's /usr/bin/chromium, never a downloaded one)
 * against the real services on test ports: the web app (migrate, build if needed, next start),
 * and the SFU and inference node when their entry points exist. The fake camera plays a clip
 * made from the face fixture. One worker: on 2 cores the services need the rest.
 */
const clip = ensureCameraClip();
// A fresh database and photo store for every run (the config is loaded once in the runner).
if (!process.env.TEST_WORKER_INDEX) fs.rmSync(DATA_DIR, { recursive: true, force: true });

export default defineConfig({
  testDir: './e2e',
  testMatch: '**/*.spec.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  reporter: [['list'], ['json']],
  outputDir: './.cache/test-results',
  use: {
    baseURL: WEB_ORIGIN,
    trace: 'retain-on-failure',
    permissions: ['camera', 'microphone'],
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        ...CHROMIUM_FLAGS,
        `--use-file-for-fake-video-capture=${clip}`,
        '--allow-loopback-in-peer-connection',
        // WebGL2 (the lenticular view) on the software rasteriser: there is no GPU here.
        '--enable-unsafe-swiftshader',
      ],
    },
  },
  webServer: services().map((service) => ({
    command: service.command,
    cwd: service.cwd,
    url: service.url,
    env: service.env,
    // The web app builds itself when its sources changed: minutes on 2 cores.
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: process.env.E2E_VERBOSE === '1' ? ('pipe' as const) : ('ignore' as const),
    stderr: 'pipe' as const,
    gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 5000 },
  })),
});
