-- 0058_block_names (down)
ALTER TABLE user_blocks DROP COLUMN blocked_name;
