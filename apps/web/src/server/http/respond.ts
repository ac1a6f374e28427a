import { ErrorCode, HolocallError, httpStatusFor, toWireError } from '@holocall/protocol';
import { ZodError } from 'zod';
import { logger } from '../logger';
import { clientAddress } from './client-address';
import { spendApiRequest } from './rate-limits';

/**
 * The one place where errors become HTTP responses. HolocallError codes map to statuses
 * through the protocol's `httpStatusFor`; a ZodError is a bad request; anything else is an
 * opaque 500 whose details stay in the log.
 */
export function errorResponse(error: unknown, context: Record<string, unknown> = {}): Response {
  if (error instanceof ZodError) {
    const issues = error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message }));
    return json(
      { error: { code: ErrorCode.BadRequest, message: 'request failed validation', details: { issues } } },
      400,
    );
  }
  const wire = toWireError(error);
  if (!(error instanceof HolocallError)) {
    logger.error('unhandled error in route', { ...context, error: (error as Error)?.stack ?? String(error) });
  } else if (wire.code === ErrorCode.Internal || wire.code === ErrorCode.Unavailable) {
    logger.warn('route failed', { ...context, code: wire.code, error: error.message });
  }
  return json({ error: wire }, httpStatusFor(wire.code), retryAfter(wire.code, wire.details));
}

/** A `rate_limited` refusal says when to come back (details.retryAfterSeconds, whole seconds). */
function retryAfter(code: ErrorCode, details: Record<string, unknown> | undefined): Record<string, string> {
  const seconds = details?.retryAfterSeconds;
  if (code !== ErrorCode.RateLimited || typeof seconds !== 'number' || !Number.isFinite(seconds)) return {};
  return { 'retry-after': String(Math.max(1, Math.ceil(seconds))) };
}

export function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

/**
 * Wraps a route handler so that whatever it throws becomes a typed error response. Every call
 * first spends one request of its address's API budget (API_REQUESTS_PER_ADDRESS_PER_MINUTE).
 */
export function route<Args extends unknown[]>(
  name: string,
  handler: (request: Request, ...args: Args) => Promise<Response>,
): (request: Request, ...args: Args) => Promise<Response> {
  return async (request, ...args) => {
    try {
      await spendApiRequest(clientAddress(request));
      return await handler(request, ...args);
    } catch (error) {
      return errorResponse(error, { route: name, method: request.method });
    }
  };
}
