CREATE INDEX assessments_campaign_total ON assessments (campaign_id, total);
DROP INDEX assessments_current_total;
DROP INDEX assessments_current_unit;
DROP TRIGGER assessments_become_current ON assessments;
DROP FUNCTION assessments_become_current();
DROP TRIGGER submissions_end_current ON submissions;
DROP FUNCTION submissions_end_current();
ALTER TABLE assessments DROP COLUMN is_current;
