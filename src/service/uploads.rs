//! Uploads: a self-check workbook becomes a submission (the file kept byte
//! for byte), its facts and answers, a scored assessment and plausibility
//! flags — all in one transaction, or nothing. An invalid workbook stores
//! no submission; its file is kept apart, with its problems.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::Scorecard;
use crate::domain::{InputValue, plausibility};
use crate::ingest::self_check::{Named, Problem, SelfCheck, named_version};
use crate::store::models::{NewSubmission, NewUnit, SubmissionRow, UnitRow};
use crate::store::{DbConn, StoreError, queries, savepoint, write};

use super::audit::{self, Entity};
use super::checklists;
use super::recording;
use super::scoring::{ScoreView, Scored, score_workbook};
use super::{Actor, Clock, Env, Role, ServiceError, ServiceResult, encode_answer, encode_input};

pub use super::sha256;

/// What an accepted upload produced.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct UploadOutcome {
    /// The stored submission; null for a dry run.
    pub submission_id: Option<i64>,
    /// The self-assessment computed from it; null for a dry run.
    pub assessment_id: Option<i64>,
    /// The same bytes were already this unit's current submission: nothing new stored.
    pub duplicate: bool,
    /// Uploaded after the campaign's deadline (逾期).
    pub late: bool,
    /// Figures that look implausible, for the inspector (never blocking).
    pub flags: Vec<String>,
    #[serde(flatten)]
    #[schema(inline)]
    pub result: ScoreView,
}

/// A workbook read and scored, ready to store: the costly part of an
/// upload, done without a database connection so many can run at once.
pub struct Prepared {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub digest: String,
    pub scored: Result<Scored, Vec<Problem>>,
    /// What a refused workbook's 基本情况 says it was made from (to tell a
    /// workbook of another checklist version in one message).
    pub named: Option<Named>,
}

/// Reads and scores a workbook.
pub fn prepare(env: Env<'_>, file_name: &str, bytes: Vec<u8>) -> Prepared {
    let digest = sha256(&bytes);
    let scored = score_workbook(&bytes, env.catalog, env.limits);
    let named = match &scored {
        Ok(_) => None,
        Err(_) => named_version(&bytes, env.limits),
    };
    Prepared {
        file_name: file_name.to_string(),
        bytes,
        digest,
        scored,
        named,
    }
}

/// Reads, checks, scores and (unless `dry_run`) stores one workbook.
pub fn upload(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
) -> ServiceResult<UploadOutcome> {
    if actor.role == Role::Leader {
        return Err(ServiceError::Forbidden("领导账号只能查看，不能上传".into()));
    }
    commit(
        conn,
        env,
        actor,
        prepare(env, file_name, bytes.to_vec()),
        dry_run,
    )
}

/// Checks a prepared workbook against the caller's rights and the
/// campaign, and (unless `dry_run`) stores it in one transaction.
pub fn commit(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    prepared: Prepared,
    dry_run: bool,
) -> ServiceResult<UploadOutcome> {
    commit_all(conn, env, actor, vec![prepared], dry_run)
        .pop()
        .unwrap_or_else(|| Err(ServiceError::Internal("no result".into())))
}

/// Files stored in one transaction at most: a bulk import commits in
/// groups (far fewer commits) while each file keeps its own savepoint.
pub const GROUP: usize = 50;

/// Stores prepared workbooks in the order given, file by file. Each file
/// is all or nothing (a savepoint of its own); files are committed in
/// groups. A result per file, in order. (A bulk import stores its groups
/// set-based: `upload_batch` goes through `upload_set`.)
pub fn commit_all(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    prepared: Vec<Prepared>,
    dry_run: bool,
) -> Vec<ServiceResult<UploadOutcome>> {
    commit_groups(conn, actor, prepared, |conn, group| {
        group
            .into_iter()
            .map(|p| commit_in(conn, env, actor, p, dry_run))
            .collect()
    })
}

/// Commits prepared workbooks group by group, each group's files stored
/// by `store_group` inside the group's transaction. A result per file.
pub(super) fn commit_groups(
    conn: &mut DbConn,
    actor: &Actor,
    prepared: Vec<Prepared>,
    mut store_group: impl FnMut(&mut DbConn, Vec<Prepared>) -> Vec<ServiceResult<UploadOutcome>>,
) -> Vec<ServiceResult<UploadOutcome>> {
    if actor.role == Role::Leader {
        return prepared
            .iter()
            .map(|_| Err(ServiceError::Forbidden("领导账号只能查看，不能上传".into())))
            .collect();
    }
    let mut results = Vec::with_capacity(prepared.len());
    let mut rest = prepared.into_iter().peekable();
    while rest.peek().is_some() {
        let group: Vec<Prepared> = rest.by_ref().take(GROUP).collect();
        let size = group.len();
        let stored = write(conn, |conn| Ok::<_, ServiceError>(store_group(conn, group)));
        match stored {
            Ok(done) => results.extend(done),
            // The group's commit itself failed: none of it is stored.
            Err(e) => {
                let e = std::sync::Arc::new(e);
                results.extend((0..size).map(|_| Err(ServiceError::Shared(e.clone()))));
            }
        }
    }
    results
}

/// One file inside the caller's transaction; its writes are undone alone
/// when it fails (an invalid file is kept apart, and that is kept).
pub(super) fn commit_in(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    prepared: Prepared,
    dry_run: bool,
) -> ServiceResult<UploadOutcome> {
    let Prepared {
        file_name,
        bytes,
        digest,
        scored,
        named,
    } = prepared;
    let scored = match scored {
        Ok(scored) => scored,
        Err(problems) => {
            // Last year's template is one mistake, not dozens of cell errors.
            let wrong = match &named {
                Some(named) => wrong_version(conn, actor, named)?,
                None => None,
            };
            let problems = match &wrong {
                Some(message) => vec![super::scoring::file_problem(message.clone())],
                None => problems,
            };
            if !dry_run {
                savepoint(conn, |conn| {
                    keep_rejected(
                        conn, actor, &file_name, &bytes, &digest, &problems, env.clock,
                    )
                })?;
            }
            return Err(match wrong {
                Some(message) => ServiceError::Conflict(message),
                None => ServiceError::Invalid(problems),
            });
        }
    };
    check_unit_rights(conn, actor, &scored.check)?;

    if dry_run {
        // Campaign rules still apply: a dry run says what a real upload would meet.
        check_campaign(conn, actor, &scored.check, env.clock, false)?;
        return Ok(UploadOutcome {
            submission_id: None,
            assessment_id: None,
            duplicate: false,
            late: false,
            flags: Vec::new(),
            result: scored.view(),
        });
    }

    // Concurrent first uploads may race to create the same unit or campaign
    // on PostgreSQL; the loser retries and finds them.
    let mut attempt = 0;
    loop {
        attempt += 1;
        match savepoint(conn, |conn| {
            store(conn, env, actor, &file_name, &bytes, &digest, &scored)
        }) {
            Err(ServiceError::Store(e)) if e.is_unique_violation() && attempt < 3 => continue,
            other => return other,
        }
    }
}

/// Bytes of refused files kept per account within [`REJECTED_RETENTION_DAYS`];
/// past it a refused file keeps only its hash, size and problems. Real
/// clerks refuse themselves a few small workbooks a year; a script that
/// sends junk fills its own quota, not the disk.
pub const REJECTED_QUOTA_BYTES: usize = 100 * 1024 * 1024;

/// Days a refused file's content is kept (its hash and problems stay for
/// good); see [`purge_rejected`].
pub const REJECTED_RETENTION_DAYS: i64 = 90;

/// Lets go of the content of refused files older than the retention period
/// that nothing else refers to; their hash, size and problems stay.
pub fn purge_rejected(conn: &mut DbConn, clock: Clock) -> ServiceResult<usize> {
    let before = clock.now - chrono::Duration::days(REJECTED_RETENTION_DAYS);
    Ok(write(conn, |conn| {
        queries::submissions::purge_rejected_before(conn, before, clock.now)
    })?)
}

fn keep_rejected(
    conn: &mut DbConn,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
    digest: &str,
    problems: &[Problem],
    clock: Clock,
) -> ServiceResult<()> {
    let problems_json = serde_json::to_string(problems)?;
    {
        let since = clock.now - chrono::Duration::days(REJECTED_RETENTION_DAYS);
        let kept = queries::submissions::rejected_bytes_kept(conn, actor.user_id, since)?;
        let within_quota = kept as usize + bytes.len() <= REJECTED_QUOTA_BYTES;
        if within_quota && !bytes.is_empty() {
            queries::submissions::store_file(conn, digest, bytes, clock.now)?;
        } else {
            // Over quota, or an entry of an archive whose bytes were kept
            // with its first refused entry: the hash and size only.
            queries::submissions::store_file_without_content(conn, digest, bytes.len(), clock.now)?;
        }
        let id = queries::submissions::insert_rejected(
            conn,
            digest,
            file_name,
            &problems_json,
            actor.user_id,
            clock.now,
        )?;
        audit::record(
            conn,
            actor,
            clock,
            "upload.rejected",
            Entity::RejectedUpload(id),
            format!("{file_name}：{} 个问题", problems.len()),
        )
    }
}

/// The bureau uploads for any unit, a unit account for its own unit
/// only, a street officer for its street's units only.
fn check_unit_rights(conn: &mut DbConn, actor: &Actor, check: &SelfCheck) -> ServiceResult<()> {
    let own = match actor.role {
        Role::Admin | Role::Inspector => return Ok(()),
        Role::Leader => {
            return Err(ServiceError::Forbidden("领导账号只能查看，不能上传".into()));
        }
        Role::Unit => {
            let own = match actor.unit_id {
                Some(id) => queries::units::get(conn, id)?,
                None => return Err(ServiceError::Forbidden("账号未绑定单位".into())),
            };
            if own.code != check.unit.code {
                return Err(ServiceError::Forbidden(format!(
                    "只能上传本单位（{}，{}）的自查表，文件中的单位代码为 {}",
                    own.name, own.code, check.unit.code
                )));
            }
            own
        }
        Role::Street => {
            let street = actor.street_name().unwrap_or_default();
            queries::units::find_by_code(conn, &check.unit.code)?
                .filter(|u| actor.acts_for_unit(u.id))
                .ok_or_else(|| {
                    ServiceError::Forbidden(format!(
                        "只能上传本街道（{street}）单位的自查表，文件中的单位{}（{}）不在本街道",
                        check.unit.name, check.unit.code
                    ))
                })?
        }
    };
    // The campaign's checklist is chosen by kind: a unit may not pick
    // another kind's (and so another checklist) by what it types.
    if own.kind != check.unit.kind {
        return Err(ServiceError::Conflict(format!(
            "自查表中的单位类型“{}”与名册登记的“{}”不一致；请下载本单位的自查表重新填写，或联系区档案局更正名册",
            check.unit.kind, own.kind
        )));
    }
    Ok(())
}

/// The campaign an upload goes into: found, or (by the bureau) opened.
/// Returns the campaign id and whether the upload is late.
fn check_campaign(
    conn: &mut DbConn,
    actor: &Actor,
    check: &SelfCheck,
    clock: Clock,
    open_if_missing: bool,
) -> ServiceResult<(i64, bool)> {
    let year = check.year;
    let reference = check.checklist.reference();
    let kind = &check.unit.kind;
    let campaign = queries::campaigns::find_by_year(conn, year)?;
    let campaign = match campaign {
        Some(c) => c,
        None if actor.role.is_bureau() => {
            if !open_if_missing {
                // Dry run: the real upload would open it.
                return Ok((0, false));
            }
            let id = queries::campaigns::insert(conn, year, None, clock.now)?;
            checklists::adopt(conn, id, kind, &reference, actor, clock)?;
            audit::record(
                conn,
                actor,
                clock,
                "campaign.open",
                Entity::Campaign(id),
                format!("{year} 年度，由上传开启；{kind} 采用 {reference}"),
            )?;
            queries::campaigns::get(conn, id)?
        }
        None => {
            return Err(ServiceError::Conflict(format!(
                "{year} 年度的年检尚未开始，暂不能上传；请联系区档案局"
            )));
        }
    };
    if campaign.closed {
        return Err(ServiceError::Conflict(format!(
            "{year} 年度的年检已结束，不再接收自查表"
        )));
    }
    match queries::campaigns::checklist_for(conn, campaign.id, kind)? {
        Some(expected) if expected == reference => {}
        Some(expected) => {
            return Err(ServiceError::Conflict(wrong_version_message(
                conn, actor, year, kind, &expected, &reference,
            )?));
        }
        None if actor.role.is_bureau() => {
            if open_if_missing {
                checklists::adopt(conn, campaign.id, kind, &reference, actor, clock)?;
                audit::record(
                    conn,
                    actor,
                    clock,
                    "campaign.checklist",
                    Entity::Campaign(campaign.id),
                    format!("{kind} 采用 {reference}（由上传确定）"),
                )?;
            }
        }
        None => {
            return Err(ServiceError::Conflict(format!(
                "{year} 年度的年检未安排{kind}，暂不能上传；请联系区档案局"
            )));
        }
    }
    let late = campaign.deadline.is_some_and(|d| clock.today > d);
    Ok((campaign.id, late))
}

/// A refused workbook made from another version of the checklist than the
/// year's campaign uses for its kind of unit: the one message to give.
fn wrong_version(conn: &mut DbConn, actor: &Actor, named: &Named) -> ServiceResult<Option<String>> {
    let (Some(year), Some(kind)) = (named.year, named.unit_kind.as_deref()) else {
        return Ok(None);
    };
    let Some(campaign) = queries::campaigns::find_by_year(conn, year)? else {
        return Ok(None);
    };
    match queries::campaigns::checklist_for(conn, campaign.id, kind)? {
        Some(expected) if expected != named.checklist => {
            wrong_version_message(conn, actor, year, kind, &expected, &named.checklist).map(Some)
        }
        _ => Ok(None),
    }
}

/// "This workbook was made from version X; the year's campaign uses Y;
/// download Y's workbook here."
fn wrong_version_message(
    conn: &mut DbConn,
    actor: &Actor,
    year: i32,
    kind: &str,
    expected: &str,
    found: &str,
) -> ServiceResult<String> {
    let mut title = |reference: &str| -> ServiceResult<String> {
        Ok(queries::checklists::find(conn, reference)?
            .map(|row| format!("《{}》（{reference}）", row.title))
            .unwrap_or_else(|| reference.to_string()))
    };
    let (found_title, expected_title) = (title(found)?, title(expected)?);
    let download = if actor.role == Role::Unit {
        format!("请在本单位首页点“下载本单位的自查表”（/unit/template?year={year}）")
    } else {
        format!("请下载本年度的自查表（/api/v1/checklists/{expected}/template，或“批量上传”页面）")
    };
    Ok(format!(
        "这份自查表是按考核细则{found_title}填写的，而 {year} 年度{kind}的年检使用{expected_title}。\
         {download}，把内容转填后重新上传"
    ))
}

/// Where a workbook's unit differs from the roster (a flag, never blocking).
pub(super) fn unit_notes(unit: &UnitRow, check: &SelfCheck) -> Vec<String> {
    let mut notes = Vec::new();
    if unit.name != check.unit.name {
        notes.push(format!(
            "自查表中的单位名称“{}”与名册“{}”不一致",
            check.unit.name, unit.name
        ));
    }
    if unit.kind != check.unit.kind {
        notes.push(format!(
            "自查表中的单位类型“{}”与名册“{}”不一致",
            check.unit.kind, unit.kind
        ));
    }
    notes
}

/// The audit detail of an accepted upload.
pub(super) fn accept_note(
    file_name: &str,
    check: &SelfCheck,
    card: &Scorecard,
    late: bool,
) -> String {
    format!(
        "{file_name}：{}（{}）{} 年度，总分 {}{}",
        check.unit.name,
        check.unit.code,
        check.year,
        card.total,
        if late { "，逾期" } else { "" }
    )
}

/// The unit of a workbook: from the roster, or (by the bureau) created.
fn unit_for(
    conn: &mut DbConn,
    actor: &Actor,
    check: &SelfCheck,
    clock: Clock,
) -> ServiceResult<(i64, Vec<String>)> {
    if let Some(unit) = queries::units::find_by_code(conn, &check.unit.code)? {
        return Ok((unit.id, unit_notes(&unit, check)));
    }
    if !actor.role.is_bureau() {
        // A unit account's own unit is on the roster: a code that is not
        // is another unit's (403), as for any other unit's records.
        return Err(ServiceError::Forbidden(format!(
            "只能上传本单位的自查表（名册中没有单位代码 {}）",
            check.unit.code
        )));
    }
    let street_id = match &check.unit.street {
        Some(name) => Some(queries::units::street_id(conn, name, clock.now)?),
        None => None,
    };
    let id = queries::units::insert(
        conn,
        &NewUnit {
            code: &check.unit.code,
            name: &check.unit.name,
            kind: &check.unit.kind,
            street_id,
            contact_person: check.filled_by.as_deref(),
            contact_phone: check.phone.as_deref(),
            created_at: clock.now,
            updated_at: clock.now,
        },
    )?;
    audit::record(
        conn,
        actor,
        clock,
        "unit.create",
        Entity::Unit(id),
        format!("{}（{}），由自查表建立", check.unit.name, check.unit.code),
    )?;
    Ok((id, Vec::new()))
}

fn store(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
    digest: &str,
    scored: &Scored,
) -> ServiceResult<UploadOutcome> {
    let clock = env.clock;
    let check = &scored.check;
    let (campaign_id, late) = check_campaign(conn, actor, check, clock, true)?;
    let (unit_id, notes) = unit_for(conn, actor, check, clock)?;
    queries::units::lock(conn, unit_id)?;

    if let Some(current) = queries::submissions::current(conn, unit_id, campaign_id)?
        && current.file_sha256 == digest
    {
        // The same bytes again: recognised, nothing new stored.
        let assessment = queries::assessments::of_submission(conn, current.id)?
            .last()
            .map(|a| a.id);
        audit::record(
            conn,
            actor,
            clock,
            "upload.duplicate",
            Entity::Submission(current.id),
            format!("{file_name} 与当前自查表内容相同"),
        )?;
        return Ok(UploadOutcome {
            submission_id: Some(current.id),
            assessment_id: assessment,
            duplicate: true,
            late: current.late,
            flags: Vec::new(),
            result: scored.view(),
        });
    }

    queries::submissions::store_file(conn, digest, bytes, clock.now)?;
    let reference = check.checklist.reference();
    let submission_id = queries::submissions::insert(
        conn,
        &NewSubmission {
            unit_id,
            campaign_id,
            file_sha256: digest,
            file_name,
            checklist_reference: &reference,
            target_tier: check.target_tier.as_deref(),
            filled_by: check.filled_by.as_deref(),
            phone: check.phone.as_deref(),
            filled_on: check.filled_on.as_deref(),
            late,
            uploaded_by: actor.user_id,
            uploaded_at: clock.now,
        },
    )?;
    let inputs: Vec<(String, String)> = check
        .answers
        .inputs
        .iter()
        .map(|(k, v)| (k.clone(), encode_input(v)))
        .collect();
    queries::submissions::insert_inputs(conn, submission_id, &inputs)?;
    let answers: Vec<queries::submissions::AnswerRow> = check
        .checklist
        .items
        .iter()
        .filter_map(|item| {
            let answer = check.answers.self_scores.get(&item.code).map(encode_answer);
            let remark = check.remarks.get(&item.code).cloned();
            (answer.is_some() || remark.is_some()).then(|| (item.code.clone(), answer, remark))
        })
        .collect();
    queries::submissions::insert_answers(conn, submission_id, &answers)?;

    // The row as stored, without reading it back.
    let submission = SubmissionRow {
        id: submission_id,
        unit_id,
        campaign_id,
        file_sha256: digest.to_string(),
        file_name: file_name.to_string(),
        checklist_reference: reference.clone(),
        target_tier: check.target_tier.clone(),
        filled_by: check.filled_by.clone(),
        phone: check.phone.clone(),
        filled_on: check.filled_on.clone(),
        late,
        uploaded_by: actor.user_id,
        uploaded_at: clock.now,
    };
    let assessment_id = recording::record(
        conn,
        env,
        actor,
        &submission,
        check.year,
        &check.checklist,
        &scored.card,
        None,
    )?;

    let previous = previous_inputs(conn, unit_id, check.year)?;
    let mut flags: Vec<(Option<String>, String)> = plausibility::check(
        &check.checklist,
        &check.unit.kind,
        &check.answers.inputs,
        previous.as_ref(),
        env.plausibility,
    )
    .into_iter()
    .map(|f| (f.input, f.message))
    .collect();
    flags.extend(notes.into_iter().map(|n| (None, n)));
    for (input, message) in &flags {
        queries::flags::insert(conn, submission_id, input.as_deref(), message, clock.now)?;
    }

    audit::record(
        conn,
        actor,
        clock,
        "upload.accept",
        Entity::Submission(submission_id),
        accept_note(file_name, check, &scored.card, late),
    )?;

    Ok(UploadOutcome {
        submission_id: Some(submission_id),
        assessment_id: Some(assessment_id),
        duplicate: false,
        late,
        flags: flags.into_iter().map(|(_, m)| m).collect(),
        result: scored.view(),
    })
}

/// Last year's facts of a unit, for plausibility checks.
fn previous_inputs(
    conn: &mut DbConn,
    unit_id: i64,
    year: i32,
) -> Result<Option<BTreeMap<String, InputValue>>, StoreError> {
    let Some(previous) = year.checked_sub(1) else {
        return Ok(None);
    };
    let Some(campaign) = queries::campaigns::find_by_year(conn, previous)? else {
        return Ok(None);
    };
    let Some(submission) = queries::submissions::current(conn, unit_id, campaign.id)? else {
        return Ok(None);
    };
    Ok(Some(
        queries::submissions::inputs(conn, submission.id)?
            .into_iter()
            .filter_map(|(k, v)| super::decode_input(&v).map(|v| (k, v)))
            .collect(),
    ))
}

/// A stored submission as the API shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SubmissionView {
    pub id: i64,
    pub unit: String,
    pub year: i32,
    pub checklist: String,
    pub file_name: String,
    pub sha256: String,
    pub target_tier: Option<String>,
    pub late: bool,
    pub uploaded_at: String,
    pub uploaded_by: Option<String>,
    /// This submission counts for its year (no newer upload replaced it).
    pub current: bool,
    pub superseded_by: Option<i64>,
    /// Its assessments, oldest (the self-assessment) first.
    pub assessment_ids: Vec<i64>,
    /// The street officer's first check (初审) that counts, if any.
    pub first_check: Option<super::first_checks::FirstCheckView>,
}

pub fn submission(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    id: i64,
) -> ServiceResult<SubmissionView> {
    let row = queries::submissions::get(conn, id)
        .map_err(|_| ServiceError::NotFound(format!("自查表 {id} 不存在")))?;
    actor.require_read_unit(row.unit_id)?;
    let unit = queries::units::get(conn, row.unit_id)?;
    let year = queries::campaigns::get(conn, row.campaign_id)?.year;
    let uploaded_by = match row.uploaded_by {
        Some(user) => Some(queries::users::get(conn, user)?.username),
        None => None,
    };
    let superseded_by = queries::submissions::superseded_by(conn, &row)?;
    let assessment_ids = queries::assessments::of_submission(conn, id)?
        .into_iter()
        .map(|a| a.id)
        .collect();
    Ok(SubmissionView {
        id,
        unit: unit.code,
        year,
        checklist: row.checklist_reference,
        file_name: row.file_name,
        sha256: row.file_sha256,
        target_tier: row.target_tier,
        late: row.late,
        uploaded_at: format!("{}Z", row.uploaded_at.format("%Y-%m-%dT%H:%M:%S")),
        uploaded_by,
        current: superseded_by.is_none(),
        superseded_by,
        assessment_ids,
        first_check: super::first_checks::of(conn, env, id)?,
    })
}

/// The uploaded file, byte for byte, with its name.
pub fn submission_file(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
) -> ServiceResult<(String, Vec<u8>)> {
    let row = queries::submissions::get(conn, id)
        .map_err(|_| ServiceError::NotFound(format!("自查表 {id} 不存在")))?;
    actor.require_read_unit(row.unit_id)?;
    let bytes = queries::submissions::file_content(conn, &row.file_sha256)?;
    Ok((row.file_name, bytes))
}
