//! Reviews: an inspector's check on site (自查 / 互查 / 抽查) overrides
//! item scores — or corrects a reported fact — each with a reason. The
//! reviewed assessment is recomputed and stored beside the self-assessment,
//! which is never changed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::checklist::{Deduction, Item, Level};
use crate::domain::{Answers, Checklist, ItemAnswer, Points, Rule, score};
use crate::ingest::values;
use crate::ingest::workbook::CellValue;
use crate::store::models::ReviewOverrideRow;
use crate::store::{DbConn, queries, write};

use super::assessments::{self, AssessmentDetail};
use super::audit::{self, Entity};
use super::recording;
use super::{
    Actor, Env, ServiceError, ServiceResult, checklists, decode_answer, decode_input,
    decode_input_as, encode_answer, encode_input,
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

/// A changed item score: points, a level, defect counts, or 不适用 for an
/// optional item. An inspector item (由检查组评定) gets its first score so.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemOverride {
    pub code: String,
    /// Points in 0..=max on the item's step; for a `level` item the level's
    /// name (or its points); for a `deduct` item also the counts written
    /// "2,0,1"; or the text 不适用. Omitted when `counts` is given.
    #[serde(default)]
    #[schema(schema_with = points_schema)]
    pub points: Option<serde_json::Value>,
    /// For a `deduct` item: how often each defect was found (发现几处), in
    /// the checklist's order.
    #[serde(default)]
    #[schema(value_type = Option<Vec<u32>>, maximum = 100000)]
    pub counts: Option<Vec<u32>>,
    #[schema(min_length = 1)]
    pub reason: String,
}

impl ItemOverride {
    /// What was asked, for the audit line.
    fn shown(&self) -> String {
        match (&self.counts, &self.points) {
            (Some(counts), _) => format!("{}→扣分次数 {counts:?}", self.code),
            (None, Some(points)) => format!("{}→{points}", self.code),
            (None, None) => self.code.clone(),
        }
    }
}

/// A corrected fact from sheet 人财物投入, e.g. the room measured on site.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InputOverride {
    pub key: String,
    /// As one would write it in the workbook: 45, 是, 否.
    #[schema(schema_with = value_schema)]
    pub value: serde_json::Value,
    #[schema(min_length = 1)]
    pub reason: String,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
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

/// What [`cell_of`] reads: a number or a text (and, for a fact, true or false).
fn cell_schema(
    types: &[utoipa::openapi::schema::Type],
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    let mut any = utoipa::openapi::schema::AnyOfBuilder::new();
    for t in types {
        any = any.item(utoipa::openapi::ObjectBuilder::new().schema_type(t.clone()));
    }
    any.into()
}

fn points_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::Type;
    cell_schema(&[Type::Number, Type::String])
}

fn value_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::Type;
    cell_schema(&[Type::Number, Type::String, Type::Boolean])
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

/// A stored fact, read by its input's type where the checklist has it.
fn fact(checklist: &Checklist, key: &str, value: &str) -> Option<crate::domain::InputValue> {
    match checklist.input(key) {
        Some(input) => decode_input_as(input.kind, value),
        None => decode_input(value),
    }
}

/// The facts and answers of a submission as stored, for a unit of `unit_kind`.
pub fn stored_answers(
    conn: &mut DbConn,
    checklist: &Checklist,
    submission_id: i64,
    unit_kind: &str,
) -> ServiceResult<Answers> {
    let inputs = queries::submissions::inputs(conn, submission_id)?;
    let rows = queries::submissions::answers(conn, submission_id)?;
    Ok(answers_from_rows(
        checklist,
        unit_kind,
        inputs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        rows.iter().map(|(c, a, _)| (c.as_str(), a.as_deref())),
    ))
}

/// A submission's answers from its stored rows (facts as key and value,
/// answers as item code and answer), read by `checklist`: what
/// [`stored_answers`] loads, for callers that load many at once.
pub fn answers_from_rows<'a>(
    checklist: &Checklist,
    unit_kind: &str,
    inputs: impl IntoIterator<Item = (&'a str, &'a str)>,
    answers: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
) -> Answers {
    let mut out = Answers {
        unit_kind: unit_kind.to_string(),
        ..Answers::default()
    };
    for (key, value) in inputs {
        if let Some(v) = fact(checklist, key, value) {
            out.inputs.insert(key.to_string(), v);
        }
    }
    for (code, answer) in answers {
        if let Some(a) = answer.and_then(decode_answer) {
            out.self_scores.insert(code.to_string(), a);
        }
    }
    out
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
    let fresh = checked_overrides(&checklist, &request.items, &request.inputs)?;
    for o in fresh.into_iter().chain(extra.iter().cloned()) {
        merged.insert((o.target.clone(), o.code.clone()), o);
    }

    let unit_kind = queries::units::get(conn, submission.unit_id)?.kind;
    let mut answers = stored_answers(conn, &checklist, submission_id, &unit_kind)?;
    let item_overrides = apply_overrides(&checklist, &mut answers, merged.values());
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
    let assessment_id = recording::record(
        conn,
        env,
        actor,
        &submission,
        year,
        &checklist,
        &card,
        Some(review_id),
    )?;
    let changed: Vec<String> = request
        .items
        .iter()
        .map(ItemOverride::shown)
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

/// The items and facts a review (or a peer's 互查) changes, checked against
/// the checklist, as override rows; every problem named at once.
pub fn checked_overrides(
    checklist: &Checklist,
    items: &[ItemOverride],
    inputs: &[InputOverride],
) -> ServiceResult<Vec<ReviewOverrideRow>> {
    let mut problems = Vec::new();
    let mut fresh = Vec::new();
    for o in items {
        let reason = o.reason.trim();
        let Some(item) = checklist.item(&o.code) else {
            problems.push(format!("条目 {} 不存在", o.code));
            continue;
        };
        if reason.is_empty() {
            problems.push(format!("条目 {} 的改分须写明理由", o.code));
        }
        match override_answer(item, o) {
            Ok(a) => fresh.push(ReviewOverrideRow {
                review_id: 0,
                target: "item".into(),
                code: item.code.clone(),
                value: encode_answer(&a),
                reason: reason.to_string(),
            }),
            Err(message) => problems.push(format!(
                "条目 {}：{}",
                o.code,
                message.replace("自评分", "复核分")
            )),
        }
    }
    for o in inputs {
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
                value: encode_input(&v),
                reason: reason.to_string(),
            }),
            Err(message) => problems.push(format!("“{}”{message}", input.label)),
        }
    }
    if !problems.is_empty() {
        return Err(ServiceError::BadRequest(problems.join("；")));
    }
    Ok(fresh)
}

/// The answer an override gives its item, or why it cannot be taken.
fn override_answer(item: &Item, o: &ItemOverride) -> Result<ItemAnswer, String> {
    match (&o.counts, &o.points) {
        (Some(_), Some(_)) => Err("分值与扣分次数只能填写一项".into()),
        (None, None) => Err("请填写分值".into()),
        (Some(counts), None) => match &item.rule {
            Rule::Deduct { deductions } => deduct_counts(deductions, counts),
            _ => Err("只有扣分项可以填写扣分次数".into()),
        },
        (None, Some(value)) => {
            let cell = cell_of(value).ok_or("分值无效")?;
            match (&item.rule, &cell) {
                (Rule::Level { levels }, _) => level_answer(item, levels, &cell),
                (Rule::Deduct { deductions }, CellValue::Text(text))
                    if text.contains([',', '，']) =>
                {
                    let counts = text
                        .split([',', '，'])
                        .map(|c| c.trim().parse::<u32>())
                        .collect::<Result<Vec<u32>, _>>()
                        .map_err(|_| "扣分次数应为以逗号分隔的整数，如 2,0,1".to_string())?;
                    deduct_counts(deductions, &counts)
                }
                (rule, _) => {
                    // A self item is re-judged on its own scale; a computed
                    // item in halves; the others in hundredths.
                    let step = match rule {
                        Rule::SelfScored { step } => *step,
                        Rule::YesNo { .. }
                        | Rule::Bands { .. }
                        | Rule::Each { .. }
                        | Rule::Linear { .. } => Points::HALF,
                        _ => Points::HUNDREDTH,
                    };
                    values::self_score(&cell, item.max, step, item.optional)
                }
            }
        }
    }
}

fn deduct_counts(deductions: &[Deduction], counts: &[u32]) -> Result<ItemAnswer, String> {
    if counts.len() != deductions.len() {
        return Err(format!(
            "该条目有 {} 个扣分情形，填写了 {} 个扣分次数",
            deductions.len(),
            counts.len()
        ));
    }
    if let Some((n, d)) = deductions
        .iter()
        .zip(counts)
        .enumerate()
        .find(|(_, (d, c))| d.once && **c > 1)
        .map(|(n, (d, _))| (n, d))
    {
        return Err(format!(
            "第 {} 个扣分情形“{}”只计一次，次数应为 0 或 1",
            n + 1,
            d.text
        ));
    }
    Ok(ItemAnswer::Counts(counts.to_vec()))
}

/// A level by its name, or by its points when exactly one level has them.
fn level_answer(item: &Item, levels: &[Level], cell: &CellValue) -> Result<ItemAnswer, String> {
    let names = || {
        levels
            .iter()
            .map(|l| l.name.as_str())
            .collect::<Vec<_>>()
            .join("、")
    };
    match cell {
        CellValue::Text(text) if values::is_not_applicable(text) => {
            if item.optional {
                Ok(ItemAnswer::NotApplicable)
            } else {
                Err("该条目不是可选条目，不能填写不适用".into())
            }
        }
        CellValue::Text(text) => levels
            .iter()
            .find(|l| l.name == text.trim())
            .map(|l| ItemAnswer::Level(l.name.clone()))
            .ok_or_else(|| format!("“{}”不是该条目的等次，应为：{}", text.trim(), names())),
        _ => {
            let points = values::self_score(cell, item.max, Points::HUNDREDTH, false)?;
            let ItemAnswer::Points(p) = points else {
                return Err(format!("应填写等次：{}", names()));
            };
            let mut matching = levels.iter().filter(|l| l.points == p);
            match (matching.next(), matching.next()) {
                (Some(l), None) => Ok(ItemAnswer::Level(l.name.clone())),
                _ => Err(format!(
                    "{p} 分不对应唯一的等次，请填写等次名称：{}",
                    names()
                )),
            }
        }
    }
}

/// A review's overrides applied: corrected facts go into `answers`; item
/// answers are returned, to override the items' own.
pub fn apply_overrides<'a>(
    checklist: &Checklist,
    answers: &mut Answers,
    overrides: impl IntoIterator<Item = &'a ReviewOverrideRow>,
) -> BTreeMap<String, ItemAnswer> {
    let mut items = BTreeMap::new();
    for o in overrides {
        match o.target.as_str() {
            "input" => {
                if let Some(v) = fact(checklist, &o.code, &o.value) {
                    answers.inputs.insert(o.code.clone(), v);
                }
            }
            _ => {
                if let Some(a) = decode_answer(&o.value) {
                    items.insert(o.code.clone(), a);
                }
            }
        }
    }
    items
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
        value: encode_answer(&answer),
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::checklist::tests::second;

    fn asked(
        code: &str,
        points: Option<serde_json::Value>,
        counts: Option<Vec<u32>>,
    ) -> ItemOverride {
        ItemOverride {
            code: code.into(),
            points,
            counts,
            reason: "现场检查".into(),
        }
    }

    #[test]
    fn overrides_give_points_levels_and_counts() {
        let checklist = second();
        let level = |n: &str| Ok(ItemAnswer::Level(n.to_string()));
        let counts = |c: &[u32]| Ok(ItemAnswer::Counts(c.to_vec()));
        // (item, points, counts, the answer or the refusal's words)
        type Case<'a> = (
            &'a str,
            Option<serde_json::Value>,
            Option<Vec<u32>>,
            Result<ItemAnswer, &'a str>,
        );
        let cases: Vec<Case<'_>> = vec![
            // A level item: by name, by unique points; not by points no level has.
            ("A3", Some(json!("中")), None, level("中")),
            ("A3", Some(json!(3)), None, level("好")),
            (
                "A3",
                Some(json!("良")),
                None,
                Err("“良”不是该条目的等次，应为：好、中、差"),
            ),
            (
                "A3",
                Some(json!(1)),
                None,
                Err("1 分不对应唯一的等次，请填写等次名称：好、中、差"),
            ),
            // A deduct item: counts, or counts written in the points field.
            ("A2", None, Some(vec![2, 1]), counts(&[2, 1])),
            ("A2", Some(json!("3，0")), None, counts(&[3, 0])),
            (
                "A2",
                None,
                Some(vec![2]),
                Err("该条目有 2 个扣分情形，填写了 1 个扣分次数"),
            ),
            (
                "A2",
                None,
                Some(vec![0, 2]),
                Err("第 2 个扣分情形“未建立全宗目录”只计一次，次数应为 0 或 1"),
            ),
            (
                "A2",
                Some(json!("2,x")),
                None,
                Err("扣分次数应为以逗号分隔的整数，如 2,0,1"),
            ),
            // Direct points are still possible on any item, on its step.
            (
                "A2",
                Some(json!(2.5)),
                None,
                Ok(ItemAnswer::Points(Points(250))),
            ),
            (
                "B3",
                Some(json!(7.25)),
                None,
                Ok(ItemAnswer::Points(Points(725))),
            ),
            // Counts only on deduct items, and never both.
            ("B3", None, Some(vec![1]), Err("只有扣分项可以填写扣分次数")),
            (
                "A2",
                Some(json!(1)),
                Some(vec![1, 0]),
                Err("分值与扣分次数只能填写一项"),
            ),
            ("A2", None, None, Err("请填写分值")),
        ];
        for (code, points, counts, expected) in cases {
            let item = checklist.item(code).expect("item");
            let got = override_answer(item, &asked(code, points.clone(), counts.clone()));
            assert_eq!(
                got,
                expected.map_err(str::to_string),
                "{code} points={points:?} counts={counts:?}"
            );
        }
    }
}
