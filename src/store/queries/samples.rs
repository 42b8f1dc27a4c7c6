use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::on_backend;
use crate::store::models::SampleRow;
use crate::store::schema::{sample_units, samples};
use crate::store::{DbConn, StoreResult};

#[allow(clippy::too_many_arguments)]
pub fn insert(
    conn: &mut DbConn,
    year: i32,
    seed: i64,
    requested_count: Option<i32>,
    requested_percent: Option<i32>,
    note: &str,
    created_by: Option<i64>,
    now: NaiveDateTime,
    drawn: &[(i64, String)],
) -> StoreResult<i64> {
    let query = diesel::insert_into(samples::table)
        .values((
            samples::year.eq(year),
            samples::seed.eq(seed),
            samples::requested_count.eq(requested_count),
            samples::requested_percent.eq(requested_percent),
            samples::note.eq(note),
            samples::created_by.eq(created_by),
            samples::created_at.eq(now),
        ))
        .returning(samples::id);
    let id: i64 = on_backend!(&mut *conn, |c| query.get_result(c))?;
    let rows: Vec<_> = drawn
        .iter()
        .enumerate()
        .map(|(position, (unit_id, stratum))| {
            (
                sample_units::sample_id.eq(id),
                sample_units::unit_id.eq(*unit_id),
                sample_units::position.eq(position as i32),
                sample_units::stratum.eq(stratum),
            )
        })
        .collect();
    if !rows.is_empty() {
        let units_query = diesel::insert_into(sample_units::table).values(&rows);
        on_backend!(&mut *conn, |c| units_query.execute(c))?;
    }
    Ok(id)
}

pub fn get(conn: &mut DbConn, id: i64) -> StoreResult<SampleRow> {
    Ok(samples::table
        .find(id)
        .select(SampleRow::as_select())
        .first(conn)?)
}

pub fn list(conn: &mut DbConn, year: Option<i32>) -> StoreResult<Vec<SampleRow>> {
    let mut query = samples::table.select(SampleRow::as_select()).into_boxed();
    if let Some(y) = year {
        query = query.filter(samples::year.eq(y));
    }
    Ok(query.order(samples::id.desc()).load(conn)?)
}

/// (unit id, stratum) in drawing order.
pub fn units(conn: &mut DbConn, sample_id: i64) -> StoreResult<Vec<(i64, String)>> {
    Ok(sample_units::table
        .filter(sample_units::sample_id.eq(sample_id))
        .order(sample_units::position.asc())
        .select((sample_units::unit_id, sample_units::stratum))
        .load(conn)?)
}
