use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::on_backend;
use crate::store::models::{NewUnit, StreetRow, UnitRow};
use crate::store::schema::{streets, units};
use crate::store::{DbConn, StoreResult};

pub fn find_by_code(conn: &mut DbConn, code: &str) -> StoreResult<Option<UnitRow>> {
    Ok(units::table
        .filter(units::code.eq(code))
        .select(UnitRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn get(conn: &mut DbConn, id: i64) -> StoreResult<UnitRow> {
    Ok(units::table
        .find(id)
        .select(UnitRow::as_select())
        .first(conn)?)
}

/// Every unit with its street's name, ordered by code.
pub fn list(conn: &mut DbConn) -> StoreResult<Vec<(UnitRow, Option<String>)>> {
    Ok(units::table
        .left_join(streets::table)
        .order(units::code.asc())
        .select((UnitRow::as_select(), streets::name.nullable()))
        .load(conn)?)
}

/// The units named, with their streets' names, in no particular order.
pub fn with_streets(conn: &mut DbConn, ids: &[i64]) -> StoreResult<Vec<(UnitRow, Option<String>)>> {
    let mut all = Vec::new();
    // Chunks keep the IN list under SQLite's variable limit.
    for chunk in ids.chunks(500) {
        all.extend(
            units::table
                .left_join(streets::table)
                .filter(units::id.eq_any(chunk))
                .select((UnitRow::as_select(), streets::name.nullable()))
                .load(conn)?,
        );
    }
    Ok(all)
}

pub fn insert(conn: &mut DbConn, unit: &NewUnit<'_>) -> StoreResult<i64> {
    let query = diesel::insert_into(units::table)
        .values(unit)
        .returning(units::id);
    Ok(on_backend!(conn, |c| query.get_result(c))?)
}

#[allow(clippy::too_many_arguments)]
pub fn update(
    conn: &mut DbConn,
    id: i64,
    name: &str,
    kind: &str,
    street_id: Option<i64>,
    contact_person: Option<&str>,
    contact_phone: Option<&str>,
    now: NaiveDateTime,
) -> StoreResult<()> {
    diesel::update(units::table.find(id))
        .set((
            units::name.eq(name),
            units::kind.eq(kind),
            units::street_id.eq(street_id),
            units::contact_person.eq(contact_person),
            units::contact_phone.eq(contact_phone),
            units::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The street of that name, created when new.
pub fn street_id(conn: &mut DbConn, name: &str, now: NaiveDateTime) -> StoreResult<i64> {
    if let Some(id) = streets::table
        .filter(streets::name.eq(name))
        .select(streets::id)
        .first(conn)
        .optional()?
    {
        return Ok(id);
    }
    let query = diesel::insert_into(streets::table)
        .values((streets::name.eq(name), streets::created_at.eq(now)))
        .returning(streets::id);
    Ok(on_backend!(conn, |c| query.get_result(c))?)
}

pub fn streets(conn: &mut DbConn) -> StoreResult<Vec<StreetRow>> {
    Ok(streets::table
        .order(streets::name.asc())
        .select(StreetRow::as_select())
        .load(conn)?)
}

pub fn street_name(conn: &mut DbConn, id: Option<i64>) -> StoreResult<Option<String>> {
    match id {
        None => Ok(None),
        Some(id) => Ok(streets::table
            .find(id)
            .select(streets::name)
            .first(conn)
            .optional()?),
    }
}

/// The street of that name, if the roster has it.
pub fn find_street(conn: &mut DbConn, name: &str) -> StoreResult<Option<i64>> {
    Ok(streets::table
        .filter(streets::name.eq(name))
        .select(streets::id)
        .first(conn)
        .optional()?)
}

/// The ids of a street's units, ascending (a street officer's reach).
pub fn ids_on_street(conn: &mut DbConn, street_id: i64) -> StoreResult<Vec<i64>> {
    Ok(units::table
        .filter(units::street_id.eq(street_id))
        .order(units::id.asc())
        .select(units::id)
        .load(conn)?)
}

/// Locks a unit's row until the transaction ends, so that work on one
/// unit's records (uploads, reviews, rectification) runs one at a time on
/// PostgreSQL; SQLite's single writer already serialises it.
pub fn lock(conn: &mut DbConn, id: i64) -> StoreResult<()> {
    if let DbConn::Postgres(c) = conn {
        units::table
            .find(id)
            .select(units::id)
            .for_update()
            .first::<i64>(c)?;
    }
    Ok(())
}
