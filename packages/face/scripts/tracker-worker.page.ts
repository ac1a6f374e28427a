/**
 * Browser side of the worker-mode tracker check: the page runs TrackerClient against the bundled
 * tracker.worker.ts with the options and the call the web app's enrollment uses
 * (trackingOptions('still', ...), detect), and returns what the worker tracked.
 */
import { TrackerClient, trackingOptions } from '../src/browser/tracker-client';
import { type PageFace, pageFaceOf } from './page-face';

async function extract(urls: string[]) {
  const client = new TrackerClient(
    new Worker('/worker.js', { type: 'module' }),
    trackingOptions('still', { modelBasePath: '/models/', wasmPath: '/wasm/' }),
  );
  const { backend } = await client.ready;
  const results: (PageFace | null)[] = [];
  const ms: number[] = [];
  for (const url of urls) {
    const blob = await (await fetch(url)).blob();
    const bitmap = await createImageBitmap(blob);
    const r = await client.detect(bitmap);
    bitmap.close();
    ms.push(r.detectMs);
    results.push(pageFaceOf(r.faces[0]));
  }
  client.close();
  return { backend, results, ms };
}

(window as unknown as { extract: typeof extract }).extract = extract;
(window as unknown as { pageReady: boolean }).pageReady = true;
