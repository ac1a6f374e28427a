export { ROOM_TOKEN_AUDIENCE, ROOM_TOKEN_ISSUER, type VerifiedRoomToken, verifyRoomToken } from './room-tokens';
