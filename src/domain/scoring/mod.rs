//! Scoring: answers in, a [`Scorecard`] out — item points, groups (capped),
//! category subtotals, the rescaled or weighted total with bonus and
//! penalty points, vetoes, the tier reached and the grade, and for every
//! tier what keeps the unit from it. Points are exact hundredths; what lies
//! between (rescaling, weights, formulas) is an exact ratio, rounded once.
//!
//! An item without the answer it needs (an inspector's item before the
//! review, a fact the answers lack) is *pending*: it counts 0, the result is
//! provisional, and tier and grade wait until it is scored.

mod conditions;
mod shortfall;

use std::collections::BTreeMap;
use std::fmt;

use num_bigint::BigInt;
use serde::Serialize;

use super::checklist::{Checklist, InputType, Item, ItemKind, Rule, VetoTrigger};
use super::number::{Decimal, Points, Ratio};
use super::text::fold_label;

pub use shortfall::{Shortfall, TierCheck};

/// A fact's value as read from sheet 人财物投入.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputValue {
    Number(Decimal),
    YesNo(bool),
    /// A `choice` input's option, as the checklist spells it.
    Choice(String),
}

impl InputValue {
    /// Whether the fact counts for an `each` rule: 是, or a number above zero.
    pub fn counts(&self) -> bool {
        match self {
            InputValue::YesNo(yes) => *yes,
            InputValue::Number(n) => *n > Decimal::ZERO,
            InputValue::Choice(_) => false,
        }
    }

    pub fn number(&self) -> Option<Decimal> {
        match self {
            InputValue::Number(n) => Some(*n),
            _ => None,
        }
    }
}

impl fmt::Display for InputValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputValue::Number(n) => write!(f, "{n}"),
            InputValue::YesNo(true) => f.write_str("是"),
            InputValue::YesNo(false) => f.write_str("否"),
            InputValue::Choice(option) => f.write_str(option),
        }
    }
}

/// An answer to an item on sheet 自查评分 (the unit's, or 检查分), or an
/// inspector's review of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemAnswer {
    /// Points: a `self` item's score, or an inspector's score for any item
    /// (for a penalty item, what it deducts).
    Points(Points),
    /// 不适用: only for optional items.
    NotApplicable,
    /// A `level` item: the level's name.
    Level(String),
    /// A `deduct` item: how often each defect was found, in checklist order.
    Counts(Vec<u32>),
}

/// What a unit answered: its kind, facts by input key, answers by item code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answers {
    /// The unit's kind (单位类型), which expressions may read as `kind`.
    pub unit_kind: String,
    pub inputs: BTreeMap<String, InputValue>,
    /// Answers of the items answered on the sheet (`self`, `level`,
    /// `deduct`), the unit's own or the inspector's 检查分.
    pub self_scores: BTreeMap<String, ItemAnswer>,
}

/// How often one defect of a `deduct` item was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeductionScore {
    pub text: String,
    /// Points per defect.
    pub points: Points,
    /// Unknown while the item is pending or was scored by points.
    pub count: Option<u32>,
}

/// One item's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ItemScore {
    pub code: String,
    pub category: String,
    pub group: Option<String>,
    pub kind: ItemKind,
    pub max: Points,
    /// Earned points (for a penalty item, what it deducts); zero for an
    /// item that is not applicable or pending.
    pub points: Points,
    pub applicable: bool,
    /// Waits for its answer (an inspector's item, a missing fact).
    pub pending: bool,
    /// `deduct` items: each defect and how often it was found.
    pub deductions: Vec<DeductionScore>,
    /// `level` items: the level answered.
    pub level: Option<String>,
}

impl ItemScore {
    /// Points this item cost the unit: what a base item lost, what a
    /// penalty item deducts; a bonus item, or one not applicable or pending,
    /// costs nothing.
    pub fn lost(&self) -> Points {
        if !self.applicable || self.pending {
            return Points::ZERO;
        }
        match self.kind {
            ItemKind::Base => self.max - self.points,
            ItemKind::Penalty => self.points,
            ItemKind::Bonus => Points::ZERO,
        }
    }
}

/// A group's result: its items' points, capped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupScore {
    pub code: String,
    pub category: String,
    /// min(sum of its applicable items' points, cap).
    pub points: Points,
    /// min(sum of its applicable items' max, cap).
    pub applicable_max: Points,
    /// The sum before the cap.
    pub uncapped: Points,
}

/// A category's subtotal (base items only; groups capped).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CategoryScore {
    pub code: String,
    pub points: Points,
    pub applicable_max: Points,
}

/// A triggered veto.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TriggeredVeto {
    /// The yes_no input answered 是, for an input veto.
    pub input: Option<String>,
    /// The condition that held, for a `when` veto.
    pub when: Option<String>,
    pub reason: String,
}

/// The tier reached, by code and name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TierRef {
    pub code: String,
    pub name: String,
}

/// The full result of scoring one unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scorecard {
    pub items: Vec<ItemScore>,
    pub groups: Vec<GroupScore>,
    pub categories: Vec<CategoryScore>,
    /// Sum of the base points earned (groups capped).
    pub raw: Points,
    /// Sum of the applicable base maxima (groups capped).
    pub applicable_max: Points,
    /// Sum of the bonus items' points, before `bonus_max`.
    pub bonus: Points,
    /// Sum of the penalty items' points.
    pub penalty: Points,
    /// The total before rounding.
    pub exact_total: Ratio,
    /// Rounded once, half up, to the checklist's decimals.
    pub total: Points,
    /// Some item or fact is still pending: no tier, no grade yet.
    pub provisional: bool,
    /// Codes of the pending items.
    pub pending: Vec<String>,
    /// Facts a veto, tier or grade condition needed and the answers lack.
    pub missing_inputs: Vec<String>,
    pub vetoes: Vec<TriggeredVeto>,
    /// Every tier, lowest first, with its shortfalls.
    pub tier_checks: Vec<TierCheck>,
    pub tier: Option<TierRef>,
    pub grade: Option<String>,
}

impl Scorecard {
    pub fn item(&self, code: &str) -> Option<&ItemScore> {
        self.items.iter().find(|i| i.code == code)
    }

    pub fn category(&self, code: &str) -> Option<&CategoryScore> {
        self.categories.iter().find(|c| c.code == code)
    }

    pub fn group(&self, code: &str) -> Option<&GroupScore> {
        self.groups.iter().find(|g| g.code == code)
    }

    /// What keeps the unit from `tier_code`; empty when reached or unknown.
    pub fn gaps(&self, tier_code: &str) -> &[Shortfall] {
        self.tier_checks
            .iter()
            .find(|t| t.code == tier_code)
            .map(|t| t.shortfalls.as_slice())
            .unwrap_or(&[])
    }

    /// The lowest tier above the one reached, if any: "what is missing for the next tier up".
    pub fn next_tier(&self) -> Option<&TierCheck> {
        let reached = self.tier.as_ref().map(|t| t.code.as_str());
        let position = reached
            .and_then(|code| self.tier_checks.iter().position(|t| t.code == code))
            .map_or(0, |p| p + 1);
        self.tier_checks.get(position)
    }
}

/// Scores answers against a checklist. `overrides` replace item answers (an
/// inspector's review or re-check); they win over the unit's own answers.
pub fn score(
    checklist: &Checklist,
    answers: &Answers,
    overrides: &BTreeMap<String, ItemAnswer>,
) -> Scorecard {
    let items: Vec<ItemScore> = checklist
        .items
        .iter()
        .map(|item| item_score(item, answers, overrides.get(&item.code)))
        .collect();
    let pending: Vec<String> = items
        .iter()
        .filter(|i| i.pending)
        .map(|i| i.code.clone())
        .collect();

    let groups: Vec<GroupScore> = checklist
        .groups
        .iter()
        .map(|g| {
            let members = items
                .iter()
                .filter(|i| i.kind == ItemKind::Base && i.applicable)
                .filter(|i| i.group.as_deref() == Some(g.code.as_str()));
            let uncapped: Points = members.clone().map(|i| i.points).sum();
            let max_sum: Points = members.map(|i| i.max).sum();
            let cap = |p: Points| g.max.map_or(p, |m| p.min(m));
            GroupScore {
                code: g.code.clone(),
                category: g.category.clone(),
                points: cap(uncapped),
                applicable_max: cap(max_sum),
                uncapped,
            }
        })
        .collect();

    let categories: Vec<CategoryScore> = checklist
        .categories
        .iter()
        .map(|c| {
            let in_groups = groups.iter().filter(|g| g.category == c.code);
            let ungrouped = items
                .iter()
                .filter(|i| i.kind == ItemKind::Base && i.applicable && i.group.is_none())
                .filter(|i| i.category == c.code);
            CategoryScore {
                code: c.code.clone(),
                points: in_groups.clone().map(|g| g.points).sum::<Points>()
                    + ungrouped.clone().map(|i| i.points).sum::<Points>(),
                applicable_max: in_groups.map(|g| g.applicable_max).sum::<Points>()
                    + ungrouped.map(|i| i.max).sum::<Points>(),
            }
        })
        .collect();

    let raw: Points = categories.iter().map(|c| c.points).sum();
    let applicable_max: Points = categories.iter().map(|c| c.applicable_max).sum();
    let sum_of = |kind: ItemKind| -> Points {
        items
            .iter()
            .filter(|i| i.kind == kind && i.applicable)
            .map(|i| i.points)
            .sum()
    };
    let bonus = sum_of(ItemKind::Bonus);
    let penalty = sum_of(ItemKind::Penalty);
    let exact_total = total_of(checklist, &categories, raw, applicable_max, bonus, penalty);
    let total = Points::round_ratio(&exact_total, checklist.decimals);

    let mut missing_inputs = Vec::new();
    let env = conditions::ScoreEnv {
        answers,
        items: &items,
        categories: &categories,
        total: &exact_total,
    };
    let mut vetoes = Vec::new();
    for veto in &checklist.vetoes {
        let triggered = match &veto.trigger {
            VetoTrigger::Input(key) => answers.inputs.get(key) == Some(&InputValue::YesNo(true)),
            VetoTrigger::When(c) => env.holds(c, &mut missing_inputs),
        };
        if triggered {
            vetoes.push(TriggeredVeto {
                input: veto.input().map(str::to_string),
                when: match &veto.trigger {
                    VetoTrigger::When(c) => Some(c.source.clone()),
                    VetoTrigger::Input(_) => None,
                },
                reason: veto.reason.clone(),
            });
        }
    }

    let tier_checks: Vec<TierCheck> = checklist
        .tiers
        .iter()
        .map(|tier| TierCheck {
            code: tier.code.clone(),
            name: tier.name.clone(),
            shortfalls: shortfall::of_tier(
                tier,
                total,
                &items,
                &categories,
                answers,
                &vetoes,
                &pending,
                &env,
                &mut missing_inputs,
            ),
        })
        .collect();

    let grade_reached: Vec<bool> = checklist
        .grades
        .iter()
        .map(|g| {
            g.min_total <= total
                && g.requires
                    .as_ref()
                    .is_none_or(|c| env.holds(c, &mut missing_inputs))
        })
        .collect();
    missing_inputs.sort();
    missing_inputs.dedup();
    let provisional = !pending.is_empty() || !missing_inputs.is_empty();

    let tier = if provisional {
        None
    } else {
        tier_checks
            .iter()
            .rev()
            .find(|t| t.reached())
            .map(|t| TierRef {
                code: t.code.clone(),
                name: t.name.clone(),
            })
    };
    let grade = if provisional {
        None
    } else if vetoes.is_empty() {
        checklist
            .grades
            .iter()
            .zip(&grade_reached)
            .rev()
            .find(|(_, reached)| **reached)
            .map(|(g, _)| g)
    } else {
        checklist.grades.first()
    }
    .map(|g| g.name.clone());

    Scorecard {
        items,
        groups,
        categories,
        raw,
        applicable_max,
        bonus,
        penalty,
        exact_total,
        total,
        provisional,
        pending,
        missing_inputs,
        vetoes,
        tier_checks,
        tier,
        grade,
    }
}

/// The total before rounding: the base (rescaled, or weighted by category)
/// plus bonus up to `bonus_max`, minus penalty; not below 0, not above
/// `total` when `cap_total`.
fn total_of(
    checklist: &Checklist,
    categories: &[CategoryScore],
    raw: Points,
    applicable_max: Points,
    bonus: Points,
    penalty: Points,
) -> Ratio {
    let total = checklist.total.to_ratio();
    let base = if checklist.is_weighted() {
        let scored: Vec<(Ratio, &CategoryScore)> = checklist
            .categories
            .iter()
            .zip(categories)
            .filter(|(_, s)| s.applicable_max.0 > 0)
            .map(|(c, s)| (c.weight.unwrap_or(Decimal::ZERO).to_ratio(), s))
            .collect();
        let weights: Ratio = scored.iter().map(|(w, _)| w.clone()).sum();
        if weights == Ratio::from_integer(BigInt::from(0)) {
            Ratio::from_integer(BigInt::from(0))
        } else {
            scored
                .iter()
                .map(|(w, s)| {
                    w / &weights * &total * s.points.to_ratio() / s.applicable_max.to_ratio()
                })
                .sum()
        }
    } else if applicable_max.0 > 0 {
        raw.to_ratio() * &total / applicable_max.to_ratio()
    } else {
        Ratio::from_integer(BigInt::from(0))
    };
    let zero = Ratio::from_integer(BigInt::from(0));
    let mut sum = base + bonus.min(checklist.bonus_max).to_ratio() - penalty.to_ratio();
    if sum < zero {
        sum = zero;
    }
    if checklist.cap_total && sum > total {
        sum = total;
    }
    sum
}

/// `raw × total / applicable`, rounded half up to a tenth (the first
/// edition's total, for callers that rescale by hand).
pub fn rescale(raw: Points, applicable_max: Points, total: Points) -> Points {
    if applicable_max.0 <= 0 {
        return Points::ZERO;
    }
    let exact = raw.to_ratio() * total.to_ratio() / applicable_max.to_ratio();
    Points::round_ratio(&exact, 1)
}

fn number(answers: &Answers, key: &str) -> Option<Decimal> {
    answers.inputs.get(key).and_then(InputValue::number)
}

/// One item's result from its answer (an override first), or its rule.
fn item_score(item: &Item, answers: &Answers, overriding: Option<&ItemAnswer>) -> ItemScore {
    let own = if item.answered_on_the_sheet() {
        answers.self_scores.get(&item.code)
    } else {
        None
    };
    let answer = overriding.or(own);
    let mut score = ItemScore {
        code: item.code.clone(),
        category: item.category.clone(),
        group: item.group.clone(),
        kind: item.kind,
        max: item.max,
        points: Points::ZERO,
        applicable: true,
        pending: false,
        deductions: counted(
            item,
            match answer {
                Some(ItemAnswer::Counts(_)) => answer,
                _ => own,
            },
        ),
        level: None,
    };
    let points = match answer {
        Some(answer) => answer_points(item, answer, &mut score),
        None => rule_points(item, answers),
    };
    match points {
        Some(p) => score.points = p.clamp(Points::ZERO, item.max),
        None => score.pending = true,
    }
    if score.pending {
        for d in &mut score.deductions {
            d.count = None;
        }
    }
    score
}

/// The defects of a `deduct` item, with their counts where the answer
/// gives them.
fn counted(item: &Item, answer: Option<&ItemAnswer>) -> Vec<DeductionScore> {
    let counts = match answer {
        Some(ItemAnswer::Counts(counts)) => Some(counts),
        _ => None,
    };
    item.deductions()
        .iter()
        .enumerate()
        .map(|(n, d)| DeductionScore {
            text: d.text.clone(),
            points: d.points,
            count: counts.map(|c| {
                let found = c.get(n).copied().unwrap_or(0);
                if d.once { found.min(1) } else { found }
            }),
        })
        .collect()
}

/// Points from an explicit answer; `None` never (an answer is an answer).
fn answer_points(item: &Item, answer: &ItemAnswer, score: &mut ItemScore) -> Option<Points> {
    Some(match answer {
        ItemAnswer::NotApplicable if item.optional => {
            score.applicable = false;
            Points::ZERO
        }
        ItemAnswer::NotApplicable => Points::ZERO,
        ItemAnswer::Points(p) => *p,
        ItemAnswer::Level(name) => {
            let wanted = fold_label(name);
            let level = item.levels().iter().find(|l| fold_label(&l.name) == wanted);
            score.level = level.map(|l| l.name.clone());
            level.map_or(Points::ZERO, |l| l.points)
        }
        ItemAnswer::Counts(_) => {
            let cost: i64 = score
                .deductions
                .iter()
                .map(|d| i64::from(d.points.0) * i64::from(d.count.unwrap_or(0)))
                .sum();
            let cost = Points(cost.clamp(0, i64::from(i32::MAX)) as i32);
            match item.kind {
                ItemKind::Penalty => cost.min(item.max),
                _ => (item.max - cost.min(item.max)).max(Points::ZERO),
            }
        }
    })
}

/// The points an item's own rule gives from the facts; `None` when an
/// answer it needs is missing (the item is then pending).
fn rule_points(item: &Item, answers: &Answers) -> Option<Points> {
    Some(match &item.rule {
        // Answered on the sheet, and no answer: pending.
        Rule::SelfScored { .. } | Rule::Level { .. } | Rule::Deduct { .. } => return None,
        Rule::YesNo { input } => match answers.inputs.get(input)? {
            InputValue::YesNo(true) => item.max,
            _ => Points::ZERO,
        },
        Rule::Bands { input, bands } => {
            let v = number(answers, input)?;
            bands
                .iter()
                .find(|(threshold, _)| v >= *threshold)
                .map_or(Points::ZERO, |(_, p)| *p)
        }
        Rule::Each { inputs, each } => {
            let mut count = 0i64;
            for key in inputs {
                if answers.inputs.get(key)?.counts() {
                    count += 1;
                }
            }
            let earned = i64::from(each.0).saturating_mul(count);
            Points(earned.min(i64::from(item.max.0)) as i32)
        }
        Rule::Linear {
            input,
            full_at,
            step,
        } => {
            let v = number(answers, input)?;
            if v > Decimal::ZERO {
                let earned = v
                    .mul_div_floor(i64::from(item.max.0), *full_at)
                    .unwrap_or(i64::MAX);
                Points(earned.min(i64::from(item.max.0)) as i32).floor_to(*step)
            } else {
                Points::ZERO
            }
        }
        Rule::Choice { input, points } => match answers.inputs.get(input)? {
            InputValue::Choice(option) => {
                let wanted = fold_label(option);
                points
                    .iter()
                    .find(|(o, _)| fold_label(o) == wanted)
                    .map_or(Points::ZERO, |(_, p)| *p)
            }
            _ => Points::ZERO,
        },
        Rule::Formula { formula, step } => {
            return conditions::formula_points(&formula.expr, answers, item.max, *step);
        }
    })
}

/// The type an answer must have for an input, for callers that build answers by hand.
pub fn value_fits(kind: InputType, value: &InputValue) -> bool {
    match (kind, value) {
        (InputType::YesNo, InputValue::YesNo(_)) => true,
        (InputType::Choice, InputValue::Choice(_)) => true,
        (InputType::YesNo | InputType::Choice, _) => false,
        (_, InputValue::YesNo(_) | InputValue::Choice(_)) => false,
        (InputType::Integer, InputValue::Number(n)) => n.is_integer() && !n.is_negative(),
        (InputType::Decimal, InputValue::Number(n)) => !n.is_negative(),
        (InputType::Percent, InputValue::Number(n)) => {
            !n.is_negative() && *n <= Decimal::from_int(100)
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
