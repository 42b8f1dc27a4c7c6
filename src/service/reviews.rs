//! Reviews: an inspector's check on site (自查 / 互查 / 抽查) overrides
//! item scores — or corrects a reported fact — each with a reason. The
//! reviewed assessment is recomputed and stored beside the self-assessment,
//! which is never changed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::{Answers, ItemAnswer, Points, Rule, score};
use crate::ingest::values;
use crate::ingest::workbook::CellValue;
use crate::store::models::ReviewOverrideRow;
use crate::store::{DbConn, queries, write};

use super::assessments::{self, AssessmentDetail};
use super::audit::{self, Entity};
use super::uploads::store_assessment;
use super::{
    Actor, Env, ServiceError, ServiceResult, checklists, decode_answer, decode_input,
    encode_answer, encode_input,
};

/// The kind of check (检查方式).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewKind {
    /// 自查: the inspector checks the unit's own self-check.
    #[serde(rename = "self")]
    SelfCheck,
    /// 互查: checked by a peer unit's team.
    Mutual,
    /// 抽查: the bureau's spot check.
    Spot,
    /// 复查: re-check while verifying a rectification.
    Recheck,
}

impl ReviewKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewKind::SelfCheck => "self",
            ReviewKind::Mutual => "mutual",
            ReviewKind::Spot => "spot",
            ReviewKind::Recheck => "recheck",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ReviewKind::SelfCheck => "自查",
            ReviewKind::Mutual => "互查",
            ReviewKind::Spot => "抽查",
            ReviewKind::Recheck => "复查",
        }
    }
}

/// A changed item score: points, or 不适用 for an optional item.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct ItemOverride {
    pub code: String,
    /// Points in 0..=max, a multiple of 0.5; or the text 不适用.
    #[schema(value_type = Object)]
    pub points: serde_json::Value,
    pub reason: String,
}

/// A corrected fact from sheet 人财物投入, e.g. the room measured on site.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct InputOverride {
    pub key: String,
    /// As one would write it in the workbook: 45, 是, 否.
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
    pub reason: String,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct ReviewRequest {
    pub kind: ReviewKind,
    /// What was checked and found (检查意见).
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub items: Vec<ItemOverride>,
    #[serde(default)]
    pub inputs: Vec<InputOverride>,
}

fn cell_of(value: &serde_json::Value) -> Option<CellValue> {
    match value {
        serde_json::Value::Number(n) => n.as_f64().map(|value| CellValue::Number {
            value,
            percent_format: false,
        }),
        serde_json::Value::String(s) => Some(CellValue::Text(s.clone())),
        serde_json::Value::Bool(b) => Some(CellValue::Bool(*b)),
        _ => None,
    }
}

/// The facts and answers of a submission as stored.
pub fn stored_answers(conn: &mut DbConn, submission_id: i64) -> ServiceResult<Answers> {
    let mut answers = Answers::default();
    for (key, value) in queries::submissions::inputs(conn, submission_id)? {
        if let Some(v) = decode_input(&value) {
            answers.inputs.insert(key, v);
        }
    }
    for (code, answer, _) in queries::submissions::answers(conn, submission_id)? {
        if let Some(a) = answer.as_deref().and_then(decode_answer) {
            answers.self_scores.insert(code, a);
        }
    }
    Ok(answers)
}

/// Records a review of a unit's current submission and recomputes it.
pub fn review(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    submission_id: i64,
    request: &ReviewRequest,
) -> ServiceResult<AssessmentDetail> {
    actor.require_bureau()?;
    let assessment_id = write(conn, |conn| {
        apply(conn, env, actor, submission_id, request, &[])
    })?;
    assessments::detail(conn, env, actor, assessment_id)
}

/// Stores a review inside the caller's transaction; returns the new
/// assessment's id. `extra` are overrides the caller adds (a re-check).
pub fn apply(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    submission_id: i64,
    request: &ReviewRequest,
    extra: &[ReviewOverrideRow],
) -> ServiceResult<i64> {
    let clock = env.clock;
    let submission = queries::submissions::get(conn, submission_id)
        .map_err(|_| ServiceError::NotFound(format!("自查表 {submission_id} 不存在")))?;
    queries::units::lock(conn, submission.unit_id)?;
    if let Some(newer) = queries::submissions::superseded_by(conn, &submission)? {
        return Err(ServiceError::Conflict(format!(
            "该自查表已被新上传的自查表（{newer}）替代，请复核最新的一份"
        )));
    }
    let checklist = checklists::get(conn, env.catalog, &submission.checklist_reference)?;
    let year = queries::campaigns::get(conn, submission.campaign_id)?.year;

    // Earlier reviews' overrides carry into this one; the new ones win.
    let mut merged: BTreeMap<(String, String), ReviewOverrideRow> = BTreeMap::new();
    if let Some(last) = queries::reviews::of_submission(conn, submission_id)?.last() {
        for o in queries::reviews::overrides(conn, last.id)? {
            merged.insert((o.target.clone(), o.code.clone()), o);
        }
    }
    let mut problems = Vec::new();
    let mut fresh = Vec::new();
    for o in &request.items {
        let reason = o.reason.trim();
        let Some(item) = checklist.item(&o.code) else {
            problems.push(format!("条目 {} 不存在", o.code));
            continue;
        };
        if reason.is_empty() {
            problems.push(format!("条目 {} 的改分须写明理由", o.code));
        }
        // A self item is re-judged on its own scale; a computed item in halves.
        let step = match item.rule {
            Rule::SelfScored { step } => step,
            _ => Points(5),
        };
        let answer = match cell_of(&o.points) {
            Some(cell) => values::self_score(&cell, item.max, step, item.optional),
            None => Err("分值无效".into()),
        };
        match answer {
            Ok(a) => fresh.push(ReviewOverrideRow {
                review_id: 0,
                target: "item".into(),
                code: item.code.clone(),
                value: encode_answer(a),
                reason: reason.to_string(),
            }),
            Err(message) => problems.push(format!(
                "条目 {}：{}",
                o.code,
                message.replace("自评分", "复核分")
            )),
        }
    }
    for o in &request.inputs {
        let reason = o.reason.trim();
        let Some(input) = checklist.input(&o.key) else {
            problems.push(format!("输入项 {} 不存在", o.key));
            continue;
        };
        if reason.is_empty() {
            problems.push(format!("“{}”的更正须写明理由", input.label));
        }
        let value = match cell_of(&o.value) {
            Some(cell) => values::input_value(input, &cell),
            None => Err("数值无效".into()),
        };
        match value {
            Ok(v) => fresh.push(ReviewOverrideRow {
                review_id: 0,
                target: "input".into(),
                code: input.key.clone(),
                value: encode_input(v),
                reason: reason.to_string(),
            }),
            Err(message) => problems.push(format!("“{}”{message}", input.label)),
        }
    }
    if !problems.is_empty() {
        return Err(ServiceError::BadRequest(problems.join("；")));
    }
    for o in fresh.into_iter().chain(extra.iter().cloned()) {
        merged.insert((o.target.clone(), o.code.clone()), o);
    }

    let mut answers = stored_answers(conn, submission_id)?;
    let mut item_overrides = BTreeMap::new();
    for o in merged.values() {
        match o.target.as_str() {
            "input" => {
                if let Some(v) = decode_input(&o.value) {
                    answers.inputs.insert(o.code.clone(), v);
                }
            }
            _ => {
                if let Some(a) = decode_answer(&o.value) {
                    item_overrides.insert(o.code.clone(), a);
                }
            }
        }
    }
    // A self item the review leaves alone keeps the unit's answer; rule
    // items follow corrected facts unless overridden themselves.
    let card = score(&checklist, &answers, &item_overrides);

    let review_id = queries::reviews::insert(
        conn,
        submission_id,
        request.kind.as_str(),
        request.note.trim(),
        actor.user_id,
        clock.now,
    )?;
    let rows: Vec<ReviewOverrideRow> = merged
        .into_values()
        .map(|mut o| {
            o.review_id = review_id;
            o
        })
        .collect();
    queries::reviews::insert_overrides(conn, &rows)?;
    let assessment_id = store_assessment(
        conn,
        &submission,
        year,
        &checklist,
        &card,
        Some(review_id),
        clock.now,
    )?;
    super::rectifications::sync(
        conn,
        env,
        assessment_id,
        &checklist,
        &card,
        submission.target_tier.as_deref(),
    )?;
    let changed: Vec<String> = request
        .items
        .iter()
        .map(|o| format!("{}→{}", o.code, o.points))
        .chain(
            request
                .inputs
                .iter()
                .map(|o| format!("{}→{}", o.key, o.value)),
        )
        .collect();
    audit::record(
        conn,
        actor,
        clock,
        "review.create",
        Entity::Review(review_id),
        format!(
            "{}：自查表 {submission_id}，总分 {}{}",
            request.kind.label_zh(),
            card.total,
            if changed.is_empty() {
                String::new()
            } else {
                format!("；{}", changed.join("，"))
            }
        ),
    )?;
    Ok(assessment_id)
}

/// Whether an item's score comes from the unit (a `self` item).
pub fn is_self_item(rule: &Rule) -> bool {
    matches!(rule, Rule::SelfScored { .. })
}

/// Used by re-checks: an override row for an item's points.
pub fn item_override(code: &str, answer: ItemAnswer, reason: &str) -> ReviewOverrideRow {
    ReviewOverrideRow {
        review_id: 0,
        target: "item".into(),
        code: code.to_string(),
        value: encode_answer(answer),
        reason: reason.to_string(),
    }
}
