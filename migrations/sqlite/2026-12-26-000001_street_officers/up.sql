-- Street officers (街道档案员): an account bound to one street, as a unit
-- account is bound to one unit. SQLite cannot change a CHECK constraint,
-- so the table is made anew and the rows copied (its documented way of
-- altering a table: store::migrate turns foreign keys off around it and
-- checks them after). Ids are kept, so every reference still holds.
CREATE TABLE users_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'inspector', 'unit', 'leader', 'street')),
    unit_id BIGINT REFERENCES units (id),
    disabled BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    street_id BIGINT REFERENCES streets (id),
    CHECK ((role = 'unit') = (unit_id IS NOT NULL)),
    CHECK ((role = 'street') = (street_id IS NOT NULL))
);
INSERT INTO users_new (id, username, password_hash, role, unit_id, disabled, created_at)
    SELECT id, username, password_hash, role, unit_id, disabled, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

-- 初审: a street officer's first check of an upload, before the bureau's
-- review: accepted, or returned with notes (overall and per item). Every
-- decision is kept; the newest one of a submission counts.
CREATE TABLE first_checks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    user_id BIGINT REFERENCES users (id),
    decision TEXT NOT NULL CHECK (decision IN ('accepted', 'returned')),
    note TEXT NOT NULL DEFAULT '',
    -- JSON: [{"item": "A1", "note": "..."}], in the checklist's order.
    item_notes TEXT NOT NULL DEFAULT '[]',
    checked_at TIMESTAMP NOT NULL
);
CREATE INDEX first_checks_submission ON first_checks (submission_id, id);
