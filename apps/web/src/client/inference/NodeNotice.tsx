'use client';
import { useSyncExternalStore } from 'react';
import type { InferenceStatus } from './inference-types';
import { type NodeNotice as Notice, nodeNotice, type PresenceState, pageNodePresence } from './node-presence';

const NO_PRESENCE: PresenceState = { access: null, server: null, tried: true };
const noop = () => () => {};

/** The page's node presence, as React state. */
function usePresence(): PresenceState {
  const presence = pageNodePresence();
  return useSyncExternalStore(
    presence ? (listener) => presence.subscribe(listener) : noop,
    () => presence?.snapshot ?? NO_PRESENCE,
    () => NO_PRESENCE,
  );
}

/**
 * What the call page and the enrollment preview say about this computer's inference node: the
 * browser's Local Network Access question before it is asked, how to undo a Block, the command
 * that starts a node, or that the node cannot reach the server. `without` says what the page
 * does meanwhile ("people are shown by their enrolled photos").
 */
export function NodeNotice({ status, without }: { status: InferenceStatus; without: string }) {
  const presence = usePresence();
  const origin = typeof location === 'undefined' ? '' : location.origin;
  const notice: Notice = origin ? nodeNotice(status, presence, origin) : { kind: 'none' };
  switch (notice.kind) {
    case 'none':
      return null;
    case 'explain-prompt':
      return (
        <p className="notice" data-testid="lna-explain">
          Your browser will ask to let this page “look for and connect to devices on your local network”. That is your
          own HoloCall node on this computer (127.0.0.1), which draws the 3D heads: choose <strong>Allow</strong>.
        </p>
      );
    case 'server-unreachable':
      return (
        <p className="notice" data-testid="node-server-unreachable">
          The HoloCall node on this computer is running but cannot reach the server {notice.server} ({notice.detail}),
          so it cannot check this page. It keeps trying; see its terminal for details. Meanwhile {without}.
        </p>
      );
    case 'blocked':
    case 'absent':
      return (
        <div className="notice" data-testid="no-inference-notice" data-reason={notice.kind}>
          {notice.kind === 'blocked' ? (
            <p data-testid="lna-blocked">
              This browser is blocking the page from your HoloCall node on this computer (Local network access: Block).
              To undo it, open the site settings (the icon left of the address) and set{' '}
              <strong>Local network access</strong> to <strong>Allow</strong>; the page finds the node by itself.
            </p>
          ) : (
            <p>No HoloCall node is running on this computer, so {without}. To see people in 3D, start one here:</p>
          )}
          <pre>
            <code data-testid="node-command">{notice.command}</code>
          </pre>
          {notice.caFile && (
            <p className="muted">
              {notice.caFile} is the server's own certificate authority (data/tls/ca-cert.pem on the server): copy it to
              this computer first.
            </p>
          )}
          <p className="muted">This page notices the node when it starts; no reload needed.</p>
        </div>
      );
  }
}
