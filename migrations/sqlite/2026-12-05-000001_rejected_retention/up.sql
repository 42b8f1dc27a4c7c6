-- Refused uploads are kept within a quota per account and for a while
-- (see service::uploads); a stored file whose content was let go keeps its
-- row: its hash, size and the problems of its upload stay for good.
ALTER TABLE stored_files ADD COLUMN purged_at TIMESTAMP;
CREATE INDEX rejected_uploads_by_user ON rejected_uploads (uploaded_by, uploaded_at);
CREATE INDEX rejected_uploads_file ON rejected_uploads (file_sha256);
