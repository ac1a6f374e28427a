import { ErrorCode, HolocallError, jsonByteLength, type RoomGrants, type SignalingRequestOf } from '@holocall/protocol';
import { signTestToken } from '@holocall/protocol/test-support/token-keys';
import { ROOM_TOKEN_AUDIENCE } from '../../src/tokens/room-tokens';
import type { SignalingClient } from './client/signaling-client';
import { ALL_GRANTS, fixtureKeys } from './sfu-fixture';

/** Test helpers that push a request, a burst or a token just past one of the SFU's limits. */

/** The HolocallError a request was refused with; fails if it was not refused. */
export async function refusal(promise: Promise<unknown>): Promise<HolocallError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HolocallError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

/** The schema's own bounds on capability parameters (signaling.ts). */
const PARAMETERS_PER_CODEC = 32;
const PARAMETER_VALUE_CHARS = 256;

/**
 * A schema-valid `setCapabilities` request whose JSON form is exactly `bytes` UTF-8 bytes:
 * codec parameters padded with ASCII, so a test can stand exactly at a byte limit.
 */
export function setCapabilitiesOfBytes(bytes: number): SignalingRequestOf<'setCapabilities'> {
  type Codec = {
    kind: 'audio';
    mimeType: string;
    clockRate: number;
    channels: number;
    parameters: Record<string, string>;
  };
  const codecs: Codec[] = [];
  const request = { type: 'setCapabilities' as const, rtpCapabilities: { codecs } };
  const size = () => jsonByteLength(request);
  if (size() > bytes) throw new RangeError(`a setCapabilities request needs at least ${size()} bytes`);
  let last: { parameters: Record<string, string>; key: string } | undefined;
  while (size() < bytes) {
    const before = size();
    let codec = codecs[codecs.length - 1];
    if (!codec || Object.keys(codec.parameters).length >= PARAMETERS_PER_CODEC) {
      codec = { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2, parameters: {} };
      codecs.push(codec);
    }
    const key = `p${Object.keys(codec.parameters).length}`;
    codec.parameters[key] = '';
    const overhead = size() - before;
    const left = bytes - before;
    if (overhead > left) {
      // The empty parameter overshoots: take the excess off the previous (full) value.
      if (!last) throw new RangeError(`cannot build a setCapabilities request of ${bytes} bytes`);
      last.parameters[last.key] = (last.parameters[last.key] ?? '').slice(0, -(overhead - left));
    } else {
      codec.parameters[key] = 'x'.repeat(Math.min(PARAMETER_VALUE_CHARS, left - overhead));
    }
    last = { parameters: codec.parameters, key };
  }
  if (size() !== bytes) throw new Error(`built ${size()} bytes instead of ${bytes}`);
  return request;
}

/** A join request whose JSON form is exactly `bytes` UTF-8 bytes (its token padded with ASCII). */
export function joinOfBytes(roomId: string, bytes: number): SignalingRequestOf<'join'> {
  const empty = { type: 'join' as const, roomId, token: '' };
  return { ...empty, token: 'x'.repeat(bytes - jsonByteLength(empty)) };
}

export interface Burst {
  /** Each request's outcome in the order sent: 'ok' or the error code it was refused with. */
  codes: string[];
  /** The errors, in the order sent. */
  errors: HolocallError[];
  /** Requests not refused with rate_limited. */
  passed: number;
  /** Seconds from the first emit to the last acknowledgement: the server handled them all within it. */
  elapsedS: number;
}

/** Emits `count` copies of `payload` at once, without waiting for any answer in between. */
export async function burst(client: SignalingClient, count: number, payload: unknown): Promise<Burst> {
  const start = performance.now();
  const results = await Promise.allSettled(Array.from({ length: count }, () => client.raw(payload)));
  const elapsedS = (performance.now() - start) / 1000;
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as HolocallError] : []));
  const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as HolocallError).code : 'ok'));
  return { codes, errors, passed: codes.filter((c) => c !== ErrorCode.RateLimited).length, elapsedS };
}

/**
 * Sends single requests until one is refused with rate_limited, so the socket's bucket is
 * known to hold less than one request. Resolves with the time the refused one was sent
 * (`performance.now()`): the bucket was empty at some moment after it.
 */
export async function drainRequestBucket(client: SignalingClient, payload: unknown, tries = 200): Promise<number> {
  for (let i = 0; i < tries; i += 1) {
    const sentAt = performance.now();
    const outcome = await client.raw(payload).then(
      () => undefined,
      (error: unknown) => error,
    );
    if (outcome instanceof HolocallError && outcome.code === ErrorCode.RateLimited) return sentAt;
  }
  throw new Error(`no rate_limited answer in ${tries} requests`);
}

/**
 * A room token signed with the fixture's key whose body is exactly what the test says, for
 * tokens the web app's signer refuses to make (too long a lifetime, too large a room).
 */
export async function signRawRoomToken(
  body: { sub: string; room: string; avatar?: string; grants?: RoomGrants; max?: number },
  lifetimeSeconds: number,
): Promise<string> {
  const { key } = await fixtureKeys();
  return signTestToken(
    key,
    { avatar: `avatar-${body.sub}`, grants: ALL_GRANTS, ...body },
    { audience: ROOM_TOKEN_AUDIENCE, ttlSeconds: lifetimeSeconds },
  );
}
