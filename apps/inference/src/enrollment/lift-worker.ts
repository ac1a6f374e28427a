import { parentPort } from 'node:worker_threads';
import { HolocallError } from '@holocall/protocol';
import { preparePersonSegmenter } from '../backends/reference/person-segmenter';
import { createLogger } from '../log';
import { type LiftJobInput, type LiftJobOutput, runLiftJob, transferablesOf } from './lift-job';

/**
 * The lift worker thread: runs one lift job per message, posting progress, and hands the result
 * over without copies. `hang` (tests only, LiftWorker.hangForTest) spins forever, as a job that
 * never ends would: only the client's deadline and a new thread get the node past it.
 */
export type LiftWorkerRequest = { type: 'lift'; jobId: number; input: LiftJobInput } | { type: 'hang'; jobId: number };

export type LiftWorkerReply =
  | { type: 'progress'; jobId: number; stage: 'decode' | 'align' | 'lift'; fraction: number }
  | { type: 'done'; jobId: number; result: LiftJobOutput }
  | {
      type: 'failed';
      jobId: number;
      error: { code: string; message: string; details?: Record<string, unknown>; typed: boolean };
    };

const port = parentPort;
if (!port) throw new Error('lift-worker must run in a worker thread');

// The segmentation model's wasm backend starts once per thread, with a warm-up pass, while the
// thread waits for its first job; a job that arrives first waits for it. Should wasm not start,
// lifts still run (on tfjs's CPU backend, ~1 s slower).
const log = createLogger({ thread: 'lift-worker' });
const segmenterReady = preparePersonSegmenter().then(
  () => {},
  (error: unknown) =>
    log.warn('segmentation wasm backend did not start; lifts matte on the CPU backend', { error: String(error) }),
);

port.on('message', async (m: LiftWorkerRequest) => {
  const { jobId } = m;
  if (m.type === 'hang') for (;;);
  await segmenterReady;
  try {
    const result = runLiftJob(m.input, (stage, fraction) =>
      port.postMessage({ type: 'progress', jobId, stage, fraction }),
    );
    port.postMessage({ type: 'done', jobId, result } satisfies LiftWorkerReply, transferablesOf(result));
  } catch (error) {
    const reply: LiftWorkerReply =
      error instanceof HolocallError
        ? {
            type: 'failed',
            jobId,
            error: { code: error.code, message: error.message, details: error.details, typed: true },
          }
        : { type: 'failed', jobId, error: { code: 'internal', message: String(error), typed: false } };
    port.postMessage(reply);
  }
});
