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
