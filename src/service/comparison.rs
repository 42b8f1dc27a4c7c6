//! 逐项对比: two assessments of one unit side by side — this year and
//! last, the self-assessment and a review, two reviewers — item by item
//! and fact by fact, for whoever may read the unit (its archivist, its
//! street's officer, the bureau and leaders).

use std::collections::HashMap;

use serde::Serialize;

use crate::reports::comparison::{Comparison, FactRow, ItemRow, Side, comparison_xlsx};
use crate::store::models::AssessmentRow;
use crate::store::{DbConn, queries};

use super::assessments::{self, AssessmentDetail};
use super::reviews::ReviewKind;
use super::{Actor, Download, Env, ServiceError, ServiceResult, progress};

/// An assessment of the unit that can be compared, for the page's choice.
#[derive(Clone, Debug, Serialize)]
pub struct Choice {
    pub assessment_id: i64,
    pub label: String,
}

/// The comparison and what else could be compared.
#[derive(Clone, Debug, Serialize)]
pub struct ComparisonPage {
    pub comparison: Comparison,
    /// Every assessment of the unit, newest first.
    pub choices: Vec<Choice>,
}

/// How an assessment is known: its year and who scored it.
fn label_of(conn: &mut DbConn, env: Env<'_>, row: &AssessmentRow) -> ServiceResult<String> {
    let submission = queries::submissions::get(conn, row.submission_id)?;
    let uploaded = env.clock.zone.show(submission.uploaded_at);
    let who = match row.review_id {
        None => format!("自评（{uploaded} 上传）"),
        Some(id) => {
            let review = queries::reviews::get(conn, id)?;
            let kind = [
                ReviewKind::SelfCheck,
                ReviewKind::Mutual,
                ReviewKind::Spot,
                ReviewKind::Recheck,
            ]
            .into_iter()
            .find(|k| k.as_str() == review.kind)
            .map_or("复核", ReviewKind::label_zh);
            let reviewer = match review.reviewer_id {
                Some(user) => queries::users::get(conn, user)?.username,
                None => "系统".into(),
            };
            let reviewed = env.clock.zone.show(review.created_at);
            format!("{kind}（{reviewer}，{reviewed}）")
        }
    };
    Ok(format!("{} 年度 · {who}", row.year))
}

/// The two assessments compared when none are named: the newest year's
/// current result and the one of the year before it, else the newest
/// result and the self-assessment it reviewed, else the two newest.
fn defaults(rows: &[AssessmentRow], history: &[assessments::HistoryEntry]) -> Option<(i64, i64)> {
    let mut current: Vec<&assessments::HistoryEntry> =
        history.iter().filter(|h| h.current).collect();
    current.sort_by_key(|h| std::cmp::Reverse(h.year));
    if let [newest, older, ..] = current.as_slice() {
        return Some((older.assessment_id, newest.assessment_id));
    }
    let newest = rows.first()?;
    let own = rows
        .iter()
        .filter(|r| r.submission_id == newest.submission_id && r.review_id.is_none())
        .find(|r| r.id != newest.id);
    // Else the two newest: two uploads of one year, say.
    let older = own.or_else(|| rows.get(1))?;
    Some((older.id, newest.id))
}

fn side(detail: &AssessmentDetail, label: String) -> Side {
    Side {
        assessment_id: detail.summary.assessment_id,
        year: detail.summary.year,
        label,
        checklist: detail.summary.checklist.clone(),
        total: detail.summary.total,
        tier: progress::tier_label(&detail.summary),
    }
}

/// Items matched by code (in the newer side's order, then the older's
/// own), facts by key (as each side counted them: a review's correction
/// over the unit's value).
/// Each entry of `b` (in its order) with `a`'s of the same key, then what
/// only `a` has: the pairs a comparison lists.
fn matched<'a, T>(
    a: &'a [T],
    b: &'a [T],
    key: impl Fn(&T) -> &str,
) -> Vec<(Option<&'a T>, Option<&'a T>)> {
    let by_key_a: HashMap<&str, &T> = a.iter().map(|x| (key(x), x)).collect();
    let keys_b: std::collections::HashSet<&str> = b.iter().map(&key).collect();
    b.iter()
        .map(|x| (by_key_a.get(key(x)).copied(), Some(x)))
        .chain(
            a.iter()
                .filter(|x| !keys_b.contains(key(x)))
                .map(|x| (Some(x), None)),
        )
        .collect()
}

fn rows_of(a: &AssessmentDetail, b: &AssessmentDetail) -> (Vec<ItemRow>, Vec<FactRow>) {
    let points =
        |i: Option<&assessments::ItemDetail>| i.and_then(|i| i.applicable.then_some(i.points));
    let items = matched(&a.items, &b.items, |i| i.code.as_str())
        .into_iter()
        .map(|(in_a, in_b)| {
            let (points_a, points_b) = (points(in_a), points(in_b));
            let change = match (points_a, points_b) {
                (Some(x), Some(y)) => Some(crate::domain::Points(y.0 - x.0)),
                _ => None,
            };
            let shown = in_b.or(in_a).expect("an item of one side");
            ItemRow {
                code: shown.code.clone(),
                title: shown.title.clone(),
                max_a: in_a.map(|i| i.max),
                max_b: in_b.map(|i| i.max),
                points_a,
                points_b,
                notes_a: in_a.map(|i| i.notes.clone()).unwrap_or_default(),
                notes_b: in_b.map(|i| i.notes.clone()).unwrap_or_default(),
                change,
                changed: points_a != points_b
                    || in_a.is_some() != in_b.is_some()
                    || in_a.map(|i| i.applicable) != in_b.map(|i| i.applicable),
            }
        })
        .collect();
    let value = |d: &assessments::InputDetail| d.reviewed_value.clone().unwrap_or(d.value.clone());
    let facts = matched(&a.inputs, &b.inputs, |i| i.key.as_str())
        .into_iter()
        .map(|(in_a, in_b)| {
            let shown = in_b.or(in_a).expect("a fact of one side");
            let (value_a, value_b) = (in_a.map(value), in_b.map(value));
            FactRow {
                label: shown.label.clone(),
                unit: shown.unit.clone(),
                changed: value_a != value_b,
                value_a,
                value_b,
            }
        })
        .collect();
    (items, facts)
}

/// Compares assessments `a` and `b` of the unit `code` (both optional:
/// see [`defaults`]).
pub fn compare(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    code: &str,
    (a, b): (Option<i64>, Option<i64>),
) -> ServiceResult<ComparisonPage> {
    let unit = queries::units::find_by_code(conn, code)?
        .ok_or_else(|| ServiceError::not_on_roster(code))?;
    actor.require_read_unit(unit.id)?;
    let rows = queries::assessments::of_unit(conn, unit.id)?;
    let history = assessments::history(conn, actor, code)?;
    let (a, b) = match (a, b, defaults(&rows, &history)) {
        (Some(a), Some(b), _) => (a, b),
        (Some(a), None, Some((_, newest))) => (a, newest),
        (None, Some(b), Some((older, _))) => (older, b),
        (None, None, Some(pair)) => pair,
        _ => {
            return Err(ServiceError::NotFound(format!(
                "单位 {code} 还没有可以对比的两份考核结果"
            )));
        }
    };
    for id in [a, b] {
        if !rows.iter().any(|r| r.id == id) {
            return Err(ServiceError::NotFound(format!(
                "单位 {code} 没有考核结果 {id}"
            )));
        }
    }
    let mut choices = Vec::with_capacity(rows.len());
    for row in &rows {
        choices.push(Choice {
            assessment_id: row.id,
            label: label_of(conn, env, row)?,
        });
    }
    let label = |id: i64| {
        choices
            .iter()
            .find(|c| c.assessment_id == id)
            .map(|c| c.label.clone())
            .unwrap_or_default()
    };
    let (detail_a, detail_b) = (
        assessments::detail(conn, env, actor, a)?,
        assessments::detail(conn, env, actor, b)?,
    );
    let (items, facts) = rows_of(&detail_a, &detail_b);
    let comparison = Comparison {
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        a: side(&detail_a, label(a)),
        b: side(&detail_b, label(b)),
        changed_items: items.iter().filter(|i| i.changed).count(),
        changed_facts: facts.iter().filter(|f| f.changed).count(),
        items,
        facts,
    };
    Ok(ComparisonPage {
        comparison,
        choices,
    })
}

/// The comparison as a workbook.
pub fn workbook(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    code: &str,
    pair: (Option<i64>, Option<i64>),
) -> ServiceResult<Download> {
    let page = compare(conn, env, actor, code, pair)?;
    let c = &page.comparison;
    Ok(Download {
        file_name: format!("{}-逐项对比-{}与{}.xlsx", c.unit_name, c.a.year, c.b.year),
        bytes: comparison_xlsx(c)?,
    })
}
