//! Recording an assessment: a scorecard — an upload's self-assessment or a
//! review's recomputation — stored beside its submission, and the unit's
//! rectification orders brought in step, inside the caller's transaction.
//!
//! What happens to the orders is decided by the pure core
//! ([`rules::plan`]); this module reads the orders, asks, and writes each
//! step. Uploads and reviews record through here, and rectifications
//! writes its events with the same helper; this module imports none of them.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::domain::rectification::{
    self as rules, Basis, Finding, OrderSnapshot, PlanContext, State, Step, Tally,
};
use crate::domain::{Checklist, Scorecard};
use crate::ingest::checklists::Catalog;
use crate::store::models::{
    AssessmentCategoryRow, AssessmentItemRow, CampaignRow, NewAssessment, NewRectification,
    NewRectificationEvent, RectificationRow, SubmissionRow,
};
use crate::store::queries::bulk::{OrderChange, OrderRefresh};
use crate::store::{DbConn, queries};

use super::audit::{self, Entity};
use super::{Actor, Clock, Env, Role, ServiceResult};

/// Stores `card` as an assessment of `submission` (a review's when
/// `review_id` is given) and brings the unit's orders in step with it.
/// In a published year a change of the unit's result is logged as a
/// correction of the publication (by `actor`). Returns the new
/// assessment's id.
#[allow(clippy::too_many_arguments)]
pub fn record(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    submission: &SubmissionRow,
    year: i32,
    checklist: &Checklist,
    card: &Scorecard,
    review_id: Option<i64>,
) -> ServiceResult<i64> {
    let assessment_id = store_assessment(
        conn,
        submission,
        year,
        checklist,
        card,
        review_id,
        env.clock.now,
    )?;
    super::publication::after_recording(
        conn,
        env,
        actor,
        submission.unit_id,
        submission.campaign_id,
        year,
        assessment_id,
    )?;
    sync(conn, env, submission, assessment_id, checklist, card)?;
    Ok(assessment_id)
}

/// Stores a scorecard as an assessment of a submission.
fn store_assessment(
    conn: &mut DbConn,
    submission: &SubmissionRow,
    year: i32,
    checklist: &Checklist,
    card: &Scorecard,
    review_id: Option<i64>,
    now: NaiveDateTime,
) -> ServiceResult<i64> {
    let parts = AssessmentParts::of(submission, checklist, card);
    Ok(queries::assessments::insert(
        conn,
        &parts.row(submission, year, card, review_id, now),
        &parts.items,
        &parts.categories,
    )?)
}

/// An assessment's rows as stored, its id not yet known (0).
pub(super) struct AssessmentParts {
    reference: String,
    gaps: String,
    pub items: Vec<AssessmentItemRow>,
    pub categories: Vec<AssessmentCategoryRow>,
}

impl AssessmentParts {
    pub(super) fn of(submission: &SubmissionRow, checklist: &Checklist, card: &Scorecard) -> Self {
        // Stored for the pages, so in Chinese (`score --json` keeps the contract's text).
        let gaps: Vec<String> = submission
            .target_tier
            .as_deref()
            .map(|t| {
                card.gaps(t)
                    .iter()
                    .map(|g| g.describe_zh(checklist))
                    .collect()
            })
            .unwrap_or_default();
        let items = card
            .items
            .iter()
            .enumerate()
            .map(|(position, i)| AssessmentItemRow {
                assessment_id: 0,
                position: position as i32,
                item_code: i.code.clone(),
                category_code: i.category.clone(),
                max: i.max.hundredths(),
                points: i.points.hundredths(),
                applicable: i.applicable,
                item_kind: json_word(&i.kind),
                group_code: i.group.clone(),
                pending: i.pending,
                detail: item_detail(i),
            })
            .collect();
        let categories = card
            .categories
            .iter()
            .enumerate()
            .map(|(position, c)| AssessmentCategoryRow {
                assessment_id: 0,
                position: position as i32,
                category_code: c.code.clone(),
                name: checklist
                    .category(&c.code)
                    .map(|x| x.name.clone())
                    .unwrap_or_default(),
                points: c.points.hundredths(),
                applicable_max: c.applicable_max.hundredths(),
            })
            .collect();
        AssessmentParts {
            reference: checklist.reference(),
            gaps: json(&gaps),
            items,
            categories,
        }
    }

    /// The assessment's own row.
    pub(super) fn row<'a>(
        &'a self,
        submission: &'a SubmissionRow,
        year: i32,
        card: &'a Scorecard,
        review_id: Option<i64>,
        now: NaiveDateTime,
    ) -> NewAssessment<'a> {
        NewAssessment {
            submission_id: submission.id,
            review_id,
            unit_id: submission.unit_id,
            campaign_id: submission.campaign_id,
            year,
            checklist_reference: &self.reference,
            raw: card.raw.hundredths(),
            applicable_max: card.applicable_max.hundredths(),
            total: card.total.hundredths(),
            tier_code: card.tier.as_ref().map(|t| t.code.as_str()),
            tier_name: card.tier.as_ref().map(|t| t.name.as_str()),
            grade: card.grade.as_deref(),
            vetoes: json(&card.vetoes),
            target_tier: submission.target_tier.as_deref(),
            gaps: self.gaps.clone(),
            created_at: now,
            bonus: card.bonus.hundredths(),
            penalty: card.penalty.hundredths(),
            provisional: card.provisional,
            pending: json(&card.pending),
        }
    }
}

/// A serde enum's word (`"bonus"`), as stored.
fn json_word<T: Serialize>(value: &T) -> String {
    json(value).trim_matches('"').to_string()
}

/// What a deduct or level item's row keeps besides its points.
fn item_detail(item: &crate::domain::scoring::ItemScore) -> Option<String> {
    if !item.deductions.is_empty() {
        Some(json(&item.deductions))
    } else {
        item.level
            .as_ref()
            .map(|l| json(&serde_json::json!({ "level": l })))
    }
}

/// The defects an order names, as stored (none: NULL).
pub(super) fn defects_json(f: &Finding) -> Option<String> {
    (!f.defects.is_empty()).then(|| json(&f.defects))
}

/// The defects a stored order names.
pub(super) fn defects_of(row: &RectificationRow) -> Vec<crate::domain::rectification::Defect> {
    row.defects
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_default()
}

/// JSON text of a small value; plain structs and strings always serialise.
fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

/// The name automatic steps are recorded under.
const SYSTEM: &str = "系统";

/// An order's state as stored (an unknown text reads as open).
pub(super) fn state_of(row: &RectificationRow) -> State {
    State::parse(&row.state).unwrap_or(State::Open)
}

/// Writes one event of an order: by `actor`, or by the system when `None`.
#[allow(clippy::too_many_arguments)]
pub(super) fn event(
    conn: &mut DbConn,
    row_id: i64,
    clock: Clock,
    actor: Option<&Actor>,
    action: &str,
    from: Option<State>,
    to: State,
    note: &str,
) -> ServiceResult<i64> {
    Ok(queries::rectifications::insert_event(
        conn,
        &new_event(row_id, clock.now, actor, action, from, to, note),
    )?)
}

/// An event of an order (from → to) as stored, without totals: by
/// `actor`, or by the system when `None`.
fn new_event<'a>(
    row_id: i64,
    at: NaiveDateTime,
    actor: Option<&'a Actor>,
    action: &'a str,
    from: Option<State>,
    to: State,
    note: &'a str,
) -> NewRectificationEvent<'a> {
    NewRectificationEvent {
        rectification_id: row_id,
        at,
        user_id: actor.and_then(|a| a.user_id),
        actor: actor.map_or(SYSTEM, |a| a.name.as_str()),
        action,
        from_state: from.map(State::as_str),
        to_state: to.as_str(),
        note,
        before_total: None,
        after_total: None,
        before_tier: None,
        after_tier: None,
    }
}

/// Every campaign's year, by id.
pub(super) fn campaign_years(conn: &mut DbConn) -> ServiceResult<HashMap<i64, i32>> {
    Ok(queries::campaigns::list(conn)?
        .into_iter()
        .map(|c| (c.id, c.year))
        .collect())
}

/// Where the steps of one assessment are written.
pub(super) struct Target {
    pub unit_id: i64,
    pub campaign_id: i64,
    pub assessment_id: i64,
    pub clock: Clock,
}

/// The account automatic steps are logged under.
pub(super) fn system() -> Actor {
    Actor {
        user_id: None,
        name: SYSTEM.into(),
        role: Role::Admin,
        unit_id: None,
        street: None,
    }
}

/// Brings a unit's orders in step with a newly stored assessment: every
/// order of the unit read once, the plan asked, its steps written, and
/// what was done counted in the audit log.
fn sync(
    conn: &mut DbConn,
    env: Env<'_>,
    submission: &SubmissionRow,
    assessment_id: i64,
    checklist: &Checklist,
    card: &Scorecard,
) -> ServiceResult<()> {
    let campaign = queries::campaigns::get(conn, submission.campaign_id)?;
    let rows = queries::rectifications::of_unit_with_basis(conn, submission.unit_id)?;
    let years = campaign_years(conn)?;
    let mut closed = HashSet::new();
    for (row, ..) in &rows {
        // Only this year's closed orders may be reopened.
        if row.campaign_id == campaign.id
            && !state_of(row).is_active()
            && queries::rectifications::closed_automatically(conn, row.id)?
        {
            closed.insert(row.id);
        }
    }
    let known = Known {
        catalog: env.catalog,
        years: &years,
        closed: &closed,
    };
    let steps = plan_orders(
        &known, &rows, &campaign, submission, checklist, card, env.clock,
    );
    let target = Target {
        unit_id: submission.unit_id,
        campaign_id: campaign.id,
        assessment_id,
        clock: env.clock,
    };
    write_steps(conn, &target, &steps, false, &mut OrderWrites::default())?;
    if let Some(detail) = sync_note(&steps, assessment_id) {
        audit::record(
            conn,
            &system(),
            env.clock,
            "rectification.sync",
            Entity::Unit(submission.unit_id),
            detail,
        )?;
    }
    Ok(())
}

/// What the plan of a unit's orders needs besides the orders: the
/// checklists, every campaign's year, and which of this year's closed
/// orders were closed by the system.
pub(super) struct Known<'a> {
    pub catalog: &'a Catalog,
    pub years: &'a HashMap<i64, i32>,
    pub closed: &'a HashSet<i64>,
}

/// The plan for a unit's orders (`rows`, oldest first) after a new assessment.
pub(super) fn plan_orders(
    known: &Known<'_>,
    rows: &[(RectificationRow, String, Option<String>)],
    campaign: &CampaignRow,
    submission: &SubmissionRow,
    checklist: &Checklist,
    card: &Scorecard,
    clock: Clock,
) -> Vec<Step> {
    let orders = snapshots(known, rows, checklist, campaign.id);
    let new = Basis {
        checklist,
        target_tier: submission.target_tier.as_deref(),
    };
    let context = PlanContext {
        campaign_id: campaign.id,
        year: campaign.year,
        today: clock.today,
        campaign_rectify_days: campaign.rectify_days,
    };
    rules::plan(&orders, new, card, &context)
}

/// The audit detail of a sync that did something.
pub(super) fn sync_note(steps: &[Step], assessment_id: i64) -> Option<String> {
    let Tally {
        created,
        refreshed,
        carried,
        closed,
    } = Tally::of(steps);
    (created + refreshed + carried + closed > 0).then(|| {
        format!(
            "考核结果 {assessment_id}：新增 {created}，更新 {refreshed}，转入 {carried}，自动销号 {closed}"
        )
    })
}

/// The unit's orders (oldest first) as the plan sees them. An order of the
/// assessment's own checklist reads it as given; others are looked up in
/// the catalog.
fn snapshots<'a>(
    known: &Known<'a>,
    rows: &'a [(RectificationRow, String, Option<String>)],
    checklist: &'a Checklist,
    campaign_id: i64,
) -> Vec<OrderSnapshot<'a>> {
    let reference = checklist.reference();
    let mut orders = Vec::with_capacity(rows.len());
    for (row, row_reference, target_tier) in rows {
        let state = state_of(row);
        let closed_automatically =
            row.campaign_id == campaign_id && !state.is_active() && known.closed.contains(&row.id);
        let basis = if *row_reference == reference {
            Some(checklist)
        } else {
            known.catalog.get(row_reference).map(|c| &**c)
        };
        orders.push(OrderSnapshot {
            id: row.id,
            campaign_id: row.campaign_id,
            year: known
                .years
                .get(&row.campaign_id)
                .copied()
                .unwrap_or_default(),
            origin_campaign_id: row.origin_campaign_id,
            finding_key: row.finding_key.clone(),
            state,
            title: row.title.clone(),
            points_lost: crate::domain::Points(row.points_lost),
            defects: defects_of(row),
            closed_automatically,
            basis: basis.map(|checklist| Basis {
                checklist,
                target_tier: target_tier.as_deref(),
            }),
        });
    }
    orders
}

/// Changes to existing orders and their events, gathered so that a group
/// of files writes them in two statements (`queries::bulk::update_orders`,
/// then the events) rather than two per order.
#[derive(Default)]
pub(super) struct OrderWrites<'a> {
    changes: Vec<OrderChange<'a>>,
    /// (order, at, action, from, to, note).
    events: Vec<(i64, NaiveDateTime, &'static str, State, State, String)>,
}

impl<'a> OrderWrites<'a> {
    /// Writes what was gathered: the orders' rows first, then their events,
    /// in the order the steps came.
    pub(super) fn flush(&mut self, conn: &mut DbConn) -> ServiceResult<()> {
        queries::bulk::update_orders(conn, &self.changes)?;
        let events: Vec<NewRectificationEvent<'_>> = self
            .events
            .iter()
            .map(|(order, at, action, from, to, note)| {
                new_event(*order, *at, None, action, Some(*from), *to, note)
            })
            .collect();
        queries::bulk::insert_events(conn, &events)?;
        self.changes.clear();
        self.events.clear();
        Ok(())
    }
}

/// Gathers the plan's steps on existing orders into `writes`, in order.
/// New orders are created here, with what was gathered before them
/// written first, unless `defer_raises` leaves them to the caller
/// ([`create_all_of`], for many assessments at once; the caller then
/// flushes `writes` before it creates them).
pub(super) fn write_steps<'a>(
    conn: &mut DbConn,
    at: &Target,
    steps: &'a [Step],
    defer_raises: bool,
    writes: &mut OrderWrites<'a>,
) -> ServiceResult<()> {
    let now = at.clock.now;
    let refresh = |f: &'a Finding| OrderRefresh {
        campaign_id: at.campaign_id,
        assessment_id: at.assessment_id,
        title: &f.title,
        requirement: &f.requirement,
        points_lost: f.points_lost.hundredths(),
        defects: defects_json(f),
    };
    let mut raised: Vec<&Step> = Vec::new();
    for step in steps {
        match step {
            Step::Leave { .. } => continue,
            Step::Raise { .. } => {
                if !defer_raises {
                    raised.push(step);
                }
                continue;
            }
            _ if !raised.is_empty() => {
                writes.flush(conn)?;
                create_all_of(conn, &[(at, std::mem::take(&mut raised))])?;
            }
            _ => {}
        }
        let note = step.note().unwrap_or_default();
        // The order's own row first, then its event (from → to).
        let (change, from, to) = match step {
            Step::Refresh { order, finding } => {
                writes.changes.push(OrderChange {
                    id: *order,
                    refresh: Some(refresh(finding)),
                    due: None,
                    state: None,
                    updated_at: now,
                });
                continue;
            }
            Step::Reopen {
                order,
                from,
                finding,
                due,
            } => (
                OrderChange {
                    id: *order,
                    refresh: Some(refresh(finding)),
                    due: Some(*due),
                    state: Some((State::Open.as_str(), None)),
                    updated_at: now,
                },
                *from,
                State::Open,
            ),
            Step::Carry {
                order,
                state,
                finding,
                ..
            } => (
                OrderChange {
                    id: *order,
                    refresh: Some(refresh(finding)),
                    due: None,
                    state: None,
                    updated_at: now,
                },
                *state,
                *state,
            ),
            Step::AutoClose { order, from, .. } => (
                OrderChange {
                    id: *order,
                    refresh: None,
                    due: None,
                    state: Some((State::Verified.as_str(), Some(note.clone()))),
                    updated_at: now,
                },
                *from,
                State::Verified,
            ),
            Step::Raise { .. } | Step::Leave { .. } => continue,
        };
        let action = step.action().unwrap_or_default();
        writes
            .events
            .push((change.id, at.clock.now, action, from, to, note));
        writes.changes.push(change);
    }
    if !defer_raises {
        writes.flush(conn)?;
        create_all_of(conn, &[(at, raised)])?;
    }
    Ok(())
}

/// New orders of one or many assessments, all in two statements (the
/// orders, then their events): a bulk import creates thousands.
pub(super) fn create_all_of(
    conn: &mut DbConn,
    raised: &[(&Target, Vec<&Step>)],
) -> ServiceResult<()> {
    let new: Vec<(&Target, &Finding, NaiveDate, Option<i64>, &Step)> = raised
        .iter()
        .flat_map(|(at, steps)| {
            steps.iter().filter_map(move |step| match step {
                Step::Raise {
                    finding,
                    due,
                    previous,
                } => Some((*at, finding, *due, *previous, *step)),
                _ => None,
            })
        })
        .collect();
    if new.is_empty() {
        return Ok(());
    }
    let rows: Vec<NewRectification<'_>> = new
        .iter()
        .map(|(at, f, due, previous, _)| NewRectification {
            unit_id: at.unit_id,
            origin_campaign_id: at.campaign_id,
            campaign_id: at.campaign_id,
            assessment_id: at.assessment_id,
            kind: f.kind.as_str(),
            finding_key: &f.key,
            item_code: f.item_code.as_deref(),
            category_code: f.category.as_deref(),
            title: &f.title,
            requirement: &f.requirement,
            points_lost: f.points_lost.hundredths(),
            state: State::Open.as_str(),
            due: *due,
            due_set_by_hand: false,
            previous_id: *previous,
            created_at: at.clock.now,
            updated_at: at.clock.now,
            defects: defects_json(f),
        })
        .collect();
    let ids = queries::bulk::insert_orders(conn, &rows)?;
    let index: HashMap<(i64, &str), (&Target, &Step)> = new
        .iter()
        .map(|(at, f, .., step)| ((at.unit_id, f.key.as_str()), (*at, *step)))
        .collect();
    let notes: Vec<(i64, &Target, String)> = ids
        .iter()
        .filter_map(|(id, unit, key)| {
            let (at, step) = index.get(&(*unit, key.as_str()))?;
            Some((*id, *at, step.note().unwrap_or_default()))
        })
        .collect();
    let events: Vec<NewRectificationEvent<'_>> = notes
        .iter()
        .map(|(id, at, note)| new_event(*id, at.clock.now, None, "create", None, State::Open, note))
        .collect();
    queries::bulk::insert_events(conn, &events)?;
    Ok(())
}
