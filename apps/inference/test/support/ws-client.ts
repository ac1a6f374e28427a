import {
  JwksTestServer,
  signTestInferenceToken,
  type TestSigningKey,
  testSigningKey,
} from '@holocall/protocol/test-support/token-keys';
import WebSocket from 'ws';
import type { InferenceConfig } from '../../src/config';

/** A real WebSocket client for a started node, as the receiver's browser would use it. */
export const ORIGIN = 'http://app.test:3000';

/**
 * The web app's part: one ES256 key pair (its "signing key") whose public half a JWKS server on
 * loopback publishes over real HTTP; testConfig() points the node at it (INFERENCE_JWKS_URL).
 */
export const WEB_KEY: TestSigningKey = await testSigningKey('inference-test');
export const WEB_JWKS: JwksTestServer = await JwksTestServer.start([WEB_KEY], { unref: true });

/** A page token as the web app signs one: for `origin` (default ORIGIN), 60 s unless told. */
export function pageToken(
  options: { origin?: string; key?: TestSigningKey; ttlSeconds?: number; issuedAt?: number; kid?: string } = {},
): Promise<string> {
  const { origin = ORIGIN, key = WEB_KEY, ttlSeconds = 60, ...rest } = options;
  return signTestInferenceToken(key, { origin }, { ttlSeconds, ...rest });
}

export type Message = Record<string, unknown>;

export interface Client {
  ws: WebSocket;
  texts: Message[];
  binaries: Uint8Array[];
  closed: Promise<{ code: number; reason: string }>;
  /** The first received (and not yet taken) message matching `pred`, or the next one to arrive. */
  next(pred: (m: Message) => boolean, timeoutMs?: number): Promise<Message>;
  sendJson(m: unknown): void;
}

export function testConfig(overrides: Partial<InferenceConfig> = {}): InferenceConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    allowedOrigins: [ORIGIN],
    jwksUrl: WEB_JWKS.url,
    jwksCacheFile: null,
    executionProvider: 'cpu',
    renderer: 'cpu',
    reenact: 'identity',
    modelsDir: '/nonexistent',
    renderThreads: 0,
    cacheBytes: 256 * 1024 * 1024,
    targetFps: 30,
    logLevel: 'silent',
    ...overrides,
  };
}

export function connect(port: number, origin?: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, origin ? { origin } : {});
    const texts: Message[] = [];
    const binaries: Uint8Array[] = [];
    const waiters: { pred: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        binaries.push(new Uint8Array(data as Buffer));
        return;
      }
      const m = JSON.parse(data.toString()) as Message;
      texts.push(m);
      for (const w of [...waiters]) {
        if (w.pred(m)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        ws,
        texts,
        binaries,
        closed,
        sendJson: (m) => ws.send(JSON.stringify(m)),
        next: (pred, timeoutMs = 5000) =>
          new Promise((res, rej) => {
            const found = texts.find(pred);
            if (found) {
              texts.splice(texts.indexOf(found), 1);
              res(found);
              return;
            }
            const timer = setTimeout(() => rej(new Error('timed out waiting for a message')), timeoutMs);
            waiters.push({
              pred,
              resolve: (m) => {
                clearTimeout(timer);
                texts.splice(texts.indexOf(m), 1);
                res(m);
              },
            });
          }),
      }),
    );
  });
}

/** Connected and past hello; resolves with the welcome message too. */
export async function authed(port: number): Promise<Client & { welcome: Message }> {
  const c = await connect(port, ORIGIN);
  c.sendJson({
    type: 'hello',
    protocolVersion: 1,
    token: await pageToken(),
  });
  const welcome = await c.next((m) => m.type === 'welcome');
  return Object.assign(c, { welcome });
}

export async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
