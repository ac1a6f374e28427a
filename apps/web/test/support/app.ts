import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Database, openDatabase } from '@holocall/db';
import { createLocalJWKSet } from 'jose';
import { afterAll, beforeAll } from 'vitest';
import { readConfig, setConfigForTests, type WebConfig } from '../../src/server/config';
import { setDatabaseForTests } from '../../src/server/db';
import { PEER_ADDRESS_HEADER } from '../../src/server/http/client-address';
import { signingKeys } from '../../src/server/tokens/signing-keys';

/**
 * Route handlers run in-process against a fresh in-memory PGlite and a temp data dir: the
 * same code Next runs, called with real Request objects.
 */
export const ORIGIN = 'http://localhost:3000';
export const SECRETS = {
  SESSION_SECRET: 'test-session-secret-0123456789abcdef0123',
};

/**
 * The app's published keys as the SFU and the inference node see them (its JWKS, held in
 * memory here): what tokens the app signed are checked against. The keys are the app's own,
 * made in its temp data dir on first use.
 */
export async function publishedKeys(config: WebConfig): Promise<ReturnType<typeof createLocalJWKSet>> {
  return createLocalJWKSet(await (await signingKeys(config.dataDir)).publicJwks());
}

export interface TestApp {
  config: WebConfig;
  db: Database;
}

export function useTestApp(): TestApp {
  const app = {} as TestApp;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const opened = await openTestApp();
    Object.assign(app, { config: opened.config, db: opened.db });
    close = opened.close;
  });
  afterAll(async () => {
    await close?.();
  });
  return app;
}

/** The same app outside a test file's hooks (the fuzz bench); `close` undoes it. */
export async function openTestApp(): Promise<TestApp & { close(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'holocall-web-'));
  const config = readConfig({
    ...SECRETS,
    NODE_ENV: 'test',
    HOLOCALL_DATA_DIR: dataDir,
    SFU_PORT: '3001',
    INFERENCE_PORT: '3002',
  });
  config.database = { kind: 'pglite', dataDir: 'memory://' };
  setConfigForTests(config);
  const db = await openDatabase(config.database);
  setDatabaseForTests(db);
  return {
    config,
    db,
    async close() {
      setDatabaseForTests(undefined);
      setConfigForTests(undefined);
      await db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

export interface CallOptions {
  cookie?: string;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  params?: Record<string, string>;
}

let nextPeer = 0;

/**
 * A fresh client address (IPv6 documentation prefix) for each call that does not name one, as
 * web-server.mjs stamps it: tests that are not about per-address limits never share a budget.
 */
export function freshAddress(): string {
  nextPeer += 1;
  return `2001:db8::${nextPeer.toString(16)}`;
}

/** Calls a route handler the way Next does: a Request, and the dynamic segments as a promise. */
export async function call(
  handler: (request: Request, ...rest: never[]) => Promise<Response>,
  method: string,
  pathname: string,
  options: CallOptions = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies freely
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = {
    host: 'localhost:3000',
    [PEER_ADDRESS_HEADER]: freshAddress(),
    ...options.headers,
  };
  if (options.cookie) headers.cookie = options.cookie;
  let body = options.body;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.json);
  }
  const request = new Request(`${ORIGIN}${pathname}`, { method, headers, body, duplex: 'half' } as RequestInit);
  const response = await (handler as unknown as Handler)(request, { params: Promise.resolve(options.params ?? {}) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** Signs in a new user by display name; returns the cookie header value to send back. */
export async function signIn(
  sessionPost: (request: Request) => Promise<Response>,
  displayName: string,
): Promise<{ cookie: string; userId: string }> {
  const result = await call(sessionPost, 'POST', '/api/session', { json: { displayName } });
  if (result.status !== 201) throw new Error(`sign-in failed: ${JSON.stringify(result.body)}`);
  const setCookie = result.headers.get('set-cookie') ?? '';
  return { cookie: setCookie.split(';')[0]!, userId: result.body.user.userId };
}
