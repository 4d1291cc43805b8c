-- 0005_messaging (down): drops the tables of 0005_messaging.up.sql,
-- dependents first (message_documents -> messages -> conversations).

DROP TABLE message_documents;
DROP TABLE notifications;
DROP TABLE messages;
DROP TABLE conversations;
