//! 每日提醒摘要: accounts' e-mail addresses, the days whose digests were
//! composed, and the delivery log with its retries.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::store::models::{DeliveryRow, NewDelivery, UserRow};
use crate::store::schema::{deliveries, digest_days, users};
use crate::store::{DbConn, StoreResult};

pub fn set_email(conn: &mut DbConn, user_id: i64, email: Option<&str>) -> StoreResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::email.eq(email))
        .execute(conn)?;
    Ok(())
}

/// Accounts in use with an e-mail address, in id order.
pub fn recipients(conn: &mut DbConn) -> StoreResult<Vec<UserRow>> {
    Ok(users::table
        .filter(users::disabled.eq(false))
        .filter(users::email.is_not_null())
        .order(users::id)
        .select(UserRow::as_select())
        .load(conn)?)
}

/// Whether `day`'s digests were composed (read, no lock taken).
pub fn day_taken(conn: &mut DbConn, day: NaiveDate) -> StoreResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(digest_days::table.find(day))).get_result(conn)?)
}

/// Takes `day` for composing: true for the one caller that inserted it
/// (another server, or an earlier tick, may have).
pub fn take_day(conn: &mut DbConn, day: NaiveDate, now: NaiveDateTime) -> StoreResult<bool> {
    let row = (digest_days::day.eq(day), digest_days::composed_at.eq(now));
    let inserted = match conn {
        DbConn::Sqlite(c) => diesel::insert_or_ignore_into(digest_days::table)
            .values(row)
            .execute(c)?,
        DbConn::Postgres(c) => diesel::insert_into(digest_days::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
    };
    Ok(inserted == 1)
}

pub fn insert(conn: &mut DbConn, row: &NewDelivery<'_>) -> StoreResult<()> {
    diesel::insert_into(deliveries::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Ids of pending deliveries due at `now`, oldest first.
pub fn due(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> StoreResult<Vec<i64>> {
    Ok(deliveries::table
        .filter(deliveries::status.eq("pending"))
        .filter(deliveries::next_attempt_at.le(now))
        .order((deliveries::next_attempt_at, deliveries::id))
        .limit(limit)
        .select(deliveries::id)
        .load(conn)?)
}

/// Claims a due delivery for one attempt: counts the attempt and holds it
/// until `held_until`, so that no other server or tick tries it meanwhile
/// (and a server that stops mid-attempt leaves it to be tried again). The
/// row when this caller got it.
pub fn claim(
    conn: &mut DbConn,
    id: i64,
    now: NaiveDateTime,
    held_until: NaiveDateTime,
) -> StoreResult<Option<DeliveryRow>> {
    let claimed = diesel::update(
        deliveries::table
            .find(id)
            .filter(deliveries::status.eq("pending"))
            .filter(deliveries::next_attempt_at.le(now)),
    )
    .set((
        deliveries::attempts.eq(deliveries::attempts + 1),
        deliveries::next_attempt_at.eq(held_until),
    ))
    .execute(conn)?;
    if claimed == 0 {
        return Ok(None);
    }
    Ok(Some(
        deliveries::table
            .find(id)
            .select(DeliveryRow::as_select())
            .first(conn)?,
    ))
}

pub fn mark_sent(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> StoreResult<()> {
    diesel::update(deliveries::table.find(id))
        .set((
            deliveries::status.eq("sent"),
            deliveries::sent_at.eq(Some(now)),
            deliveries::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// A failed attempt: tried again at `retry_at`, or given up without one.
pub fn mark_failed(
    conn: &mut DbConn,
    id: i64,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> StoreResult<()> {
    let target = deliveries::table.find(id);
    match retry_at {
        Some(at) => diesel::update(target)
            .set((
                deliveries::last_error.eq(Some(error)),
                deliveries::next_attempt_at.eq(at),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((
                deliveries::last_error.eq(Some(error)),
                deliveries::status.eq("failed"),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// The log, newest day first; of one day when given.
pub fn log(conn: &mut DbConn, day: Option<NaiveDate>, limit: i64) -> StoreResult<Vec<DeliveryRow>> {
    let mut query = deliveries::table
        .select(DeliveryRow::as_select())
        .order((deliveries::day.desc(), deliveries::id))
        .limit(limit)
        .into_boxed();
    if let Some(day) = day {
        query = query.filter(deliveries::day.eq(day));
    }
    Ok(query.load(conn)?)
}
