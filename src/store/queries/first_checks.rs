//! 初审: street officers' first checks of uploads.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::on_backend;
use crate::store::schema::{first_checks, users};
use crate::store::{DbConn, StoreResult};

/// A first check as stored (`item_notes` is JSON).
#[derive(Clone, Debug, Queryable)]
pub struct FirstCheckRow {
    pub id: i64,
    pub submission_id: i64,
    pub decision: String,
    pub note: String,
    pub item_notes: String,
    pub checked_at: NaiveDateTime,
    /// Who checked (the account's user name).
    pub checked_by: Option<String>,
}

pub struct NewFirstCheck<'a> {
    pub submission_id: i64,
    pub user_id: Option<i64>,
    pub decision: &'a str,
    pub note: &'a str,
    pub item_notes: &'a str,
    pub checked_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewFirstCheck<'_>) -> StoreResult<i64> {
    let query = diesel::insert_into(first_checks::table)
        .values((
            first_checks::submission_id.eq(new.submission_id),
            first_checks::user_id.eq(new.user_id),
            first_checks::decision.eq(new.decision),
            first_checks::note.eq(new.note),
            first_checks::item_notes.eq(new.item_notes),
            first_checks::checked_at.eq(new.checked_at),
        ))
        .returning(first_checks::id);
    Ok(on_backend!(conn, |c| query.get_result(c))?)
}

/// The newest first check of each of `submissions` (the one that counts).
pub fn latest_of(conn: &mut DbConn, submissions: &[i64]) -> StoreResult<Vec<FirstCheckRow>> {
    let mut latest: Vec<FirstCheckRow> = Vec::new();
    for chunk in submissions.chunks(500) {
        let rows: Vec<FirstCheckRow> = first_checks::table
            .left_join(users::table.on(users::id.nullable().eq(first_checks::user_id)))
            .filter(first_checks::submission_id.eq_any(chunk))
            .order((first_checks::submission_id.asc(), first_checks::id.desc()))
            .select((
                first_checks::id,
                first_checks::submission_id,
                first_checks::decision,
                first_checks::note,
                first_checks::item_notes,
                first_checks::checked_at,
                users::username.nullable(),
            ))
            .load(conn)?;
        for row in rows {
            if latest
                .last()
                .is_none_or(|l| l.submission_id != row.submission_id)
            {
                latest.push(row);
            }
        }
    }
    Ok(latest)
}
