//! Set-based reads and writes for a group of uploaded files: one statement
//! per table per group (chunked under the bind-parameter limits; COPY on
//! PostgreSQL where no ids come back) instead of one per file. Used by `service::upload_set`.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::on_backend;
use crate::store::models::{
    AssessmentCategoryRow, AssessmentItemRow, NewAssessment, NewRectification,
    NewRectificationEvent, NewSubmission, NewUnit, RectificationRow, SubmissionRow, UnitRow,
};
use crate::store::schema::{
    assessment_categories, assessment_items, assessments, plausibility_flags, rectification_events,
    rectifications, stored_files, submission_answers, submission_inputs, submissions, units,
};
use crate::store::{DbConn, StoreResult};

/// Bind parameters per statement: under SQLite's 32,766 (bundled ≥ 3.32)
/// and PostgreSQL's 65,535.
const MAX_BINDS: usize = 30_000;

/// Rows per statement for a table of `columns` columns.
fn rows_per_statement(columns: usize) -> usize {
    (MAX_BINDS / columns).max(1)
}

/// Ids for IN lists: well under both limits.
const IN_CHUNK: usize = 5_000;

/// Writes rows that need no ids back: PostgreSQL's COPY (binary, one
/// stream for all of them), SQLite's multi-row INSERT in chunks.
macro_rules! copy_in {
    ($conn:expr, $table:expr, $rows:expr, $columns:expr) => {{
        let rows = $rows;
        match &mut *$conn {
            DbConn::Postgres(c) => {
                if !rows.is_empty() {
                    diesel::copy_from($table).from_insertable(rows).execute(c)?;
                }
            }
            DbConn::Sqlite(c) => {
                for chunk in rows.chunks(rows_per_statement($columns)) {
                    diesel::insert_into($table).values(chunk).execute(c)?;
                }
            }
        }
    }};
}

/// Units by code (those that exist).
pub fn units_by_codes(conn: &mut DbConn, codes: &[&str]) -> StoreResult<Vec<UnitRow>> {
    let mut all = Vec::new();
    for chunk in codes.chunks(IN_CHUNK) {
        all.extend(
            units::table
                .filter(units::code.eq_any(chunk))
                .select(UnitRow::as_select())
                .load(conn)?,
        );
    }
    Ok(all)
}

/// Locks many units' rows (PostgreSQL), in id order so that two writers
/// never wait on each other crosswise; SQLite's writer holds its lock.
pub fn lock_units(conn: &mut DbConn, ids: &[i64]) -> StoreResult<()> {
    if let DbConn::Postgres(c) = conn {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        for chunk in ids.chunks(IN_CHUNK) {
            units::table
                .filter(units::id.eq_any(chunk))
                .order(units::id.asc())
                .select(units::id)
                .for_update()
                .load::<i64>(c)?;
        }
    }
    Ok(())
}

/// New units; (id, code) of each.
pub fn insert_units(conn: &mut DbConn, rows: &[NewUnit<'_>]) -> StoreResult<Vec<(i64, String)>> {
    let mut all = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(rows_per_statement(8)) {
        let query = diesel::insert_into(units::table)
            .values(chunk)
            .returning((units::id, units::code));
        all.extend(on_backend!(&mut *conn, |c| query.get_results::<(i64, String)>(c))?);
    }
    Ok(all)
}

/// The newest submission of each (unit, campaign) among the given units and campaigns.
pub fn current_submissions(
    conn: &mut DbConn,
    unit_ids: &[i64],
    campaign_ids: &[i64],
) -> StoreResult<HashMap<(i64, i64), SubmissionRow>> {
    let mut newest: HashMap<(i64, i64), SubmissionRow> = HashMap::new();
    if campaign_ids.is_empty() {
        return Ok(newest);
    }
    for chunk in unit_ids.chunks(IN_CHUNK) {
        let rows: Vec<SubmissionRow> = submissions::table
            .filter(submissions::unit_id.eq_any(chunk))
            .filter(submissions::campaign_id.eq_any(campaign_ids))
            .order(submissions::id.asc())
            .select(SubmissionRow::as_select())
            .load(conn)?;
        for row in rows {
            newest.insert((row.unit_id, row.campaign_id), row);
        }
    }
    Ok(newest)
}

/// (submission id, input key, value) of many submissions.
pub fn inputs_of(conn: &mut DbConn, ids: &[i64]) -> StoreResult<Vec<(i64, String, String)>> {
    super::submissions::inputs_of(conn, ids)
}

/// Files by content, each kept once; content let go earlier (a refused
/// upload past its quota) is brought back by the same bytes.
pub fn store_files(
    conn: &mut DbConn,
    files: &[(&str, &[u8])],
    now: NaiveDateTime,
) -> StoreResult<()> {
    let digests: Vec<&str> = files.iter().map(|(d, _)| *d).collect();
    let mut purged: Vec<String> = Vec::new();
    for chunk in digests.chunks(IN_CHUNK) {
        purged.extend(
            stored_files::table
                .filter(stored_files::sha256.eq_any(chunk))
                .filter(stored_files::purged_at.is_not_null())
                .select(stored_files::sha256)
                .load::<String>(conn)?,
        );
    }
    for (digest, content) in files.iter().filter(|(d, _)| purged.iter().any(|p| p == d)) {
        super::submissions::store_file(conn, digest, content, now)?;
    }
    let rows: Vec<_> = files
        .iter()
        .map(|(digest, content)| {
            (
                stored_files::sha256.eq(*digest),
                stored_files::size.eq(content.len() as i64),
                stored_files::content.eq(*content),
                stored_files::created_at.eq(now),
            )
        })
        .collect();
    for chunk in rows.chunks(rows_per_statement(4)) {
        match &mut *conn {
            DbConn::Sqlite(c) => diesel::insert_or_ignore_into(stored_files::table)
                .values(chunk)
                .execute(c)?,
            DbConn::Postgres(c) => diesel::insert_into(stored_files::table)
                .values(chunk)
                .on_conflict_do_nothing()
                .execute(c)?,
        };
    }
    Ok(())
}

/// New submissions; (id, unit id) of each.
pub fn insert_submissions(
    conn: &mut DbConn,
    rows: &[NewSubmission<'_>],
) -> StoreResult<Vec<(i64, i64)>> {
    let mut all = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(rows_per_statement(12)) {
        let query = diesel::insert_into(submissions::table)
            .values(chunk)
            .returning((submissions::id, submissions::unit_id));
        all.extend(on_backend!(&mut *conn, |c| query.get_results::<(i64, i64)>(c))?);
    }
    Ok(all)
}

/// (submission id, input key, value as stored).
pub fn insert_inputs(conn: &mut DbConn, rows: &[(i64, String, String)]) -> StoreResult<()> {
    let rows: Vec<_> = rows
        .iter()
        .map(|(id, key, value)| {
            (
                submission_inputs::submission_id.eq(*id),
                submission_inputs::input_key.eq(key),
                submission_inputs::value.eq(value),
            )
        })
        .collect();
    copy_in!(conn, submission_inputs::table, &rows, 3);
    Ok(())
}

/// (submission id, item code, answer as stored, 情况说明).
pub type AnswerRow = (i64, String, Option<String>, Option<String>);

pub fn insert_answers(conn: &mut DbConn, rows: &[AnswerRow]) -> StoreResult<()> {
    let rows: Vec<_> = rows
        .iter()
        .map(|(id, code, answer, remark)| {
            (
                submission_answers::submission_id.eq(*id),
                submission_answers::item_code.eq(code),
                submission_answers::answer.eq(answer.as_deref()),
                submission_answers::remark.eq(remark.as_deref()),
            )
        })
        .collect();
    copy_in!(conn, submission_answers::table, &rows, 4);
    Ok(())
}

/// New assessments; (id, submission id) of each.
pub fn insert_assessments(
    conn: &mut DbConn,
    rows: &[NewAssessment<'_>],
) -> StoreResult<Vec<(i64, i64)>> {
    let mut all = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(rows_per_statement(20)) {
        let query = diesel::insert_into(assessments::table)
            .values(chunk)
            .returning((assessments::id, assessments::submission_id));
        all.extend(on_backend!(&mut *conn, |c| query.get_results::<(i64, i64)>(c))?);
    }
    let written: Vec<(i64, i64)> = rows.iter().map(|a| (a.campaign_id, a.unit_id)).collect();
    super::assessments::settle_current(conn, &written)?;
    Ok(all)
}

pub fn insert_items(conn: &mut DbConn, rows: &[AssessmentItemRow]) -> StoreResult<()> {
    copy_in!(conn, assessment_items::table, rows, 11);
    Ok(())
}

pub fn insert_categories(conn: &mut DbConn, rows: &[AssessmentCategoryRow]) -> StoreResult<()> {
    copy_in!(conn, assessment_categories::table, rows, 6);
    Ok(())
}

/// New orders; (id, unit id, finding key) of each (the order of RETURNING
/// rows is not promised, so callers match by unit and key). PostgreSQL
/// takes the ids from the table's sequence first, in the order given, and
/// COPYs the rows with them.
pub fn insert_orders(
    conn: &mut DbConn,
    rows: &[NewRectification<'_>],
) -> StoreResult<Vec<(i64, i64, String)>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    if let DbConn::Postgres(c) = &mut *conn {
        let mut ids: Vec<i64> = diesel::sql_query(
            "SELECT nextval(pg_get_serial_sequence('rectifications', 'id')) AS id \
             FROM generate_series(1, $1)",
        )
        .bind::<diesel::sql_types::BigInt, _>(rows.len() as i64)
        .load::<NextId>(c)?
        .into_iter()
        .map(|n| n.id)
        .collect();
        ids.sort_unstable();
        let with_ids: Vec<OrderWithId<'_>> = rows
            .iter()
            .zip(&ids)
            .map(|(r, id)| OrderWithId {
                id: *id,
                unit_id: r.unit_id,
                origin_campaign_id: r.origin_campaign_id,
                campaign_id: r.campaign_id,
                assessment_id: r.assessment_id,
                kind: r.kind,
                finding_key: r.finding_key,
                item_code: r.item_code,
                category_code: r.category_code,
                title: r.title,
                requirement: r.requirement,
                points_lost: r.points_lost,
                state: r.state,
                due: r.due,
                due_set_by_hand: r.due_set_by_hand,
                previous_id: r.previous_id,
                created_at: r.created_at,
                updated_at: r.updated_at,
                defects: r.defects.as_deref(),
            })
            .collect();
        diesel::copy_from(rectifications::table)
            .from_insertable(&with_ids)
            .execute(c)?;
        return Ok(rows
            .iter()
            .zip(ids)
            .map(|(r, id)| (id, r.unit_id, r.finding_key.to_string()))
            .collect());
    }
    let mut all = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(rows_per_statement(18)) {
        let query = diesel::insert_into(rectifications::table)
            .values(chunk)
            .returning((
                rectifications::id,
                rectifications::unit_id,
                rectifications::finding_key,
            ));
        all.extend(on_backend!(&mut *conn, |c| query.get_results::<(i64, i64, String)>(c))?);
    }
    Ok(all)
}

#[derive(QueryableByName)]
struct NextId {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// An order with its id taken beforehand (COPY returns no ids).
#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = rectifications)]
struct OrderWithId<'a> {
    id: i64,
    unit_id: i64,
    origin_campaign_id: i64,
    campaign_id: i64,
    assessment_id: i64,
    kind: &'a str,
    finding_key: &'a str,
    item_code: Option<&'a str>,
    category_code: Option<&'a str>,
    title: &'a str,
    requirement: &'a str,
    points_lost: i32,
    state: &'a str,
    due: chrono::NaiveDate,
    due_set_by_hand: bool,
    previous_id: Option<i64>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    defects: Option<&'a str>,
}

pub fn insert_events(conn: &mut DbConn, rows: &[NewRectificationEvent<'_>]) -> StoreResult<()> {
    copy_in!(conn, rectification_events::table, rows, 12);
    Ok(())
}

/// An active order brought in step with a newer assessment (转入, 更新):
/// its text and points from the new finding, moved into that campaign.
#[derive(Clone, Debug)]
pub struct OrderRefresh<'a> {
    pub campaign_id: i64,
    pub assessment_id: i64,
    pub title: &'a str,
    pub requirement: &'a str,
    pub points_lost: i32,
    pub defects: Option<String>,
}

/// What one step of a plan changes on an existing order; `None` leaves a
/// part as it is.
#[derive(Clone, Debug)]
pub struct OrderChange<'a> {
    pub id: i64,
    pub refresh: Option<OrderRefresh<'a>>,
    pub due: Option<NaiveDate>,
    /// The new state and its closing reason.
    pub state: Option<(&'a str, Option<String>)>,
    pub updated_at: NaiveDateTime,
}

/// Changes to existing orders. PostgreSQL: one UPDATE from arrays for the
/// lot (a district's later year carries ~27 orders a unit, which row by
/// row was most of an import's round trips). SQLite, which has no round
/// trips: a statement per order. An order changed twice goes row by row,
/// in order, as an UPDATE … FROM would apply only one of its changes.
pub fn update_orders(conn: &mut DbConn, changes: &[OrderChange<'_>]) -> StoreResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut seen = std::collections::HashSet::with_capacity(changes.len());
    let distinct = changes.iter().all(|c| seen.insert(c.id));
    match &mut *conn {
        DbConn::Postgres(c) if distinct => update_orders_at_once(c, changes),
        _ => {
            for change in changes {
                update_order(conn, change)?;
            }
            Ok(())
        }
    }
}

fn update_order(conn: &mut DbConn, change: &OrderChange<'_>) -> StoreResult<()> {
    let id = change.id;
    if let Some((state, reason)) = &change.state {
        diesel::update(rectifications::table.find(id))
            .set((
                rectifications::state.eq(*state),
                rectifications::closed_reason.eq(reason.as_deref()),
                rectifications::updated_at.eq(change.updated_at),
            ))
            .execute(conn)?;
    }
    if let Some(r) = &change.refresh {
        diesel::update(rectifications::table.find(id))
            .set((
                rectifications::campaign_id.eq(r.campaign_id),
                rectifications::assessment_id.eq(r.assessment_id),
                rectifications::title.eq(r.title),
                rectifications::requirement.eq(r.requirement),
                rectifications::points_lost.eq(r.points_lost),
                rectifications::defects.eq(r.defects.as_deref()),
                rectifications::updated_at.eq(change.updated_at),
            ))
            .execute(conn)?;
    }
    if let Some(due) = change.due {
        diesel::update(rectifications::table.find(id))
            .set(rectifications::due.eq(due))
            .execute(conn)?;
    }
    Ok(())
}

fn update_orders_at_once(
    conn: &mut diesel::PgConnection,
    changes: &[OrderChange<'_>],
) -> StoreResult<()> {
    use diesel::sql_types::{Array, BigInt, Bool, Date, Integer, Nullable, Text, Timestamp};
    let refresh = |f: fn(&OrderRefresh<'_>) -> Option<String>| -> Vec<Option<String>> {
        changes
            .iter()
            .map(|c| c.refresh.as_ref().and_then(f))
            .collect()
    };
    let refreshed: Vec<bool> = changes.iter().map(|c| c.refresh.is_some()).collect();
    let campaigns: Vec<Option<i64>> = changes
        .iter()
        .map(|c| c.refresh.as_ref().map(|r| r.campaign_id))
        .collect();
    let assessments: Vec<Option<i64>> = changes
        .iter()
        .map(|c| c.refresh.as_ref().map(|r| r.assessment_id))
        .collect();
    let points: Vec<Option<i32>> = changes
        .iter()
        .map(|c| c.refresh.as_ref().map(|r| r.points_lost))
        .collect();
    let states: Vec<Option<String>> = changes
        .iter()
        .map(|c| c.state.as_ref().map(|(s, _)| s.to_string()))
        .collect();
    let reasons: Vec<Option<String>> = changes
        .iter()
        .map(|c| c.state.as_ref().and_then(|(_, r)| r.clone()))
        .collect();
    diesel::sql_query(
        "UPDATE rectifications AS r SET \
           campaign_id = COALESCE(v.campaign_id, r.campaign_id), \
           assessment_id = COALESCE(v.assessment_id, r.assessment_id), \
           title = COALESCE(v.title, r.title), \
           requirement = COALESCE(v.requirement, r.requirement), \
           points_lost = COALESCE(v.points_lost, r.points_lost), \
           defects = CASE WHEN v.refreshed THEN v.defects ELSE r.defects END, \
           due = COALESCE(v.due, r.due), \
           state = COALESCE(v.state, r.state), \
           closed_reason = CASE WHEN v.state IS NULL THEN r.closed_reason ELSE v.closed_reason END, \
           updated_at = v.updated_at \
         FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
           AS v(id, refreshed, campaign_id, assessment_id, title, requirement, points_lost, \
                defects, due, state, closed_reason, updated_at) \
         WHERE r.id = v.id",
    )
    .bind::<Array<BigInt>, _>(changes.iter().map(|c| c.id).collect::<Vec<_>>())
    .bind::<Array<Bool>, _>(refreshed)
    .bind::<Array<Nullable<BigInt>>, _>(campaigns)
    .bind::<Array<Nullable<BigInt>>, _>(assessments)
    .bind::<Array<Nullable<Text>>, _>(refresh(|r| Some(r.title.to_string())))
    .bind::<Array<Nullable<Text>>, _>(refresh(|r| Some(r.requirement.to_string())))
    .bind::<Array<Nullable<Integer>>, _>(points)
    .bind::<Array<Nullable<Text>>, _>(refresh(|r| r.defects.clone()))
    .bind::<Array<Nullable<Date>>, _>(changes.iter().map(|c| c.due).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(states)
    .bind::<Array<Nullable<Text>>, _>(reasons)
    .bind::<Array<Timestamp>, _>(changes.iter().map(|c| c.updated_at).collect::<Vec<_>>())
    .execute(conn)?;
    Ok(())
}

/// Every order of many units, oldest first, each with its assessment's
/// checklist reference and the tier applied for.
pub fn orders_with_basis(
    conn: &mut DbConn,
    unit_ids: &[i64],
) -> StoreResult<Vec<(RectificationRow, String, Option<String>)>> {
    let mut all = Vec::new();
    for chunk in unit_ids.chunks(IN_CHUNK) {
        all.extend(
            rectifications::table
                .inner_join(
                    assessments::table.on(assessments::id.eq(rectifications::assessment_id)),
                )
                .filter(rectifications::unit_id.eq_any(chunk))
                .order(rectifications::id.asc())
                .select((
                    RectificationRow::as_select(),
                    assessments::checklist_reference,
                    assessments::target_tier,
                ))
                .load::<(RectificationRow, String, Option<String>)>(conn)?,
        );
    }
    Ok(all)
}

/// The orders among `ids` whose last event is an automatic close.
pub fn closed_automatically(conn: &mut DbConn, ids: &[i64]) -> StoreResult<Vec<i64>> {
    let mut last: HashMap<i64, String> = HashMap::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let rows: Vec<(i64, String)> = rectification_events::table
            .filter(rectification_events::rectification_id.eq_any(chunk))
            .order(rectification_events::id.asc())
            .select((
                rectification_events::rectification_id,
                rectification_events::action,
            ))
            .load(conn)?;
        last.extend(rows);
    }
    Ok(last
        .into_iter()
        .filter(|(_, action)| action == "auto_close")
        .map(|(id, _)| id)
        .collect())
}

/// (submission id, input key, message) flags.
pub fn insert_flags(
    conn: &mut DbConn,
    rows: &[(i64, Option<String>, String)],
    now: NaiveDateTime,
) -> StoreResult<()> {
    let rows: Vec<_> = rows
        .iter()
        .map(|(id, input, message)| {
            (
                plausibility_flags::submission_id.eq(*id),
                plausibility_flags::input_key.eq(input.as_deref()),
                plausibility_flags::message.eq(message),
                plausibility_flags::created_at.eq(now),
            )
        })
        .collect();
    copy_in!(conn, plausibility_flags::table, &rows, 4);
    Ok(())
}
