//! 整改通知书 as issued: one row per unit and year, numbered within the year.

use diesel::prelude::*;

use crate::store::models::{NewNotice, NoticeRow};
use crate::store::schema::rectification_notices;
use crate::store::{DbConn, StoreResult};

/// The notice issued to a unit for a year, if any.
pub fn find(conn: &mut DbConn, year: i32, unit_id: i64) -> StoreResult<Option<NoticeRow>> {
    Ok(rectification_notices::table
        .filter(rectification_notices::year.eq(year))
        .filter(rectification_notices::unit_id.eq(unit_id))
        .select(NoticeRow::as_select())
        .first(conn)
        .optional()?)
}

/// Makes concurrent issuers of numbers take turns until the caller's
/// transaction ends. PostgreSQL: a table lock that lets readers through
/// (SHARE ROW EXCLUSIVE conflicts with itself and with writers); SQLite
/// already holds its one write lock inside [`crate::store::write`].
pub fn lock_for_numbering(conn: &mut DbConn) -> StoreResult<()> {
    if let DbConn::Postgres(c) = conn {
        diesel::sql_query("LOCK TABLE rectification_notices IN SHARE ROW EXCLUSIVE MODE")
            .execute(c)?;
    }
    Ok(())
}

/// The highest number issued in a year (0 when none).
pub fn last_number(conn: &mut DbConn, year: i32) -> StoreResult<i32> {
    Ok(rectification_notices::table
        .filter(rectification_notices::year.eq(year))
        .select(diesel::dsl::max(rectification_notices::number))
        .first::<Option<i32>>(conn)?
        .unwrap_or(0))
}

/// Stores an issued notice. A unique violation means another request
/// issued that number (or that unit's notice) first.
pub fn insert(conn: &mut DbConn, row: &NewNotice<'_>) -> StoreResult<()> {
    diesel::insert_into(rectification_notices::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Every notice of a year, in issue order.
pub fn of_year(conn: &mut DbConn, year: i32) -> StoreResult<Vec<NoticeRow>> {
    Ok(rectification_notices::table
        .filter(rectification_notices::year.eq(year))
        .order(rectification_notices::number.asc())
        .select(NoticeRow::as_select())
        .load(conn)?)
}
