/**
 * What the Chromium benches share: bundling entry points for the browser as the web app does
 * (esbuild, ESM, minified), and one 127.0.0.1 server for the bench page, its scripts, named
 * files and whole folders (models, wasm), optionally cross-origin isolated.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const BENCH_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Bundles each entry (path from the repository root) under its served name. */
export async function bundleForBrowser(entries: Record<string, string>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, entry] of Object.entries(entries)) {
    const result = await build({
      entryPoints: [path.join(BENCH_ROOT, entry)],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'chrome120',
      write: false,
      minify: true,
      logLevel: 'error',
    });
    out[name] = result.outputFiles[0]?.text ?? '';
  }
  return out;
}

const TYPES: Record<string, string> = {
  js: 'text/javascript',
  json: 'application/json',
  wasm: 'application/wasm',
  png: 'image/png',
  jpg: 'image/jpeg',
  bin: 'application/octet-stream',
  html: 'text/html',
};

export interface BenchSite {
  /** Served name (no leading slash) to script text; '/' loads main.js. */
  scripts: Record<string, string>;
  /** URL path to file (from the repository root). */
  files: Record<string, string>;
  /** URL prefix (ending in '/') to folder (from the repository root): any file name in it. */
  folders: Record<string, string>;
}

/**
 * Serves a bench site on 127.0.0.1 (a free port). Pages are cross-origin isolated unless the
 * page URL (or its referrer) carries `isolated=0`.
 */
export function serveBenchSite(site: BenchSite): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://bench');
    const isolated = url.searchParams.get('isolated') !== '0' && !req.headers.referer?.includes('isolated=0');
    const headers: Record<string, string> = isolated
      ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
      : {};
    const send = (body: string | Buffer, type: string) => {
      res.writeHead(200, { 'Content-Type': type, ...headers });
      res.end(body);
    };
    const p = url.pathname;
    const type = TYPES[p.split('.').pop() ?? ''] ?? 'text/plain';
    try {
      if (p === '/') return send('<!doctype html><script type="module" src="/main.js"></script>', TYPES.html as string);
      const script = site.scripts[p.slice(1)];
      if (script !== undefined) return send(script, TYPES.js as string);
      const file = site.files[p];
      if (file) return send(readFileSync(path.resolve(BENCH_ROOT, file)), type);
      for (const [prefix, folder] of Object.entries(site.folders)) {
        if (p.startsWith(prefix)) return send(readFileSync(path.join(BENCH_ROOT, folder, path.basename(p))), type);
      }
    } catch {
      // falls through to 404
    }
    res.writeHead(p === '/favicon.ico' ? 204 : 404, headers);
    res.end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
