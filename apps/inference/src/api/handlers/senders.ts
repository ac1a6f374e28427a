import {
  type DriverFrame,
  decodeDriverFrame,
  type EnrollmentUpload,
  HolocallError,
  type InferenceNodeMessage,
  MAX_SENDERS_PER_CONNECTION,
} from '@holocall/protocol';
import { type FrameSink, SYNTHETIC_HEAD_KEY } from '../../node';
import type { ClientMessageOf, ConnectionContext, PeerState } from '../connection-context';

function registeredPeer(ctx: ConnectionContext, peerId: string): PeerState {
  const peer = ctx.peers.get(peerId);
  if (!peer) throw new HolocallError('not_found', 'peer is not registered', { details: { peerId } });
  return peer;
}

/**
 * Binds a peer to an avatar: one the node holds ('cache'), the built-in synthetic head, an
 * upload that follows, or an enrollment (lifted here before, or from the envelope that follows).
 */
export async function registerSender(ctx: ConnectionContext, msg: ClientMessageOf<'register-sender'>): Promise<void> {
  if (!ctx.peers.has(msg.peerId) && ctx.peers.size >= MAX_SENDERS_PER_CONNECTION) {
    throw HolocallError.tooLarge('senders', MAX_SENDERS_PER_CONNECTION, ctx.peers.size + 1);
  }
  let cacheHit: boolean;
  let pending: PeerState['pending'] = null;
  let cacheKey = msg.avatarHash;
  switch (msg.source) {
    case 'cache':
      cacheHit = ctx.node.hasAvatar(msg.avatarHash);
      if (!cacheHit)
        throw new HolocallError('not_found', 'no cached tri-plane for this avatar: upload it', {
          details: { peerId: msg.peerId },
        });
      break;
    case 'synthetic-head':
      // The synthetic head has a key of its own: it never takes the page's hash in the cache.
      cacheHit = await ctx.node.registerSyntheticHead();
      cacheKey = SYNTHETIC_HEAD_KEY;
      break;
    case 'upload':
      cacheHit = false;
      pending = 'triplane';
      break;
    case 'enrollment':
      // Lifted here before (this peer, another peer, a preview): no image needed.
      cacheHit = ctx.node.registerFromCache(msg.avatarHash);
      if (!cacheHit) pending = 'enrollment';
      break;
    default: {
      const unreachable: never = msg.source;
      throw HolocallError.badRequest('unknown register-sender source', { source: String(unreachable) });
    }
  }
  const previous = ctx.peers.get(msg.peerId);
  ctx.peers.set(msg.peerId, { avatarHash: msg.avatarHash, cacheKey, pending, view: previous?.view ?? null });
  ctx.send({
    type: 'registered',
    peerId: msg.peerId,
    avatarHash: msg.avatarHash,
    cacheHit,
    awaitingUpload: pending !== null,
  });
}

export function unregisterSender(
  ctx: ConnectionContext,
  sink: FrameSink,
  msg: ClientMessageOf<'unregister-sender'>,
): void {
  if (!ctx.peers.delete(msg.peerId)) throw new HolocallError('not_found', 'peer is not registered');
  ctx.node.forgetPeer(sink, msg.peerId);
  ctx.send({ type: 'unregistered', peerId: msg.peerId });
}

/** The tri-plane a peer registered with source 'upload' announced. */
export async function uploadTriplane(
  ctx: ConnectionContext,
  upload: { peerId: string; avatarHash: string; data: Float32Array },
): Promise<void> {
  const peer = registeredPeer(ctx, upload.peerId);
  if (peer.pending !== 'triplane' || upload.avatarHash !== peer.avatarHash) {
    throw new HolocallError('conflict', 'no upload expected for this peer and avatar', {
      details: { peerId: upload.peerId },
    });
  }
  await ctx.node.registerUpload(upload.avatarHash, upload.data);
  peer.pending = null;
  ctx.send({
    type: 'registered',
    peerId: upload.peerId,
    avatarHash: upload.avatarHash,
    cacheHit: true,
    awaitingUpload: false,
  });
}

/** A driver frame for a peer that renders goes to the node's scheduler; one for a lifting peer is dropped quietly. */
export function driverFrame(ctx: ConnectionContext, sink: FrameSink, peerId: string, bytes: Uint8Array): void {
  const peer = registeredPeer(ctx, peerId);
  const frame: DriverFrame = decodeDriverFrame(bytes);
  if (peer.pending === 'triplane') throw new HolocallError('conflict', 'tri-plane upload pending for this peer');
  if (peer.pending !== null) {
    ctx.counters.framesWhileLifting++;
    return;
  }
  ctx.node.submitFrame(sink, peerId, frame);
}

/**
 * The enrollment envelope of a peer registered with source 'enrollment': lifts it (once per
 * avatar hash, in the lift worker) WITHOUT holding the connection's message queue, so other
 * peers' frames and control messages carry on; register-progress while it runs, registered
 * when the peer can render, or a typed error (details.peerId) after which the envelope may
 * be sent again.
 */
export function enrollSender(ctx: ConnectionContext, upload: EnrollmentUpload): void {
  const peerId = upload.id;
  const peer = registeredPeer(ctx, peerId);
  if (peer.pending !== 'enrollment' || upload.avatarHash !== peer.avatarHash) {
    throw new HolocallError('conflict', 'no enrollment expected for this peer and avatar', { details: { peerId } });
  }
  peer.pending = 'lifting';
  const { avatarHash } = upload;
  const current = () => !ctx.closed && ctx.peers.get(peerId) === peer && peer.avatarHash === avatarHash;
  ctx.node
    .registerEnrollment(
      avatarHash,
      { image: upload.image, landmarks: upload.landmarks, landmarkSpace: upload.landmarkSpace },
      (stage, fraction) => {
        if (current()) ctx.send({ type: 'register-progress', peerId, avatarHash, stage, fraction });
      },
    )
    .then(
      (outcome) => {
        if (!current()) return;
        peer.pending = null;
        const msg: InferenceNodeMessage = {
          type: 'registered',
          peerId,
          avatarHash,
          cacheHit: !outcome.lifted,
          awaitingUpload: false,
        };
        if (outcome.lifted) msg.liftMs = Math.round(outcome.liftMs);
        ctx.send(msg);
      },
      (error) => {
        if (!current()) return;
        peer.pending = 'enrollment';
        ctx.sendError(error, 'enrollment', { peerId });
      },
    );
}
