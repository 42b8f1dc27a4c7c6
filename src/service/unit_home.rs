//! A unit archivist's home (本单位): this year's task — the checklist by
//! its title, what each tier asks for, the deadline, the last upload with
//! its score — then the orders waiting for an answer and past years.

use chrono::NaiveDate;
use serde::Serialize;

use crate::reports::explain::{TierNeeds, tier_requirements};
use crate::store::DbConn;

use super::assessments::{self, HistoryEntry};
use super::evidence::{self, EvidenceBoard};
use super::rectifications::{self, Filter, RectificationItem};
use super::roster::{self, UnitView};
use super::{Actor, Env, ServiceResult, campaigns, checklists};

/// An open year's task.
#[derive(Clone, Debug, Serialize)]
pub struct YearTask {
    pub year: i32,
    /// `id@version`
    pub checklist: String,
    pub checklist_title: String,
    /// YYYY-MM-DD
    pub deadline: Option<String>,
    /// Days until the deadline (negative: past it).
    pub days_left: Option<i64>,
    pub tiers: Vec<TierNeeds>,
    /// The upload that counts this year, if any.
    pub current: Option<HistoryEntry>,
    /// 佐证材料: the items to attach to and what is attached.
    pub evidence: EvidenceBoard,
    /// The street officer's first check (初审) of the current upload.
    pub first_check: Option<super::first_checks::FirstCheckView>,
}

/// The home page's facts.
#[derive(Clone, Debug, Serialize)]
pub struct UnitHome {
    pub unit: UnitView,
    pub tasks: Vec<YearTask>,
    /// Orders waiting for the unit's answer (待整改, 已退回), every year,
    /// most urgent first.
    pub to_answer: Vec<RectificationItem>,
    /// Of those, past their due date.
    pub overdue: usize,
    /// Answered, waiting for the bureau.
    pub waiting: usize,
    pub history: Vec<HistoryEntry>,
}

fn days_until(deadline: Option<&str>, today: NaiveDate) -> Option<i64> {
    let date = NaiveDate::parse_from_str(deadline?, "%Y-%m-%d").ok()?;
    Some((date - today).num_days())
}

/// Every order of the unit that is still active, over every year it has.
pub fn active_orders(
    conn: &mut DbConn,
    actor: &Actor,
    years: impl IntoIterator<Item = i32>,
    today: NaiveDate,
) -> ServiceResult<Vec<RectificationItem>> {
    let mut all = Vec::new();
    for year in years {
        let filter = Filter {
            year: Some(year),
            ..Filter::default()
        };
        all.extend(
            rectifications::list(conn, actor, &filter, today)?
                .into_iter()
                .filter(|o| matches!(o.state.as_str(), "open" | "returned" | "submitted")),
        );
    }
    all.sort_by(|a, b| {
        b.overdue
            .cmp(&a.overdue)
            .then(a.due.cmp(&b.due))
            .then(a.id.cmp(&b.id))
    });
    Ok(all)
}

/// The signed-in unit's home.
pub fn home(conn: &mut DbConn, env: Env<'_>, actor: &Actor) -> ServiceResult<UnitHome> {
    let unit = roster::own(conn, actor)?;
    let history = assessments::history(conn, actor, &unit.code)?;
    let mut tasks = Vec::new();
    for campaign in campaigns::list(conn)?.into_iter().filter(|c| !c.closed) {
        let Some(mapping) = campaign
            .checklists
            .iter()
            .find(|k| k.unit_kind == unit.kind)
        else {
            continue;
        };
        let checklist = checklists::get(conn, env.catalog, &mapping.checklist)?;
        let current = history
            .iter()
            .find(|h| h.year == campaign.year && h.current)
            .cloned();
        let first_check = match &current {
            Some(c) => super::first_checks::of(conn, env, c.submission_id)?,
            None => None,
        };
        tasks.push(YearTask {
            year: campaign.year,
            checklist: mapping.checklist.clone(),
            checklist_title: checklist.title.clone(),
            days_left: days_until(campaign.deadline.as_deref(), env.clock.today),
            deadline: campaign.deadline.clone(),
            tiers: tier_requirements(&checklist),
            current,
            evidence: evidence::board(conn, env, actor, &unit.code, campaign.year)?,
            first_check,
        });
    }
    let mut years: Vec<i32> = history.iter().map(|h| h.year).collect();
    years.sort_unstable();
    years.dedup();
    let orders = active_orders(conn, actor, years, env.clock.today)?;
    let (to_answer, waiting): (Vec<_>, Vec<_>) =
        orders.into_iter().partition(|o| o.state != "submitted");
    Ok(UnitHome {
        overdue: to_answer.iter().filter(|o| o.overdue).count(),
        waiting: waiting.len(),
        to_answer,
        unit,
        tasks,
        history,
    })
}

/// A unit's orders: without a year, every active one (as home counts
/// them); with a year, all of that year's.
#[derive(Clone, Debug, Serialize)]
pub struct UnitOrders {
    pub year: Option<i32>,
    /// Years with orders to look back on, newest first.
    pub years: Vec<i32>,
    pub items: Vec<RectificationItem>,
}

pub fn orders(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    year: Option<i32>,
) -> ServiceResult<UnitOrders> {
    let unit = roster::own(conn, actor)?;
    let mut years: Vec<i32> = assessments::history(conn, actor, &unit.code)?
        .iter()
        .map(|h| h.year)
        .collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    let items = match year {
        None => active_orders(conn, actor, years.iter().copied(), env.clock.today)?,
        Some(year) => {
            let filter = Filter {
                year: Some(year),
                ..Filter::default()
            };
            rectifications::list(conn, actor, &filter, env.clock.today)?
        }
    };
    Ok(UnitOrders { year, years, items })
}
