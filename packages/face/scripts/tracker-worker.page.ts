/**
 * Browser side of the worker-mode tracker check: the page runs TrackerClient against the bundled
 * tracker.worker.ts with the options and the call the web app's enrollment uses
 * (trackingOptions('still', ...), detect) or the call page's ('video': the images are frames
 * of one clip, in order), and returns what the worker tracked.
 */
import { TrackerClient, type TrackingMode, trackingOptions } from '../src/browser/tracker-client';
import { type PageFace, pageFaceOf } from './page-face';

async function extract(urls: string[], mode: TrackingMode = 'still') {
  const client = new TrackerClient(
    new Worker('/worker.js', { type: 'module' }),
    trackingOptions(mode, { modelBasePath: '/models/', wasmPath: '/wasm/' }),
  );
  const { backend } = await client.ready;
  const results: (PageFace | null)[] = [];
  const ms: number[] = [];
  const detected: boolean[] = [];
  for (const url of urls) {
    const blob = await (await fetch(url)).blob();
    const bitmap = await createImageBitmap(blob);
    const r = await client.detect(bitmap);
    bitmap.close();
    ms.push(r.detectMs);
    detected.push(r.detected);
    results.push(pageFaceOf(r.faces[0]));
  }
  client.close();
  return { backend, results, ms, detected };
}

(window as unknown as { extract: typeof extract }).extract = extract;
(window as unknown as { pageReady: boolean }).pageReady = true;
