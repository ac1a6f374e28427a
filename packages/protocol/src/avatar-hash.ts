import { HolocallError } from './errors';

/**
 * An avatar's content hash: the name an inference node caches a lift under, and the one the
 * web app declares for an enrolled avatar (AvatarView.avatarHash). Everything a lift depends
 * on enters it: the image bytes, the landmarks and the size of the image they are given in.
 * The node computes it from the enrollment envelope it lifts and refuses an envelope that
 * declares another, so a page can never bind a lift to a hash it chose.
 *
 * SHA-256 (lowercase hex) over this byte layout:
 *
 *   AVATAR_HASH_TAG               ASCII "holocall.avatar.v1" then one 0x00 byte
 *   image digest                  32 bytes: SHA-256 of the image bytes as stored and sent
 *   landmark space width, height  u16 LE each
 *   float count n                 u32 LE (points * 3)
 *   landmarks                     n float32 LE, x, y, z per point, as the enrollment envelope carries them
 *
 * The image enters through its own SHA-256, so the web app, which stores each photo under
 * that digest, derives the avatar hash from the stored row without reading the photo again.
 * WebCrypto: the same code runs in Node (the web server, the inference node) and browsers.
 */
export const AVATAR_HASH_TAG = 'holocall.avatar.v1';

/** What an avatar's lift is made from: the enrollment envelope's image, landmarks and landmark space. */
export interface AvatarContent {
  image: Uint8Array;
  landmarkSpace: { width: number; height: number };
  /** points * 3 numbers; each enters as float32 (what the envelope carries). */
  landmarks: ArrayLike<number>;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new HolocallError('internal', 'WebCrypto (crypto.subtle) is not available here');
  return new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** SHA-256 of `bytes`, lowercase hex (the web app's photo store names files with it). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return hex(await sha256(bytes));
}

/** The avatar hash from the image's SHA-256 (hex) and the landmarks: the layout above. */
export async function avatarHashFromImageDigest(
  imageSha256: string,
  landmarkSpace: { width: number; height: number },
  landmarks: ArrayLike<number>,
): Promise<string> {
  if (!HEX_SHA256.test(imageSha256)) throw HolocallError.badRequest('image digest is not a lowercase hex SHA-256');
  for (const side of [landmarkSpace.width, landmarkSpace.height]) {
    if (!Number.isInteger(side) || side < 1 || side > 0xffff)
      throw HolocallError.badRequest('landmark space sides must be integers in [1, 65535]');
  }
  const floats = Float32Array.from(landmarks);
  for (const v of floats) if (!Number.isFinite(v)) throw HolocallError.badRequest('landmarks must be finite');
  const tag = new TextEncoder().encode(AVATAR_HASH_TAG);
  const out = new Uint8Array(tag.length + 1 + 32 + 4 + 4 + floats.length * 4);
  const view = new DataView(out.buffer);
  out.set(tag, 0);
  let at = tag.length + 1;
  for (let i = 0; i < 32; i++) out[at + i] = Number.parseInt(imageSha256.slice(2 * i, 2 * i + 2), 16);
  at += 32;
  view.setUint16(at, landmarkSpace.width, true);
  view.setUint16(at + 2, landmarkSpace.height, true);
  view.setUint32(at + 4, floats.length, true);
  at += 8;
  for (let i = 0; i < floats.length; i++) view.setFloat32(at + 4 * i, floats[i]!, true);
  return sha256Hex(out);
}

/** The avatar hash of what a lift is made from (what the inference node caches the lift under). */
export async function avatarContentHash(content: AvatarContent): Promise<string> {
  return avatarHashFromImageDigest(await sha256Hex(content.image), content.landmarkSpace, content.landmarks);
}

/** Tag of a tri-plane upload's content hash. */
export const TRIPLANE_HASH_TAG = 'holocall.triplane.v1';

/**
 * The avatar hash of an uploaded tri-plane (register-sender source 'upload'): SHA-256 (hex) of
 * TRIPLANE_HASH_TAG, one 0x00 byte, then the floats as float32 LE (the envelope's body).
 * The node caches an upload under this hash only, so no upload can take an enrolled avatar's name.
 */
export async function triplaneContentHash(data: Float32Array): Promise<string> {
  const tag = new TextEncoder().encode(TRIPLANE_HASH_TAG);
  const out = new Uint8Array(tag.length + 1 + data.byteLength);
  out.set(tag, 0);
  const view = new DataView(out.buffer, tag.length + 1);
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i]!, true);
  return sha256Hex(out);
}
