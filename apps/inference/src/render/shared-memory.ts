/**
 * Memory that render threads read without a copy. In Node and in a cross-origin isolated page
 * that is a SharedArrayBuffer; a page without isolation has no SharedArrayBuffer at all, and
 * there the renderer runs on one thread (InlineRenderPool), for which a plain ArrayBuffer is
 * the same thing.
 */
export const SHARED_MEMORY = typeof SharedArrayBuffer === 'function';

/** `bytes` of zeroed memory, shared where the platform allows it (see the module comment). */
export function sharedBuffer(bytes: number): ArrayBuffer | SharedArrayBuffer {
  return SHARED_MEMORY ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}
