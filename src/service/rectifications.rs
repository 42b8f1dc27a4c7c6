//! Rectification (整改) from order to closure: orders generated from every
//! stored assessment, kept in step when it is re-scored, carried into the
//! next year while still open, and moved along their lifecycle by the unit
//! and the bureau — every step with actor, time and note.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::rectification::{self as rules, Action, Finding, Party, State, TransitionError};
use crate::domain::{Checklist, Points, Scorecard};
use crate::store::models::{NewRectification, NewRectificationEvent, RectificationRow};
use crate::store::{DbConn, queries, write};

use super::assessments::unit_infos;
use super::audit::{self, Entity};
use super::reviews::{self, ReviewKind, ReviewRequest};
use super::{Actor, Clock, Env, Role, ServiceError, ServiceResult};

/// The name automatic steps are recorded under.
const SYSTEM: &str = "系统";

fn state_of(row: &RectificationRow) -> State {
    State::parse(&row.state).unwrap_or(State::Open)
}

#[allow(clippy::too_many_arguments)]
fn event(
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
        &NewRectificationEvent {
            rectification_id: row_id,
            at: clock.now,
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
        },
    )?)
}

/// The days a campaign gives for rectification.
fn rectify_days(campaign_days: Option<i32>, checklist: &Checklist) -> u32 {
    campaign_days
        .and_then(|d| u32::try_from(d).ok())
        .unwrap_or(checklist.rectify_days)
}

/// Brings a unit's orders in step with a newly stored assessment (inside
/// the caller's transaction): new shortfalls are ordered, orders whose item
/// now earns full marks close themselves, orders still open from earlier
/// years are carried into this one. What an inspector decided by hand
/// (verified, waived) is never reopened in place.
///
/// Orders of other years are touched only where they mean the same thing
/// under this assessment's checklist ([`rules::same_meaning`]); the others
/// stay as they are in their own year, for an inspector to decide.
///
/// Nothing is ordered twice: a key has at most one active order in a year,
/// and a shortfall already followed in a later year — ordered in this year
/// and carried on, or ordered there first when the years were stored out of
/// order — is not ordered again when this year is re-scored.
pub fn sync(
    conn: &mut DbConn,
    env: Env<'_>,
    assessment_id: i64,
    checklist: &Checklist,
    card: &Scorecard,
    target_tier: Option<&str>,
) -> ServiceResult<()> {
    let clock = env.clock;
    let assessment = queries::assessments::get(conn, assessment_id)?;
    let campaign = queries::campaigns::get(conn, assessment.campaign_id)?;
    let findings = rules::findings(checklist, card, target_tier);
    let due = rules::due_date(clock.today, rectify_days(campaign.rectify_days, checklist));
    let years = campaign_years(conn)?;
    let year_of = |campaign_id: i64| years.get(&campaign_id).copied().unwrap_or_default();
    let reference = checklist.reference();
    let new = rules::Basis {
        checklist,
        target_tier,
    };
    // Whether an order of another year means here what it meant there.
    let same_meaning = |row: &Other| -> bool {
        let old = if row.reference == reference {
            Some(checklist)
        } else {
            env.catalog.get(&row.reference).map(|c| &**c)
        };
        old.is_some_and(|old| {
            rules::same_meaning(
                &row.row.finding_key,
                rules::Basis {
                    checklist: old,
                    target_tier: row.target_tier.as_deref(),
                },
                new,
            )
        })
    };
    let mut handled: BTreeSet<String> = BTreeSet::new();
    let (mut created, mut refreshed, mut closed, mut carried) = (0, 0, 0, 0);

    // Every order of the unit, read once: this year's, earlier and later ones.
    let mut this_year: Vec<RectificationRow> = Vec::new();
    let (mut earlier, mut later): (Vec<Other>, Vec<Other>) = (Vec::new(), Vec::new());
    for (row, reference, target_tier) in
        queries::rectifications::of_unit_with_basis(conn, assessment.unit_id)?
    {
        let year = year_of(row.campaign_id);
        let other = Other {
            row,
            reference,
            target_tier,
        };
        if other.row.campaign_id == campaign.id {
            this_year.push(other.row);
        } else if year < campaign.year {
            earlier.push(other);
        } else {
            later.push(other);
        }
    }
    // This year's order for each key: the active one, else the newest.
    let mut existing: HashMap<String, RectificationRow> = HashMap::new();
    for row in this_year {
        let keep = existing
            .get(&row.finding_key)
            .is_some_and(|kept| state_of(kept).is_active() && !state_of(&row).is_active());
        if !keep {
            existing.insert(row.finding_key.clone(), row);
        }
    }
    let active_here = |key: &str| existing.get(key).is_some_and(|r| state_of(r).is_active());
    // A shortfall followed in a later year already: ordered in this year and
    // carried on, or ordered there (whatever became of it since).
    let followed_later = |key: &str| {
        later.iter().any(|o| {
            o.row.finding_key == key && (o.row.origin_campaign_id == campaign.id || same_meaning(o))
        })
    };

    // Orders still open from earlier years that mean the same here: carried
    // in, or closed. One per key, and none where this year has one already.
    for other in earlier.iter().filter(|o| state_of(&o.row).is_active()) {
        let row = &other.row;
        if handled.contains(&row.finding_key) || active_here(&row.finding_key) {
            continue;
        }
        if !same_meaning(other) {
            continue;
        }
        match findings.iter().find(|f| f.key == row.finding_key) {
            Some(f) => {
                queries::rectifications::refresh(
                    conn,
                    row.id,
                    campaign.id,
                    assessment_id,
                    &f.title,
                    &f.requirement,
                    f.points_lost.tenths(),
                    None,
                    clock.now,
                )?;
                let note = format!(
                    "{} 年度考核中仍未达到要求，转入 {} 年度继续整改",
                    year_of(row.campaign_id),
                    campaign.year
                );
                event(
                    conn,
                    row.id,
                    clock,
                    None,
                    "carry",
                    Some(state_of(row)),
                    state_of(row),
                    &note,
                )?;
                handled.insert(f.key.clone());
                carried += 1;
            }
            None => {
                let note = format!("{} 年度考核中该项已达到要求，自动销号", campaign.year);
                queries::rectifications::set_state(
                    conn,
                    row.id,
                    State::Verified.as_str(),
                    Some(&note),
                    clock.now,
                )?;
                event(
                    conn,
                    row.id,
                    clock,
                    None,
                    "auto_close",
                    Some(state_of(row)),
                    State::Verified,
                    &note,
                )?;
                closed += 1;
            }
        }
    }

    let mut new: Vec<(&Finding, Option<i64>)> = Vec::new();
    for f in &findings {
        if handled.contains(&f.key) {
            continue;
        }
        match existing.get(&f.key) {
            Some(row) if state_of(row).is_active() => {
                if row.points_lost != f.points_lost.tenths() || row.title != f.title {
                    queries::rectifications::refresh(
                        conn,
                        row.id,
                        campaign.id,
                        assessment_id,
                        &f.title,
                        &f.requirement,
                        f.points_lost.tenths(),
                        None,
                        clock.now,
                    )?;
                    refreshed += 1;
                }
            }
            // Followed in a later year: that order answers it.
            _ if followed_later(&f.key) => {}
            // Closed by the system when the item was full; short again: reopen.
            Some(row) if queries::rectifications::closed_automatically(conn, row.id)? => {
                queries::rectifications::set_state(
                    conn,
                    row.id,
                    State::Open.as_str(),
                    None,
                    clock.now,
                )?;
                queries::rectifications::refresh(
                    conn,
                    row.id,
                    campaign.id,
                    assessment_id,
                    &f.title,
                    &f.requirement,
                    f.points_lost.tenths(),
                    Some(due),
                    clock.now,
                )?;
                event(
                    conn,
                    row.id,
                    clock,
                    None,
                    "reopen",
                    Some(state_of(row)),
                    State::Open,
                    "重新评分后该项再次未达到要求，重新打开",
                )?;
                refreshed += 1;
            }
            // Verified or waived by hand this year: the inspector's decision stands.
            Some(_) => {}
            None => {
                // A closed order of an earlier year for the same thing: linked.
                let previous = earlier
                    .iter()
                    .rev()
                    .find(|o| o.row.finding_key == f.key && same_meaning(o))
                    .map(|o| o.row.id);
                new.push((f, previous));
            }
        }
    }

    created += new.len();
    create_all(conn, clock, &assessment, &new, due)?;

    // Active orders of this year whose shortfall is gone, in id order.
    let mut rows: Vec<&RectificationRow> = existing.values().collect();
    rows.sort_by_key(|r| r.id);
    for row in rows {
        if state_of(row).is_active() && !findings.iter().any(|f| f.key == row.finding_key) {
            let note = "重新评分后该项已达到要求，自动销号";
            queries::rectifications::set_state(
                conn,
                row.id,
                State::Verified.as_str(),
                Some(note),
                clock.now,
            )?;
            event(
                conn,
                row.id,
                clock,
                None,
                "auto_close",
                Some(state_of(row)),
                State::Verified,
                note,
            )?;
            closed += 1;
        }
    }

    if created + refreshed + closed + carried > 0 {
        audit::record(
            conn,
            &Actor {
                user_id: None,
                name: SYSTEM.into(),
                role: Role::Admin,
                unit_id: None,
            },
            clock,
            "rectification.sync",
            Entity::Unit(assessment.unit_id),
            format!(
                "考核结果 {assessment_id}：新增 {created}，更新 {refreshed}，转入 {carried}，自动销号 {closed}"
            ),
        )?;
    }
    Ok(())
}

/// An order of another year, with what it was last assessed against.
struct Other {
    row: RectificationRow,
    /// Its assessment's checklist, `id@version`.
    reference: String,
    /// The tier that assessment applied for.
    target_tier: Option<String>,
}

/// Orders new shortfalls, all in two statements (the orders, then their
/// "ordered" events): a bulk import creates thousands.
fn create_all(
    conn: &mut DbConn,
    clock: Clock,
    assessment: &crate::store::models::AssessmentRow,
    new: &[(&Finding, Option<i64>)],
    due: NaiveDate,
) -> ServiceResult<()> {
    if new.is_empty() {
        return Ok(());
    }
    let rows: Vec<NewRectification<'_>> = new
        .iter()
        .map(|(f, previous)| NewRectification {
            unit_id: assessment.unit_id,
            origin_campaign_id: assessment.campaign_id,
            campaign_id: assessment.campaign_id,
            assessment_id: assessment.id,
            kind: f.kind.as_str(),
            finding_key: &f.key,
            item_code: f.item_code.as_deref(),
            category_code: f.category.as_deref(),
            title: &f.title,
            requirement: &f.requirement,
            points_lost: f.points_lost.tenths(),
            state: State::Open.as_str(),
            due,
            due_set_by_hand: false,
            previous_id: *previous,
            created_at: clock.now,
            updated_at: clock.now,
        })
        .collect();
    let ids = queries::rectifications::insert_all(conn, &rows)?;
    let notes: Vec<(i64, String)> = ids
        .into_iter()
        .map(|(id, key)| {
            let previous = new.iter().find(|(f, _)| f.key == key).and_then(|(_, p)| *p);
            let note = match previous {
                Some(p) => format!("已验收的整改事项（{p}）再次未达到要求，重新下达"),
                None => "根据考核结果下达整改".to_string(),
            };
            (id, note)
        })
        .collect();
    let events: Vec<NewRectificationEvent<'_>> = notes
        .iter()
        .map(|(id, note)| NewRectificationEvent {
            rectification_id: *id,
            at: clock.now,
            user_id: None,
            actor: SYSTEM,
            action: "create",
            from_state: None,
            to_state: State::Open.as_str(),
            note,
            before_total: None,
            after_total: None,
            before_tier: None,
            after_tier: None,
        })
        .collect();
    queries::rectifications::insert_events(conn, &events)?;
    Ok(())
}

/// An order as lists show it (the contract's fields first).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RectificationItem {
    pub id: i64,
    /// The unit's code.
    pub unit: String,
    /// The checklist item's code, or null for a veto or a tier gap.
    pub item: Option<String>,
    /// open | submitted | verified | returned | waived
    pub state: String,
    /// YYYY-MM-DD
    pub due: String,
    pub overdue: bool,
    pub days_overdue: i64,
    pub unit_name: String,
    pub street: Option<String>,
    /// The year it is tracked in now.
    pub year: i32,
    /// The year that ordered it.
    pub origin_year: i32,
    /// item | veto | gap
    pub kind: String,
    pub category: Option<String>,
    pub title: String,
    pub requirement: String,
    #[schema(value_type = f64)]
    pub points_lost: Points,
    pub state_label: String,
    pub previous_id: Option<i64>,
    pub closed_reason: Option<String>,
}

fn item_view(
    row: &RectificationRow,
    years: &HashMap<i64, i32>,
    units: &HashMap<
        i64,
        (
            crate::store::models::UnitRow,
            crate::ingest::self_check::UnitInfo,
        ),
    >,
    today: NaiveDate,
) -> RectificationItem {
    let state = state_of(row);
    let (code, name, street) = units
        .get(&row.unit_id)
        .map(|(r, i)| (r.code.clone(), r.name.clone(), i.street.clone()))
        .unwrap_or_default();
    RectificationItem {
        id: row.id,
        unit: code,
        item: row.item_code.clone(),
        state: state.as_str().into(),
        due: row.due.to_string(),
        overdue: rules::is_overdue(state, row.due, today),
        days_overdue: rules::days_overdue(state, row.due, today),
        unit_name: name,
        street,
        year: years.get(&row.campaign_id).copied().unwrap_or_default(),
        origin_year: years
            .get(&row.origin_campaign_id)
            .copied()
            .unwrap_or_default(),
        kind: row.kind.clone(),
        category: row.category_code.clone(),
        title: row.title.clone(),
        requirement: row.requirement.clone(),
        points_lost: Points(row.points_lost),
        state_label: state.label_zh().into(),
        previous_id: row.previous_id,
        closed_reason: row.closed_reason.clone(),
    }
}

fn campaign_years(conn: &mut DbConn) -> ServiceResult<HashMap<i64, i32>> {
    Ok(queries::campaigns::list(conn)?
        .into_iter()
        .map(|c| (c.id, c.year))
        .collect())
}

/// How to narrow a list.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct Filter {
    pub year: Option<i32>,
    /// A unit's code.
    pub unit: Option<String>,
    pub street: Option<String>,
    /// open | submitted | verified | returned | waived
    pub state: Option<String>,
    /// Only overdue (true) or only not overdue (false).
    pub overdue: Option<bool>,
    /// A checklist category code.
    pub category: Option<String>,
    /// item | veto | gap
    pub kind: Option<String>,
}

/// Orders tracked in a year, filtered; overdue first, then by due date.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &Filter,
    today: NaiveDate,
) -> ServiceResult<Vec<RectificationItem>> {
    let year = filter
        .year
        .ok_or_else(|| ServiceError::BadRequest("请指定年度 year".into()))?;
    if let Some(s) = &filter.state
        && State::parse(s).is_none()
    {
        return Err(ServiceError::BadRequest(format!(
            "state 应为 open、submitted、verified、returned 或 waived，实际为 {s}"
        )));
    }
    let unit_id = match (&filter.unit, actor.role) {
        (Some(code), _) => {
            let unit = queries::units::find_by_code(conn, code)?
                .ok_or_else(|| ServiceError::NotFound(format!("名册中没有单位代码 {code}")))?;
            actor.require_read_unit(unit.id)?;
            Some(unit.id)
        }
        (None, Role::Unit) => Some(actor.unit_id.unwrap_or(-1)),
        (None, _) => None,
    };
    let Some(campaign) = queries::campaigns::find_by_year(conn, year)? else {
        return Ok(Vec::new());
    };
    let years = campaign_years(conn)?;
    let units = unit_infos(conn)?;
    let mut items: Vec<RectificationItem> =
        queries::rectifications::in_campaign(conn, campaign.id, unit_id)?
            .iter()
            .map(|r| item_view(r, &years, &units, today))
            .filter(|i| {
                filter
                    .street
                    .as_ref()
                    .is_none_or(|s| i.street.as_ref() == Some(s))
            })
            .filter(|i| filter.state.as_ref().is_none_or(|s| &i.state == s))
            .filter(|i| filter.overdue.is_none_or(|o| i.overdue == o))
            .filter(|i| {
                filter
                    .category
                    .as_ref()
                    .is_none_or(|c| i.category.as_ref() == Some(c))
            })
            .filter(|i| filter.kind.as_ref().is_none_or(|k| &i.kind == k))
            .collect();
    items.sort_by(|a, b| {
        b.overdue
            .cmp(&a.overdue)
            .then(b.days_overdue.cmp(&a.days_overdue))
            .then(a.due.cmp(&b.due))
            .then(a.id.cmp(&b.id))
    });
    Ok(items)
}

/// Counts by state (and overdue) for a year, optionally one street or unit.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Counts {
    pub total: usize,
    pub open: usize,
    pub submitted: usize,
    pub verified: usize,
    pub returned: usize,
    pub waived: usize,
    pub overdue: usize,
}

pub fn counts(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &Filter,
    today: NaiveDate,
) -> ServiceResult<Counts> {
    let items = list(
        conn,
        actor,
        &Filter {
            state: None,
            overdue: None,
            ..filter.clone()
        },
        today,
    )?;
    let mut c = Counts {
        total: items.len(),
        ..Counts::default()
    };
    for i in &items {
        match i.state.as_str() {
            "open" => c.open += 1,
            "submitted" => c.submitted += 1,
            "verified" => c.verified += 1,
            "returned" => c.returned += 1,
            _ => c.waived += 1,
        }
        if i.overdue {
            c.overdue += 1;
        }
    }
    Ok(c)
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub note: String,
    #[schema(value_type = Option<f64>)]
    pub before_total: Option<Points>,
    #[schema(value_type = Option<f64>)]
    pub after_total: Option<Points>,
    pub before_tier: Option<String>,
    pub after_tier: Option<String>,
    pub evidence: Vec<EvidenceView>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct EvidenceView {
    pub id: i64,
    pub file_name: String,
    pub sha256: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RectificationDetail {
    #[serde(flatten)]
    pub item: RectificationItem,
    pub events: Vec<EventView>,
}

pub fn detail(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    today: NaiveDate,
) -> ServiceResult<RectificationDetail> {
    let row = queries::rectifications::get(conn, id)
        .map_err(|_| ServiceError::NotFound(format!("整改事项 {id} 不存在")))?;
    actor.require_read_unit(row.unit_id)?;
    let years = campaign_years(conn)?;
    let units = unit_infos(conn)?;
    let evidence = queries::rectifications::evidence(conn, id)?;
    let events = queries::rectifications::events(conn, id)?
        .into_iter()
        .map(|e| EventView {
            at: format!("{}Z", e.at.format("%Y-%m-%dT%H:%M:%S")),
            actor: e.actor,
            action: e.action,
            from_state: e.from_state,
            to_state: e.to_state,
            note: e.note,
            before_total: e.before_total.map(Points),
            after_total: e.after_total.map(Points),
            before_tier: e.before_tier,
            after_tier: e.after_tier,
            evidence: evidence
                .iter()
                .filter(|x| x.event_id == e.id)
                .map(|x| EvidenceView {
                    id: x.id,
                    file_name: x.file_name.clone(),
                    sha256: x.file_sha256.clone(),
                })
                .collect(),
        })
        .collect();
    Ok(RectificationDetail {
        item: item_view(&row, &years, &units, today),
        events,
    })
}

/// `POST /rectifications/{id}/actions`.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct ActionRequest {
    /// submit | verify | return | waive
    pub action: String,
    #[serde(default)]
    pub note: String,
    /// With verify: the inspector's re-check points (复查) for the checklist
    /// item; the unit's assessment and tier are recomputed.
    pub recheck_points: Option<f64>,
}

/// A file a unit attaches to its answer.
pub struct Evidence {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

fn party(actor: &Actor, row: &RectificationRow) -> ServiceResult<Party> {
    Ok(match actor.role {
        Role::Admin | Role::Inspector => Party::Bureau,
        Role::Leader => Party::Reader,
        Role::Unit if actor.unit_id == Some(row.unit_id) => Party::Unit,
        Role::Unit => return Err(ServiceError::Forbidden("只能处理本单位的整改事项".into())),
    })
}

/// Reads an order for a change, with its unit's row locked until the
/// transaction ends (PostgreSQL; SQLite's one writer already serialises),
/// so that two steps on one order run one after the other and the second
/// sees what the first did.
fn locked(conn: &mut DbConn, id: i64) -> ServiceResult<RectificationRow> {
    let not_found = || ServiceError::NotFound(format!("整改事项 {id} 不存在"));
    let row = queries::rectifications::get(conn, id).map_err(|_| not_found())?;
    queries::units::lock(conn, row.unit_id)?;
    queries::rectifications::get(conn, id).map_err(|_| not_found())
}

/// Moves an order along its lifecycle.
pub fn act(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    id: i64,
    request: &ActionRequest,
    evidence: Vec<Evidence>,
) -> ServiceResult<RectificationDetail> {
    let clock = env.clock;
    let action = Action::parse(&request.action).ok_or_else(|| {
        ServiceError::BadRequest(format!(
            "action 应为 submit、verify、return 或 waive，实际为 {}",
            request.action
        ))
    })?;
    if request.recheck_points.is_some() && action != Action::Verify {
        return Err(ServiceError::BadRequest(
            "复查分只能在验收（verify）时给出".into(),
        ));
    }
    write(conn, |conn| {
        let row = locked(conn, id)?;
        let from = state_of(&row);
        let to = rules::transition(from, action, party(actor, &row)?, &request.note).map_err(
            |e| match e {
                TransitionError::NotForParty { .. } => ServiceError::Forbidden(e.to_string()),
                TransitionError::NotInState { .. } => ServiceError::Conflict(e.to_string()),
                TransitionError::NoteRequired { .. } => ServiceError::BadRequest(e.to_string()),
            },
        )?;
        if !evidence.is_empty() && action != Action::Submit {
            return Err(ServiceError::BadRequest(
                "整改佐证材料随“提交整改情况”上传".into(),
            ));
        }
        let closed_reason = match to {
            State::Verified | State::Waived => Some(request.note.trim()).filter(|n| !n.is_empty()),
            _ => None,
        };
        // Under the lock no one else can have moved it; the condition makes
        // sure of it all the same.
        if !queries::rectifications::set_state_from(
            conn,
            id,
            from.as_str(),
            to.as_str(),
            closed_reason,
            clock.now,
        )? {
            return Err(ServiceError::Conflict(format!(
                "整改事项 {id} 已被他人处理，请刷新后重试"
            )));
        }
        let event_id = event(
            conn,
            id,
            clock,
            Some(actor),
            action.as_str(),
            Some(from),
            to,
            request.note.trim(),
        )?;
        for file in &evidence {
            let digest = super::uploads::sha256(&file.bytes);
            queries::submissions::store_file(conn, &digest, &file.bytes, clock.now)?;
            queries::rectifications::insert_evidence(
                conn,
                id,
                event_id,
                &digest,
                &file.file_name,
                clock.now,
            )?;
        }
        if let Some(points) = request.recheck_points {
            recheck(
                conn,
                env,
                actor,
                &row,
                event_id,
                points,
                request.note.trim(),
            )?;
        }
        audit::record(
            conn,
            actor,
            clock,
            &format!("rectification.{}", action.as_str()),
            Entity::Rectification(id),
            format!(
                "{} → {}{}{}",
                from.label_zh(),
                to.label_zh(),
                if request.note.trim().is_empty() {
                    String::new()
                } else {
                    format!("：{}", request.note.trim())
                },
                if evidence.is_empty() {
                    String::new()
                } else {
                    format!("（佐证材料 {} 份）", evidence.len())
                }
            ),
        )?;
        Ok(())
    })?;
    detail(conn, actor, id, clock.today)
}

/// 复查: the inspector's re-check points for the order's checklist item,
/// recorded as a review of the unit's current submission in the order's
/// year; the before and after figures go on the event.
fn recheck(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    row: &RectificationRow,
    event_id: i64,
    points: f64,
    note: &str,
) -> ServiceResult<()> {
    let code = row
        .item_code
        .clone()
        .ok_or_else(|| ServiceError::BadRequest("只有针对考核条目的整改事项可以给复查分".into()))?;
    let submission = queries::submissions::current(conn, row.unit_id, row.campaign_id)?
        .ok_or_else(|| ServiceError::Conflict("该单位本年度没有自查表，无法复查".into()))?;
    let before = queries::assessments::of_submission(conn, submission.id)?
        .pop()
        .ok_or_else(|| ServiceError::Internal("自查表没有考核结果".into()))?;
    let reason = if note.is_empty() {
        "整改验收复查"
    } else {
        note
    };
    let request = ReviewRequest {
        kind: ReviewKind::Recheck,
        note: format!("整改事项 {} 验收复查", row.id),
        items: vec![reviews::ItemOverride {
            code: code.clone(),
            points: serde_json::json!(points),
            reason: reason.to_string(),
        }],
        inputs: Vec::new(),
    };
    let after_id = reviews::apply(conn, env, actor, submission.id, &request, &[])?;
    let after = queries::assessments::get(conn, after_id)?;
    queries::rectifications::set_event_figures(
        conn,
        event_id,
        before.total,
        after.total,
        before.tier_name.as_deref(),
        after.tier_name.as_deref(),
    )?;
    Ok(())
}

/// Sets an order's due date by hand (bureau). A date on a Saturday or
/// Sunday moves to the next Monday, as computed ones do; a closed order
/// (verified, waived) keeps its date (409).
pub fn set_due(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    id: i64,
    due: &str,
    note: &str,
) -> ServiceResult<RectificationDetail> {
    actor.require_bureau()?;
    let asked = NaiveDate::parse_from_str(due.trim(), "%Y-%m-%d")
        .map_err(|_| ServiceError::BadRequest(format!("due 应为 YYYY-MM-DD，实际为“{due}”")))?;
    let due = rules::due_date(asked, 0);
    let clock = env.clock;
    write(conn, |conn| {
        let row = locked(conn, id)?;
        let state = state_of(&row);
        if !state.is_active() {
            return Err(ServiceError::Conflict(format!(
                "整改事项处于“{}”状态，不能再修改整改期限",
                state.label_zh()
            )));
        }
        queries::rectifications::set_due(conn, id, due, true, clock.now)?;
        let text = format!(
            "整改期限由 {} 改为 {due}{}{}",
            row.due,
            if due == asked {
                String::new()
            } else {
                format!("（{asked} 为周末，顺延至下周一）")
            },
            if note.trim().is_empty() {
                String::new()
            } else {
                format!("：{}", note.trim())
            }
        );
        event(
            conn,
            id,
            clock,
            Some(actor),
            "due",
            Some(state),
            state,
            &text,
        )?;
        audit::record(
            conn,
            actor,
            clock,
            "rectification.due",
            Entity::Rectification(id),
            text,
        )
    })?;
    detail(conn, actor, id, clock.today)
}

/// A campaign's rectification period changed: active orders whose due date
/// was not set by hand get the new one, counted from when they were ordered.
pub fn reschedule(
    conn: &mut DbConn,
    clock: Clock,
    campaign_id: i64,
    days: u32,
) -> ServiceResult<usize> {
    let mut changed = 0;
    for row in queries::rectifications::in_campaign(conn, campaign_id, None)? {
        if !state_of(&row).is_active() || row.due_set_by_hand {
            continue;
        }
        let ordered =
            chrono::DateTime::<chrono::Utc>::from_naive_utc_and_offset(row.created_at, chrono::Utc);
        let due = rules::due_date(Clock::at(ordered).today, days);
        if due != row.due {
            queries::rectifications::set_due(conn, row.id, due, false, clock.now)?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// Evidence file bytes, for its order's readers.
pub fn evidence_file(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    evidence_id: i64,
) -> ServiceResult<(String, Vec<u8>)> {
    let row = queries::rectifications::get(conn, id)
        .map_err(|_| ServiceError::NotFound(format!("整改事项 {id} 不存在")))?;
    actor.require_read_unit(row.unit_id)?;
    let evidence = queries::rectifications::evidence_item(conn, evidence_id)
        .ok()
        .filter(|e| e.rectification_id == id)
        .ok_or_else(|| ServiceError::NotFound(format!("佐证材料 {evidence_id} 不存在")))?;
    let bytes = queries::submissions::file_content(conn, &evidence.file_sha256)?;
    Ok((evidence.file_name, bytes))
}
