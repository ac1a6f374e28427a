/**
 * One fuzz case for each of the protocol's own boundaries (signaling requests, inference JSON
 * messages, inference binary envelopes), shared by the short runs in `npm test` and the long
 * runs of `npm run bench -- fuzz`. Each takes the case's PRNG, builds a mutated valid example,
 * runs the code under test and checks its answer against an independent oracle; a crash throws.
 */
import { encodeDriverFrame } from '../../src/driver-frame';
import { ErrorCode, type HolocallError } from '../../src/errors';
import {
  decodeInferenceEnvelope,
  encodeDriverFrameEnvelope,
  encodeEnrollmentEnvelope,
  encodeTriplaneEnvelope,
  type InferenceEnvelope,
} from '../../src/inference-envelopes';
import { InferenceClientMessage } from '../../src/inference-json-messages';
import { TRIPLANE_UPLOAD_FLOATS } from '../../src/inference-limits';
import { SignalingRequest } from '../../src/signaling';
import { parseMessage } from '../../src/validate';
import { randomFrame } from './driver-frames';
import {
  ACCEPTED,
  conforms,
  FuzzCrash,
  mutateBytes,
  mutateValue,
  pick,
  pollutedPath,
  preview,
  type Random,
  randomBytes,
  randomInt,
  refusalOf,
  type Spec,
  type Verdict,
} from './fuzz';
import {
  FUZZ_AVATAR_HASH,
  INFERENCE_CLIENT_MESSAGE_SPEC,
  INFERENCE_LIMIT_NUMBERS,
  referenceEnvelope,
  SIGNALING_LIMIT_NUMBERS,
  SIGNALING_REQUEST_SPEC,
  validInferenceMessages,
  validSignalingRequests,
} from './message-oracles';

/** A valid example, mutated nine times in ten (the tenth stays valid, so acceptance is exercised too). */
export function mutatedExample(
  random: Random,
  corpus: readonly unknown[],
  limits: readonly number[],
): { value: unknown; mutated: boolean } {
  const example = pick(random, corpus);
  if (random() < 0.1) return { value: example, mutated: false };
  return { value: mutateValue(random, example, { donors: corpus, limits }), mutated: true };
}

/**
 * parseMessage over a schema, judged by a spec: accepted iff the spec says valid; a refusal is
 * only ever bad_request with a bounded issue list; what is accepted parses again to itself.
 */
export function schemaCase(schema: Parameters<typeof parseMessage>[0], spec: Spec, value: unknown): Verdict {
  const valid = conforms(spec, value);
  let parsed: unknown;
  try {
    parsed = parseMessage(schema, value);
  } catch (error) {
    const verdict = refusalOf(error, [ErrorCode.BadRequest]);
    const issues = (error as HolocallError).details?.issues;
    if (!Array.isArray(issues) || issues.length === 0 || issues.length > 8) {
      throw new FuzzCrash(`a refusal without 1..8 issues: ${preview(issues)}`);
    }
    if (valid) throw new FuzzCrash(`refused a message the spec calls valid: ${preview(issues)} for ${preview(value)}`);
    return verdict;
  }
  if (!valid) throw new FuzzCrash(`accepted a message the spec calls invalid: ${preview(value)}`);
  const polluted = pollutedPath(parsed);
  if (polluted) throw new FuzzCrash(`the parsed message has a foreign prototype at ${polluted}: ${preview(value)}`);
  const again = parseMessage(schema, parsed);
  if (JSON.stringify(again) !== JSON.stringify(parsed)) throw new FuzzCrash('parsing is not idempotent');
  return ACCEPTED;
}

const SIGNALING_CORPUS = validSignalingRequests();
const INFERENCE_CORPUS = validInferenceMessages();

export function signalingRequestCase(random: Random): Verdict {
  const { value } = mutatedExample(random, SIGNALING_CORPUS, SIGNALING_LIMIT_NUMBERS);
  return schemaCase(SignalingRequest, SIGNALING_REQUEST_SPEC, value);
}

export function inferenceMessageCase(random: Random): Verdict {
  const { value } = mutatedExample(random, INFERENCE_CORPUS, INFERENCE_LIMIT_NUMBERS);
  return schemaCase(InferenceClientMessage, INFERENCE_CLIENT_MESSAGE_SPEC, value);
}

// ---------------------------------------------------------------------------------------------
// Binary envelopes

const PEER_IDS = ['p', 'peer-1', 'A_b-9', 'x'.repeat(64)];
const HASHES = [FUZZ_AVATAR_HASH, '0123456789abcdef', 'f'.repeat(128)];

/** A valid enrollment envelope with a few landmark points and a small (not decodable, not checked here) image. */
export function validEnrollmentEnvelope(random: Random): Uint8Array {
  const points = pick(random, [1, 2, 3, 5, 478]);
  const landmarks = new Float32Array(points * 3);
  for (let i = 0; i < landmarks.length; i++) landmarks[i] = (random() - 0.5) * 1000;
  return encodeEnrollmentEnvelope({
    purpose: random() < 0.5 ? 'register' : 'preview',
    id: pick(random, PEER_IDS),
    avatarHash: pick(random, HASHES),
    landmarkSpace: { width: 1 + randomInt(random, 4000), height: 1 + randomInt(random, 4000) },
    landmarks,
    image: randomBytes(random, 1 + randomInt(random, 600)),
  });
}

export function validDriverFrameEnvelope(random: Random): Uint8Array {
  return encodeDriverFrameEnvelope(pick(random, PEER_IDS), encodeDriverFrame(randomFrame(random)));
}

let triplaneEnvelope: Uint8Array | undefined;
/** One valid tri-plane envelope (25 MiB), built once: tri-plane cases are few and mutate its header. */
export function validTriplaneEnvelope(): Uint8Array {
  if (!triplaneEnvelope) {
    const data = new Float32Array(TRIPLANE_UPLOAD_FLOATS);
    for (let i = 0; i < data.length; i++) data[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
    triplaneEnvelope = encodeTriplaneEnvelope('p', FUZZ_AVATAR_HASH, data);
  }
  return triplaneEnvelope;
}

function sameDecoded(decoded: InferenceEnvelope, bytes: Uint8Array): void {
  const expected = referenceEnvelope(bytes);
  if (expected === null || expected === 'too_large') {
    throw new FuzzCrash(`accepted an envelope the layout calls ${expected ?? 'malformed'}: ${preview(bytes)}`);
  }
  const mismatch = (what: string) => {
    throw new FuzzCrash(`decoded ${what} differs from the layout's reading: ${preview(bytes)}`);
  };
  if (decoded.kind !== expected.kind) mismatch('kind');
  if (decoded.kind === 'driver-frame' && expected.kind === 'driver-frame') {
    if (decoded.peerId !== expected.peerId || decoded.frame.length !== expected.frameBytes) mismatch('driver frame');
    const again = decodeInferenceEnvelope(encodeDriverFrameEnvelope(decoded.peerId, decoded.frame));
    if (again.kind !== 'driver-frame' || !equalBytes(again.frame, decoded.frame)) mismatch('re-encoded driver frame');
  } else if (decoded.kind === 'enrollment' && expected.kind === 'enrollment') {
    if (
      decoded.purpose !== expected.purpose ||
      decoded.id !== expected.id ||
      decoded.avatarHash !== expected.avatarHash ||
      decoded.landmarkSpace.width !== expected.width ||
      decoded.landmarkSpace.height !== expected.height ||
      decoded.landmarks.length !== expected.points * 3 ||
      decoded.image.length !== expected.imageBytes
    ) {
      mismatch('enrollment');
    }
    const again = decodeInferenceEnvelope(encodeEnrollmentEnvelope(decoded));
    if (
      again.kind !== 'enrollment' ||
      !equalBytes(again.image, decoded.image) ||
      !equalBytes(new Uint8Array(again.landmarks.buffer), new Uint8Array(decoded.landmarks.buffer))
    ) {
      mismatch('re-encoded enrollment');
    }
  } else if (decoded.kind === 'triplane' && expected.kind === 'triplane') {
    if (decoded.peerId !== expected.peerId || decoded.avatarHash !== expected.avatarHash) mismatch('tri-plane');
    if (decoded.data.length !== TRIPLANE_UPLOAD_FLOATS) mismatch('tri-plane length');
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The input of an envelope case (for crash reports and replays). */
export function envelopeInput(random: Random, triplaneShare = 0.002): Uint8Array {
  const shape = random();
  if (shape < triplaneShare) {
    // Header-only mutations of the big envelope (its body is 25 MiB of floats; a flip there is a NaN test).
    const bytes = mutateBytes(random, validTriplaneEnvelope(), { hotRange: 200 });
    return bytes;
  }
  if (shape < 0.05) return randomBytes(random, randomInt(random, 64));
  const valid = random() < 0.5 ? validDriverFrameEnvelope(random) : validEnrollmentEnvelope(random);
  if (random() < 0.1) return valid;
  return mutateBytes(random, valid, { hotRange: 240, donors: [valid] });
}

export function envelopeCase(random: Random, triplaneShare?: number): Verdict {
  const bytes = envelopeInput(random, triplaneShare);
  let decoded: InferenceEnvelope;
  try {
    decoded = decodeInferenceEnvelope(bytes);
  } catch (error) {
    const verdict = refusalOf(error, [ErrorCode.MalformedFrame, ErrorCode.TooLarge]);
    const expected = referenceEnvelope(bytes);
    if (expected !== null && expected !== 'too_large') {
      throw new FuzzCrash(
        `refused a valid ${expected.kind} envelope (${(error as HolocallError).message}): ${preview(bytes)}`,
      );
    }
    const code = (error as HolocallError).code;
    if ((expected === 'too_large') !== (code === ErrorCode.TooLarge)) {
      throw new FuzzCrash(`refused as ${code}, the layout says ${expected ?? 'malformed'}: ${preview(bytes)}`);
    }
    if (code === ErrorCode.MalformedFrame && typeof (error as HolocallError).details?.reason !== 'string') {
      throw new FuzzCrash('a malformed_frame refusal without details.reason');
    }
    return verdict;
  }
  sameDecoded(decoded, bytes);
  return ACCEPTED;
}
