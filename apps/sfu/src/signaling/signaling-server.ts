import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { MAX_SOCKET_PACKET_BYTES } from '../limits/socket-limits';
import { SignalingConnection, type SignalingDeps } from './signaling-connection';

/**
 * socket.io on the SFU's HTTP server. Browsers from origins outside SFU_CORS_ORIGIN are
 * refused at the handshake (CORS alone does not cover WebSockets); clients without an
 * Origin header (servers, tests, the bench) are let through and still need a room token.
 */
export function attachSignaling(httpServer: HttpServer, deps: SignalingDeps): Server {
  const { corsOrigins } = deps.config;
  const anyOrigin = corsOrigins.includes('*');
  const io = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: MAX_SOCKET_PACKET_BYTES,
    cors: { origin: anyOrigin ? true : corsOrigins },
    allowRequest: (req, callback) => {
      const origin = req.headers.origin;
      callback(null, anyOrigin || origin === undefined || corsOrigins.includes(origin));
    },
  });
  io.on('connection', (socket) => {
    new SignalingConnection(socket, deps);
  });
  return io;
}
