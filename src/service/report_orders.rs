//! The rectification orders of the district summary: every one, narrowly
//! read, for the workbook's 整改台账 and the JSON answer (their requirement
//! texts added only there), or counted in the store for the dashboard
//! (only the overdue ones it lists read). Apart from `reports` because the
//! two ways of reading them change together and not with the rest of the
//! gather.

use std::collections::{BTreeMap, HashMap};

use crate::reports::model::{self, DistrictReport, OrderFacts};
use crate::store::{DbConn, queries};

use super::ServiceResult;

/// The report with its orders' requirement texts, which the gather leaves
/// out (the dashboard does not print them; reading them was most of the
/// gather) and the workbook and the JSON answer give.
pub(super) fn with_requirements(
    conn: &mut DbConn,
    mut full: DistrictReport,
) -> ServiceResult<DistrictReport> {
    if full.orders.is_empty() {
        return Ok(full);
    }
    if let Some(campaign) = queries::campaigns::find_by_year(conn, full.year)? {
        let mut texts: HashMap<i64, String> =
            queries::rectifications::requirements_in(conn, campaign.id)?
                .into_iter()
                .collect();
        for order in &mut full.orders {
            order.requirement = texts.remove(&order.id).unwrap_or_default();
        }
    }
    Ok(full)
}

pub(super) type Roster = HashMap<
    i64,
    (
        crate::store::models::UnitRow,
        crate::ingest::self_check::UnitInfo,
    ),
>;

/// An order as the district report lists it, its unit's names from the
/// roster, without its requirement text (read only where printed, see
/// `with_requirements`).
fn order_of_row(
    queries::rectifications::ReportOrder {
        id,
        unit_id,
        origin_campaign_id: origin,
        item_code: item,
        title,
        state,
        due,
    }: queries::rectifications::ReportOrder,
    roster: &Roster,
    years: &HashMap<i64, i32>,
    today: chrono::NaiveDate,
) -> OrderFacts {
    use crate::domain::rectification::{self as rules, State};
    let (unit_code, unit_name, unit_street) = roster
        .get(&unit_id)
        .map(|(r, i)| (r.code.as_str(), r.name.as_str(), i.street.as_deref()))
        .unwrap_or_default();
    let state = State::parse(&state).unwrap_or(State::Open);
    OrderFacts {
        id,
        unit_code: unit_code.to_string(),
        unit_name: unit_name.to_string(),
        street: unit_street.map(str::to_string),
        item,
        title,
        requirement: String::new(),
        state: state.as_str().to_string(),
        state_label: state.label_zh().to_string(),
        due: due.to_string(),
        days_overdue: rules::days_overdue(state, due, today),
        origin_year: years.get(&origin).copied().unwrap_or_default(),
    }
}

/// The orders of a year (one street's) as the district report lists them:
/// overdue first, longest overdue first, then by due date. Read narrowly
/// (no defects, reasons or timestamps), with the roster already read.
pub(super) fn district_orders(
    conn: &mut DbConn,
    roster: &Roster,
    campaigns: &[crate::store::models::CampaignRow],
    year: i32,
    street: Option<&str>,
    today: chrono::NaiveDate,
) -> ServiceResult<Vec<OrderFacts>> {
    let Some(campaign) = campaigns.iter().find(|c| c.year == year) else {
        return Ok(Vec::new());
    };
    let years: HashMap<i64, i32> = campaigns.iter().map(|c| (c.id, c.year)).collect();
    let mut orders: Vec<OrderFacts> = Vec::new();
    for row in queries::rectifications::for_report(conn, campaign.id)? {
        let order = order_of_row(row, roster, &years, today);
        if street.is_some_and(|s| order.street.as_deref() != Some(s)) {
            continue;
        }
        orders.push(order);
    }
    // As the rectification list sorts (overdue ones have days overdue).
    orders.sort_by(|a, b| {
        (b.days_overdue > 0)
            .cmp(&(a.days_overdue > 0))
            .then(b.days_overdue.cmp(&a.days_overdue))
            .then(a.due.cmp(&b.due))
            .then(a.id.cmp(&b.id))
    });
    Ok(orders)
}

/// What the dashboard needs of a year's orders (one street's), without
/// reading each: per unit code its active (open, submitted, returned) and
/// overdue ones, the counts per state (`model::order_counts`), and the
/// overdue orders it lists (`DistrictReport::into_dashboard_part`).
pub(super) struct CountedOrders {
    pub(super) per_unit: HashMap<String, (usize, usize)>,
    pub(super) counts: BTreeMap<String, usize>,
    pub(super) overdue: Vec<OrderFacts>,
}

pub(super) fn counted_orders(
    conn: &mut DbConn,
    roster: &Roster,
    campaigns: &[crate::store::models::CampaignRow],
    year: i32,
    street: Option<&str>,
    today: chrono::NaiveDate,
) -> ServiceResult<CountedOrders> {
    use crate::domain::rectification::{self as rules, State};
    let Some(campaign) = campaigns.iter().find(|c| c.year == year) else {
        return Ok(CountedOrders {
            per_unit: HashMap::new(),
            counts: model::order_counts([]),
            overdue: Vec::new(),
        });
    };
    let mut per_unit: HashMap<String, (usize, usize)> = HashMap::new();
    let mut groups: Vec<(State, bool, usize)> = Vec::new();
    for tally in queries::reports::order_tally(conn, campaign.id)? {
        let (code, unit_street) = roster
            .get(&tally.unit_id)
            .map(|(r, i)| (r.code.as_str(), i.street.as_deref()))
            .unwrap_or_default();
        if street.is_some_and(|s| unit_street != Some(s)) {
            continue;
        }
        let state = State::parse(&tally.state).unwrap_or(State::Open);
        let overdue = rules::is_overdue(state, tally.due, today);
        let n = usize::try_from(tally.orders).unwrap_or_default();
        if matches!(state, State::Open | State::Submitted | State::Returned) {
            let entry = per_unit.entry(code.to_string()).or_default();
            entry.0 += n;
            if overdue {
                entry.1 += n;
            }
        }
        groups.push((state, overdue, n));
    }
    let counts = model::order_counts(groups.iter().map(|(s, o, n)| (s.as_str(), *o, *n)));
    // The states that can be overdue (`rules::is_overdue`); a street's page
    // lists all of its own, the district's the first few.
    let late: Vec<&str> = State::ALL
        .iter()
        .filter(|s| rules::is_overdue(**s, today.pred_opt().unwrap_or(today), today))
        .map(|s| s.as_str())
        .collect();
    let limit = street.is_none().then_some(model::DASHBOARD_OVERDUE as i64);
    let years: HashMap<i64, i32> = campaigns.iter().map(|c| (c.id, c.year)).collect();
    let overdue = queries::reports::overdue_orders(conn, campaign.id, &late, today, street, limit)?
        .into_iter()
        .map(|row| order_of_row(row, roster, &years, today))
        .collect();
    Ok(CountedOrders {
        per_unit,
        counts,
        overdue,
    })
}
