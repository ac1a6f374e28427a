import { ErrorCode, HolocallError } from '@holocall/protocol';
import { RateLimiterMemory, RateLimiterPrisma, RateLimiterRes } from 'rate-limiter-flexible';
import { prisma } from '../db';
import { logger } from '../logger';

/**
 * The web app's rate limits, per account and per client address (see client-address.ts).
 * Counted by rate-limiter-flexible in the product's database (table rate_limits), so every
 * web process on one database spends the same budget. An address is often shared (a home, an
 * office, a school behind one NAT), so per-address budgets are a few times the per-account ones.
 */
const HOUR = 60 * 60;

/** New accounts (a sign-in without a session) from one address, per hour. */
export const ACCOUNTS_PER_ADDRESS_PER_HOUR = 30;
/** Photo uploads (each up to MAX_ENROLL_BODY_BYTES) by one account, per hour. */
export const ENROLLMENTS_PER_ACCOUNT_PER_HOUR = 10;
/** Photo uploads from one address, per hour. */
export const ENROLLMENTS_PER_ADDRESS_PER_HOUR = 30;
/** Rooms created by one account, per hour. */
export const ROOMS_PER_ACCOUNT_PER_HOUR = 20;
/** Rooms created from one address, per hour. */
export const ROOMS_PER_ADDRESS_PER_HOUR = 60;
/**
 * Every /api request from one address, per minute: a flood guard, counted in each process's
 * memory (a database write per request would double the cost of every call; the costly actions
 * above are the ones counted in the database). A 32-peer call fetches three avatar resources per
 * peer at each join; this leaves room for a whole office behind one address.
 */
export const API_REQUESTS_PER_ADDRESS_PER_MINUTE = 3000;

export const RATE_LIMITS = {
  accounts_per_address: { points: ACCOUNTS_PER_ADDRESS_PER_HOUR, windowSeconds: HOUR },
  enrollments_per_account: { points: ENROLLMENTS_PER_ACCOUNT_PER_HOUR, windowSeconds: HOUR },
  enrollments_per_address: { points: ENROLLMENTS_PER_ADDRESS_PER_HOUR, windowSeconds: HOUR },
  rooms_per_account: { points: ROOMS_PER_ACCOUNT_PER_HOUR, windowSeconds: HOUR },
  rooms_per_address: { points: ROOMS_PER_ADDRESS_PER_HOUR, windowSeconds: HOUR },
} as const;

/** A limit kept in the database; its name is the `details.reason` of a `rate_limited` refusal. */
export type RateLimitName = keyof typeof RATE_LIMITS;
export const API_RATE_LIMIT = 'api_requests_per_address';
export type RateLimitReason = RateLimitName | typeof API_RATE_LIMIT;

/** The refusal: `rate_limited` (429) with the limit's name and a Retry-After in whole seconds. */
export function rateLimited(reason: RateLimitReason, points: number, windowSeconds: number, msBeforeNext: number) {
  const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new HolocallError(
    ErrorCode.RateLimited,
    `too many requests (${reason.replaceAll('_', ' ')}: ${points} per ${windowSeconds} s); try again in ${retryAfterSeconds} s`,
    { details: { reason, limit: points, windowSeconds, retryAfterSeconds } },
  );
}

async function spend(
  limiter: RateLimiterMemory | RateLimiterPrisma,
  reason: RateLimitReason,
  key: string,
): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (error) {
    // rate-limiter-flexible rejects with a RateLimiterRes when the budget is spent, and with
    // the store's own error when the database fails (which stays an error).
    if (!(error instanceof RateLimiterRes)) throw error;
    logger.info('rate limited', { reason, key });
    throw rateLimited(reason, limiter.points, limiter.duration, error.msBeforeNext);
  }
}

/** The database-kept limits over one Prisma client: two instances over one database share their counts. */
export class RateLimits {
  private readonly limiters: Record<RateLimitName, RateLimiterPrisma>;

  constructor(readonly client: object) {
    this.limiters = Object.fromEntries(
      Object.entries(RATE_LIMITS).map(([name, { points, windowSeconds }]) => [
        name,
        new RateLimiterPrisma({
          storeClient: client,
          // The Prisma delegate of model RateLimit (prisma/schema.prisma).
          tableName: 'rateLimit',
          keyPrefix: name,
          points,
          duration: windowSeconds,
        }),
      ]),
    ) as Record<RateLimitName, RateLimiterPrisma>;
  }

  /** Spends one point of `name` for `key` (an account id or an address), or throws `rate_limited`. */
  spend(name: RateLimitName, key: string): Promise<void> {
    return spend(this.limiters[name], name, key);
  }
}

let current: RateLimits | undefined;

/** The limits over this process's database (rebuilt when tests swap the database). */
export async function rateLimits(): Promise<RateLimits> {
  const client = await prisma();
  if (current?.client !== client) current = new RateLimits(client);
  return current;
}

const apiBudget = new RateLimiterMemory({
  keyPrefix: API_RATE_LIMIT,
  points: API_REQUESTS_PER_ADDRESS_PER_MINUTE,
  duration: 60,
});

/** Spends one API request of `address`'s per-minute budget, or throws `rate_limited`. */
export function spendApiRequest(address: string): Promise<void> {
  return spend(apiBudget, API_RATE_LIMIT, address);
}
