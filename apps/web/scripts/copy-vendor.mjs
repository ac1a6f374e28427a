#!/usr/bin/env node
// Copies what the browser loads at run time into public/vendor/, so the app serves it itself:
// human's face models (blazeface, facemesh, iris) for the tracker, tfjs's wasm binaries, and
// the selfie segmentation model the page renderer's lift runs when there is no node
// (apps/inference/models/segmentation, PROVENANCE.md there). Never from a CDN. public/vendor/ is gitignored; this runs before every build
// and is cheap when nothing changed (files are compared by size and mtime).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const appDir = path.resolve(here, '..');
// Resolve from the face package: it owns these dependencies.
const faceRequire = createRequire(path.join(appDir, '..', '..', 'packages', 'face', 'package.json'));

/** Face mesh + iris is all the tracker runs (packages/face/src/browser/tracker.ts). */
export const MODEL_FILES = ['blazeface', 'facemesh', 'iris'].flatMap((name) => [`${name}.json`, `${name}.bin`]);
/** The person-segmentation model the lift runs (the same files the node reads). */
export const SEGMENTATION_FILES = ['selfie.json', 'selfie.bin'];

function packageDir(name) {
  let dir = path.dirname(faceRequire.resolve(name));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

function copyIfChanged(from, to) {
  const src = fs.statSync(from);
  try {
    const dst = fs.statSync(to);
    if (dst.size === src.size && dst.mtimeMs >= src.mtimeMs) return false;
  } catch {
    // missing
  }
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
  return true;
}

export function copyVendor(log = console.log) {
  const out = path.join(appDir, 'public', 'vendor');
  let copied = 0;
  const human = packageDir('@vladmandic/human');
  for (const file of MODEL_FILES) {
    if (copyIfChanged(path.join(human, 'models', file), path.join(out, 'human', 'models', file))) copied++;
  }
  const wasmDist = path.join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist');
  const wasmFiles = fs.readdirSync(wasmDist).filter((f) => f.endsWith('.wasm'));
  if (wasmFiles.length === 0) throw new Error(`no .wasm files in ${wasmDist}`);
  for (const file of wasmFiles) {
    if (copyIfChanged(path.join(wasmDist, file), path.join(out, 'tfjs', file))) copied++;
  }
  const segmentation = path.join(appDir, '..', 'inference', 'models', 'segmentation');
  for (const file of SEGMENTATION_FILES) {
    if (copyIfChanged(path.join(segmentation, file), path.join(out, 'segmentation', file))) copied++;
  }
  const total = MODEL_FILES.length + wasmFiles.length + SEGMENTATION_FILES.length;
  log(`vendor: ${copied} file(s) copied, ${total} in public/vendor`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) copyVendor();
