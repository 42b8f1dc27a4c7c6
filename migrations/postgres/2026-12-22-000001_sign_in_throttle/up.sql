-- Failed sign-ins per account and per address, and the locks they bring
-- (kept in the database, so every server behind a balancer counts alike).
CREATE TABLE sign_in_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    first_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);
