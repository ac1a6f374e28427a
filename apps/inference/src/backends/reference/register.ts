import { alignFace, type RgbaImage } from '@holocall/face';
import type { SourceFace } from '../../stages/contract';
import type { Triplane } from '../../triplane/layout';
import { alignedImageFromRgba } from './image';
import { liftReference, type ReferenceLiftInput } from './lift';
import { attachReferenceModel, referenceModelOf } from './reenact';

/** What registration needs of the inference node (InferenceNode satisfies it). */
export interface SenderRegistry {
  registerSender(avatarHash: string, source: { triplane: Triplane; sourceFace: SourceFace }): Promise<number>;
  readonly cache: { get(hash: string): { triplane: Triplane } | undefined; has(hash: string): boolean };
}

export interface RegistrationResult {
  /** Bytes the avatar holds in the node's cache. */
  bytes: number;
  /** False when the avatar was already lifted and cached here (nothing recomputed). */
  lifted: boolean;
  liftMs: number;
}

/**
 * Registers a sender's avatar with the reference backend: lifts the enrolled photo's aligned crop
 * and landmarks once, hands the tri-plane and source face to the node's avatar cache, and makes
 * the source known to the reference reenact stage. An avatar already cached (by content hash)
 * is not lifted again.
 */
export async function registerReferenceSender(
  node: SenderRegistry,
  avatarHash: string,
  input: ReferenceLiftInput,
): Promise<RegistrationResult> {
  const cached = node.cache.has(avatarHash) ? node.cache.get(avatarHash) : undefined;
  if (cached && referenceModelOf(cached.triplane)) return { bytes: 0, lifted: false, liftMs: 0 };
  const started = performance.now();
  const result = liftReference(input);
  attachReferenceModel(result.triplane, result.model);
  const liftMs = performance.now() - started;
  const bytes = await node.registerSender(avatarHash, { triplane: result.triplane, sourceFace: result.sourceFace });
  return { bytes, lifted: true, liftMs };
}

/** From an enrolled photo and its tracker landmarks (photo pixels) to the lift's input. */
export function enrollmentFromPhoto(photo: RgbaImage, landmarks: ArrayLike<number>): ReferenceLiftInput {
  const aligned = alignFace(photo, landmarks);
  return { image: alignedImageFromRgba(aligned.image), landmarks: aligned.landmarks };
}
