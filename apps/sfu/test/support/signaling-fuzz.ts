/**
 * Fuzzing a real SFU's SignalingConnection over socket.io, for signaling.fuzz.test.ts and
 * `npm run bench -- fuzz`. One batch is one socket: it joins a room as a fresh user, sets its
 * capabilities and creates a send and a receive transport (so mutated requests carry real ids
 * and reach mediasoup), then sends mutated requests: structure-aware mutations of a valid
 * example of every request type, now and then on an event the protocol does not have, with a
 * binary attachment, or without an acknowledgement. Batches stay under the request burst.
 *
 * Oracle, per acknowledgement: the SignalingAck shape; an error only of an expected code (never
 * `internal`); a request the independent spec calls invalid, or over the size limit, refused
 * with bad_request or too_large. After each batch the socket is still connected (unless the
 * fuzz itself replaced its session), and the next batch's fresh socket joins and is served.
 */
import {
  ErrorCode,
  jsonByteLength,
  MAX_SIGNALING_MESSAGE_BYTES,
  SIGNALING_REQUEST_BURST,
  SIGNALING_REQUEST_EVENT,
  SignalingAck,
} from '@holocall/protocol';
import {
  ACCEPTED,
  conforms,
  FuzzCrash,
  mutateValue,
  pick,
  preview,
  type Random,
  randomInt,
  SIGNALING_LIMIT_NUMBERS,
  SIGNALING_REQUEST_SPEC,
  type SignalingIds,
  type Verdict,
  validSignalingRequests,
} from '@holocall/protocol/test-support/fuzz';
import { MAX_SOCKET_PACKET_BYTES } from '../../src/limits/socket-limits';
import type { SfuHandle } from '../../src/start-sfu';
import { SignalingClient } from './client/signaling-client';
import { SCTP_CAPABILITIES, WERIFT_RTP_CAPABILITIES } from './client/werift-config';
import { tokenFor } from './sfu-fixture';

/** Codes a request may be refused with (`internal` is a crash). */
const REFUSAL_CODES: readonly ErrorCode[] = [
  ErrorCode.BadRequest,
  ErrorCode.TooLarge,
  ErrorCode.RateLimited,
  ErrorCode.Unauthenticated,
  ErrorCode.TokenExpired,
  ErrorCode.Forbidden,
  ErrorCode.NotFound,
  ErrorCode.Conflict,
  ErrorCode.RoomFull,
  ErrorCode.Unavailable,
];

/** Requests a batch spends before its fuzz cases: join, setCapabilities, two transports. */
const SETUP_REQUESTS = 4;
/** Fuzz cases per socket: with the setup, under the burst, so the rate limit is never what answers. */
export const CASES_PER_SOCKET = SIGNALING_REQUEST_BURST - SETUP_REQUESTS - 6;
const ACK_TIMEOUT_MS = 15_000;
/** socket.io's own bytes around a packet's JSON (type digit, ack id): a margin where either outcome is right. */
const PACKET_FRAMING_BYTES = 32;

interface Batch {
  client: SignalingClient;
  corpus: Record<string, unknown>[];
  /** The fuzz sent a packet over the cap: the SFU drops the socket on purpose. */
  dropped: boolean;
  /** The last few requests sent (for a report when the socket is dropped). */
  sent: unknown[];
  disconnectReason: string | undefined;
}

export interface SignalingSocketFuzz {
  run(random: Random, index: number): Promise<Verdict>;
  close(): Promise<void>;
}

/** `requests` mutated requests, each with the spec's judgement; `event` and `ack` say how it is sent. */
interface Send {
  event: string;
  payload: unknown;
  ack: boolean;
  /** True when the spec (or the size limit) says the SFU must refuse it; undefined when not judged (binary). */
  mustRefuse: boolean | undefined;
}

function withBinary(random: Random, value: unknown): unknown {
  if (value === null || typeof value !== 'object') return Buffer.from('bin');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return { bin: Buffer.from('bin') };
  const [key] = pick(random, entries);
  return { ...(value as Record<string, unknown>), [key]: Buffer.alloc(randomInt(random, 64)) };
}

export function nextSend(random: Random, corpus: readonly Record<string, unknown>[]): Send {
  const example = pick(random, corpus);
  const payload =
    random() < 0.08 ? example : mutateValue(random, example, { donors: corpus, limits: SIGNALING_LIMIT_NUMBERS });
  const shape = random();
  if (shape < 0.05)
    return {
      event: pick(random, ['join', 'req', 'notification', '', 'x'.repeat(200)]),
      payload,
      ack: true,
      mustRefuse: true,
    };
  if (shape < 0.1)
    return { event: SIGNALING_REQUEST_EVENT, payload: withBinary(random, payload), ack: true, mustRefuse: undefined };
  if (shape < 0.13) return { event: SIGNALING_REQUEST_EVENT, payload, ack: false, mustRefuse: undefined };
  const mustRefuse =
    !conforms(SIGNALING_REQUEST_SPEC, payload) || jsonByteLength(payload) > MAX_SIGNALING_MESSAGE_BYTES;
  return { event: SIGNALING_REQUEST_EVENT, payload, ack: true, mustRefuse };
}

export function signalingSocketFuzz(sfu: SfuHandle, roomId = 'fuzz-room'): SignalingSocketFuzz {
  let batch: Batch | undefined;
  let sockets = 0;

  async function open(): Promise<Batch> {
    const userId = `fuzz-${++sockets}`;
    const client = await SignalingClient.connect(sfu.url);
    const token = await tokenFor(roomId, userId);
    // The next batch's setup is the "still serves" check: a fresh socket joins and is answered.
    await client.request('join', { roomId, token });
    await client.request('setCapabilities', {
      rtpCapabilities: WERIFT_RTP_CAPABILITIES,
      sctpCapabilities: SCTP_CAPABILITIES,
    });
    const send = await client.request('createWebRtcTransport', {
      direction: 'send',
      sctpCapabilities: SCTP_CAPABILITIES,
    });
    const recv = await client.request('createWebRtcTransport', {
      direction: 'recv',
      sctpCapabilities: SCTP_CAPABILITIES,
    });
    const ids: SignalingIds = {
      roomId,
      token,
      sendTransportId: send.transportId,
      recvTransportId: recv.transportId,
      producerId: 'p-unknown',
      dataProducerId: 'd-unknown',
      consumerId: 'c-unknown',
    };
    const batch: Batch = {
      client,
      corpus: validSignalingRequests(ids),
      dropped: false,
      sent: [],
      disconnectReason: undefined,
    };
    client.socket.on('disconnect', (reason) => {
      batch.disconnectReason = reason;
    });
    return batch;
  }

  /** Closes a batch's socket; throws when the SFU had dropped it without saying why. */
  async function finish(current: Batch): Promise<void> {
    // The SFU may end a socket on purpose: its session replaced by the fuzz's own join, or a deadline it was told of.
    const told =
      current.dropped ||
      current.client.notifications.some((n) => n.type === 'sessionReplaced' || n.type === 'limitExceeded');
    const dropped = !told && current.client.socket.disconnected;
    current.client.close();
    if (dropped) {
      throw new FuzzCrash(
        `the SFU dropped the socket (${current.disconnectReason}) after ${preview(current.sent.slice(-3), 600)}`,
      );
    }
  }

  return {
    async run(random, index) {
      // A new socket every CASES_PER_SOCKET cases, or when the SFU ended this one on purpose.
      if (index % CASES_PER_SOCKET === 0 || !batch || batch.client.socket.disconnected) {
        const previous = batch;
        batch = undefined;
        if (previous) await finish(previous);
        batch = await open();
      }
      const { client, corpus } = batch;
      const send = nextSend(random, corpus);
      batch.sent.push({ event: send.event, payload: send.payload });
      if (batch.sent.length > 3) batch.sent.shift();
      const packetBytes = jsonByteLength([send.event, send.payload]);
      if (packetBytes > MAX_SOCKET_PACKET_BYTES - PACKET_FRAMING_BYTES) {
        // Past the packet cap engine.io drops the connection before any handler runs, as documented.
        const dropped = client.disconnected();
        batch.dropped = true;
        client.socket.emit(send.event, send.payload);
        if (packetBytes > MAX_SOCKET_PACKET_BYTES) {
          await Promise.race([
            dropped,
            new Promise((_, reject) =>
              setTimeout(() => reject(new FuzzCrash(`a ${packetBytes}-byte packet was not dropped`)), ACK_TIMEOUT_MS),
            ),
          ]);
        }
        return { outcome: 'refused', code: ErrorCode.TooLarge };
      }
      if (!send.ack) {
        client.socket.emit(send.event, send.payload);
        return ACCEPTED;
      }
      const raw: unknown = await client.socket.timeout(ACK_TIMEOUT_MS).emitWithAck(send.event, send.payload);
      const parsed = SignalingAck.safeParse(raw);
      if (!parsed.success) throw new FuzzCrash(`an acknowledgement outside SignalingAck: ${preview(raw)}`);
      const ack = parsed.data;
      if (ack.ok) {
        if (send.mustRefuse) throw new FuzzCrash(`served a request the spec calls invalid: ${preview(send.payload)}`);
        return ACCEPTED;
      }
      const code = ack.error.code;
      if (!REFUSAL_CODES.includes(code)) {
        throw new FuzzCrash(`refused with ${code} (${ack.error.message}): ${preview(send.payload)}`);
      }
      if (send.mustRefuse && code !== ErrorCode.BadRequest && code !== ErrorCode.TooLarge) {
        throw new FuzzCrash(`an invalid request was answered ${code}, not bad_request: ${preview(send.payload)}`);
      }
      return { outcome: 'refused', code };
    },
    async close() {
      // The last batch's socket was judged by its last case's acknowledgement; only closed here.
      batch?.client.close();
      batch = undefined;
    },
  };
}
