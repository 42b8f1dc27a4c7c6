//! Offline scoring: workbook bytes in, the contract's per-file JSON object
//! out (`nianjian score --json`, and the body of an upload answer).

use serde::Serialize;

use crate::domain::Rule;
use crate::domain::checklist::ItemKind;
use crate::domain::scoring::{DeductionScore, TierRef, TriggeredVeto};
use crate::domain::{Points, Scorecard, score};
use crate::ingest::checklists::Catalog;
use crate::ingest::self_check::{Problem, SelfCheck, UnitInfo, read_self_check};
use crate::ingest::workbook::Limits;

/// One item as the JSON shows it.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ItemView {
    pub code: String,
    /// base | bonus | penalty
    #[schema(value_type = String)]
    pub kind: ItemKind,
    /// The group (二级指标) code, or null.
    pub group: Option<String>,
    #[schema(value_type = f64)]
    pub max: Points,
    /// Null while the item is pending (for a penalty item, what it deducts).
    #[schema(value_type = Option<f64>)]
    pub points: Option<Points>,
    pub applicable: bool,
    /// An inspector's item not scored yet, or a fact the answers lack.
    pub pending: bool,
    /// `deduct` items: each defect, its points and how often it was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub deductions: Option<Vec<DeductionScore>>,
    /// `level` items: the level answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
}

/// A scored workbook, exactly the contract's `ok: true` object (less `file`/`ok`).
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ScoreView {
    /// {code, name, kind, street}
    #[schema(value_type = Object)]
    pub unit: UnitInfo,
    pub year: i32,
    /// `id@version`
    pub checklist: String,
    #[schema(value_type = f64)]
    pub raw: Points,
    #[schema(value_type = f64)]
    pub applicable_max: Points,
    #[schema(value_type = f64)]
    pub total: Points,
    /// {code, name}, or null when no tier is reached.
    #[schema(value_type = Option<Object>)]
    pub tier: Option<TierRef>,
    pub grade: Option<String>,
    /// Triggered vetoes: {input, reason}.
    #[schema(value_type = Vec<Object>)]
    pub vetoes: Vec<TriggeredVeto>,
    pub items: Vec<ItemView>,
    pub target_tier: Option<String>,
    pub gaps: Vec<String>,
    /// Some inspector's item is not scored yet: tier and grade wait.
    pub provisional: bool,
    /// Codes of the pending items.
    pub pending: Vec<String>,
    /// The bonus items' points, summed before `bonus_max`.
    #[schema(value_type = f64)]
    pub bonus: Points,
    /// The penalty items' points, summed.
    #[schema(value_type = f64)]
    pub penalty: Points,
}

impl ScoreView {
    pub fn new(check: &SelfCheck, card: &Scorecard) -> ScoreView {
        let gaps = check
            .target_tier
            .as_deref()
            .map(|t| card.gaps(t).iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        ScoreView {
            unit: check.unit.clone(),
            year: check.year,
            checklist: check.checklist.reference(),
            raw: card.raw,
            applicable_max: card.applicable_max,
            total: card.total,
            tier: card.tier.clone(),
            grade: card.grade.clone(),
            vetoes: card.vetoes.clone(),
            items: card
                .items
                .iter()
                .map(|i| ItemView {
                    code: i.code.clone(),
                    kind: i.kind,
                    group: i.group.clone(),
                    max: i.max,
                    points: (!i.pending).then_some(i.points),
                    applicable: i.applicable,
                    pending: i.pending,
                    deductions: check
                        .checklist
                        .item(&i.code)
                        .is_some_and(|item| matches!(item.rule, Rule::Deduct { .. }))
                        .then(|| i.deductions.clone()),
                    level: i.level.clone(),
                })
                .collect(),
            target_tier: check.target_tier.clone(),
            gaps,
            provisional: card.provisional,
            pending: card.pending.clone(),
            bonus: card.bonus,
            penalty: card.penalty,
        }
    }
}

/// A workbook read and scored, with everything later layers need.
#[derive(Clone, Debug)]
pub struct Scored {
    pub check: SelfCheck,
    pub card: Scorecard,
}

impl Scored {
    pub fn view(&self) -> ScoreView {
        ScoreView::new(&self.check, &self.card)
    }
}

/// Reads and scores one workbook's bytes with the unit's own answers.
pub fn score_workbook(
    bytes: &[u8],
    catalog: &Catalog,
    limits: &Limits,
) -> Result<Scored, Vec<Problem>> {
    let check = read_self_check(bytes, catalog, limits)?;
    let card = score(&check.checklist, &check.answers, &Default::default());
    Ok(Scored { check, card })
}

/// One element of `nianjian score --json`.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum FileResult {
    Scored {
        file: String,
        ok: bool,
        #[serde(flatten)]
        view: Box<ScoreView>,
    },
    Failed {
        file: String,
        ok: bool,
        errors: Vec<Problem>,
    },
}

impl FileResult {
    pub fn new(file: String, outcome: Result<Scored, Vec<Problem>>) -> FileResult {
        match outcome {
            Ok(scored) => FileResult::Scored {
                file,
                ok: true,
                view: Box::new(scored.view()),
            },
            Err(errors) => FileResult::Failed {
                file,
                ok: false,
                errors,
            },
        }
    }

    pub fn is_ok(&self) -> bool {
        matches!(self, FileResult::Scored { .. })
    }
}

/// A problem with the file as a whole (unreadable, too large).
pub fn file_problem(message: String) -> Problem {
    Problem {
        sheet: None,
        cell: None,
        message,
    }
}
