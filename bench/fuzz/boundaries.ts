/**
 * The boundaries `npm run bench -- fuzz` runs, each as the same case its short run in `npm test`
 * uses (the fuzz support of each workspace), set up here outside vitest. Each returns the loop's
 * pieces; run-boundary.ts runs one of them in its own process.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Random, Verdict } from '@holocall/protocol/test-support/fuzz';
import {
  envelopeCase,
  inferenceMessageCase,
  signalingRequestCase,
} from '../../packages/protocol/test/support/protocol-fuzz-cases';

export interface Boundary {
  run(random: Random, index: number): Verdict | Promise<Verdict>;
  checkpoint?: { every: number; check(index: number): Promise<void> };
  close(): Promise<void>;
}

export interface BoundarySpec {
  name: string;
  /** What it calls, for the table's notes. */
  what: string;
  seed: number;
  /** Web boundaries resolve `@/` through the web app's tsconfig. */
  tsconfig?: string;
  open(): Promise<Boundary>;
}

const done = async () => {};
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** What the bench uses of apps/web/test/support/app.ts and upload-fuzz.ts. */
interface WebAppSupport {
  openTestApp(): Promise<{ close(): Promise<void> }>;
}
interface WebUploadSupport {
  uploadFuzz(app: unknown): {
    run(random: Random, index: number): Promise<Verdict>;
    stillServes(): Promise<void>;
  };
}

export const BOUNDARIES: readonly BoundarySpec[] = [
  {
    name: 'signaling-parse',
    what: 'parseMessage(SignalingRequest)',
    seed: 0x51_9a_12,
    open: async () => ({ run: signalingRequestCase, close: done }),
  },
  {
    name: 'sfu-socket',
    what: 'real SFU SignalingConnection over socket.io',
    seed: 0x5f_06,
    async open() {
      const { startTestSfu } = await import('../../apps/sfu/test/support/sfu-fixture');
      const { signalingSocketFuzz } = await import('../../apps/sfu/test/support/signaling-fuzz');
      const sfu = await startTestSfu();
      const fuzz = signalingSocketFuzz(sfu);
      return {
        run: (random, index) => fuzz.run(random, index),
        async close() {
          await fuzz.close();
          await sfu.close();
        },
      };
    },
  },
  {
    name: 'inference-json',
    what: 'parseMessage(InferenceClientMessage)',
    seed: 0x1fe_7e6,
    open: async () => ({ run: inferenceMessageCase, close: done }),
  },
  {
    name: 'inference-envelope',
    what: 'decodeInferenceEnvelope',
    seed: 0xe_17e_11,
    open: async () => ({ run: (random) => envelopeCase(random, 0.0005), close: done }),
  },
  {
    name: 'inference-connection',
    what: 'inference Connection in-process (real node)',
    seed: 0xc0_22ed,
    async open() {
      const { startConnectionFuzz } = await import('../../apps/inference/test/support/connection-fuzz');
      const fuzz = await startConnectionFuzz();
      return { run: (random, index) => fuzz.run(random, index), close: () => fuzz.close() };
    },
  },
  {
    name: 'decode-image',
    what: 'decodeEnrollmentImage (PNG, JPEG)',
    seed: 0x1_3a6f,
    async open() {
      const { imageCase, imageSeeds } = await import('../../apps/inference/test/support/image-fuzz');
      const seeds = imageSeeds();
      return { run: (random) => imageCase(random, seeds), close: done };
    },
  },
  {
    name: 'web-upload',
    what: 'POST /api/avatar and avatar routes (route handlers, PGlite)',
    seed: 0x0b_10ae,
    tsconfig: 'apps/web/tsconfig.json',
    async open() {
      // Loaded by path, not by a literal import: the web app's `@/` imports resolve under its own
      // tsconfig (the child process gets it), which the bench's typecheck does not have.
      const support = path.join(root, 'apps/web/test/support');
      const { openTestApp } = (await import(path.join(support, 'app.ts'))) as WebAppSupport;
      const { uploadFuzz } = (await import(path.join(support, 'upload-fuzz.ts'))) as WebUploadSupport;
      const app = await openTestApp();
      const fuzz = uploadFuzz(app);
      return {
        run: (random, index) => fuzz.run(random, index),
        checkpoint: { every: 500, check: () => fuzz.stillServes() },
        close: () => app.close(),
      };
    },
  },
];
