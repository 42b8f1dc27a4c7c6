ALTER TABLE checklist_versions DROP COLUMN published_by;
ALTER TABLE checklist_versions DROP COLUMN published_at;
ALTER TABLE checklist_versions DROP COLUMN workbook_name;
ALTER TABLE checklist_versions DROP COLUMN workbook_sha256;
ALTER TABLE checklist_versions DROP COLUMN origin;
