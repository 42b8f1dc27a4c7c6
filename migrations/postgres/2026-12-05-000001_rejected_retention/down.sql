DROP INDEX rejected_uploads_file;
DROP INDEX rejected_uploads_by_user;
ALTER TABLE stored_files DROP COLUMN purged_at;
