import type { ErrorCode } from '@holocall/protocol';

/** Counts of what the signaling layer saw: requests handled and refused, by error code. */
export class SignalingCounters {
  connections = 0;
  requests = 0;
  /** Messages that could not even be answered (no acknowledgement callback, unknown event). */
  unanswerable = 0;
  readonly refused: Partial<Record<ErrorCode, number>> = {};

  refuse(code: ErrorCode): void {
    this.refused[code] = (this.refused[code] ?? 0) + 1;
  }

  toJSON(): {
    connections: number;
    requests: number;
    unanswerable: number;
    refused: Partial<Record<ErrorCode, number>>;
  } {
    return {
      connections: this.connections,
      requests: this.requests,
      unanswerable: this.unanswerable,
      refused: { ...this.refused },
    };
  }
}
