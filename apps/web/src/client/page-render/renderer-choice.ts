import type { ViewSpec } from '@holocall/protocol';
import type { EnrollmentSource, InferenceNode, InferenceStatus } from '../inference/inference-types';

/** Who draws the heads: the local inference node, the page itself, or nobody yet (the enrolled photos). */
export type RendererKind = 'node' | 'page' | 'none';

/**
 * The local node when one answers, else the page's own renderer (started only once it is
 * needed: its lifts cost the page's CPU). Both hear every peer and view, so the switch either
 * way needs no re-registration by the caller; only the chosen one gets driver frames, and the
 * caller keeps only the chosen one's images and sources (`kind`). The page renderer stays
 * warm after a node appears, so a node that goes away again falls back at once.
 */
export class RendererChoice implements InferenceNode {
  private page: InferenceNode | null = null;
  private readonly peers = new Map<string, { avatarHash: string; load: () => Promise<EnrollmentSource> }>();
  private view: ViewSpec | null = null;
  /** The page renderer could not start: not chosen again in this page. */
  private pageBroken = false;
  kind: RendererKind = 'none';

  constructor(
    private readonly node: InferenceNode,
    private readonly startPage: () => InferenceNode,
    private readonly onKind: (kind: RendererKind) => void,
  ) {}

  get status(): InferenceStatus {
    return this.node.status;
  }

  /** Follows the node's status: `ready` chooses the node; no node (or one that refused or went away) chooses the page. */
  nodeStatus(status: InferenceStatus): void {
    if (status === 'connecting') return;
    const next: RendererKind = status === 'ready' ? 'node' : this.pageBroken ? 'none' : 'page';
    if (next === 'page' && !this.page) {
      this.page = this.startPage();
      if (this.view) this.page.setView(this.view);
      for (const [peerId, p] of this.peers) this.page.registerPeer(peerId, p.avatarHash, p.load);
    }
    if (next === this.kind) return;
    this.kind = next;
    this.onKind(next);
  }

  /** The page renderer could not start: nobody renders while there is no node. */
  pageFailed(): void {
    this.pageBroken = true;
    if (this.kind !== 'page') return;
    this.kind = 'none';
    this.onKind('none');
  }

  registerPeer(peerId: string, avatarHash: string, load: () => Promise<EnrollmentSource>): void {
    this.peers.set(peerId, { avatarHash, load });
    this.node.registerPeer(peerId, avatarHash, load);
    this.page?.registerPeer(peerId, avatarHash, load);
  }

  unregisterPeer(peerId: string): void {
    this.peers.delete(peerId);
    this.node.unregisterPeer(peerId);
    this.page?.unregisterPeer(peerId);
  }

  setView(view: ViewSpec): void {
    this.view = view;
    this.node.setView(view);
    this.page?.setView(view);
  }

  sendFrame(peerId: string, frame: Uint8Array): void {
    if (this.kind === 'node') this.node.sendFrame(peerId, frame);
    else if (this.kind === 'page') this.page?.sendFrame(peerId, frame);
  }

  close(): void {
    this.node.close();
    this.page?.close();
  }
}
