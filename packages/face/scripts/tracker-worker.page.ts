/**
 * Browser side of the worker-mode tracker check: the page runs TrackerClient against the bundled
 * tracker.worker.ts with the options and the call the web app's enrollment uses
 * (trackingOptions('still', ...), detect), and returns what the worker tracked.
 */
import { TrackerClient, trackingOptions } from '../src/browser/tracker-client';

async function extract(urls: string[]) {
  const client = new TrackerClient(
    new Worker('/worker.js', { type: 'module' }),
    trackingOptions('still', { modelBasePath: '/models/', wasmPath: '/wasm/' }),
  );
  const { backend } = await client.ready;
  const results = [];
  const ms: number[] = [];
  for (const url of urls) {
    const blob = await (await fetch(url)).blob();
    const bitmap = await createImageBitmap(blob);
    const r = await client.detect(bitmap);
    bitmap.close();
    ms.push(r.detectMs);
    const face = r.faces[0];
    results.push(
      face
        ? {
            landmarks: Array.from(face.landmarks),
            humanAngles: face.humanAngles,
            score: face.score,
            box: face.box,
            cropSize: face.cropSize,
          }
        : null,
    );
  }
  client.close();
  return { backend, results, ms };
}

(window as unknown as { extract: typeof extract }).extract = extract;
(window as unknown as { pageReady: boolean }).pageReady = true;
