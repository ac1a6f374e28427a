import type {
  InferenceClientMessage,
  InferenceNodeMessage,
  InferenceServerStatus,
  OutputFormat,
  ViewSpec,
} from '@holocall/protocol';
import type { JWTVerifyGetKey } from 'jose';
import type { Logger } from '../log';
import type { InferenceNode } from '../node';
import type { AdaptiveQuality, QualityLevel } from '../render/quality';
import type { FrameCredits } from './frame-credits';
import type { PreviewRequests } from './preview-requests';

/** The client message of one tag (what each handler takes). */
export type ClientMessageOf<T extends InferenceClientMessage['type']> = Extract<InferenceClientMessage, { type: T }>;

/** One registered peer of a connection. */
export interface PeerState {
  /** The avatar hash the page registered the peer with (echoed in `registered`). */
  avatarHash: string;
  /**
   * What the peer renders from the node's cache: the avatar hash itself (a content hash the
   * node checked or computed), or SYNTHETIC_HEAD_KEY for the synthetic head.
   */
  cacheKey: string;
  /**
   * What the peer waits for before it can render: a tri-plane upload, an enrollment envelope,
   * or its enrollment lift to finish; null when it renders.
   */
  pending: 'triplane' | 'enrollment' | 'lifting' | null;
  view: ViewSpec | null;
}

export interface ConnectionCounters {
  messages: number;
  binary: number;
  errors: Record<string, number>;
  framesSent: number;
  bytesSent: number;
  /** Driver frames for a peer whose enrollment lift has not finished (dropped quietly: the page may send early). */
  framesWhileLifting: number;
}

/** What the browser chose for its rendered frames (set-view without a peer, set-quality, set-output). */
export interface OutputSettings {
  defaultView: ViewSpec;
  format: OutputFormat;
  jpegQuality: number;
  /** null: the adaptive level. */
  fixedQuality: QualityLevel | null;
}

/** How the first message is checked. */
export interface ConnectionAuth {
  /** The web app's public keys (its JWKS): page tokens are checked against them. */
  tokenKeys: JWTVerifyGetKey;
  /** Whether the node reaches the server, for the welcome; absent: not said. */
  serverStatus?: (() => InferenceServerStatus | null) | undefined;
  origin: string;
  helloTimeoutMs: number;
  /** Render threads, announced in the welcome. */
  threads: number;
}

/** What a message handler may use. One per connection. */
export interface ConnectionContext {
  readonly id: number;
  /** The node, through its public surface only. */
  readonly node: InferenceNode;
  readonly log: Logger;
  readonly auth: ConnectionAuth;
  readonly peers: Map<string, PeerState>;
  readonly output: OutputSettings;
  readonly frameCredits: FrameCredits;
  readonly adaptive: AdaptiveQuality;
  readonly counters: ConnectionCounters;
  readonly previews: PreviewRequests;
  /** True once the socket closed or was refused: nothing more is sent. */
  readonly closed: boolean;
  /** Marks the connection authenticated (stops the hello timer). */
  authenticated(sub: string | undefined): void;
  send(msg: InferenceNodeMessage): void;
  /** A typed error; `context` (the peer or request it concerns) is merged into its details. */
  sendError(error: unknown, inReplyTo?: string, context?: Record<string, unknown>): void;
  statsForConnection(): Record<string, unknown>;
}
