//! The district summary as plain data: built by one pure function from the
//! facts the service gathers, rendered by both the xlsx and the HTML
//! renderers, so the two can never disagree on a figure.
//!
//! Counting rules (also in the README):
//! - a unit counts with its current assessment of the year: the newest
//!   submission's, and the reviewed figures where an inspector reviewed it;
//!   superseded submissions do not count;
//! - every unit on the roster counts; one with no submission is 未提交;
//! - a unit whose veto triggered reaches no tier (未达标), whatever its total;
//! - tiers count cumulatively as the bureau reports them: a 省级示范 unit
//!   has also reached 省级规范化 and 市级规范化 ("达到…及以上"), beside the
//!   count of units whose highest tier is exactly that one.

use std::collections::BTreeMap;

use serde::Serialize;

use super::bureau::{Bureau, chinese_date};

use crate::domain::number::Ratio;
use crate::domain::{InputValue, Points, checklist::InputGroup, checklist::InputType};

/// A tier, by code and name, lowest first in every list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tier {
    pub code: String,
    pub name: String,
    /// The short name used in sentences (省级示范 for 省级示范档案室).
    pub short: String,
}

/// One category of an assessment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CategoryFacts {
    pub code: String,
    pub name: String,
    pub points: Points,
    pub max: Points,
}

/// One item of an assessment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ItemFacts {
    pub code: String,
    pub title: String,
    pub category: String,
    pub max: Points,
    pub points: Points,
    pub self_points: Points,
    pub applicable: bool,
    /// 条目说明: groups, levels, defects found, bonus or penalty, evidence.
    pub notes: Vec<String>,
}

/// An input's definition, for the 人财物投入 statistics.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InputDef {
    pub key: String,
    pub label: String,
    pub unit: Option<String>,
    pub group: String,
    pub yes_no: bool,
    /// A share in percent (digitisation): a sum over units means nothing.
    pub percent: bool,
    /// Counted equipment (物, whole numbers: computers, scanners, cabinets):
    /// coverage is the share of units with at least one.
    pub equipment: bool,
}

impl InputDef {
    pub fn new(
        key: &str,
        label: &str,
        unit: Option<&str>,
        group: InputGroup,
        kind: InputType,
    ) -> InputDef {
        InputDef {
            key: key.into(),
            label: label.into(),
            unit: unit.map(str::to_string),
            group: group.label_zh().into(),
            yes_no: kind == InputType::YesNo,
            percent: kind == InputType::Percent,
            equipment: group == InputGroup::Facilities && kind == InputType::Integer,
        }
    }
}

/// A unit's current result in a year.
#[derive(Clone, Debug, PartialEq)]
pub struct Assessed {
    pub checklist: String,
    /// The checklist's title, as people know it.
    pub checklist_title: String,
    pub total: Points,
    pub self_total: Points,
    pub reviewed: bool,
    pub late: bool,
    pub tier: Option<String>,
    pub grade: Option<String>,
    pub vetoes: Vec<String>,
    pub target_tier: Option<String>,
    pub categories: Vec<CategoryFacts>,
    pub items: Vec<ItemFacts>,
    pub inputs: BTreeMap<String, InputValue>,
}

/// A roster unit and what it did.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitFacts {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub street: Option<String>,
    pub current: Option<Assessed>,
    pub previous: Option<Assessed>,
    pub open_rectifications: usize,
    pub overdue_rectifications: usize,
}

/// One rectification order for the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrderFacts {
    pub id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub street: Option<String>,
    pub item: Option<String>,
    pub title: String,
    pub requirement: String,
    pub state: String,
    pub state_label: String,
    pub due: String,
    pub days_overdue: i64,
    pub origin_year: i32,
}

/// Everything the summary is computed from.
#[derive(Clone, Debug)]
pub struct ReportInput {
    pub year: i32,
    pub previous_year: i32,
    /// The street this report is limited to, if any.
    pub street: Option<String>,
    /// When it was produced, as shown (bureau time).
    pub generated_at: String,
    pub tiers: Vec<Tier>,
    pub units: Vec<UnitFacts>,
    pub orders: Vec<OrderFacts>,
    /// The orders counted in the store ([`order_counts`] of them all), when
    /// `orders` holds only those the dashboard lists; none: counted from
    /// `orders`, which are all of them.
    pub order_counts: Option<BTreeMap<String, usize>>,
    pub inputs: Vec<InputDef>,
    /// Earlier years, each unit's result in it.
    pub history: Vec<(i32, Vec<PastResult>)>,
    /// Items already summed over the current assessments of units whose
    /// `items` are not listed (the gather sums those in the database);
    /// added to the figures of the listed ones for 失分分析.
    pub item_tallies: Vec<ItemTally>,
}

/// One checklist item summed over several units' current assessments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemTally {
    pub checklist: String,
    pub checklist_title: String,
    pub code: String,
    pub title: String,
    pub category: String,
    /// The checklist's maximum for the item (the same for every unit).
    pub max: Points,
    /// Units assessed on it (applicable).
    pub units: usize,
    /// Units that lost points on it.
    pub units_losing: usize,
    pub points_lost: Points,
}

/// A unit's result in an earlier year: its tier code (none when it reached
/// none) and total (none when it did not submit).
pub type PastResult = (Option<String>, Option<Points>);

/// Counts of one group of units (a kind, a street, the district).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TierCounts {
    pub label: String,
    pub units: usize,
    pub submitted: usize,
    pub not_submitted: usize,
    /// Submitted but no tier (incl. vetoed).
    pub no_tier: usize,
    /// Per tier, lowest first: units whose highest tier is exactly this one.
    pub exact: Vec<usize>,
    /// Per tier, lowest first: units at this tier or above (the bureau's count).
    pub cumulative: Vec<usize>,
    /// The same counts last year, where there was a campaign.
    pub last_year: Option<Box<TierCounts>>,
}

/// One row of 单位明细.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitLine {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub street: String,
    pub checklist: String,
    pub submitted: bool,
    pub late: bool,
    pub categories: Vec<CategoryFacts>,
    pub total: Option<Points>,
    pub self_total: Option<Points>,
    pub reviewed: bool,
    pub tier: String,
    pub tier_rank: usize,
    pub grade: String,
    pub vetoed: bool,
    pub last_total: Option<Points>,
    pub last_tier: String,
    /// Total minus last year's, where both exist.
    pub change: Option<Points>,
    /// 升级 / 持平 / 降级 / 新增 / —
    pub movement: String,
    pub target_tier: String,
    pub target_reached: Option<bool>,
    pub open_rectifications: usize,
    pub overdue_rectifications: usize,
}

/// An item ranked by points lost across the district.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LostItem {
    pub checklist: String,
    pub checklist_title: String,
    pub code: String,
    pub title: String,
    pub category: String,
    pub max: Points,
    /// Units assessed on it (applicable).
    pub units: usize,
    /// Units that lost points on it.
    pub units_losing: usize,
    pub points_lost: Points,
    /// Mean loss per assessed unit, in tenths.
    pub mean_lost: Points,
}

/// 申报与认定: what a unit applied for and what it reached, and where its
/// self-assessment claimed more than the review found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClaimLine {
    pub code: String,
    pub name: String,
    pub street: String,
    pub target_tier: String,
    pub reached_tier: String,
    pub reached: bool,
    pub self_total: Points,
    pub total: Points,
    pub reviewed: bool,
    /// Self minus reviewed: positive when the unit over-claimed.
    pub over_claim: Points,
    /// Items where self > reviewed: "C3 3→0".
    pub over_claimed_items: Vec<String>,
}

/// The tier transition matrix against last year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Transitions {
    /// Row and column labels: 未提交, 未达标, then the tiers lowest first.
    pub labels: Vec<String>,
    /// cells[from][to]: the units that moved from last year's `from` to this year's `to`.
    pub cells: Vec<Vec<Vec<String>>>,
    pub counts: Vec<Vec<usize>>,
    pub upgraded: usize,
    pub unchanged: usize,
    pub downgraded: usize,
}

/// 人财物投入 statistics of one input.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InputStat {
    pub key: String,
    pub label: String,
    pub group: String,
    pub unit: String,
    pub yes_no: bool,
    /// A percent input: no total (a sum of shares means nothing).
    pub percent: bool,
    /// Counted equipment: `yes` counts the units with at least one.
    pub equipment: bool,
    pub reporting: usize,
    /// Numbers: total (none for percent inputs), mean, median (as shown,
    /// up to two decimals).
    pub total: Option<String>,
    pub mean: Option<String>,
    pub median: Option<String>,
    /// Yes/no: how many said 是; counted equipment: how many have at least
    /// one. And that share of the reporting units in percent (coverage).
    pub yes: Option<usize>,
    pub yes_percent: Option<String>,
}

/// One year of the trend.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrendYear {
    pub year: i32,
    pub submitted: usize,
    pub cumulative: Vec<usize>,
    pub mean_total: Option<Points>,
}

/// The whole summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DistrictReport {
    pub year: i32,
    pub previous_year: i32,
    pub street: Option<String>,
    pub generated_at: String,
    pub tiers: Vec<Tier>,
    pub by_kind: Vec<TierCounts>,
    pub by_street: Vec<TierCounts>,
    pub total: TierCounts,
    /// "52 个社区中，省级示范 6 个、省级规范化 19 个、市级规范化 47 个".
    pub sentences: Vec<String>,
    pub units: Vec<UnitLine>,
    pub lost: Vec<LostItem>,
    pub claims: Vec<ClaimLine>,
    pub transitions: Transitions,
    pub orders: Vec<OrderFacts>,
    pub order_counts: BTreeMap<String, usize>,
    pub inputs: Vec<InputStat>,
    pub trend: Vec<TrendYear>,
    /// The year's publication in force (none: unpublished), printed as
    /// its fingerprint line.
    pub publication: Option<PublicationNote>,
}

/// What a 通报 or report card prints of the year's publication in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PublicationNote {
    /// 本结果已于 YYYY-MM-DD 发布，指纹 3f2a-9c1e-77b0-12d4
    pub line: String,
    pub fingerprint: String,
    /// YYYY-MM-DD, the bureau's date.
    pub published_on: String,
    /// Corrections since, of the units the page shows.
    pub corrections: usize,
    /// 发布后更正 N 项, or empty when none.
    pub corrected: String,
}

pub const NOT_SUBMITTED: &str = "未提交";
pub const NO_TIER: &str = "未达标";

/// Rank of a tier code: 0 none, 1 the lowest tier, ….
fn rank(tiers: &[Tier], code: Option<&str>) -> usize {
    code.and_then(|c| tiers.iter().position(|t| t.code == c))
        .map_or(0, |p| p + 1)
}

fn tier_name(tiers: &[Tier], code: Option<&str>) -> String {
    code.and_then(|c| tiers.iter().find(|t| t.code == c))
        .map_or(NO_TIER.to_string(), |t| t.name.clone())
}

/// Counts a group from (submitted, tier rank) pairs.
fn count(label: &str, tiers: usize, ranks: impl Iterator<Item = Option<usize>>) -> TierCounts {
    let mut c = TierCounts {
        label: label.into(),
        exact: vec![0; tiers],
        cumulative: vec![0; tiers],
        ..TierCounts::default()
    };
    for r in ranks {
        c.units += 1;
        match r {
            None => c.not_submitted += 1,
            Some(0) => {
                c.submitted += 1;
                c.no_tier += 1;
            }
            Some(r) => {
                c.submitted += 1;
                c.exact[r - 1] += 1;
                for slot in &mut c.cumulative[..r] {
                    *slot += 1;
                }
            }
        }
    }
    c
}

fn ranks_now<'a>(
    tiers: &'a [Tier],
    units: impl Iterator<Item = &'a UnitFacts> + 'a,
) -> impl Iterator<Item = Option<usize>> + 'a {
    units.map(move |u| u.current.as_ref().map(|a| rank(tiers, a.tier.as_deref())))
}

fn ranks_last<'a>(
    tiers: &'a [Tier],
    units: impl Iterator<Item = &'a UnitFacts> + 'a,
) -> impl Iterator<Item = Option<usize>> + 'a {
    units.map(move |u| u.previous.as_ref().map(|a| rank(tiers, a.tier.as_deref())))
}

/// The bureau's sentence: "52 个社区中，省级示范 6 个、省级规范化 19 个、市级规范化 47 个".
pub fn sentence(tiers: &[Tier], counts: &TierCounts, noun: &str) -> String {
    let parts: Vec<String> = tiers
        .iter()
        .zip(&counts.cumulative)
        .rev()
        .map(|(t, n)| format!("{} {n} 个", t.short))
        .collect();
    format!("{} 个{noun}中，{}", counts.units, parts.join("、"))
}

fn noun_of(kind: &str) -> String {
    match kind {
        "社区" => "社区".into(),
        "机关" => "机关".into(),
        "学校" => "学校".into(),
        other => other.to_string(),
    }
}

fn show(p: Option<Points>) -> String {
    p.map_or_else(|| "—".to_string(), |p| p.to_string())
}

/// Number formatting for statistics: up to two decimals, no trailing zeros.
fn two_decimals(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// Builds the summary.
pub fn district(input: &ReportInput) -> DistrictReport {
    let tiers = &input.tiers;
    let n = tiers.len();
    let units = &input.units;
    let has_last_year = units.iter().any(|u| u.previous.is_some());

    let group = |label: &str, members: Vec<&UnitFacts>| {
        let mut c = count(label, n, ranks_now(tiers, members.iter().copied()));
        if has_last_year {
            c.last_year = Some(Box::new(count(
                label,
                n,
                ranks_last(tiers, members.iter().copied()),
            )));
        }
        c
    };

    let mut kinds: Vec<String> = units.iter().map(|u| u.kind.clone()).collect();
    kinds.sort_by_key(|k| (kind_order(k), k.clone()));
    kinds.dedup();
    let by_kind: Vec<TierCounts> = kinds
        .iter()
        .map(|k| group(k, units.iter().filter(|u| &u.kind == k).collect()))
        .collect();
    let mut streets: Vec<String> = units.iter().map(street_of).collect();
    streets.sort();
    streets.dedup();
    let by_street: Vec<TierCounts> = streets
        .iter()
        .map(|s| group(s, units.iter().filter(|u| &street_of(u) == s).collect()))
        .collect();
    let total = group("合计", units.iter().collect());
    let mut sentences: Vec<String> = by_kind
        .iter()
        .map(|c| sentence(tiers, c, &noun_of(&c.label)))
        .collect();
    sentences.push(sentence(tiers, &total, "单位"));

    let lines: Vec<UnitLine> = units.iter().map(|u| unit_line(tiers, u)).collect();

    DistrictReport {
        year: input.year,
        previous_year: input.previous_year,
        street: input.street.clone(),
        generated_at: input.generated_at.clone(),
        tiers: tiers.clone(),
        by_kind,
        by_street,
        total,
        sentences,
        lost: lost_items(units, &input.item_tallies),
        claims: claims(tiers, units),
        transitions: transitions(tiers, units),
        order_counts: input.order_counts.clone().unwrap_or_else(|| {
            order_counts(
                input
                    .orders
                    .iter()
                    .map(|o| (o.state.as_str(), o.days_overdue > 0, 1)),
            )
        }),
        orders: input.orders.clone(),
        inputs: input_stats(&input.inputs, units),
        trend: trend(tiers, input),
        units: lines,
        // Not a figure: the service adds the publication in force.
        publication: None,
    }
}

fn kind_order(kind: &str) -> usize {
    ["社区", "机关", "学校", "企事业单位"]
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(9)
}

fn street_of(u: &UnitFacts) -> String {
    u.street.clone().unwrap_or_else(|| "（未填街道）".into())
}

fn unit_line(tiers: &[Tier], u: &UnitFacts) -> UnitLine {
    let now = u.current.as_ref();
    let last = u.previous.as_ref();
    let rank_now = now.map(|a| rank(tiers, a.tier.as_deref()));
    let rank_last = last.map(|a| rank(tiers, a.tier.as_deref()));
    let movement = match (rank_last, rank_now) {
        (Some(a), Some(b)) if b > a => "升级",
        (Some(a), Some(b)) if b < a => "降级",
        (Some(_), Some(_)) => "持平",
        (None, Some(_)) => "新增",
        _ => "—",
    };
    let target = now.and_then(|a| a.target_tier.as_deref());
    UnitLine {
        code: u.code.clone(),
        name: u.name.clone(),
        kind: u.kind.clone(),
        street: street_of(u),
        checklist: now.map(|a| a.checklist.clone()).unwrap_or_default(),
        submitted: now.is_some(),
        late: now.is_some_and(|a| a.late),
        categories: now.map(|a| a.categories.clone()).unwrap_or_default(),
        total: now.map(|a| a.total),
        self_total: now.map(|a| a.self_total),
        reviewed: now.is_some_and(|a| a.reviewed),
        tier: match now {
            Some(a) => tier_name(tiers, a.tier.as_deref()),
            None => NOT_SUBMITTED.into(),
        },
        tier_rank: rank_now.unwrap_or(0),
        grade: now.and_then(|a| a.grade.clone()).unwrap_or_default(),
        vetoed: now.is_some_and(|a| !a.vetoes.is_empty()),
        last_total: last.map(|a| a.total),
        last_tier: match last {
            Some(a) => tier_name(tiers, a.tier.as_deref()),
            None => NOT_SUBMITTED.into(),
        },
        change: match (now, last) {
            (Some(a), Some(b)) => Some(a.total - b.total),
            _ => None,
        },
        movement: movement.into(),
        target_tier: target
            .map(|t| tier_name(tiers, Some(t)))
            .unwrap_or_default(),
        target_reached: target.map(|t| rank_now.unwrap_or(0) >= rank(tiers, Some(t))),
        open_rectifications: u.open_rectifications,
        overdue_rectifications: u.overdue_rectifications,
    }
}

fn lost_items(units: &[UnitFacts], tallies: &[ItemTally]) -> Vec<LostItem> {
    let mut by_item: BTreeMap<(String, String), LostItem> = BTreeMap::new();
    let mut add = |t: ItemTally| {
        let entry = by_item
            .entry((t.checklist.clone(), t.code.clone()))
            .or_insert_with(|| LostItem {
                checklist: t.checklist,
                checklist_title: t.checklist_title,
                code: t.code,
                title: t.title,
                category: t.category,
                max: t.max,
                units: 0,
                units_losing: 0,
                points_lost: Points::ZERO,
                mean_lost: Points::ZERO,
            });
        entry.units += t.units;
        entry.units_losing += t.units_losing;
        entry.points_lost += t.points_lost;
    };
    for a in units.iter().filter_map(|u| u.current.as_ref()) {
        for i in a.items.iter().filter(|i| i.applicable) {
            let lost = i.max - i.points;
            let losing = lost > Points::ZERO;
            add(ItemTally {
                checklist: a.checklist.clone(),
                checklist_title: a.checklist_title.clone(),
                code: i.code.clone(),
                title: i.title.clone(),
                category: i.category.clone(),
                max: i.max,
                units: 1,
                units_losing: usize::from(losing),
                points_lost: if losing { lost } else { Points::ZERO },
            });
        }
    }
    for t in tallies {
        add(t.clone());
    }
    let mut items: Vec<LostItem> = by_item
        .into_values()
        .filter(|i| i.points_lost > Points::ZERO)
        .map(|mut i| {
            // Mean to a tenth, half up.
            let units = i.units.max(1) as i64;
            i.mean_lost = Points::round_ratio(
                &(i.points_lost.to_ratio() / Ratio::from_integer(units.into())),
                1,
            );
            i
        })
        .collect();
    items.sort_by(|a, b| {
        b.points_lost
            .cmp(&a.points_lost)
            .then(b.units_losing.cmp(&a.units_losing))
            .then(a.checklist.cmp(&b.checklist))
            .then(a.code.cmp(&b.code))
    });
    items
}

fn claims(tiers: &[Tier], units: &[UnitFacts]) -> Vec<ClaimLine> {
    let mut lines: Vec<ClaimLine> = units
        .iter()
        .filter_map(|u| {
            let a = u.current.as_ref()?;
            if a.target_tier.is_none() && !a.reviewed {
                return None;
            }
            let over: Vec<String> = a
                .items
                .iter()
                .filter(|i| i.self_points > i.points)
                .map(|i| format!("{} {}→{}", i.code, i.self_points, i.points))
                .collect();
            let reached = rank(tiers, a.tier.as_deref()) >= rank(tiers, a.target_tier.as_deref());
            Some(ClaimLine {
                code: u.code.clone(),
                name: u.name.clone(),
                street: street_of(u),
                target_tier: a
                    .target_tier
                    .as_deref()
                    .map(|t| tier_name(tiers, Some(t)))
                    .unwrap_or_else(|| "不申报".into()),
                reached_tier: tier_name(tiers, a.tier.as_deref()),
                reached: a.target_tier.is_none() || reached,
                self_total: a.self_total,
                total: a.total,
                reviewed: a.reviewed,
                over_claim: a.self_total - a.total,
                over_claimed_items: over,
            })
        })
        .collect();
    lines.sort_by(|a, b| {
        b.over_claim
            .cmp(&a.over_claim)
            .then(a.reached.cmp(&b.reached))
            .then(a.code.cmp(&b.code))
    });
    lines
}

fn transitions(tiers: &[Tier], units: &[UnitFacts]) -> Transitions {
    let mut labels = vec![NOT_SUBMITTED.to_string(), NO_TIER.to_string()];
    labels.extend(tiers.iter().map(|t| t.name.clone()));
    let slot = |a: Option<&Assessed>| match a {
        None => 0,
        Some(a) => 1 + rank(tiers, a.tier.as_deref()),
    };
    let size = labels.len();
    let mut cells = vec![vec![Vec::new(); size]; size];
    let (mut upgraded, mut unchanged, mut downgraded) = (0, 0, 0);
    for u in units {
        let (from, to) = (slot(u.previous.as_ref()), slot(u.current.as_ref()));
        cells[from][to].push(u.name.clone());
        // Movement between tiers of units assessed both years.
        if from > 0 && to > 0 {
            match to.cmp(&from) {
                std::cmp::Ordering::Greater => upgraded += 1,
                std::cmp::Ordering::Less => downgraded += 1,
                std::cmp::Ordering::Equal => unchanged += 1,
            }
        }
    }
    let counts = cells
        .iter()
        .map(|row| row.iter().map(Vec::len).collect())
        .collect();
    Transitions {
        labels,
        cells,
        counts,
        upgraded,
        unchanged,
        downgraded,
    }
}

/// Orders per state, `overdue` and `total`, from (state, overdue, how
/// many) triples: one per order, or one per group the store counted.
pub fn order_counts<'a>(
    orders: impl IntoIterator<Item = (&'a str, bool, usize)>,
) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    let mut total = 0;
    for (state, overdue, n) in orders {
        *counts.entry(state.to_string()).or_insert(0) += n;
        if overdue {
            *counts.entry("overdue".to_string()).or_insert(0) += n;
        }
        total += n;
    }
    counts.insert("total".into(), total);
    counts
}

/// The dashboard lists this many overdue orders of the district (a
/// street's page lists all of its own).
pub const DASHBOARD_OVERDUE: usize = 20;

/// The order in which the dashboard lists overdue orders: longest overdue
/// first, then by unit code and id (the store sorts its read alike).
pub fn overdue_first(a: &OrderFacts, b: &OrderFacts) -> std::cmp::Ordering {
    b.days_overdue
        .cmp(&a.days_overdue)
        .then(a.unit_code.cmp(&b.unit_code))
        .then(a.id.cmp(&b.id))
}

impl DistrictReport {
    /// What the dashboard reads of this report: everything but the orders,
    /// of which only the overdue ones it lists ([`overdue_first`]; a
    /// street's all, the district's first [`DASHBOARD_OVERDUE`]) without
    /// their requirement texts; `order_counts` still count them all. The
    /// cold dashboard gathers just this.
    pub fn into_dashboard_part(mut self) -> DistrictReport {
        let mut overdue: Vec<OrderFacts> = std::mem::take(&mut self.orders)
            .into_iter()
            .filter(|o| o.days_overdue > 0)
            .map(|o| OrderFacts {
                requirement: String::new(),
                ..o
            })
            .collect();
        overdue.sort_by(overdue_first);
        if self.street.is_none() {
            overdue.truncate(DASHBOARD_OVERDUE);
        }
        self.orders = overdue;
        self
    }
}

fn input_stats(defs: &[InputDef], units: &[UnitFacts]) -> Vec<InputStat> {
    defs.iter()
        .filter_map(|d| {
            let values: Vec<InputValue> = units
                .iter()
                .filter_map(|u| u.current.as_ref()?.inputs.get(&d.key).cloned())
                .collect();
            if values.is_empty() {
                return None;
            }
            let mut stat = InputStat {
                key: d.key.clone(),
                label: d.label.clone(),
                group: d.group.clone(),
                unit: d.unit.clone().unwrap_or_default(),
                yes_no: d.yes_no,
                percent: d.percent,
                equipment: d.equipment,
                reporting: values.len(),
                total: None,
                mean: None,
                median: None,
                yes: None,
                yes_percent: None,
            };
            let coverage = |stat: &mut InputStat, yes: usize| {
                stat.yes = Some(yes);
                stat.yes_percent = Some(two_decimals(yes as f64 * 100.0 / values.len() as f64));
            };
            if d.yes_no {
                let yes = values
                    .iter()
                    .filter(|v| **v == InputValue::YesNo(true))
                    .count();
                coverage(&mut stat, yes);
            } else {
                let mut numbers: Vec<f64> = values
                    .iter()
                    .filter_map(|v| match v {
                        InputValue::Number(n) => Some(n.to_f64()),
                        InputValue::YesNo(_) | InputValue::Choice(_) => None,
                    })
                    .collect();
                numbers.sort_by(f64::total_cmp);
                let len = numbers.len();
                if len == 0 {
                    return Some(stat);
                }
                let sum: f64 = numbers.iter().sum();
                let median = if len % 2 == 1 {
                    numbers[len / 2]
                } else {
                    (numbers[len / 2 - 1] + numbers[len / 2]) / 2.0
                };
                if !d.percent {
                    stat.total = Some(two_decimals(sum));
                }
                stat.mean = Some(two_decimals(sum / len as f64));
                stat.median = Some(two_decimals(median));
                if d.equipment {
                    let with_some = numbers.iter().filter(|n| **n > 0.0).count();
                    coverage(&mut stat, with_some);
                }
            }
            Some(stat)
        })
        .collect()
}

fn trend(tiers: &[Tier], input: &ReportInput) -> Vec<TrendYear> {
    let year_of = |year: i32, results: &[PastResult]| {
        let submitted: Vec<&(Option<String>, Option<Points>)> =
            results.iter().filter(|(_, t)| t.is_some()).collect();
        let counts = count(
            "",
            tiers.len(),
            results
                .iter()
                .map(|(tier, total)| total.map(|_| rank(tiers, tier.as_deref()))),
        );
        let mean = (!submitted.is_empty()).then(|| {
            let sum: Points = submitted.iter().filter_map(|(_, t)| *t).sum();
            let n = submitted.len() as i64;
            Points::round_ratio(&(sum.to_ratio() / Ratio::from_integer(n.into())), 1)
        });
        TrendYear {
            year,
            submitted: submitted.len(),
            cumulative: counts.cumulative,
            mean_total: mean,
        }
    };
    let mut years: Vec<TrendYear> = input.history.iter().map(|(y, r)| year_of(*y, r)).collect();
    let now: Vec<PastResult> = input
        .units
        .iter()
        .map(|u| match &u.current {
            Some(a) => (a.tier.clone(), Some(a.total)),
            None => (None, None),
        })
        .collect();
    years.push(year_of(input.year, &now));
    years.sort_by_key(|y| y.year);
    years
}

/// A figure as shown in tables: "88.5", or "—" when absent.
pub fn shown(p: Option<Points>) -> String {
    show(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiers() -> Vec<Tier> {
        [
            ("city-standard", "市级规范化档案室", "市级规范化"),
            ("province-standard", "省级规范化档案室", "省级规范化"),
            ("province-model", "省级示范档案室", "省级示范"),
        ]
        .iter()
        .map(|(c, n, s)| Tier {
            code: (*c).into(),
            name: (*n).into(),
            short: (*s).into(),
        })
        .collect()
    }

    fn assessed(tier: Option<&str>, total: i32) -> Assessed {
        Assessed {
            checklist: "community@2013".into(),
            checklist_title: "社区档案工作考核细则（2013版）".into(),
            total: Points((total) * 10),
            self_total: Points((total) * 10),
            reviewed: false,
            late: false,
            tier: tier.map(str::to_string),
            grade: None,
            vetoes: Vec::new(),
            target_tier: None,
            categories: Vec::new(),
            items: Vec::new(),
            inputs: BTreeMap::new(),
        }
    }

    fn unit(n: usize, kind: &str, now: Option<Assessed>, last: Option<Assessed>) -> UnitFacts {
        UnitFacts {
            code: format!("U{n:03}"),
            name: format!("单位{n}"),
            kind: kind.into(),
            street: Some(
                if n.is_multiple_of(2) {
                    "小营街道"
                } else {
                    "湖滨街道"
                }
                .into(),
            ),
            current: now,
            previous: last,
            open_rectifications: 0,
            overdue_rectifications: 0,
        }
    }

    /// 上城区's communities at the end of 2011: 52 of them, 6 省级示范,
    /// 13 more 省级规范化, 28 more 市级规范化, 5 without a tier.
    fn shangcheng() -> ReportInput {
        let mut units = Vec::new();
        for (tier, count) in [
            (Some("province-model"), 6),
            (Some("province-standard"), 13),
            (Some("city-standard"), 28),
            (None, 5),
        ] {
            for _ in 0..count {
                let n = units.len();
                units.push(unit(n, "社区", Some(assessed(tier, 900)), None));
            }
        }
        ReportInput {
            year: 2011,
            previous_year: 2010,
            street: None,
            generated_at: "2012-04-01 09:00".into(),
            tiers: tiers(),
            units,
            orders: Vec::new(),
            order_counts: None,
            inputs: Vec::new(),
            history: Vec::new(),
            item_tallies: Vec::new(),
        }
    }

    #[test]
    fn counts_cumulatively_as_the_bureau_reports() {
        let report = district(&shangcheng());
        let c = &report.by_kind[0];
        assert_eq!(c.units, 52);
        assert_eq!(c.exact, vec![28, 13, 6]);
        assert_eq!(c.cumulative, vec![47, 19, 6]);
        assert_eq!(c.no_tier, 5);
        assert_eq!(
            report.sentences[0],
            "52 个社区中，省级示范 6 个、省级规范化 19 个、市级规范化 47 个"
        );
    }

    #[test]
    fn units_without_a_submission_count_as_not_submitted() {
        let mut input = shangcheng();
        input.units.push(unit(99, "社区", None, None));
        let report = district(&input);
        assert_eq!(report.total.units, 53);
        assert_eq!(report.total.not_submitted, 1);
        assert_eq!(report.total.submitted, 52);
        assert_eq!(
            report.units.last().map(|u| u.tier.as_str()),
            Some(NOT_SUBMITTED)
        );
    }

    #[test]
    fn transitions_and_movement_against_last_year() {
        let input = ReportInput {
            units: vec![
                unit(
                    1,
                    "社区",
                    Some(assessed(Some("province-model"), 950)),
                    Some(assessed(Some("city-standard"), 820)),
                ),
                unit(
                    2,
                    "社区",
                    Some(assessed(None, 700)),
                    Some(assessed(Some("city-standard"), 810)),
                ),
                unit(
                    3,
                    "社区",
                    Some(assessed(Some("city-standard"), 800)),
                    Some(assessed(Some("city-standard"), 805)),
                ),
                unit(4, "社区", Some(assessed(Some("city-standard"), 800)), None),
            ],
            ..shangcheng()
        };
        let report = district(&input);
        let t = &report.transitions;
        assert_eq!((t.upgraded, t.unchanged, t.downgraded), (1, 1, 1));
        // From 市级规范化 (index 2) to 省级示范 (index 4).
        assert_eq!(t.cells[2][4], vec!["单位1".to_string()]);
        assert_eq!(t.counts[0][2], 1, "from 未提交 to 市级规范化");
        let movements: Vec<&str> = report.units.iter().map(|u| u.movement.as_str()).collect();
        assert_eq!(movements, vec!["升级", "降级", "持平", "新增"]);
        assert_eq!(report.units[0].change, Some(Points(1300)));
        assert!(report.by_kind[0].last_year.is_some());
    }

    #[test]
    fn items_ranked_by_points_lost() {
        let item = |code: &str, max: i32, points: i32| ItemFacts {
            code: code.into(),
            title: format!("条目{code}"),
            category: "A".into(),
            max: Points((max) * 10),
            points: Points((points) * 10),
            self_points: Points((max) * 10),
            applicable: true,
            notes: Vec::new(),
        };
        let mut a = assessed(None, 500);
        a.items = vec![item("A1", 40, 20), item("A2", 30, 30), item("A3", 20, 15)];
        let mut b = assessed(None, 500);
        b.items = vec![item("A1", 40, 40), item("A2", 30, 0), item("A3", 20, 10)];
        let report = district(&ReportInput {
            units: vec![
                unit(1, "社区", Some(a), None),
                unit(2, "社区", Some(b), None),
            ],
            ..shangcheng()
        });
        let codes: Vec<(&str, i32, usize)> = report
            .lost
            .iter()
            .map(|l| (l.code.as_str(), l.points_lost.hundredths(), l.units_losing))
            .collect();
        assert_eq!(codes, vec![("A2", 300, 1), ("A1", 200, 1), ("A3", 150, 2)]);
        // Over-claims: reviewed below self on A1 (unit 1), A2 and A3.
        assert_eq!(
            report.claims.len(),
            0,
            "no target tier and not reviewed: not listed"
        );
    }

    #[test]
    fn tallies_add_to_the_listed_items() {
        let item = |code: &str, max: i32, points: i32| ItemFacts {
            code: code.into(),
            title: format!("条目{code}"),
            category: "A".into(),
            max: Points(max * 10),
            points: Points(points * 10),
            self_points: Points(max * 10),
            applicable: true,
            notes: Vec::new(),
        };
        let tally = |code: &str, max: i32, units: usize, losing: usize, lost: i32| ItemTally {
            checklist: "community@2013".into(),
            checklist_title: "社区档案工作考核细则（2013版）".into(),
            code: code.into(),
            title: format!("条目{code}"),
            category: "A".into(),
            max: Points(max * 10),
            units,
            units_losing: losing,
            points_lost: Points(lost * 10),
        };
        let mut a = assessed(None, 500);
        a.items = vec![item("A1", 40, 20), item("A2", 30, 30), item("A3", 20, 15)];
        let mut b = assessed(None, 500);
        b.items = vec![item("A1", 40, 40), item("A2", 30, 0), item("A3", 20, 10)];
        let listed = district(&ReportInput {
            units: vec![
                unit(1, "社区", Some(a.clone()), None),
                unit(2, "社区", Some(b), None),
            ],
            ..shangcheng()
        });
        // Unit 2's items as the store sums them, plus an item no listed
        // unit has: the same figures, the extra item ranked among them.
        let summed = district(&ReportInput {
            units: vec![
                unit(1, "社区", Some(a), None),
                unit(2, "社区", Some(assessed(None, 500)), None),
            ],
            item_tallies: vec![
                tally("A1", 40, 1, 0, 0),
                tally("A2", 30, 1, 1, 30),
                tally("A3", 20, 1, 1, 10),
            ],
            ..shangcheng()
        });
        assert_eq!(summed.lost, listed.lost);
        let with_extra = district(&ReportInput {
            item_tallies: vec![tally("B9", 40, 4, 2, 40)],
            ..shangcheng()
        });
        assert_eq!(with_extra.lost.len(), 1);
        assert_eq!(with_extra.lost[0].units, 4);
        assert_eq!(with_extra.lost[0].mean_lost, Points(100));
    }

    #[test]
    fn claims_show_over_claiming_units_first() {
        let mut a = assessed(Some("city-standard"), 820);
        a.self_total = Points(8800);
        a.reviewed = true;
        a.target_tier = Some("province-standard".into());
        let mut b = assessed(Some("province-model"), 930);
        b.target_tier = Some("province-standard".into());
        let report = district(&ReportInput {
            units: vec![
                unit(1, "社区", Some(b), None),
                unit(2, "社区", Some(a), None),
            ],
            ..shangcheng()
        });
        assert_eq!(report.claims[0].code, "U002");
        assert_eq!(report.claims[0].over_claim, Points(600));
        assert!(!report.claims[0].reached);
        assert!(report.claims[1].reached);
    }

    #[test]
    fn input_statistics() {
        let mut a = assessed(None, 500);
        a.inputs.insert(
            "room_area".into(),
            InputValue::Number(crate::domain::Decimal::from_int(40)),
        );
        a.inputs.insert("cctv".into(), InputValue::YesNo(true));
        let mut b = assessed(None, 500);
        b.inputs.insert(
            "room_area".into(),
            InputValue::Number(crate::domain::Decimal::parse("25.5").unwrap()),
        );
        b.inputs.insert("cctv".into(), InputValue::YesNo(false));
        let mut c = assessed(None, 500);
        c.inputs.insert(
            "room_area".into(),
            InputValue::Number(crate::domain::Decimal::from_int(10)),
        );
        let report = district(&ReportInput {
            units: vec![
                unit(1, "社区", Some(a), None),
                unit(2, "社区", Some(b), None),
                unit(3, "社区", Some(c), None),
            ],
            inputs: vec![
                InputDef::new(
                    "room_area",
                    "档案室面积",
                    Some("平方米"),
                    InputGroup::Facilities,
                    InputType::Decimal,
                ),
                InputDef::new(
                    "cctv",
                    "视频监控",
                    None,
                    InputGroup::Facilities,
                    InputType::YesNo,
                ),
            ],
            ..shangcheng()
        });
        let area = &report.inputs[0];
        assert_eq!(area.total.as_deref(), Some("75.5"));
        assert_eq!(area.mean.as_deref(), Some("25.17"));
        assert_eq!(area.median.as_deref(), Some("25.5"));
        let cctv = &report.inputs[1];
        assert_eq!((cctv.reporting, cctv.yes), (2, Some(1)));
        assert_eq!(cctv.yes_percent.as_deref(), Some("50"));
        assert!(area.yes.is_none() && area.yes_percent.is_none());
    }

    #[test]
    fn percent_inputs_have_no_total_and_equipment_has_coverage() {
        let number = |n: i64| InputValue::Number(crate::domain::Decimal::from_int(n));
        let units: Vec<UnitFacts> = [(30, 2), (60, 0), (90, 1), (100, 3)]
            .iter()
            .enumerate()
            .map(|(n, (percent, computers))| {
                let mut a = assessed(None, 500);
                a.inputs
                    .insert("digitised_percent".into(), number(*percent));
                a.inputs.insert("computer".into(), number(*computers));
                unit(n, "社区", Some(a), None)
            })
            .collect();
        let report = district(&ReportInput {
            units,
            inputs: vec![
                InputDef::new(
                    "digitised_percent",
                    "存量档案数字化率",
                    Some("%"),
                    InputGroup::Other,
                    InputType::Percent,
                ),
                InputDef::new(
                    "computer",
                    "计算机",
                    Some("台"),
                    InputGroup::Facilities,
                    InputType::Integer,
                ),
                InputDef::new(
                    "holdings_volumes",
                    "室藏档案（卷）",
                    Some("卷"),
                    InputGroup::Other,
                    InputType::Integer,
                ),
            ],
            ..shangcheng()
        });
        assert_eq!(report.inputs.len(), 2, "nobody reported holdings");
        let digitised = &report.inputs[0];
        assert!(digitised.percent && !digitised.equipment);
        assert_eq!(digitised.total, None, "a sum of percentages means nothing");
        assert_eq!(digitised.mean.as_deref(), Some("70"));
        assert_eq!(digitised.median.as_deref(), Some("75"));
        assert_eq!(
            (digitised.yes, digitised.yes_percent.as_deref()),
            (None, None)
        );
        let computer = &report.inputs[1];
        assert!(computer.equipment && !computer.percent);
        assert_eq!(computer.total.as_deref(), Some("6"));
        assert_eq!(computer.yes, Some(3), "units with at least one");
        assert_eq!(computer.yes_percent.as_deref(), Some("75"));
    }

    #[test]
    fn trend_over_years() {
        let mut input = shangcheng();
        input.history = vec![(
            2010,
            vec![
                (Some("city-standard".into()), Some(Points(8000))),
                (None, None),
            ],
        )];
        let report = district(&input);
        assert_eq!(report.trend.len(), 2);
        assert_eq!(report.trend[0].year, 2010);
        assert_eq!(report.trend[0].submitted, 1);
        assert_eq!(report.trend[0].cumulative, vec![1, 0, 0]);
        assert_eq!(report.trend[1].cumulative, vec![47, 19, 6]);
        assert_eq!(report.trend[1].mean_total, Some(Points(9000)));
    }
}

/// One condition of a tier, met or not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Condition {
    pub text: String,
    pub met: bool,
}

/// A tier and every condition that decides it for one unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TierExplanation {
    pub code: String,
    pub name: String,
    pub reached: bool,
    pub conditions: Vec<Condition>,
}

/// A unit's report card: its result and why it has the tier it has.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitCard {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub street: String,
    pub year: i32,
    pub checklist: String,
    pub checklist_title: String,
    pub total: Points,
    pub self_total: Points,
    pub raw: Points,
    pub applicable_max: Points,
    pub reviewed: bool,
    pub tier: String,
    pub grade: String,
    pub target_tier: String,
    pub categories: Vec<CategoryFacts>,
    pub tiers: Vec<TierExplanation>,
    /// What the next tier up still needs (empty at the top).
    pub next_tier: Option<String>,
    pub next_tier_missing: Vec<String>,
    pub vetoes: Vec<String>,
    /// How the total was made beyond the item sum (bonus, penalty,
    /// weights, cap, pending inspector items), in Chinese.
    pub total_notes: Vec<String>,
    pub lost_items: Vec<ItemFacts>,
    pub orders: Vec<OrderFacts>,
    pub generated_at: String,
    /// The year's publication in force (none: unpublished); its
    /// corrections counted for this unit.
    pub publication: Option<PublicationNote>,
}

/// Every condition of every tier for a scorecard, in words.
pub fn explain(
    checklist: &crate::domain::Checklist,
    card: &crate::domain::Scorecard,
    answers: &crate::domain::Answers,
) -> Vec<TierExplanation> {
    use crate::domain::checklist::MinInput;
    checklist
        .tiers
        .iter()
        .zip(&card.tier_checks)
        .map(|(tier, check)| {
            let mut conditions = vec![Condition {
                text: format!("总分 {} 分，要求不低于 {} 分", card.total, tier.min_total),
                met: card.total >= tier.min_total,
            }];
            for code in &tier.required_items {
                if let (Some(item), Some(score)) = (checklist.item(code), card.item(code)) {
                    conditions.push(Condition {
                        text: format!(
                            "必须满分：{code} {}（得 {} / {} 分）",
                            item.title, score.points, score.max
                        ),
                        met: score.points >= score.max,
                    });
                }
            }
            if let Some(floor) = tier.category_floor {
                for (category, score) in checklist.categories.iter().zip(&card.categories) {
                    let met = i64::from(score.points.hundredths()) * 1000
                        >= i64::from(floor) * i64::from(score.applicable_max.hundredths());
                    conditions.push(Condition {
                        text: format!(
                            "类别 {} {} 得 {} / {} 分，要求不低于 {}%",
                            category.code,
                            category.name,
                            score.points,
                            score.applicable_max,
                            Points((floor) * 10)
                        ),
                        met,
                    });
                }
            }
            for (key, min) in &tier.min_inputs {
                let input = checklist.input(key);
                let label = input.map_or(key.as_str(), |i| i.label.as_str());
                let unit = input.and_then(|i| i.unit.clone()).unwrap_or_default();
                let value = answers.inputs.get(key);
                let (text, met) = match min {
                    MinInput::AtLeast(m) => {
                        let v = match value {
                            Some(InputValue::Number(n)) => Some(*n),
                            _ => None,
                        };
                        (
                            format!(
                                "{label}：{}，要求不低于 {m}{unit}",
                                v.map_or("未填".to_string(), |v| format!("{v}{unit}"))
                            ),
                            v.is_some_and(|v| v >= *m),
                        )
                    }
                    MinInput::Yes(true) => (
                        format!(
                            "{label}：{}，要求为“是”",
                            value.map_or("未填".to_string(), ToString::to_string)
                        ),
                        value == Some(&InputValue::YesNo(true)),
                    ),
                    MinInput::Yes(false) => continue,
                };
                conditions.push(Condition { text, met });
            }
            if let Some(condition) = &tier.requires {
                conditions.push(Condition {
                    text: format!("附加条件：{}", condition.source),
                    met: !check
                        .shortfalls
                        .iter()
                        .any(|s| matches!(s, crate::domain::Shortfall::Requires { .. })),
                });
            }
            if !card.pending.is_empty() {
                conditions.push(Condition {
                    text: format!("检查组评定条目（{}）已全部评定", card.pending.join("、")),
                    met: false,
                });
            }
            for veto in &checklist.vetoes {
                let triggered = card
                    .vetoes
                    .iter()
                    .any(|v| v.reason == veto.reason && v.input.as_deref() == veto.input());
                conditions.push(Condition {
                    text: format!("无一票否决情形：{}", veto.reason),
                    met: !triggered,
                });
            }
            TierExplanation {
                code: tier.code.clone(),
                name: tier.name.clone(),
                reached: check.reached(),
                conditions,
            }
        })
        .collect()
}

/// One line of a 整改通知书.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NoticeLine {
    pub number: usize,
    pub id: i64,
    pub item: String,
    pub title: String,
    pub requirement: String,
    /// The due date, YYYY-MM-DD.
    pub due: String,
    /// The same as printed: YYYY年M月D日.
    pub due_zh: String,
    pub state_label: String,
}

/// The number a notice was issued under (文号), kept once given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoticeIssue {
    /// The notice's place among the year's notices in issue order (1, 2, 3…).
    pub serial: i32,
    /// 发文日期, the bureau's date when it was first issued.
    pub issued_on: chrono::NaiveDate,
}

/// A 整改通知书 (rectification notice) to one unit for one year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Notice {
    /// Notice number (文号), e.g. 区档案局整改字〔2012〕第 7 号; empty while
    /// the bureau has not issued it yet (a draft).
    pub number: String,
    /// The sequence number within the year, null for a draft.
    pub serial: Option<i32>,
    /// 发文机关.
    pub bureau: String,
    /// 联系地址 and 联系电话 of the bureau, null when not configured.
    pub bureau_address: Option<String>,
    pub bureau_phone: Option<String>,
    pub unit_code: String,
    pub unit_name: String,
    pub street: String,
    pub year: i32,
    pub total: String,
    pub tier: String,
    /// Date of issue, YYYY年M月D日 (for a draft: today).
    pub issued_on: String,
    /// The latest due date of the listed orders, YYYY年M月D日.
    pub reply_by: String,
    pub lines: Vec<NoticeLine>,
}

/// The notice for a unit's active orders (open, submitted or returned),
/// under the number it was issued with (`issue`), or a draft dated `today`.
pub fn notice(
    bureau: &Bureau,
    card: &UnitCard,
    issue: Option<NoticeIssue>,
    today: chrono::NaiveDate,
) -> Notice {
    let active: Vec<&OrderFacts> = active_orders(card).collect();
    let due = |o: &OrderFacts| chrono::NaiveDate::parse_from_str(&o.due, "%Y-%m-%d").ok();
    let reply_by = active
        .iter()
        .filter_map(|o| due(o))
        .max()
        .map(chinese_date)
        .unwrap_or_default();
    Notice {
        number: issue.map_or_else(String::new, |i| bureau.notice_number(card.year, i.serial)),
        serial: issue.map(|i| i.serial),
        bureau: bureau.name.clone(),
        bureau_address: bureau.address.clone(),
        bureau_phone: bureau.phone.clone(),
        unit_code: card.code.clone(),
        unit_name: card.name.clone(),
        street: card.street.clone(),
        year: card.year,
        total: card.total.to_string(),
        tier: card.tier.clone(),
        issued_on: chinese_date(issue.map_or(today, |i| i.issued_on)),
        reply_by,
        lines: active
            .iter()
            .enumerate()
            .map(|(n, o)| NoticeLine {
                number: n + 1,
                id: o.id,
                item: o.item.clone().unwrap_or_default(),
                title: o.title.clone(),
                requirement: o.requirement.clone(),
                due: o.due.clone(),
                due_zh: due(o).map_or_else(|| o.due.clone(), chinese_date),
                state_label: o.state_label.clone(),
            })
            .collect(),
    }
}

/// The orders a notice lists: those still to be done (open, submitted, returned).
pub fn active_orders(card: &UnitCard) -> impl Iterator<Item = &OrderFacts> {
    card.orders
        .iter()
        .filter(|o| matches!(o.state.as_str(), "open" | "submitted" | "returned"))
}
