-- 0042_address_notices (down): the day's notices are claimed in Redis again (the code before).
DROP TABLE address_notices;
