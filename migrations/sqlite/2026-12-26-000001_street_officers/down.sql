DROP TABLE first_checks;
DELETE FROM api_tokens WHERE user_id IN (SELECT id FROM users WHERE role = 'street');
CREATE TABLE users_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'inspector', 'unit', 'leader')),
    unit_id BIGINT REFERENCES units (id),
    disabled BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    CHECK ((role = 'unit') = (unit_id IS NOT NULL))
);
INSERT INTO users_old (id, username, password_hash, role, unit_id, disabled, created_at)
    SELECT id, username, password_hash,
           CASE role WHEN 'street' THEN 'leader' ELSE role END, unit_id,
           CASE role WHEN 'street' THEN 1 ELSE disabled END, created_at
    FROM users;
DROP TABLE users;
ALTER TABLE users_old RENAME TO users;
