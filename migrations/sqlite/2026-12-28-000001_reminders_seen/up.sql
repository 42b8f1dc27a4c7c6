-- 提醒: when the account last looked at its reminders; the bell counts
-- those that arose after it.
ALTER TABLE users ADD COLUMN reminders_seen_at TIMESTAMP;
