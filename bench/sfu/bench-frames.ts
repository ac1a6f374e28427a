import { type DriverFrame, encodeDriverFrame, MAX_LANDMARK_CODE_LENGTH } from '@holocall/protocol';

/** Bytes after the driver frame: a float64 send time with sub-millisecond resolution. */
export const SEND_TIME_BYTES = 8;

/** Wall-clock ms with sub-ms resolution, comparable across processes on one machine. */
export function hiresNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * A bench frame: a real compact driver frame (pose + a full landmark expression code, the
 * size every frame has in a call) followed by a float64 send time. The SFU treats frames
 * as opaque bytes, so the trailer only costs 8 bytes on the wire; `captureTimeMs` is whole
 * milliseconds, too coarse for sub-millisecond latencies.
 */
export function makeBenchFrame(seq: number): Buffer {
  const frame: DriverFrame = {
    seq,
    captureTimeMs: Math.floor(Date.now()),
    pose: { rotation: [0.12, -0.04, 0.03], translation: [0.01, -0.02, 0.62] },
    expression: { kind: 'landmarks', code: new Float32Array(MAX_LANDMARK_CODE_LENGTH).fill(0.02) },
  };
  const encoded = encodeDriverFrame(frame);
  const bytes = Buffer.alloc(encoded.length + SEND_TIME_BYTES);
  bytes.set(encoded, 0);
  bytes.writeDoubleLE(hiresNow(), encoded.length);
  return bytes;
}

export function sendTimeOf(bytes: Buffer): number {
  return bytes.readDoubleLE(bytes.length - SEND_TIME_BYTES);
}
