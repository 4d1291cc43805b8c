-- 0057_read_receipt_withheld (down)
ALTER TABLE messages DROP COLUMN read_receipt_withheld;
