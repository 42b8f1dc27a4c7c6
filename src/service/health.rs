//! Readiness (`/readyz`): the database answers and its schema is the one
//! this binary expects. Liveness (`/healthz`) needs no use case.

use serde::Serialize;

use crate::store::{DbConn, districts, pending_migrations};

use super::ServiceResult;

#[derive(Clone, Debug, Serialize)]
pub struct Readiness {
    /// The database answers and no migration is pending.
    pub ready: bool,
    /// `ok` when the database answered.
    pub database: &'static str,
    /// Migrations this binary has that the database has not run, in
    /// every district's schema together.
    pub pending_migrations: usize,
}

/// Whether the service can take traffic. A database that does not answer
/// is an error (the pool's 503).
pub fn ready(conn: &mut DbConn) -> ServiceResult<Readiness> {
    let mut pending = pending_migrations(conn)?;
    // Every district's schema follows the same migrations; the connection
    // is pointed at each in turn, then back at the first (a pool of
    // several districts points every connection anew when it is handed out).
    let others: Vec<String> = super::districts::list(conn)?
        .into_iter()
        .filter(|d| !d.is_first())
        .map(|d| d.schema)
        .collect();
    for schema in &others {
        districts::enter(conn, schema)?;
        pending += pending_migrations(conn)?;
    }
    if !others.is_empty() {
        districts::enter(conn, districts::FIRST_SCHEMA)?;
    }
    Ok(Readiness {
        ready: pending == 0,
        database: "ok",
        pending_migrations: pending,
    })
}
