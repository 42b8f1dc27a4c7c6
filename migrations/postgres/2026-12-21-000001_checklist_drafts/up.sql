-- Checklist versions authored in a workbook (草稿) and their publication.
-- A version is a draft until an admin publishes it or a campaign adopts it;
-- from then on it is frozen. Versions in use before this migration count as
-- published when they were first recorded.
ALTER TABLE checklist_versions
    ADD COLUMN origin TEXT NOT NULL DEFAULT 'file' CHECK (origin IN ('file', 'workbook')),
    ADD COLUMN workbook_sha256 TEXT REFERENCES stored_files (sha256),
    ADD COLUMN workbook_name TEXT,
    ADD COLUMN published_at TIMESTAMP,
    ADD COLUMN published_by BIGINT REFERENCES users (id);
UPDATE checklist_versions SET published_at = created_at
WHERE reference IN (SELECT checklist_reference FROM campaign_checklists)
   OR reference IN (SELECT checklist_reference FROM assessments);
