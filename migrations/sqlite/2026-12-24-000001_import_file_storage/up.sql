-- Twin of the PostgreSQL migration (no compression of stored files);
-- SQLite never compresses a blob, so nothing changes here.
SELECT 1;
