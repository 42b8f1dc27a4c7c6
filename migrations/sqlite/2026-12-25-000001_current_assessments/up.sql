-- The current assessment (本年度现行结果) stored as a flag, so that a list
-- page is an index walk that stops after a page instead of testing every
-- assessment of the campaign for "no newer assessment of its submission
-- and no newer submission of its unit" (issue 15: p99 at 64 connections).
--
-- The triggers keep the flag for every way a row comes in (one upload, a
-- bulk import, a review, the demo): a new submission of a unit ends its
-- current assessment in the campaign; a new assessment becomes current
-- when it is the newest of the newest submission. The definition is the
-- one the lists used before (tests compare the two).
ALTER TABLE assessments ADD COLUMN is_current BOOLEAN NOT NULL DEFAULT 0;

UPDATE assessments SET is_current = 1
WHERE NOT EXISTS (SELECT 1 FROM assessments AS newer
                  WHERE newer.submission_id = assessments.submission_id
                    AND newer.id > assessments.id)
  AND NOT EXISTS (SELECT 1 FROM submissions AS later
                  WHERE later.unit_id = assessments.unit_id
                    AND later.campaign_id = assessments.campaign_id
                    AND later.id > assessments.submission_id);

CREATE TRIGGER submissions_end_current AFTER INSERT ON submissions
BEGIN
  UPDATE assessments SET is_current = 0
  WHERE campaign_id = NEW.campaign_id AND unit_id = NEW.unit_id AND is_current;
END;

-- SQLite gives a BEFORE trigger no id for a new row: the flag is set after.
CREATE TRIGGER assessments_become_current AFTER INSERT ON assessments
WHEN NOT EXISTS (SELECT 1 FROM assessments AS newer
                 WHERE newer.submission_id = NEW.submission_id AND newer.id > NEW.id)
 AND NOT EXISTS (SELECT 1 FROM submissions AS later
                 WHERE later.unit_id = NEW.unit_id AND later.campaign_id = NEW.campaign_id
                   AND later.id > NEW.submission_id)
BEGIN
  UPDATE assessments SET is_current = 0
  WHERE campaign_id = NEW.campaign_id AND unit_id = NEW.unit_id AND is_current AND id <> NEW.id;
  UPDATE assessments SET is_current = 1 WHERE id = NEW.id;
END;

-- A campaign's current assessments by unit (the lists in code, name or
-- street order join units to these) and by total (sort=total, -total).
CREATE INDEX assessments_current_unit ON assessments (campaign_id, unit_id) WHERE is_current;
CREATE INDEX assessments_current_total ON assessments (campaign_id, total) WHERE is_current;
DROP INDEX assessments_campaign_total;
