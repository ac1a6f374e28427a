// Generated ONNX graphs for the inference node (architecture-size, UNTRAINED weights, used
// to measure cost honestly) and the reference renderer's graphs. The generator is itself
// idempotent (it keeps a version stamp); nothing is downloaded.
import fs from 'node:fs';
import path from 'node:path';
import { run } from './util.mjs';

export async function modelsStep(ctx) {
  const script = path.join(ctx.root, 'apps', 'inference', 'scripts', 'generate-models.ts');
  if (!fs.existsSync(script)) return 'skipped: no generator yet';
  run(path.join(ctx.root, 'node_modules', '.bin', 'tsx'), [script], {
    cwd: ctx.root,
    logFile: path.join(ctx.root, '.cache', 'logs', 'generate-models.log'),
  });
  // The generator logs JSON lines; its last one says what it did.
  const log = fs.readFileSync(path.join(ctx.root, '.cache', 'logs', 'generate-models.log'), 'utf8');
  const last = log.trim().split('\n').pop() ?? '';
  try {
    const { msg, generated } = JSON.parse(last);
    return Array.isArray(generated) ? `${msg}: ${generated.join(', ')}` : (msg ?? 'done');
  } catch {
    return last || 'done';
  }
}
