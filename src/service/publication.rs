//! What a publication of a year's results holds after it is made
//! (年度结果发布): the line the 通报 and report cards print, the
//! corrections (发布后更正) logged when a result changes afterwards — in
//! the same transaction as the change ([`after_recording`], called by
//! `recording`, the one place results are written) — and the checks of
//! `nianjian verify`. Publishing itself is [`super::publishing`].

use std::collections::HashMap;

use crate::domain::Points;
use crate::domain::publication::{self as rules, Outcome, Standing, UnitEntry, UnitResult};
use crate::ingest::checklists::Catalog;
use crate::reports::model::PublicationNote;
use crate::store::models::{AssessmentRow, NewCorrection, PublicationRow, PublicationUnitRow};
use crate::store::{self, DbConn, queries};

use super::audit::{self, Entity};
use super::{Actor, Clock, Env, ServiceError, ServiceResult};

/// The bureau's date of a moment: YYYY-MM-DD.
pub(super) fn local_date(clock: Clock, at: chrono::NaiveDateTime) -> String {
    clock.zone.date_of(at).format("%Y-%m-%d").to_string()
}

/// Where a stored assessment stands.
pub(super) fn standing_of(row: &AssessmentRow) -> Standing {
    match (&row.tier_code, row.provisional) {
        (_, true) => Standing::Provisional,
        (Some(code), false) => Standing::Tier(code.clone()),
        (None, false) => Standing::None,
    }
}

pub(super) fn outcome_of(row: &AssessmentRow) -> Outcome {
    Outcome {
        total: Points(row.total),
        standing: standing_of(row),
    }
}

/// A stored (total, standing) pair; both or neither.
pub(super) fn stored_outcome(total: Option<i32>, standing: Option<&str>) -> Option<Outcome> {
    Some(Outcome {
        total: Points(total?),
        standing: Standing::parse(standing?),
    })
}

/// A tier code's name in the checklists known (the code itself if none has it).
pub(super) fn tier_name(catalog: &Catalog, code: &str) -> String {
    catalog
        .iter()
        .flat_map(|l| l.checklist.tiers.iter())
        .find(|t| t.code == code)
        .map_or_else(|| code.to_string(), |t| t.name.clone())
}

/// "总分 85.5，省级规范化", or 无结果.
pub(super) fn describe(catalog: &Catalog, outcome: Option<&Outcome>) -> String {
    Outcome::describe(outcome, |code| tier_name(catalog, code))
}

/// A stored unit row as the snapshot has it.
pub(super) fn unit_entry(row: &PublicationUnitRow) -> UnitEntry {
    UnitEntry {
        code: row.unit_code.clone(),
        name: row.unit_name.clone(),
        street: row.street.clone(),
        kind: row.kind.clone(),
        result: match (&row.checklist, row.total, &row.standing, row.assessment_id) {
            (Some(checklist), Some(total), Some(standing), Some(assessment_id)) => {
                Some(UnitResult {
                    checklist: checklist.clone(),
                    total: Points(total),
                    standing: Standing::parse(standing),
                    reviewed: row.reviewed,
                    assessment_id,
                })
            }
            _ => None,
        },
    }
}

/// The printed line: 本结果已于 YYYY-MM-DD 发布，指纹 ….
pub(super) fn printed_line(clock: Clock, row: &PublicationRow) -> String {
    format!(
        "本结果已于 {} 发布，指纹 {}",
        local_date(clock, row.published_at),
        rules::fingerprint(&row.sha256)
    )
}

/// What the 通报 or a report card prints of the year's publication in
/// force: nothing when the year is unpublished. `units`: count only these
/// units' corrections (a street's, one unit's); all when `None`.
pub(super) fn note(
    conn: &mut DbConn,
    clock: Clock,
    year: i32,
    units: Option<&[&str]>,
) -> ServiceResult<Option<PublicationNote>> {
    let Some(row) = queries::publications::latest(conn, year)? else {
        return Ok(None);
    };
    let corrections = queries::publications::corrections(conn, row.id, None)?
        .iter()
        .filter(|c| units.is_none_or(|u| u.contains(&c.unit_code.as_str())))
        .count();
    Ok(Some(PublicationNote {
        line: printed_line(clock, &row),
        fingerprint: rules::fingerprint(&row.sha256),
        published_on: local_date(clock, row.published_at),
        corrections,
        corrected: if corrections > 0 {
            format!("发布后更正 {corrections} 项")
        } else {
            String::new()
        },
    }))
}

/// The unit's result as the publication in force has it, after the
/// corrections logged since.
fn expected(conn: &mut DbConn, publication_id: i64, code: &str) -> ServiceResult<Option<Outcome>> {
    if let Some(last) = queries::publications::corrections(conn, publication_id, Some(code))?.pop()
    {
        return Ok(stored_outcome(last.new_total, last.new_standing.as_deref()));
    }
    Ok(queries::publications::unit(conn, publication_id, code)?
        .and_then(|u| stored_outcome(u.total, u.standing.as_deref())))
}

/// Called right after a result is stored, inside its transaction: when
/// the year is published and the stored assessment is now the unit's
/// current result with another total or standing than the publication
/// (as corrected) has, the change is logged as a correction of it.
pub(super) fn after_recording(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    unit_id: i64,
    campaign_id: i64,
    year: i32,
    assessment_id: i64,
) -> ServiceResult<()> {
    // Waits for a publication being written (PostgreSQL), then sees it.
    queries::audit::lock_head(conn)?;
    let Some(publication) = queries::publications::latest(conn, year)? else {
        return Ok(());
    };
    let Some(now) = queries::assessments::current(conn, campaign_id, Some(unit_id))?.pop() else {
        return Ok(());
    };
    // A review of a superseded upload changes no current result.
    if now.id != assessment_id {
        return Ok(());
    }
    let unit = queries::units::get(conn, unit_id)?;
    let before = expected(conn, publication.id, &unit.code)?;
    let after = outcome_of(&now);
    if before.as_ref() == Some(&after) {
        return Ok(());
    }
    let audit_id = audit::record_entry(
        conn,
        actor,
        env.clock,
        "publication.correct",
        Entity::Publication(publication.id),
        format!(
            "更正 {} 年度发布（指纹 {}）：{}（{}）{} → {}",
            publication.year,
            rules::fingerprint(&publication.sha256),
            unit.name,
            unit.code,
            describe(env.catalog, before.as_ref()),
            describe(env.catalog, Some(&after)),
        ),
    )?;
    queries::publications::insert_correction(
        conn,
        &NewCorrection {
            publication_id: publication.id,
            unit_code: &unit.code,
            old_total: before.as_ref().map(|o| o.total.hundredths()),
            old_standing: before.as_ref().map(|o| o.standing.word()),
            new_total: Some(after.total.hundredths()),
            new_standing: Some(after.standing.word()),
            assessment_id,
            user_id: actor.user_id,
            actor: &actor.name,
            at: env.clock.now,
            audit_id: Some(audit_id),
        },
    )?;
    Ok(())
}

// ---------------------------------------------------------------- verify

/// What `nianjian verify` found wrong with one publication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicationFinding {
    pub publication_id: i64,
    pub year: i32,
    pub fingerprint: String,
    /// In Chinese, naming the unit where it can.
    pub problem: String,
}

impl PublicationFinding {
    /// One line: which publication, what is wrong.
    pub fn describe(&self) -> String {
        format!(
            "{} 年度发布（编号 {}，指纹 {}）中 {}",
            self.year, self.publication_id, self.fingerprint, self.problem
        )
    }
}

/// Every publication checked: its snapshot against its sha256, its audit
/// entry and its units' rows; the latest of each year also against the
/// current results and the corrections logged since. Read in one snapshot.
pub fn check(
    conn: &mut DbConn,
    catalog: &Catalog,
    actor: &Actor,
) -> ServiceResult<(usize, Vec<PublicationFinding>)> {
    actor.require_bureau()?;
    store::read(conn, |conn| {
        queries::audit::one_snapshot(conn)?;
        let all = queries::publications::all(conn)?;
        let mut findings = Vec::new();
        let mut latest: HashMap<i32, i64> = HashMap::new();
        for p in &all {
            latest.insert(p.year, p.id);
        }
        for p in &all {
            let mut found = |problem: String| {
                findings.push(PublicationFinding {
                    publication_id: p.id,
                    year: p.year,
                    fingerprint: rules::fingerprint(&p.sha256),
                    problem,
                })
            };
            for problem in check_stored(conn, p)? {
                found(problem);
            }
            for problem in check_corrections(conn, catalog, p)? {
                found(problem);
            }
            if latest.get(&p.year) == Some(&p.id) {
                for problem in check_current(conn, catalog, p)? {
                    found(problem);
                }
            }
        }
        Ok::<_, ServiceError>((all.len(), findings))
    })
}

/// The snapshot against its hash and audit entry, and the units' rows
/// against the snapshot.
fn check_stored(conn: &mut DbConn, p: &PublicationRow) -> ServiceResult<Vec<String>> {
    let mut problems = Vec::new();
    if rules::hash(&p.snapshot) != p.sha256 {
        problems.push("发布快照与记下的 sha256 不符：快照内容或其哈希在发布后被改动".to_string());
    }
    let audited = match p.audit_id {
        Some(id) => queries::audit::get(conn, id)?,
        None => None,
    };
    match audited {
        Some(entry)
            if entry.action == "publication.publish" && entry.detail.contains(&p.sha256) =>
        {
            // The printed date and the year come from these columns: the
            // chained entry says what they were (to the second).
            let same_time = entry.at.and_utc().timestamp() == p.published_at.and_utc().timestamp();
            if !same_time
                || !entry
                    .detail
                    .starts_with(&format!("发布 {} 年度结果", p.year))
            {
                problems.push(
                    "发布时间或年度与审计日志中发布时的记录不符：发布记录在发布后被改动"
                        .to_string(),
                );
            }
        }
        Some(_) => problems
            .push("记下的 sha256 与审计日志中发布时的记录不符：哈希在发布后被改写".to_string()),
        None => problems.push("审计日志中没有这次发布的记录".to_string()),
    }
    let rows: Vec<UnitEntry> = queries::publications::units(conn, p.id)?
        .iter()
        .map(unit_entry)
        .collect();
    for mismatch in rules::compare_units(&p.snapshot, &rows) {
        if let rules::Mismatch::Unit(code) = mismatch {
            problems.push(format!("单位 {code} 的结果与发布时不符"));
        }
    }
    Ok(problems)
}

/// Every correction against the chained audit entry written with it: a
/// correction row added or changed around the service (to cover a result
/// edited by SQL) has no such entry, or not this one.
fn check_corrections(
    conn: &mut DbConn,
    catalog: &Catalog,
    p: &PublicationRow,
) -> ServiceResult<Vec<String>> {
    let mut problems = Vec::new();
    for c in queries::publications::corrections(conn, p.id, None)? {
        let entry = match c.audit_id {
            Some(id) => queries::audit::get(conn, id)?,
            None => None,
        };
        let new = describe(
            catalog,
            stored_outcome(c.new_total, c.new_standing.as_deref()).as_ref(),
        );
        let logged = entry.is_some_and(|e| {
            e.action == "publication.correct"
                && e.entity_id.as_deref() == Some(p.id.to_string().as_str())
                && e.detail.contains(&format!("（{}）", c.unit_code))
                && e.detail.ends_with(&format!("→ {new}"))
        });
        if !logged {
            problems.push(format!(
                "单位 {} 的更正记录（{}）在审计日志中没有相符的记录：更正记录是在服务之外写入或改动的",
                c.unit_code, new
            ));
        }
    }
    Ok(problems)
}

/// The current results against the publication plus its corrections.
fn check_current(
    conn: &mut DbConn,
    catalog: &Catalog,
    p: &PublicationRow,
) -> ServiceResult<Vec<String>> {
    let published: Vec<(String, Option<Outcome>)> = queries::publications::units(conn, p.id)?
        .into_iter()
        .map(|u| {
            let o = stored_outcome(u.total, u.standing.as_deref());
            (u.unit_code, o)
        })
        .collect();
    let corrections: Vec<(String, Option<Outcome>)> =
        queries::publications::corrections(conn, p.id, None)?
            .into_iter()
            .map(|c| {
                let o = stored_outcome(c.new_total, c.new_standing.as_deref());
                (c.unit_code, o)
            })
            .collect();
    let codes: HashMap<i64, String> = queries::units::list(conn)?
        .into_iter()
        .map(|(u, _)| (u.id, u.code))
        .collect();
    let current: Vec<(String, Option<Outcome>)> =
        match queries::campaigns::find_by_year(conn, p.year)? {
            Some(campaign) => queries::assessments::current(conn, campaign.id, None)?
                .iter()
                .map(|a| {
                    let code = codes.get(&a.unit_id).cloned().unwrap_or_default();
                    (code, Some(outcome_of(a)))
                })
                .collect(),
            None => Vec::new(),
        };
    Ok(rules::drifts(&published, &corrections, &current)
        .into_iter()
        .map(|d| {
            format!(
                "单位 {}（{} 年度）的当前结果（{}）与发布结果及其后的更正记录（{}）不符：结果被直接改动，没有更正记录",
                d.code,
                p.year,
                describe(catalog, d.current.as_ref()),
                describe(catalog, d.expected.as_ref()),
            )
        })
        .collect())
}
