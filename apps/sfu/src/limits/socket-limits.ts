import { MAX_SIGNALING_MESSAGE_BYTES } from '@holocall/protocol';

/**
 * Hard cap on one socket.io packet. Above MAX_SIGNALING_MESSAGE_BYTES on purpose: a request
 * between the two is answered with a typed `too_large`; only a packet beyond this one makes
 * engine.io drop the connection before any handler sees it.
 */
export const MAX_SOCKET_PACKET_BYTES = 4 * MAX_SIGNALING_MESSAGE_BYTES;
