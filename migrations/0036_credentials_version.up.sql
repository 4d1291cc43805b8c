-- 0036_credentials_version (docs/security.md, "credential change"):
--   users.credentials_version: counts the account's credential changes (a password reset or
--   change, a request to change the address, a provider's takeover). A session records the number
--   its sign-in read together with the password it checked; a change ends every session with a
--   smaller one. The sessions' creation times could not tell a sign-in that checked the old
--   password a moment before the change from one made with the new password just after, and
--   were read off different nodes' clocks.
ALTER TABLE users ADD COLUMN credentials_version BIGINT NOT NULL DEFAULT 0;
