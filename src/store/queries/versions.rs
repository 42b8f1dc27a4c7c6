//! The data versions (数据版本): one counter per scope, read by one
//! primary-key lookup, bumped inside the writer's transaction.

use diesel::prelude::*;

use crate::domain::data_version::Scope;
use crate::store::schema::data_versions;
use crate::store::{DbConn, StoreResult};

/// Moves each scope on by one. Called with the audit entry of a write
/// (see `audit::append`), so it commits or rolls back with the write.
pub fn bump(conn: &mut DbConn, scopes: &[Scope]) -> StoreResult<()> {
    for scope in scopes {
        diesel::update(data_versions::table.find(scope.as_str()))
            .set(data_versions::version.eq(data_versions::version + 1))
            .execute(conn)?;
    }
    Ok(())
}

/// Where a scope stands now.
pub fn current(conn: &mut DbConn, scope: Scope) -> StoreResult<i64> {
    Ok(data_versions::table
        .find(scope.as_str())
        .select(data_versions::version)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}
