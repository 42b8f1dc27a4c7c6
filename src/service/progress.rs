//! A year's progress (年检进度) for the bureau: each street's figures, then
//! the units a page at a time, each with its plausibility flags folded into
//! a count. The inspectors' first page and its figures come from here.

use std::collections::HashMap;

use serde::Serialize;

use crate::domain::Points;
use crate::ingest::self_check::UnitInfo;
use crate::store::models::{AssessmentRow, UnitRow};
use crate::store::queries::lists::{StreetCounts, UnitLine, UnitQuery, UnitStanding};
use crate::store::{DbConn, queries};

use super::assessments::{self, AssessmentSummary};
use super::campaigns::{self, CampaignView};
use super::listing::{PageRequest, Paged, Search};
use super::{Actor, ServiceError, ServiceResult};

/// Where a unit stands in the year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitState {
    /// 未提交
    Missing,
    /// 已提交未复核
    Submitted,
    /// 已复核
    Reviewed,
}

impl UnitState {
    pub const ALL: [UnitState; 3] = [
        UnitState::Missing,
        UnitState::Submitted,
        UnitState::Reviewed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitState::Missing => "missing",
            UnitState::Submitted => "submitted",
            UnitState::Reviewed => "reviewed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UnitState::Missing => "未提交",
            UnitState::Submitted => "已提交未复核",
            UnitState::Reviewed => "已复核",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// What the units list is narrowed to. Unknown values are ignored: this
/// comes from links and forms on the pages.
#[derive(Clone, Debug, Default)]
pub struct ProgressFilter {
    pub year: Option<i32>,
    pub street: Option<String>,
    pub state: Option<UnitState>,
    pub kind: Option<String>,
    /// Only units with open plausibility flags.
    pub flagged: bool,
    pub search: Option<String>,
}

/// A street's figures (or the district's, in `total`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct StreetFigures {
    pub street: String,
    /// Units without a street are counted under [`NO_STREET`]; they have no
    /// street summary of their own.
    pub named: bool,
    pub units: usize,
    pub submitted: usize,
    pub missing: usize,
    pub reviewed: usize,
    pub late: usize,
    pub flagged: usize,
}

impl StreetFigures {
    fn of(street: String, counts: &StreetCounts) -> Self {
        let n = |v: i64| usize::try_from(v).unwrap_or_default();
        StreetFigures {
            named: street != NO_STREET,
            street,
            units: n(counts.units),
            submitted: n(counts.submitted),
            missing: n(counts.units - counts.submitted),
            reviewed: n(counts.reviewed),
            late: n(counts.late),
            flagged: n(counts.flagged),
        }
    }

    fn add(&mut self, other: &StreetFigures) {
        self.units += other.units;
        self.submitted += other.submitted;
        self.missing += other.missing;
        self.reviewed += other.reviewed;
        self.late += other.late;
        self.flagged += other.flagged;
    }
}

/// The label of units without a street.
pub const NO_STREET: &str = "（未填街道）";

/// One unit's line.
#[derive(Clone, Debug, Serialize)]
pub struct UnitProgress {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub street: String,
    pub state: UnitState,
    pub state_label: &'static str,
    pub total: Option<Points>,
    pub self_total: Option<Points>,
    /// The tier's name, 未达标, 待现场评定 or — (nothing submitted).
    pub tier: String,
    pub late: bool,
    /// Open plausibility flags on its current upload.
    pub flags: usize,
}

/// The year's progress page.
#[derive(Clone, Debug, Serialize)]
pub struct YearProgress {
    /// 0 when no campaign was ever opened.
    pub year: i32,
    pub years: Vec<i32>,
    pub campaign: Option<CampaignView>,
    pub streets: Vec<StreetFigures>,
    pub total: StreetFigures,
    /// Every unit kind on the roster, for the filter.
    pub kinds: Vec<String>,
    /// Open flags in the year, and how many units they are on.
    pub open_flags: usize,
    pub units: Paged<UnitProgress>,
}

/// A result waiting for the inspectors' items has no tier yet.
pub const PROVISIONAL: &str = "待现场评定";

/// The tier a result shows in lists.
pub fn tier_label(result: &AssessmentSummary) -> String {
    if result.provisional {
        PROVISIONAL.to_string()
    } else {
        result
            .tier
            .as_ref()
            .map_or_else(|| "未达标".to_string(), |t| t.name.clone())
    }
}

fn line_of(
    unit: UnitRow,
    street: Option<String>,
    result: Option<&AssessmentSummary>,
    flags: usize,
) -> UnitProgress {
    let state = match result {
        None => UnitState::Missing,
        Some(r) if r.reviewed => UnitState::Reviewed,
        Some(_) => UnitState::Submitted,
    };
    UnitProgress {
        street: street.unwrap_or_else(|| NO_STREET.into()),
        code: unit.code,
        name: unit.name,
        kind: unit.kind,
        state,
        state_label: state.label(),
        total: result.map(|r| r.total),
        self_total: result.map(|r| r.self_total),
        tier: result.map_or_else(|| "—".into(), tier_label),
        late: result.is_some_and(|r| r.late),
        flags,
    }
}

/// The year asked for (else the newest campaign's): its figures by street
/// (one GROUP BY) and one page of its units (filtered, counted and cut in
/// the database; see [`queries::lists`]).
pub fn year(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &ProgressFilter,
    paging: PageRequest,
) -> ServiceResult<YearProgress> {
    actor.require_bureau()?;
    let years = campaigns::years(conn)?;
    let year = filter.year.or_else(|| years.first().copied()).unwrap_or(0);
    let campaign_row = match campaigns::by_year(conn, year) {
        Ok(row) => Some(row),
        Err(ServiceError::NotFound(_)) => None,
        Err(e) => return Err(e),
    };
    let campaign = match &campaign_row {
        Some(row) => Some(campaigns::view(conn, row)?),
        None => None,
    };
    // No campaign: every unit is missing; no assessment matches id -1.
    let campaign_id = campaign_row.as_ref().map_or(-1, |c| c.id);
    let mut total = StreetFigures {
        street: "全区".into(),
        named: true,
        ..StreetFigures::default()
    };
    let mut open_flags = 0;
    let mut streets: Vec<StreetFigures> = Vec::new();
    for counts in queries::lists::street_counts(conn, campaign_id)? {
        let figures = StreetFigures::of(
            counts.street.clone().unwrap_or_else(|| NO_STREET.into()),
            &counts,
        );
        total.add(&figures);
        open_flags += usize::try_from(counts.open_flags).unwrap_or_default();
        streets.push(figures);
    }
    streets.sort_by(|a, b| a.street.cmp(&b.street));
    let query = UnitQuery {
        campaign_id,
        street: filter.street.clone(),
        no_street: NO_STREET.into(),
        standing: filter.state.map(|s| match s {
            UnitState::Missing => UnitStanding::Missing,
            UnitState::Submitted => UnitStanding::Submitted,
            UnitState::Reviewed => UnitStanding::Reviewed,
        }),
        kind: filter.kind.clone(),
        flagged: filter.flagged,
        words: Search::new(filter.search.as_deref()).words().to_vec(),
    };
    let (rows, count) =
        queries::lists::unit_page(conn, &query, paging.offset(), i64::from(paging.per_page))?;
    let lines = units_of(conn, rows)?;
    Ok(YearProgress {
        year,
        years,
        campaign,
        streets,
        total,
        kinds: queries::lists::kinds(conn)?,
        open_flags,
        units: paging.of(lines, count),
    })
}

/// A page's lines: results and open flags read for its units only.
fn units_of(conn: &mut DbConn, rows: Vec<UnitLine>) -> ServiceResult<Vec<UnitProgress>> {
    let results: Vec<(AssessmentRow, UnitInfo)> = rows
        .iter()
        .filter_map(|(unit, street, result)| {
            let info = UnitInfo {
                code: unit.code.clone(),
                name: unit.name.clone(),
                kind: unit.kind.clone(),
                street: street.clone(),
            };
            result.clone().map(|r| (r, info))
        })
        .collect();
    let submissions: Vec<i64> = results.iter().map(|(r, _)| r.submission_id).collect();
    let mut open: HashMap<i64, usize> = HashMap::new();
    for flag in queries::flags::of_submissions(conn, &submissions)? {
        if flag.resolved_at.is_none() {
            *open.entry(flag.submission_id).or_default() += 1;
        }
    }
    let summaries: HashMap<i64, AssessmentSummary> = assessments::summaries_of(conn, results)?
        .into_iter()
        .map(|s| (s.assessment_id, s))
        .collect();
    Ok(rows
        .into_iter()
        .map(|(unit, street, result)| {
            let summary = result.as_ref().and_then(|r| summaries.get(&r.id));
            let flags = summary.map_or(0, |s| open.get(&s.submission_id).copied().unwrap_or(0));
            line_of(unit, street, summary, flags)
        })
        .collect())
}
