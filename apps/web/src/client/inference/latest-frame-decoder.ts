import { decodeRenderedFrame, type RenderedFrameHeader } from '@holocall/protocol';

type Frame = { header: RenderedFrameHeader; image: Uint8Array };

/**
 * Rendered frames from the node, decoded one at a time per peer, newest first: a frame that
 * arrives while the same peer's previous one is still decoding replaces the one waiting, if
 * any. A holographic quilt is tens of megabytes of RGBA; decoding every frame of a backlog
 * only shows each later (and holds them all in memory at once), so the stale ones are dropped
 * and counted. Frames that do not parse are dropped too (the node never sends them).
 */
export class LatestFrameDecoder<T> {
  private readonly busy = new Set<string>();
  private readonly waiting = new Map<string, Frame>();
  readonly counters = { decoded: 0, dropped: 0, malformed: 0 };

  constructor(
    private readonly decode: (frame: Frame) => Promise<T>,
    private readonly deliver: (image: T) => void,
  ) {}

  push(bytes: Uint8Array): void {
    let frame: Frame;
    try {
      frame = decodeRenderedFrame(bytes);
    } catch {
      this.counters.malformed++;
      return;
    }
    const peerId = frame.header.peerId;
    if (!this.busy.has(peerId)) {
      this.start(peerId, frame);
      return;
    }
    if (this.waiting.has(peerId)) this.counters.dropped++;
    this.waiting.set(peerId, frame);
  }

  private start(peerId: string, frame: Frame): void {
    this.busy.add(peerId);
    this.decode(frame)
      .then(
        (image) => {
          this.counters.decoded++;
          this.deliver(image);
        },
        () => {},
      )
      .finally(() => {
        this.busy.delete(peerId);
        const next = this.waiting.get(peerId);
        if (!next) return;
        this.waiting.delete(peerId);
        this.start(peerId, next);
      });
  }
}
