-- Indexes for the list pages and list APIs (issue 15): every filter and
-- order of src/store/queries/lists.rs is an index walk or probe.

-- Current assessment (is_current): the newer-assessment and newer-submission
-- probes; these replace the narrower (submission_id) and (unit_id,
-- campaign_id) indexes, which they serve as well.
CREATE INDEX assessments_submission_id ON assessments (submission_id, id);
DROP INDEX assessments_submission;
CREATE INDEX submissions_unit_campaign_id ON submissions (unit_id, campaign_id, id);
DROP INDEX submissions_unit_campaign;

-- A campaign's assessments by unit (the assessment list, the progress
-- list's join) and by total (sort=total, -total).
CREATE INDEX assessments_campaign_unit ON assessments (campaign_id, unit_id, id);
CREATE INDEX assessments_campaign_total ON assessments (campaign_id, total);

-- Units by street, kind and name, each then by code (the lists' orders).
CREATE INDEX units_street_code ON units (street_id, code);
CREATE INDEX units_kind_code ON units (kind, code);
CREATE INDEX units_name_code ON units (name, code);

-- Open plausibility flags of a submission (flagged filter, counts).
CREATE INDEX plausibility_flags_open ON plausibility_flags (submission_id) WHERE resolved_at IS NULL;

-- Orders of a campaign by due date then id (both runs of a list; the
-- board's counts, one GROUP BY due date and state, read the index alone),
-- and a unit's orders the same way (replacing (campaign_id, unit_id)).
CREATE INDEX rectifications_campaign_due ON rectifications (campaign_id, due, id, state);
CREATE INDEX rectifications_campaign_unit_due ON rectifications (campaign_id, unit_id, due, id);
DROP INDEX rectifications_campaign_unit;
