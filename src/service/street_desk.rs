//! 街道工作台: a street officer's page of its units in a year — who has
//! uploaded, which uploads wait for the first check (初审), which were
//! sent back, which the bureau has reviewed.

use serde::Serialize;

use crate::domain::Points;
use crate::store::{DbConn, queries};

use super::first_checks::{self, FirstCheckView};
use super::{Actor, Env, Role, ServiceError, ServiceResult, campaigns};

/// Where a unit stands with the street in a year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeskState {
    /// 未上传
    Missing,
    /// 待初审
    Waiting,
    /// 已退回修改: sent back, no new upload yet.
    Returned,
    /// 初审通过
    Accepted,
    /// 档案局已审核
    Reviewed,
}

impl DeskState {
    pub fn label(self) -> &'static str {
        match self {
            DeskState::Missing => "未上传",
            DeskState::Waiting => "待初审",
            DeskState::Returned => "已退回修改",
            DeskState::Accepted => "初审通过",
            DeskState::Reviewed => "档案局已审核",
        }
    }
}

/// One unit's line.
#[derive(Clone, Debug, Serialize)]
pub struct DeskLine {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub state: DeskState,
    pub state_label: &'static str,
    pub submission_id: Option<i64>,
    pub uploaded_at: Option<String>,
    pub late: bool,
    /// The current total (the bureau's once reviewed).
    pub total: Option<Points>,
    pub first_check: Option<FirstCheckView>,
}

/// How many units stand where.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DeskCounts {
    pub units: usize,
    pub missing: usize,
    pub waiting: usize,
    pub returned: usize,
    pub accepted: usize,
    pub reviewed: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct StreetDesk {
    pub street: String,
    /// 0 when no campaign was ever opened.
    pub year: i32,
    pub years: Vec<i32>,
    pub counts: DeskCounts,
    pub units: Vec<DeskLine>,
}

/// The officer's street in `year` (else the newest campaign's year).
/// A street holds tens of units, so each one's upload and result is read
/// on its own; their first checks are read together.
pub fn desk(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    year: Option<i32>,
) -> ServiceResult<StreetDesk> {
    let (Role::Street, Some(scope)) = (actor.role, &actor.street) else {
        return Err(ServiceError::Forbidden(
            "街道工作台仅供街道档案员使用".into(),
        ));
    };
    let years = campaigns::years(conn)?;
    let year = year.or_else(|| years.first().copied()).unwrap_or(0);
    let campaign = queries::campaigns::find_by_year(conn, year)?;
    let mut units = queries::units::with_streets(conn, &scope.units)?;
    units.sort_by(|a, b| a.0.code.cmp(&b.0.code));
    let mut uploads = Vec::with_capacity(units.len());
    for (unit, _) in units {
        let (submission, result) = match &campaign {
            Some(c) => (
                queries::submissions::current(conn, unit.id, c.id)?,
                queries::assessments::current(conn, c.id, Some(unit.id))?
                    .into_iter()
                    .next(),
            ),
            None => (None, None),
        };
        uploads.push((unit, submission, result));
    }
    // The street's first checks in one read.
    let ids: Vec<i64> = uploads
        .iter()
        .filter_map(|(_, s, _)| s.as_ref().map(|s| s.id))
        .collect();
    let mut checks = first_checks::latest(conn, env, &ids)?;
    let mut lines = Vec::with_capacity(uploads.len());
    let mut counts = DeskCounts::default();
    for (unit, submission, result) in uploads {
        let first_check = submission.as_ref().and_then(|s| checks.remove(&s.id));
        let state = match (&submission, &result, &first_check) {
            (None, _, _) => DeskState::Missing,
            (Some(_), Some(r), _) if r.review_id.is_some() => DeskState::Reviewed,
            (Some(_), _, Some(f)) if f.decision == "accepted" => DeskState::Accepted,
            (Some(_), _, Some(_)) => DeskState::Returned,
            (Some(_), _, None) => DeskState::Waiting,
        };
        counts.units += 1;
        *match state {
            DeskState::Missing => &mut counts.missing,
            DeskState::Waiting => &mut counts.waiting,
            DeskState::Returned => &mut counts.returned,
            DeskState::Accepted => &mut counts.accepted,
            DeskState::Reviewed => &mut counts.reviewed,
        } += 1;
        lines.push(DeskLine {
            code: unit.code,
            name: unit.name,
            kind: unit.kind,
            state,
            state_label: state.label(),
            submission_id: submission.as_ref().map(|s| s.id),
            uploaded_at: submission
                .as_ref()
                .map(|s| env.clock.zone.show(s.uploaded_at)),
            late: submission.as_ref().is_some_and(|s| s.late),
            total: result.map(|r| Points(r.total)),
            first_check,
        });
    }
    Ok(StreetDesk {
        street: scope.name.clone(),
        year,
        years,
        counts,
        units: lines,
    })
}
