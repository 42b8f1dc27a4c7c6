//! A year's progress (年检进度) for the bureau: each street's figures, then
//! the units a page at a time, each with its plausibility flags folded into
//! a count. The inspectors' first page and its figures come from here.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::domain::Points;
use crate::store::DbConn;

use super::assessments::{self, AssessmentSummary};
use super::campaigns::{self, CampaignView};
use super::listing::{PageRequest, Paged, Search};
use super::{Actor, ServiceError, ServiceResult, flags, roster};

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
    fn add(&mut self, line: &UnitProgress) {
        self.units += 1;
        match line.state {
            UnitState::Missing => self.missing += 1,
            UnitState::Reviewed => {
                self.submitted += 1;
                self.reviewed += 1;
            }
            UnitState::Submitted => self.submitted += 1,
        }
        self.late += usize::from(line.late);
        self.flagged += usize::from(line.flags > 0);
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
    unit: roster::UnitView,
    result: Option<&AssessmentSummary>,
    flags: usize,
) -> UnitProgress {
    let state = match result {
        None => UnitState::Missing,
        Some(r) if r.reviewed => UnitState::Reviewed,
        Some(_) => UnitState::Submitted,
    };
    UnitProgress {
        street: unit.street.unwrap_or_else(|| NO_STREET.into()),
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

impl ProgressFilter {
    fn keeps(&self, line: &UnitProgress, search: &Search) -> bool {
        self.street.as_ref().is_none_or(|s| *s == line.street)
            && self.state.is_none_or(|s| s == line.state)
            && self.kind.as_ref().is_none_or(|k| *k == line.kind)
            && (!self.flagged || line.flags > 0)
            && search.matches(&[&line.code, &line.name])
    }
}

/// The year asked for (else the newest campaign's): its figures by street
/// and one page of its units.
pub fn year(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &ProgressFilter,
    paging: PageRequest,
) -> ServiceResult<YearProgress> {
    actor.require_bureau()?;
    let years = campaigns::years(conn)?;
    let year = filter.year.or_else(|| years.first().copied()).unwrap_or(0);
    let campaign = match campaigns::by_year(conn, year) {
        Ok(row) => Some(campaigns::view(conn, &row)?),
        Err(ServiceError::NotFound(_)) => None,
        Err(e) => return Err(e),
    };
    let results: HashMap<String, AssessmentSummary> = assessments::list(conn, actor, year, None)?
        .into_iter()
        .map(|r| (r.unit.code.clone(), r))
        .collect();
    let mut open: HashMap<String, usize> = HashMap::new();
    for flag in flags::list(conn, actor, year, true)? {
        *open.entry(flag.unit).or_default() += 1;
    }
    let mut streets: BTreeMap<String, StreetFigures> = BTreeMap::new();
    let mut total = StreetFigures {
        street: "全区".into(),
        named: true,
        ..StreetFigures::default()
    };
    let mut kinds = Vec::new();
    let search = Search::new(filter.search.as_deref());
    let mut lines = Vec::new();
    for unit in roster::list(conn, actor)? {
        let flags = open.get(&unit.code).copied().unwrap_or(0);
        let line = line_of(unit.clone(), results.get(&unit.code), flags);
        if !kinds.contains(&line.kind) {
            kinds.push(line.kind.clone());
        }
        streets
            .entry(line.street.clone())
            .or_insert_with(|| StreetFigures {
                street: line.street.clone(),
                named: line.street != NO_STREET,
                ..StreetFigures::default()
            })
            .add(&line);
        total.add(&line);
        if filter.keeps(&line, &search) {
            lines.push(line);
        }
    }
    lines.sort_by(|a, b| a.street.cmp(&b.street).then(a.code.cmp(&b.code)));
    Ok(YearProgress {
        year,
        years,
        campaign,
        streets: streets.into_values().collect(),
        total,
        kinds,
        open_flags: open.values().sum(),
        units: paging.cut(lines),
    })
}
