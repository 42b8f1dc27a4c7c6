//! The checklist (考核细则): inputs asked on sheet 人财物投入, categories and
//! groups (二级指标), items with their scoring rules, vetoes (一票否决), tiers
//! and grades — the second edition of the format, which a first-edition
//! file is a special case of.
//!
//! [`RawChecklist`] is the file as written (deserialised by `ingest`);
//! [`Checklist::from_raw`] validates it (`validate.rs`) and returns every
//! problem found, each naming the offending key, so an author fixes a file
//! in one pass.

pub mod diff;
mod raw;
mod validate;

use std::fmt;

use serde::Serialize;

use super::expr::Expr;
use super::number::{Decimal, Points};
use super::text::fold_label;

pub use raw::{
    Assessor, InputGroup, InputType, ItemKind, RawCategory, RawChecklist, RawDeduction, RawGrade,
    RawGroup, RawInput, RawItem, RawMinValue, RawNumber, RawTier, RawVeto, RuleKind,
};

/// A fact asked on sheet 人财物投入.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Input {
    pub key: String,
    pub label: String,
    pub unit: Option<String>,
    pub kind: InputType,
    pub group: InputGroup,
    /// The answers a `choice` input allows, as the checklist spells them.
    pub options: Vec<String>,
    pub note: Option<String>,
}

impl Input {
    /// The option `written` stands for (compared after folding), as the
    /// checklist spells it.
    pub fn option(&self, written: &str) -> Option<&str> {
        let wanted = fold_label(written);
        self.options
            .iter()
            .find(|o| fold_label(o) == wanted)
            .map(String::as_str)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Category {
    pub code: String,
    pub name: String,
    /// Percent of the total when the checklist weights its categories.
    pub weight: Option<Decimal>,
}

/// 二级指标: a heading over items of one category, optionally capped
/// ("每项 1 分，最高 5 分").
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Group {
    pub code: String,
    pub category: String,
    pub title: String,
    pub max: Option<Points>,
}

/// One defect a `deduct` item counts, and what it costs each time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Deduction {
    pub text: String,
    pub points: Points,
    /// Counted at most once (found or not).
    pub once: bool,
}

/// One named level of a `level` item.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Level {
    pub name: String,
    pub points: Points,
}

/// An expression of the checklist, kept with its source as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub source: String,
    pub expr: Expr,
}

/// How an item earns its points.
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    /// The unit's own score from sheet 自查评分, a multiple of `step`.
    SelfScored { step: Points },
    /// `max` if the input is 是.
    YesNo { input: String },
    /// The points of the first band whose threshold the input reaches.
    Bands {
        input: String,
        bands: Vec<(Decimal, Points)>,
    },
    /// `each` per input that is 是 (or > 0), capped at `max`.
    Each { inputs: Vec<String>, each: Points },
    /// `max × min(v / full_at, 1)`, rounded down to `step`.
    Linear {
        input: String,
        full_at: Decimal,
        step: Points,
    },
    /// `max − Σ points × n`, not below 0; for a penalty item, `Σ points × n`
    /// up to `max`.
    Deduct { deductions: Vec<Deduction> },
    /// The points of the level answered.
    Level { levels: Vec<Level> },
    /// The points of the option the `choice` input was answered with.
    Choice {
        input: String,
        points: Vec<(String, Points)>,
    },
    /// A boolean gives `max` or 0; a number is clamped to 0..=max and
    /// rounded down to `step`.
    Formula { formula: Condition, step: Points },
}

impl Rule {
    pub fn kind(&self) -> RuleKind {
        match self {
            Rule::SelfScored { .. } => RuleKind::SelfScored,
            Rule::YesNo { .. } => RuleKind::YesNo,
            Rule::Bands { .. } => RuleKind::Bands,
            Rule::Each { .. } => RuleKind::Each,
            Rule::Linear { .. } => RuleKind::Linear,
            Rule::Deduct { .. } => RuleKind::Deduct,
            Rule::Level { .. } => RuleKind::Level,
            Rule::Choice { .. } => RuleKind::Choice,
            Rule::Formula { .. } => RuleKind::Formula,
        }
    }

    /// The inputs this rule reads.
    pub fn inputs(&self) -> Vec<String> {
        match self {
            Rule::SelfScored { .. } | Rule::Deduct { .. } | Rule::Level { .. } => Vec::new(),
            Rule::YesNo { input }
            | Rule::Bands { input, .. }
            | Rule::Linear { input, .. }
            | Rule::Choice { input, .. } => vec![input.clone()],
            Rule::Each { inputs, .. } => inputs.clone(),
            Rule::Formula { formula, .. } => super::expr::inputs_used(&formula.expr),
        }
    }
}

/// One checklist item (考核条目).
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub code: String,
    pub category: String,
    pub group: Option<String>,
    pub title: String,
    pub kind: ItemKind,
    pub max: Points,
    pub rule: Rule,
    /// The unit may answer 不适用 (a `self`, `level` or `deduct` item).
    pub optional: bool,
    pub assessed_by: Assessor,
    pub requirement: Option<String>,
    /// 佐证材料 the inspector expects.
    pub evidence: Option<String>,
}

impl Item {
    /// Answered by the inspection team, not the unit.
    pub fn by_inspector(&self) -> bool {
        self.assessed_by == Assessor::Inspector
    }

    /// Answered on its own row of 自查评分 (or its deduction rows).
    pub fn answered_on_the_sheet(&self) -> bool {
        self.rule.kind().is_answered_on_the_sheet()
    }

    pub fn deductions(&self) -> &[Deduction] {
        match &self.rule {
            Rule::Deduct { deductions } => deductions,
            _ => &[],
        }
    }

    pub fn levels(&self) -> &[Level] {
        match &self.rule {
            Rule::Level { levels } => levels,
            _ => &[],
        }
    }
}

/// What triggers a veto.
#[derive(Clone, Debug, PartialEq)]
pub enum VetoTrigger {
    /// A yes_no input answered 是.
    Input(String),
    /// A condition that holds.
    When(Condition),
}

/// 一票否决: a condition that denies every tier and gives the lowest grade.
#[derive(Clone, Debug, PartialEq)]
pub struct Veto {
    pub trigger: VetoTrigger,
    pub reason: String,
}

impl Veto {
    /// The yes_no input that triggers it, for an input veto.
    pub fn input(&self) -> Option<&str> {
        match &self.trigger {
            VetoTrigger::Input(key) => Some(key),
            VetoTrigger::When(_) => None,
        }
    }
}

/// A minimum on an input that a tier requires.
#[derive(Clone, Debug, PartialEq)]
pub enum MinInput {
    /// Numeric input: `v >= min`.
    AtLeast(Decimal),
    /// yes_no input: `true` requires 是; `false` requires nothing.
    Yes(bool),
}

/// An accreditation tier (市级规范化 / 省级规范化 / 省级示范档案室).
#[derive(Clone, Debug, PartialEq)]
pub struct Tier {
    pub code: String,
    pub name: String,
    pub min_total: Points,
    pub required_items: Vec<String>,
    /// Every category must earn at least this share of its applicable max,
    /// in tenths of a percent (80% = 800).
    pub category_floor: Option<i32>,
    pub min_inputs: Vec<(String, MinInput)>,
    /// A further condition that must hold.
    pub requires: Option<Condition>,
}

/// The year's inspection grade (年检结论).
#[derive(Clone, Debug, PartialEq)]
pub struct Grade {
    pub name: String,
    pub min_total: Points,
    pub requires: Option<Condition>,
}

/// A validated checklist version.
#[derive(Clone, Debug, PartialEq)]
pub struct Checklist {
    pub id: String,
    pub version: String,
    pub title: String,
    pub unit_kinds: Vec<String>,
    pub total: Points,
    /// Decimals of the rounded total: 1 or 2.
    pub decimals: u8,
    pub rectify_days: u32,
    /// The most bonus items may add together.
    pub bonus_max: Points,
    /// The total may not exceed `total` (after bonus points).
    pub cap_total: bool,
    pub inputs: Vec<Input>,
    pub categories: Vec<Category>,
    pub groups: Vec<Group>,
    pub items: Vec<Item>,
    pub vetoes: Vec<Veto>,
    pub tiers: Vec<Tier>,
    pub grades: Vec<Grade>,
}

/// The days a unit has to rectify when the checklist does not say.
pub const DEFAULT_RECTIFY_DAYS: u32 = 30;

/// One reason a checklist file is refused, at a key such as `items[B1].bands`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChecklistProblem {
    pub key: String,
    pub message: String,
}

impl fmt::Display for ChecklistProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

impl Checklist {
    /// `id@version`, the name campaigns and workbooks use.
    pub fn reference(&self) -> String {
        format!("{}@{}", self.id, self.version)
    }

    pub fn input(&self, key: &str) -> Option<&Input> {
        self.inputs.iter().find(|i| i.key == key)
    }

    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.code == code)
    }

    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }

    pub fn group(&self, code: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.code == code)
    }

    pub fn tier(&self, code: &str) -> Option<&Tier> {
        self.tiers.iter().find(|t| t.code == code)
    }

    pub fn applies_to(&self, unit_kind: &str) -> bool {
        self.unit_kinds.iter().any(|k| k == unit_kind)
    }

    /// Categories carry weights (each scored on its own scale).
    pub fn is_weighted(&self) -> bool {
        self.categories.iter().any(|c| c.weight.is_some())
    }

    /// Finds a tier as a unit writes it in 申报等级: its code or its name,
    /// compared after folding, and the name also without its trailing 档案室
    /// ("省级示范" for "省级示范档案室").
    pub fn find_tier(&self, written: &str) -> Option<&Tier> {
        let wanted = fold_label(written);
        if wanted.is_empty() {
            return None;
        }
        self.tiers.iter().find(|t| {
            let name = fold_label(&t.name);
            wanted.eq_ignore_ascii_case(&fold_label(&t.code))
                || wanted == name
                || name.strip_suffix("档案室") == Some(wanted.as_str())
        })
    }

    /// The most a group can earn: the sum of its items' max, capped.
    pub fn group_max(&self, code: &str) -> Points {
        let sum: Points = self
            .items
            .iter()
            .filter(|i| i.kind == ItemKind::Base && i.group.as_deref() == Some(code))
            .map(|i| i.max)
            .sum();
        match self.group(code).and_then(|g| g.max) {
            Some(cap) => sum.min(cap),
            None => sum,
        }
    }

    /// The most a category can earn: its groups (capped) and its ungrouped
    /// base items.
    pub fn category_max(&self, code: &str) -> Points {
        let groups: Points = self
            .groups
            .iter()
            .filter(|g| g.category == code)
            .map(|g| self.group_max(&g.code))
            .sum();
        let ungrouped: Points = self
            .items
            .iter()
            .filter(|i| i.kind == ItemKind::Base && i.group.is_none() && i.category == code)
            .map(|i| i.max)
            .sum();
        groups + ungrouped
    }

    /// Validates a file's content; every problem is returned, not only the first.
    pub fn from_raw(raw: RawChecklist) -> Result<Checklist, Vec<ChecklistProblem>> {
        validate::checklist(raw)
    }
}

#[cfg(test)]
pub(crate) mod tests;
