//! Reading results: the current assessment of each unit in a year (the
//! reviewed one where an inspector reviewed it), one assessment in full, and
//! a unit's history over years and uploads.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::Serialize;

use crate::domain::Points;
use crate::domain::checklist::Assessor;
use crate::domain::scoring::TierRef;
use crate::ingest::self_check::UnitInfo;
use crate::reports::explain::{DeductionLine, LineFacts, item_lines};
use crate::store::models::{AssessmentRow, UnitRow};
use crate::store::queries::lists::{AssessmentQuery, AssessmentSort, TierFilter};
use crate::store::{DbConn, queries};

use super::evidence::EvidenceView;
use super::list_cache::{CountCache, VersionedCache};
use super::listing::{PageRequest, Paged, Search};
use super::{Actor, Env, Role, ServiceError, ServiceResult, checklists};

/// One unit's current result in a year: the contract's list element, with
/// a few more fields the pages and reports use.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AssessmentSummary {
    #[schema(value_type = Object)]
    pub unit: UnitInfo,
    pub year: i32,
    pub checklist: String,
    #[schema(value_type = f64)]
    pub total: Points,
    #[schema(value_type = Option<Object>)]
    pub tier: Option<TierRef>,
    pub grade: Option<String>,
    /// An inspector reviewed it; `total` and `tier` are the reviewed figures.
    pub reviewed: bool,
    /// The unit's own figure, before any review.
    #[schema(value_type = f64)]
    pub self_total: Points,
    pub submission_id: i64,
    pub assessment_id: i64,
    pub late: bool,
    /// 待现场评定: inspector items (由检查组评定) are not scored yet; the
    /// total counts them 0 and there is no tier or grade until they are.
    pub provisional: bool,
    /// The codes of the items still waiting for the inspector.
    pub pending: Vec<String>,
}

/// Units by id with their street names, loaded once per request.
pub fn unit_infos(conn: &mut DbConn) -> ServiceResult<HashMap<i64, (UnitRow, UnitInfo)>> {
    Ok(infos(queries::units::list(conn)?))
}

/// The units named, by id, with their street names.
pub fn unit_infos_of(
    conn: &mut DbConn,
    ids: &[i64],
) -> ServiceResult<HashMap<i64, (UnitRow, UnitInfo)>> {
    Ok(infos(queries::units::with_streets(conn, ids)?))
}

fn infos(rows: Vec<(UnitRow, Option<String>)>) -> HashMap<i64, (UnitRow, UnitInfo)> {
    rows.into_iter()
        .map(|(row, street)| {
            let info = UnitInfo {
                code: row.code.clone(),
                name: row.name.clone(),
                kind: row.kind.clone(),
                street,
            };
            (row.id, (row, info))
        })
        .collect()
}

fn tier_of(row: &AssessmentRow) -> Option<TierRef> {
    match (&row.tier_code, &row.tier_name) {
        (Some(code), Some(name)) => Some(TierRef {
            code: code.clone(),
            name: name.clone(),
        }),
        _ => None,
    }
}

/// The unit a unit account may read, or the one asked for.
fn unit_filter(
    conn: &mut DbConn,
    actor: &Actor,
    unit_code: Option<&str>,
) -> ServiceResult<Option<i64>> {
    let wanted = match unit_code {
        Some(code) => Some(
            queries::units::find_by_code(conn, code)?
                .ok_or_else(|| ServiceError::not_on_roster(code))?
                .id,
        ),
        None => None,
    };
    match (actor.role, wanted) {
        (_, Some(id)) => {
            actor.require_read_unit(id)?;
            Ok(Some(id))
        }
        (Role::Unit, None) => Ok(actor.unit_id.or(Some(-1))),
        // A street officer's lists are confined by street (`confine_street`).
        (Role::Street | Role::Admin | Role::Inspector | Role::Leader, None) => Ok(None),
    }
}

/// The current assessment of every unit (or one) in a year.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    year: i32,
    unit_code: Option<&str>,
) -> ServiceResult<Vec<AssessmentSummary>> {
    let unit = unit_filter(conn, actor, unit_code)?;
    let Some(campaign) = queries::campaigns::find_by_year(conn, year)? else {
        return Ok(Vec::new());
    };
    let mut rows = queries::assessments::current(conn, campaign.id, unit)?;
    rows.retain(|r| actor.require_read_unit(r.unit_id).is_ok());
    summaries(conn, rows)
}

/// How to narrow and order the list of a year's results (contract §4).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct AssessmentFilter {
    #[param(required = true)]
    pub year: Option<i32>,
    /// A unit's code: that unit only.
    pub unit: Option<String>,
    /// A street (街道) name.
    pub street: Option<String>,
    /// A unit kind (社区, 机关, …).
    pub kind: Option<String>,
    /// A tier code; `none` for results below every tier, `provisional` for
    /// results waiting for the inspector's items.
    pub tier: Option<String>,
    /// Reviewed by an inspector (true) or not yet (false).
    pub reviewed: Option<bool>,
    /// Words that must all appear in the unit's name or code.
    pub q: Option<String>,
    /// code (default), name, street, total (highest first), -total (lowest first)
    #[param(schema_with = sort_schema)]
    pub sort: Option<String>,
}

const SORTS: [&str; 5] = ["code", "name", "street", "total", "-total"];

fn sort_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(SORTS))
        .build()
}

/// The store's sort for a `sort` parameter.
fn sort_of(sort: &str) -> ServiceResult<AssessmentSort> {
    Ok(match sort {
        "code" => AssessmentSort::Code,
        "name" => AssessmentSort::Name,
        "street" => AssessmentSort::Street,
        "total" => AssessmentSort::TotalDesc,
        "-total" => AssessmentSort::TotalAsc,
        _ => {
            return Err(ServiceError::BadRequest(format!(
                "排序 sort 应为 {}之一，收到的是 {sort}",
                SORTS.join("、")
            )));
        }
    })
}

/// Pages of the assessment list kept per scope, filter, order, page and
/// data version ([`find`]), weighed by their rows.
pub type AssessmentPages = VersionedCache<Arc<Paged<AssessmentSummary>>>;

/// Rows of kept pages at most (about 8 MB of summaries, some 200 pages of
/// 100): the first pages of a busy morning, not the whole list.
pub const PAGE_ROWS_KEPT: usize = 20_000;

/// A list line's unit as the summaries show it.
fn unit_info(unit: crate::store::models::UnitRow, street: Option<String>) -> UnitInfo {
    UnitInfo {
        code: unit.code,
        name: unit.name,
        kind: unit.kind,
        street,
    }
}

/// The whole order of a list (its assessments' ids), kept per filter,
/// order and data version: a page deep in the list is cut from it and read
/// by id, instead of the database sorting and skipping every row before it
/// for each page.
pub type AssessmentOrders = VersionedCache<Arc<Vec<i64>>>;

/// Ids kept in list orders at most (8 MB): the five orders of a 50,000-unit
/// year ten times over.
pub const ORDER_IDS_KEPT: usize = 1_000_000;

/// Pages from this row on are cut from the list's kept order; earlier ones
/// are cheaper read directly (an index walk that stops after the page).
pub const DEEP_ROWS: i64 = 1_000;

/// What the assessment list keeps between requests (owned by the server).
pub struct ListCaches {
    pub counts: CountCache,
    pub pages: AssessmentPages,
    pub orders: AssessmentOrders,
    /// Pages from this row on are cut from the kept order ([`DEEP_ROWS`]).
    pub deep_from: i64,
    /// Held while an order is read from the database (one at a time).
    pub reading_order: std::sync::Mutex<()>,
    /// The summaries of the latest years asked for deep pages, each at
    /// one data version ([`YEARS_KEPT`] at most).
    pub years: std::sync::Mutex<Vec<KeptYear>>,
    /// Held while a year's summaries are read (one at a time).
    pub reading_year: std::sync::Mutex<()>,
}

/// Years whose summaries are kept for deep pages (about 20 MB each at
/// 50,000 units): the year in hand and one more.
pub const YEARS_KEPT: usize = 2;

/// A year's current results as summaries, by assessment id, at one data
/// version: a deep page is cut from a kept order and its rows taken from
/// here, with no statement.
pub struct KeptYear {
    campaign_id: i64,
    version: i64,
    summaries: Arc<HashMap<i64, AssessmentSummary>>,
}

impl Default for ListCaches {
    fn default() -> Self {
        ListCaches {
            counts: CountCache::with_capacity(super::list_cache::COUNTS_KEPT),
            pages: AssessmentPages::with_capacity(PAGE_ROWS_KEPT),
            orders: AssessmentOrders::with_capacity(ORDER_IDS_KEPT),
            deep_from: DEEP_ROWS,
            reading_order: std::sync::Mutex::new(()),
            years: std::sync::Mutex::new(Vec::new()),
            reading_year: std::sync::Mutex::new(()),
        }
    }
}

/// The key of a kept page: the question as asked (the filter, order and
/// page) and who asks it (a unit account sees its own unit only). Every
/// write that could change the answer (results, roster, campaigns,
/// accounts) moves the data version, so the question needs no resolving
/// (unit codes, the year's campaign) before its kept answer is found.
fn page_key(actor: &Actor, filter: &AssessmentFilter, paging: PageRequest) -> String {
    let scope = match actor.role {
        Role::Unit => format!("unit {:?}", actor.unit_id),
        Role::Street => format!("street {:?}", actor.street_name()),
        Role::Admin | Role::Inspector | Role::Leader => "bureau".to_string(),
    };
    format!("assessments {scope} {filter:?} {paging:?}")
}

/// The page kept for this question at data version `version`, if any:
/// answered without a connection (see [`find`]).
pub fn kept_page(
    actor: &Actor,
    filter: &AssessmentFilter,
    paging: PageRequest,
    version: i64,
    pages: &AssessmentPages,
) -> Option<Arc<Paged<AssessmentSummary>>> {
    pages.get(&page_key(actor, filter, paging), version)
}

/// One page of a year's results, filtered and sorted: filters, count, order
/// and cut in the database (see [`queries::lists`]); the count and the
/// page are kept (`counts`, `pages`) until the data version moves.
/// `version` is the data version if the caller has read it already (before
/// anything of the answer), so it is not read twice.
pub fn find(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &AssessmentFilter,
    paging: PageRequest,
    version: Option<i64>,
    caches: &ListCaches,
) -> ServiceResult<Arc<Paged<AssessmentSummary>>> {
    let (counts, pages) = (&caches.counts, &caches.pages);
    let version = match version {
        Some(version) => version,
        None => super::freshness::data_version(conn)?,
    };
    let page_key = page_key(actor, filter, paging);
    if let Some(page) = pages.get(&page_key, version) {
        return Ok(page);
    }
    let year = filter
        .year
        .ok_or_else(|| ServiceError::BadRequest("请指定年度 year".into()))?;
    let sort = sort_of(filter.sort.as_deref().unwrap_or("code"))?;
    let unit_id = unit_filter(conn, actor, filter.unit.as_deref())?;
    let street = match actor.role {
        Role::Street => Some(actor.confine_street(filter.street.as_deref())?),
        // An empty street selects the units without one, as it always has.
        _ => filter
            .street
            .as_ref()
            .map(|s| Some(s.clone()).filter(|s| !s.is_empty())),
    };
    let Some(campaign) = queries::campaigns::find_by_year(conn, year)? else {
        return Ok(Arc::new(paging.cut(Vec::new())));
    };
    let query = AssessmentQuery {
        campaign_id: campaign.id,
        unit_id,
        street,
        kind: filter.kind.clone(),
        tier: filter.tier.as_deref().map(|t| match t {
            "provisional" => TierFilter::Provisional,
            "none" => TierFilter::None,
            code => TierFilter::Code(code.to_string()),
        }),
        reviewed: filter.reviewed,
        words: Search::new(filter.q.as_deref()).words().to_vec(),
    };
    // The unit a unit account is bound to is in `query`: one key per scope.
    let filter_key = format!("assessments {query:?}");
    let known = counts.get(&filter_key, version);
    let order_key = format!("{filter_key} {sort:?}");
    // A first page is cut from memory too once its order and year are kept
    // (a deep page asked before kept them): read directly, an order the
    // indexes do not serve sorts the year's results for each first ask.
    let in_memory = paging.offset() >= caches.deep_from
        || (caches.orders.get(&order_key, version).is_some()
            && year_kept(caches, campaign.id, version).is_some());
    let (items, total) = if in_memory {
        let order = kept_order(conn, caches, order_key, version, (&query, sort))?;
        let from = usize::try_from(paging.offset()).unwrap_or(usize::MAX);
        let ids = order.get(from..).map_or(&[][..], |rest| {
            &rest[..rest.len().min(paging.per_page as usize)]
        });
        let total = i64::try_from(order.len()).unwrap_or(i64::MAX);
        let year = kept_year(conn, caches, campaign.id, version)?;
        let kept: Option<Vec<AssessmentSummary>> =
            ids.iter().map(|id| year.get(id).cloned()).collect();
        let items = match kept {
            Some(items) => items,
            None => {
                let lines = queries::lists::assessment_lines(conn, ids)?;
                lines_to_summaries(conn, lines)?
            }
        };
        (items, total)
    } else {
        let (rows, total) = queries::lists::assessment_page(
            conn,
            &query,
            sort,
            paging.offset(),
            i64::from(paging.per_page),
            known,
        )?;
        (lines_to_summaries(conn, rows)?, total)
    };
    if known.is_none() {
        counts.keep(filter_key, version, 1, total);
    }
    let page = Arc::new(paging.of(items, total));
    pages.keep(page_key, version, page.items.len(), page.clone());
    Ok(page)
}

/// Summaries of list lines (an assessment, its unit and street), in
/// their order.
fn lines_to_summaries(
    conn: &mut DbConn,
    lines: Vec<queries::lists::AssessmentLine>,
) -> ServiceResult<Vec<AssessmentSummary>> {
    let lines = lines
        .into_iter()
        .map(|(row, unit, street)| (row, unit_info(unit, street)))
        .collect();
    summaries_of(conn, lines)
}

/// The whole order of a list (`question`: its filter and order) at data
/// version `version`, kept under `key`: read from the database when nobody
/// kept it yet. One request reads an order while the others asking for it
/// wait: a busy morning's many first asks would otherwise each sort the
/// year's results.
fn kept_order(
    conn: &mut DbConn,
    caches: &ListCaches,
    key: String,
    version: i64,
    question: (&AssessmentQuery, AssessmentSort),
) -> ServiceResult<Arc<Vec<i64>>> {
    if let Some(order) = caches.orders.get(&key, version) {
        return Ok(order);
    }
    let _reading = caches
        .reading_order
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(order) = caches.orders.get(&key, version) {
        return Ok(order);
    }
    let (query, sort) = question;
    let order = Arc::new(queries::lists::assessment_order(conn, query, sort)?);
    caches.orders.keep(key, version, order.len(), order.clone());
    Ok(order)
}

/// The summaries of a campaign's current results at data version
/// `version`, if kept.
fn year_kept(
    caches: &ListCaches,
    campaign_id: i64,
    version: i64,
) -> Option<Arc<HashMap<i64, AssessmentSummary>>> {
    let years = caches
        .years
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    years
        .iter()
        .find(|y| y.campaign_id == campaign_id && y.version == version)
        .map(|y| y.summaries.clone())
}

/// The summaries of a campaign's current results at data version
/// `version`, kept (see [`KeptYear`]): read whole when nobody kept them
/// yet, one reader at a time.
fn kept_year(
    conn: &mut DbConn,
    caches: &ListCaches,
    campaign_id: i64,
    version: i64,
) -> ServiceResult<Arc<HashMap<i64, AssessmentSummary>>> {
    if let Some(kept) = year_kept(caches, campaign_id, version) {
        return Ok(kept);
    }
    let _reading = caches
        .reading_year
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(kept) = year_kept(caches, campaign_id, version) {
        return Ok(kept);
    }
    // Three statements over the campaign whatever its size, not its ids in
    // chunks (a statement each).
    let lines = queries::lists::current_lines(conn, campaign_id)?;
    let facts = queries::reports::submission_facts(conn, campaign_id)?;
    let self_totals = facts.self_totals();
    let summaries: HashMap<i64, AssessmentSummary> = lines
        .into_iter()
        .map(|(row, unit, street)| {
            let summary = summary_of(row, unit_info(unit, street), &self_totals, &facts.late);
            (summary.assessment_id, summary)
        })
        .collect();
    let summaries = Arc::new(summaries);
    let mut years = caches
        .years
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // An older version of any year is of no use again.
    years.retain(|y| y.version == version && y.campaign_id != campaign_id);
    years.push(KeptYear {
        campaign_id,
        version,
        summaries: summaries.clone(),
    });
    let extra = years.len().saturating_sub(YEARS_KEPT);
    years.drain(..extra);
    Ok(summaries)
}

/// Summaries for assessment rows, with units and self totals in bulk,
/// ordered by unit code.
pub fn summaries(
    conn: &mut DbConn,
    rows: Vec<AssessmentRow>,
) -> ServiceResult<Vec<AssessmentSummary>> {
    let units = unit_infos(conn)?;
    let lines = rows
        .into_iter()
        .filter_map(|row| {
            let (_, info) = units.get(&row.unit_id)?;
            Some((row, info.clone()))
        })
        .collect();
    let mut out = summaries_of(conn, lines)?;
    out.sort_by(|a, b| a.unit.code.cmp(&b.unit.code));
    Ok(out)
}

/// Summaries for assessment rows with their units, in the order given;
/// self totals and late flags are read for these rows only.
pub fn summaries_of(
    conn: &mut DbConn,
    rows: Vec<(AssessmentRow, UnitInfo)>,
) -> ServiceResult<Vec<AssessmentSummary>> {
    let reviewed: Vec<i64> = rows
        .iter()
        .filter(|(r, _)| r.review_id.is_some())
        .map(|(r, _)| r.submission_id)
        .collect();
    let self_totals: HashMap<i64, i32> = queries::assessments::self_totals(conn, &reviewed)?
        .into_iter()
        .collect();
    let submission_ids: Vec<i64> = rows.iter().map(|(r, _)| r.submission_id).collect();
    let late: HashMap<i64, bool> = queries::submissions::late_flags(conn, &submission_ids)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|(row, info)| summary_of(row, info, &self_totals, &late))
        .collect())
}

/// The summary of a result with its unit; `self_totals` (by submission) are
/// read only for reviewed results, an unreviewed one is its own.
fn summary_of(
    row: AssessmentRow,
    info: UnitInfo,
    self_totals: &HashMap<i64, i32>,
    late: &HashMap<i64, bool>,
) -> AssessmentSummary {
    let self_total = match row.review_id {
        Some(_) => *self_totals.get(&row.submission_id).unwrap_or(&row.total),
        None => row.total,
    };
    AssessmentSummary {
        unit: info,
        year: row.year,
        checklist: row.checklist_reference.clone(),
        total: Points(row.total),
        tier: tier_of(&row),
        grade: row.grade.clone(),
        reviewed: row.review_id.is_some(),
        self_total: Points(self_total),
        submission_id: row.submission_id,
        assessment_id: row.id,
        late: late.get(&row.submission_id).copied().unwrap_or(false),
        provisional: row.provisional,
        pending: serde_json::from_str(&row.pending).unwrap_or_default(),
    }
}

/// One item of an assessment, with its text and the unit's own figure.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ItemDetail {
    pub code: String,
    pub category: String,
    pub title: String,
    #[schema(value_type = f64)]
    pub max: Points,
    #[schema(value_type = f64)]
    pub points: Points,
    pub applicable: bool,
    /// Points in the unit's self-assessment.
    #[schema(value_type = f64)]
    pub self_points: Points,
    pub self_applicable: bool,
    /// The rule as the checklist writes it: `self`, `yes_no`, `bands`,
    /// `each`, `linear`, `deduct`, `level`, `choice` or `formula`.
    pub rule: String,
    /// base | bonus (加分项) | penalty (减分项)
    pub kind: String,
    /// The group (评分组) the item counts in, if any.
    pub group: Option<String>,
    /// Scored by the inspectors (由检查组评定), not by the unit.
    pub by_inspector: bool,
    /// Waiting for the inspector's score; `points` counts 0 meanwhile.
    pub pending: bool,
    /// A `deduct` item's defects: text, points each and how often found.
    pub deductions: Vec<DeductionLine>,
    /// A `level` item's level.
    pub level: Option<String>,
    /// What to show as evidence (佐证材料), from the checklist.
    pub evidence: Option<String>,
    /// 条目说明: how the item was scored, one Chinese line per fact.
    pub notes: Vec<String>,
    /// 佐证材料 the unit attached to this item for the year.
    pub files: Vec<EvidenceView>,
    /// The unit's 情况说明.
    pub remark: Option<String>,
    /// The reviewer's reason where a review changed this item.
    pub review_reason: Option<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CategoryDetail {
    pub code: String,
    pub name: String,
    #[schema(value_type = f64)]
    pub points: Points,
    #[schema(value_type = f64)]
    pub applicable_max: Points,
    #[schema(value_type = f64)]
    pub self_points: Points,
}

/// A fact, as the unit gave it and as a review corrected it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct InputDetail {
    pub key: String,
    pub label: String,
    pub unit: Option<String>,
    pub group: String,
    /// As stored: a number, 是 or 否.
    pub value: String,
    /// The reviewed value, where a review corrected it.
    pub reviewed_value: Option<String>,
    pub review_reason: Option<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FlagView {
    pub id: i64,
    pub input: Option<String>,
    pub message: String,
    pub resolved: bool,
    pub resolution: Option<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ReviewSummary {
    pub id: i64,
    /// self | mutual | spot | recheck (自查 / 互查 / 抽查 / 复查)
    pub kind: String,
    pub note: String,
    pub reviewer: Option<String>,
    pub at: String,
    pub assessment_id: Option<i64>,
    #[schema(value_type = Option<f64>)]
    pub total: Option<Points>,
}

/// An assessment in full: both the self-assessed and the current figures.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AssessmentDetail {
    #[serde(flatten)]
    pub summary: AssessmentSummary,
    pub title: String,
    #[schema(value_type = f64)]
    pub raw: Points,
    #[schema(value_type = f64)]
    pub applicable_max: Points,
    /// Bonus (加分) and penalty (减分) points, before `bonus_max`.
    #[schema(value_type = f64)]
    pub bonus: Points,
    #[schema(value_type = f64)]
    pub penalty: Points,
    #[schema(value_type = Option<Object>)]
    pub self_tier: Option<TierRef>,
    #[schema(value_type = Vec<Object>)]
    pub vetoes: serde_json::Value,
    pub target_tier: Option<String>,
    /// The tier applied for, by its name (省级示范档案室).
    pub target_tier_name: Option<String>,
    pub gaps: Vec<String>,
    pub items: Vec<ItemDetail>,
    pub categories: Vec<CategoryDetail>,
    pub inputs: Vec<InputDetail>,
    pub flags: Vec<FlagView>,
    pub reviews: Vec<ReviewSummary>,
    pub file_name: String,
    pub uploaded_at: String,
    /// The newer submission that replaced this one, if any.
    pub superseded_by: Option<i64>,
}

/// Reads one assessment with everything a review page needs.
pub fn detail(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    assessment_id: i64,
) -> ServiceResult<AssessmentDetail> {
    let row = queries::assessments::get(conn, assessment_id)
        .map_err(|_| ServiceError::NotFound(format!("考核结果 {assessment_id} 不存在")))?;
    actor.require_read_unit(row.unit_id)?;
    let submission = queries::submissions::get(conn, row.submission_id)?;
    let all = queries::assessments::of_submission(conn, submission.id)?;
    let first = all.first().cloned().unwrap_or_else(|| row.clone());
    let checklist = checklists::get(conn, env.catalog, &row.checklist_reference)?;

    let items = queries::assessments::items(conn, row.id)?;
    let self_items: BTreeMap<String, (i32, bool)> = queries::assessments::items(conn, first.id)?
        .into_iter()
        .map(|i| (i.item_code, (i.points, i.applicable)))
        .collect();
    let remarks: BTreeMap<String, Option<String>> =
        queries::submissions::answers(conn, submission.id)?
            .into_iter()
            .map(|(code, _, remark)| (code, remark))
            .collect();
    let mut files: BTreeMap<String, Vec<EvidenceView>> = BTreeMap::new();
    for row in queries::evidence::of_unit(conn, row.unit_id, row.campaign_id)? {
        files
            .entry(row.item_code.clone())
            .or_default()
            .push(EvidenceView::from(row));
    }
    let overrides = match row.review_id {
        Some(id) => queries::reviews::overrides(conn, id)?,
        None => Vec::new(),
    };
    let reason = |target: &str, code: &str| {
        overrides
            .iter()
            .find(|o| o.target == target && o.code == code)
            .map(|o| (o.value.clone(), o.reason.clone()))
    };

    let items = items
        .into_iter()
        .map(|i| {
            let item = checklist.item(&i.item_code);
            let (self_points, self_applicable) = self_items
                .get(&i.item_code)
                .copied()
                .unwrap_or((i.points, i.applicable));
            let detail: Option<serde_json::Value> = i
                .detail
                .as_deref()
                .and_then(|d| serde_json::from_str(d).ok());
            ItemDetail {
                title: item.map(|x| x.title.clone()).unwrap_or_default(),
                rule: item
                    .map(|x| x.rule.kind().name().to_string())
                    .unwrap_or_default(),
                kind: i.item_kind.clone(),
                group: i.group_code.clone(),
                by_inspector: item.is_some_and(|x| x.assessed_by == Assessor::Inspector),
                pending: i.pending,
                deductions: detail
                    .as_ref()
                    .filter(|d| d.is_array())
                    .and_then(|d| serde_json::from_value(d.clone()).ok())
                    .unwrap_or_default(),
                notes: Vec::new(),
                files: files.remove(&i.item_code).unwrap_or_default(),
                level: detail
                    .as_ref()
                    .and_then(|d| d.get("level"))
                    .and_then(|l| l.as_str())
                    .map(str::to_string),
                evidence: item.and_then(|x| x.evidence.clone()),
                remark: remarks.get(&i.item_code).cloned().flatten(),
                review_reason: reason("item", &i.item_code).map(|(_, r)| r),
                code: i.item_code,
                category: i.category_code,
                max: Points(i.max),
                points: Points(i.points),
                applicable: i.applicable,
                self_points: Points(self_points),
                self_applicable,
            }
        })
        .map(|mut d: ItemDetail| {
            d.notes = item_lines(&LineFacts {
                kind: &d.kind,
                group: d.group.as_deref().and_then(|g| checklist.group(g)),
                by_inspector: d.by_inspector,
                pending: d.pending,
                level: d.level.as_deref(),
                deductions: &d.deductions,
                evidence: d.evidence.as_deref(),
            });
            d
        })
        .collect();

    let self_categories: BTreeMap<String, i32> = queries::assessments::categories(conn, first.id)?
        .into_iter()
        .map(|c| (c.category_code, c.points))
        .collect();
    let categories = queries::assessments::categories(conn, row.id)?
        .into_iter()
        .map(|c| CategoryDetail {
            self_points: Points(*self_categories.get(&c.category_code).unwrap_or(&c.points)),
            code: c.category_code,
            name: c.name,
            points: Points(c.points),
            applicable_max: Points(c.applicable_max),
        })
        .collect();

    let stored: BTreeMap<String, String> = queries::submissions::inputs(conn, submission.id)?
        .into_iter()
        .collect();
    let inputs = checklist
        .inputs
        .iter()
        .map(|input| {
            let corrected = reason("input", &input.key);
            InputDetail {
                key: input.key.clone(),
                label: input.label.clone(),
                unit: input.unit.clone(),
                group: input.group.label_zh().to_string(),
                value: stored.get(&input.key).cloned().unwrap_or_default(),
                reviewed_value: corrected.as_ref().map(|(v, _)| v.clone()),
                review_reason: corrected.map(|(_, r)| r),
            }
        })
        .collect();

    let flags = queries::flags::of_submissions(conn, &[submission.id])?
        .into_iter()
        .map(|f| FlagView {
            id: f.id,
            input: f.input_key,
            message: f.message,
            resolved: f.resolved_at.is_some(),
            resolution: f.resolution,
        })
        .collect();

    let mut reviews = Vec::new();
    for review in queries::reviews::of_submission(conn, submission.id)? {
        let reviewer = match review.reviewer_id {
            Some(id) => Some(queries::users::get(conn, id)?.username),
            None => None,
        };
        let produced = all.iter().find(|a| a.review_id == Some(review.id));
        reviews.push(ReviewSummary {
            id: review.id,
            kind: review.kind,
            note: review.note,
            reviewer,
            at: format!("{}Z", review.created_at.format("%Y-%m-%dT%H:%M:%S")),
            assessment_id: produced.map(|a| a.id),
            total: produced.map(|a| Points(a.total)),
        });
    }

    let superseded_by = queries::submissions::superseded_by(conn, &submission)?;
    let mut summary = summaries(conn, vec![row.clone()])?
        .pop()
        .ok_or_else(|| ServiceError::NotFound("单位不存在".into()))?;
    summary.self_total = Points(first.total);
    Ok(AssessmentDetail {
        summary,
        title: checklist.title.clone(),
        raw: Points(row.raw),
        applicable_max: Points(row.applicable_max),
        bonus: Points(row.bonus),
        penalty: Points(row.penalty),
        self_tier: tier_of(&first),
        vetoes: serde_json::from_str(&row.vetoes).unwrap_or(serde_json::Value::Array(Vec::new())),
        target_tier_name: row.target_tier.as_deref().map(|code| {
            checklist
                .tiers
                .iter()
                .find(|t| t.code == code)
                .map_or_else(|| code.to_string(), |t| t.name.clone())
        }),
        target_tier: row.target_tier.clone(),
        gaps: serde_json::from_str(&row.gaps).unwrap_or_default(),
        items,
        categories,
        inputs,
        flags,
        reviews,
        file_name: submission.file_name.clone(),
        uploaded_at: format!("{}Z", submission.uploaded_at.format("%Y-%m-%dT%H:%M:%S")),
        superseded_by,
    })
}

/// One upload in a unit's history.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub year: i32,
    pub submission_id: i64,
    pub file_name: String,
    pub uploaded_at: String,
    pub late: bool,
    /// This upload counts for its year (the newest of that year).
    pub current: bool,
    pub superseded_by: Option<i64>,
    /// The self-assessed total.
    #[schema(value_type = f64)]
    pub self_total: Points,
    /// The current figures: reviewed where reviewed.
    #[schema(value_type = f64)]
    pub total: Points,
    #[schema(value_type = Option<Object>)]
    pub tier: Option<TierRef>,
    /// 待现场评定: inspector items still open, so no tier yet.
    pub provisional: bool,
    pub reviewed: bool,
    pub assessment_id: i64,
}

/// Every upload of a unit, newest first, with its self and current figures.
pub fn history(
    conn: &mut DbConn,
    actor: &Actor,
    unit_code: &str,
) -> ServiceResult<Vec<HistoryEntry>> {
    let unit = queries::units::find_by_code(conn, unit_code)?
        .ok_or_else(|| ServiceError::not_on_roster(unit_code))?;
    actor.require_read_unit(unit.id)?;
    let mut entries = Vec::new();
    for submission in queries::submissions::of_unit(conn, unit.id)? {
        let assessments = queries::assessments::of_submission(conn, submission.id)?;
        let (Some(first), Some(last)) = (assessments.first(), assessments.last()) else {
            continue;
        };
        let superseded_by = queries::submissions::superseded_by(conn, &submission)?;
        entries.push(HistoryEntry {
            year: last.year,
            submission_id: submission.id,
            file_name: submission.file_name.clone(),
            uploaded_at: format!("{}Z", submission.uploaded_at.format("%Y-%m-%dT%H:%M:%S")),
            late: submission.late,
            current: superseded_by.is_none(),
            superseded_by,
            self_total: Points(first.total),
            total: Points(last.total),
            tier: tier_of(last),
            provisional: last.provisional,
            reviewed: last.review_id.is_some(),
            assessment_id: last.id,
        });
    }
    Ok(entries)
}
