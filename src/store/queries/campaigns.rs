use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::on_backend;
use crate::store::models::CampaignRow;
use crate::store::schema::{campaign_checklists, campaigns};
use crate::store::{DbConn, StoreResult};

pub fn find_by_year(conn: &mut DbConn, year: i32) -> StoreResult<Option<CampaignRow>> {
    Ok(campaigns::table
        .filter(campaigns::year.eq(year))
        .select(CampaignRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn get(conn: &mut DbConn, id: i64) -> StoreResult<CampaignRow> {
    Ok(campaigns::table
        .find(id)
        .select(CampaignRow::as_select())
        .first(conn)?)
}

pub fn list(conn: &mut DbConn) -> StoreResult<Vec<CampaignRow>> {
    Ok(campaigns::table
        .order(campaigns::year.desc())
        .select(CampaignRow::as_select())
        .load(conn)?)
}

pub fn insert(
    conn: &mut DbConn,
    year: i32,
    deadline: Option<NaiveDate>,
    now: NaiveDateTime,
) -> StoreResult<i64> {
    let query = diesel::insert_into(campaigns::table)
        .values((
            campaigns::year.eq(year),
            campaigns::deadline.eq(deadline),
            campaigns::closed.eq(false),
            campaigns::created_at.eq(now),
        ))
        .returning(campaigns::id);
    Ok(on_backend!(conn, |c| query.get_result(c))?)
}

pub fn update(
    conn: &mut DbConn,
    id: i64,
    deadline: Option<NaiveDate>,
    closed: bool,
    rectify_days: Option<i32>,
) -> StoreResult<()> {
    diesel::update(campaigns::table.find(id))
        .set((
            campaigns::deadline.eq(deadline),
            campaigns::closed.eq(closed),
            campaigns::rectify_days.eq(rectify_days),
        ))
        .execute(conn)?;
    Ok(())
}

/// (unit kind, checklist reference) of a campaign, by kind.
pub fn checklists(conn: &mut DbConn, campaign_id: i64) -> StoreResult<Vec<(String, String)>> {
    Ok(campaign_checklists::table
        .filter(campaign_checklists::campaign_id.eq(campaign_id))
        .order(campaign_checklists::unit_kind.asc())
        .select((
            campaign_checklists::unit_kind,
            campaign_checklists::checklist_reference,
        ))
        .load(conn)?)
}

pub fn checklist_for(
    conn: &mut DbConn,
    campaign_id: i64,
    unit_kind: &str,
) -> StoreResult<Option<String>> {
    Ok(campaign_checklists::table
        .filter(campaign_checklists::campaign_id.eq(campaign_id))
        .filter(campaign_checklists::unit_kind.eq(unit_kind))
        .select(campaign_checklists::checklist_reference)
        .first(conn)
        .optional()?)
}

/// Sets (or replaces) the checklist a kind of unit is assessed against.
pub fn set_checklist(
    conn: &mut DbConn,
    campaign_id: i64,
    unit_kind: &str,
    reference: &str,
) -> StoreResult<()> {
    let target = campaign_checklists::table
        .filter(campaign_checklists::campaign_id.eq(campaign_id))
        .filter(campaign_checklists::unit_kind.eq(unit_kind));
    let updated = diesel::update(target)
        .set(campaign_checklists::checklist_reference.eq(reference))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(campaign_checklists::table)
            .values((
                campaign_checklists::campaign_id.eq(campaign_id),
                campaign_checklists::unit_kind.eq(unit_kind),
                campaign_checklists::checklist_reference.eq(reference),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn remove_checklist(conn: &mut DbConn, campaign_id: i64, unit_kind: &str) -> StoreResult<()> {
    diesel::delete(
        campaign_checklists::table
            .filter(campaign_checklists::campaign_id.eq(campaign_id))
            .filter(campaign_checklists::unit_kind.eq(unit_kind)),
    )
    .execute(conn)?;
    Ok(())
}
