//! Gathers what the district summary and the unit report card are computed
//! from; the computing itself is `reports::model` (pure).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::domain::scoring::ItemAnswer;
use crate::domain::{Answers, Checklist, Points, Scorecard, score};
use crate::reports::district_xlsx::district_xlsx;
use crate::reports::explain;
use crate::reports::html::Html;
use crate::reports::model::{
    self, Assessed, CategoryFacts, DistrictReport, InputDef, ItemFacts, ItemTally, OrderFacts,
    ReportInput, Tier, UnitCard, UnitFacts,
};
use crate::store::models::AssessmentRow;
use crate::store::{DbConn, queries};

use super::assessments::unit_infos;
use super::report_cache::{ReportCache, ReportKey};
use super::report_orders::{counted_orders, district_orders, with_requirements};
use super::reviews::stored_answers;
use super::{
    Actor, Env, Role, ServiceError, ServiceResult, checklists, decode_input, rectifications,
};

/// The answers and scorecard behind a stored assessment, recomputed from
/// the submission and the review's overrides with the checklist version it
/// used (immutable, so the figures are the stored ones).
pub fn recompute(
    conn: &mut DbConn,
    env: Env<'_>,
    row: &AssessmentRow,
) -> ServiceResult<(Arc<Checklist>, Answers, Scorecard)> {
    let checklist = checklists::get(conn, env.catalog, &row.checklist_reference)?;
    let unit_kind = queries::units::get(conn, row.unit_id)?.kind;
    let mut answers = stored_answers(conn, &checklist, row.submission_id, &unit_kind)?;
    let overrides: BTreeMap<String, ItemAnswer> = match row.review_id {
        Some(review) => {
            let rows = queries::reviews::overrides(conn, review)?;
            super::reviews::apply_overrides(&checklist, &mut answers, &rows)
        }
        None => BTreeMap::new(),
    };
    let card = score(&checklist, &answers, &overrides);
    Ok((checklist, answers, card))
}

fn short_name(name: &str) -> String {
    name.strip_suffix("档案室").unwrap_or(name).to_string()
}

/// The tiers of the checklists in use, lowest first, by code.
fn tiers_of<'a>(checklists: impl Iterator<Item = &'a Arc<Checklist>>) -> Vec<Tier> {
    let mut tiers: Vec<Tier> = Vec::new();
    for c in checklists {
        for t in &c.tiers {
            if !tiers.iter().any(|x| x.code == t.code) {
                tiers.push(Tier {
                    code: t.code.clone(),
                    name: t.name.clone(),
                    short: short_name(&t.name),
                });
            }
        }
    }
    tiers
}

/// The campaign of `year` (none without one) and its current results.
fn current_of_year(
    conn: &mut DbConn,
    campaigns: &[crate::store::models::CampaignRow],
    year: i32,
) -> ServiceResult<(Option<i64>, Vec<AssessmentRow>)> {
    match campaigns.iter().find(|c| c.year == year) {
        Some(campaign) => Ok((
            Some(campaign.id),
            queries::assessments::current(conn, campaign.id, None)?,
        )),
        None => Ok((None, Vec::new())),
    }
}

/// The checklist of `reference`, read once per gather.
fn checklist_of<'c>(
    conn: &mut DbConn,
    env: Env<'_>,
    checklists: &'c mut BTreeMap<String, Arc<Checklist>>,
    reference: &str,
) -> ServiceResult<&'c Arc<Checklist>> {
    if !checklists.contains_key(reference) {
        let c = checklists::get(conn, env.catalog, reference)?;
        checklists.insert(reference.to_string(), c);
    }
    Ok(&checklists[reference])
}

/// 失分分析's figures of a campaign's current results nobody reviewed (of
/// `street`'s units when given), summed in the database per checklist: such
/// a result is its own self-assessment (nothing over-claimed), so its items
/// are needed only as these sums.
fn item_tallies(
    conn: &mut DbConn,
    env: Env<'_>,
    campaign_id: i64,
    references: &std::collections::BTreeSet<&str>,
    street: Option<&str>,
    checklists: &mut BTreeMap<String, Arc<Checklist>>,
) -> ServiceResult<Vec<ItemTally>> {
    let mut tallies = Vec::new();
    for &reference in references {
        let checklist = checklist_of(conn, env, checklists, reference)?.clone();
        let of = queries::reports::Unreviewed {
            campaign_id,
            checklist: reference,
            street,
        };
        for sum in queries::reports::item_sums(conn, of)? {
            tallies.push(ItemTally {
                checklist: reference.to_string(),
                checklist_title: checklist.title.clone(),
                title: checklist
                    .item(&sum.item_code)
                    .map(|x| x.title.clone())
                    .unwrap_or_default(),
                code: sum.item_code,
                category: sum.category_code,
                max: Points(sum.max),
                units: usize::try_from(sum.applicable).unwrap_or_default(),
                units_losing: usize::try_from(sum.losing).unwrap_or_default(),
                points_lost: Points(
                    i32::try_from(sum.losing_max_sum - sum.losing_points_sum).unwrap_or(i32::MAX),
                ),
            });
        }
    }
    Ok(tallies)
}

/// A year's current results (`rows`, of campaign `campaign_id`), by unit
/// id, with categories and inputs when `detailed`; items are listed for
/// reviewed units only (their self-assessment may claim more), the others'
/// summed into the tallies, of `street`'s units only when given (a street's
/// report sums its own). Each kind of fact is one read of the campaign's
/// results, not of their ids (see `queries::reports`).
fn assessed_of_year(
    conn: &mut DbConn,
    env: Env<'_>,
    (campaign_id, rows): (Option<i64>, &[AssessmentRow]),
    checklists: &mut BTreeMap<String, Arc<Checklist>>,
    detailed: bool,
    street: Option<&str>,
) -> ServiceResult<(HashMap<i64, Assessed>, Vec<ItemTally>)> {
    let Some(campaign_id) = campaign_id else {
        return Ok((HashMap::new(), Vec::new()));
    };
    let facts = queries::reports::submission_facts(conn, campaign_id)?;
    // A submission's first assessment (the self-assessment): id and total.
    let first = |submission: i64| facts.first_assessment.get(&submission).copied();

    let mut items: HashMap<i64, Vec<crate::store::models::AssessmentItemRow>> = HashMap::new();
    let mut categories: HashMap<i64, Vec<crate::store::models::AssessmentCategoryRow>> =
        HashMap::new();
    let mut inputs: HashMap<i64, BTreeMap<String, crate::domain::InputValue>> = HashMap::new();
    let mut tallies = Vec::new();
    if detailed {
        let (reviewed_rows, unreviewed): (Vec<&AssessmentRow>, Vec<&AssessmentRow>) =
            rows.iter().partition(|r| r.review_id.is_some());
        let references = unreviewed
            .iter()
            .map(|r| r.checklist_reference.as_str())
            .collect();
        let mut ids: Vec<i64> = reviewed_rows.iter().map(|r| r.id).collect();
        ids.extend(
            reviewed_rows
                .iter()
                .filter_map(|r| first(r.submission_id).map(|(id, _)| id)),
        );
        for i in queries::assessments::items_of(conn, &ids)? {
            items.entry(i.assessment_id).or_default().push(i);
        }
        tallies = item_tallies(conn, env, campaign_id, &references, street, checklists)?;
        for c in queries::reports::current_categories(conn, campaign_id)? {
            categories.entry(c.assessment_id).or_default().push(c);
        }
        for (submission, key, value) in queries::reports::current_inputs(conn, campaign_id)? {
            if let Some(v) = decode_input(&value) {
                inputs.entry(submission).or_default().insert(key, v);
            }
        }
        // The facts that count are those of the assessment that counts: a
        // review's corrections (the room measured on site) over the unit's
        // own figures. A review's overrides include every earlier review's.
        let reviewed: HashMap<i64, i64> = rows
            .iter()
            .filter_map(|r| r.review_id.map(|review| (review, r.submission_id)))
            .collect();
        let review_ids: Vec<i64> = reviewed.keys().copied().collect();
        for o in queries::reviews::input_overrides_of(conn, &review_ids)? {
            if let (Some(submission), Some(v)) =
                (reviewed.get(&o.review_id), decode_input(&o.value))
            {
                inputs.entry(*submission).or_default().insert(o.code, v);
            }
        }
    }

    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        let checklist = checklist_of(conn, env, checklists, &row.checklist_reference)?;
        let self_items: HashMap<String, i32> = first(row.submission_id)
            .and_then(|(id, _)| items.get(&id))
            .map(|list| {
                list.iter()
                    .map(|i| (i.item_code.clone(), i.points))
                    .collect()
            })
            .unwrap_or_default();
        let item_facts = items
            .get(&row.id)
            .map(|list| {
                list.iter()
                    .map(|i| ItemFacts {
                        title: checklist
                            .item(&i.item_code)
                            .map(|x| x.title.clone())
                            .unwrap_or_default(),
                        self_points: Points(*self_items.get(&i.item_code).unwrap_or(&i.points)),
                        code: i.item_code.clone(),
                        category: i.category_code.clone(),
                        max: Points(i.max),
                        points: Points(i.points),
                        applicable: i.applicable,
                        notes: Vec::new(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let vetoes: Vec<serde_json::Value> = serde_json::from_str(&row.vetoes).unwrap_or_default();
        out.insert(
            row.unit_id,
            Assessed {
                checklist: row.checklist_reference.clone(),
                checklist_title: checklist.title.clone(),
                total: Points(row.total),
                self_total: Points(first(row.submission_id).map_or(row.total, |(_, total)| total)),
                reviewed: row.review_id.is_some(),
                late: facts.late.get(&row.submission_id).copied().unwrap_or(false),
                tier: row.tier_code.clone(),
                grade: row.grade.clone(),
                vetoes: vetoes
                    .iter()
                    .filter_map(|v| v["reason"].as_str().map(str::to_string))
                    .collect(),
                target_tier: row.target_tier.clone(),
                categories: categories
                    .get(&row.id)
                    .map(|list| {
                        list.iter()
                            .map(|c| CategoryFacts {
                                code: c.category_code.clone(),
                                name: c.name.clone(),
                                points: Points(c.points),
                                max: Points(c.applicable_max),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                items: item_facts,
                inputs: inputs.remove(&row.submission_id).unwrap_or_default(),
            },
        );
    }
    Ok((out, tallies))
}

fn order_facts(i: &rectifications::RectificationItem) -> OrderFacts {
    OrderFacts {
        id: i.id,
        unit_code: i.unit.clone(),
        unit_name: i.unit_name.clone(),
        street: i.street.clone(),
        item: i.item.clone(),
        title: i.title.clone(),
        requirement: i.requirement.clone(),
        state: i.state.clone(),
        state_label: i.state_label.clone(),
        due: i.due.clone(),
        days_overdue: i.days_overdue,
        origin_year: i.origin_year,
    }
}

/// Leaders and the bureau read district statistics, a street officer its
/// street's; units do not.
fn require_reader(actor: &Actor) -> ServiceResult<()> {
    match actor.role {
        Role::Admin | Role::Inspector | Role::Leader | Role::Street => Ok(()),
        Role::Unit => Err(ServiceError::Forbidden(
            "区级统计仅供档案局和领导查看".into(),
        )),
    }
}

/// The street a report is of: as asked (blank is the whole district), or
/// a street officer's own street whatever was asked (another is 403).
fn report_street(actor: &Actor, street: Option<&str>) -> ServiceResult<Option<String>> {
    require_reader(actor)?;
    let asked = street.map(str::trim).filter(|s| !s.is_empty());
    actor.confine_street(asked)
}

/// Gathers the district summary of a year (optionally one street), every
/// order with its requirement text.
pub fn district(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    year: i32,
    street: Option<&str>,
) -> ServiceResult<DistrictReport> {
    let street = report_street(actor, street)?;
    every_order(conn, env, year, street.as_deref())
}

/// [`district`] of a street already confined ([`report_street`]).
fn every_order(
    conn: &mut DbConn,
    env: Env<'_>,
    year: i32,
    street: Option<&str>,
) -> ServiceResult<DistrictReport> {
    let report = gather(conn, env, year, street, Orders::Every)?;
    with_requirements(conn, report)
}

/// Gathers what the dashboard reads of the district summary
/// (`DistrictReport::into_dashboard_part` of [`district`]): the orders
/// counted in the store, only the overdue ones it lists read.
pub fn district_dashboard(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    year: i32,
    street: Option<&str>,
) -> ServiceResult<DistrictReport> {
    let street = report_street(actor, street)?;
    gather(conn, env, year, street.as_deref(), Orders::Counted)
}

/// How much of the year's orders a gather reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Orders {
    /// Every order (the workbook's 整改台账, the JSON answer), without
    /// requirement texts.
    Every,
    /// Counted in the store, only the overdue ones the dashboard lists read.
    Counted,
}

/// The district summary with its orders as `orders` says, without their
/// requirement texts. `street` is the report's street as the public entry
/// points confined it for their caller ([`report_street`]: who may read,
/// trimmed, a street officer's own).
fn gather(
    conn: &mut DbConn,
    env: Env<'_>,
    year: i32,
    street: Option<&str>,
    orders: Orders,
) -> ServiceResult<DistrictReport> {
    let roster = unit_infos(conn)?;
    if let Some(s) = street
        && !roster
            .values()
            .any(|(_, info)| info.street.as_deref() == Some(s))
    {
        return Err(ServiceError::NotFound(format!("没有街道“{s}”")));
    }
    let in_scope = |info: &crate::ingest::self_check::UnitInfo| {
        street.is_none_or(|s| info.street.as_deref() == Some(s))
    };

    let campaigns = queries::campaigns::list(conn)?;
    let mut checklists: BTreeMap<String, Arc<Checklist>> = BTreeMap::new();
    let (now_campaign, now_rows) = current_of_year(conn, &campaigns, year)?;
    let (mut now, item_tallies) = assessed_of_year(
        conn,
        env,
        (now_campaign, &now_rows),
        &mut checklists,
        true,
        street,
    )?;
    // Saturating: no campaign is that old, so the year before i32::MIN is as empty.
    let previous_year = year.saturating_sub(1);
    let (last_campaign, last_rows) = current_of_year(conn, &campaigns, previous_year)?;
    let (mut last, _) = assessed_of_year(
        conn,
        env,
        (last_campaign, &last_rows),
        &mut checklists,
        false,
        street,
    )?;

    let today = env.clock.today;
    let (orders, order_counts, open) = match orders {
        Orders::Every => {
            let orders = district_orders(conn, &roster, &campaigns, year, street, today)?;
            let mut open: HashMap<String, (usize, usize)> = HashMap::new();
            for o in &orders {
                if matches!(o.state.as_str(), "open" | "submitted" | "returned") {
                    let entry = open.entry(o.unit_code.clone()).or_default();
                    entry.0 += 1;
                    if o.days_overdue > 0 {
                        entry.1 += 1;
                    }
                }
            }
            (orders, None, open)
        }
        Orders::Counted => {
            let counted = counted_orders(conn, &roster, &campaigns, year, street, today)?;
            (counted.overdue, Some(counted.counts), counted.per_unit)
        }
    };

    let mut ids: Vec<(
        &i64,
        &(
            crate::store::models::UnitRow,
            crate::ingest::self_check::UnitInfo,
        ),
    )> = roster
        .iter()
        .filter(|(_, (_, info))| in_scope(info))
        .collect();
    ids.sort_by(|a, b| a.1.0.code.cmp(&b.1.0.code));
    let units: Vec<UnitFacts> = ids
        .iter()
        .map(|(id, (row, info))| {
            let (open_count, overdue) = open.get(&row.code).copied().unwrap_or_default();
            UnitFacts {
                code: row.code.clone(),
                name: row.name.clone(),
                kind: row.kind.clone(),
                street: info.street.clone(),
                current: now.remove(id),
                previous: last.remove(id),
                open_rectifications: open_count,
                overdue_rectifications: overdue,
            }
        })
        .collect();

    let mut history = Vec::new();
    let mut last_rows = Some(last_rows);
    for campaign in campaigns.iter().filter(|c| c.year < year) {
        // Last year's were read above.
        let rows = match last_rows.take_if(|_| campaign.year == previous_year) {
            Some(rows) => rows,
            None => queries::assessments::current(conn, campaign.id, None)?,
        };
        let results: HashMap<i64, AssessmentRow> =
            rows.into_iter().map(|r| (r.unit_id, r)).collect();
        let per_unit = ids
            .iter()
            .map(|(id, _)| match results.get(id) {
                Some(r) => (r.tier_code.clone(), Some(Points(r.total))),
                None => (None, None),
            })
            .collect();
        history.push((campaign.year, per_unit));
    }

    let mut inputs: Vec<InputDef> = Vec::new();
    for c in checklists.values() {
        for i in &c.inputs {
            if !inputs.iter().any(|d| d.key == i.key) {
                inputs.push(InputDef::new(
                    &i.key,
                    &i.label,
                    i.unit.as_deref(),
                    i.group,
                    i.kind,
                ));
            }
        }
    }
    let group_order = |g: &str| {
        ["人", "财", "物", "其他"]
            .iter()
            .position(|x| *x == g)
            .unwrap_or(4)
    };
    inputs.sort_by_key(|d| group_order(&d.group));

    let mut tier_sources: Vec<&Arc<Checklist>> = checklists.values().collect();
    if tier_sources.is_empty() {
        tier_sources = env.catalog.iter().map(|l| &l.checklist).collect();
    }
    let input = ReportInput {
        year,
        previous_year,
        street: street.map(str::to_string),
        generated_at: env.clock.local_now(),
        tiers: tiers_of(tier_sources.into_iter()),
        units,
        orders,
        order_counts,
        inputs,
        history,
        item_tallies,
    };
    let mut report = model::district(&input);
    let shown: Vec<&str> = report.units.iter().map(|u| u.code.as_str()).collect();
    report.publication = super::publication::note(
        conn,
        env.clock,
        year,
        street.is_some().then_some(shown.as_slice()),
    )?;
    Ok(report)
}

/// A unit's report card for a year.
pub fn unit_card(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    code: &str,
    year: i32,
) -> ServiceResult<UnitCard> {
    let unit = queries::units::find_by_code(conn, code)?
        .ok_or_else(|| ServiceError::not_on_roster(code))?;
    actor.require_read_unit(unit.id)?;
    let campaign = super::campaigns::by_year(conn, year)?;
    let row = queries::assessments::current(conn, campaign.id, Some(unit.id))?
        .pop()
        .ok_or_else(|| ServiceError::NotFound(format!("{} 没有 {year} 年度的自查表", unit.name)))?;
    let (checklist, answers, card) = recompute(conn, env, &row)?;
    let self_total = queries::assessments::self_totals(conn, &[row.submission_id])?
        .first()
        .map_or(row.total, |(_, t)| *t);
    let street = queries::units::street_name(conn, unit.street_id)?.unwrap_or_default();
    let tiers = model::explain(&checklist, &card, &answers);
    let next = card.next_tier().map(|t| {
        (
            t.name.clone(),
            t.shortfalls
                .iter()
                .map(|s| s.describe_zh(&checklist))
                .collect::<Vec<_>>(),
        )
    });
    let orders = rectifications::list(
        conn,
        actor,
        &rectifications::Filter {
            year: Some(year),
            unit: Some(code.to_string()),
            ..Default::default()
        },
        env.clock.today,
    )?
    .iter()
    .map(order_facts)
    .collect();
    let tier_name = |c: Option<&str>| {
        c.and_then(|c| checklist.tier(c))
            .map_or(model::NO_TIER.to_string(), |t| t.name.clone())
    };
    Ok(UnitCard {
        code: unit.code.clone(),
        name: unit.name.clone(),
        kind: unit.kind.clone(),
        street,
        year,
        checklist: checklist.reference(),
        checklist_title: checklist.title.clone(),
        total: card.total,
        self_total: Points(self_total),
        raw: card.raw,
        applicable_max: card.applicable_max,
        reviewed: row.review_id.is_some(),
        tier: tier_name(card.tier.as_ref().map(|t| t.code.as_str())),
        grade: card.grade.clone().unwrap_or_default(),
        target_tier: row
            .target_tier
            .as_deref()
            .map(|t| tier_name(Some(t)))
            .unwrap_or_default(),
        categories: checklist
            .categories
            .iter()
            .zip(&card.categories)
            .map(|(c, s)| CategoryFacts {
                code: c.code.clone(),
                name: c.name.clone(),
                points: s.points,
                max: s.applicable_max,
            })
            .collect(),
        tiers,
        next_tier: next.as_ref().map(|(n, _)| n.clone()),
        next_tier_missing: next.map(|(_, m)| m).unwrap_or_default(),
        vetoes: card.vetoes.iter().map(|v| v.reason.clone()).collect(),
        total_notes: explain::total_lines(&checklist, &card),
        lost_items: checklist
            .items
            .iter()
            .zip(&card.items)
            .filter(|(_, s)| s.lost() > Points::ZERO)
            .map(|(i, s)| ItemFacts {
                code: i.code.clone(),
                title: i.title.clone(),
                category: i.category.clone(),
                max: s.max,
                points: s.points,
                self_points: s.points,
                applicable: s.applicable,
                notes: explain::score_lines(&checklist, s),
            })
            .collect(),
        orders,
        generated_at: env.clock.local_now(),
        publication: super::publication::note(conn, env.clock, year, Some(&[unit.code.as_str()]))?,
    })
}

// ---------------------------------------------------------------------------
// The files people download: the renderers are called here, not in web or cli.

/// Where the cache keeps the district report of `year` (and `street`) now.
fn cache_key(
    conn: &mut DbConn,
    env: Env<'_>,
    year: i32,
    street: Option<&str>,
) -> ServiceResult<ReportKey> {
    Ok(ReportKey {
        year,
        // Already trimmed and confined (`report_street`).
        street: street.map(str::to_string),
        version: super::freshness::data_version(conn)?,
        today: env.clock.today,
    })
}

/// As [`district`] (the JSON answer): every order, so gathered afresh,
/// not kept (the cache keeps the dashboard's part and the workbook).
pub fn district_data(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    year: i32,
    street: Option<&str>,
) -> ServiceResult<DistrictReport> {
    district(conn, env, actor, year, street)
}

/// What the dashboard reads of the district summary (as
/// [`district_dashboard`]), from `cache` while nothing was written since it
/// was gathered (one read of the data version), else gathered and kept.
pub fn district_cached(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    cache: &ReportCache,
    year: i32,
    street: Option<&str>,
) -> ServiceResult<Arc<DistrictReport>> {
    let street = report_street(actor, street)?;
    kept_dashboard(conn, env, cache, year, street.as_deref())
}

/// A district's whole summary as its own dashboard counts it, for the
/// city's summary (whose caller the city has checked, not this district).
pub fn district_for_city(
    conn: &mut DbConn,
    env: Env<'_>,
    cache: &ReportCache,
    year: i32,
) -> ServiceResult<Arc<DistrictReport>> {
    kept_dashboard(conn, env, cache, year, None)
}

/// The dashboard's part of a summary, kept per data version.
fn kept_dashboard(
    conn: &mut DbConn,
    env: Env<'_>,
    cache: &ReportCache,
    year: i32,
    street: Option<&str>,
) -> ServiceResult<Arc<DistrictReport>> {
    // Read before the gather: what is gathered is never older than the key.
    let key = cache_key(conn, env, year, street)?;
    if let Some(report) = cache.report(&key) {
        return Ok(report);
    }
    let report = Arc::new(gather(conn, env, year, street, Orders::Counted)?);
    cache.keep_report(key, report.clone());
    Ok(report)
}

/// A file as the report cache keeps it: every download of the same data
/// version shares these bytes instead of copying them.
pub struct SharedDownload {
    pub file_name: String,
    pub bytes: Arc<Vec<u8>>,
}

/// The district summary workbook (seven sheets) of a year or one street;
/// written once per data version.
pub fn district_workbook(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    cache: &ReportCache,
    year: i32,
    street: Option<&str>,
) -> ServiceResult<SharedDownload> {
    let street = report_street(actor, street)?;
    let street = street.as_deref();
    let key = cache_key(conn, env, year, street)?;
    let bytes = match cache.xlsx(&key) {
        Some(bytes) => bytes,
        None => {
            // Every order (整改台账 lists them), not the dashboard's part.
            let report = every_order(conn, env, year, street)?;
            let bytes = Arc::new(district_xlsx(&report)?);
            cache.keep_xlsx(&key, bytes.clone());
            // The same gather answers the dashboard until the next write.
            if cache.report(&key).is_none() {
                cache.keep_report(key, Arc::new(report.into_dashboard_part()));
            }
            bytes
        }
    };
    let scope = street.unwrap_or("全区");
    Ok(SharedDownload {
        file_name: format!("{year}年度档案年检汇总-{scope}.xlsx"),
        bytes,
    })
}

/// The leadership dashboard of a year (or one street) as one HTML page.
pub fn district_page(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    (html, cache): (&Html, &ReportCache),
    year: i32,
    street: Option<&str>,
) -> ServiceResult<String> {
    let report = district_cached(conn, env, actor, cache, year, street)?;
    Ok(html.dashboard(&report)?)
}

/// A unit's report card as one HTML page.
pub fn unit_card_page(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    html: &Html,
    code: &str,
    year: i32,
) -> ServiceResult<String> {
    let card = unit_card(conn, env, actor, code, year)?;
    Ok(html.unit_card(&card)?)
}

/// How a 整改通知书 is wanted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeFormat {
    Html,
    Xlsx,
}

impl NoticeFormat {
    /// `html` or `xlsx` (the extension); anything else is no such page (404).
    pub fn parse(text: &str) -> ServiceResult<NoticeFormat> {
        match text {
            "html" => Ok(NoticeFormat::Html),
            "xlsx" => Ok(NoticeFormat::Xlsx),
            _ => Err(ServiceError::NotFound(
                "整改通知书格式应为 html 或 xlsx".into(),
            )),
        }
    }
}

/// What `nianjian report` writes besides its summary lines.
#[derive(Clone, Copy, Debug, Default)]
pub struct Wanted<'a> {
    pub xlsx: bool,
    pub html: bool,
    /// A folder whose templates replace the built-in ones.
    pub templates: Option<&'a std::path::Path>,
}

/// The district summary with the files asked for.
pub struct DistrictFiles {
    pub report: DistrictReport,
    pub xlsx: Option<Vec<u8>>,
    pub html: Option<String>,
}

/// The district summary of a year (or a street) and, as wanted, its
/// workbook and dashboard (the command line). A template folder that does
/// not compile is a bad argument.
pub fn district_files(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    year: i32,
    street: Option<&str>,
    wanted: Wanted<'_>,
) -> ServiceResult<DistrictFiles> {
    let report = district(conn, env, actor, year, street)?;
    let xlsx = if wanted.xlsx {
        Some(district_xlsx(&report)?)
    } else {
        None
    };
    let html = if wanted.html {
        let renderer = Html::new(wanted.templates)
            .map_err(|e| ServiceError::BadRequest(format!("报表模板有误：{e}")))?;
        Some(renderer.dashboard(&report)?)
    } else {
        None
    };
    Ok(DistrictFiles { report, xlsx, html })
}
