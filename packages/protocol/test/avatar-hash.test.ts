import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AVATAR_HASH_TAG,
  avatarContentHash,
  avatarHashFromImageDigest,
  decodeInferenceEnvelope,
  encodeEnrollmentEnvelope,
  HolocallError,
  sha256Hex,
} from '../src/index';

const image = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
const landmarks = Array.from({ length: 478 * 3 }, (_, i) => 10 + i / 7);
const space = { width: 640, height: 480 };

/** The documented layout, written out independently with node:crypto. */
function expected(bytes: Uint8Array, size: { width: number; height: number }, points: number[]): string {
  const floats = Buffer.alloc(points.length * 4);
  for (const [i, v] of points.entries()) floats.writeFloatLE(v, i * 4);
  const head = Buffer.alloc(8);
  head.writeUInt16LE(size.width, 0);
  head.writeUInt16LE(size.height, 2);
  head.writeUInt32LE(points.length, 4);
  return createHash('sha256')
    .update(Buffer.from(`${AVATAR_HASH_TAG}\0`, 'ascii'))
    .update(createHash('sha256').update(bytes).digest())
    .update(head)
    .update(floats)
    .digest('hex');
}

describe('avatar content hash', () => {
  it('is SHA-256 over the documented layout (tag, image digest, landmark space, float32 landmarks)', async () => {
    const hash = await avatarContentHash({ image, landmarkSpace: space, landmarks });
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(expected(image, space, landmarks));
    expect(await sha256Hex(image)).toBe(createHash('sha256').update(image).digest('hex'));
  });

  it('the web app (from the stored photo digest and JSON landmarks) and the node (from the envelope) agree', async () => {
    const fromRow = await avatarHashFromImageDigest(await sha256Hex(image), space, landmarks);
    const envelope = decodeInferenceEnvelope(
      encodeEnrollmentEnvelope({
        purpose: 'register',
        id: 'p1',
        avatarHash: fromRow,
        landmarkSpace: space,
        landmarks: Float32Array.from(landmarks),
        image,
      }),
    );
    if (envelope.kind !== 'enrollment') throw new Error('not an enrollment');
    expect(await avatarContentHash(envelope)).toBe(fromRow);
  });

  it('changes with any byte of the image, any landmark, or the landmark space', async () => {
    const base = await avatarContentHash({ image, landmarkSpace: space, landmarks });
    const otherImage = image.slice();
    otherImage[299] = (otherImage[299] ?? 0) ^ 1;
    const otherLandmarks = landmarks.slice();
    otherLandmarks[5] = 0.5 + (otherLandmarks[5] ?? 0);
    const variants = [
      { image: otherImage, landmarkSpace: space, landmarks },
      { image, landmarkSpace: space, landmarks: otherLandmarks },
      { image, landmarkSpace: { width: 641, height: 480 }, landmarks },
      { image, landmarkSpace: { width: 640, height: 481 }, landmarks },
      { image, landmarkSpace: space, landmarks: landmarks.slice(0, -3) },
    ];
    for (const v of variants) expect(await avatarContentHash(v)).not.toBe(base);
  });

  it('refuses what the layout cannot carry with a typed error', async () => {
    await expect(avatarHashFromImageDigest('zz', space, landmarks)).rejects.toBeInstanceOf(HolocallError);
    const digest = await sha256Hex(image);
    await expect(avatarHashFromImageDigest(digest, { width: 0, height: 1 }, landmarks)).rejects.toThrow(/sides/);
    await expect(avatarHashFromImageDigest(digest, { width: 0x10000, height: 1 }, landmarks)).rejects.toThrow(/sides/);
    await expect(avatarHashFromImageDigest(digest, space, [1, Number.NaN, 2])).rejects.toThrow(/finite/);
  });
});
