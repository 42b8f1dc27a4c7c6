//! 初审: a street officer's first check of its units' uploads, before the
//! bureau reviews them. The officer accepts an upload, or sends it back
//! with a note (overall, per item or both); the unit sees the notes on its
//! page, fixes its workbook and uploads again, and the new upload waits
//! for a first check of its own. Every decision is kept and audited; the
//! newest one of an upload counts.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::store::queries::first_checks::{FirstCheckRow, NewFirstCheck};
use crate::store::{DbConn, queries, write};

use super::assessments::{self, AssessmentDetail};
use super::audit::{self, Entity};
use super::{Actor, Env, Role, ServiceError, ServiceResult};

/// A note on one checklist item (条目意见).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemNote {
    /// The item's code in the upload's checklist (A1, B3, …).
    pub item: String,
    pub note: String,
}

/// What the officer decided (`POST /api/v1/submissions/{id}/first-check`).
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FirstCheckRequest {
    /// `accept` (初审通过) or `return` (退回修改).
    #[schema(pattern = "^(accept|return)$")]
    pub decision: String,
    /// An overall note; a return needs it or at least one item note.
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub items: Vec<ItemNote>,
}

/// A first check as the pages and the API show it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FirstCheckView {
    /// accepted | returned
    pub decision: String,
    /// 初审通过 | 已退回修改
    pub decision_label: String,
    pub note: String,
    pub items: Vec<ItemNote>,
    /// When, as people read it.
    pub checked_at: String,
    pub checked_by: Option<String>,
}

fn label(decision: &str) -> &'static str {
    match decision {
        "accepted" => "初审通过",
        _ => "已退回修改",
    }
}

fn view_of(env: Env<'_>, row: FirstCheckRow) -> FirstCheckView {
    FirstCheckView {
        decision_label: label(&row.decision).to_string(),
        items: serde_json::from_str(&row.item_notes).unwrap_or_default(),
        decision: row.decision,
        note: row.note,
        checked_at: env.clock.zone.show(row.checked_at),
        checked_by: row.checked_by,
    }
}

/// The first check that counts for each of `submissions` (those checked).
pub fn latest(
    conn: &mut DbConn,
    env: Env<'_>,
    submissions: &[i64],
) -> ServiceResult<HashMap<i64, FirstCheckView>> {
    Ok(queries::first_checks::latest_of(conn, submissions)?
        .into_iter()
        .map(|row| (row.submission_id, view_of(env, row)))
        .collect())
}

/// The first check that counts for one submission, if it was checked.
pub fn of(
    conn: &mut DbConn,
    env: Env<'_>,
    submission: i64,
) -> ServiceResult<Option<FirstCheckView>> {
    Ok(latest(conn, env, &[submission])?.remove(&submission))
}

/// Records a first check of an upload: its street's officer only, of the
/// unit's current upload, before the bureau has reviewed it.
pub fn record(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    submission_id: i64,
    request: &FirstCheckRequest,
) -> ServiceResult<FirstCheckView> {
    if actor.role != Role::Street {
        return Err(ServiceError::Forbidden("初审由街道档案员进行".into()));
    }
    let decision = match request.decision.trim() {
        "accept" => "accepted",
        "return" => "returned",
        other => {
            return Err(ServiceError::BadRequest(format!(
                "decision 应为 accept（初审通过）或 return（退回修改），收到的是“{other}”"
            )));
        }
    };
    let note = request
        .note
        .as_deref()
        .unwrap_or_default()
        .trim()
        .to_string();
    let items: Vec<ItemNote> = request
        .items
        .iter()
        .map(|n| ItemNote {
            item: n.item.trim().to_string(),
            note: n.note.trim().to_string(),
        })
        .filter(|n| !n.note.is_empty())
        .collect();
    if decision == "returned" && note.is_empty() && items.is_empty() {
        return Err(ServiceError::BadRequest(
            "退回修改时请写明意见：总的意见或至少一个条目的意见".into(),
        ));
    }
    write(conn, |conn| {
        let row = queries::submissions::get(conn, submission_id)
            .map_err(|_| ServiceError::NotFound(format!("自查表 {submission_id} 不存在")))?;
        if !actor.acts_for_unit(row.unit_id) {
            return Err(ServiceError::Forbidden("只能初审本街道单位的自查表".into()));
        }
        queries::units::lock(conn, row.unit_id)?;
        if queries::submissions::superseded_by(conn, &row)?.is_some() {
            return Err(ServiceError::Conflict(
                "这份自查表已被该单位新上传的替换，请初审最新的一份".into(),
            ));
        }
        let assessed = queries::assessments::of_submission(conn, submission_id)?;
        if assessed.len() > 1 {
            return Err(ServiceError::Conflict(
                "档案局已审核这份自查表，不再初审".into(),
            ));
        }
        let known: Vec<String> = match assessed.first() {
            Some(a) => queries::assessments::item_codes(conn, a.id)?,
            None => Vec::new(),
        };
        if let Some(unknown) = items.iter().find(|n| !known.contains(&n.item)) {
            return Err(ServiceError::BadRequest(format!(
                "条目“{}”不在这份自查表的考核细则中",
                unknown.item
            )));
        }
        let item_notes = serde_json::to_string(&items)
            .map_err(|e| ServiceError::fault("初审意见无法保存", e))?;
        queries::first_checks::insert(
            conn,
            &NewFirstCheck {
                submission_id,
                user_id: actor.user_id,
                decision,
                note: &note,
                item_notes: &item_notes,
                checked_at: env.clock.now,
            },
        )?;
        let unit = queries::units::get(conn, row.unit_id)?;
        audit::record(
            conn,
            actor,
            env.clock,
            "submission.first_check",
            Entity::Submission(submission_id),
            format!(
                "{}（{}）：{}{}",
                unit.name,
                unit.code,
                label(decision),
                if items.is_empty() {
                    String::new()
                } else {
                    format!("，{} 个条目有意见", items.len())
                }
            ),
        )?;
        Ok(())
    })?;
    of(conn, env, submission_id)?.ok_or_else(|| ServiceError::Internal("初审记录未能读回".into()))
}

/// What the first-check page shows: the upload's self-assessment item by
/// item, and the first check so far.
#[derive(Clone, Debug, Serialize)]
pub struct CheckSheet {
    pub submission_id: i64,
    pub detail: AssessmentDetail,
    pub first_check: Option<FirstCheckView>,
    /// Still the unit's newest upload, not yet reviewed by the bureau.
    pub open: bool,
}

/// The first-check page of an upload (its street's officer, or the bureau).
pub fn sheet(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    submission_id: i64,
) -> ServiceResult<CheckSheet> {
    let row = queries::submissions::get(conn, submission_id)
        .map_err(|_| ServiceError::NotFound(format!("自查表 {submission_id} 不存在")))?;
    actor.require_read_unit(row.unit_id)?;
    let assessed = queries::assessments::of_submission(conn, submission_id)?;
    let own = assessed
        .first()
        .ok_or_else(|| ServiceError::NotFound(format!("自查表 {submission_id} 没有考核结果")))?;
    let detail = assessments::detail(conn, env, actor, own.id)?;
    let open = assessed.len() == 1 && queries::submissions::superseded_by(conn, &row)?.is_none();
    Ok(CheckSheet {
        submission_id,
        detail,
        first_check: of(conn, env, submission_id)?,
        open,
    })
}
