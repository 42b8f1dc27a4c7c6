//! Publications of a year's results, their units' rows and the
//! corrections made after them.

use diesel::prelude::*;

use crate::store::models::{
    CorrectionRow, NewCorrection, NewPublication, PublicationRow, PublicationUnitRow,
};
use crate::store::schema::{publication_corrections, publication_units, publications};
use crate::store::{DbConn, StoreResult};

/// Stores a publication with its units' rows; returns its id.
pub fn insert(
    conn: &mut DbConn,
    publication: &NewPublication<'_>,
    units: &[PublicationUnitRow],
) -> StoreResult<i64> {
    let query = diesel::insert_into(publications::table)
        .values(publication)
        .returning(publications::id);
    let id: i64 = crate::on_backend!(&mut *conn, |c| query.get_result(c))?;
    let rows: Vec<PublicationUnitRow> = units
        .iter()
        .cloned()
        .map(|mut u| {
            u.publication_id = id;
            u
        })
        .collect();
    // In slices: SQLite binds at most 32766 parameters per statement.
    for chunk in rows.chunks(1000) {
        let query = diesel::insert_into(publication_units::table).values(chunk);
        crate::on_backend!(&mut *conn, |c| query.execute(c))?;
    }
    Ok(id)
}

/// The publication in force for a year: the newest.
pub fn latest(conn: &mut DbConn, year: i32) -> StoreResult<Option<PublicationRow>> {
    Ok(publications::table
        .filter(publications::year.eq(year))
        .order(publications::id.desc())
        .select(PublicationRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every publication of a year, newest first.
pub fn of_year(conn: &mut DbConn, year: i32) -> StoreResult<Vec<PublicationRow>> {
    Ok(publications::table
        .filter(publications::year.eq(year))
        .order(publications::id.desc())
        .select(PublicationRow::as_select())
        .load(conn)?)
}

/// Every publication, oldest first.
pub fn all(conn: &mut DbConn) -> StoreResult<Vec<PublicationRow>> {
    Ok(publications::table
        .order(publications::id.asc())
        .select(PublicationRow::as_select())
        .load(conn)?)
}

/// A publication's units' rows, by code.
pub fn units(conn: &mut DbConn, publication_id: i64) -> StoreResult<Vec<PublicationUnitRow>> {
    Ok(publication_units::table
        .filter(publication_units::publication_id.eq(publication_id))
        .order(publication_units::unit_code.asc())
        .select(PublicationUnitRow::as_select())
        .load(conn)?)
}

/// One unit's row of a publication.
pub fn unit(
    conn: &mut DbConn,
    publication_id: i64,
    code: &str,
) -> StoreResult<Option<PublicationUnitRow>> {
    Ok(publication_units::table
        .filter(publication_units::publication_id.eq(publication_id))
        .filter(publication_units::unit_code.eq(code))
        .select(PublicationUnitRow::as_select())
        .first(conn)
        .optional()?)
}

/// A publication's corrections, oldest first (one unit's when given).
pub fn corrections(
    conn: &mut DbConn,
    publication_id: i64,
    unit_code: Option<&str>,
) -> StoreResult<Vec<CorrectionRow>> {
    let mut query = publication_corrections::table
        .filter(publication_corrections::publication_id.eq(publication_id))
        .into_boxed();
    if let Some(code) = unit_code {
        query = query.filter(publication_corrections::unit_code.eq(code.to_string()));
    }
    Ok(query
        .order(publication_corrections::id.asc())
        .select(CorrectionRow::as_select())
        .load(conn)?)
}

/// Stores a correction; returns its id.
pub fn insert_correction(conn: &mut DbConn, row: &NewCorrection<'_>) -> StoreResult<i64> {
    let query = diesel::insert_into(publication_corrections::table)
        .values(row)
        .returning(publication_corrections::id);
    Ok(crate::on_backend!(&mut *conn, |c| query.get_result(c))?)
}
