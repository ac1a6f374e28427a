import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Photos and crops, stored content-addressed under HOLOCALL_DATA_DIR/photos: the file name is
 * the sha256 of the bytes (two-level fan-out), so identical uploads are stored once and a name
 * can never point at other content. Writes go to a temp file then rename (atomic).
 */
const HASH_PATTERN = /^[0-9a-f]{64}$/;

export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function contentPath(dataDir: string, hash: string): string {
  if (!HASH_PATTERN.test(hash)) throw new Error('not a content hash');
  return path.join(dataDir, 'photos', hash.slice(0, 2), hash);
}

export async function storeContent(dataDir: string, bytes: Uint8Array): Promise<string> {
  const hash = contentHash(bytes);
  const file = contentPath(dataDir, hash);
  try {
    await fs.access(file);
    return hash;
  } catch {
    // not stored yet
  }
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.writeFile(temp, bytes, { mode: 0o600 });
  await fs.rename(temp, file);
  return hash;
}

export async function readContent(dataDir: string, hash: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(contentPath(dataDir, hash));
  } catch {
    return null;
  }
}

export async function removeContent(dataDir: string, hash: string): Promise<void> {
  await fs.rm(contentPath(dataDir, hash), { force: true });
}
