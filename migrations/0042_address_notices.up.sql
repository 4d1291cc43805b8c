-- 0042_address_notices (up): the day's one mail to an address's owner about someone else's use of
-- the address (a sign-up with it, another account's move to it), claimed by a row per address and
-- UTC day written in the transaction that queues the mail. Two requests at once: the second waits
-- for the first's commit and sends nothing, or for its rollback and sends the mail. (It was a
-- claim in Redis, given back when the request failed: a second request that found it taken in
-- the meantime sent nothing either, and the owner heard nothing that day.) Each claim deletes a
-- few rows of earlier days, so the table holds about one day's addresses.
CREATE TABLE address_notices (
    email_index TEXT NOT NULL,
    day DATE NOT NULL,
    PRIMARY KEY (email_index, day)
);
CREATE INDEX idx_address_notices_day ON address_notices(day);
