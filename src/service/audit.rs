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
    /// A checklist version, by `id@version`.
    Checklist(String),
    /// A year's publication of results, by id.
    Publication(i64),
    /// A peer unit's 互查.
    PeerReview(i64),
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
            Entity::Checklist(reference) => ("checklist", Some(reference.clone())),
            Entity::Publication(id) => ("publication", Some(id.to_string())),
            Entity::PeerReview(id) => ("peer_review", Some(id.to_string())),
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
    record_entry(conn, actor, clock, action, entity, detail).map(|_| ())
}

/// As [`record`], returning the new entry's id (for a record that names
/// the entry it was logged by).
pub fn record_entry(
    conn: &mut DbConn,
    actor: &Actor,
    clock: Clock,
    action: &str,
    entity: Entity,
    detail: String,
) -> ServiceResult<i64> {
    let (entity, entity_id) = entity.parts();
    // Chained onto the last entry, inside the caller's transaction.
    Ok(queries::audit::append(
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
    )?)
}

/// An entry for [`record_all`], built where its record is written.
pub(super) fn entry<'a>(
    actor: &'a Actor,
    clock: Clock,
    action: &'a str,
    entity: Entity,
    detail: String,
) -> NewAudit<'a> {
    let (entity, entity_id) = entity.parts();
    NewAudit {
        at: clock.now,
        user_id: actor.user_id,
        actor: &actor.name,
        action,
        entity,
        entity_id,
        detail,
    }
}

/// Many entries in the order given, chained onto the last entry in one
/// write (a bulk import's group of files).
pub(super) fn record_all(conn: &mut DbConn, entries: &[NewAudit<'_>]) -> ServiceResult<()> {
    Ok(queries::audit::append_all(conn, entries)?)
}

/// One entry as the API shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AuditView {
    pub id: i64,
    /// UTC, ISO 8601.
    pub at: String,
    pub actor: String,
    pub action: String,
    /// The action in Chinese (登录, 上传自查表, …).
    pub action_label: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub detail: String,
}

/// Audit actions in Chinese, for the pages. A code missing here is shown
/// as 其他操作 (and a test checks that every code the service writes is here).
pub const ACTION_LABELS: &[(&str, &str)] = &[
    ("session.create", "登录"),
    ("user.add", "添加账号"),
    ("user.disable", "停用账号"),
    ("user.enable", "启用账号"),
    ("user.password", "重设密码"),
    ("user.unlock", "解除登录锁定"),
    ("user.email", "修改提醒邮箱"),
    ("session.end_all", "强制下线"),
    ("unit.create", "添加单位"),
    ("unit.update", "修改单位信息"),
    ("roster.import", "导入单位名册"),
    ("campaign.create", "开启年度年检"),
    ("campaign.open", "开启年度年检"),
    ("campaign.update", "修改年度年检设置"),
    ("campaign.checklist", "更换考核细则"),
    ("upload.accept", "上传自查表"),
    ("upload.duplicate", "重复上传自查表"),
    ("upload.rejected", "上传的自查表有误"),
    ("review.create", "复核评分"),
    ("sample.draw", "抽取抽查单位"),
    ("peer.groups", "互查分组"),
    ("peer.review", "提交互查"),
    ("flag.resolve", "核实数据提示"),
    ("evidence.attach", "上传佐证材料"),
    ("rectification.submit", "提交整改情况"),
    ("rectification.verify", "整改验收销号"),
    ("rectification.return", "整改退回重改"),
    ("rectification.waive", "免于整改"),
    ("rectification.due", "调整整改期限"),
    ("rectification.sync", "按评分更新整改事项"),
    ("checklist.draft", "导入考核细则草稿"),
    ("checklist.draft_refused", "考核细则草稿有误"),
    ("checklist.publish", "发布考核细则"),
    ("publication.publish", "发布年度结果"),
    ("publication.correct", "发布后更正结果"),
];

/// One audit action in Chinese.
pub fn action_label(code: &str) -> &'static str {
    ACTION_LABELS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("其他操作", |(_, label)| label)
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
                action_label: action_label(&r.action).to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every action code the service writes (a literal "entity.action"
    /// in its sources, or a rectification action) has a Chinese label.
    #[test]
    fn every_action_written_has_a_label() {
        let sources = [
            include_str!("accounts.rs"),
            include_str!("campaigns.rs"),
            include_str!("evidence.rs"),
            include_str!("flags.rs"),
            include_str!("publication.rs"),
            include_str!("publishing.rs"),
            include_str!("recording.rs"),
            include_str!("rectifications.rs"),
            include_str!("reviews.rs"),
            include_str!("roster.rs"),
            include_str!("samples.rs"),
            include_str!("uploads.rs"),
        ];
        let prefixes = [
            "session.",
            "user.",
            "unit.",
            "roster.",
            "campaign.",
            "upload.",
            "review.",
            "sample.",
            "flag.",
            "evidence.",
            "rectification.",
            "publication.",
        ];
        let mut missing = Vec::new();
        for source in sources {
            for literal in source.split('"').skip(1).step_by(2) {
                let code_like = literal
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_');
                if code_like
                    && prefixes
                        .iter()
                        .any(|p| literal.starts_with(p) && literal.len() > p.len())
                    && action_label(literal) == "其他操作"
                {
                    missing.push(literal.to_string());
                }
            }
        }
        for action in crate::domain::rectification::Action::ALL {
            let code = format!("rectification.{}", action.as_str());
            if action_label(&code) == "其他操作" {
                missing.push(code);
            }
        }
        assert!(
            missing.is_empty(),
            "audit actions without a label: {missing:?}"
        );
        assert_eq!(action_label("no.such"), "其他操作");
    }
}
