import { encodeRenderedFrame, type RenderedFrameHeader } from '@holocall/protocol';
import { describe, expect, it } from 'vitest';
import { LatestFrameDecoder } from '../src/client/inference/latest-frame-decoder';

function frame(peerId: string, seq: number): Uint8Array {
  const header: RenderedFrameHeader = {
    peerId,
    seq,
    captureTimeMs: 1_700_000_000_000 + seq,
    renderMs: 1,
    format: 'rgba',
    quality: 'interactive',
    layout: 'flat',
    cols: 1,
    rows: 1,
    width: 1,
    height: 1,
  };
  return encodeRenderedFrame(header, Uint8Array.of(seq, 0, 0, 255));
}

/** A decoder whose decodes finish only when the test says so. */
function manual() {
  const started: { peerId: string; seq: number; finish: () => void }[] = [];
  const delivered: string[] = [];
  const decoder = new LatestFrameDecoder(
    ({ header }) =>
      new Promise<string>((resolve) =>
        started.push({
          peerId: header.peerId,
          seq: header.seq,
          finish: () => resolve(`${header.peerId}#${header.seq}`),
        }),
      ),
    (image) => delivered.push(image),
  );
  return { decoder, started, delivered };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('LatestFrameDecoder', () => {
  it('decodes one frame per peer at a time and, of those that arrived meanwhile, only the newest', async () => {
    const { decoder, started, delivered } = manual();
    for (const seq of [1, 2, 3, 4]) decoder.push(frame('ada', seq));
    decoder.push(frame('grace', 1));
    // Ada's first and Grace's first decode at once; Ada's 2 and 3 were replaced by 4.
    expect(started.map((s) => `${s.peerId}#${s.seq}`)).toEqual(['ada#1', 'grace#1']);
    started[0]?.finish();
    await settle();
    expect(started.map((s) => `${s.peerId}#${s.seq}`)).toEqual(['ada#1', 'grace#1', 'ada#4']);
    started[2]?.finish();
    started[1]?.finish();
    await settle();
    expect(delivered).toEqual(['ada#1', 'ada#4', 'grace#1']);
    expect(decoder.counters).toEqual({ decoded: 3, dropped: 2, malformed: 0 });
  });

  it('goes on after a decode that failed, and drops bytes that are not a rendered frame', async () => {
    const delivered: number[] = [];
    let fail = true;
    const decoder = new LatestFrameDecoder(
      async ({ header }) => {
        if (fail) throw new Error('corrupt image');
        return header.seq;
      },
      (seq) => delivered.push(seq),
    );
    decoder.push(frame('ada', 1));
    decoder.push(Uint8Array.of(1, 2, 3));
    await settle();
    fail = false;
    decoder.push(frame('ada', 2));
    await settle();
    expect(delivered).toEqual([2]);
    expect(decoder.counters).toEqual({ decoded: 1, dropped: 0, malformed: 1 });
  });
});
