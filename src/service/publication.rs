//! Publishing a year's results (年度结果发布) and the corrections after it
//! (发布后更正). A publication freezes every unit's current result and the
//! district figures as a canonical snapshot with its sha256
//! ([`crate::domain::publication`]); the 通报 and report cards print its
//! fingerprint. A result that changes afterwards — an upload, a review —
//! is recorded as a correction of the publication in force, in the same
//! transaction as the change ([`after_recording`], called by
//! `recording`, the one place results are written).

use std::collections::HashMap;

use serde::Serialize;

use crate::domain::Points;
use crate::domain::publication::{
    self as rules, FigureLine, Outcome, Snapshot, Standing, UnitEntry, UnitResult,
};
use crate::ingest::checklists::Catalog;
use crate::reports::model::{PublicationNote, TierCounts};
use crate::store::models::{
    AssessmentRow, CorrectionRow, NewCorrection, NewPublication, PublicationRow, PublicationUnitRow,
};
use crate::store::{self, DbConn, queries};

use super::audit::{self, Entity};
use super::{Actor, Clock, Env, Role, ServiceError, ServiceResult};

/// A publication as the API shows it: the one in force, with the
/// corrections made since and the earlier publications of the year.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PublicationView {
    pub id: i64,
    pub year: i32,
    /// UTC, ISO 8601.
    pub published_at: String,
    /// The bureau's date of publication, YYYY-MM-DD.
    pub published_on: String,
    pub actor: String,
    /// sha256 of the canonical snapshot, lowercase hex.
    pub sha256: String,
    /// Its first 16 hex digits in groups of four, as printed.
    pub fingerprint: String,
    /// Units in the snapshot (with or without a result).
    pub units: usize,
    /// Units with a result in the snapshot.
    pub results: usize,
    /// What is printed on the 通报: 本结果已于 … 发布，指纹 ….
    pub line: String,
    /// Corrections since, oldest first.
    pub corrections: Vec<CorrectionView>,
    /// The year's earlier publications, newest first (superseded, kept).
    pub earlier: Vec<EarlierPublication>,
}

/// A superseded publication of the same year.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct EarlierPublication {
    pub id: i64,
    /// UTC, ISO 8601.
    pub published_at: String,
    pub actor: String,
    pub fingerprint: String,
    /// Corrections made while it was in force.
    pub corrections: usize,
}

/// A unit's result as published or corrected: none when it had none.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ResultView {
    #[schema(value_type = f64)]
    pub total: Points,
    /// A tier code, `none` or `provisional`.
    pub standing: String,
    /// In Chinese: the tier's name, 未达标 or 待定.
    pub standing_name: String,
}

/// One correction after publication.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CorrectionView {
    pub id: i64,
    pub unit: String,
    pub unit_name: String,
    /// As published, or as the previous correction left it.
    pub before: Option<ResultView>,
    pub after: Option<ResultView>,
    /// The assessment that made the change.
    pub assessment_id: i64,
    pub actor: String,
    /// UTC, ISO 8601.
    pub at: String,
}

fn iso(at: chrono::NaiveDateTime) -> String {
    format!("{}Z", at.format("%Y-%m-%dT%H:%M:%S"))
}

/// The bureau's date of a moment: YYYY-MM-DD.
fn local_date(clock: Clock, at: chrono::NaiveDateTime) -> String {
    at.and_utc()
        .with_timezone(&clock.zone.offset())
        .format("%Y-%m-%d")
        .to_string()
}

/// Where a stored assessment stands.
fn standing_of(row: &AssessmentRow) -> Standing {
    match (&row.tier_code, row.provisional) {
        (_, true) => Standing::Provisional,
        (Some(code), false) => Standing::Tier(code.clone()),
        (None, false) => Standing::None,
    }
}

fn outcome_of(row: &AssessmentRow) -> Outcome {
    Outcome {
        total: Points(row.total),
        standing: standing_of(row),
    }
}

/// A stored (total, standing) pair; both or neither.
fn stored_outcome(total: Option<i32>, standing: Option<&str>) -> Option<Outcome> {
    Some(Outcome {
        total: Points(total?),
        standing: Standing::parse(standing?),
    })
}

/// A tier code's name in the checklists known (the code itself if none has it).
fn tier_name(catalog: &Catalog, code: &str) -> String {
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

fn result_view(catalog: &Catalog, outcome: Option<Outcome>) -> Option<ResultView> {
    outcome.map(|o| ResultView {
        total: o.total,
        standing: o.standing.word().to_string(),
        standing_name: match &o.standing {
            Standing::Tier(code) => tier_name(catalog, code),
            Standing::None => "未达标".into(),
            Standing::Provisional => "待定".into(),
        },
    })
}

/// Leaders and the bureau read publications; units read theirs on the card.
fn require_reader(actor: &Actor) -> ServiceResult<()> {
    if actor.role == Role::Unit {
        return Err(ServiceError::Forbidden(
            "年度结果发布仅供档案局和领导查看".into(),
        ));
    }
    Ok(())
}

/// The district figures as the report counts them, as snapshot lines.
fn figure_line(scope: &str, counts: &TierCounts, tiers: &[String]) -> FigureLine {
    FigureLine {
        scope: scope.into(),
        label: counts.label.clone(),
        units: counts.units,
        submitted: counts.submitted,
        not_submitted: counts.not_submitted,
        no_tier: counts.no_tier,
        tiers: tiers
            .iter()
            .cloned()
            .zip(counts.cumulative.iter().copied())
            .collect(),
    }
}

/// Every unit of the roster with its current result of the year, and the
/// district figures of the report (`reports::district`, which counts them).
fn gather(conn: &mut DbConn, env: Env<'_>, actor: &Actor, year: i32) -> ServiceResult<Snapshot> {
    let campaign = super::campaign_of_year(conn, year)?;
    let report = super::reports::district(conn, env, actor, year, None)?;
    let roster = super::assessments::unit_infos(conn)?;
    let mut current: HashMap<i64, AssessmentRow> =
        queries::assessments::current(conn, campaign.id, None)?
            .into_iter()
            .map(|r| (r.unit_id, r))
            .collect();
    let units = roster
        .into_iter()
        .map(|(id, (row, info))| UnitEntry {
            code: row.code,
            name: row.name,
            street: info.street,
            kind: row.kind,
            result: current.remove(&id).map(|a| UnitResult {
                standing: standing_of(&a),
                checklist: a.checklist_reference,
                total: Points(a.total),
                reviewed: a.review_id.is_some(),
                assessment_id: a.id,
            }),
        })
        .collect();
    let tiers: Vec<String> = report.tiers.iter().map(|t| t.code.clone()).collect();
    let mut figures = vec![figure_line("district", &report.total, &tiers)];
    figures.extend(
        report
            .by_kind
            .iter()
            .map(|c| figure_line("kind", c, &tiers)),
    );
    figures.extend(
        report
            .by_street
            .iter()
            .map(|c| figure_line("street", c, &tiers)),
    );
    Ok(Snapshot {
        year,
        units,
        figures,
    })
}

fn unit_row(u: &UnitEntry) -> PublicationUnitRow {
    let r = u.result.as_ref();
    PublicationUnitRow {
        publication_id: 0,
        unit_code: u.code.clone(),
        unit_name: u.name.clone(),
        street: u.street.clone(),
        kind: u.kind.clone(),
        checklist: r.map(|r| r.checklist.clone()),
        total: r.map(|r| r.total.hundredths()),
        standing: r.map(|r| r.standing.word().to_string()),
        reviewed: r.is_some_and(|r| r.reviewed),
        assessment_id: r.map(|r| r.assessment_id),
    }
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
fn printed_line(clock: Clock, row: &PublicationRow) -> String {
    format!(
        "本结果已于 {} 发布，指纹 {}",
        local_date(clock, row.published_at),
        rules::fingerprint(&row.sha256)
    )
}

/// Publishes a year's results (admin): every unit's current result and the
/// district figures frozen, hashed, stored and audited. A year published
/// before is published anew; the earlier publication is kept.
pub fn publish(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    year: i32,
) -> ServiceResult<PublicationView> {
    actor.require_admin()?;
    let id = store::write(conn, |conn| {
        // Results recorded meanwhile wait for this, then correct it.
        queries::audit::lock_head(conn)?;
        let snapshot = gather(conn, env, actor, year)?;
        let text = rules::canonical(&snapshot);
        let sha256 = rules::hash(&text);
        let results = snapshot.units.iter().filter(|u| u.result.is_some()).count();
        let campaign = super::campaign_of_year(conn, year)?;
        let audit_id = audit::record_entry(
            conn,
            actor,
            env.clock,
            "publication.publish",
            Entity::Campaign(campaign.id),
            format!(
                "发布 {year} 年度结果：{} 个单位（{results} 个有结果），指纹 {}，sha256 {sha256}",
                snapshot.units.len(),
                rules::fingerprint(&sha256)
            ),
        )?;
        let units: Vec<PublicationUnitRow> = snapshot.units.iter().map(unit_row).collect();
        Ok::<_, ServiceError>(queries::publications::insert(
            conn,
            &NewPublication {
                year,
                published_at: env.clock.now,
                user_id: actor.user_id,
                actor: &actor.name,
                sha256: &sha256,
                snapshot: &text,
                audit_id: Some(audit_id),
            },
            &units,
        )?)
    })?;
    let row = queries::publications::latest(conn, year)?
        .filter(|r| r.id == id)
        .ok_or_else(|| ServiceError::Internal("刚发布的记录读不到".into()))?;
    view(conn, env, &row)
}

/// The year's publication in force, with its corrections (404 when the
/// year was never published).
pub fn latest(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    year: i32,
) -> ServiceResult<PublicationView> {
    require_reader(actor)?;
    let row = queries::publications::latest(conn, year)?
        .ok_or_else(|| ServiceError::NotFound(format!("{year} 年度的结果尚未发布")))?;
    view(conn, env, &row)
}

/// The publication page of a year (admin): the publication in force, if
/// any (404 when the year has no campaign).
pub fn status(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    year: i32,
) -> ServiceResult<Option<PublicationView>> {
    actor.require_admin()?;
    super::campaign_of_year(conn, year)?;
    match queries::publications::latest(conn, year)? {
        Some(row) => Ok(Some(view(conn, env, &row)?)),
        None => Ok(None),
    }
}

fn view(conn: &mut DbConn, env: Env<'_>, row: &PublicationRow) -> ServiceResult<PublicationView> {
    let units = queries::publications::units(conn, row.id)?;
    let names: HashMap<&str, &str> = units
        .iter()
        .map(|u| (u.unit_code.as_str(), u.unit_name.as_str()))
        .collect();
    let roster: HashMap<String, String> = queries::units::list(conn)?
        .into_iter()
        .map(|(u, _)| (u.code, u.name))
        .collect();
    let corrections = queries::publications::corrections(conn, row.id, None)?
        .into_iter()
        .map(|c| correction_view(env.catalog, &c, &names, &roster))
        .collect();
    let mut earlier = Vec::new();
    for p in queries::publications::of_year(conn, row.year)?
        .into_iter()
        .filter(|p| p.id != row.id)
    {
        earlier.push(EarlierPublication {
            id: p.id,
            published_at: iso(p.published_at),
            actor: p.actor.clone(),
            fingerprint: rules::fingerprint(&p.sha256),
            corrections: queries::publications::corrections(conn, p.id, None)?.len(),
        });
    }
    Ok(PublicationView {
        id: row.id,
        year: row.year,
        published_at: iso(row.published_at),
        published_on: local_date(env.clock, row.published_at),
        actor: row.actor.clone(),
        fingerprint: rules::fingerprint(&row.sha256),
        sha256: row.sha256.clone(),
        units: units.len(),
        results: units.iter().filter(|u| u.total.is_some()).count(),
        line: printed_line(env.clock, row),
        corrections,
        earlier,
    })
}

fn correction_view(
    catalog: &Catalog,
    c: &CorrectionRow,
    names: &HashMap<&str, &str>,
    roster: &HashMap<String, String>,
) -> CorrectionView {
    CorrectionView {
        id: c.id,
        unit: c.unit_code.clone(),
        unit_name: names
            .get(c.unit_code.as_str())
            .map(|n| n.to_string())
            .or_else(|| roster.get(&c.unit_code).cloned())
            .unwrap_or_default(),
        before: result_view(
            catalog,
            stored_outcome(c.old_total, c.old_standing.as_deref()),
        ),
        after: result_view(
            catalog,
            stored_outcome(c.new_total, c.new_standing.as_deref()),
        ),
        assessment_id: c.assessment_id,
        actor: c.actor.clone(),
        at: iso(c.at),
    }
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
            if entry.action == "publication.publish" && entry.detail.contains(&p.sha256) => {}
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
