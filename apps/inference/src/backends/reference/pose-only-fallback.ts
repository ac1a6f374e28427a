import type { BackendInfo, ReenactBackend, ReenactInput } from '../../stages/contract';
import type { Triplane } from '../../triplane/layout';

/**
 * The node's reenact stage when INFERENCE_REENACT=reference: sources the reference lift made are
 * driven by ReferenceReenact; any other source (the synthetic stand-in head, an uploaded
 * tri-plane) has no landmark model to warp (no `sourceFace.reference`), so it keeps its expression and follows the head
 * pose only (a zero residual) instead of failing every frame.
 */
export class ReferenceWithPoseOnlyFallback implements ReenactBackend {
  readonly name: string;
  readonly untrained: boolean;
  readonly info: BackendInfo;
  readonly needsReferenceModel: boolean;
  readonly counters = { poseOnlyFrames: 0 };

  constructor(
    private readonly reference: ReenactBackend,
    private readonly liftedHere: (input: ReenactInput) => boolean = (input) => input.sourceFace.reference !== undefined,
  ) {
    this.name = reference.name;
    this.untrained = reference.untrained;
    this.info = reference.info;
    this.needsReferenceModel = reference.needsReferenceModel;
  }

  async residual(input: ReenactInput): Promise<Triplane | null> {
    if (this.liftedHere(input)) return this.reference.residual(input);
    if (input.driver.kind !== 'none') this.counters.poseOnlyFrames++;
    return null;
  }
}
