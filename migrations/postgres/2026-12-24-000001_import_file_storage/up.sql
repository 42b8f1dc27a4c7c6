-- Workbooks are zip files already: PostgreSQL's TOAST compression of their
-- bytes spends a bulk import's CPU and saves nothing. Stored out of line,
-- uncompressed (rows written from now on).
ALTER TABLE stored_files ALTER COLUMN content SET STORAGE EXTERNAL;
