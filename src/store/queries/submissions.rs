use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::on_backend;
use crate::store::models::{NewSubmission, SubmissionRow};
use crate::store::schema::{
    rejected_uploads, stored_files, submission_answers, submission_inputs, submissions,
};
use crate::store::{DbConn, StoreResult};

/// Keeps a file's bytes once per content (a second copy is not written).
pub fn store_file(
    conn: &mut DbConn,
    sha256: &str,
    content: &[u8],
    now: NaiveDateTime,
) -> StoreResult<()> {
    let row = (
        stored_files::sha256.eq(sha256),
        stored_files::size.eq(content.len() as i64),
        stored_files::content.eq(content),
        stored_files::created_at.eq(now),
    );
    let inserted = match conn {
        DbConn::Sqlite(c) => diesel::insert_or_ignore_into(stored_files::table)
            .values(row)
            .execute(c)?,
        DbConn::Postgres(c) => diesel::insert_into(stored_files::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
    };
    if inserted == 0 {
        // Known already; if its content was let go (a refused upload past
        // its quota or retention), these same bytes bring it back.
        diesel::update(
            stored_files::table
                .filter(stored_files::sha256.eq(sha256))
                .filter(stored_files::purged_at.is_not_null()),
        )
        .set((
            stored_files::content.eq(content),
            stored_files::purged_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    }
    Ok(())
}

/// Records a file by its hash and size only (its content not kept): a
/// refused upload over its account's quota. A file already stored keeps
/// its content.
pub fn store_file_without_content(
    conn: &mut DbConn,
    sha256: &str,
    size: usize,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let row = (
        stored_files::sha256.eq(sha256),
        stored_files::size.eq(size as i64),
        stored_files::content.eq(&[] as &[u8]),
        stored_files::created_at.eq(now),
        stored_files::purged_at.eq(Some(now)),
    );
    match conn {
        DbConn::Sqlite(c) => diesel::insert_or_ignore_into(stored_files::table)
            .values(row)
            .execute(c)?,
        DbConn::Postgres(c) => diesel::insert_into(stored_files::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
    };
    Ok(())
}

/// Bytes of refused uploads by `user_id` since `since` whose content is
/// still kept.
pub fn rejected_bytes_kept(
    conn: &mut DbConn,
    user_id: Option<i64>,
    since: NaiveDateTime,
) -> StoreResult<i64> {
    let files = rejected_uploads::table
        .inner_join(stored_files::table.on(stored_files::sha256.eq(rejected_uploads::file_sha256)))
        .filter(rejected_uploads::uploaded_at.ge(since))
        .filter(stored_files::purged_at.is_null())
        .select(stored_files::size);
    let sizes: Vec<i64> = match user_id {
        Some(id) => files
            .filter(rejected_uploads::uploaded_by.eq(id))
            .load(conn)?,
        None => files
            .filter(rejected_uploads::uploaded_by.is_null())
            .load(conn)?,
    };
    Ok(sizes.iter().sum())
}

/// Lets go of the content of files that only refused uploads older than
/// `before` refer to (no submission, no evidence); their rows, hashes and
/// problems stay. Returns how many files were let go.
pub fn purge_rejected_before(
    conn: &mut DbConn,
    before: NaiveDateTime,
    now: NaiveDateTime,
) -> StoreResult<usize> {
    use crate::store::schema::rectification_evidence;
    let old = rejected_uploads::table
        .filter(rejected_uploads::uploaded_at.lt(before))
        .select(rejected_uploads::file_sha256);
    let recent = rejected_uploads::table
        .filter(rejected_uploads::uploaded_at.ge(before))
        .select(rejected_uploads::file_sha256);
    let in_use = submissions::table.select(submissions::file_sha256);
    let evidence = rectification_evidence::table.select(rectification_evidence::file_sha256);
    Ok(diesel::update(
        stored_files::table
            .filter(stored_files::purged_at.is_null())
            .filter(stored_files::sha256.eq_any(old))
            .filter(stored_files::sha256.ne_all(recent))
            .filter(stored_files::sha256.ne_all(in_use))
            .filter(stored_files::sha256.ne_all(evidence)),
    )
    .set((
        stored_files::content.eq(&[] as &[u8]),
        stored_files::purged_at.eq(Some(now)),
    ))
    .execute(conn)?)
}

pub fn file_content(conn: &mut DbConn, sha256: &str) -> StoreResult<Vec<u8>> {
    Ok(stored_files::table
        .filter(stored_files::sha256.eq(sha256))
        .select(stored_files::content)
        .first(conn)?)
}

pub fn insert(conn: &mut DbConn, submission: &NewSubmission<'_>) -> StoreResult<i64> {
    let query = diesel::insert_into(submissions::table)
        .values(submission)
        .returning(submissions::id);
    Ok(on_backend!(conn, |c| query.get_result(c))?)
}

pub fn get(conn: &mut DbConn, id: i64) -> StoreResult<SubmissionRow> {
    Ok(submissions::table
        .find(id)
        .select(SubmissionRow::as_select())
        .first(conn)?)
}

/// The newest submission of a unit in a campaign: the one that counts.
pub fn current(
    conn: &mut DbConn,
    unit_id: i64,
    campaign_id: i64,
) -> StoreResult<Option<SubmissionRow>> {
    Ok(submissions::table
        .filter(submissions::unit_id.eq(unit_id))
        .filter(submissions::campaign_id.eq(campaign_id))
        .order(submissions::id.desc())
        .select(SubmissionRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every submission of a unit, newest first.
pub fn of_unit(conn: &mut DbConn, unit_id: i64) -> StoreResult<Vec<SubmissionRow>> {
    Ok(submissions::table
        .filter(submissions::unit_id.eq(unit_id))
        .order(submissions::id.desc())
        .select(SubmissionRow::as_select())
        .load(conn)?)
}

/// The submission that replaced this one, if any (the next of the same unit and campaign).
pub fn superseded_by(conn: &mut DbConn, row: &SubmissionRow) -> StoreResult<Option<i64>> {
    Ok(submissions::table
        .filter(submissions::unit_id.eq(row.unit_id))
        .filter(submissions::campaign_id.eq(row.campaign_id))
        .filter(submissions::id.gt(row.id))
        .order(submissions::id.asc())
        .select(submissions::id)
        .first(conn)
        .optional()?)
}

pub fn insert_inputs(
    conn: &mut DbConn,
    submission_id: i64,
    inputs: &[(String, String)],
) -> StoreResult<()> {
    let rows: Vec<_> = inputs
        .iter()
        .map(|(key, value)| {
            (
                submission_inputs::submission_id.eq(submission_id),
                submission_inputs::input_key.eq(key),
                submission_inputs::value.eq(value),
            )
        })
        .collect();
    let query = diesel::insert_into(submission_inputs::table).values(&rows);
    on_backend!(conn, |c| query.execute(c))?;
    Ok(())
}

pub fn inputs(conn: &mut DbConn, submission_id: i64) -> StoreResult<Vec<(String, String)>> {
    Ok(submission_inputs::table
        .filter(submission_inputs::submission_id.eq(submission_id))
        .select((submission_inputs::input_key, submission_inputs::value))
        .load(conn)?)
}

/// A self-score row: (item code, answer as stored, 情况说明).
pub type AnswerRow = (String, Option<String>, Option<String>);

pub fn insert_answers(
    conn: &mut DbConn,
    submission_id: i64,
    answers: &[AnswerRow],
) -> StoreResult<()> {
    let rows: Vec<_> = answers
        .iter()
        .map(|(code, answer, remark)| {
            (
                submission_answers::submission_id.eq(submission_id),
                submission_answers::item_code.eq(code),
                submission_answers::answer.eq(answer.as_deref()),
                submission_answers::remark.eq(remark.as_deref()),
            )
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let query = diesel::insert_into(submission_answers::table).values(&rows);
    on_backend!(conn, |c| query.execute(c))?;
    Ok(())
}

pub fn answers(conn: &mut DbConn, submission_id: i64) -> StoreResult<Vec<AnswerRow>> {
    Ok(submission_answers::table
        .filter(submission_answers::submission_id.eq(submission_id))
        .select((
            submission_answers::item_code,
            submission_answers::answer,
            submission_answers::remark,
        ))
        .load(conn)?)
}

pub fn insert_rejected(
    conn: &mut DbConn,
    sha256: &str,
    file_name: &str,
    problems: &str,
    uploaded_by: Option<i64>,
    now: NaiveDateTime,
) -> StoreResult<i64> {
    let query = diesel::insert_into(rejected_uploads::table)
        .values((
            rejected_uploads::file_sha256.eq(sha256),
            rejected_uploads::file_name.eq(file_name),
            rejected_uploads::problems.eq(problems),
            rejected_uploads::uploaded_by.eq(uploaded_by),
            rejected_uploads::uploaded_at.eq(now),
        ))
        .returning(rejected_uploads::id);
    Ok(on_backend!(conn, |c| query.get_result(c))?)
}

pub fn count(conn: &mut DbConn) -> StoreResult<i64> {
    Ok(submissions::table.count().get_result(conn)?)
}

/// Unit ids with a submission in a campaign.
pub fn units_submitted(conn: &mut DbConn, campaign_id: i64) -> StoreResult<Vec<i64>> {
    Ok(submissions::table
        .filter(submissions::campaign_id.eq(campaign_id))
        .select(submissions::unit_id)
        .distinct()
        .load(conn)?)
}

/// (submission id, late) for many submissions.
pub fn late_flags(conn: &mut DbConn, ids: &[i64]) -> StoreResult<Vec<(i64, bool)>> {
    let mut all = Vec::new();
    for chunk in ids.chunks(500) {
        all.extend(
            submissions::table
                .filter(submissions::id.eq_any(chunk))
                .select((submissions::id, submissions::late))
                .load::<(i64, bool)>(conn)?,
        );
    }
    Ok(all)
}

/// (submission id, input key, value) for many submissions.
pub fn inputs_of(conn: &mut DbConn, ids: &[i64]) -> StoreResult<Vec<(i64, String, String)>> {
    let mut all = Vec::new();
    for chunk in ids.chunks(500) {
        all.extend(
            submission_inputs::table
                .filter(submission_inputs::submission_id.eq_any(chunk))
                .select((
                    submission_inputs::submission_id,
                    submission_inputs::input_key,
                    submission_inputs::value,
                ))
                .load::<(i64, String, String)>(conn)?,
        );
    }
    Ok(all)
}

/// (submission id, item code, answer as stored) for many submissions.
pub fn answers_of(
    conn: &mut DbConn,
    ids: &[i64],
) -> StoreResult<Vec<(i64, String, Option<String>)>> {
    let mut all = Vec::new();
    for chunk in ids.chunks(500) {
        all.extend(
            submission_answers::table
                .filter(submission_answers::submission_id.eq_any(chunk))
                .select((
                    submission_answers::submission_id,
                    submission_answers::item_code,
                    submission_answers::answer,
                ))
                .load::<(i64, String, Option<String>)>(conn)?,
        );
    }
    Ok(all)
}
