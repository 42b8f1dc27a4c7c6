-- Rectification orders (整改) and their history.

CREATE TABLE rectifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    -- The campaign that ordered it, and the one it is tracked in now
    -- (an order still open next year is carried into that year).
    origin_campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    assessment_id BIGINT NOT NULL REFERENCES assessments (id),
    kind TEXT NOT NULL CHECK (kind IN ('item', 'veto', 'gap')),
    finding_key TEXT NOT NULL,
    item_code TEXT,
    category_code TEXT,
    title TEXT NOT NULL,
    requirement TEXT NOT NULL,
    points_lost INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'submitted', 'verified', 'returned', 'waived')),
    due DATE NOT NULL,
    due_set_by_hand BOOLEAN NOT NULL DEFAULT 0,
    previous_id BIGINT REFERENCES rectifications (id),
    closed_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX rectifications_campaign_unit ON rectifications (campaign_id, unit_id);
CREATE INDEX rectifications_unit_key ON rectifications (unit_id, finding_key);

CREATE TABLE rectification_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rectification_id BIGINT NOT NULL REFERENCES rectifications (id),
    at TIMESTAMP NOT NULL,
    user_id BIGINT REFERENCES users (id),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    note TEXT NOT NULL,
    -- Re-check (复查): the unit's total and tier before and after.
    before_total INTEGER,
    after_total INTEGER,
    before_tier TEXT,
    after_tier TEXT
);
CREATE INDEX rectification_events_item ON rectification_events (rectification_id);

CREATE TABLE rectification_evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rectification_id BIGINT NOT NULL REFERENCES rectifications (id),
    event_id BIGINT NOT NULL REFERENCES rectification_events (id),
    file_sha256 TEXT NOT NULL REFERENCES stored_files (sha256),
    file_name TEXT NOT NULL,
    uploaded_at TIMESTAMP NOT NULL
);
