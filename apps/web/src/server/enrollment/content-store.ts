import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, HolocallError } from '@holocall/protocol';
import { logger } from '../logger';

/**
 * Photos and crops, stored content-addressed under HOLOCALL_DATA_DIR/photos: the file name is
 * the sha256 of the bytes (two-level fan-out), so identical uploads are stored once and a name
 * can never point at other content.
 *
 * Nothing stored is lost or served damaged:
 * - a write goes to a temp file that is fsync'ed, renamed into place, and the folder fsync'ed,
 *   so a crash leaves the old state or the whole new file, never a short one under the name;
 * - a read checks the bytes against their name: a damaged file is refused (`internal`, reason
 *   `content_corrupted`) and logged, never served; storing the same bytes again repairs it;
 * - removing an unused file first moves it aside and asks again whether it is unused: an
 *   enrollment of the same bytes that committed meanwhile gets its file back (see removeContent).
 */
const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** Why stored content was refused (`details.reason`). */
export type ContentRefusalReason = 'content_corrupted';

export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function contentPath(dataDir: string, hash: string): string {
  if (!HASH_PATTERN.test(hash)) throw new Error('not a content hash');
  return path.join(dataDir, 'photos', hash.slice(0, 2), hash);
}

async function readIfPresent(file: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Stores `bytes` under their hash and returns it. Bytes already stored intact are not written
 * again; a stored file that no longer matches its name is replaced.
 */
export async function storeContent(dataDir: string, bytes: Uint8Array): Promise<string> {
  const hash = contentHash(bytes);
  const file = contentPath(dataDir, hash);
  const existing = await readIfPresent(file);
  if (existing && contentHash(existing) === hash) return hash;
  if (existing) logger.warn('stored content was damaged; writing it again', { hash });
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await fs.open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
  } finally {
    await fs.rm(temp, { force: true });
  }
  await fsyncDir(path.dirname(file));
  return hash;
}

/** The stored bytes, or null if there are none; bytes that do not match their hash are refused. */
export async function readContent(dataDir: string, hash: string): Promise<Buffer | null> {
  const file = contentPath(dataDir, hash);
  const bytes = await readIfPresent(file);
  if (bytes === null) return null;
  if (contentHash(bytes) !== hash) {
    logger.error('stored content does not match its hash; not serving it', { hash, file, bytes: bytes.byteLength });
    throw new HolocallError(ErrorCode.Internal, 'the stored image is damaged', {
      details: { reason: 'content_corrupted' satisfies ContentRefusalReason },
    });
  }
  return bytes;
}

/**
 * Removes a file the caller found unused. An enrollment of the same bytes may have found the
 * file present (and skipped writing it) just before, and commit just after: so the file is
 * first renamed aside, `stillUnused` is asked again, and the file is put back if the answer
 * changed. (Enrollment, for its part, stores its files again after it commits, for a removal
 * that finished between its first store and its commit.) Returns whether the file was removed.
 */
export async function removeContent(
  dataDir: string,
  hash: string,
  stillUnused: () => Promise<boolean>,
): Promise<boolean> {
  const file = contentPath(dataDir, hash);
  const aside = `${file}.${randomBytes(6).toString('hex')}.unused`;
  try {
    await fs.rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  let unused = false;
  try {
    unused = await stillUnused();
  } finally {
    // In use again, or the check failed: the same bytes go back under their name.
    if (!unused) await fs.rename(aside, file);
  }
  if (!unused) return false;
  await fs.rm(aside, { force: true });
  await fsyncDir(path.dirname(file));
  return true;
}
