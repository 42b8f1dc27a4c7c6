//! The list pages' and list APIs' reads (分页查询): filters, counts, order
//! and the page cut in SQL, so that a page costs what it shows and an
//! index walk, not a read of the year's rows.
//!
//! Paging is OFFSET over an index order, not keyset: the orders the lists
//! promise (by code, name, street, total; overdue first, then due date) are
//! not the id order, the pages link to page numbers (`page=40`), and the
//! contract's `page`/`per_page` has no cursor. Each order ends in a unique
//! key (unit code, or order id), so OFFSET is stable while nothing changes;
//! the indexes of migration `2026-12-24-000003_list_indexes` serve every
//! filter and order here, and a later page costs the rows skipped in the
//! index, not the year. Past the first thousand rows the assessment list
//! is cut from its whole order instead ([`assessment_order`], kept by the
//! service per data version) and read by id ([`assessment_lines`]): a deep
//! OFFSET there would sort and skip the year's current results per page.
//!
//! The current assessment of a unit (本年度现行结果) is the newest
//! assessment of its newest submission in the campaign. The database keeps
//! it as the `is_current` flag (triggers of migration
//! `2026-12-25-000001_current_assessments`), with partial indexes on it, so
//! a page in code order joins units to an index of current rows and stops
//! after the page, never testing the campaign's every assessment.

use chrono::NaiveDate;
use diesel::dsl::{count_star, sql};
use diesel::expression::SqlLiteral;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};

use crate::store::models::{AssessmentRow, RectificationRow, UnitRow};
use crate::store::schema::{assessments, rectifications, streets, units};
use crate::store::{Backend, DbConn, StoreResult};

diesel::define_sql_function! {
    /// SQL `lower()`, for searches that ignore the case of codes typed in
    /// letters.
    fn lower(text: Text) -> Text;
}

diesel::define_sql_function! {
    /// SQL `coalesce()` of a nullable text with a fallback.
    fn coalesce(text: Nullable<Text>, fallback: Text) -> Text;
}

/// True where the (current) assessment's submission has open
/// plausibility flags; false where there is no assessment.
fn is_flagged() -> SqlLiteral<Bool> {
    sql::<Bool>(FLAGGED_TEXT)
}

/// A LIKE pattern matching `word` anywhere, its wildcards escaped (`\`).
pub fn containing(word: &str) -> String {
    let mut pattern = String::with_capacity(word.len() + 2);
    pattern.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The ids of units whose code or name contains a (lower-cased) word: a
/// macro, as a boxed subquery cannot go into a boxed query for both
/// backends.
macro_rules! units_matching {
    ($word:expr) => {{
        let pattern = containing($word);
        matched
            .filter(
                lower(matched.field(units::code))
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(matched.field(units::name)).like(pattern).escape('\\')),
            )
            .select(matched.field(units::id))
    }};
}

diesel::alias!(units as matched: MatchedUnits);

/// Which tier a result is in, for the assessment list's filter.
#[derive(Clone, Debug)]
pub enum TierFilter {
    /// Waiting for the inspector's items (待现场评定).
    Provisional,
    /// Scored, below every tier.
    None,
    /// A tier by its code.
    Code(String),
}

/// The assessment list's orders; each ends in the unit's code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssessmentSort {
    Code,
    Name,
    /// Units without a street first.
    Street,
    /// Highest first.
    TotalDesc,
    /// Lowest first.
    TotalAsc,
}

/// The current assessments of a campaign a list selects.
#[derive(Clone, Debug)]
pub struct AssessmentQuery {
    pub campaign_id: i64,
    pub unit_id: Option<i64>,
    /// A street by name; `Some(None)` selects units without one.
    pub street: Option<Option<String>>,
    pub kind: Option<String>,
    pub tier: Option<TierFilter>,
    pub reviewed: Option<bool>,
    /// Lower-cased words, each in the unit's code or name.
    pub words: Vec<String>,
}

/// A current assessment with its unit and the unit's street.
pub type AssessmentLine = (AssessmentRow, UnitRow, Option<String>);

/// The current assessments joined to their units and streets, boxed.
type Joined =
    diesel::dsl::InnerJoin<assessments::table, diesel::dsl::LeftJoin<units::table, streets::table>>;
type Filtered = diesel::dsl::IntoBoxed<'static, Joined, Backend>;

/// The rows `query` selects, unordered.
fn filtered(query: &AssessmentQuery) -> Filtered {
    let mut q = assessments::table
        .inner_join(units::table.left_join(streets::table))
        .into_boxed::<Backend>()
        .filter(assessments::campaign_id.eq(query.campaign_id))
        .filter(assessments::is_current);
    if let Some(unit) = query.unit_id {
        q = q.filter(assessments::unit_id.eq(unit));
    }
    match &query.street {
        Some(Some(name)) => q = q.filter(streets::name.eq(name.clone())),
        Some(None) => q = q.filter(units::street_id.is_null()),
        None => {}
    }
    if let Some(kind) = &query.kind {
        q = q.filter(units::kind.eq(kind.clone()));
    }
    if let Some(reviewed) = query.reviewed {
        q = if reviewed {
            q.filter(assessments::review_id.is_not_null())
        } else {
            q.filter(assessments::review_id.is_null())
        };
    }
    match &query.tier {
        Some(TierFilter::Provisional) => q = q.filter(assessments::provisional.eq(true)),
        Some(TierFilter::None) => {
            q = q
                .filter(assessments::provisional.eq(false))
                .filter(assessments::tier_code.is_null())
        }
        Some(TierFilter::Code(code)) => q = q.filter(assessments::tier_code.eq(code.clone())),
        None => {}
    }
    for word in &query.words {
        q = q.filter(assessments::unit_id.eq_any(units_matching!(word)));
    }
    q
}

/// The rows `query` selects in `sort` order.
fn sorted(query: &AssessmentQuery, sort: AssessmentSort) -> Filtered {
    let q = filtered(query);
    match sort {
        AssessmentSort::Code => q.order_by(units::code.asc()),
        AssessmentSort::Name => q
            .order_by(units::name.asc())
            .then_order_by(units::code.asc()),
        AssessmentSort::Street => q
            .order_by(streets::name.is_not_null().asc())
            .then_order_by(streets::name.asc())
            .then_order_by(units::code.asc()),
        AssessmentSort::TotalDesc => q
            .order_by(assessments::total.desc())
            .then_order_by(units::code.asc()),
        AssessmentSort::TotalAsc => q
            .order_by(assessments::total.asc())
            .then_order_by(units::code.asc()),
    }
}

/// One page of the current assessments `query` selects, in `sort` order,
/// and how many there are in all (counted unless `known_total` says).
pub fn assessment_page(
    conn: &mut DbConn,
    query: &AssessmentQuery,
    sort: AssessmentSort,
    offset: i64,
    limit: i64,
    known_total: Option<i64>,
) -> StoreResult<(Vec<AssessmentLine>, i64)> {
    let total: i64 = match known_total {
        Some(total) => total,
        None => filtered(query).count().get_result(conn)?,
    };
    let rows = sorted(query, sort)
        .select((
            AssessmentRow::as_select(),
            UnitRow::as_select(),
            streets::name.nullable(),
        ))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

/// The ids of every current assessment `query` selects, in `sort` order:
/// the list's whole order, which a deep page is cut from (one sort of the
/// selected rows instead of one per page, each skipping all before it).
pub fn assessment_order(
    conn: &mut DbConn,
    query: &AssessmentQuery,
    sort: AssessmentSort,
) -> StoreResult<Vec<i64>> {
    Ok(sorted(query, sort).select(assessments::id).load(conn)?)
}

/// The assessments `ids` with their units and streets, in the order of
/// `ids` (a missing one is left out).
pub fn assessment_lines(conn: &mut DbConn, ids: &[i64]) -> StoreResult<Vec<AssessmentLine>> {
    let mut found: std::collections::HashMap<i64, AssessmentLine> =
        std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let rows: Vec<AssessmentLine> = assessments::table
            .inner_join(units::table.left_join(streets::table))
            .filter(assessments::id.eq_any(chunk))
            .select((
                AssessmentRow::as_select(),
                UnitRow::as_select(),
                streets::name.nullable(),
            ))
            .load(conn)?;
        found.extend(rows.into_iter().map(|line| (line.0.id, line)));
    }
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// Every current assessment of `campaign_id` with its unit and street, in
/// no order: one statement whatever the year's size (a year's list kept
/// whole), instead of its ids in chunks.
pub fn current_lines(conn: &mut DbConn, campaign_id: i64) -> StoreResult<Vec<AssessmentLine>> {
    Ok(assessments::table
        .inner_join(units::table.left_join(streets::table))
        .filter(assessments::campaign_id.eq(campaign_id))
        .filter(assessments::is_current)
        .select((
            AssessmentRow::as_select(),
            UnitRow::as_select(),
            streets::name.nullable(),
        ))
        .load(conn)?)
}

/// Where a unit stands in a campaign, for the progress list's filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitStanding {
    /// Nothing submitted.
    Missing,
    /// Submitted, not reviewed.
    Submitted,
    /// Reviewed.
    Reviewed,
}

/// The units of the progress list, with their current assessment.
#[derive(Clone, Debug)]
pub struct UnitQuery {
    pub campaign_id: i64,
    /// A street by the label the page shows: units without one go under
    /// `no_street`.
    pub street: Option<String>,
    pub no_street: String,
    pub standing: Option<UnitStanding>,
    pub kind: Option<String>,
    /// Only units whose current submission has open flags.
    pub flagged: bool,
    pub words: Vec<String>,
}

/// A unit, its street and its current assessment in the campaign, if any.
pub type UnitLine = (UnitRow, Option<String>, Option<AssessmentRow>);

/// One page of the units `query` selects, by street label then code, and
/// how many there are in all.
pub fn unit_page(
    conn: &mut DbConn,
    query: &UnitQuery,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<UnitLine>, i64)> {
    let label = || coalesce(streets::name.nullable(), query.no_street.clone());
    let filtered = || {
        let mut q = units::table
            .left_join(streets::table)
            .left_join(
                assessments::table.on(assessments::unit_id
                    .eq(units::id)
                    .and(assessments::campaign_id.eq(query.campaign_id))
                    .and(assessments::is_current)),
            )
            .into_boxed::<Backend>();
        if let Some(street) = &query.street {
            q = q.filter(label().eq(street.clone()));
        }
        if let Some(kind) = &query.kind {
            q = q.filter(units::kind.eq(kind.clone()));
        }
        match query.standing {
            Some(UnitStanding::Missing) => q = q.filter(assessments::id.nullable().is_null()),
            Some(UnitStanding::Submitted) => {
                q = q
                    .filter(assessments::id.nullable().is_not_null())
                    .filter(assessments::review_id.is_null())
            }
            Some(UnitStanding::Reviewed) => q = q.filter(assessments::review_id.is_not_null()),
            None => {}
        }
        if query.flagged {
            q = q.filter(is_flagged());
        }
        for word in &query.words {
            q = q.filter(units::id.eq_any(units_matching!(word)));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order_by(label().asc())
        .then_order_by(units::code.asc())
        .select((
            UnitRow::as_select(),
            streets::name.nullable(),
            Option::<AssessmentRow>::as_select(),
        ))
        .offset(offset)
        .limit(limit)
        .load::<(UnitRow, Option<String>, Option<AssessmentRow>)>(conn)?;
    Ok((rows, total))
}

/// A street's units in a campaign, counted (`street` none: no street).
#[derive(Clone, Debug, Default, QueryableByName)]
pub struct StreetCounts {
    #[diesel(sql_type = Nullable<Text>)]
    pub street: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub units: i64,
    /// With a current assessment.
    #[diesel(sql_type = BigInt)]
    pub submitted: i64,
    #[diesel(sql_type = BigInt)]
    pub reviewed: i64,
    #[diesel(sql_type = BigInt)]
    pub late: i64,
    /// With open flags on the current submission.
    #[diesel(sql_type = BigInt)]
    pub flagged: i64,
    /// Open flags on the current submissions.
    #[diesel(sql_type = BigInt)]
    pub open_flags: i64,
}

/// Every street's figures for a campaign, in one GROUP BY.
pub fn street_counts(conn: &mut DbConn, campaign_id: i64) -> StoreResult<Vec<StreetCounts>> {
    // The campaign id is ours (an i64), written into the text so that one
    // text serves both backends' placeholder styles. PostgreSQL sums a
    // bigint into a numeric: the casts keep every column a bigint.
    let text = format!(
        "SELECT streets.name AS street, COUNT(*) AS units, \
           COUNT(assessments.id) AS submitted, \
           COUNT(assessments.review_id) AS reviewed, \
           CAST(COALESCE(SUM(CASE WHEN submissions.late THEN 1 ELSE 0 END), 0) AS BIGINT) AS late, \
           CAST(COALESCE(SUM(CASE WHEN {flagged} THEN 1 ELSE 0 END), 0) AS BIGINT) AS flagged, \
           CAST(COALESCE(SUM((SELECT COUNT(*) FROM plausibility_flags AS flag \
             WHERE flag.submission_id = assessments.submission_id \
               AND flag.resolved_at IS NULL)), 0) AS BIGINT) AS open_flags \
         FROM units \
         LEFT JOIN streets ON streets.id = units.street_id \
         LEFT JOIN assessments ON assessments.unit_id = units.id \
           AND assessments.campaign_id = {campaign_id} AND assessments.is_current \
         LEFT JOIN submissions ON submissions.id = assessments.submission_id \
         GROUP BY streets.name",
        flagged = FLAGGED_TEXT,
    );
    Ok(diesel::sql_query(text).load(conn)?)
}

const FLAGGED_TEXT: &str = "EXISTS (SELECT 1 FROM plausibility_flags AS flag \
       WHERE flag.submission_id = assessments.submission_id \
         AND flag.resolved_at IS NULL)";

/// The unit kinds on the roster, in the order of their first unit's code.
pub fn kinds(conn: &mut DbConn) -> StoreResult<Vec<String>> {
    Ok(units::table
        .group_by(units::kind)
        .select((units::kind, diesel::dsl::min(units::code)))
        .order_by(diesel::dsl::min(units::code).asc())
        .load::<(String, Option<String>)>(conn)?
        .into_iter()
        .map(|(kind, _)| kind)
        .collect())
}

/// The orders of a campaign a list selects, before state and overdue.
#[derive(Clone, Debug, Default)]
pub struct OrderQuery {
    pub campaign_id: i64,
    pub unit_id: Option<i64>,
    pub street: Option<String>,
    pub category: Option<String>,
    pub kind: Option<String>,
    /// Lower-cased words, each in the unit's code or name, the item's code
    /// or the order's title.
    pub words: Vec<String>,
}

/// `query`'s conditions on a boxed query of orders: a macro, as the
/// grouped and the plain query are of different types.
macro_rules! filter_orders {
    ($q:expr, $query:expr) => {{
        let query: &OrderQuery = $query;
        let mut q = $q.filter(rectifications::campaign_id.eq(query.campaign_id));
        if let Some(unit) = query.unit_id {
            q = q.filter(rectifications::unit_id.eq(unit));
        }
        if let Some(street) = &query.street {
            q = q.filter(
                rectifications::unit_id.eq_any(
                    units::table
                        .inner_join(streets::table)
                        .filter(streets::name.eq(street.clone()))
                        .select(units::id),
                ),
            );
        }
        if let Some(category) = &query.category {
            q = q.filter(rectifications::category_code.eq(category.clone()));
        }
        if let Some(kind) = &query.kind {
            q = q.filter(rectifications::kind.eq(kind.clone()));
        }
        for word in &query.words {
            let pattern = containing(word);
            q = q.filter(
                rectifications::unit_id
                    .eq_any(units_matching!(word))
                    .or(lower(coalesce(rectifications::item_code, String::new()))
                        .like(pattern.clone())
                        .escape('\\'))
                    .or(lower(rectifications::title).like(pattern).escape('\\')),
            );
        }
        q
    }};
}

fn orders(query: &OrderQuery) -> rectifications::BoxedQuery<'static, Backend> {
    filter_orders!(rectifications::table.into_boxed(), query)
}

/// (state, due date, how many) of the orders `query` selects: one GROUP BY
/// that gives the counts by state and, with today's date, overdue (grouped
/// by due date first, the order of the indexes).
pub fn order_groups(
    conn: &mut DbConn,
    query: &OrderQuery,
) -> StoreResult<Vec<(String, NaiveDate, i64)>> {
    let grouped = rectifications::table
        .group_by((rectifications::due, rectifications::state))
        .select((rectifications::state, rectifications::due, count_star()))
        .into_boxed::<Backend>();
    Ok(filter_orders!(grouped, query).load(conn)?)
}

/// Which orders of a selection a page reads.
#[derive(Clone, Debug)]
pub struct OrderSlice {
    /// Only these states (none: every state).
    pub states: Option<Vec<String>>,
    /// The states an order can be overdue in, and today: with `overdue`
    /// true only the orders past due in them, false only the others.
    pub overdue_states: Vec<String>,
    pub today: NaiveDate,
    pub overdue: bool,
}

/// Orders of `query` within `slice`, by due date then id: `limit` of
/// them after `offset`, or all of them.
pub fn order_rows(
    conn: &mut DbConn,
    query: &OrderQuery,
    slice: &OrderSlice,
    page: Option<(i64, i64)>,
) -> StoreResult<Vec<RectificationRow>> {
    let mut q = orders(query);
    if let Some(states) = &slice.states {
        q = q.filter(rectifications::state.eq_any(states.clone()));
    }
    let past_due = rectifications::state
        .eq_any(slice.overdue_states.clone())
        .and(rectifications::due.lt(slice.today));
    q = if slice.overdue {
        q.filter(past_due)
    } else {
        q.filter(diesel::dsl::not(past_due))
    };
    let q = q
        .order_by(rectifications::due.asc())
        .then_order_by(rectifications::id.asc())
        .select(RectificationRow::as_select());
    Ok(match page {
        Some((offset, limit)) => q.offset(offset).limit(limit).load(conn)?,
        None => q.load(conn)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_escape_wildcards() {
        assert_eq!(containing("小营"), "%小营%");
        assert_eq!(containing("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
