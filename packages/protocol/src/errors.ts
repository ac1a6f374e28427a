/**
 * One error vocabulary for web, SFU and inference node.
 *
 * Every failure that crosses a process boundary carries one of these codes. HTTP
 * statuses are derived here and nowhere else; socket acknowledgements and
 * WebSocket replies carry `{ code, message }` as produced by `toWireError`.
 */
export const ErrorCode = {
  /** A message or body failed schema validation. */
  BadRequest: 'bad_request',
  /** A binary frame could not be decoded (wrong version, truncated, bad tag, out of range). */
  MalformedFrame: 'malformed_frame',
  /** A message, upload or frame is larger than its named limit. */
  TooLarge: 'too_large',
  /** Too many requests or frames per second. */
  RateLimited: 'rate_limited',
  /** No credentials, or credentials that cannot be verified. */
  Unauthenticated: 'unauthenticated',
  /** A token whose expiry has passed. */
  TokenExpired: 'token_expired',
  /** Authenticated, but this action is beyond the caller's grants (wrong room, no publish grant...). */
  Forbidden: 'forbidden',
  /** The request came from an origin that may not use this service. */
  OriginRefused: 'origin_refused',
  NotFound: 'not_found',
  /** The request conflicts with current state (already joined, duplicate producer...). */
  Conflict: 'conflict',
  /** A room already holds its maximum number of peers. */
  RoomFull: 'room_full',
  /** An uploaded image is not of an accepted type, judged by its content. */
  UnsupportedMedia: 'unsupported_media',
  /** An enrollment photo without exactly one face. */
  FaceNotFound: 'face_not_found',
  MultipleFaces: 'multiple_faces',
  /** A media worker died; the peer should rejoin. */
  WorkerDied: 'worker_died',
  /** A dependency (inference node, database, model) is not reachable or not ready. */
  Unavailable: 'unavailable',
  /** A model file does not follow the documented IO contract. */
  ModelContract: 'model_contract',
  Timeout: 'timeout',
  /** Anything unexpected; its details never leave the process. */
  Internal: 'internal',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && ERROR_CODES.has(value);
}

const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  malformed_frame: 400,
  too_large: 413,
  rate_limited: 429,
  unauthenticated: 401,
  token_expired: 401,
  forbidden: 403,
  origin_refused: 403,
  not_found: 404,
  conflict: 409,
  room_full: 409,
  unsupported_media: 415,
  face_not_found: 422,
  multiple_faces: 422,
  worker_died: 503,
  unavailable: 503,
  model_contract: 500,
  timeout: 504,
  internal: 500,
};

export function httpStatusFor(code: ErrorCode): number {
  return HTTP_STATUS[code];
}

/** The shape an error takes on the wire (HTTP bodies, socket acks, WebSocket replies). */
export interface WireError {
  code: ErrorCode;
  message: string;
  /** Machine-readable context that is safe to show (a limit and the value that crossed it...). */
  details?: Record<string, unknown>;
}

export class HolocallError extends Error {
  override readonly name = 'HolocallError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options?: { details?: Record<string, unknown>; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }

  static badRequest(message: string, details?: Record<string, unknown>): HolocallError {
    return new HolocallError(ErrorCode.BadRequest, message, { details });
  }

  static malformedFrame(message: string, details?: Record<string, unknown>): HolocallError {
    return new HolocallError(ErrorCode.MalformedFrame, message, { details });
  }

  static tooLarge(what: string, limit: number, actual: number): HolocallError {
    return new HolocallError(ErrorCode.TooLarge, `${what} is ${actual}, over the limit of ${limit}`, {
      details: { what, limit, actual },
    });
  }

  static forbidden(message: string, details?: Record<string, unknown>): HolocallError {
    return new HolocallError(ErrorCode.Forbidden, message, { details });
  }
}

/**
 * Turns anything thrown into what may be sent to a peer. Unknown errors become an
 * opaque `internal`: their messages may hold paths or secrets.
 */
export function toWireError(error: unknown): WireError {
  if (error instanceof HolocallError) {
    return error.details === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, details: error.details };
  }
  return { code: ErrorCode.Internal, message: 'internal error' };
}
