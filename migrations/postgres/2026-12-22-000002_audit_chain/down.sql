DROP TABLE audit_chain;
DROP INDEX audit_log_seq;
ALTER TABLE audit_log DROP COLUMN hash, DROP COLUMN prev_hash, DROP COLUMN seq;
