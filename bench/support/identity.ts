/**
 * Identity similarity for bench/fidelity.ts: the face-description embedding of @vladmandic/human
 * (its faceres model, what the product's tracker library ships), compared with
 * human.match.similarity (1 = the same embedding). Runs human's Node build on the WASM backend
 * from node_modules: no network, no GPU. Only the face detector, mesh and description run.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Rgba } from './fidelity-metrics';

const root = resolve(import.meta.dirname, '../..');
const modules = join(root, 'node_modules');

// The Node builds' types: the subset used here.
interface HumanResult {
  face: { embedding?: number[]; faceScore?: number }[];
}
interface HumanInstance {
  load(): Promise<void>;
  init(): Promise<void>;
  warmup(): Promise<unknown>;
  detect(input: unknown): Promise<HumanResult>;
  tf: {
    tensor3d(data: Int32Array | Uint8Array, shape: [number, number, number], dtype: string): unknown;
    dispose(t: unknown): void;
  };
  match: { similarity(a: number[], b: number[]): number };
}

export class IdentityError extends Error {}

/** Cosine similarity of two embeddings (the identity figure). */
export function cosine(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new IdentityError(`embeddings of different lengths (${a.length}, ${b.length})`);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] as number) * (b[i] as number);
    aa += (a[i] as number) ** 2;
    bb += (b[i] as number) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/**
 * Node's fetch has no file: scheme, and human's WASM build loads its models with fetch: answer
 * file: URLs from disk (the models in node_modules), pass anything else on unchanged.
 */
function serveFileUrls(): void {
  const original = globalThis.fetch;
  if ((original as { servesFiles?: boolean }).servesFiles) return;
  const wrapped = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith('file:')) return original(input, init);
    return new Response(await readFile(fileURLToPath(url)));
  };
  globalThis.fetch = Object.assign(wrapped, { servesFiles: true }) as typeof fetch;
}

export class IdentityScorer {
  private constructor(private readonly human: HumanInstance) {}

  static async start(): Promise<IdentityScorer> {
    serveFileUrls();
    const require = createRequire(import.meta.url);
    const mod = require(join(modules, '@vladmandic/human/dist/human.node-wasm.js')) as {
      Human?: new (c: object) => HumanInstance;
      default?: new (c: object) => HumanInstance;
    };
    const Human = mod.Human ?? mod.default;
    if (!Human) throw new IdentityError('human.node-wasm.js exports no Human class');
    const human = new Human({
      backend: 'wasm',
      wasmPath: `${join(modules, '@tensorflow/tfjs-backend-wasm/dist')}/`,
      modelBasePath: `${pathToFileURL(join(modules, '@vladmandic/human/models')).href}/`,
      debug: false,
      async: false,
      warmup: 'none',
      cacheSensitivity: 0,
      face: {
        enabled: true,
        detector: { enabled: true, rotation: false, maxDetected: 1, minConfidence: 0.2 },
        mesh: { enabled: true },
        iris: { enabled: false },
        description: { enabled: true },
        emotion: { enabled: false },
        antispoof: { enabled: false },
        liveness: { enabled: false },
        attention: { enabled: false },
      },
      body: { enabled: false },
      hand: { enabled: false },
      object: { enabled: false },
      gesture: { enabled: false },
      segmentation: { enabled: false },
      filter: { enabled: false },
    });
    await human.init();
    await human.load();
    return new IdentityScorer(human);
  }

  /** The face embedding of an RGBA image (a render is composited over mid grey first); null when no face is found. */
  async embedding(img: Rgba): Promise<number[] | null> {
    const rgb = new Int32Array(img.width * img.height * 3);
    for (let p = 0; p < img.width * img.height; p++) {
      const a = (img.data[4 * p + 3] as number) / 255;
      for (let c = 0; c < 3; c++) rgb[3 * p + c] = Math.round((img.data[4 * p + c] as number) + (1 - a) * 128);
    }
    const t = this.human.tf.tensor3d(rgb, [img.height, img.width, 3], 'int32');
    try {
      const r = await this.human.detect(t);
      return r.face[0]?.embedding?.length ? r.face[0].embedding : null;
    } finally {
      this.human.tf.dispose(t);
    }
  }

  similarity(a: number[], b: number[]): number {
    return this.human.match.similarity(a, b);
  }
}
