use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::store::models::FlagRow;
use crate::store::schema::plausibility_flags;
use crate::store::{DbConn, StoreResult};

pub fn insert(
    conn: &mut DbConn,
    submission_id: i64,
    input_key: Option<&str>,
    message: &str,
    now: NaiveDateTime,
) -> StoreResult<()> {
    diesel::insert_into(plausibility_flags::table)
        .values((
            plausibility_flags::submission_id.eq(submission_id),
            plausibility_flags::input_key.eq(input_key),
            plausibility_flags::message.eq(message),
            plausibility_flags::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn of_submissions(conn: &mut DbConn, ids: &[i64]) -> StoreResult<Vec<FlagRow>> {
    let mut all = Vec::new();
    for chunk in ids.chunks(500) {
        all.extend(
            plausibility_flags::table
                .filter(plausibility_flags::submission_id.eq_any(chunk))
                .order(plausibility_flags::id.asc())
                .select(FlagRow::as_select())
                .load(conn)?,
        );
    }
    Ok(all)
}

pub fn get(conn: &mut DbConn, id: i64) -> StoreResult<FlagRow> {
    Ok(plausibility_flags::table
        .find(id)
        .select(FlagRow::as_select())
        .first(conn)?)
}

pub fn resolve(
    conn: &mut DbConn,
    id: i64,
    by: Option<i64>,
    resolution: &str,
    now: NaiveDateTime,
) -> StoreResult<()> {
    diesel::update(plausibility_flags::table.find(id))
        .set((
            plausibility_flags::resolved_at.eq(Some(now)),
            plausibility_flags::resolved_by.eq(by),
            plausibility_flags::resolution.eq(Some(resolution)),
        ))
        .execute(conn)?;
    Ok(())
}
