/**
 * Runs the product's browser tracker (src/browser/tracker.ts, @vladmandic/human + tfjs wasm)
 * in Debian's headless Chromium on images given as PNG bytes, from Node. Everything is served
 * from 127.0.0.1 by this process: the bundled page, human's model files and the tfjs wasm
 * binaries from node_modules. Nothing is fetched from anywhere else.
 *
 * Used by scripts/extract-landmarks.ts (fixture generation) and a slow test that re-runs it.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Debian's Chromium (never `playwright install`). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** A tracker run on a handful of stills takes seconds; this bounds a hung page. */
const PAGE_TIMEOUT_MS = 120_000;

export interface HarnessFace {
  landmarks: number[];
  humanAngles: { yaw: number; pitch: number; roll: number } | null;
  score: number;
  box: number[];
  cropSize: number;
}

export interface HarnessResult {
  backend: string;
  faces: Record<string, HarnessFace | null>;
  detectMs: Record<string, number>;
  /** Whether the detector ran on each image (worker mode; the page always detects). */
  detected: Record<string, boolean>;
}

/** A package's root folder (found from its resolved entry: some packages do not export package.json). */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Which way the page runs the tracker: in the page itself, or in tracker.worker.ts through TrackerClient. */
export type HarnessMode = 'page' | 'worker';

async function bundle(entry: string): Promise<string> {
  const out = await build({
    entryPoints: [join(here, entry)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.html': 'text/html',
};

function serve(files: { bundle: string; worker: string | null; images: Map<string, Uint8Array> }): Promise<Server> {
  const modelsDir = join(packageDir('@vladmandic/human'), 'models');
  const wasmDir = join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist');
  const html = '<!doctype html><meta charset="utf-8"><script type="module" src="/bundle.js"></script>';
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = decodeURIComponent(url.pathname);
    const ext = path.slice(path.lastIndexOf('.'));
    const send = (status: number, body: string | Uint8Array, type = 'text/plain') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    try {
      if (path === '/') return send(200, html, TYPES['.html']);
      if (path === '/bundle.js') return send(200, files.bundle, TYPES['.js']);
      if (path === '/worker.js' && files.worker) return send(200, files.worker, TYPES['.js']);
      if (path.startsWith('/img/')) {
        const img = files.images.get(path.slice(5));
        return img ? send(200, img, TYPES['.png']) : send(404, 'no such image');
      }
      for (const [prefix, dir] of [
        ['/models/', modelsDir],
        ['/wasm/', wasmDir],
      ] as const) {
        if (!path.startsWith(prefix)) continue;
        const file = normalize(join(dir, path.slice(prefix.length)));
        if (!file.startsWith(resolve(dir))) return send(403, 'forbidden');
        return send(200, await readFile(file), TYPES[ext] ?? 'application/octet-stream');
      }
      send(404, 'not found');
    } catch {
      send(404, 'not found');
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

/**
 * Runs the tracker on each named PNG; a face that was not found maps to null. In worker mode
 * `tracking` 'video' tracks the images in order as frames of one clip (the call page's options).
 */
export async function trackImages(
  images: Map<string, Uint8Array>,
  mode: HarnessMode = 'page',
  tracking: 'still' | 'video' = 'still',
): Promise<HarnessResult> {
  const page = mode === 'page' ? '../../scripts/extract-landmarks.page.ts' : '../../scripts/tracker-worker.page.ts';
  const [main, worker] = await Promise.all([
    bundle(page),
    mode === 'worker' ? bundle('../browser/tracker.worker.ts') : Promise.resolve(null),
  ]);
  const server = await serve({ bundle: main, worker, images });
  const { port } = server.address() as AddressInfo;
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext();
    // Nothing but this server: a request anywhere else (a CDN default) fails the run.
    await context.route(/^(?!http:\/\/127\.0\.0\.1:).*/, (route) => route.abort());
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => (window as unknown as { pageReady?: boolean }).pageReady === true, null, {
      timeout: PAGE_TIMEOUT_MS,
    });
    const names = [...images.keys()];
    const urls = names.map((n) => `/img/${encodeURIComponent(n)}`);
    const out = await page.evaluate(
      ([u, t]) =>
        (
          window as unknown as {
            extract: (
              u: string[],
              t: string,
            ) => Promise<{ backend: string; results: (HarnessFace | null)[]; ms: number[]; detected?: boolean[] }>;
          }
        ).extract(u, t),
      [urls, tracking] as const,
    );
    if (errors.length > 0) throw new Error(`tracker page errors: ${errors.join('; ')}`);
    const faces: Record<string, HarnessFace | null> = {};
    const detectMs: Record<string, number> = {};
    const detected: Record<string, boolean> = {};
    names.forEach((n, i) => {
      faces[n] = out.results[i] ?? null;
      detectMs[n] = out.ms[i] ?? 0;
      detected[n] = out.detected?.[i] ?? true;
    });
    return { backend: out.backend, faces, detectMs, detected };
  } finally {
    await browser.close();
    await new Promise((ok) => server.close(ok));
  }
}
