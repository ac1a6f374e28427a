/**
 * Fuzzing one inference-node Connection in-process (real node: CPU render stage, the reference
 * reenact backend, the lift worker thread), for the short run in connection.fuzz.test.ts and the
 * long run of `npm run bench -- fuzz`. Each case sends one mutated text or binary message, then
 * a ping that must be answered (the connection keeps serving); the oracle checks every reply:
 * JSON of the node's message schema, an error only ever of an expected code (never `internal`),
 * a spec-invalid message always answered with an error, the socket never closed.
 */
import {
  avatarContentHash,
  ErrorCode,
  encodeDriverFrame,
  encodeDriverFrameEnvelope,
  encodeEnrollmentEnvelope,
  InferenceNodeMessage,
  MAX_INFERENCE_JSON_BYTES,
} from '@holocall/protocol';
import {
  ACCEPTED,
  conforms,
  FuzzCrash,
  INFERENCE_CLIENT_MESSAGE_SPEC,
  INFERENCE_LIMIT_NUMBERS,
  mutateBytes,
  mutateText,
  mutateValue,
  pick,
  preview,
  type Random,
  randomInt,
  referenceEnvelope,
  type Verdict,
  validInferenceMessages,
} from '@holocall/protocol/test-support/fuzz';
import { signTestInferenceToken, testSigningKey } from '@holocall/protocol/test-support/token-keys';
import { createLocalJWKSet } from 'jose';
import { PNG } from 'pngjs';
import { Connection, type Socket } from '../../src/api/connection';
import { createLogger } from '../../src/log';
import { InferenceNode } from '../../src/node';
import { CpuRenderStage } from '../../src/render/cpu-render-stage';
import { RenderPool } from '../../src/render/render-pool';
import { createReenact } from '../../src/start';
import { testConfig } from './ws-client';

const ORIGIN = 'http://app.test:3000';

/** Codes a connection may answer a hostile message with (`internal` is a crash). */
export const CONNECTION_REFUSAL_CODES: readonly ErrorCode[] = [
  ErrorCode.BadRequest,
  ErrorCode.TooLarge,
  ErrorCode.MalformedFrame,
  ErrorCode.NotFound,
  ErrorCode.Conflict,
  ErrorCode.UnsupportedMedia,
  ErrorCode.FaceNotFound,
  ErrorCode.MultipleFaces,
  ErrorCode.Unavailable,
  ErrorCode.Timeout,
  ErrorCode.RateLimited,
];

/** A socket that records what the connection sends. */
class RecordingSocket implements Socket {
  readonly texts: Record<string, unknown>[] = [];
  binaries = 0;
  closedWith: string | undefined;
  bufferedAmount = 0;
  private waiters: { nonce: number; resolve: () => void }[] = [];
  /** Anything that broke the oracle outside a case's own replies (a late lift error, a bad message). */
  readonly problems: string[] = [];

  send(data: string | Uint8Array): void {
    if (typeof data !== 'string') {
      this.binaries++;
      return;
    }
    let message: Record<string, unknown>;
    try {
      message = InferenceNodeMessage.parse(JSON.parse(data)) as Record<string, unknown>;
    } catch (error) {
      this.problems.push(`the node sent a message outside its schema: ${data.slice(0, 200)} (${String(error)})`);
      return;
    }
    if (message.type === 'error' && !CONNECTION_REFUSAL_CODES.includes(message.code as ErrorCode)) {
      this.problems.push(`the node answered ${String(message.code)}: ${String(message.message)}`);
    }
    this.texts.push(message);
    if (message.type === 'pong') {
      const ready = this.waiters.filter((w) => w.nonce === message.nonce);
      this.waiters = this.waiters.filter((w) => !ready.includes(w));
      for (const w of ready) w.resolve();
    }
  }

  close(_code: number, reason: string): void {
    this.closedWith = reason;
  }

  pong(nonce: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no pong ${nonce} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        nonce,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

const PEERS = ['p1', 'p2', 'p3', 'p4'];
/** inReplyTo of errors that answer something other than the message just sent. */
const ASYNC_REPLIES = ['binary', 'enrollment', 'render'];

/** The enrollment every valid enrollment envelope carries: a real PNG, points inside it, and its content hash. */
interface FuzzEnrollment {
  image: Uint8Array;
  landmarks: Float32Array;
  hash: string;
}

async function fuzzEnrollment(): Promise<FuzzEnrollment> {
  const png = new PNG({ width: 320, height: 256 });
  for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 37) & 0xff;
  const image = new Uint8Array(PNG.sync.write(png));
  const landmarks = Float32Array.from({ length: 478 * 3 }, (_, i) => 60 + ((i * 7919) % 200));
  const hash = await avatarContentHash({ image, landmarks, landmarkSpace: { width: 320, height: 256 } });
  return { image, landmarks, hash };
}

/** The fuzzed connection checks page tokens against this key, held in memory (no HTTP). */
const WEB_KEY = await testSigningKey('fuzz');

function validEnvelope(random: Random, enrollment: FuzzEnrollment): Uint8Array {
  if (random() < 0.6) {
    const frame = encodeDriverFrame({
      seq: randomInt(random, 2 ** 32),
      captureTimeMs: 1_700_000_000_000,
      pose: { rotation: [random() - 0.5, random() - 0.5, 0], translation: [0, 0, 0.6] },
      expression: { kind: 'none' },
    });
    return encodeDriverFrameEnvelope(pick(random, PEERS), frame);
  }
  const preview = random() < 0.3;
  return encodeEnrollmentEnvelope({
    purpose: preview ? 'preview' : 'register',
    id: preview ? 'r1' : pick(random, PEERS),
    avatarHash: enrollment.hash,
    landmarkSpace: { width: 320, height: 256 },
    landmarks: enrollment.landmarks,
    image: enrollment.image,
  });
}

/** One case's input: a text (with what the spec says of it) or binary bytes (with what the layout says). */
export type ConnectionInput =
  | {
      text: string;
      mustRefuse: boolean /** Its `type` as the node reads it for inReplyTo. */;
      type: string | undefined;
    }
  | { bytes: Uint8Array; mustRefuse: boolean };

export function connectionInput(
  random: Random,
  corpus: readonly unknown[],
  enrollment: FuzzEnrollment,
): ConnectionInput {
  const shape = random();
  if (shape < 0.3) {
    const valid = validEnvelope(random, enrollment);
    const bytes = random() < 0.15 ? valid : mutateBytes(random, valid, { hotRange: 120 });
    const layout = referenceEnvelope(bytes);
    return { bytes, mustRefuse: layout === null || layout === 'too_large' };
  }
  const example = pick(random, corpus);
  const text =
    shape < 0.45
      ? mutateText(random, JSON.stringify(example))
      : (JSON.stringify(
          random() < 0.1 ? example : mutateValue(random, example, { donors: corpus, limits: INFERENCE_LIMIT_NUMBERS }),
        ) ?? 'undefined');
  let parsed: unknown;
  let json = true;
  try {
    parsed = JSON.parse(text);
  } catch {
    json = false;
  }
  const tooLarge = Buffer.byteLength(text) > MAX_INFERENCE_JSON_BYTES;
  const tag = (parsed as { type?: unknown } | null)?.type;
  return {
    text,
    mustRefuse: !json || tooLarge || !conforms(INFERENCE_CLIENT_MESSAGE_SPEC, parsed),
    type: typeof tag === 'string' ? tag.slice(0, 32) : undefined,
  };
}

export interface ConnectionFuzz {
  run(random: Random, index: number): Promise<Verdict>;
  describe(random: Random): string;
  close(): Promise<void>;
}

/** A node and one authenticated connection to fuzz. */
export async function startConnectionFuzz(): Promise<ConnectionFuzz> {
  const log = createLogger({}, 'silent');
  const stage = new CpuRenderStage(await RenderPool.start(0));
  const reenact = await createReenact(testConfig({ reenact: 'reference' }), log);
  const node = new InferenceNode(stage, reenact, 64 * 1024 * 1024, log);
  node.warmLifts();
  const socket = new RecordingSocket();
  const connection = new Connection(
    socket,
    node,
    { tokenKeys: createLocalJWKSet({ keys: [WEB_KEY.publicJwk] }), origin: ORIGIN, helloTimeoutMs: 60_000, threads: 0 },
    log,
    30,
  );
  const token = await signTestInferenceToken(WEB_KEY, { origin: ORIGIN }, { ttlSeconds: 3600 });
  const enrollment = await fuzzEnrollment();
  // The examples' avatars, plus registrations and a preview of the enrollment the envelopes carry.
  const corpus = [
    ...validInferenceMessages(token),
    { type: 'register-sender', peerId: 'p3', avatarHash: enrollment.hash, source: 'enrollment' },
    { type: 'preview-avatar', requestId: 'r1', avatarHash: enrollment.hash, views: 2, tileSize: 32 },
  ];
  let nonce = 0;
  const roundTrip = async () => {
    const n = ++nonce;
    const answered = socket.pong(n, 30_000);
    connection.onText(JSON.stringify({ type: 'ping', nonce: n }));
    await answered;
  };
  connection.onText(JSON.stringify(corpus[0]));
  await roundTrip();
  if (!socket.texts.some((m) => m.type === 'welcome')) throw new Error('no welcome for a valid hello');

  return {
    async run(random) {
      const input = connectionInput(random, corpus, enrollment);
      const before = socket.texts.length;
      if ('text' in input) connection.onText(input.text);
      else connection.onBinary(input.bytes);
      await roundTrip();
      if (socket.problems.length > 0) throw new FuzzCrash(socket.problems.splice(0).join('; '));
      if (socket.closedWith !== undefined) throw new FuzzCrash(`the connection was closed (${socket.closedWith})`);
      const replies = socket.texts.slice(before, -1);
      socket.texts.length = 0;
      // Late answers of earlier cases (a lift's error, a render's) may arrive here too: match the case's own.
      const own = (m: Record<string, unknown>) =>
        m.type === 'error' &&
        ('text' in input
          ? m.inReplyTo === undefined || m.inReplyTo === input.type || !ASYNC_REPLIES.includes(String(m.inReplyTo))
          : m.inReplyTo === 'binary');
      const error = replies.find(own) ?? replies.find((m) => m.type === 'error');
      if (input.mustRefuse && !replies.some(own)) {
        throw new FuzzCrash(`an invalid message was not refused: ${preview(replies)}`);
      }
      return error ? { outcome: 'refused', code: error.code as ErrorCode } : ACCEPTED;
    },
    describe(random) {
      const input = connectionInput(random, corpus, enrollment);
      return 'text' in input ? preview(input.text) : preview(input.bytes);
    },
    async close() {
      connection.onClose();
      await node.close();
    },
  };
}
