use diesel::prelude::*;

use crate::store::models::{AuditRow, NewAudit};
use crate::store::schema::audit_log;
use crate::store::{DbConn, StoreResult};

pub fn insert(conn: &mut DbConn, entry: &NewAudit<'_>) -> StoreResult<()> {
    diesel::insert_into(audit_log::table)
        .values(entry)
        .execute(conn)?;
    Ok(())
}

/// Newest first, optionally for one record.
pub fn list(
    conn: &mut DbConn,
    entity: Option<&str>,
    entity_id: Option<&str>,
    limit: i64,
    before_id: Option<i64>,
) -> StoreResult<Vec<AuditRow>> {
    let mut query = audit_log::table.select(AuditRow::as_select()).into_boxed();
    if let Some(e) = entity {
        query = query.filter(audit_log::entity.eq(e.to_string()));
    }
    if let Some(id) = entity_id {
        query = query.filter(audit_log::entity_id.eq(id.to_string()));
    }
    if let Some(before) = before_id {
        query = query.filter(audit_log::id.lt(before));
    }
    Ok(query.order(audit_log::id.desc()).limit(limit).load(conn)?)
}
