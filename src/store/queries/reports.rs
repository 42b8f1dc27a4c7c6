//! Narrow reads for the district report: per-item figures summed in the
//! database, so that a district's item rows (some 50 a unit) are not
//! carried out one by one; the year's orders counted, not read, for the
//! dashboard.
//!
//! A year's facts are read as one statement over the campaign's current
//! results (a subselect on `assessments.is_current`), not as IN lists of
//! their ids in chunks of 500: a hundred statements and their round trips
//! per fact at 50,000 units, each planned on its own.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::dsl::{count_star, min, sql};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::rectifications::ReportOrder;
use crate::store::models::AssessmentCategoryRow;
use crate::store::schema::{
    assessment_categories, assessment_items, assessments, rectifications, streets,
    submission_inputs, submissions, units,
};
use crate::store::{Backend, DbConn, StoreResult};

/// The current results of a campaign as a subselect of one of their
/// columns (`$column`; `$c`, the campaign id), with further filters on
/// `assessments` (`$filter`). A macro, not a boxed query: a boxed subselect
/// is a fragment of the multi-backend only, which neither backend will run
/// inside another query.
macro_rules! current_results {
    ($column:expr, $c:expr $(, $filter:expr)*) => {
        assessments::table
            .filter(assessments::campaign_id.eq($c))
            .filter(assessments::is_current)
            $(.filter($filter))*
            .select($column)
    };
}

/// Whose items [`item_sums`] sums: a campaign's current results of one
/// checklist nobody reviewed (their items are the unit's own), of one
/// street's units when given.
#[derive(Clone, Copy, Debug)]
pub struct Unreviewed<'a> {
    pub campaign_id: i64,
    pub checklist: &'a str,
    pub street: Option<&'a str>,
}

/// The category subtotals of a campaign's current results.
pub fn current_categories(
    conn: &mut DbConn,
    campaign_id: i64,
) -> StoreResult<Vec<AssessmentCategoryRow>> {
    Ok(assessment_categories::table
        .filter(
            assessment_categories::assessment_id
                .eq_any(current_results!(assessments::id, campaign_id)),
        )
        .order((
            assessment_categories::assessment_id.asc(),
            assessment_categories::position.asc(),
        ))
        .select(AssessmentCategoryRow::as_select())
        .load(conn)?)
}

/// (submission id, input key, value) of the submissions behind a
/// campaign's current results.
pub fn current_inputs(
    conn: &mut DbConn,
    campaign_id: i64,
) -> StoreResult<Vec<(i64, String, String)>> {
    let current = current_results!(assessments::submission_id, campaign_id);
    Ok(submission_inputs::table
        .filter(submission_inputs::submission_id.eq_any(current))
        .select((
            submission_inputs::submission_id,
            submission_inputs::input_key,
            submission_inputs::value,
        ))
        .load(conn)?)
}

/// A campaign's submission facts the report shows beside each result: per
/// submission its first assessment (the self-assessment) and its total,
/// and whether it came late.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubmissionFacts {
    pub first_assessment: HashMap<i64, (i64, i32)>,
    pub late: HashMap<i64, bool>,
}

impl SubmissionFacts {
    /// Per submission, its self-assessed total (its first assessment's).
    pub fn self_totals(&self) -> HashMap<i64, i32> {
        self.first_assessment
            .iter()
            .map(|(submission, (_, total))| (*submission, *total))
            .collect()
    }
}

/// [`SubmissionFacts`] of every submission of `campaign_id`: two reads of
/// the campaign's rows, whatever their number.
pub fn submission_facts(conn: &mut DbConn, campaign_id: i64) -> StoreResult<SubmissionFacts> {
    let mut facts = SubmissionFacts::default();
    let rows: Vec<(i64, i64, i32)> = assessments::table
        .filter(assessments::campaign_id.eq(campaign_id))
        .order((assessments::submission_id.asc(), assessments::id.asc()))
        .select((
            assessments::submission_id,
            assessments::id,
            assessments::total,
        ))
        .load(conn)?;
    for (submission, id, total) in rows {
        facts
            .first_assessment
            .entry(submission)
            .or_insert((id, total));
    }
    facts.late = submissions::table
        .filter(submissions::campaign_id.eq(campaign_id))
        .select((submissions::id, submissions::late))
        .load::<(i64, bool)>(conn)?
        .into_iter()
        .collect();
    Ok(facts)
}

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

/// Per item code, summed over the applicable items of the results `of`;
/// codes in no applicable row are absent.
pub fn item_sums(conn: &mut DbConn, of: Unreviewed<'_>) -> StoreResult<Vec<ItemSum>> {
    // One pass over the items: the losing rows' figures as conditional
    // sums beside the applicable count.
    macro_rules! sums_over {
        ($ids:expr) => {{
            let losing = "CASE WHEN points < max THEN";
            assessment_items::table
                .filter(assessment_items::assessment_id.eq_any($ids))
                .filter(assessment_items::applicable.eq(true))
                .group_by(assessment_items::item_code)
                .select((
                    assessment_items::item_code,
                    min(assessment_items::category_code),
                    min(assessment_items::max),
                    count_star(),
                    sql::<BigInt>(&format!("COALESCE(SUM({losing} 1 ELSE 0 END), 0)")),
                    sql::<BigInt>(&format!("COALESCE(SUM({losing} max ELSE 0 END), 0)")),
                    sql::<BigInt>(&format!("COALESCE(SUM({losing} points ELSE 0 END), 0)")),
                ))
                .load::<(String, Option<String>, Option<i32>, i64, i64, i64, i64)>(conn)?
        }};
    }
    let unreviewed = assessments::review_id.is_null();
    let checklist = assessments::checklist_reference.eq(of.checklist);
    let rows = match of.street {
        None => sums_over!(current_results!(
            assessments::id,
            of.campaign_id,
            unreviewed,
            checklist
        )),
        Some(name) => {
            let street = assessments::unit_id.eq_any(
                units::table
                    .inner_join(streets::table)
                    .filter(streets::name.eq(name))
                    .select(units::id),
            );
            sums_over!(current_results!(
                assessments::id,
                of.campaign_id,
                unreviewed,
                checklist,
                street
            ))
        }
    };
    Ok(rows
        .into_iter()
        .map(
            |(item_code, category, max, applicable, losing, losing_max_sum, losing_points_sum)| {
                ItemSum {
                    item_code,
                    category_code: category.unwrap_or_default(),
                    max: max.unwrap_or_default(),
                    applicable,
                    losing,
                    losing_max_sum,
                    losing_points_sum,
                }
            },
        )
        .collect())
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
