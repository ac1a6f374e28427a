import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { INFERENCE_HELLO_TIMEOUT_MS, type InferenceServerStatus, MAX_INFERENCE_BINARY_BYTES } from '@holocall/protocol';
import type { JWTVerifyGetKey } from 'jose';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../log';
import type { InferenceNode } from '../node';
import { CLOSE, Connection } from './connection';

export const WS_PATH = '/ws';

export interface ServerOptions {
  host: string;
  port: number;
  allowedOrigins: readonly string[];
  /** The web app's public keys (its JWKS), which page tokens are checked against. */
  tokenKeys: JWTVerifyGetKey;
  /** Whether the node reaches the server that signs page tokens (told to pages in the welcome). */
  serverStatus?: (() => InferenceServerStatus | null) | undefined;
  targetFps: number;
  threads: number;
  helloTimeoutMs?: number;
}

/**
 * The node's local API: a WebSocket at /ws for the receiver's browser, GET /stats and
 * GET /healthz. Bound to loopback only. A WebSocket upgrade whose Origin is not one of the
 * web app's is refused with HTTP 403 before any WebSocket exists; /stats refuses foreign
 * Origins too (requests without an Origin, like curl on this machine, are served).
 */
export class InferenceServer {
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<Connection>();
  readonly refused = { origin: 0, path: 0 };

  constructor(
    private readonly node: InferenceNode,
    private readonly opts: ServerOptions,
    private readonly log: Logger,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_INFERENCE_BINARY_BYTES });
    this.http = createServer((req, res) => this.onRequest(req, res));
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
  }

  async listen(): Promise<{ port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.opts.port, this.opts.host, () => resolve());
    });
    const address = this.http.address();
    const port = typeof address === 'object' && address ? address.port : this.opts.port;
    this.log.info('inference node listening', { host: this.opts.host, port, ws: WS_PATH });
    return { port };
  }

  /** Tells connections whose peers use an evicted avatar. */
  avatarEvicted(hash: string): void {
    for (const c of this.connections) c.avatarEvicted(hash);
  }

  stats(): Record<string, unknown> {
    return {
      ...this.node.stats(),
      connections: [...this.connections].map((c) => c.statsForConnection()),
      refused: this.refused,
    };
  }

  private originAllowed(origin: string | undefined): boolean {
    return origin !== undefined && this.opts.allowedOrigins.includes(origin);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const origin = req.headers.origin;
    if (origin !== undefined && !this.originAllowed(origin)) {
      this.refused.origin++;
      res
        .writeHead(403, { 'content-type': 'application/json' })
        .end(JSON.stringify({ code: 'origin_refused', message: 'origin not allowed' }));
      return;
    }
    const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
    if (origin !== undefined) headers['access-control-allow-origin'] = origin;
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/stats') {
      res.writeHead(200, headers).end(JSON.stringify(this.stats()));
    } else if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, headers).end(JSON.stringify({ ok: true }));
    } else {
      res.writeHead(404, headers).end(JSON.stringify({ code: 'not_found', message: 'no such route' }));
    }
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '/').split('?')[0];
    const origin = req.headers.origin;
    if (path !== WS_PATH) {
      this.refused.path++;
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (!this.originAllowed(origin)) {
      this.refused.origin++;
      this.log.warn('websocket refused: origin not allowed', { origin: origin ?? null });
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, origin as string));
  }

  private onConnection(ws: WebSocket, origin: string): void {
    const conn = new Connection(
      ws,
      this.node,
      {
        tokenKeys: this.opts.tokenKeys,
        serverStatus: this.opts.serverStatus,
        origin,
        helloTimeoutMs: this.opts.helloTimeoutMs ?? INFERENCE_HELLO_TIMEOUT_MS,
        threads: this.opts.threads,
      },
      this.log,
      this.opts.targetFps,
    );
    this.connections.add(conn);
    ws.on('message', (data, isBinary) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data;
      if (isBinary) conn.onBinary(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      else conn.onText(bytes.toString('utf8'));
    });
    ws.on('close', () => {
      conn.onClose();
      this.connections.delete(conn);
    });
    ws.on('error', (error) => this.log.warn('websocket error', { conn: conn.id, error: error.message }));
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.close(CLOSE.shuttingDown, 'shutting down');
    this.wss.close();
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeAllConnections();
    await closed;
  }
}
