import { z } from 'zod';

/** The multipart fields of POST /api/avatar (besides the `photo` and `crop` files). */
export const EnrollFields = z.strictObject({
  /** Flat [x, y, z] * 478 in displayed-photo pixels, JSON-encoded: what the browser's tracker found. */
  landmarks: z.string().max(64 * 1024),
  /** The size of the photo as the browser decoded and displayed it (EXIF orientation applied). */
  displayWidth: z.coerce.number().int().positive(),
  displayHeight: z.coerce.number().int().positive(),
  /** The EG3D source camera (25 floats) the browser estimated, JSON-encoded; optional. */
  camera: z.string().max(4096).optional(),
});
export type EnrollFields = z.infer<typeof EnrollFields>;

export const AvatarView = z.strictObject({
  avatarId: z.string(),
  ownerId: z.string(),
  /** Content hash the inference nodes cache this avatar's lift under: the protocol's avatar content hash of the stored photo, its landmarks and size. */
  avatarHash: z.string(),
  photoUrl: z.string(),
  cropUrl: z.string().nullable(),
  photoType: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  createdAt: z.string(),
});
export type AvatarView = z.infer<typeof AvatarView>;

export const EnrollResponse = z.strictObject({ avatar: AvatarView });
export type EnrollResponse = z.infer<typeof EnrollResponse>;

/** What a room peer's page fetches to hand an avatar to its inference node. */
export const AvatarSourceResponse = z.strictObject({
  avatar: AvatarView,
  displayName: z.string(),
  /** Flat [x, y, z] * 478 in photo pixels. */
  landmarks: z.array(z.number()),
  camera: z.array(z.number()).nullable(),
});
export type AvatarSourceResponse = z.infer<typeof AvatarSourceResponse>;
