-- The inspection service's first schema. Portable types only (see README):
-- the PostgreSQL migration of the same name says the same in its dialect.

CREATE TABLE streets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    street_id BIGINT REFERENCES streets (id),
    contact_person TEXT,
    contact_phone TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'inspector', 'unit', 'leader')),
    unit_id BIGINT REFERENCES units (id),
    disabled BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    CHECK ((role = 'unit') = (unit_id IS NOT NULL))
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE TABLE checklist_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    year INTEGER NOT NULL UNIQUE,
    deadline DATE,
    closed BOOLEAN NOT NULL DEFAULT 0,
    rectify_days INTEGER,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE campaign_checklists (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    unit_kind TEXT NOT NULL,
    checklist_reference TEXT NOT NULL REFERENCES checklist_versions (reference),
    PRIMARY KEY (campaign_id, unit_kind)
);

-- Uploaded files, byte for byte, stored once per content.
CREATE TABLE stored_files (
    sha256 TEXT PRIMARY KEY NOT NULL,
    size BIGINT NOT NULL,
    content BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    file_sha256 TEXT NOT NULL REFERENCES stored_files (sha256),
    file_name TEXT NOT NULL,
    checklist_reference TEXT NOT NULL REFERENCES checklist_versions (reference),
    target_tier TEXT,
    filled_by TEXT,
    phone TEXT,
    filled_on TEXT,
    late BOOLEAN NOT NULL,
    uploaded_by BIGINT REFERENCES users (id),
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX submissions_unit_campaign ON submissions (unit_id, campaign_id);
CREATE INDEX submissions_campaign ON submissions (campaign_id);

-- Uploads refused as invalid: kept, never lost, but never a submission.
CREATE TABLE rejected_uploads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    file_sha256 TEXT NOT NULL REFERENCES stored_files (sha256),
    file_name TEXT NOT NULL,
    problems TEXT NOT NULL,
    uploaded_by BIGINT REFERENCES users (id),
    uploaded_at TIMESTAMP NOT NULL
);

-- The facts and self-scores as the workbook gave them.
CREATE TABLE submission_inputs (
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    input_key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (submission_id, input_key)
);

CREATE TABLE submission_answers (
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    item_code TEXT NOT NULL,
    answer TEXT,
    remark TEXT,
    PRIMARY KEY (submission_id, item_code)
);

CREATE TABLE reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    kind TEXT NOT NULL CHECK (kind IN ('self', 'mutual', 'spot', 'recheck')),
    note TEXT NOT NULL,
    reviewer_id BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

-- Every override a review holds (earlier reviews' overrides are carried in).
CREATE TABLE review_overrides (
    review_id BIGINT NOT NULL REFERENCES reviews (id),
    target TEXT NOT NULL CHECK (target IN ('item', 'input')),
    code TEXT NOT NULL,
    value TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (review_id, target, code)
);

-- Results as computed at the time, never recomputed from a later checklist.
CREATE TABLE assessments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    review_id BIGINT REFERENCES reviews (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    year INTEGER NOT NULL,
    checklist_reference TEXT NOT NULL,
    raw INTEGER NOT NULL,
    applicable_max INTEGER NOT NULL,
    total INTEGER NOT NULL,
    tier_code TEXT,
    tier_name TEXT,
    grade TEXT,
    vetoes TEXT NOT NULL,
    target_tier TEXT,
    gaps TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX assessments_year_unit ON assessments (year, unit_id);
CREATE INDEX assessments_submission ON assessments (submission_id);

CREATE TABLE assessment_items (
    assessment_id BIGINT NOT NULL REFERENCES assessments (id),
    position INTEGER NOT NULL,
    item_code TEXT NOT NULL,
    category_code TEXT NOT NULL,
    max INTEGER NOT NULL,
    points INTEGER NOT NULL,
    applicable BOOLEAN NOT NULL,
    PRIMARY KEY (assessment_id, item_code)
);

CREATE TABLE assessment_categories (
    assessment_id BIGINT NOT NULL REFERENCES assessments (id),
    position INTEGER NOT NULL,
    category_code TEXT NOT NULL,
    name TEXT NOT NULL,
    points INTEGER NOT NULL,
    applicable_max INTEGER NOT NULL,
    PRIMARY KEY (assessment_id, category_code)
);

CREATE TABLE plausibility_flags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    input_key TEXT,
    message TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    resolved_by BIGINT REFERENCES users (id),
    resolution TEXT
);
CREATE INDEX plausibility_flags_submission ON plausibility_flags (submission_id);

CREATE TABLE samples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    year INTEGER NOT NULL,
    seed BIGINT NOT NULL,
    requested_count INTEGER,
    requested_percent INTEGER,
    note TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE sample_units (
    sample_id BIGINT NOT NULL REFERENCES samples (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    position INTEGER NOT NULL,
    stratum TEXT NOT NULL,
    PRIMARY KEY (sample_id, unit_id)
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TIMESTAMP NOT NULL,
    user_id BIGINT REFERENCES users (id),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

-- One row that every SQLite write transaction updates first, so it takes the
-- write lock before reading (a deferred transaction that read first cannot
-- upgrade once another writer has committed: SQLITE_BUSY_SNAPSHOT).
CREATE TABLE write_serial (
    id BIGINT PRIMARY KEY NOT NULL,
    n BIGINT NOT NULL
);
INSERT INTO write_serial (id, n) VALUES (1, 0);
