//! Readiness (`/readyz`): the database answers and its schema is the one
//! this binary expects. Liveness (`/healthz`) needs no use case.

use serde::Serialize;

use crate::store::{DbConn, pending_migrations};

use super::ServiceResult;

#[derive(Clone, Debug, Serialize)]
pub struct Readiness {
    /// The database answers and no migration is pending.
    pub ready: bool,
    /// `ok` when the database answered.
    pub database: &'static str,
    /// Migrations this binary has that the database has not run.
    pub pending_migrations: usize,
}

/// Whether the service can take traffic. A database that does not answer
/// is an error (the pool's 503).
pub fn ready(conn: &mut DbConn) -> ServiceResult<Readiness> {
    let pending = pending_migrations(conn)?;
    Ok(Readiness {
        ready: pending == 0,
        database: "ok",
        pending_migrations: pending,
    })
}
