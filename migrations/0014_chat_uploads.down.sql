-- 0014_chat_uploads (down): undoes 0014_chat_uploads.up.sql.
DROP TABLE chat_uploads;
