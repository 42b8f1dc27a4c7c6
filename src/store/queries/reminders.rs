//! 提醒: the facts reminders are worked out from, and when an account last
//! looked at them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::store::schema::{rectifications, submissions, units, users};
use crate::store::{DbConn, StoreResult};

/// Active orders (open or returned) of `unit_ids`: (raised at, due).
pub fn active_orders(
    conn: &mut DbConn,
    unit_ids: &[i64],
) -> StoreResult<Vec<(NaiveDateTime, NaiveDate)>> {
    let mut out = Vec::new();
    for chunk in unit_ids.chunks(500) {
        out.extend(
            rectifications::table
                .filter(rectifications::unit_id.eq_any(chunk))
                .filter(rectifications::state.eq_any(["open", "returned"]))
                .select((rectifications::created_at, rectifications::due))
                .load::<(NaiveDateTime, NaiveDate)>(conn)?,
        );
    }
    Ok(out)
}

/// Orders waiting for the bureau (submitted): how many, and when the
/// newest was answered.
pub fn submitted_orders(conn: &mut DbConn) -> StoreResult<(i64, Option<NaiveDateTime>)> {
    Ok(rectifications::table
        .filter(rectifications::state.eq("submitted"))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::max(rectifications::updated_at),
        ))
        .first(conn)?)
}

/// How many units of the roster (or of `unit_ids`) uploaded in a campaign.
pub fn units_uploaded(
    conn: &mut DbConn,
    campaign_id: i64,
    unit_ids: Option<&[i64]>,
) -> StoreResult<i64> {
    let Some(ids) = unit_ids else {
        return Ok(submissions::table
            .filter(submissions::campaign_id.eq(campaign_id))
            .select(diesel::dsl::count(submissions::unit_id).aggregate_distinct())
            .first(conn)?);
    };
    let mut n = 0;
    for chunk in ids.chunks(500) {
        n += submissions::table
            .filter(submissions::campaign_id.eq(campaign_id))
            .filter(submissions::unit_id.eq_any(chunk))
            .select(diesel::dsl::count(submissions::unit_id).aggregate_distinct())
            .first::<i64>(conn)?;
    }
    Ok(n)
}

/// Units on the roster.
pub fn roster_size(conn: &mut DbConn) -> StoreResult<i64> {
    Ok(units::table.count().get_result(conn)?)
}

pub fn seen_at(conn: &mut DbConn, user_id: i64) -> StoreResult<Option<NaiveDateTime>> {
    Ok(users::table
        .find(user_id)
        .select(users::reminders_seen_at)
        .first::<Option<NaiveDateTime>>(conn)
        .optional()?
        .flatten())
}

pub fn mark_seen(conn: &mut DbConn, user_id: i64, now: NaiveDateTime) -> StoreResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::reminders_seen_at.eq(Some(now)))
        .execute(conn)?;
    Ok(())
}
