//! 佐证材料 a unit attaches to the items of a year's self-check.

use diesel::prelude::*;

use crate::on_backend;
use crate::store::models::{ItemEvidenceRow, NewItemEvidence};
use crate::store::schema::item_evidence;
use crate::store::{DbConn, StoreResult};

pub fn insert(conn: &mut DbConn, row: &NewItemEvidence<'_>) -> StoreResult<i64> {
    let query = diesel::insert_into(item_evidence::table)
        .values(row)
        .returning(item_evidence::id);
    Ok(on_backend!(conn, |c| query.get_result(c))?)
}

/// A unit's material for one campaign, oldest first.
pub fn of_unit(
    conn: &mut DbConn,
    unit_id: i64,
    campaign_id: i64,
) -> StoreResult<Vec<ItemEvidenceRow>> {
    Ok(item_evidence::table
        .filter(item_evidence::unit_id.eq(unit_id))
        .filter(item_evidence::campaign_id.eq(campaign_id))
        .order(item_evidence::id.asc())
        .select(ItemEvidenceRow::as_select())
        .load(conn)?)
}

pub fn get(conn: &mut DbConn, id: i64) -> StoreResult<Option<ItemEvidenceRow>> {
    Ok(item_evidence::table
        .find(id)
        .select(ItemEvidenceRow::as_select())
        .first(conn)
        .optional()?)
}
