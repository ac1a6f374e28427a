/**
 * Writes the UNTRAINED architecture-size ONNX graphs (lift, reenact, render) into
 * apps/inference/generated/ unless they are already there and current (version stamp in
 * generated/models.json). The repository's setup step calls this; it is safe to run often.
 *
 *   npx tsx apps/inference/scripts/generate-models.ts [--force] [--dir=<path>]
 *
 * These graphs have random weights: they measure cost, their outputs are noise.
 */
import { createLogger } from '../src/log';
import { DEFAULT_MODELS_DIR, ensureGeneratedModels } from '../src/neural/model-store';

const args = process.argv.slice(2);
const dir = args.find((a) => a.startsWith('--dir='))?.slice(6) ?? DEFAULT_MODELS_DIR;
const log = createLogger({ script: 'generate-models' });
const { generated } = ensureGeneratedModels(dir, log, args.includes('--force'));
if (generated.length > 0) log.info('done', { dir, generated });
