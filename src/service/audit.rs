//! The audit log: who did what, when, to which record. Every write of the
//! service layer records itself in the same transaction as the write.

use serde::Serialize;

use super::listing::{PageRequest, Paged};
use crate::store::queries::audit::AuditFilter;

use crate::store::models::NewAudit;
use crate::store::{DbConn, queries};

use super::{Actor, Clock, ServiceResult};

/// The record an action touched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entity {
    User(i64),
    Unit(i64),
    Campaign(i64),
    Submission(i64),
    RejectedUpload(i64),
    Review(i64),
    Sample(i64),
    Flag(i64),
    Rectification(i64),
    /// 佐证材料 attached to an item.
    Evidence(i64),
    Roster,
}

impl Entity {
    fn parts(&self) -> (&'static str, Option<String>) {
        match self {
            Entity::User(id) => ("user", Some(id.to_string())),
            Entity::Unit(id) => ("unit", Some(id.to_string())),
            Entity::Campaign(id) => ("campaign", Some(id.to_string())),
            Entity::Submission(id) => ("submission", Some(id.to_string())),
            Entity::RejectedUpload(id) => ("rejected_upload", Some(id.to_string())),
            Entity::Review(id) => ("review", Some(id.to_string())),
            Entity::Sample(id) => ("sample", Some(id.to_string())),
            Entity::Flag(id) => ("flag", Some(id.to_string())),
            Entity::Rectification(id) => ("rectification", Some(id.to_string())),
            Entity::Evidence(id) => ("evidence", Some(id.to_string())),
            Entity::Roster => ("roster", None),
        }
    }
}

pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    clock: Clock,
    action: &str,
    entity: Entity,
    detail: String,
) -> ServiceResult<()> {
    let (entity, entity_id) = entity.parts();
    queries::audit::insert(
        conn,
        &NewAudit {
            at: clock.now,
            user_id: actor.user_id,
            actor: &actor.name,
            action,
            entity,
            entity_id,
            detail,
        },
    )?;
    Ok(())
}

/// One entry as the API shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AuditView {
    pub id: i64,
    /// UTC, ISO 8601.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub detail: String,
}

/// Which entries: one record's (`entity`, `entity_id`), older than an id.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub before: Option<i64>,
}

/// Newest first, a page at a time (`before` also pages backwards by id).
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    query: &AuditQuery,
    paging: PageRequest,
) -> ServiceResult<Paged<AuditView>> {
    actor.require_bureau()?;
    let filter = AuditFilter {
        entity: query.entity.as_deref(),
        entity_id: query.entity_id.as_deref(),
        before_id: query.before,
    };
    let total = queries::audit::count(conn, filter)?;
    let offset = i64::from(paging.page - 1) * i64::from(paging.per_page);
    let rows = queries::audit::list(conn, filter, offset, i64::from(paging.per_page))?;
    Ok(Paged {
        items: rows
            .into_iter()
            .map(|r| AuditView {
                id: r.id,
                at: format!("{}Z", r.at.format("%Y-%m-%dT%H:%M:%S")),
                actor: r.actor,
                action: r.action,
                entity: r.entity,
                entity_id: r.entity_id,
                detail: r.detail,
            })
            .collect(),
        total: usize::try_from(total).unwrap_or(0),
        page: paging.page,
        per_page: paging.per_page,
    })
}
