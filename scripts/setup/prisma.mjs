// Generates the Prisma client offline, once per schema change. The Prisma CLI wants to
// download its schema engine for every command; `generate` does not need it, so any
// existing file satisfies PRISMA_SCHEMA_ENGINE_BINARY. Migrations are plain SQL applied
// by the product's own migrate step, not by the CLI.
import fs from 'node:fs';
import path from 'node:path';
import { readStamp, run, writeStamp } from './util.mjs';

export async function prismaStep(ctx) {
  const schema = path.join(ctx.root, 'prisma', 'schema.prisma');
  if (!fs.existsSync(schema)) return 'skipped: no prisma/schema.prisma yet';
  const stampFile = path.join(ctx.root, 'prisma', 'generated', '.stamp');
  const key = ctx.hash([schema, path.join(ctx.root, 'package-lock.json')]);
  if (readStamp(stampFile) === key) return 'up to date';
  run('npx', ['prisma', 'generate', '--schema', schema], {
    cwd: ctx.root,
    env: { PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    logFile: path.join(ctx.root, '.cache', 'logs', 'prisma-generate.log'),
  });
  writeStamp(stampFile, key);
  return 'generated';
}
