import { ErrorCode, HolocallError } from '@holocall/protocol';

/**
 * Runs a mediasoup call that is given client-supplied parameters. mediasoup refuses bad
 * parameters with TypeError or UnsupportedError: those become `bad_request` carrying
 * mediasoup's reason. A closed object (InvalidStateError) becomes `unavailable`. Anything
 * else stays an internal error and never reaches the client.
 */
export async function withClientParameters<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof HolocallError || !(error instanceof Error)) throw error;
    if (error.name === 'TypeError' || error.name === 'UnsupportedError') {
      throw HolocallError.badRequest(`${what} was refused`, { reason: error.message });
    }
    if (error.name === 'InvalidStateError') {
      throw new HolocallError(ErrorCode.Unavailable, `${what} failed: the media objects are closed`, {
        cause: error,
      });
    }
    throw error;
  }
}
