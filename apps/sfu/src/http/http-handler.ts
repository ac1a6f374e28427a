import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, HolocallError, httpStatusFor, toWireError } from '@holocall/protocol';
import type { Logger } from '../logging/logger';
import type { SfuStats } from '../stats/collect-stats';
import { clientAddress, isLoopback } from './client-address';

export interface HttpRoutes {
  health(): { ok: boolean; workers: number; expectedWorkers: number };
  stats(): Promise<SfuStats>;
  statsToken: string | undefined;
  /** Whether to take the client's address from X-Forwarded-For (SFU_BEHIND_PROXY). */
  behindProxy: boolean;
  logger: Logger;
}

/**
 * The SFU's small HTTP surface next to socket.io: `GET /healthz` (200 while at least one
 * media worker is alive, else 503) and `GET /stats` (JSON). /stats names rooms, users and
 * avatars: loopback (the local operator, the tests) reads it freely; anybody else needs the
 * bearer token SFU_STATS_TOKEN, and without one set it is not served off loopback at all.
 */
export function createHttpHandler(routes: HttpRoutes): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // socket.io answers its own path on the same server.
    if (req.url?.startsWith('/socket.io')) return;
    const path = (req.url ?? '/').split('?')[0];
    void route(routes, req, path).then(
      ({ status, body }) => send(res, status, body),
      (error: unknown) => {
        const wire = toWireError(error);
        if (wire.code === ErrorCode.Internal) routes.logger.error('http request failed', { path, error });
        send(res, httpStatusFor(wire.code), { error: wire });
      },
    );
  };
}

async function route(
  routes: HttpRoutes,
  req: IncomingMessage,
  path: string | undefined,
): Promise<{ status: number; body: unknown }> {
  if (req.method !== 'GET') throw new HolocallError(ErrorCode.NotFound, 'no such route');
  if (path === '/healthz') {
    const health = routes.health();
    return { status: health.ok ? 200 : 503, body: health };
  }
  if (path === '/stats') {
    if (!isLoopback(clientAddress(req, routes.behindProxy))) {
      if (routes.statsToken === undefined) {
        throw HolocallError.forbidden('stats are served to loopback only (set SFU_STATS_TOKEN to read them remotely)');
      }
      if (!bearerMatches(req, routes.statsToken)) {
        throw new HolocallError(ErrorCode.Unauthenticated, 'stats need a bearer token from off loopback');
      }
    }
    return { status: 200, body: await routes.stats() };
  }
  throw new HolocallError(ErrorCode.NotFound, 'no such route');
}

function bearerMatches(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}
