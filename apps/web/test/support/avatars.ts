import type { Database } from '@holocall/db';

/** Gives a user an avatar row directly (the enrollment route has its own tests). */
export async function giveAvatar(db: Database, userId: string, id = `a_${userId}`): Promise<string> {
  await db.prisma.avatar.create({
    data: {
      id,
      ownerId: userId,
      photoHash: 'f'.repeat(64),
      photoType: 'image/png',
      photoWidth: 640,
      photoHeight: 480,
      landmarks: [],
    },
  });
  return id;
}
