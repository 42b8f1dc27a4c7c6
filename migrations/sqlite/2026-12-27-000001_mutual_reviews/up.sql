-- 互查组: a campaign's mutual-review groups and who reviews whom. The
-- plan records how the groups were formed (a seed when drawn) so that a
-- draw can be repeated and shown fair.
CREATE TABLE review_plans (
    campaign_id BIGINT PRIMARY KEY REFERENCES campaigns (id),
    seed BIGINT,
    cross_street BOOLEAN NOT NULL,
    formed_by BIGINT REFERENCES users (id),
    formed_at TIMESTAMP NOT NULL
);
CREATE TABLE review_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id BIGINT NOT NULL REFERENCES review_plans (campaign_id),
    number INTEGER NOT NULL,
    UNIQUE (campaign_id, number)
);
-- A unit is in one group of a campaign at most.
CREATE TABLE review_group_members (
    campaign_id BIGINT NOT NULL REFERENCES review_plans (campaign_id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    group_id BIGINT NOT NULL REFERENCES review_groups (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, unit_id)
);
CREATE INDEX review_group_members_group ON review_group_members (group_id, position);
CREATE TABLE review_assignments (
    campaign_id BIGINT NOT NULL REFERENCES review_plans (campaign_id),
    group_id BIGINT NOT NULL REFERENCES review_groups (id),
    reviewer_unit_id BIGINT NOT NULL REFERENCES units (id),
    reviewed_unit_id BIGINT NOT NULL REFERENCES units (id),
    PRIMARY KEY (campaign_id, reviewer_unit_id, reviewed_unit_id),
    CHECK (reviewer_unit_id <> reviewed_unit_id)
);
-- A peer unit's 互查 of an assigned unit's upload. Kept beside the
-- bureau's reviews, never the unit's result: the bureau compares it with
-- the self-check and its own spot checks. Every one is kept; the newest
-- of a reviewer for a unit counts.
CREATE TABLE peer_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    reviewer_unit_id BIGINT NOT NULL REFERENCES units (id),
    reviewed_unit_id BIGINT NOT NULL REFERENCES units (id),
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    user_id BIGINT REFERENCES users (id),
    note TEXT NOT NULL DEFAULT '',
    -- Hundredths of a point, as assessments keep them.
    total INTEGER NOT NULL,
    provisional BOOLEAN NOT NULL,
    -- JSON: the changed items and facts with their reasons, as a review's.
    overrides TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX peer_reviews_campaign ON peer_reviews (campaign_id, reviewed_unit_id, id);
CREATE TABLE peer_review_items (
    peer_review_id BIGINT NOT NULL REFERENCES peer_reviews (id),
    item_code TEXT NOT NULL,
    position INTEGER NOT NULL,
    points INTEGER NOT NULL,
    applicable BOOLEAN NOT NULL,
    PRIMARY KEY (peer_review_id, item_code)
);
