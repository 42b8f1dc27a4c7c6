-- The current assessment (本年度现行结果) stored as a flag, so that a list
-- page is an index walk that stops after a page instead of testing every
-- assessment of the campaign for "no newer assessment of its submission
-- and no newer submission of its unit" (issue 15: p99 at 64 connections).
--
-- The store keeps it where assessments are written (one upload, a bulk
-- group, a review, the demo): store::queries::assessments::settle_current
-- sets it again from its definition, the newest assessment of the newest
-- submission of a unit in a campaign (the test the lists made row by row
-- before; tests compare the two), for the units just written, in one
-- statement per group. Not row triggers: with them a 50,000-unit bulk
-- import on PostgreSQL slowed to 20 files/s by 20,000 units, each
-- multi-row INSERT of submissions or assessments taking 0.4-0.7 s (a
-- plan cached in the trigger while the tables were empty; autovacuum was
-- off, so no statistics came to replace it).
ALTER TABLE assessments ADD COLUMN is_current BOOLEAN NOT NULL DEFAULT 0;

UPDATE assessments SET is_current = 1
WHERE NOT EXISTS (SELECT 1 FROM assessments AS newer
                  WHERE newer.submission_id = assessments.submission_id
                    AND newer.id > assessments.id)
  AND NOT EXISTS (SELECT 1 FROM submissions AS later
                  WHERE later.unit_id = assessments.unit_id
                    AND later.campaign_id = assessments.campaign_id
                    AND later.id > assessments.submission_id);

-- A campaign's current assessments by unit (the lists in code, name or
-- street order join units to these) and by total (sort=total, -total).
CREATE INDEX assessments_current_unit ON assessments (campaign_id, unit_id) WHERE is_current;
CREATE INDEX assessments_current_total ON assessments (campaign_id, total) WHERE is_current;
DROP INDEX assessments_campaign_total;
