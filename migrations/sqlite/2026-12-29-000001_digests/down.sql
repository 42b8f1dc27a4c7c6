DROP TABLE deliveries;
DROP TABLE digest_days;
ALTER TABLE users DROP COLUMN email;
