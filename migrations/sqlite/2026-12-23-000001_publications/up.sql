-- A year's results as published (年度结果发布): the canonical snapshot
-- (src/domain/publication.rs), its sha256 and the audit entry that
-- recorded it. A year may be published again; every publication is kept,
-- the newest is the one in force.
CREATE TABLE publications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    year INTEGER NOT NULL,
    published_at TIMESTAMP NOT NULL,
    user_id BIGINT REFERENCES users (id),
    actor TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    audit_id BIGINT
);
CREATE INDEX publications_year ON publications (year, id);
-- Each unit's result as published, beside the snapshot: what corrections
-- start from. Totals in hundredths; standing is a tier code, none or
-- provisional; no result (nothing submitted) leaves them NULL.
CREATE TABLE publication_units (
    publication_id BIGINT NOT NULL REFERENCES publications (id),
    unit_code TEXT NOT NULL,
    unit_name TEXT NOT NULL,
    street TEXT,
    kind TEXT NOT NULL,
    checklist TEXT,
    total INTEGER,
    standing TEXT,
    reviewed BOOLEAN NOT NULL,
    assessment_id BIGINT,
    PRIMARY KEY (publication_id, unit_code)
);
-- A change of a published result (发布后更正), written in the transaction
-- of the upload or review that made it: the result before (as published
-- or as last corrected) and after.
CREATE TABLE publication_corrections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    publication_id BIGINT NOT NULL REFERENCES publications (id),
    unit_code TEXT NOT NULL,
    old_total INTEGER,
    old_standing TEXT,
    new_total INTEGER,
    new_standing TEXT,
    assessment_id BIGINT NOT NULL,
    user_id BIGINT REFERENCES users (id),
    actor TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    audit_id BIGINT
);
CREATE INDEX publication_corrections_publication ON publication_corrections (publication_id, id);
