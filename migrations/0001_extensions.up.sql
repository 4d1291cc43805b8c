-- 0001_extensions (up): the PostgreSQL extensions the schema relies on.
--   uuid-ossp: uuid_generate_v4(), the default of every seed primary key.
--   pgcrypto:  gen_random_bytes()/digest() for tokens and hashes in SQL.
--   postgis:   geography types and distance queries for location matching.
-- IF NOT EXISTS so a database where an administrator pre-installed them still migrates.

CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE EXTENSION IF NOT EXISTS postgis;
