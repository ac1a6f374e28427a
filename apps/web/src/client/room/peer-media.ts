import type { DriverFrame, RenderedFrameHeader } from '@holocall/protocol';

/**
 * Per-peer things drawn every animation frame, kept outside React state: 30 updates a second
 * per peer must not re-render the page. Tiles read from here in their own rAF loop.
 */
export interface PeerMedia {
  /** The enrolled photo, shown when there is no inference node (never a blank tile). */
  photo: ImageBitmap | null;
  /** Newest rendered image from the inference node (one view, or a quilt). */
  image: { bitmap: ImageBitmap; header: RenderedFrameHeader } | null;
  lastFrame: DriverFrame | null;
}

export class PeerMediaStore {
  private readonly media = new Map<string, PeerMedia>();

  get(peerId: string): PeerMedia {
    let m = this.media.get(peerId);
    if (!m) {
      m = { photo: null, image: null, lastFrame: null };
      this.media.set(peerId, m);
    }
    return m;
  }

  setImage(peerId: string, bitmap: ImageBitmap, header: RenderedFrameHeader): void {
    const m = this.get(peerId);
    m.image?.bitmap.close();
    m.image = { bitmap, header };
  }

  delete(peerId: string): void {
    const m = this.media.get(peerId);
    if (!m) return;
    m.photo?.close();
    m.image?.bitmap.close();
    this.media.delete(peerId);
  }

  clear(): void {
    for (const id of [...this.media.keys()]) this.delete(id);
  }
}
