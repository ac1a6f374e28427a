/**
 * A real inference node in its own process (as on a receiver's machine: it must not share an
 * event loop with the WebRTC clients) and a WebSocket client that does what the receiver's
 * page does: hello with a page token, register the sender from its enrolled photo (real lift),
 * flat 256x256 RGBA view (the call page's default), then forward driver frames.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { FIXTURE_PHOTO_PATH, fixtureLandmarks } from '@holocall/face/node';
import { avatarContentHash, encodeEnrollmentEnvelope } from '@holocall/protocol';
import WebSocket from 'ws';
import type { BenchKeys } from '../support/web-keys';

const ORIGIN = 'http://127.0.0.1:3400';
const START_TIMEOUT_MS = 60_000;
const LIFT_TIMEOUT_MS = 60_000;
export const VIEW_SIZE = 256;

type Message = Record<string, unknown> & { type: string };

export interface NodeProcess {
  port: number;
  close(): Promise<void>;
}

export async function startInferenceProcess(
  port: number,
  keys: BenchKeys,
  env: Record<string, string> = {},
): Promise<NodeProcess> {
  const child: ChildProcess = spawn('node_modules/.bin/tsx', ['apps/inference/src/main.ts'], {
    env: {
      ...process.env,
      INFERENCE_PORT: String(port),
      INFERENCE_HOST: '127.0.0.1',
      INFERENCE_ALLOWED_ORIGINS: ORIGIN,
      INFERENCE_JWKS_URL: keys.jwksUrl,
      INFERENCE_EP: 'cpu',
      INFERENCE_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`inference node exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`inference node not healthy on port ${port} within ${START_TIMEOUT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    port,
    close: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export class ReceiverPageSocket {
  readonly ws: WebSocket;
  private readonly texts: Message[] = [];
  private waiters: { pred: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  onBinary: (bytes: Uint8Array) => void = () => undefined;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.onBinary(new Uint8Array(data as Buffer));
        return;
      }
      const m = JSON.parse(data.toString()) as Message;
      const waiter = this.waiters.find((w) => w.pred(m));
      if (waiter) {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(m);
      } else this.texts.push(m);
    });
  }

  static async open(port: number, keys: BenchKeys): Promise<ReceiverPageSocket> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { origin: ORIGIN });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const page = new ReceiverPageSocket(ws);
    page.send({
      type: 'hello',
      protocolVersion: 1,
      token: await keys.pageToken(ORIGIN),
    });
    await page.next((m) => m.type === 'welcome');
    return page;
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  next(pred: (m: Message) => boolean, timeoutMs = 10_000): Promise<Message> {
    const error = this.texts.find((m) => m.type === 'error');
    if (error) return Promise.reject(new Error(`inference node error: ${JSON.stringify(error)}`));
    const found = this.texts.find(pred);
    if (found) {
      this.texts.splice(this.texts.indexOf(found), 1);
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('inference node: no answer in time')), timeoutMs);
      this.waiters.push({
        pred: (m) => pred(m) || m.type === 'error',
        resolve: (m) => {
          clearTimeout(timer);
          if (m.type === 'error') reject(new Error(`inference node error: ${JSON.stringify(m)}`));
          else resolve(m);
        },
      });
    });
  }

  /** Registers `peerId` from the fixture photo and its tracker landmarks (the real reference lift). */
  async registerFixtureSender(peerId: string): Promise<number> {
    // The node caches a lift under its content's avatar hash, and refuses any other hash.
    const content = {
      landmarkSpace: { width: 512, height: 512 },
      landmarks: Float32Array.from(fixtureLandmarks('astronaut')),
      image: new Uint8Array(readFileSync(FIXTURE_PHOTO_PATH)),
    };
    const avatarHash = await avatarContentHash(content);
    this.send({ type: 'register-sender', peerId, avatarHash, source: 'enrollment' });
    await this.next((m) => m.type === 'registered' && m.peerId === peerId);
    this.ws.send(encodeEnrollmentEnvelope({ purpose: 'register', id: peerId, avatarHash, ...content }));
    const done = await this.next(
      (m) => m.type === 'registered' && m.peerId === peerId && m.awaitingUpload === false,
      LIFT_TIMEOUT_MS,
    );
    for (const m of [
      { type: 'set-view', view: { kind: 'flat', width: VIEW_SIZE, height: VIEW_SIZE } },
      { type: 'set-output', format: 'rgba' },
    ]) {
      this.send(m);
      await this.next((r) => r.type === 'ok');
    }
    return Number(done.liftMs ?? Number.NaN);
  }

  close(): void {
    this.ws.close();
  }
}
