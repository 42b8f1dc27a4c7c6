//! Publishing a year's results (年度结果发布): every unit's current result
//! and the district figures frozen as a canonical snapshot with its sha256
//! ([`crate::domain::publication`]), stored and audited; reading the
//! publication in force with its corrections. What a publication holds
//! afterwards (the printed line, corrections, checks) is
//! [`super::publication`].

use std::collections::HashMap;

use serde::Serialize;

use crate::domain::Points;
use crate::domain::publication::{
    self as rules, FigureLine, Outcome, Snapshot, Standing, UnitEntry, UnitResult,
};
use crate::ingest::checklists::Catalog;
use crate::reports::model::TierCounts;
use crate::store::models::{
    AssessmentRow, CorrectionRow, NewPublication, PublicationRow, PublicationUnitRow,
};
use crate::store::{self, DbConn, queries};

use super::audit::{self, Entity};
use super::publication::{local_date, printed_line, standing_of, stored_outcome, tier_name};
use super::{Actor, Env, Role, ServiceError, ServiceResult};

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
    match actor.role {
        Role::Admin | Role::Inspector | Role::Leader => Ok(()),
        Role::Unit | Role::Street => Err(ServiceError::Forbidden(
            "年度结果发布仅供档案局和领导查看".into(),
        )),
    }
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
/// district figures of the report (`reports::district_dashboard`, which
/// counts them; its orders are not needed, so only counted).
fn gather(conn: &mut DbConn, env: Env<'_>, actor: &Actor, year: i32) -> ServiceResult<Snapshot> {
    let campaign = super::campaign_of_year(conn, year)?;
    let report = super::reports::district_dashboard(conn, env, actor, year, None)?;
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
