import { randomBytes } from 'node:crypto';

/**
 * Ids are random, URL-safe and fit the protocol's `Id` pattern ([A-Za-z0-9_-], at most 64).
 * 16 bytes for rows; room slugs are what a shareable link carries, so they are unguessable
 * too (12 bytes, 16 characters), and lowercase-free of look-alikes is not needed: nobody types them.
 */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}

export const ROOM_SLUG_BYTES = 12;
export const ROOM_SLUG_PATTERN = /^[A-Za-z0-9_-]{16}$/;

export function newRoomSlug(): string {
  return randomBytes(ROOM_SLUG_BYTES).toString('base64url');
}
