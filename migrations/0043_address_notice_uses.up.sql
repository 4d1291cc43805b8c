-- 0043_address_notice_uses (up): address_notices counts the day's uses of an address by someone
-- else, so the owner's security log records only the first few a day (and one saying there were
-- more), and the day's first use still sends the one mail.
ALTER TABLE address_notices ADD COLUMN uses INTEGER NOT NULL DEFAULT 1;
