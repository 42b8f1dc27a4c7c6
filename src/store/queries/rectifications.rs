use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::on_backend;
use crate::store::models::{
    EvidenceRow, NewRectification, NewRectificationEvent, OrderKeyRow, RectificationEventRow,
    RectificationRow,
};
use crate::store::schema::{
    assessments, rectification_events, rectification_evidence, rectifications,
};
use crate::store::{DbConn, StoreResult};

pub fn insert(conn: &mut DbConn, row: &NewRectification<'_>) -> StoreResult<i64> {
    let query = diesel::insert_into(rectifications::table)
        .values(row)
        .returning(rectifications::id);
    Ok(on_backend!(conn, |c| query.get_result(c))?)
}

/// Inserts many events in one statement.
pub fn insert_events(conn: &mut DbConn, rows: &[NewRectificationEvent<'_>]) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let query = diesel::insert_into(rectification_events::table).values(rows);
    on_backend!(conn, |c| query.execute(c))?;
    Ok(())
}

pub fn get(conn: &mut DbConn, id: i64) -> StoreResult<RectificationRow> {
    Ok(rectifications::table
        .find(id)
        .select(RectificationRow::as_select())
        .first(conn)?)
}

/// Every order of a unit, oldest first, each with what it was last assessed
/// against: its assessment's checklist reference and the tier applied for.
pub fn of_unit_with_basis(
    conn: &mut DbConn,
    unit_id: i64,
) -> StoreResult<Vec<(RectificationRow, String, Option<String>)>> {
    Ok(rectifications::table
        .inner_join(assessments::table.on(assessments::id.eq(rectifications::assessment_id)))
        .filter(rectifications::unit_id.eq(unit_id))
        .order(rectifications::id.asc())
        .select((
            RectificationRow::as_select(),
            assessments::checklist_reference,
            assessments::target_tier,
        ))
        .load(conn)?)
}

/// Orders tracked in a campaign, optionally of one unit, oldest first.
pub fn in_campaign(
    conn: &mut DbConn,
    campaign_id: i64,
    unit_id: Option<i64>,
) -> StoreResult<Vec<RectificationRow>> {
    let query = rectifications::table
        .filter(rectifications::campaign_id.eq(campaign_id))
        .order(rectifications::id.asc())
        .select(RectificationRow::as_select());
    // Two shapes, so the one-unit lookup of every upload uses the index.
    Ok(match unit_id {
        Some(unit) => query.filter(rectifications::unit_id.eq(unit)).load(conn)?,
        None => query.load(conn)?,
    })
}

/// The keys of a campaign's orders (or one unit's), by id.
pub fn keys_in_campaign(
    conn: &mut DbConn,
    campaign_id: i64,
    unit_id: Option<i64>,
) -> StoreResult<Vec<OrderKeyRow>> {
    let query = rectifications::table
        .filter(rectifications::campaign_id.eq(campaign_id))
        .order(rectifications::id.asc())
        .select(OrderKeyRow::as_select());
    Ok(match unit_id {
        Some(unit) => query.filter(rectifications::unit_id.eq(unit)).load(conn)?,
        None => query.load(conn)?,
    })
}

/// Whole rows of the orders named, in no particular order.
pub fn by_ids(conn: &mut DbConn, ids: &[i64]) -> StoreResult<Vec<RectificationRow>> {
    Ok(rectifications::table
        .filter(rectifications::id.eq_any(ids))
        .select(RectificationRow::as_select())
        .load(conn)?)
}

/// Moves an order from the state `from` to `to`, only if it is still in
/// `from`: false when another step got there first (nothing changed).
pub fn set_state_from(
    conn: &mut DbConn,
    id: i64,
    from: &str,
    to: &str,
    closed_reason: Option<&str>,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    let changed = diesel::update(
        rectifications::table
            .find(id)
            .filter(rectifications::state.eq(from)),
    )
    .set((
        rectifications::state.eq(to),
        rectifications::closed_reason.eq(closed_reason),
        rectifications::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn set_due(
    conn: &mut DbConn,
    id: i64,
    due: NaiveDate,
    by_hand: bool,
    now: NaiveDateTime,
) -> StoreResult<()> {
    diesel::update(rectifications::table.find(id))
        .set((
            rectifications::due.eq(due),
            rectifications::due_set_by_hand.eq(by_hand),
            rectifications::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn insert_event(conn: &mut DbConn, event: &NewRectificationEvent<'_>) -> StoreResult<i64> {
    let query = diesel::insert_into(rectification_events::table)
        .values(event)
        .returning(rectification_events::id);
    Ok(on_backend!(conn, |c| query.get_result(c))?)
}

pub fn events(conn: &mut DbConn, rectification_id: i64) -> StoreResult<Vec<RectificationEventRow>> {
    Ok(rectification_events::table
        .filter(rectification_events::rectification_id.eq(rectification_id))
        .order(rectification_events::id.asc())
        .select(RectificationEventRow::as_select())
        .load(conn)?)
}

pub fn insert_evidence(
    conn: &mut DbConn,
    rectification_id: i64,
    event_id: i64,
    sha256: &str,
    file_name: &str,
    now: NaiveDateTime,
) -> StoreResult<i64> {
    let query = diesel::insert_into(rectification_evidence::table)
        .values((
            rectification_evidence::rectification_id.eq(rectification_id),
            rectification_evidence::event_id.eq(event_id),
            rectification_evidence::file_sha256.eq(sha256),
            rectification_evidence::file_name.eq(file_name),
            rectification_evidence::uploaded_at.eq(now),
        ))
        .returning(rectification_evidence::id);
    Ok(on_backend!(conn, |c| query.get_result(c))?)
}

pub fn evidence(conn: &mut DbConn, rectification_id: i64) -> StoreResult<Vec<EvidenceRow>> {
    Ok(rectification_evidence::table
        .filter(rectification_evidence::rectification_id.eq(rectification_id))
        .order(rectification_evidence::id.asc())
        .select(EvidenceRow::as_select())
        .load(conn)?)
}

pub fn evidence_item(conn: &mut DbConn, id: i64) -> StoreResult<EvidenceRow> {
    Ok(rectification_evidence::table
        .find(id)
        .select(EvidenceRow::as_select())
        .first(conn)?)
}

pub fn count(conn: &mut DbConn) -> StoreResult<i64> {
    Ok(rectifications::table.count().get_result(conn)?)
}

/// Records a re-check's before and after figures on its event.
pub fn set_event_figures(
    conn: &mut DbConn,
    event_id: i64,
    before_total: i32,
    after_total: i32,
    before_tier: Option<&str>,
    after_tier: Option<&str>,
) -> StoreResult<()> {
    diesel::update(rectification_events::table.find(event_id))
        .set((
            rectification_events::before_total.eq(Some(before_total)),
            rectification_events::after_total.eq(Some(after_total)),
            rectification_events::before_tier.eq(before_tier),
            rectification_events::after_tier.eq(after_tier),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether the last step of an order was the system closing it.
pub fn closed_automatically(conn: &mut DbConn, id: i64) -> StoreResult<bool> {
    let last: Option<String> = rectification_events::table
        .filter(rectification_events::rectification_id.eq(id))
        .order(rectification_events::id.desc())
        .select(rectification_events::action)
        .first(conn)
        .optional()?;
    Ok(last.as_deref() == Some("auto_close"))
}

/// What the district report shows of a campaign's orders, oldest first,
/// without the long texts (requirements, defects, reasons).
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = rectifications, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ReportOrder {
    pub id: i64,
    pub unit_id: i64,
    pub origin_campaign_id: i64,
    pub item_code: Option<String>,
    pub title: String,
    pub state: String,
    pub due: chrono::NaiveDate,
}

pub fn for_report(conn: &mut DbConn, campaign_id: i64) -> StoreResult<Vec<ReportOrder>> {
    Ok(rectifications::table
        .filter(rectifications::campaign_id.eq(campaign_id))
        .order(rectifications::id.asc())
        .select(ReportOrder::as_select())
        .load(conn)?)
}

/// The requirement texts of a campaign's orders, by id (for the workbook's
/// 整改台账, which prints them).
pub fn requirements_in(conn: &mut DbConn, campaign_id: i64) -> StoreResult<Vec<(i64, String)>> {
    Ok(rectifications::table
        .filter(rectifications::campaign_id.eq(campaign_id))
        .select((rectifications::id, rectifications::requirement))
        .load(conn)?)
}
