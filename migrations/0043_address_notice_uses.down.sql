-- 0043_address_notice_uses (down): one row per address and day again, without its count.
ALTER TABLE address_notices DROP COLUMN uses;
