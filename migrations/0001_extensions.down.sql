-- 0001_extensions (down): drops the extensions created by 0001_extensions.up.sql,
-- in reverse order of creation.

DROP EXTENSION postgis;
DROP EXTENSION pgcrypto;
DROP EXTENSION "uuid-ossp";
