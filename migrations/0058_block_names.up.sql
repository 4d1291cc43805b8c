-- 0058_block_names (up): the name a block is listed under (GET /me/blocks, to unblock from), as
-- the blocker could see it when they blocked: read through the profile afterwards, the list told a
-- blocker the current name of someone who had blocked them or hidden their profile, at any time
-- (docs/security.md). Blocks made before this are listed without one.
ALTER TABLE user_blocks ADD COLUMN blocked_name TEXT;
