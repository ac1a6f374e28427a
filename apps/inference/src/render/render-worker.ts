import { parentPort } from 'node:worker_threads';
import { MarchKernel } from './march-kernel';
import type { Occupancy } from './occupancy';
import { createChunkScratch, type RenderJobBuffers, type RenderJobSpec, runChunks } from './render-job';
import type { WorkerMessage, WorkerReply } from './render-pool';
import type { SourceTexture } from './source-texture';

/** A render thread: holds views of shared assets, takes chunks of each job until none are left. */
const port = parentPort;
if (!port) throw new Error('render-worker must run in a worker thread');

const kernel = new MarchKernel();
const scratch = createChunkScratch();
const assets = new Map<
  number,
  { packed: Float32Array; resolution: number; occ: Occupancy; texture: SourceTexture | null }
>();

port.on('message', (m: WorkerMessage) => {
  switch (m.type) {
    case 'asset':
      assets.set(m.id, {
        packed: m.packed,
        resolution: m.resolution,
        occ: { cells: m.cells, extent: m.extent, grid: m.grid, bounds: m.bounds },
        texture: m.texture,
      });
      break;
    case 'drop':
      assets.delete(m.id);
      break;
    case 'job': {
      const reply: WorkerReply = { type: 'done', jobId: m.jobId, chunks: 0, decoded: 0, error: null };
      try {
        const a = assets.get(m.spec.assetId);
        if (!a) throw new Error(`unknown asset ${m.spec.assetId}`);
        kernel.bind(a.packed, a.resolution, a.occ);
        kernel.samplesDecoded = 0;
        const textureId = m.spec.detail?.textureAssetId ?? 0;
        const texture = textureId ? (assets.get(textureId)?.texture ?? null) : null;
        if (textureId && !texture) throw new Error(`asset ${textureId} has no texture here`);
        reply.chunks = runChunks(kernel, m.spec as RenderJobSpec, m.buffers as RenderJobBuffers, scratch, texture);
        reply.decoded = kernel.samplesDecoded;
      } catch (error) {
        reply.error = error instanceof Error ? error.message : String(error);
      }
      port.postMessage(reply);
      break;
    }
  }
});
