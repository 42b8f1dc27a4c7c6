//! A group of accepted workbooks stored with set-based statements: one
//! multi-row statement per table for the whole run of files (units,
//! files, submissions, inputs, answers, assessments with their items and
//! categories, orders and their first events, flags, audit entries),
//! instead of about twenty statements per file.
//!
//! Only the plain case goes this way: a bureau account, the year's
//! campaign open with the file's checklist, the year not yet published,
//! the file new for its unit, each unit once in the run. Every other file
//! (refused, duplicate, opening a campaign, correcting a publication) takes
//! the per-file path ([`uploads::commit_in`]) in its place in the order,
//! and so does a run whose set-based write fails: the run's savepoint is
//! undone and its files are stored one by one, each all or nothing.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use rayon::prelude::*;

use crate::domain::{InputValue, plausibility};
use crate::store::models::{CampaignRow, NewAudit, NewSubmission, NewUnit, SubmissionRow, UnitRow};
use crate::store::{DbConn, queries, savepoint};

use super::audit::{self, Entity};
use super::recording::{self, AssessmentParts, Known, Target};
use super::uploads::{self, Prepared, UploadOutcome};
use super::{Actor, Env, ServiceError, ServiceResult, encode_answer, encode_input};

/// Stores prepared workbooks in the order given, committed in groups of
/// [`uploads::GROUP`] (one transaction each): set-based where the files
/// allow it, else file by file (and always so for a dry run or a single
/// file). Each file all or nothing; a result per file, in order.
pub(super) fn commit_all(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    prepared: Vec<Prepared>,
    dry_run: bool,
) -> Vec<ServiceResult<UploadOutcome>> {
    // One file alone is fewer statements the plain way.
    if dry_run || prepared.len() < 2 {
        return uploads::commit_all(conn, env, actor, prepared, dry_run);
    }
    uploads::commit_groups(conn, actor, prepared, |conn, group| {
        store_group(conn, env, actor, group)
    })
}

/// Stores a group of prepared files in the order given (inside the
/// caller's transaction): runs of plain files set-based, the others one by
/// one. A result per file, in order.
fn store_group(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    group: Vec<Prepared>,
) -> Vec<ServiceResult<UploadOutcome>> {
    let mut results = Vec::with_capacity(group.len());
    let mut rest: VecDeque<Prepared> = group.into();
    while !rest.is_empty() {
        // Reads that fail leave no plan: the per-file path answers for the file.
        let plan = read_plan(conn, actor, rest.make_contiguous()).unwrap_or_default();
        if plan.run == 0 {
            // One by one up to the next plain file; a file that opens the
            // year or its checklist changes what the rest read.
            for verdict in plan
                .verdicts
                .iter()
                .chain(std::iter::once(&Verdict::Replan))
            {
                if *verdict == Verdict::Set {
                    break;
                }
                let Some(file) = rest.pop_front() else { break };
                results.push(uploads::commit_in(conn, env, actor, file, false));
                if *verdict == Verdict::Replan {
                    break;
                }
            }
            continue;
        }
        let run: Vec<Prepared> = rest.drain(..plan.run).collect();
        match savepoint(conn, |conn| store_run(conn, env, actor, &run, &plan)) {
            Ok(outcomes) => results.extend(outcomes.into_iter().map(Ok)),
            Err(e) => {
                tracing::warn!(error = %e, files = run.len(), "set-based store failed; storing one by one");
                for file in run {
                    results.push(uploads::commit_in(conn, env, actor, file, false));
                }
            }
        }
    }
    results
}

/// How a file is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    /// With the run, set-based.
    Set,
    /// By the per-file path.
    PerFile,
    /// By the per-file path, which opens the year or adopts its checklist:
    /// the files after it are read again.
    Replan,
}

/// What the files of a group met in the database before storing.
#[derive(Default)]
struct Plan {
    /// The leading files that go set-based together.
    run: usize,
    verdicts: Vec<Verdict>,
    campaigns: HashMap<i32, CampaignRow>,
    units: HashMap<String, UnitRow>,
    /// Each (unit, campaign)'s current submission id, as read.
    current: HashMap<(i64, i64), i64>,
}

fn read_plan(conn: &mut DbConn, actor: &Actor, files: &[Prepared]) -> ServiceResult<Plan> {
    let mut plan = Plan::default();
    if !actor.role.is_bureau() {
        // A unit account's rights are checked file by file.
        plan.verdicts = vec![Verdict::PerFile; files.len()];
        return Ok(plan);
    }
    plan.campaigns = queries::campaigns::list(conn)?
        .into_iter()
        .map(|c| (c.year, c))
        .collect();
    let codes: Vec<&str> = files
        .iter()
        .filter_map(|f| f.scored.as_ref().ok())
        .map(|s| s.check.unit.code.as_str())
        .collect();
    plan.units = queries::bulk::units_by_codes(conn, &codes)?
        .into_iter()
        .map(|u| (u.code.clone(), u))
        .collect();
    let unit_ids: Vec<i64> = plan.units.values().map(|u| u.id).collect();
    let campaign_ids: Vec<i64> = plan.campaigns.values().map(|c| c.id).collect();
    let current = queries::bulk::current_submissions(conn, &unit_ids, &campaign_ids)?;
    let digests: HashMap<i64, String> = current
        .values()
        .map(|row| (row.id, row.file_sha256.clone()))
        .collect();
    plan.current = current
        .into_iter()
        .map(|(key, row)| (key, row.id))
        .collect();
    let mut checklists: HashMap<(i64, String), Option<String>> = HashMap::new();
    let mut published: HashMap<i32, bool> = HashMap::new();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut in_run = true;
    for file in files {
        let verdict = verdict(conn, &plan, &digests, &mut checklists, &mut published, file)?;
        plan.verdicts.push(verdict);
        if in_run {
            let code = file.scored.as_ref().map(|s| s.check.unit.code.as_str());
            match (verdict, code) {
                (Verdict::Set, Ok(code)) if seen.insert(code) => plan.run += 1,
                _ => in_run = false,
            }
        }
    }
    Ok(plan)
}

fn verdict(
    conn: &mut DbConn,
    plan: &Plan,
    digests: &HashMap<i64, String>,
    checklists: &mut HashMap<(i64, String), Option<String>>,
    published: &mut HashMap<i32, bool>,
    file: &Prepared,
) -> ServiceResult<Verdict> {
    let Ok(scored) = &file.scored else {
        return Ok(Verdict::PerFile);
    };
    let check = &scored.check;
    let Some(campaign) = plan.campaigns.get(&check.year) else {
        return Ok(Verdict::Replan);
    };
    if campaign.closed {
        return Ok(Verdict::PerFile);
    }
    let key = (campaign.id, check.unit.kind.clone());
    if !checklists.contains_key(&key) {
        let found = queries::campaigns::checklist_for(conn, campaign.id, &check.unit.kind)?;
        checklists.insert(key.clone(), found);
    }
    match &checklists[&key] {
        None => return Ok(Verdict::Replan),
        Some(expected) if *expected != check.checklist.reference() => {
            return Ok(Verdict::PerFile);
        }
        Some(_) => {}
    }
    if let std::collections::hash_map::Entry::Vacant(e) = published.entry(check.year) {
        e.insert(queries::publications::latest(conn, check.year)?.is_some());
    }
    if published[&check.year] {
        // Corrections of a publication are written file by file.
        return Ok(Verdict::PerFile);
    }
    if let Some(unit) = plan.units.get(&check.unit.code)
        && let Some(id) = plan.current.get(&(unit.id, campaign.id))
        && digests.get(id).is_some_and(|d| *d == file.digest)
    {
        return Ok(Verdict::PerFile);
    }
    Ok(Verdict::Set)
}

/// One file of a run as it is stored.
struct Placed<'a> {
    file: &'a Prepared,
    scored: &'a super::scoring::Scored,
    campaign: &'a CampaignRow,
    late: bool,
    unit_id: i64,
    created: bool,
    notes: Vec<String>,
}

/// Stores a run of plain files set-based (inside a savepoint of its own:
/// an error undoes all of it and the caller stores its files one by one).
fn store_run(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    run: &[Prepared],
    plan: &Plan,
) -> ServiceResult<Vec<UploadOutcome>> {
    let clock = env.clock;
    let scored: Vec<&super::scoring::Scored> = run
        .iter()
        .map(|f| f.scored.as_ref().map_err(|_| changed()))
        .collect::<ServiceResult<_>>()?;

    // Locks as the per-file path takes them: the units, then the chain's head.
    let existing: Vec<i64> = scored
        .iter()
        .filter_map(|s| plan.units.get(&s.check.unit.code).map(|u| u.id))
        .collect();
    queries::bulk::lock_units(conn, &existing)?;
    queries::audit::lock_head(conn)?;
    let years: HashSet<i32> = scored.iter().map(|s| s.check.year).collect();
    for year in &years {
        if queries::publications::latest(conn, *year)?.is_some() {
            return Err(changed());
        }
    }
    let campaign_ids: Vec<i64> = plan.campaigns.values().map(|c| c.id).collect();
    let now_current = queries::bulk::current_submissions(conn, &existing, &campaign_ids)?;
    for (key, row) in &now_current {
        if plan.current.get(key) != Some(&row.id) {
            return Err(changed());
        }
    }

    let new_units = create_units(conn, env, actor, plan, &scored)?;
    let mut placed = Vec::with_capacity(run.len());
    for (file, s) in run.iter().zip(&scored) {
        let check = &s.check;
        let campaign = plan.campaigns.get(&check.year).ok_or_else(changed)?;
        let (unit_id, created, notes) = match plan.units.get(&check.unit.code) {
            Some(unit) => (unit.id, false, uploads::unit_notes(unit, check)),
            None => (
                *new_units.get(&check.unit.code).ok_or_else(changed)?,
                true,
                Vec::new(),
            ),
        };
        placed.push(Placed {
            file,
            scored: s,
            campaign,
            late: campaign.deadline.is_some_and(|d| clock.today > d),
            unit_id,
            created,
            notes,
        });
    }

    let files: Vec<(&str, &[u8])> = run
        .iter()
        .map(|f| (f.digest.as_str(), f.bytes.as_slice()))
        .collect();
    queries::bulk::store_files(conn, &files, clock.now)?;
    let submissions = insert_submissions(conn, actor, env, &placed)?;
    insert_answers(conn, &placed, &submissions)?;
    let assessments = insert_assessments(conn, env, &placed, &submissions)?;
    let synced = sync_orders(conn, env, plan, &placed, &submissions, &assessments)?;
    let flags = insert_flags(conn, env, plan, &placed, &submissions)?;

    let system = recording::system();
    let mut entries: Vec<NewAudit<'_>> = Vec::new();
    for (i, p) in placed.iter().enumerate() {
        let check = &p.scored.check;
        if p.created {
            entries.push(audit::entry(
                actor,
                clock,
                "unit.create",
                Entity::Unit(p.unit_id),
                format!("{}（{}），由自查表建立", check.unit.name, check.unit.code),
            ));
        }
        if let Some(detail) = synced[i].clone() {
            entries.push(audit::entry(
                &system,
                clock,
                "rectification.sync",
                Entity::Unit(p.unit_id),
                detail,
            ));
        }
        entries.push(audit::entry(
            actor,
            clock,
            "upload.accept",
            Entity::Submission(submissions[i].id),
            uploads::accept_note(&p.file.file_name, check, &p.scored.card, p.late),
        ));
    }
    audit::record_all(conn, &entries)?;

    Ok(placed
        .iter()
        .enumerate()
        .map(|(i, p)| UploadOutcome {
            submission_id: Some(submissions[i].id),
            assessment_id: Some(assessments[i]),
            duplicate: false,
            late: p.late,
            flags: flags[i].clone(),
            result: p.scored.view(),
        })
        .collect())
}

/// The run changed under it (or did not read as planned): stored file by file instead.
fn changed() -> ServiceError {
    ServiceError::Internal("a run of files changed before it was stored".into())
}

/// The run's units that are not on the roster yet, created together; id by code.
fn create_units(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    plan: &Plan,
    scored: &[&super::scoring::Scored],
) -> ServiceResult<HashMap<String, i64>> {
    if !actor.role.is_bureau() {
        return Err(changed());
    }
    let now = env.clock.now;
    let mut streets: HashMap<&str, i64> = HashMap::new();
    let mut rows = Vec::new();
    for s in scored {
        let check = &s.check;
        if plan.units.contains_key(&check.unit.code) {
            continue;
        }
        let street_id = match check.unit.street.as_deref() {
            Some(name) => Some(match streets.get(name) {
                Some(id) => *id,
                None => {
                    let id = queries::units::street_id(conn, name, now)?;
                    streets.insert(name, id);
                    id
                }
            }),
            None => None,
        };
        rows.push(NewUnit {
            code: &check.unit.code,
            name: &check.unit.name,
            kind: &check.unit.kind,
            street_id,
            contact_person: check.filled_by.as_deref(),
            contact_phone: check.phone.as_deref(),
            created_at: now,
            updated_at: now,
        });
    }
    if rows.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(queries::bulk::insert_units(conn, &rows)?
        .into_iter()
        .map(|(id, code)| (code, id))
        .collect())
}

/// The run's files and submissions, each submission as stored (in run order).
fn insert_submissions(
    conn: &mut DbConn,
    actor: &Actor,
    env: Env<'_>,
    placed: &[Placed<'_>],
) -> ServiceResult<Vec<SubmissionRow>> {
    let now = env.clock.now;
    let rows: Vec<SubmissionRow> = placed
        .iter()
        .map(|p| {
            let check = &p.scored.check;
            SubmissionRow {
                id: 0,
                unit_id: p.unit_id,
                campaign_id: p.campaign.id,
                file_sha256: p.file.digest.clone(),
                file_name: p.file.file_name.clone(),
                checklist_reference: check.checklist.reference(),
                target_tier: check.target_tier.clone(),
                filled_by: check.filled_by.clone(),
                phone: check.phone.clone(),
                filled_on: check.filled_on.clone(),
                late: p.late,
                uploaded_by: actor.user_id,
                uploaded_at: now,
            }
        })
        .collect();
    let new: Vec<NewSubmission<'_>> = rows
        .iter()
        .map(|r| NewSubmission {
            unit_id: r.unit_id,
            campaign_id: r.campaign_id,
            file_sha256: &r.file_sha256,
            file_name: &r.file_name,
            checklist_reference: &r.checklist_reference,
            target_tier: r.target_tier.as_deref(),
            filled_by: r.filled_by.as_deref(),
            phone: r.phone.as_deref(),
            filled_on: r.filled_on.as_deref(),
            late: r.late,
            uploaded_by: r.uploaded_by,
            uploaded_at: r.uploaded_at,
        })
        .collect();
    // Units are distinct within a run: the unit names its submission.
    let ids: HashMap<i64, i64> = queries::bulk::insert_submissions(conn, &new)?
        .into_iter()
        .map(|(id, unit)| (unit, id))
        .collect();
    rows.into_iter()
        .map(|mut r| {
            r.id = *ids.get(&r.unit_id).ok_or_else(changed)?;
            Ok(r)
        })
        .collect()
}

/// The facts (inputs) and self-scores of every file of the run.
fn insert_answers(
    conn: &mut DbConn,
    placed: &[Placed<'_>],
    submissions: &[SubmissionRow],
) -> ServiceResult<()> {
    // Rows built on every core; written in one go.
    let built: Vec<(Vec<_>, Vec<_>)> = placed
        .par_iter()
        .zip(submissions)
        .map(|(p, submission)| {
            let check = &p.scored.check;
            let inputs: Vec<_> = check
                .answers
                .inputs
                .iter()
                .map(|(k, v)| (submission.id, k.clone(), encode_input(v)))
                .collect();
            let answers: Vec<_> = check
                .checklist
                .items
                .iter()
                .filter_map(|item| {
                    let answer = check.answers.self_scores.get(&item.code).map(encode_answer);
                    let remark = check.remarks.get(&item.code).cloned();
                    (answer.is_some() || remark.is_some())
                        .then(|| (submission.id, item.code.clone(), answer, remark))
                })
                .collect();
            (inputs, answers)
        })
        .collect();
    let (inputs, answers): (Vec<_>, Vec<_>) = built.into_iter().unzip();
    let inputs: Vec<_> = inputs.into_iter().flatten().collect();
    let answers: Vec<_> = answers.into_iter().flatten().collect();
    queries::bulk::insert_inputs(conn, &inputs)?;
    queries::bulk::insert_answers(conn, &answers)?;
    Ok(())
}

/// Every file's self-assessment with its items and categories; ids in run order.
fn insert_assessments(
    conn: &mut DbConn,
    env: Env<'_>,
    placed: &[Placed<'_>],
    submissions: &[SubmissionRow],
) -> ServiceResult<Vec<i64>> {
    let parts: Vec<AssessmentParts> = placed
        .par_iter()
        .zip(submissions)
        .map(|(p, s)| AssessmentParts::of(s, &p.scored.check.checklist, &p.scored.card))
        .collect();
    let rows: Vec<_> = placed
        .iter()
        .zip(submissions)
        .zip(&parts)
        .map(|((p, s), parts)| {
            parts.row(s, p.scored.check.year, &p.scored.card, None, env.clock.now)
        })
        .collect();
    let ids: HashMap<i64, i64> = queries::bulk::insert_assessments(conn, &rows)?
        .into_iter()
        .map(|(id, submission)| (submission, id))
        .collect();
    let ids: Vec<i64> = submissions
        .iter()
        .map(|s| ids.get(&s.id).copied().ok_or_else(changed))
        .collect::<ServiceResult<_>>()?;
    let mut items = Vec::new();
    let mut categories = Vec::new();
    for (parts, id) in parts.into_iter().zip(&ids) {
        items.extend(parts.items.into_iter().map(|mut i| {
            i.assessment_id = *id;
            i
        }));
        categories.extend(parts.categories.into_iter().map(|mut c| {
            c.assessment_id = *id;
            c
        }));
    }
    queries::bulk::insert_items(conn, &items)?;
    queries::bulk::insert_categories(conn, &categories)?;
    Ok(ids)
}

/// Brings every unit's orders in step with its new assessment: the orders
/// of all the run's units read at once, each unit's plan asked, the steps
/// on existing orders written, the new orders inserted together. The
/// audit detail of each file's sync (none when nothing was done).
fn sync_orders(
    conn: &mut DbConn,
    env: Env<'_>,
    plan: &Plan,
    placed: &[Placed<'_>],
    submissions: &[SubmissionRow],
    assessments: &[i64],
) -> ServiceResult<Vec<Option<String>>> {
    let existing: Vec<i64> = placed
        .iter()
        .filter(|p| !p.created)
        .map(|p| p.unit_id)
        .collect();
    let mut by_unit: HashMap<i64, Vec<_>> = HashMap::new();
    for row in queries::bulk::orders_with_basis(conn, &existing)? {
        by_unit.entry(row.0.unit_id).or_default().push(row);
    }
    // Only this year's closed orders may be reopened.
    let candidates: Vec<i64> = placed
        .iter()
        .flat_map(|p| {
            by_unit
                .get(&p.unit_id)
                .into_iter()
                .flatten()
                .filter(|(row, ..)| {
                    row.campaign_id == p.campaign.id && !recording::state_of(row).is_active()
                })
                .map(|(row, ..)| row.id)
        })
        .collect();
    let closed: HashSet<i64> = queries::bulk::closed_automatically(conn, &candidates)?
        .into_iter()
        .collect();
    let years: HashMap<i64, i32> = plan.campaigns.values().map(|c| (c.id, c.year)).collect();
    let known = Known {
        catalog: env.catalog,
        years: &years,
        closed: &closed,
    };
    // The plans (pure, the costly part) on every core; their steps written in order.
    let plans: Vec<_> = placed
        .par_iter()
        .zip(submissions)
        .map(|(p, submission)| {
            let rows = by_unit
                .get(&p.unit_id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            recording::plan_orders(
                &known,
                rows,
                p.campaign,
                submission,
                &p.scored.check.checklist,
                &p.scored.card,
                env.clock,
            )
        })
        .collect();
    let planned: Vec<(Target, Vec<_>)> = placed
        .iter()
        .zip(plans)
        .zip(assessments)
        .map(|((p, steps), assessment_id)| {
            let target = Target {
                unit_id: p.unit_id,
                campaign_id: p.campaign.id,
                assessment_id: *assessment_id,
                clock: env.clock,
            };
            (target, steps)
        })
        .collect();
    // Every unit's changes to existing orders in one UPDATE and one insert
    // of events, then the new orders.
    let mut writes = recording::OrderWrites::default();
    for (target, steps) in &planned {
        recording::write_steps(conn, target, steps, true, &mut writes)?;
    }
    writes.flush(conn)?;
    let raised: Vec<(&Target, Vec<_>)> = planned
        .iter()
        .map(|(target, steps)| (target, steps.iter().collect()))
        .collect();
    recording::create_all_of(conn, &raised)?;
    Ok(planned
        .iter()
        .map(|(target, steps)| recording::sync_note(steps, target.assessment_id))
        .collect())
}

/// Plausibility flags of every file (against the unit's last-year facts)
/// and the roster notes; each file's messages, in run order.
fn insert_flags(
    conn: &mut DbConn,
    env: Env<'_>,
    plan: &Plan,
    placed: &[Placed<'_>],
    submissions: &[SubmissionRow],
) -> ServiceResult<Vec<Vec<String>>> {
    let previous_campaigns: Vec<i64> = placed
        .iter()
        .filter_map(|p| p.campaign.year.checked_sub(1))
        .filter_map(|year| plan.campaigns.get(&year).map(|c| c.id))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let existing: Vec<i64> = placed
        .iter()
        .filter(|p| !p.created)
        .map(|p| p.unit_id)
        .collect();
    let last_year = queries::bulk::current_submissions(conn, &existing, &previous_campaigns)?;
    let ids: Vec<i64> = last_year.values().map(|s| s.id).collect();
    let mut inputs: HashMap<i64, BTreeMap<String, InputValue>> = HashMap::new();
    for (id, key, value) in queries::bulk::inputs_of(conn, &ids)? {
        if let Some(value) = super::decode_input(&value) {
            inputs.entry(id).or_default().insert(key, value);
        }
    }
    let empty = BTreeMap::new();
    let found: Vec<Vec<(Option<String>, String)>> = placed
        .par_iter()
        .map(|p| {
            let check = &p.scored.check;
            let previous = p
                .campaign
                .year
                .checked_sub(1)
                .and_then(|year| plan.campaigns.get(&year))
                .and_then(|c| last_year.get(&(p.unit_id, c.id)))
                .map(|s| inputs.get(&s.id).unwrap_or(&empty));
            let mut flags: Vec<(Option<String>, String)> = plausibility::check(
                &check.checklist,
                &check.unit.kind,
                &check.answers.inputs,
                previous,
                env.plausibility,
            )
            .into_iter()
            .map(|f| (f.input, f.message))
            .collect();
            flags.extend(p.notes.iter().map(|n| (None, n.clone())));
            flags
        })
        .collect();
    let mut rows = Vec::new();
    let mut messages = Vec::with_capacity(placed.len());
    for (flags, submission) in found.into_iter().zip(submissions) {
        messages.push(flags.iter().map(|(_, m)| m.clone()).collect());
        rows.extend(
            flags
                .into_iter()
                .map(|(input, message)| (submission.id, input, message)),
        );
    }
    queries::bulk::insert_flags(conn, &rows, env.clock.now)?;
    Ok(messages)
}
