import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Cross-origin isolation (COOP + COEP). The tracker runs tfjs's single-threaded wasm build
 * today (see trackingOptions in @holocall/face/browser/tracker-client), so nothing needs
 * SharedArrayBuffer yet; the isolation is kept because it costs nothing here (everything the
 * page loads is served by this app, models and wasm under /vendor) and it keeps other origins'
 * windows and resources out of the call page.
 */
const isolationHeaders = [
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  { key: 'Cross-Origin-Embedder-Policy', value: 'require-corp' },
  { key: 'Cross-Origin-Resource-Policy', value: 'same-origin' },
];

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Workspace packages export TypeScript source; Next compiles them with the app (the face
  // tracker's Web Worker too: TrackerClient.spawn's `new Worker(new URL(...))` is in @holocall/face;
  // the page renderer's worker bundles @holocall/inference/page-engine).
  transpilePackages: [
    '@holocall/protocol',
    '@holocall/face',
    '@holocall/inference',
    '@holocall/db',
    '@holocall/sfu',
    '@holocall/service',
  ],
  // Loaded from node_modules at run time: PGlite reads its WASM and data files next to itself.
  serverExternalPackages: ['@electric-sql/pglite', 'pglite-prisma-adapter', 'pg', '@prisma/adapter-pg'],
  turbopack: { root: path.join(here, '..', '..') },
  outputFileTracingRoot: path.join(here, '..', '..'),
  typescript: { ignoreBuildErrors: true },
  // The JWKS (RFC 7517) at its well-known path; the handler lives at app/api/jwks.
  async rewrites() {
    return [{ source: '/.well-known/jwks.json', destination: '/api/jwks' }];
  },
  async headers() {
    return [{ source: '/:path*', headers: isolationHeaders }];
  },
};

export default config;
