import { api } from '../api';
import type { RemotePeer } from '../call/call-session';
import type { InferenceNode } from '../inference/inference-types';
import type { PeerMediaStore } from './peer-media';

/**
 * The call's peers as this page knows them: a peer who arrives gets their enrolled photo (the
 * fallback tile) and is registered with the inference node; a peer who leaves is unregistered
 * and their media dropped. A peer whose avatar could not be fetched is tried again on the next
 * roster change.
 */
export class PeerRoster {
  private readonly known = new Set<string>();

  constructor(
    private readonly node: InferenceNode,
    private readonly store: PeerMediaStore,
  ) {}

  /** Meets every peer in `peers` not met yet and forgets the known ones no longer there. */
  sync(peers: Iterable<RemotePeer>): void {
    const present = new Set<string>();
    for (const peer of peers) {
      present.add(peer.identity.peerId);
      void this.meet(peer.identity.peerId, peer.identity.avatarId);
    }
    for (const peerId of this.known) {
      if (present.has(peerId)) continue;
      this.known.delete(peerId);
      this.node.unregisterPeer(peerId);
      this.store.delete(peerId);
    }
  }

  private async meet(peerId: string, avatarId: string): Promise<void> {
    if (this.known.has(peerId)) return;
    this.known.add(peerId);
    try {
      const source = await api.avatarSource(avatarId);
      const photo = await fetch(source.avatar.photoUrl).then((r) => r.blob());
      this.store.get(peerId).photo = await createImageBitmap(photo);
      // The node asks for the photo only when it has not lifted this avatar before.
      this.node.registerPeer(peerId, source.avatar.avatarHash, async () => ({
        avatarHash: source.avatar.avatarHash,
        photo: new Uint8Array(await photo.arrayBuffer()),
        width: source.avatar.width,
        height: source.avatar.height,
        landmarks: source.landmarks,
      }));
    } catch {
      this.known.delete(peerId);
    }
  }
}
