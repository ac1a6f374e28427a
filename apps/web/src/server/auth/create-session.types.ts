import { MAX_DISPLAY_NAME_LENGTH } from '@holocall/protocol';
import { z } from 'zod';

/** A display name is all an account needs: trimmed, 1 to 80 characters, no control characters. */
export const DisplayName = z
  .string()
  .trim()
  .min(1, 'a display name is required')
  .max(MAX_DISPLAY_NAME_LENGTH)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  .refine((name) => !/[\u0000-\u001f\u007f]/.test(name), 'no control characters');

export const CreateSessionRequest = z.strictObject({ displayName: DisplayName });
export type CreateSessionRequest = z.infer<typeof CreateSessionRequest>;

export const SessionUser = z.strictObject({
  userId: z.string(),
  displayName: z.string(),
  avatarId: z.string().nullable(),
});
export type SessionUser = z.infer<typeof SessionUser>;

export const CreateSessionResponse = z.strictObject({ user: SessionUser });
export type CreateSessionResponse = z.infer<typeof CreateSessionResponse>;

export const GetSessionResponse = z.strictObject({ user: SessionUser.nullable() });
export type GetSessionResponse = z.infer<typeof GetSessionResponse>;
