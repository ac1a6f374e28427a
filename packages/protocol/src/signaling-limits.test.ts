import { describe, expect, it } from 'vitest';
import { MAX_DRIVER_FRAME_BYTES } from './limits';
import {
  DRIVER_FRAME_BURST,
  MAX_DRIVER_FRAMES_PER_SECOND,
  MAX_SCTP_MESSAGE_BYTES,
  MAX_SIGNALING_REQUESTS_PER_SECOND,
  ROOM_TOKEN_DEFAULT_TTL_SECONDS,
  ROOM_TOKEN_MAX_TTL_SECONDS,
  SIGNALING_REQUEST_BURST,
} from './signaling-limits';

/** The limits only work together: these are the relations the SFU relies on. */
describe('signaling limits', () => {
  it('lets frames over the driver-frame limit reach the SFU so it can answer too_large', () => {
    expect(MAX_SCTP_MESSAGE_BYTES).toBeGreaterThan(MAX_DRIVER_FRAME_BYTES);
  });

  it('never limits a sender capturing at 30 Hz, and allows a second of catch-up', () => {
    expect(MAX_DRIVER_FRAMES_PER_SECOND).toBeGreaterThanOrEqual(30);
    expect(DRIVER_FRAME_BURST).toBeGreaterThanOrEqual(30);
  });

  it('lets a client join, set up two transports and produce three tracks in one burst', () => {
    const joinSequence = 2 + 2 * 2 + 3 + 4; // join, capabilities, 2x(create+connect), 3 produces, some consumes
    expect(SIGNALING_REQUEST_BURST).toBeGreaterThanOrEqual(joinSequence);
    expect(MAX_SIGNALING_REQUESTS_PER_SECOND).toBeGreaterThan(0);
  });

  it('keeps the default token lifetime within the maximum', () => {
    expect(ROOM_TOKEN_DEFAULT_TTL_SECONDS).toBeLessThanOrEqual(ROOM_TOKEN_MAX_TTL_SECONDS);
  });
});
