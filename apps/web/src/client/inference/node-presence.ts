import type { InferenceServerStatus } from '@holocall/protocol';
import { RetryPolicy } from '@holocall/service/retry';
import type { InferenceStatus } from './inference-types';

/**
 * Whether this computer's own inference node is there, and what stands between the page and it.
 * The page keeps trying on NODE_WATCH_POLICY, so a node started (`npm run node -- --server
 * <origin>`) or restarted later is found without a reload, and one that goes away is watched for.
 *
 * Local Network Access (Chromium 142+, split into `loopback-network` / `local-network` in 145;
 * `local-network-access` stays as an alias): a page whose server is in the public address space
 * needs the `loopback-network` permission to open ws://127.0.0.1, and the browser asks the user
 * on the first try. Chromium 156 does not ask pages served from localhost/127.0.0.1 or (measured)
 * from a private LAN address such as 10.x or 192.168.x, whatever the permission says. So: query
 * before the first try; on 'prompt' explain first, then try; on 'denied' keep trying (it may not
 * apply) and, while no node answers, say how to undo it; a `change` to granted retries at once.
 */

/** Looking for the node: 0.5, 1, 2, then every 3 s (up to half again longer), never giving up. */
export const NODE_WATCH_POLICY = new RetryPolicy({ delaysMs: [500, 1000, 2000, 3000], jitter: 0.5 });
/** How long the explanation of the browser's question is on screen before the first try asks it. */
export const LNA_EXPLAIN_MS = 1200;
/** The permission names to query, newest first (Chromium 145+, then the 142–144 name). */
export const LNA_PERMISSION_NAMES = ['loopback-network', 'local-network-access'] as const;

/** 'unknown': the browser has no such permission (older Chromium, other browsers): just try. */
export type LnaPermission = 'granted' | 'prompt' | 'denied' | 'unknown';

export type NodeAccess =
  /** The page is on this computer (localhost, 127.x, [::1]): no permission involved. */
  | 'exempt'
  /** Granted, or a browser without the permission. */
  | 'allowed'
  /** The browser will ask on the first try: explain first. */
  | 'will-prompt'
  /** The user chose Block (or the page is not a secure context). */
  | 'blocked';

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** What the permission means for a page served from `pageHostname`. Pure. */
export function nodeAccess(pageHostname: string, permission: LnaPermission): NodeAccess {
  if (isLoopbackHost(pageHostname)) return 'exempt';
  switch (permission) {
    case 'granted':
    case 'unknown':
      return 'allowed';
    case 'prompt':
      return 'will-prompt';
    case 'denied':
      return 'blocked';
  }
}

/** A name a public CA will not certify: an IP address, a single label, or a LAN-only suffix. */
function isPrivateName(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(h) || h.includes(':')) return true;
  if (!h.includes('.')) return true;
  return /\.(local|lan|home|internal|intranet|corp|home\.arpa|test)$/.test(h);
}

/** The command that starts this computer's node for the page at `origin`. Pure. */
export function nodeCommand(origin: string): { command: string; caFile: string | null } {
  const url = new URL(origin);
  const base = `npm run node -- --server ${url.origin}`;
  // A LAN server's certificate comes from its own CA (data/tls/ca-cert.pem there).
  if (url.protocol === 'https:' && isPrivateName(url.hostname)) {
    return { command: `${base} --ca ca-cert.pem`, caFile: 'ca-cert.pem' };
  }
  return { command: base, caFile: null };
}

export type NodeNotice =
  | { kind: 'none' }
  /** Before the first try: what the browser's question is for. */
  | { kind: 'explain-prompt' }
  /** No node answers and the user chose Block. */
  | { kind: 'blocked'; command: string; caFile: string | null }
  /** No node answers. */
  | { kind: 'absent'; command: string; caFile: string | null }
  /** The node runs but cannot fetch the server's keys. */
  | { kind: 'server-unreachable'; server: string; detail: string };

export interface PresenceState {
  access: NodeAccess | null;
  /** The node's word on its server (welcome, or the refusal of hello), null until it said. */
  server: InferenceServerStatus | null;
  /** Set once the first try has started (after the explanation). */
  tried: boolean;
}

/** What the page shows about the node, from the socket's status and the presence state. Pure. */
export function nodeNotice(status: InferenceStatus, state: PresenceState, origin: string): NodeNotice {
  if (state.server && !state.server.reachable && status !== 'refused') {
    return { kind: 'server-unreachable', server: state.server.url, detail: state.server.detail ?? 'no answer' };
  }
  if (status === 'ready' || status === 'refused') return { kind: 'none' };
  if (!state.tried) return state.access === 'will-prompt' ? { kind: 'explain-prompt' } : { kind: 'none' };
  if (status === 'unavailable' || status === 'reconnecting') {
    return { kind: state.access === 'blocked' ? 'blocked' : 'absent', ...nodeCommand(origin) };
  }
  return { kind: 'none' };
}

type PermissionsLike = { query(descriptor: { name: string }): Promise<PermissionStatusLike> };
type PermissionStatusLike = { state: string; addEventListener(type: 'change', listener: () => void): void };

/**
 * The page's side of the node's presence: the permission (queried once, then followed through
 * its `change` events), the node's word on its server, and whether the first try has started.
 * One per page (pageNodePresence); the sockets report into it and the notices read it.
 */
export class NodePresence {
  private state: PresenceState = { access: null, server: null, tried: false };
  private readonly listeners = new Set<() => void>();
  private readonly grantedListeners = new Set<() => void>();
  private gate: Promise<void> | null = null;

  constructor(
    private readonly hostname: string,
    private readonly permissions: PermissionsLike | null,
    private readonly explainMs = LNA_EXPLAIN_MS,
  ) {}

  get snapshot(): PresenceState {
    return this.state;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called when the permission turns to granted: the socket tries at once instead of waiting. */
  onGranted(listener: () => void): () => void {
    this.grantedListeners.add(listener);
    return () => this.grantedListeners.delete(listener);
  }

  /** Settles when the first try may start: the permission queried and, when it will prompt, explained. */
  beforeFirstTry(): Promise<void> {
    this.gate ??= this.open();
    return this.gate;
  }

  setServer(server: InferenceServerStatus | null): void {
    const same = JSON.stringify(server) === JSON.stringify(this.state.server);
    if (!same) this.update({ server });
  }

  private async open(): Promise<void> {
    const permission = isLoopbackHost(this.hostname) ? 'unknown' : await this.query();
    const access = nodeAccess(this.hostname, permission);
    this.update({ access });
    if (access === 'will-prompt') await new Promise((resolve) => setTimeout(resolve, this.explainMs));
    this.update({ tried: true });
  }

  private async query(): Promise<LnaPermission> {
    if (!this.permissions) return 'unknown';
    for (const name of LNA_PERMISSION_NAMES) {
      let status: PermissionStatusLike;
      try {
        status = await this.permissions.query({ name });
      } catch {
        continue; // a name this browser does not know
      }
      status.addEventListener('change', () => {
        const access = nodeAccess(this.hostname, toPermission(status.state));
        this.update({ access });
        if (access === 'allowed') for (const listener of this.grantedListeners) listener();
      });
      return toPermission(status.state);
    }
    return 'unknown';
  }

  private update(patch: Partial<PresenceState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }
}

function toPermission(state: string): LnaPermission {
  return state === 'granted' || state === 'prompt' || state === 'denied' ? state : 'unknown';
}

let pagePresence: NodePresence | null = null;

/** This page's presence (browser only; null elsewhere, e.g. in unit tests without a window). */
export function pageNodePresence(): NodePresence | null {
  if (typeof window === 'undefined' || typeof location === 'undefined') return null;
  pagePresence ??= new NodePresence(
    location.hostname,
    typeof navigator !== 'undefined' && navigator.permissions ? (navigator.permissions as PermissionsLike) : null,
  );
  return pagePresence;
}
