//! A unit's record as the bureau opens it (单位年检记录): the unit, every
//! campaign year, its uploads over the years, and its current assessment
//! of the year asked for (else its latest year) in full.

use serde::Serialize;

use crate::store::DbConn;

use super::assessments::{self, AssessmentDetail, HistoryEntry};
use super::roster::{self, UnitView};
use super::{Actor, Env, ServiceResult, campaigns};

#[derive(Clone, Debug, Serialize)]
pub struct UnitRecord {
    pub unit: UnitView,
    /// The year shown.
    pub year: i32,
    /// Every campaign's year, newest first.
    pub years: Vec<i32>,
    pub history: Vec<HistoryEntry>,
    /// The year's current assessment, if the unit has one.
    pub detail: Option<AssessmentDetail>,
    /// The street officer's first check (初审) of that upload, if any.
    pub first_check: Option<super::first_checks::FirstCheckView>,
}

pub fn unit_record(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    code: &str,
    year: Option<i32>,
) -> ServiceResult<UnitRecord> {
    let unit = roster::get(conn, actor, code)?;
    let years = campaigns::years(conn)?;
    let history = assessments::history(conn, actor, code)?;
    let year = year
        .or_else(|| history.iter().map(|h| h.year).max())
        .or_else(|| years.first().copied())
        .unwrap_or(0);
    let detail = match assessments::list(conn, actor, year, Some(code))?.first() {
        Some(s) => Some(assessments::detail(conn, env, actor, s.assessment_id)?),
        None => None,
    };
    let first_check = match &detail {
        Some(d) => super::first_checks::of(conn, env, d.summary.submission_id)?,
        None => None,
    };
    Ok(UnitRecord {
        unit,
        year,
        years,
        history,
        detail,
        first_check,
    })
}
