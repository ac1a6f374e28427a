import { ErrorCode, HolocallError } from '@holocall/protocol';
import type { CurrentUser } from '../auth/current-user';
import type { WebConfig } from '../config';
import { prisma } from '../db';
import { newId } from '../ids';
import { logger } from '../logger';
import { issueInferenceToken } from '../tokens/inference-token';
import { issueRoomToken, MEMBER_GRANTS } from '../tokens/room-token';
import { signingKeys } from '../tokens/signing-keys';
import { findRoomBySlug } from './get-room.action';
import type { JoinRoomResponse } from './join-room.types';
import { countPresent } from './presence';
import { toRoomView } from './room-view';

export interface JoinContext {
  user: CurrentUser;
  config: WebConfig;
  /** Links are made with this origin. */
  origin: string;
  /** The calling page's own origin: the inference token is minted for it. */
  pageOrigin: string;
  sfuUrl: string;
}

/**
 * Joins a room by its link: checks the caller has an avatar (receivers render it) and that
 * the room has space, records the membership, and issues the room token for the SFU and the
 * page's inference-node token. The room row is locked for the check-and-insert so two joins
 * racing for the last place cannot both get it.
 */
export async function joinRoom(slug: string, ctx: JoinContext): Promise<JoinRoomResponse> {
  const { user, config } = ctx;
  if (!user.avatarId) {
    throw new HolocallError(ErrorCode.Conflict, 'enroll a photo before joining a call', {
      details: { reason: 'not_enrolled' },
    });
  }
  const room = await findRoomBySlug(slug);
  const db = await prisma();
  const present = await db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT "id" FROM "rooms" WHERE "id" = ${room.id} FOR UPDATE`;
    const others = await countPresent(tx, room.id, user.userId);
    if (others >= room.maxPeers) {
      throw new HolocallError(ErrorCode.RoomFull, `this room is full (${room.maxPeers} people)`, {
        details: { maxPeers: room.maxPeers },
      });
    }
    const now = new Date();
    await tx.membership.upsert({
      where: { roomId_userId: { roomId: room.id, userId: user.userId } },
      create: {
        id: newId('m'),
        roomId: room.id,
        userId: user.userId,
        role: room.ownerId === user.userId ? 'owner' : 'member',
      },
      update: { seenAt: now, leftAt: null },
    });
    return others + 1;
  });
  const keys = await signingKeys(config.dataDir);
  const roomToken = await issueRoomToken(
    {
      roomId: room.id,
      userId: user.userId,
      avatarId: user.avatarId,
      displayName: user.displayName,
      grants: MEMBER_GRANTS,
      maxPeers: room.maxPeers,
    },
    keys,
  );
  const inference = await issueInferenceToken({ userId: user.userId, origin: ctx.pageOrigin }, keys);
  logger.info('room joined', { room: room.id, user: user.userId, present });
  return {
    room: toRoomView(room, user.userId, ctx.origin, present),
    roomId: room.id,
    self: { userId: user.userId, displayName: user.displayName, avatarId: user.avatarId },
    grants: MEMBER_GRANTS,
    roomToken: roomToken.token,
    roomTokenExpiresAt: roomToken.expiresAt,
    sfu: { url: ctx.sfuUrl },
    inference: {
      // The node serves its WebSocket on /ws (apps/inference/src/api/server.ts).
      url: `ws://127.0.0.1:${config.inferencePort}/ws`,
      token: inference.token,
      expiresAt: inference.expiresAt,
    },
  };
}

/** Leaving stamps the membership; the SFU learns of it when the page closes its socket. */
export async function leaveRoom(slug: string, user: CurrentUser): Promise<void> {
  const room = await findRoomBySlug(slug);
  const db = await prisma();
  await db.membership.updateMany({
    where: { roomId: room.id, userId: user.userId, leftAt: null },
    data: { leftAt: new Date() },
  });
  logger.info('room left', { room: room.id, user: user.userId });
}

/** The call page's heartbeat: keeps the member counted as present. */
export async function touchPresence(slug: string, user: CurrentUser): Promise<void> {
  const room = await findRoomBySlug(slug);
  const db = await prisma();
  const { count } = await db.membership.updateMany({
    where: { roomId: room.id, userId: user.userId, leftAt: null },
    data: { seenAt: new Date() },
  });
  if (count === 0) throw new HolocallError(ErrorCode.Conflict, 'not in this room; join it again');
}
