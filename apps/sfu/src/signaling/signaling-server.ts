import type { Server as HttpServer } from 'node:http';
import { toWireError } from '@holocall/protocol';
import { Server } from 'socket.io';
import { clientAddress } from '../http/client-address';
import { ConnectionQuotas } from '../limits/connection-quotas';
import { MAX_SOCKET_PACKET_BYTES } from '../limits/socket-limits';
import { SignalingConnection, type SignalingDeps } from './signaling-connection';

/**
 * socket.io on the SFU's HTTP server. Browsers from origins outside SFU_CORS_ORIGIN are
 * refused at the handshake (CORS alone does not cover WebSockets); clients without an
 * Origin header (servers, tests, the bench) are let through and still need a room token.
 */
export function attachSignaling(httpServer: HttpServer, deps: Omit<SignalingDeps, 'quotas' | 'address'>): Server {
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
  const quotas = new ConnectionQuotas();
  // MAX_SOCKETS_PER_ADDRESS, before any request: the client's connect_error carries the wire error as `data`.
  io.use((socket, next) => {
    const address = clientAddress(socket.request, deps.config.behindProxy);
    try {
      quotas.admitAddress(address);
    } catch (error) {
      const wire = toWireError(error);
      deps.counters.refuse(wire.code);
      deps.logger.info('socket refused', { address, code: wire.code, reason: wire.details?.reason });
      next(Object.assign(new Error(wire.message), { data: wire }));
      return;
    }
    socket.data.address = address;
    next();
  });
  io.on('connection', (socket) => {
    new SignalingConnection(socket, { ...deps, quotas, address: socket.data.address as string });
  });
  return io;
}
