-- 0057_read_receipt_withheld (up): a message read while either of its two people withheld read
-- receipts (the privacy setting `read_receipts`) keeps its read_at for the unread counts, but its
-- time is never shown, not even once both share receipts again: whoever turned them off to read in
-- peace is not given away later (docs/messaging.md). A constant default: no table rewrite.
ALTER TABLE messages ADD COLUMN read_receipt_withheld BOOLEAN NOT NULL DEFAULT false;
