use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::store::models::ChecklistVersionRow;
use crate::store::schema::{assessments, checklist_versions};
use crate::store::{DbConn, StoreResult};

pub fn find(conn: &mut DbConn, reference: &str) -> StoreResult<Option<ChecklistVersionRow>> {
    Ok(checklist_versions::table
        .filter(checklist_versions::reference.eq(reference))
        .select(ChecklistVersionRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(
    conn: &mut DbConn,
    reference: &str,
    title: &str,
    fingerprint: &str,
    source: &str,
    now: NaiveDateTime,
) -> StoreResult<()> {
    diesel::insert_into(checklist_versions::table)
        .values((
            checklist_versions::reference.eq(reference),
            checklist_versions::title.eq(title),
            checklist_versions::fingerprint.eq(fingerprint),
            checklist_versions::source.eq(source),
            checklist_versions::created_at.eq(now),
            checklist_versions::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn update(
    conn: &mut DbConn,
    reference: &str,
    title: &str,
    fingerprint: &str,
    source: &str,
    now: NaiveDateTime,
) -> StoreResult<()> {
    diesel::update(checklist_versions::table.filter(checklist_versions::reference.eq(reference)))
        .set((
            checklist_versions::title.eq(title),
            checklist_versions::fingerprint.eq(fingerprint),
            checklist_versions::source.eq(source),
            checklist_versions::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// How many assessments were computed against a version.
pub fn times_used(conn: &mut DbConn, reference: &str) -> StoreResult<i64> {
    Ok(assessments::table
        .filter(assessments::checklist_reference.eq(reference))
        .count()
        .get_result(conn)?)
}

pub fn all(conn: &mut DbConn) -> StoreResult<Vec<ChecklistVersionRow>> {
    Ok(checklist_versions::table
        .order(checklist_versions::reference.asc())
        .select(ChecklistVersionRow::as_select())
        .load(conn)?)
}

/// A version authored in a workbook (a draft): inserted, or a draft of the
/// same reference replaced. The caller has checked it is not published.
pub struct DraftVersion<'a> {
    pub reference: &'a str,
    pub title: &'a str,
    pub fingerprint: &'a str,
    pub source: &'a str,
    pub workbook_sha256: &'a str,
    pub workbook_name: &'a str,
}

pub fn save_draft(
    conn: &mut DbConn,
    draft: &DraftVersion<'_>,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let values = (
        checklist_versions::title.eq(draft.title),
        checklist_versions::fingerprint.eq(draft.fingerprint),
        checklist_versions::source.eq(draft.source),
        checklist_versions::updated_at.eq(now),
        checklist_versions::origin.eq("workbook"),
        checklist_versions::workbook_sha256.eq(Some(draft.workbook_sha256)),
        checklist_versions::workbook_name.eq(Some(draft.workbook_name)),
    );
    let updated = diesel::update(
        checklist_versions::table.filter(checklist_versions::reference.eq(draft.reference)),
    )
    .set(values)
    .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(checklist_versions::table)
            .values((
                checklist_versions::reference.eq(draft.reference),
                checklist_versions::created_at.eq(now),
                values,
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Marks a version published (once: a second call keeps the first date).
/// Returns whether it was a draft until now.
pub fn publish(
    conn: &mut DbConn,
    reference: &str,
    by: Option<i64>,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    Ok(diesel::update(
        checklist_versions::table
            .filter(checklist_versions::reference.eq(reference))
            .filter(checklist_versions::published_at.is_null()),
    )
    .set((
        checklist_versions::published_at.eq(Some(now)),
        checklist_versions::published_by.eq(by),
    ))
    .execute(conn)?
        > 0)
}

/// Versions authored in a workbook, which the checklist folder does not hold.
pub fn authored(conn: &mut DbConn) -> StoreResult<Vec<ChecklistVersionRow>> {
    Ok(checklist_versions::table
        .filter(checklist_versions::origin.eq("workbook"))
        .order(checklist_versions::reference.asc())
        .select(ChecklistVersionRow::as_select())
        .load(conn)?)
}

/// How many assessments each version scored, by reference.
pub fn assessment_counts(conn: &mut DbConn) -> StoreResult<Vec<(String, i64)>> {
    use diesel::dsl::count_star;
    Ok(assessments::table
        .group_by(assessments::checklist_reference)
        .select((assessments::checklist_reference, count_star()))
        .load(conn)?)
}

/// (reference, campaign year, unit kind) for every campaign's checklist.
pub fn campaign_uses(conn: &mut DbConn) -> StoreResult<Vec<(String, i32, String)>> {
    use crate::store::schema::{campaign_checklists, campaigns};
    Ok(campaign_checklists::table
        .inner_join(campaigns::table.on(campaigns::id.eq(campaign_checklists::campaign_id)))
        .order((campaigns::year.asc(), campaign_checklists::unit_kind.asc()))
        .select((
            campaign_checklists::checklist_reference,
            campaigns::year,
            campaign_checklists::unit_kind,
        ))
        .load(conn)?)
}
