/**
 * Whether this page can use the camera (and the rest of what a call needs). A page is a secure
 * context only over HTTPS or from this computer itself (localhost); opened over plain http from
 * another address there is no `navigator.mediaDevices` at all, so the call and enrollment pages
 * explain that (components/SecureContextNotice.tsx) instead of failing on the first camera call.
 * Pure, so the decision is tested without a browser.
 */
export interface PageContext {
  isSecureContext: boolean;
  hasMediaDevices: boolean;
  /** The page's own address (location.href). */
  href: string;
}

export type SecureContextProblem =
  /** Plain http from another address: the fix is HTTPS (HOLOCALL_PUBLIC_HOST, or a reverse proxy). */
  | { kind: 'insecure-origin'; pageUrl: string; httpsUrl: string; host: string }
  /** A secure page without a camera API (a browser or policy that withholds it). */
  | { kind: 'no-media-devices'; pageUrl: string };

export function secureContextProblem(page: PageContext): SecureContextProblem | null {
  if (page.isSecureContext && page.hasMediaDevices) return null;
  if (!page.isSecureContext) {
    const url = new URL(page.href);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    url.protocol = 'https:';
    return { kind: 'insecure-origin', pageUrl: page.href, httpsUrl: url.href, host };
  }
  return { kind: 'no-media-devices', pageUrl: page.href };
}

/** This browser's own page, read where the component runs (never on the server). */
export function currentPageContext(): PageContext {
  return {
    isSecureContext: window.isSecureContext,
    hasMediaDevices: typeof navigator !== 'undefined' && navigator.mediaDevices !== undefined,
    href: window.location.href,
  };
}
