/**
 * The one check for a `next=` parameter (where a page sends the browser when it is done):
 * only a path on this origin passes. Refused: anything not starting with one `/` (schemes,
 * `//host` and `/\host`, which browsers read as another host), backslashes and control
 * characters anywhere (the URL parser turns `\` into `/` and drops tabs and newlines, so
 * `/\t/evil.example` becomes `//evil.example`), percent-encoded forms that decode to any of
 * these, and whatever a URL parser would still resolve to another origin.
 */
export const MAX_NEXT_PATH_LENGTH = 2048;

const BASE = 'http://next-path.invalid';

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f\\]/;

function unsafe(path: string): boolean {
  return !path.startsWith('/') || path.startsWith('//') || UNSAFE.test(path);
}

/** Returns `raw` as a same-origin path (pathname, search, hash), or null when it is not one. */
export function safeNextPath(raw: string | null | undefined): string | null {
  if (!raw || raw.length > MAX_NEXT_PATH_LENGTH || unsafe(raw)) return null;
  // Encoded forms (`/%2F%2Fevil`, `/%5Cevil`, doubly encoded): every decoding must be safe too.
  let decoded = raw;
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      return null;
    }
    if (next === decoded) break;
    if (unsafe(next)) return null;
    decoded = next;
  }
  let url: URL;
  try {
    url = new URL(raw, BASE);
  } catch {
    return null;
  }
  if (url.origin !== BASE) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}
