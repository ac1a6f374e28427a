import type { BackendInfo, ReenactBackend } from './contract';

export const IDENTITY_BACKEND_INFO: BackendInfo = {
  id: 'identity',
  label: 'No expression model: heads follow the sender’s head pose only',
  trained: false,
};

/**
 * The reenact stage until a real backend exists: every driver expression maps to a zero
 * residual, so senders keep their source expression and only the head pose (the camera)
 * follows the driver. The reference backend replaces it through the same interface.
 */
export class IdentityReenact implements ReenactBackend {
  readonly name = 'identity';
  readonly untrained = false;
  readonly info = IDENTITY_BACKEND_INFO;
  readonly needsReferenceModel = false;

  async residual(): Promise<null> {
    return null;
  }
}
