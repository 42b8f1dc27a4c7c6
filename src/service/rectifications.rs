//! Rectification (整改) from order to closure: orders moved along their
//! lifecycle by the unit and the bureau — every step with actor, time and
//! note — their due dates, and the lists that show them.
//!
//! Orders are generated from every stored assessment, kept in step when it
//! is re-scored and carried into the next year while still open by
//! [`super::recording`], as the pure core's plan decides
//! ([`rules::plan`]). A re-check (复查) while verifying is a review
//! ([`reviews::apply`]), recorded like any other.

use std::collections::HashMap;

use super::listing::{PageRequest, Paged, Search};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::Points;
use crate::domain::rectification::{self as rules, Action, Party, State, TransitionError};
use crate::store::models::RectificationRow;
use crate::store::queries::lists::{OrderQuery, OrderSlice};
use crate::store::{DbConn, queries, write};

use super::assessments::unit_infos_of;
use super::audit::{self, Entity};
use super::recording::{campaign_years, event, state_of};
use super::reviews::{self, ReviewKind, ReviewRequest};
use super::{Actor, Clock, Env, Role, ServiceError, ServiceResult};

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

/// How to narrow a list.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct Filter {
    #[param(required = true)]
    pub year: Option<i32>,
    /// A unit's code.
    pub unit: Option<String>,
    pub street: Option<String>,
    /// open | submitted | verified | returned | waived
    #[param(schema_with = state_schema)]
    pub state: Option<String>,
    /// Only overdue (true) or only not overdue (false).
    pub overdue: Option<bool>,
    /// A checklist category code.
    pub category: Option<String>,
    /// item | veto | gap
    #[param(schema_with = kind_schema)]
    pub kind: Option<String>,
    /// Words that must all appear in the unit's name or code, the item's
    /// code or the order's title.
    pub q: Option<String>,
}

/// A string that is one of `values`.
fn one_of(values: impl IntoIterator<Item = &'static str>) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(values))
        .build()
}

fn state_schema() -> utoipa::openapi::Object {
    one_of(State::ALL.map(State::as_str))
}

pub fn kind_schema() -> utoipa::openapi::Object {
    one_of(rules::FindingKind::ALL.map(rules::FindingKind::as_str))
}

fn action_schema() -> utoipa::openapi::Object {
    one_of(Action::ALL.map(Action::as_str))
}

/// The orders a filter selects, before its state and overdue conditions
/// (checked: year given, state and kind known, the unit readable); none
/// when the year has no campaign.
fn scope(conn: &mut DbConn, actor: &Actor, filter: &Filter) -> ServiceResult<Option<OrderQuery>> {
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
    if let Some(k) = &filter.kind
        && rules::FindingKind::parse(k).is_none()
    {
        return Err(ServiceError::BadRequest(format!(
            "kind 应为 item、veto 或 gap，实际为 {k}"
        )));
    }
    let unit_id = match (&filter.unit, actor.role) {
        (Some(code), _) => {
            let unit = queries::units::find_by_code(conn, code)?
                .ok_or_else(|| ServiceError::not_on_roster(code))?;
            actor.require_read_unit(unit.id)?;
            Some(unit.id)
        }
        (None, Role::Unit) => Some(actor.unit_id.unwrap_or(-1)),
        (None, Role::Street | Role::Admin | Role::Inspector | Role::Leader) => None,
    };
    // A street officer's list is its street's, whatever was asked.
    let street = actor.confine_street(filter.street.as_deref())?;
    Ok(
        queries::campaigns::find_by_year(conn, year)?.map(|c| OrderQuery {
            campaign_id: c.id,
            unit_id,
            street,
            category: filter.category.clone(),
            kind: filter.kind.clone(),
            words: Search::new(filter.q.as_deref()).words().to_vec(),
        }),
    )
}

/// The two runs of a list in its order: the overdue orders first (most
/// days overdue first, that is earliest due), then the others by due date;
/// ties by id. Each run is one index walk (campaign, due, id).
fn slices(filter: &Filter, today: NaiveDate) -> Vec<OrderSlice> {
    // The states an order can be overdue in, as the rules say.
    let overdue_states: Vec<String> = State::ALL
        .into_iter()
        .filter(|s| rules::is_overdue(*s, today - chrono::Days::new(1), today))
        .map(|s| s.as_str().to_string())
        .collect();
    [true, false]
        .into_iter()
        .filter(|overdue| filter.overdue.is_none_or(|o| o == *overdue))
        .map(|overdue| OrderSlice {
            states: filter.state.clone().map(|s| vec![s]),
            overdue_states: overdue_states.clone(),
            today,
            overdue,
        })
        .collect()
}

/// Items for rows, with their units and years read for these rows only.
fn items(
    conn: &mut DbConn,
    rows: &[RectificationRow],
    today: NaiveDate,
) -> ServiceResult<Vec<RectificationItem>> {
    let years = campaign_years(conn)?;
    let mut ids: Vec<i64> = rows.iter().map(|r| r.unit_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let units = unit_infos_of(conn, &ids)?;
    Ok(rows
        .iter()
        .map(|r| item_view(r, &years, &units, today))
        .collect())
}

/// Orders tracked in a year, filtered; overdue first, then by due date.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &Filter,
    today: NaiveDate,
) -> ServiceResult<Vec<RectificationItem>> {
    let Some(query) = scope(conn, actor, filter)? else {
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    for slice in slices(filter, today) {
        rows.extend(queries::lists::order_rows(conn, &query, &slice, None)?);
    }
    items(conn, &rows, today)
}

/// Counts by state and overdue of (state, due date, count) groups.
fn count_groups(groups: &[(String, NaiveDate, i64)], today: NaiveDate) -> Counts {
    let mut c = Counts::default();
    for (state, due, n) in groups {
        let n = usize::try_from(*n).unwrap_or_default();
        let state = State::parse(state).unwrap_or(State::Open);
        c.total += n;
        match state {
            State::Open => c.open += n,
            State::Submitted => c.submitted += n,
            State::Verified => c.verified += n,
            State::Returned => c.returned += n,
            State::Waived => c.waived += n,
        }
        if rules::is_overdue(state, *due, today) {
            c.overdue += n;
        }
    }
    c
}

/// How many orders of the groups fall in a slice.
fn count_slice(groups: &[(String, NaiveDate, i64)], slice: &OrderSlice) -> i64 {
    groups
        .iter()
        .filter(|(state, _, _)| slice.states.as_ref().is_none_or(|s| s.contains(state)))
        .filter(|(state, due, _)| {
            let state = State::parse(state).unwrap_or(State::Open);
            rules::is_overdue(state, *due, slice.today) == slice.overdue
        })
        .map(|(_, _, n)| n)
        .sum()
}

/// A page of the orders `filter` selects, in [`list`]'s order, and the
/// counts by state (which ignore the filter's state and overdue). One
/// GROUP BY (state, due date) gives the counts and the size of each run;
/// the page is cut from the runs it falls in, whole rows of it only.
pub fn page_with_counts(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &Filter,
    today: NaiveDate,
    paging: PageRequest,
) -> ServiceResult<(Counts, Paged<RectificationItem>)> {
    let Some(query) = scope(conn, actor, filter)? else {
        return Ok((Counts::default(), paging.cut(Vec::new())));
    };
    let groups = queries::lists::order_groups(conn, &query)?;
    let counts = count_groups(&groups, today);
    let mut skip = paging.offset();
    let mut wanted = i64::from(paging.per_page);
    let mut total = 0;
    let mut rows = Vec::new();
    for slice in slices(filter, today) {
        let size = count_slice(&groups, &slice);
        total += size;
        if wanted > 0 && skip < size {
            let got = queries::lists::order_rows(conn, &query, &slice, Some((skip, wanted)))?;
            wanted -= got.len() as i64;
            rows.extend(got);
        }
        skip = (skip - size).max(0);
    }
    let page = paging.of(items(conn, &rows, today)?, total);
    Ok((counts, page))
}

/// A page of [`list`] (the list API and the board).
pub fn page(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &Filter,
    today: NaiveDate,
    paging: PageRequest,
) -> ServiceResult<Paged<RectificationItem>> {
    Ok(page_with_counts(conn, actor, filter, today, paging)?.1)
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
    let Some(query) = scope(conn, actor, filter)? else {
        return Ok(Counts::default());
    };
    Ok(count_groups(
        &queries::lists::order_groups(conn, &query)?,
        today,
    ))
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub at: String,
    pub actor: String,
    pub action: String,
    /// The action in Chinese (下达整改, 提交整改情况, …).
    pub action_label: String,
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
    let units = unit_infos_of(conn, &[row.unit_id])?;
    let evidence = queries::rectifications::evidence(conn, id)?;
    let events = queries::rectifications::events(conn, id)?
        .into_iter()
        .map(|e| EventView {
            at: format!("{}Z", e.at.format("%Y-%m-%dT%H:%M:%S")),
            actor: e.actor,
            action_label: rules::event_label_zh(&e.action).to_string(),
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
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// submit | verify | return | waive
    #[schema(schema_with = action_schema)]
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
        // 街道档案员 follows its units' orders; the unit and the bureau act on them.
        Role::Street if actor.acts_for_unit(row.unit_id) => Party::Reader,
        Role::Street => {
            return Err(ServiceError::Forbidden(
                "只能查看本街道单位的整改事项".into(),
            ));
        }
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
            let digest = super::sha256(&file.bytes);
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
            points: Some(serde_json::json!(points)),
            reason: reason.to_string(),
            ..reviews::ItemOverride::default()
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
