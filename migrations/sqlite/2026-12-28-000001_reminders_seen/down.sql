ALTER TABLE users DROP COLUMN reminders_seen_at;
