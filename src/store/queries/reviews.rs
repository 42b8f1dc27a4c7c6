use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::on_backend;
use crate::store::models::{ReviewOverrideRow, ReviewRow};
use crate::store::schema::{review_overrides, reviews};
use crate::store::{DbConn, StoreResult};

pub fn insert(
    conn: &mut DbConn,
    submission_id: i64,
    kind: &str,
    note: &str,
    reviewer_id: Option<i64>,
    now: NaiveDateTime,
) -> StoreResult<i64> {
    let query = diesel::insert_into(reviews::table)
        .values((
            reviews::submission_id.eq(submission_id),
            reviews::kind.eq(kind),
            reviews::note.eq(note),
            reviews::reviewer_id.eq(reviewer_id),
            reviews::created_at.eq(now),
        ))
        .returning(reviews::id);
    Ok(on_backend!(conn, |c| query.get_result(c))?)
}

pub fn insert_overrides(conn: &mut DbConn, rows: &[ReviewOverrideRow]) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let query = diesel::insert_into(review_overrides::table).values(rows);
    on_backend!(conn, |c| query.execute(c))?;
    Ok(())
}

pub fn get(conn: &mut DbConn, id: i64) -> StoreResult<ReviewRow> {
    Ok(reviews::table
        .find(id)
        .select(ReviewRow::as_select())
        .first(conn)?)
}

pub fn of_submission(conn: &mut DbConn, submission_id: i64) -> StoreResult<Vec<ReviewRow>> {
    Ok(reviews::table
        .filter(reviews::submission_id.eq(submission_id))
        .order(reviews::id.asc())
        .select(ReviewRow::as_select())
        .load(conn)?)
}

pub fn overrides(conn: &mut DbConn, review_id: i64) -> StoreResult<Vec<ReviewOverrideRow>> {
    Ok(review_overrides::table
        .filter(review_overrides::review_id.eq(review_id))
        .order((review_overrides::target.asc(), review_overrides::code.asc()))
        .select(ReviewOverrideRow::as_select())
        .load(conn)?)
}

/// The fact corrections (`target = "input"`) of several reviews at once.
pub fn input_overrides_of(
    conn: &mut DbConn,
    review_ids: &[i64],
) -> StoreResult<Vec<ReviewOverrideRow>> {
    let mut all = Vec::new();
    // Chunks keep the IN list under SQLite's variable limit.
    for chunk in review_ids.chunks(500) {
        all.extend(
            review_overrides::table
                .filter(review_overrides::review_id.eq_any(chunk))
                .filter(review_overrides::target.eq("input"))
                .order((
                    review_overrides::review_id.asc(),
                    review_overrides::code.asc(),
                ))
                .select(ReviewOverrideRow::as_select())
                .load(conn)?,
        );
    }
    Ok(all)
}

/// Every override (items and facts) of several reviews at once.
pub fn overrides_of(conn: &mut DbConn, review_ids: &[i64]) -> StoreResult<Vec<ReviewOverrideRow>> {
    let mut all = Vec::new();
    for chunk in review_ids.chunks(500) {
        all.extend(
            review_overrides::table
                .filter(review_overrides::review_id.eq_any(chunk))
                .order((
                    review_overrides::review_id.asc(),
                    review_overrides::target.asc(),
                    review_overrides::code.asc(),
                ))
                .select(ReviewOverrideRow::as_select())
                .load(conn)?,
        );
    }
    Ok(all)
}
