-- 每日提醒摘要: an account's e-mail address for its digest, the days whose
-- digests were composed, and the delivery log.
ALTER TABLE users ADD COLUMN email TEXT;
-- One row per day whose digests were composed: whichever server composes
-- first inserts it, in the same transaction as the deliveries, so a day is
-- composed once however many servers run.
CREATE TABLE digest_days (
    day DATE PRIMARY KEY,
    composed_at TIMESTAMP NOT NULL
);
-- Every delivery, sent or not: what went where, how many attempts, the
-- last error and when it is tried next. audience names whom it is for
-- (user:<id>, or bureau for the webhook), so a day holds one per channel.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    day DATE NOT NULL REFERENCES digest_days (day),
    channel TEXT NOT NULL,
    audience TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (day, channel, audience)
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
