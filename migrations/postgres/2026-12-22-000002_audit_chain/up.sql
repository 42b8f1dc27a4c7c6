-- The audit log's hash chain (审计日志防篡改链): each entry's place, the
-- hash of the entry before it and its own hash. Existing entries are
-- chained by the program right after this migration, in id order, in one
-- transaction (SQL alone cannot compute sha256 on both databases).
ALTER TABLE audit_log ADD COLUMN seq BIGINT;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_log_seq ON audit_log (seq);
-- The chain's head: the last place and hash. Every append locks this row
-- first, so two writers cannot chain onto the same entry; a removed tail
-- shows against it. `backfilled` marks the one-time chaining of old rows.
CREATE TABLE audit_chain (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    backfilled BOOLEAN NOT NULL
);
INSERT INTO audit_chain (id, seq, hash, backfilled)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', FALSE);
