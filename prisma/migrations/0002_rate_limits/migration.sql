-- Rate-limit counters (rate-limiter-flexible's RateLimiterPrisma): kept in the product's
-- database so that several web processes share them. See model RateLimit in schema.prisma.
CREATE TABLE "rate_limits" (
  "key" TEXT NOT NULL,
  "points" INTEGER NOT NULL,
  "expire" TIMESTAMPTZ(3),
  CONSTRAINT "rate_limits_pkey" PRIMARY KEY ("key")
);
-- The limiter's sweep deletes expired rows by this column.
CREATE INDEX "rate_limits_expire_idx" ON "rate_limits" ("expire");
