import type { ReenactBackend } from './contract';

/**
 * The reenact stage until a real backend exists: every driver expression maps to a zero
 * residual, so senders keep their source expression and only the head pose (the camera)
 * follows the driver. The reference backend replaces it through the same interface.
 */
export class IdentityReenact implements ReenactBackend {
  readonly name = 'identity';
  readonly untrained = false;

  async residual(): Promise<null> {
    return null;
  }
}
