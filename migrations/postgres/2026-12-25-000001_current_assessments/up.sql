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
ALTER TABLE assessments ADD COLUMN is_current BOOLEAN NOT NULL DEFAULT FALSE;

UPDATE assessments SET is_current = TRUE
WHERE NOT EXISTS (SELECT 1 FROM assessments AS newer
                  WHERE newer.submission_id = assessments.submission_id
                    AND newer.id > assessments.id)
  AND NOT EXISTS (SELECT 1 FROM submissions AS later
                  WHERE later.unit_id = assessments.unit_id
                    AND later.campaign_id = assessments.campaign_id
                    AND later.id > assessments.submission_id);

CREATE FUNCTION submissions_end_current() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE assessments SET is_current = FALSE
  WHERE campaign_id = NEW.campaign_id AND unit_id = NEW.unit_id AND is_current;
  RETURN NULL;
END
$$;
CREATE TRIGGER submissions_end_current AFTER INSERT ON submissions
FOR EACH ROW EXECUTE FUNCTION submissions_end_current();

-- BEFORE, so the new row is written once with its flag (the id default is
-- already drawn, or given by the bulk import).
CREATE FUNCTION assessments_become_current() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.is_current := NOT EXISTS (SELECT 1 FROM assessments AS newer
                                WHERE newer.submission_id = NEW.submission_id
                                  AND newer.id > NEW.id)
                AND NOT EXISTS (SELECT 1 FROM submissions AS later
                                WHERE later.unit_id = NEW.unit_id
                                  AND later.campaign_id = NEW.campaign_id
                                  AND later.id > NEW.submission_id);
  IF NEW.is_current THEN
    UPDATE assessments SET is_current = FALSE
    WHERE campaign_id = NEW.campaign_id AND unit_id = NEW.unit_id AND is_current;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER assessments_become_current BEFORE INSERT ON assessments
FOR EACH ROW EXECUTE FUNCTION assessments_become_current();

-- A campaign's current assessments by unit (the lists in code, name or
-- street order join units to these) and by total (sort=total, -total).
CREATE INDEX assessments_current_unit ON assessments (campaign_id, unit_id) WHERE is_current;
CREATE INDEX assessments_current_total ON assessments (campaign_id, total) WHERE is_current;
DROP INDEX assessments_campaign_total;
