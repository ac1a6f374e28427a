/**
 * A real SFU's SignalingConnection fuzzed over socket.io (test/support/signaling-fuzz.ts): one
 * socket per batch joins, sets capabilities and creates two transports, then sends mutated
 * requests with real ids (some on unknown events, with binary attachments, or unacknowledged).
 * Every acknowledgement is a SignalingAck; no error is `internal`; every request the independent
 * spec calls invalid is refused with bad_request or too_large; the socket is not dropped; and
 * each batch's fresh socket still joins and is served. The bulk of schema fuzzing is in
 * packages/protocol/test/signaling.fuzz.test.ts.
 */
import { ErrorCode, type HolocallError } from '@holocall/protocol';
import { runFuzz, VP8_RTP_PARAMETERS } from '@holocall/protocol/test-support/fuzz';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SfuHandle } from '../src/start-sfu';
import { SignalingClient } from './support/client/signaling-client';
import { SCTP_CAPABILITIES } from './support/client/werift-config';
import { startTestSfu, tokenFor } from './support/sfu-fixture';
import { CASES_PER_SOCKET, signalingSocketFuzz } from './support/signaling-fuzz';

const SEED = 0x5f_05;
const CASES = CASES_PER_SOCKET * 60;

describe('SFU signaling socket fuzz', () => {
  let sfu: SfuHandle;
  beforeAll(async () => {
    sfu = await startTestSfu();
  });
  afterAll(async () => {
    await sfu?.close();
  });

  it(`mutated requests on joined sockets (${CASES}, seed ${SEED.toString(16)})`, async () => {
    const fuzz = signalingSocketFuzz(sfu);
    const tally = await runFuzz({
      boundary: 'sfu-signaling',
      seed: SEED,
      cases: CASES,
      stopOnCrash: true,
      run: (random, index) => fuzz.run(random, index),
    });
    await fuzz.close();
    expect(tally.crashes).toBe(0);
    expect(tally.accepted).toBeGreaterThan(CASES / 50);
    expect(tally.refused).toBeGreaterThan(CASES / 3);
  }, 120_000);

  /** What the long run (`npm run bench -- fuzz`) found, kept as cases of their own. */
  describe('requests the long run found', () => {
    async function sendTransport(userId: string): Promise<{ client: SignalingClient; transportId: string }> {
      const client = await SignalingClient.connect(sfu.url);
      await client.request('join', { roomId: 'fuzz-found', token: await tokenFor('fuzz-found', userId) });
      const { transportId } = await client.request('createWebRtcTransport', {
        direction: 'send',
        sctpCapabilities: SCTP_CAPABILITIES,
      });
      return { client, transportId };
    }
    const refusal = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: HolocallError) => error.code,
      );

    it('an unpaired surrogate in a string the media worker reads is refused at once, and the socket carries on', async () => {
      const { client, transportId } = await sendTransport('surrogate');
      // The worker cannot parse it: the request used to stay unanswered and hold every later one behind it.
      const rtpParameters = { ...VP8_RTP_PARAMETERS, rtcp: { cname: 'fu\ud800zz' } };
      const started = Date.now();
      expect(
        await refusal(client.request('produce', { transportId, kind: 'video', source: 'crop', rtpParameters })),
      ).toBe(ErrorCode.BadRequest);
      expect(Date.now() - started).toBeLessThan(5000);
      await expect(client.request('getRouterRtpCapabilities', {})).resolves.toBeDefined();
      client.close();
    }, 30_000);

    it('two encodings with one SSRC are refused as a conflict, not an internal error', async () => {
      const { client, transportId } = await sendTransport('ssrc');
      const encoding = VP8_RTP_PARAMETERS.encodings[0]!;
      const rtpParameters = { ...VP8_RTP_PARAMETERS, encodings: [encoding, encoding] };
      expect(
        await refusal(client.request('produce', { transportId, kind: 'video', source: 'crop', rtpParameters })),
      ).toBe(ErrorCode.Conflict);
      client.close();
    }, 30_000);
  });
});
