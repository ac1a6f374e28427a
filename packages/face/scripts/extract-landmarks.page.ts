/**
 * Browser side of extract-landmarks.ts: bundled by esbuild and loaded into headless Chromium.
 * Runs the product's own tracker module (src/browser/tracker.ts) on images served by the script.
 */
import * as human from '@vladmandic/human';
import { FaceTracker } from '../src/browser/tracker';
import { type PageFace, pageFaceOf } from './page-face';

async function loadCanvas(url: string): Promise<HTMLCanvasElement> {
  const img = new Image();
  img.src = url;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d context');
  ctx.drawImage(img, 0, 0);
  return canvas;
}

async function extract(urls: string[]): Promise<{ backend: string; results: (PageFace | null)[]; ms: number[] }> {
  const tracker = await FaceTracker.create({ modelBasePath: '/models/', wasmPath: '/wasm/' }, human);
  const results: (PageFace | null)[] = [];
  const ms: number[] = [];
  for (const url of urls) {
    const canvas = await loadCanvas(url);
    const r = await tracker.detect(canvas, canvas.width, canvas.height);
    ms.push(r.detectMs);
    results.push(pageFaceOf(r.faces[0]));
  }
  return { backend: tracker.backend, results, ms };
}

(window as unknown as { extract: typeof extract }).extract = extract;
(window as unknown as { pageReady: boolean }).pageReady = true;
