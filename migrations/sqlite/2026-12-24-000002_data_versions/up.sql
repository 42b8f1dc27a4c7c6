-- How far the data has moved (数据版本), per scope: a counter bumped in
-- the transaction of every write that changes what a list or report shows
-- (with the audit entry that every such write makes). Servers sharing the
-- database compare it to know their caches and checklist catalog are
-- current. Scopes: 'data' (anything shown), 'checklists' (the versions
-- authored or published on the pages).
CREATE TABLE data_versions (
    scope TEXT PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL
);
INSERT INTO data_versions (scope, version) VALUES ('data', 0), ('checklists', 0);
