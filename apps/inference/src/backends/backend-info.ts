import type { ReenactBackend } from '../stages/contract';
import { REFERENCE_BACKEND_INFO, REFERENCE_REENACT_NAME } from './reference';

/** How the UI names the expression model a node runs (welcome and stats carry it). */
export interface BackendInfo {
  readonly id: string;
  readonly label: string;
  /** False unless trained weights drive the heads: the UI must not present it as a trained model. */
  readonly trained: boolean;
}

export const IDENTITY_BACKEND_INFO: BackendInfo = {
  id: 'identity',
  label: 'No expression model: heads follow the sender’s head pose only',
  trained: false,
};

export function describeReenact(reenact: ReenactBackend): BackendInfo {
  if (reenact.name === REFERENCE_REENACT_NAME) {
    const { id, label, trained } = REFERENCE_BACKEND_INFO;
    return { id, label, trained };
  }
  if (reenact.name === IDENTITY_BACKEND_INFO.id) return IDENTITY_BACKEND_INFO;
  return {
    id: reenact.name,
    label: reenact.untrained
      ? 'Neural graphs with UNTRAINED generated weights (measures speed only; not a person)'
      : `Neural model (${reenact.name})`,
    trained: !reenact.untrained,
  };
}
