import { ErrorCode, HolocallError } from '@holocall/protocol';

/**
 * Runs a mediasoup call that is given client-supplied parameters. mediasoup refuses bad
 * parameters with TypeError or UnsupportedError: those become `bad_request` carrying
 * mediasoup's reason; an SSRC, MID or RID the transport already has becomes `conflict`. A
 * closed object (InvalidStateError) becomes `unavailable`. Anything
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
    // The worker's own refusal of a parameter that clashes with what the transport already has
    // (an SSRC, MID or RID, twice in one request or again in a second one): the client's conflict.
    if (error.name === 'Error' && / already exists in /.test(error.message)) {
      throw new HolocallError(ErrorCode.Conflict, `${what} was refused`, { details: { reason: error.message } });
    }
    if (error.name === 'InvalidStateError') {
      throw new HolocallError(ErrorCode.Unavailable, `${what} failed: the media objects are closed`, {
        cause: error,
      });
    }
    throw error;
  }
}
