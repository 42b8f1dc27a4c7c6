//! 提醒: an account's reminders, worked out from where its work stands
//! ([`crate::domain::reminders`]) — a unit's own upload and orders, a street
//! officer's units' uploads, the district's uploads and the answers waiting
//! for the bureau — and the bell's count of those that arose since the
//! account last looked.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::domain::reminders::{self, CampaignFact, Facts, OrderFacts, Reminder};
use crate::store::{DbConn, queries};

use super::{Actor, Clock, Env, Role, ServiceError, ServiceResult, accounts};

/// An account's reminders (`GET /api/v1/reminders`).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RemindersView {
    /// How many arose since the account last looked (the bell's count).
    pub unread: usize,
    /// When it last looked, as people read it.
    pub seen_at: Option<String>,
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<ReminderView>,
    /// Where the account's daily digest goes (每日提醒摘要), if anywhere.
    pub email: Option<String>,
}

/// A reminder with where to go about it.
#[derive(Clone, Debug, Serialize)]
pub struct ReminderView {
    #[serde(flatten)]
    pub reminder: Reminder,
    /// Arose after the account last looked.
    pub unread: bool,
    /// The page to act on it.
    pub link: &'static str,
}

fn link(role: Role, kind: reminders::Kind) -> &'static str {
    use reminders::Kind::*;
    match (role, kind) {
        (Role::Unit, OrderRaised | OrderDueSoon | OrderOverdue) => "/unit/rectifications",
        (Role::Unit, _) => "/unit",
        (Role::Street, _) => "/street",
        (Role::Admin | Role::Inspector, EvidenceSubmitted | OrderOverdue) => {
            "/inspect/rectifications"
        }
        (Role::Admin | Role::Inspector, _) => "/inspect",
        (Role::Leader, _) => "/dashboard",
    }
}

/// The facts behind the account's reminders.
fn facts(conn: &mut DbConn, clock: Clock, actor: &Actor) -> ServiceResult<Facts> {
    let local = |at: NaiveDateTime| clock.zone.date_of(at);
    // The units whose uploads and orders the account answers for; None:
    // the whole roster.
    let units: Option<Vec<i64>> = match actor.role {
        Role::Unit => Some(actor.unit_id.into_iter().collect()),
        Role::Street => Some(
            actor
                .street
                .as_ref()
                .map(|s| s.units.clone())
                .unwrap_or_default(),
        ),
        Role::Admin | Role::Inspector => None,
        Role::Leader => Some(Vec::new()),
    };
    let roster = match &units {
        Some(ids) => ids.len() as i64,
        None => queries::reminders::roster_size(conn)?,
    };
    let mut campaigns = Vec::new();
    for c in queries::campaigns::list(conn)? {
        // Uploads are counted only when a deadline is near enough to tell of
        // (the bell is worked out on every page).
        let near = c
            .deadline
            .is_some_and(|d| (0..=7).contains(&(d - clock.today).num_days()));
        let uploaded = if near && !c.closed {
            queries::reminders::units_uploaded(conn, c.id, units.as_deref())?
        } else {
            roster
        };
        // A closed campaign's reminders are not told (domain::reminders).
        let returned_on = match (actor.role, actor.unit_id) {
            (Role::Unit, Some(unit)) if !c.closed => {
                match queries::submissions::current(conn, unit, c.id)? {
                    Some(s) => queries::first_checks::latest_of(conn, &[s.id])?
                        .into_iter()
                        .next()
                        .filter(|f| f.decision == "returned")
                        .map(|f| local(f.checked_at)),
                    None => None,
                }
            }
            _ => None,
        };
        campaigns.push(CampaignFact {
            year: c.year,
            opened: local(c.created_at),
            deadline: c.deadline,
            closed: c.closed,
            missing_uploads: (roster - uploaded).max(0) as u32,
            returned_on,
        });
    }
    let mut orders = OrderFacts::default();
    if actor.role == Role::Unit {
        for (raised, due) in
            queries::reminders::active_orders(conn, units.as_deref().unwrap_or(&[]))?
        {
            orders.raised.push(local(raised));
            orders.due.push(due);
        }
    }
    if actor.role.is_bureau() {
        let (count, newest) = queries::reminders::submitted_orders(conn)?;
        orders.submitted = newest.map(|at| (count as u32, local(at)));
    }
    Ok(Facts {
        for_unit: actor.role == Role::Unit,
        campaigns,
        orders,
    })
}

/// The account's reminders on the clock's day, newest first (also what
/// the daily digest picks from).
pub fn of(conn: &mut DbConn, clock: Clock, actor: &Actor) -> ServiceResult<Vec<Reminder>> {
    Ok(reminders::reminders(
        &facts(conn, clock, actor)?,
        clock.today,
    ))
}

/// The account's reminders today, newest first, with its digest's address.
pub fn list(conn: &mut DbConn, env: Env<'_>, actor: &Actor) -> ServiceResult<RemindersView> {
    let mut view = worked_out(conn, env, actor)?;
    if let Some(id) = actor.user_id {
        view.email = queries::users::get(conn, id)?.email;
    }
    Ok(view)
}

fn worked_out(conn: &mut DbConn, env: Env<'_>, actor: &Actor) -> ServiceResult<RemindersView> {
    let all = of(conn, env.clock, actor)?;
    let seen = match actor.user_id {
        Some(id) => queries::reminders::seen_at(conn, id)?,
        None => None,
    };
    let seen_day = seen.map(|at| env.clock.zone.date_of(at));
    let unread = reminders::unread(&all, seen_day);
    Ok(RemindersView {
        unread,
        seen_at: seen.map(|at| env.clock.zone.show(at)),
        items: all
            .into_iter()
            .map(|r| ReminderView {
                unread: seen_day.is_none_or(|s| r.arose > s),
                link: link(actor.role, r.kind),
                reminder: r,
            })
            .collect(),
        email: None,
    })
}

/// The bell's count; a failure to work it out shows no count rather than
/// no page.
pub fn unread(conn: &mut DbConn, env: Env<'_>, actor: &Actor) -> usize {
    worked_out(conn, env, actor).map_or(0, |v| v.unread)
}

/// The account sets where its own daily digest goes; blank stops it.
pub fn set_email(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    email: &str,
) -> ServiceResult<RemindersView> {
    let id = actor
        .user_id
        .ok_or_else(|| ServiceError::BadRequest("只有登录的账号可以设置提醒邮箱".into()))?;
    let change = accounts::AccountChange {
        email: Some(email.to_string()),
        ..Default::default()
    };
    accounts::update_user(conn, actor, id, &change, None, env.clock)?;
    list(conn, env, actor)
}

/// The account has looked: the bell counts from today on.
pub fn mark_seen(conn: &mut DbConn, env: Env<'_>, actor: &Actor) -> ServiceResult<RemindersView> {
    if let Some(id) = actor.user_id {
        queries::reminders::mark_seen(conn, id, env.clock.now)?;
    }
    list(conn, env, actor)
}
