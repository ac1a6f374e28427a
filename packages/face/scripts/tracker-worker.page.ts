/**
 * Browser side of the worker-mode tracker check: the page runs TrackerClient against the bundled
 * tracker.worker.ts, exactly as the web app does, and returns what the worker tracked.
 */
import { TrackerClient } from '../src/browser/tracker-client';

async function extract(urls: string[]) {
  const client = new TrackerClient(new Worker('/worker.js', { type: 'module' }), {
    modelBasePath: '/models/',
    wasmPath: '/wasm/',
  });
  const backend = await client.whenReady();
  const results = [];
  const ms: number[] = [];
  for (const url of urls) {
    const blob = await (await fetch(url)).blob();
    const bitmap = await createImageBitmap(blob);
    const r = await client.track(bitmap);
    ms.push(r?.detectMs ?? 0);
    const face = r?.faces[0];
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
  client.dispose();
  return { backend, results, ms };
}

(window as unknown as { extract: typeof extract }).extract = extract;
(window as unknown as { pageReady: boolean }).pageReady = true;
