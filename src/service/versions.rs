//! Checklist versions as the bureau sees them (考核细则版本): each version
//! with its status (草稿 / 已发布), where it came from, which campaigns use
//! it and how many assessments it scored, and the version before it; and
//! publishing a draft. A version is a draft until an admin publishes it or
//! a campaign adopts it; from then on it is frozen.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::domain::Checklist;
use crate::ingest::authoring::{AuthoringProblem, read_authoring};
use crate::ingest::checklists::Catalog;
use crate::reports::html::Html;
use crate::store::models::ChecklistVersionRow;
use crate::store::{DbConn, queries, write};

use super::audit::{self, Entity};
use super::{Actor, Env, Role, ServiceError, ServiceResult, checklist_diff, checklists};

/// One version as the versions page and the API show it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct VersionView {
    /// `id@version`
    pub reference: String,
    pub id: String,
    pub version: String,
    pub title: String,
    pub unit_kinds: Vec<String>,
    /// `draft` or `published`.
    pub status: &'static str,
    /// 草稿 / 已发布.
    pub status_label: &'static str,
    pub published_at: Option<NaiveDateTime>,
    /// 细则目录 (a file) or 工作簿 (authored on the pages).
    pub origin_label: &'static str,
    /// The workbook a draft was imported from.
    pub workbook_name: Option<String>,
    /// "2013 年度·社区" for every campaign that uses it.
    pub campaigns: Vec<String>,
    /// Assessments scored against it.
    pub assessments: i64,
    /// The version of the same checklist just before it, if any.
    pub previous: Option<String>,
    pub items: usize,
    pub tiers: Vec<String>,
}

impl VersionView {
    pub fn is_draft(&self) -> bool {
        self.status == "draft"
    }
}

/// Who may see the versions: the bureau and its leaders.
fn may_read(actor: &Actor) -> ServiceResult<()> {
    match actor.role {
        Role::Admin | Role::Inspector | Role::Leader => Ok(()),
        Role::Unit | Role::Street => Err(ServiceError::Forbidden(
            "考核细则的版本管理仅供档案局和领导查看".into(),
        )),
    }
}

/// Every version known (the catalog and what the database keeps), grouped
/// by checklist and ordered by version.
pub fn list(conn: &mut DbConn, env: Env<'_>, actor: &Actor) -> ServiceResult<Vec<VersionView>> {
    may_read(actor)?;
    let rows: BTreeMap<String, ChecklistVersionRow> = queries::checklists::all(conn)?
        .into_iter()
        .map(|r| (r.reference.clone(), r))
        .collect();
    let counts: BTreeMap<String, i64> = queries::checklists::assessment_counts(conn)?
        .into_iter()
        .collect();
    let mut uses: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (reference, year, kind) in queries::checklists::campaign_uses(conn)? {
        uses.entry(reference)
            .or_default()
            .push(format!("{year} 年度·{kind}"));
    }
    let mut known: Vec<Arc<Checklist>> = env.catalog.iter().map(|l| l.checklist.clone()).collect();
    // Versions only the database still has (a file removed after use).
    for reference in rows.keys() {
        if env.catalog.get(reference).is_none()
            && let Ok(c) = checklists::get(conn, env.catalog, reference)
        {
            known.push(c);
        }
    }
    known.sort_by(|a, b| a.id.cmp(&b.id).then(version_order(&a.version, &b.version)));
    let mut views = Vec::with_capacity(known.len());
    for (n, c) in known.iter().enumerate() {
        let reference = c.reference();
        let row = rows.get(&reference);
        let previous = n
            .checked_sub(1)
            .map(|p| &known[p])
            .filter(|p| p.id == c.id)
            .map(|p| p.reference());
        let assessments = counts.get(&reference).copied().unwrap_or(0);
        let campaigns = uses.remove(&reference).unwrap_or_default();
        let published = row.is_some_and(|r| r.published_at.is_some())
            || assessments > 0
            || !campaigns.is_empty();
        views.push(VersionView {
            id: c.id.clone(),
            version: c.version.clone(),
            title: c.title.clone(),
            unit_kinds: c.unit_kinds.clone(),
            status: if published { "published" } else { "draft" },
            status_label: if published { "已发布" } else { "草稿" },
            published_at: row.and_then(|r| r.published_at),
            origin_label: match row.map(|r| r.origin.as_str()) {
                Some("workbook") => "工作簿导入",
                _ => "细则目录",
            },
            workbook_name: row.and_then(|r| r.workbook_name.clone()),
            campaigns,
            assessments,
            previous,
            items: c.items.len(),
            tiers: c.tiers.iter().map(|t| t.name.clone()).collect(),
            reference,
        });
    }
    Ok(views)
}

/// One version, as [`list`] shows it.
pub fn find(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    reference: &str,
) -> ServiceResult<VersionView> {
    list(conn, env, actor)?
        .into_iter()
        .find(|v| v.reference == reference)
        .ok_or_else(|| ServiceError::NotFound(format!("未知的考核细则 {reference}")))
}

/// Saves a draft authored in Excel (考核细则编制表) after every check the
/// checklist files get, and keeps the workbook. Returns the draft's
/// reference; the caller refreshes its catalog so the draft can be
/// compared and previewed. A workbook with problems is kept too (a file
/// sent is never lost) and its problems are returned, each with its cell.
pub fn import_draft(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
) -> ServiceResult<String> {
    actor.require_admin()?;
    let digest = super::sha256(bytes);
    let authored = match read_authoring(file_name, bytes, env.limits) {
        Ok(authored) => authored,
        Err(problems) => {
            write(conn, |conn| {
                queries::submissions::store_file(conn, &digest, bytes, env.clock.now)?;
                audit::record(
                    conn,
                    actor,
                    env.clock,
                    "checklist.draft_refused",
                    Entity::Checklist(file_name.to_string()),
                    format!(
                        "考核细则编制表“{file_name}”有 {} 处问题，未保存（sha256 {digest}）",
                        problems.len()
                    ),
                )
            })?;
            return Err(ServiceError::Invalid(
                problems
                    .into_iter()
                    .map(AuthoringProblem::into_problem)
                    .collect(),
            ));
        }
    };
    let checklist = &authored.loaded.checklist;
    let reference = checklist.reference();
    write(conn, |conn| {
        if let Some(row) = queries::checklists::find(conn, &reference)?
            && (row.origin != "workbook" || row.published_at.is_some())
        {
            return Err(ServiceError::Conflict(format!(
                "考核细则 {reference} 已经存在{}，不能用草稿替换；请在编制表“基本信息”中改用新的版本号",
                if row.published_at.is_some() {
                    "并已发布"
                } else {
                    "（细则目录中的文件）"
                }
            )));
        }
        queries::submissions::store_file(conn, &digest, bytes, env.clock.now)?;
        queries::checklists::save_draft(
            conn,
            &queries::checklists::DraftVersion {
                reference: &reference,
                title: &checklist.title,
                fingerprint: &authored.loaded.fingerprint,
                source: &authored.toml,
                workbook_sha256: &digest,
                workbook_name: file_name,
            },
            env.clock.now,
        )?;
        audit::record(
            conn,
            actor,
            env.clock,
            "checklist.draft",
            Entity::Checklist(reference.clone()),
            format!(
                "从“{file_name}”导入考核细则草稿《{}》（{reference}）",
                checklist.title
            ),
        )
    })?;
    Ok(reference)
}

/// The workbook a version is edited in: the one a draft was imported from
/// as it was sent, else the version written out as a new authoring
/// workbook. With the file name to give it.
pub fn workbook(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    reference: &str,
) -> ServiceResult<(String, Vec<u8>)> {
    may_read(actor)?;
    if let Some(row) = queries::checklists::find(conn, reference)?
        && let (Some(sha), Some(name)) = (row.workbook_sha256, row.workbook_name)
    {
        return Ok((name, queries::submissions::file_content(conn, &sha)?));
    }
    let file = super::authoring::export(env.catalog, reference)?;
    Ok((file.file_name, file.bytes))
}

/// A category as the version's summary lists it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CategoryLine {
    pub code: String,
    pub name: String,
    /// The most it earns (its items and capped groups).
    #[schema(value_type = f64)]
    pub max: crate::domain::Points,
    pub items: usize,
}

/// One version with what it says, in brief: for the page that decides
/// whether to publish it.
#[derive(Clone, Debug, Serialize)]
pub struct VersionDetail {
    #[serde(flatten)]
    pub version: VersionView,
    #[serde(skip)]
    pub checklist: Arc<Checklist>,
    pub total: crate::domain::Points,
    pub categories: Vec<CategoryLine>,
    pub inputs: usize,
    pub vetoes: usize,
    pub tiers: Vec<crate::reports::explain::TierNeeds>,
    /// Years with a campaign, to preview this version against.
    pub years: Vec<i32>,
    /// What changed from the version before (修订对照), as a page fragment.
    pub diff_html: Option<String>,
}

pub fn detail(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    reference: &str,
    html: &Html,
) -> ServiceResult<VersionDetail> {
    let version = find(conn, env, actor, reference)?;
    let diff_html = match &version.previous {
        Some(previous) => Some(checklist_diff::fragment(
            env.catalog,
            html,
            previous,
            reference,
        )?),
        None => None,
    };
    let checklist = checklists::get(conn, env.catalog, reference)?;
    let categories = checklist
        .categories
        .iter()
        .map(|c| CategoryLine {
            code: c.code.clone(),
            name: c.name.clone(),
            max: checklist.category_max(&c.code),
            items: checklist
                .items
                .iter()
                .filter(|i| i.category == c.code)
                .count(),
        })
        .collect();
    let mut years = super::campaigns::years(conn)?;
    years.sort_unstable_by(|a, b| b.cmp(a));
    Ok(VersionDetail {
        version,
        total: checklist.total,
        categories,
        inputs: checklist.inputs.len(),
        vetoes: checklist.vetoes.len(),
        tiers: crate::reports::explain::tier_requirements(&checklist),
        years,
        diff_html,
        checklist,
    })
}

/// The printable comparison (修订对照, A4) of `reference` with `against`,
/// by default the version before it.
pub fn diff_document(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    reference: &str,
    against: Option<&str>,
    html: &Html,
) -> ServiceResult<String> {
    let version = find(conn, env, actor, reference)?;
    let against = match against.or(version.previous.as_deref()) {
        Some(against) => against.to_string(),
        None => {
            return Err(ServiceError::NotFound(format!(
                "考核细则 {reference} 没有更早的版本可以对照"
            )));
        }
    };
    checklist_diff::document(env.catalog, html, &against, reference)
}

/// Publishes a draft: from now on it is frozen, and campaigns may adopt it.
pub fn publish(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    reference: &str,
) -> ServiceResult<VersionView> {
    actor.require_admin()?;
    let view = find(conn, env, actor, reference)?;
    if !view.is_draft() {
        return Err(ServiceError::Conflict(format!(
            "考核细则 {reference} 已发布，不需要再发布"
        )));
    }
    write(conn, |conn| {
        if queries::checklists::find(conn, reference)?.is_none() {
            // A catalog version not recorded yet (the folder changed while
            // running): recorded as it is now, then published.
            checklists::sync(conn, env.catalog, env.clock)?;
        }
        queries::checklists::publish(conn, reference, actor.user_id, env.clock.now)?;
        audit::record(
            conn,
            actor,
            env.clock,
            "checklist.publish",
            Entity::Checklist(reference.to_string()),
            format!("发布《{}》（{reference}）", view.title),
        )
    })?;
    find(conn, env, actor, reference)
}

/// Versions in the order people number them: runs of digits compare as
/// numbers ("v2" before "v10", "2013" before "2013-2").
pub fn version_order(a: &str, b: &str) -> Ordering {
    let runs = |s: &str| -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in s.chars() {
            let digit = c.is_ascii_digit();
            match out.last_mut() {
                Some((d, run)) if *d == digit => run.push(c),
                _ => out.push((digit, c.to_string())),
            }
        }
        out
    };
    let (ra, rb) = (runs(a), runs(b));
    for (x, y) in ra.iter().zip(&rb) {
        let order = match (x, y) {
            ((true, p), (true, q)) => {
                let (p, q) = (p.trim_start_matches('0'), q.trim_start_matches('0'));
                p.len().cmp(&q.len()).then_with(|| p.cmp(q))
            }
            ((_, p), (_, q)) => p.cmp(q),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    ra.len().cmp(&rb.len()).then_with(|| a.cmp(b))
}

/// The version before `reference` among those known (the diff's default).
pub fn previous_of(catalog: &Catalog, checklist: &Checklist) -> Option<String> {
    catalog
        .iter()
        .map(|l| &l.checklist)
        .filter(|c| {
            c.id == checklist.id && version_order(&c.version, &checklist.version) == Ordering::Less
        })
        .max_by(|a, b| version_order(&a.version, &b.version))
        .map(|c| c.reference())
}

/// What-if (试算) of a year's current results under version `reference`
/// (a draft included), the version found in the service's catalog: see
/// [`super::rescore::preview`], which also says who may preview.
pub fn preview(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    reference: &str,
    year: i32,
) -> ServiceResult<super::rescore::Preview> {
    let checklist = env
        .catalog
        .get(reference)
        .cloned()
        .ok_or_else(|| ServiceError::NotFound(format!("未知的考核细则 {reference}")))?;
    super::rescore::preview(conn, env, actor, year, &checklist)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_as_numbered() {
        let cases = [
            ("2012", "2013", Ordering::Less),
            ("v2", "v10", Ordering::Less),
            ("2013", "2013-2", Ordering::Less),
            ("2013-2", "2013-10", Ordering::Less),
            ("2014", "2013-9", Ordering::Greater),
            ("v1", "v1", Ordering::Equal),
            ("1.9", "1.10", Ordering::Less),
            ("007", "7", Ordering::Less),
        ];
        for (a, b, expected) in cases {
            assert_eq!(version_order(a, b), expected, "{a} vs {b}");
        }
    }
}
