'use client';
import { type ReactNode, useSyncExternalStore } from 'react';
import { currentPageContext, type SecureContextProblem, secureContextProblem } from '../secure-context';

const noSubscription = () => () => {};
/** A string snapshot (stable between renders): 'ok', or the problem as JSON. */
const clientSnapshot = () => JSON.stringify(secureContextProblem(currentPageContext()) ?? 'ok');
const serverSnapshot = () => 'unknown';

/**
 * Renders `children` only where the page can use the camera. The server cannot know (it depends
 * on the address the browser used), so nothing of `children` renders until the browser has
 * checked: a child's first effect never reaches for `navigator.mediaDevices` on an insecure page.
 */
export function RequireSecureContext({ children, what }: { children?: ReactNode; what: string }) {
  const snapshot = useSyncExternalStore(noSubscription, clientSnapshot, serverSnapshot);
  if (snapshot === 'unknown') return <main className="page">Loading…</main>;
  const problem = JSON.parse(snapshot) as SecureContextProblem | 'ok';
  if (problem === 'ok') return children;
  return <SecureContextNotice problem={problem} what={what} />;
}

/** Why this page cannot use the camera here, and what fixes it. */
export function SecureContextNotice({ problem, what }: { problem: SecureContextProblem; what: string }) {
  if (problem.kind === 'no-media-devices') {
    return (
      <main className="page">
        <section className="card notice" role="alert" data-testid="secure-context-notice">
          <h1>No camera access in this browser</h1>
          <p>
            This page is secure, but the browser offers it no camera API, which {what} needs. Try a current Chrome,
            Chromium, Edge or Firefox, and check that no policy or extension blocks camera access.
          </p>
        </section>
      </main>
    );
  }
  return (
    <main className="page">
      <section className="card notice" role="alert" data-testid="secure-context-notice">
        <h1>This address is not secure</h1>
        <p>
          You opened <code>{problem.pageUrl}</code> over plain http from another computer. Browsers give the camera only
          to pages served over HTTPS (or from the same computer, as localhost), so {what} cannot start here.
        </p>
        <p>
          Ask the person who runs HoloCall to start it for other computers with{' '}
          <code>HOLOCALL_PUBLIC_HOST={problem.host} npm start</code>. It then prints an address such as{' '}
          <code>{problem.httpsUrl}</code> to open instead, and a certificate to trust once on this computer.
        </p>
        <p className="muted">
          On a server behind a reverse proxy that terminates HTTPS, open the proxy&apos;s https:// address. On the
          server&apos;s own computer, http://localhost works as it is.
        </p>
      </section>
    </main>
  );
}
