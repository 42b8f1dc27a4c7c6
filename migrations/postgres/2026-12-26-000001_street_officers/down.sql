DROP TABLE first_checks;
DELETE FROM api_tokens WHERE user_id IN (SELECT id FROM users WHERE role = 'street');
UPDATE users SET disabled = TRUE, role = 'leader', street_id = NULL WHERE role = 'street';
ALTER TABLE users DROP CONSTRAINT users_street_bound;
ALTER TABLE users DROP CONSTRAINT users_role_known;
ALTER TABLE users ADD CONSTRAINT users_role_known
    CHECK (role IN ('admin', 'inspector', 'unit', 'leader'));
ALTER TABLE users DROP COLUMN street_id;
