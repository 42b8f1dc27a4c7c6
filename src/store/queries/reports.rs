//! Narrow reads for the district report: per-item figures summed in the
//! database, so that a district's item rows (some 50 a unit) are not
//! carried out one by one; the year's orders counted, not read, for the
//! dashboard.

use chrono::NaiveDate;
use diesel::dsl::{count_star, min, sum};
use diesel::prelude::*;

use super::rectifications::ReportOrder;
use crate::store::schema::{assessment_items, rectifications, streets, units};
use crate::store::{Backend, DbConn, StoreResult};

/// One item summed over a set of assessments: the applicable rows, and of
/// them those that lost points (`points < max`) with their maxima and
/// points summed (lost = `max_sum - points_sum`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ItemSum {
    pub item_code: String,
    pub category_code: String,
    pub max: i32,
    pub applicable: i64,
    pub losing: i64,
    pub losing_max_sum: i64,
    pub losing_points_sum: i64,
}

/// Per item code, summed over the applicable items of `assessment_ids`;
/// codes in no applicable row are absent. Chunks keep the IN list under
/// SQLite's variable limit; a code's sums over chunks add up.
pub fn item_sums(conn: &mut DbConn, assessment_ids: &[i64]) -> StoreResult<Vec<ItemSum>> {
    let mut sums: std::collections::BTreeMap<String, ItemSum> = Default::default();
    for chunk in assessment_ids.chunks(500) {
        let applicable = assessment_items::table
            .filter(assessment_items::assessment_id.eq_any(chunk))
            .filter(assessment_items::applicable.eq(true))
            .group_by(assessment_items::item_code)
            .select((
                assessment_items::item_code,
                min(assessment_items::category_code),
                min(assessment_items::max),
                count_star(),
            ))
            .load::<(String, Option<String>, Option<i32>, i64)>(conn)?;
        for (code, category, max, count) in applicable {
            let entry = sums.entry(code.clone()).or_insert_with(|| ItemSum {
                item_code: code,
                category_code: category.unwrap_or_default(),
                max: max.unwrap_or_default(),
                ..ItemSum::default()
            });
            entry.applicable += count;
        }
        let losing = assessment_items::table
            .filter(assessment_items::assessment_id.eq_any(chunk))
            .filter(assessment_items::applicable.eq(true))
            .filter(assessment_items::points.lt(assessment_items::max))
            .group_by(assessment_items::item_code)
            .select((
                assessment_items::item_code,
                count_star(),
                sum(assessment_items::max),
                sum(assessment_items::points),
            ))
            .load::<(String, i64, Option<i64>, Option<i64>)>(conn)?;
        for (code, count, max_sum, points_sum) in losing {
            // Every losing row is applicable, so the first query has it.
            if let Some(entry) = sums.get_mut(&code) {
                entry.losing += count;
                entry.losing_max_sum += max_sum.unwrap_or_default();
                entry.losing_points_sum += points_sum.unwrap_or_default();
            }
        }
    }
    Ok(sums.into_values().collect())
}

/// A campaign's orders of one unit in one state with one due date, and how
/// many: the due date stays so that the caller judges "overdue" by the
/// domain's rule, and a unit's orders mostly share a few due dates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderTally {
    pub unit_id: i64,
    pub state: String,
    pub due: NaiveDate,
    pub orders: i64,
}

/// The orders of `campaign_id` counted per unit, state and due date (one
/// `GROUP BY`; the dashboard's counts without reading each order).
pub fn order_tally(conn: &mut DbConn, campaign_id: i64) -> StoreResult<Vec<OrderTally>> {
    let rows = rectifications::table
        .filter(rectifications::campaign_id.eq(campaign_id))
        .group_by((
            rectifications::unit_id,
            rectifications::state,
            rectifications::due,
        ))
        .select((
            rectifications::unit_id,
            rectifications::state,
            rectifications::due,
            count_star(),
        ))
        .load::<(i64, String, NaiveDate, i64)>(conn)?;
    Ok(rows
        .into_iter()
        .map(|(unit_id, state, due, orders)| OrderTally {
            unit_id,
            state,
            due,
            orders,
        })
        .collect())
}

/// The orders of `campaign_id` in `states` due before `today` (overdue,
/// when `states` are those that can be), of the units of `street` when
/// given, longest overdue first (earliest due, then unit code, then id),
/// at most `limit` when given.
pub fn overdue_orders(
    conn: &mut DbConn,
    campaign_id: i64,
    states: &[&str],
    today: NaiveDate,
    street: Option<&str>,
    limit: Option<i64>,
) -> StoreResult<Vec<ReportOrder>> {
    let mut query = rectifications::table
        .inner_join(units::table.left_join(streets::table))
        .filter(rectifications::campaign_id.eq(campaign_id))
        .filter(rectifications::state.eq_any(states.iter().map(|s| s.to_string())))
        .filter(rectifications::due.lt(today))
        .order((
            rectifications::due.asc(),
            units::code.asc(),
            rectifications::id.asc(),
        ))
        .select(ReportOrder::as_select())
        .into_boxed::<Backend>();
    if let Some(name) = street {
        query = query.filter(streets::name.eq(name.to_string()));
    }
    if let Some(n) = limit {
        query = query.limit(n);
    }
    Ok(query.load(conn)?)
}
