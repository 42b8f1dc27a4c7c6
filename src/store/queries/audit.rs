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

/// Which entries: one record's, and/or older than an id.
#[derive(Clone, Copy, Debug, Default)]
pub struct AuditFilter<'a> {
    pub entity: Option<&'a str>,
    pub entity_id: Option<&'a str>,
    pub before_id: Option<i64>,
}

fn filtered<'a>(filter: AuditFilter<'_>) -> audit_log::BoxedQuery<'a, crate::store::Backend> {
    let mut query = audit_log::table.into_boxed();
    if let Some(e) = filter.entity {
        query = query.filter(audit_log::entity.eq(e.to_string()));
    }
    if let Some(id) = filter.entity_id {
        query = query.filter(audit_log::entity_id.eq(id.to_string()));
    }
    if let Some(before) = filter.before_id {
        query = query.filter(audit_log::id.lt(before));
    }
    query
}

/// Newest first: `limit` entries after skipping `offset`.
pub fn list(
    conn: &mut DbConn,
    filter: AuditFilter<'_>,
    offset: i64,
    limit: i64,
) -> StoreResult<Vec<AuditRow>> {
    Ok(filtered(filter)
        .select(AuditRow::as_select())
        .order(audit_log::id.desc())
        .offset(offset)
        .limit(limit)
        .load(conn)?)
}

/// How many entries match.
pub fn count(conn: &mut DbConn, filter: AuditFilter<'_>) -> StoreResult<i64> {
    Ok(filtered(filter).count().get_result(conn)?)
}
