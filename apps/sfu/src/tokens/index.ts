export {
  MIN_ROOM_TOKEN_SECRET_BYTES,
  ROOM_TOKEN_AUDIENCE,
  ROOM_TOKEN_ISSUER,
  signRoomToken,
  type VerifiedRoomToken,
  verifyRoomToken,
} from './room-tokens';
