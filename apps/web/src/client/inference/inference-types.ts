import type { RenderedFrameHeader, ViewSpec } from '@holocall/protocol';

/**
 * How the page stands with the viewer's local inference node. `refused`: the node refused this
 * page's token and no fresh one could be had within TOKEN_REFRESH_POLICY (a reload signs again).
 */
export type InferenceStatus = 'connecting' | 'ready' | 'unavailable' | 'reconnecting' | 'refused';

/** Where the page is with a node that has this page's token refreshed on demand. */
export interface NodeTarget {
  url: string;
  token: string;
  /** When `token` expires (ISO 8601), as the web app said when it minted it. */
  expiresAt?: string;
  /** A fresh token for the same node, when the node refuses `token` as expired. */
  refresh?: () => Promise<{ url: string; token: string; expiresAt: string }>;
}

/** Where a peer's rendered head comes from. */
export type PeerSource =
  /** Registered, waiting for the node. */
  | 'pending'
  /** The node is lifting the peer's enrolled photo to a tri-plane (progress alongside). */
  | 'lifting'
  /** The peer's own avatar, lifted from their enrolled photo (now cached on the node). */
  | 'avatar'
  /** The node's built-in synthetic head, driven by the peer's pose and expression: a stand-in, not the person. */
  | 'synthetic'
  /** The node could not build this avatar and no stand-in was asked for. */
  | 'missing';

/**
 * A lift the node could not finish for now (`unavailable`): the registration is tried again on
 * LIFT_RETRY_POLICY (`retrying`), until the policy gives up (`gave-up`). Meanwhile the peer has
 * the stand-in head.
 */
export type LiftRetry =
  | { kind: 'retrying'; attempt: number; maxAttempts: number; delayMs: number; message: string }
  | { kind: 'gave-up'; attempts: number; message: string };

/** What goes with a peer's source: the lift's progress while lifting, and a retry in progress. */
export interface PeerSourceDetail {
  progress?: { stage: string; fraction: number };
  lift?: LiftRetry;
}

export interface RenderedImage {
  peerId: string;
  header: RenderedFrameHeader;
  bitmap: ImageBitmap;
}

export interface NodeDescription {
  renderer: string;
  executionProvider: string;
  reenact: string;
  untrained: boolean;
  /** The expression model's own label (says when it is the classical reference model). */
  backendLabel: string | null;
}

/** What the node needs to lift an avatar: the enrolled photo as stored and its landmarks. */
export interface EnrollmentSource {
  avatarHash: string;
  photo: Uint8Array;
  /** Size of the image the landmarks are in (the displayed photo). */
  width: number;
  height: number;
  /** Flat [x, y, z] * 478. */
  landmarks: ArrayLike<number>;
}

export interface InferenceCallbacks {
  onStatus: (status: InferenceStatus, node: NodeDescription | null) => void;
  onImage: (image: RenderedImage) => void;
  onPeerSource: (peerId: string, source: PeerSource, detail: PeerSourceDetail) => void;
}

export interface InferenceNode {
  readonly status: InferenceStatus;
  /**
   * Registers a peer by their avatar's content hash. The node renders the cached lift, or asks
   * for the enrolled photo (`load`) and lifts it once per avatar.
   */
  registerPeer(peerId: string, avatarHash: string, load: () => Promise<EnrollmentSource>): void;
  unregisterPeer(peerId: string): void;
  /** The view every peer is rendered with (flat, stereo as a 2x1 quilt, or a Looking Glass quilt). */
  setView(view: ViewSpec): void;
  /** Forwards one driver frame exactly as it came from the SFU. */
  sendFrame(peerId: string, frame: Uint8Array): void;
  close(): void;
}
