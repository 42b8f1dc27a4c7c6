use diesel::prelude::*;

use crate::on_backend;
use crate::store::models::{
    AssessmentCategoryRow, AssessmentItemRow, AssessmentRow, NewAssessment,
};
use crate::store::schema::{assessment_categories, assessment_items, assessments, reviews};
use crate::store::{Backend, DbConn, StoreResult};

diesel::alias!(assessments as inner: InnerAssessments);

/// Stores an assessment with its items and category subtotals.
pub fn insert(
    conn: &mut DbConn,
    assessment: &NewAssessment<'_>,
    items: &[AssessmentItemRow],
    categories: &[AssessmentCategoryRow],
) -> StoreResult<i64> {
    let query = diesel::insert_into(assessments::table)
        .values(assessment)
        .returning(assessments::id);
    let id: i64 = on_backend!(&mut *conn, |c| query.get_result(c))?;
    let items: Vec<AssessmentItemRow> = items
        .iter()
        .cloned()
        .map(|mut i| {
            i.assessment_id = id;
            i
        })
        .collect();
    let categories: Vec<AssessmentCategoryRow> = categories
        .iter()
        .cloned()
        .map(|mut c| {
            c.assessment_id = id;
            c
        })
        .collect();
    let items_query = diesel::insert_into(assessment_items::table).values(&items);
    on_backend!(&mut *conn, |c| items_query.execute(c))?;
    let categories_query = diesel::insert_into(assessment_categories::table).values(&categories);
    on_backend!(&mut *conn, |c| categories_query.execute(c))?;
    settle_current(conn, &[(assessment.campaign_id, assessment.unit_id)])?;
    Ok(id)
}

/// Sets the stored `is_current` flag (migration `2026-12-25-000001`) of
/// every assessment of the given (campaign, unit) pairs from what it stands
/// for: the newest assessment of the unit's newest submission in the
/// campaign. Called by every write of assessments, after them, in their
/// transaction: one UPDATE per campaign and chunk of units, touching the
/// rows whose flag changes only. The ids are ours (i64), written into the
/// text so that one text serves both backends.
pub fn settle_current(conn: &mut DbConn, written: &[(i64, i64)]) -> StoreResult<()> {
    let mut by_campaign: std::collections::BTreeMap<i64, Vec<i64>> = Default::default();
    for &(campaign, unit) in written {
        by_campaign.entry(campaign).or_default().push(unit);
    }
    for (campaign, mut units) in by_campaign {
        units.sort_unstable();
        units.dedup();
        for chunk in units.chunks(2_000) {
            let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
            let text = format!(
                "UPDATE assessments SET is_current = NOT is_current \
                 WHERE campaign_id = {campaign} AND unit_id IN ({units}) \
                   AND is_current <> ({current})",
                units = list.join(","),
                current = CURRENT_TEXT,
            );
            diesel::sql_query(text).execute(conn)?;
        }
    }
    Ok(())
}

/// True on the assessment row that is its unit's current one in its
/// campaign: no newer assessment of its submission (a review adds one), no
/// newer submission of its unit in the campaign.
const CURRENT_TEXT: &str = "NOT EXISTS (SELECT 1 FROM assessments AS newer \
       WHERE newer.submission_id = assessments.submission_id \
         AND newer.id > assessments.id) \
     AND NOT EXISTS (SELECT 1 FROM submissions AS later \
       WHERE later.unit_id = assessments.unit_id \
         AND later.campaign_id = assessments.campaign_id \
         AND later.id > assessments.submission_id)";

pub fn get(conn: &mut DbConn, id: i64) -> StoreResult<AssessmentRow> {
    Ok(assessments::table
        .find(id)
        .select(AssessmentRow::as_select())
        .first(conn)?)
}

/// The current assessment of every unit in a campaign: the newest
/// assessment (a review's, when reviewed) of the newest submission, as the
/// `is_current` flag keeps it (migration `2026-12-25-000001`).
pub fn current(
    conn: &mut DbConn,
    campaign_id: i64,
    unit_id: Option<i64>,
) -> StoreResult<Vec<AssessmentRow>> {
    let mut query = assessments::table
        .filter(assessments::campaign_id.eq(campaign_id))
        .filter(assessments::is_current)
        .into_boxed::<Backend>();
    if let Some(unit) = unit_id {
        query = query.filter(assessments::unit_id.eq(unit));
    }
    Ok(query
        .order(assessments::unit_id.asc())
        .select(AssessmentRow::as_select())
        .load(conn)?)
}

/// Every assessment of a submission, oldest (the self-assessment) first.
pub fn of_submission(conn: &mut DbConn, submission_id: i64) -> StoreResult<Vec<AssessmentRow>> {
    Ok(assessments::table
        .filter(assessments::submission_id.eq(submission_id))
        .order(assessments::id.asc())
        .select(AssessmentRow::as_select())
        .load(conn)?)
}

/// Every assessment of a unit, newest first.
pub fn of_unit(conn: &mut DbConn, unit_id: i64) -> StoreResult<Vec<AssessmentRow>> {
    Ok(assessments::table
        .filter(assessments::unit_id.eq(unit_id))
        .order(assessments::id.desc())
        .select(AssessmentRow::as_select())
        .load(conn)?)
}

pub fn items(conn: &mut DbConn, assessment_id: i64) -> StoreResult<Vec<AssessmentItemRow>> {
    Ok(assessment_items::table
        .filter(assessment_items::assessment_id.eq(assessment_id))
        .order(assessment_items::position.asc())
        .select(AssessmentItemRow::as_select())
        .load(conn)?)
}

/// The item codes of an assessment, in the checklist's order.
pub fn item_codes(conn: &mut DbConn, assessment_id: i64) -> StoreResult<Vec<String>> {
    Ok(assessment_items::table
        .filter(assessment_items::assessment_id.eq(assessment_id))
        .order(assessment_items::position.asc())
        .select(assessment_items::item_code)
        .load(conn)?)
}

/// Items of many assessments at once (for reports).
pub fn items_of(conn: &mut DbConn, ids: &[i64]) -> StoreResult<Vec<AssessmentItemRow>> {
    let mut all = Vec::new();
    // Chunks keep the IN list under SQLite's variable limit.
    for chunk in ids.chunks(500) {
        all.extend(
            assessment_items::table
                .filter(assessment_items::assessment_id.eq_any(chunk))
                .order((
                    assessment_items::assessment_id.asc(),
                    assessment_items::position.asc(),
                ))
                .select(AssessmentItemRow::as_select())
                .load(conn)?,
        );
    }
    Ok(all)
}

pub fn categories(
    conn: &mut DbConn,
    assessment_id: i64,
) -> StoreResult<Vec<AssessmentCategoryRow>> {
    Ok(assessment_categories::table
        .filter(assessment_categories::assessment_id.eq(assessment_id))
        .order(assessment_categories::position.asc())
        .select(AssessmentCategoryRow::as_select())
        .load(conn)?)
}

pub fn count(conn: &mut DbConn) -> StoreResult<i64> {
    Ok(assessments::table.count().get_result(conn)?)
}

/// (submission id, first assessment's total): the self-assessed totals.
pub fn self_totals(conn: &mut DbConn, submission_ids: &[i64]) -> StoreResult<Vec<(i64, i32)>> {
    let mut all = Vec::new();
    for chunk in submission_ids.chunks(500) {
        let firsts = inner
            .filter(inner.field(assessments::submission_id).eq_any(chunk))
            .group_by(inner.field(assessments::submission_id))
            .select(diesel::dsl::min(inner.field(assessments::id)));
        all.extend(
            assessments::table
                .filter(assessments::id.nullable().eq_any(firsts))
                .select((assessments::submission_id, assessments::total))
                .load::<(i64, i32)>(conn)?,
        );
    }
    Ok(all)
}

/// (submission id, id of its first assessment — the self-assessment).
pub fn first_ids(conn: &mut DbConn, submission_ids: &[i64]) -> StoreResult<Vec<(i64, i64)>> {
    let mut all = Vec::new();
    for chunk in submission_ids.chunks(500) {
        all.extend(
            assessments::table
                .filter(assessments::submission_id.eq_any(chunk))
                .group_by(assessments::submission_id)
                .select((
                    assessments::submission_id,
                    diesel::dsl::min(assessments::id),
                ))
                .load::<(i64, Option<i64>)>(conn)?
                .into_iter()
                .filter_map(|(s, a)| a.map(|a| (s, a))),
        );
    }
    Ok(all)
}

/// The newest assessment of each of `submission_ids` recorded by a review
/// of `kind` (spot, say): (submission id, assessment id, total).
pub fn newest_by_review_kind(
    conn: &mut DbConn,
    submission_ids: &[i64],
    kind: &str,
) -> StoreResult<Vec<(i64, i64, i32)>> {
    let mut newest: Vec<(i64, i64, i32)> = Vec::new();
    for chunk in submission_ids.chunks(500) {
        let rows: Vec<(i64, i64, i32)> = assessments::table
            .inner_join(reviews::table.on(reviews::id.nullable().eq(assessments::review_id)))
            .filter(assessments::submission_id.eq_any(chunk))
            .filter(reviews::kind.eq(kind))
            .order((assessments::submission_id.asc(), assessments::id.desc()))
            .select((
                assessments::submission_id,
                assessments::id,
                assessments::total,
            ))
            .load(conn)?;
        for row in rows {
            if newest.last().is_none_or(|n| n.0 != row.0) {
                newest.push(row);
            }
        }
    }
    Ok(newest)
}
