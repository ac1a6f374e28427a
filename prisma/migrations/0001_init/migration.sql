-- HoloCall's first schema: users, avatars, rooms, memberships, sessions.
-- Written for PostgreSQL 15 and PGlite alike (PGlite is Postgres compiled to WASM).

CREATE TABLE "users" (
  "id" TEXT NOT NULL,
  "display_name" TEXT NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "avatars" (
  "id" TEXT NOT NULL,
  "owner_id" TEXT NOT NULL,
  "photo_hash" TEXT NOT NULL,
  "photo_type" TEXT NOT NULL,
  "photo_width" INTEGER NOT NULL,
  "photo_height" INTEGER NOT NULL,
  "crop_hash" TEXT,
  "landmarks" JSONB NOT NULL,
  "camera" JSONB,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "avatars_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "avatars_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "avatars_owner_id_key" ON "avatars" ("owner_id");
CREATE INDEX "avatars_photo_hash_idx" ON "avatars" ("photo_hash");

CREATE TABLE "rooms" (
  "id" TEXT NOT NULL,
  "slug" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "owner_id" TEXT NOT NULL,
  "max_peers" INTEGER NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "rooms_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "rooms_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "rooms_max_peers_check" CHECK ("max_peers" BETWEEN 2 AND 64)
);
CREATE UNIQUE INDEX "rooms_slug_key" ON "rooms" ("slug");
CREATE INDEX "rooms_owner_id_idx" ON "rooms" ("owner_id");

CREATE TABLE "memberships" (
  "id" TEXT NOT NULL,
  "room_id" TEXT NOT NULL,
  "user_id" TEXT NOT NULL,
  "role" TEXT NOT NULL,
  "joined_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "left_at" TIMESTAMPTZ(3),
  CONSTRAINT "memberships_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "memberships_room_id_fkey" FOREIGN KEY ("room_id") REFERENCES "rooms" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "memberships_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "memberships_role_check" CHECK ("role" IN ('owner', 'member'))
);
CREATE UNIQUE INDEX "memberships_room_id_user_id_key" ON "memberships" ("room_id", "user_id");
CREATE INDEX "memberships_user_id_idx" ON "memberships" ("user_id");
CREATE INDEX "memberships_room_id_seen_at_idx" ON "memberships" ("room_id", "seen_at");

CREATE TABLE "sessions" (
  "id" TEXT NOT NULL,
  "user_id" TEXT NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "expires_at" TIMESTAMPTZ(3) NOT NULL,
  "revoked_at" TIMESTAMPTZ(3),
  CONSTRAINT "sessions_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "sessions_user_id_idx" ON "sessions" ("user_id");
