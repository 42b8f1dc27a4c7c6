CREATE INDEX assessments_campaign_total ON assessments (campaign_id, total);
DROP INDEX assessments_current_total;
DROP INDEX assessments_current_unit;
ALTER TABLE assessments DROP COLUMN is_current;
