// Proof that the setup step's mediasoup worker build (Debian libraries, stand-in
// subprojects) works: a real worker starts, and a router takes Opus and VP8.
import * as mediasoup from 'mediasoup';
import { afterEach, describe, expect, it } from 'vitest';

describe('mediasoup worker build', () => {
  let worker: mediasoup.types.Worker | undefined;
  afterEach(() => worker?.close());

  it('starts a worker and creates a router with Opus and VP8', async () => {
    worker = await mediasoup.createWorker({ logLevel: 'warn' });
    expect(worker.pid).toBeGreaterThan(0);
    const router = await worker.createRouter({
      mediaCodecs: [
        { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
        { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
      ],
    });
    const mimeTypes = router.rtpCapabilities.codecs?.map((codec) => codec.mimeType) ?? [];
    expect(mimeTypes).toContain('audio/opus');
    expect(mimeTypes).toContain('video/VP8');
    const dump = await worker.dump();
    expect(dump.routerIds).toContain(router.id);
  });

  it('reports the death of a worker killed with SIGKILL', async () => {
    worker = await mediasoup.createWorker({ logLevel: 'warn' });
    const died = new Promise<Error>((resolve) => worker!.once('died', resolve));
    process.kill(worker.pid, 'SIGKILL');
    await expect(died).resolves.toBeInstanceOf(Error);
    expect(worker.died).toBe(true);
  });
});
