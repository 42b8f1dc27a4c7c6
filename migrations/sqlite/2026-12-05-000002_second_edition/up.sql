-- The second edition of the checklist format (deductions, groups, levels,
-- inspector items, bonus and penalty points, weights, conditions).

-- Points are hundredths of a point from now on (tables give points as fine
-- as 0.01); every stored figure was in tenths.
UPDATE assessments SET raw = raw * 10, applicable_max = applicable_max * 10, total = total * 10;
UPDATE assessment_items SET max = max * 10, points = points * 10;
UPDATE assessment_categories SET points = points * 10, applicable_max = applicable_max * 10;
UPDATE rectifications SET points_lost = points_lost * 10;
UPDATE rectification_events SET before_total = before_total * 10, after_total = after_total * 10;

-- Bonus and penalty points; a provisional result waits for the inspector's
-- items (`pending`, a JSON list of item codes) and has no tier or grade yet.
ALTER TABLE assessments ADD COLUMN bonus INTEGER NOT NULL DEFAULT 0;
ALTER TABLE assessments ADD COLUMN penalty INTEGER NOT NULL DEFAULT 0;
ALTER TABLE assessments ADD COLUMN provisional BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE assessments ADD COLUMN pending TEXT NOT NULL DEFAULT '[]';

-- Per item: its kind, group, whether it waits for the inspector, and for
-- deduct and level items what was found (JSON).
ALTER TABLE assessment_items ADD COLUMN item_kind TEXT NOT NULL DEFAULT 'base';
ALTER TABLE assessment_items ADD COLUMN group_code TEXT;
ALTER TABLE assessment_items ADD COLUMN pending BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE assessment_items ADD COLUMN detail TEXT;

-- A deduct item's order names each defect found and how often (JSON).
ALTER TABLE rectifications ADD COLUMN defects TEXT;

-- Supporting material (佐证材料) a unit attaches to an item of a year's
-- self-check; kept like every uploaded file.
CREATE TABLE item_evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    item_code TEXT NOT NULL,
    file_sha256 TEXT NOT NULL REFERENCES stored_files (sha256),
    file_name TEXT NOT NULL,
    note TEXT NOT NULL,
    uploaded_by BIGINT REFERENCES users (id),
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX item_evidence_unit ON item_evidence (unit_id, campaign_id, item_code);
