ALTER TABLE checklist_versions
    DROP COLUMN published_by,
    DROP COLUMN published_at,
    DROP COLUMN workbook_name,
    DROP COLUMN workbook_sha256,
    DROP COLUMN origin;
