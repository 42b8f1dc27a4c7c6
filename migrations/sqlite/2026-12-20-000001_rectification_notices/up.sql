-- Rectification notices (整改通知书) as issued: one per unit and year, numbered
-- in issue order within the year (区档案局整改字〔2012〕第 7 号). A number once
-- issued is kept; a later print of the same notice shows it again.
CREATE TABLE rectification_notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    year INTEGER NOT NULL,
    number INTEGER NOT NULL CHECK (number > 0),
    issued_on DATE NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    issued_by BIGINT REFERENCES users (id),
    issuer TEXT NOT NULL,
    UNIQUE (year, number),
    UNIQUE (year, unit_id)
);
