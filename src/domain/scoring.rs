//! Scoring: answers in, a [`Scorecard`] out — item points, category
//! subtotals, the rescaled total, vetoes, the tier reached and the grade, and
//! for every tier what keeps the unit from it. Exact arithmetic in tenths.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::checklist::{Checklist, InputType, Item, MinInput, Rule, Tier};
use super::number::{Decimal, Points};

/// A fact's value as read from sheet 人财物投入.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputValue {
    Number(Decimal),
    YesNo(bool),
}

impl InputValue {
    /// Whether the fact counts for an `each` rule: 是, or a number above zero.
    pub fn counts(self) -> bool {
        match self {
            InputValue::YesNo(yes) => yes,
            InputValue::Number(n) => n > Decimal::ZERO,
        }
    }
}

impl fmt::Display for InputValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputValue::Number(n) => write!(f, "{n}"),
            InputValue::YesNo(true) => f.write_str("是"),
            InputValue::YesNo(false) => f.write_str("否"),
        }
    }
}

/// An answer on sheet 自查评分, or an inspector's override of an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemAnswer {
    Points(Points),
    /// 不适用: only for optional items.
    NotApplicable,
}

/// What a unit answered: facts by input key, self-scores by item code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answers {
    pub inputs: BTreeMap<String, InputValue>,
    pub self_scores: BTreeMap<String, ItemAnswer>,
}

/// One item's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ItemScore {
    pub code: String,
    pub category: String,
    pub max: Points,
    /// Earned points; zero for an item that is not applicable.
    pub points: Points,
    pub applicable: bool,
}

impl ItemScore {
    /// Points this item lost (none when not applicable).
    pub fn lost(&self) -> Points {
        if self.applicable {
            self.max - self.points
        } else {
            Points::ZERO
        }
    }
}

/// A category's subtotal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CategoryScore {
    pub code: String,
    pub points: Points,
    pub applicable_max: Points,
}

/// Why a unit does not reach a tier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shortfall {
    Total {
        total: Points,
        min: Points,
    },
    RequiredItem {
        code: String,
        points: Points,
        max: Points,
    },
    CategoryFloor {
        code: String,
        points: Points,
        applicable_max: Points,
        /// Tenths of a percent.
        floor: i32,
    },
    MinNumber {
        key: String,
        value: Option<Decimal>,
        min: Decimal,
    },
    MinYes {
        key: String,
    },
    Veto {
        input: String,
        reason: String,
    },
}

fn percent(tenths: i32) -> String {
    Points(tenths).to_string()
}

/// The contract's `gaps` wording: "total 88.5 below 90", "item B1 earned 2 of 4",
/// "room_area 25 below 40".
impl fmt::Display for Shortfall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shortfall::Total { total, min } => write!(f, "total {total} below {min}"),
            Shortfall::RequiredItem { code, points, max } => {
                write!(f, "item {code} earned {points} of {max}")
            }
            Shortfall::CategoryFloor {
                code,
                points,
                applicable_max,
                floor,
            } => write!(
                f,
                "category {code} earned {points} of {applicable_max}, below {}%",
                percent(*floor)
            ),
            Shortfall::MinNumber { key, value, min } => match value {
                Some(v) => write!(f, "{key} {v} below {min}"),
                None => write!(f, "{key} missing, needs {min}"),
            },
            Shortfall::MinYes { key } => write!(f, "{key} is not 是"),
            Shortfall::Veto { input, reason } => write!(f, "veto {input}: {reason}"),
        }
    }
}

impl Shortfall {
    /// The same in Chinese, for pages and notices.
    pub fn describe_zh(&self, checklist: &Checklist) -> String {
        let input_label = |key: &str| {
            checklist
                .input(key)
                .map(|i| i.label.clone())
                .unwrap_or_else(|| key.to_string())
        };
        match self {
            Shortfall::Total { total, min } => format!("总分 {total} 分，未达到 {min} 分"),
            Shortfall::RequiredItem { code, points, max } => {
                let title = checklist.item(code).map(|i| i.title.as_str()).unwrap_or("");
                format!("必须满分的条目 {code}（{title}）得 {points} 分，满分 {max} 分")
            }
            Shortfall::CategoryFloor {
                code,
                points,
                applicable_max,
                floor,
            } => {
                let name = checklist
                    .category(code)
                    .map(|c| c.name.as_str())
                    .unwrap_or("");
                format!(
                    "类别 {code}（{name}）得 {points} 分，未达到应得 {applicable_max} 分的 {}%",
                    percent(*floor)
                )
            }
            Shortfall::MinNumber { key, value, min } => {
                let unit = checklist
                    .input(key)
                    .and_then(|i| i.unit.clone())
                    .unwrap_or_default();
                match value {
                    Some(v) => format!("{}为 {v}{unit}，低于 {min}{unit}", input_label(key)),
                    None => format!("{}未填报，要求不低于 {min}{unit}", input_label(key)),
                }
            }
            Shortfall::MinYes { key } => format!("{}应为“是”", input_label(key)),
            Shortfall::Veto { reason, .. } => format!("一票否决：{reason}"),
        }
    }
}

/// A tier and what keeps the unit from it (nothing when reached).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierCheck {
    pub code: String,
    pub name: String,
    pub shortfalls: Vec<Shortfall>,
}

impl TierCheck {
    pub fn reached(&self) -> bool {
        self.shortfalls.is_empty()
    }
}

/// A triggered veto.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TriggeredVeto {
    pub input: String,
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
    pub categories: Vec<CategoryScore>,
    /// Sum of earned points.
    pub raw: Points,
    /// Sum of `max` over applicable items.
    pub applicable_max: Points,
    /// `raw × total / applicable_max`, half up to one decimal.
    pub total: Points,
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

/// Scores answers against a checklist. `overrides` replace item results (an
/// inspector's review or re-check); they win over the unit's own answers.
///
/// Answers are expected to be complete and in range (the workbook reader
/// guarantees it); a missing fact scores as 否 / 0 rather than failing.
pub fn score(
    checklist: &Checklist,
    answers: &Answers,
    overrides: &BTreeMap<String, ItemAnswer>,
) -> Scorecard {
    let items: Vec<ItemScore> = checklist
        .items
        .iter()
        .map(|item| {
            let answer = overrides
                .get(&item.code)
                .copied()
                .unwrap_or_else(|| rule_points(item, answers));
            match answer {
                ItemAnswer::NotApplicable if item.optional => ItemScore {
                    code: item.code.clone(),
                    category: item.category.clone(),
                    max: item.max,
                    points: Points::ZERO,
                    applicable: false,
                },
                ItemAnswer::NotApplicable => applicable(item, Points::ZERO),
                ItemAnswer::Points(p) => applicable(item, p.clamp(Points::ZERO, item.max)),
            }
        })
        .collect();

    let categories: Vec<CategoryScore> = checklist
        .categories
        .iter()
        .map(|c| {
            let in_category = items.iter().filter(|i| i.category == c.code);
            CategoryScore {
                code: c.code.clone(),
                points: in_category.clone().map(|i| i.points).sum(),
                applicable_max: in_category.filter(|i| i.applicable).map(|i| i.max).sum(),
            }
        })
        .collect();

    let raw: Points = items.iter().map(|i| i.points).sum();
    let applicable_max: Points = items.iter().filter(|i| i.applicable).map(|i| i.max).sum();
    let total = rescale(raw, applicable_max, checklist.total);

    let vetoes: Vec<TriggeredVeto> = checklist
        .vetoes
        .iter()
        .filter(|v| answers.inputs.get(&v.input) == Some(&InputValue::YesNo(true)))
        .map(|v| TriggeredVeto {
            input: v.input.clone(),
            reason: v.reason.clone(),
        })
        .collect();

    let tier_checks: Vec<TierCheck> = checklist
        .tiers
        .iter()
        .map(|tier| TierCheck {
            code: tier.code.clone(),
            name: tier.name.clone(),
            shortfalls: shortfalls(tier, total, &items, &categories, answers, &vetoes),
        })
        .collect();

    let tier = tier_checks
        .iter()
        .rev()
        .find(|t| t.reached())
        .map(|t| TierRef {
            code: t.code.clone(),
            name: t.name.clone(),
        });

    let grade = if vetoes.is_empty() {
        checklist.grades.iter().rev().find(|g| g.min_total <= total)
    } else {
        checklist.grades.first()
    }
    .map(|g| g.name.clone());

    Scorecard {
        items,
        categories,
        raw,
        applicable_max,
        total,
        vetoes,
        tier_checks,
        tier,
        grade,
    }
}

fn applicable(item: &Item, points: Points) -> ItemScore {
    ItemScore {
        code: item.code.clone(),
        category: item.category.clone(),
        max: item.max,
        points,
        applicable: true,
    }
}

/// `raw × total / applicable`, rounded half up to a tenth; all values in tenths.
pub fn rescale(raw: Points, applicable_max: Points, total: Points) -> Points {
    if applicable_max.0 <= 0 {
        return Points::ZERO;
    }
    let numerator = 2 * i64::from(raw.0) * i64::from(total.0) + i64::from(applicable_max.0);
    let denominator = 2 * i64::from(applicable_max.0);
    Points(numerator.div_euclid(denominator) as i32)
}

fn number(answers: &Answers, key: &str) -> Option<Decimal> {
    match answers.inputs.get(key) {
        Some(InputValue::Number(n)) => Some(*n),
        _ => None,
    }
}

/// The points an item's own rule gives.
fn rule_points(item: &Item, answers: &Answers) -> ItemAnswer {
    let points = match &item.rule {
        Rule::SelfScored { .. } => {
            return answers
                .self_scores
                .get(&item.code)
                .copied()
                .unwrap_or(ItemAnswer::Points(Points::ZERO));
        }
        Rule::YesNo { input } => {
            if answers.inputs.get(input) == Some(&InputValue::YesNo(true)) {
                item.max
            } else {
                Points::ZERO
            }
        }
        Rule::Bands { input, bands } => number(answers, input)
            .and_then(|v| bands.iter().find(|(threshold, _)| v >= *threshold))
            .map_or(Points::ZERO, |(_, p)| *p),
        Rule::Each { inputs, each } => {
            let count = inputs
                .iter()
                .filter(|k| answers.inputs.get(*k).is_some_and(|v| v.counts()))
                .count() as i32;
            Points(each.0.saturating_mul(count)).min(item.max)
        }
        Rule::Linear { input, full_at } => match number(answers, input) {
            Some(v) if v > Decimal::ZERO => {
                let earned = v
                    .mul_div_floor(i64::from(item.max.0), *full_at)
                    .unwrap_or(i64::MAX);
                Points(earned.min(i64::from(item.max.0)) as i32).floor_to(Points(5))
            }
            _ => Points::ZERO,
        },
    };
    ItemAnswer::Points(points)
}

fn shortfalls(
    tier: &Tier,
    total: Points,
    items: &[ItemScore],
    categories: &[CategoryScore],
    answers: &Answers,
    vetoes: &[TriggeredVeto],
) -> Vec<Shortfall> {
    let mut found = Vec::new();
    for veto in vetoes {
        found.push(Shortfall::Veto {
            input: veto.input.clone(),
            reason: veto.reason.clone(),
        });
    }
    if total < tier.min_total {
        found.push(Shortfall::Total {
            total,
            min: tier.min_total,
        });
    }
    for code in &tier.required_items {
        if let Some(item) = items.iter().find(|i| &i.code == code)
            && item.points < item.max
        {
            found.push(Shortfall::RequiredItem {
                code: code.clone(),
                points: item.points,
                max: item.max,
            });
        }
    }
    if let Some(floor) = tier.category_floor {
        for category in categories {
            // points/applicable ≥ floor/1000, cross-multiplied to stay exact.
            if i64::from(category.points.0) * 1000
                < i64::from(floor) * i64::from(category.applicable_max.0)
            {
                found.push(Shortfall::CategoryFloor {
                    code: category.code.clone(),
                    points: category.points,
                    applicable_max: category.applicable_max,
                    floor,
                });
            }
        }
    }
    for (key, min) in &tier.min_inputs {
        match min {
            MinInput::AtLeast(min) => {
                let value = number(answers, key);
                if value.is_none_or(|v| v < *min) {
                    found.push(Shortfall::MinNumber {
                        key: key.clone(),
                        value,
                        min: *min,
                    });
                }
            }
            MinInput::Yes(true) => {
                if answers.inputs.get(key) != Some(&InputValue::YesNo(true)) {
                    found.push(Shortfall::MinYes { key: key.clone() });
                }
            }
            MinInput::Yes(false) => {}
        }
    }
    found
}

/// The type an answer must have for an input, for callers that build answers by hand.
pub fn value_fits(kind: InputType, value: InputValue) -> bool {
    match (kind, value) {
        (InputType::YesNo, InputValue::YesNo(_)) => true,
        (InputType::YesNo, InputValue::Number(_)) => false,
        (_, InputValue::YesNo(_)) => false,
        (InputType::Integer, InputValue::Number(n)) => n.is_integer() && !n.is_negative(),
        (InputType::Decimal, InputValue::Number(n)) => !n.is_negative(),
        (InputType::Percent, InputValue::Number(n)) => {
            !n.is_negative() && n <= Decimal::from_int(100)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::checklist::tests::{parse, sample, sample_toml};
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    /// Full facts and full self-scores for the sample checklist: 20 of 20.
    fn full() -> Answers {
        let mut a = Answers::default();
        a.inputs
            .insert("room_area".into(), InputValue::Number(dec("45")));
        a.inputs
            .insert("has_budget".into(), InputValue::YesNo(true));
        a.inputs
            .insert("air_conditioner".into(), InputValue::YesNo(true));
        a.inputs
            .insert("scanners".into(), InputValue::Number(dec("2")));
        a.inputs
            .insert("digitised".into(), InputValue::Number(dec("90")));
        a.inputs
            .insert("loss_incident".into(), InputValue::YesNo(false));
        a.self_scores
            .insert("A1".into(), ItemAnswer::Points(Points(40)));
        a.self_scores
            .insert("A2".into(), ItemAnswer::Points(Points(20)));
        a
    }

    fn with_input(mut a: Answers, key: &str, value: InputValue) -> Answers {
        a.inputs.insert(key.into(), value);
        a
    }

    fn points_of(a: &Answers, code: &str) -> Points {
        score(&sample(), a, &BTreeMap::new())
            .item(code)
            .unwrap()
            .points
    }

    fn no_overrides() -> BTreeMap<String, ItemAnswer> {
        BTreeMap::new()
    }

    #[test]
    fn full_answers_reach_the_top_tier() {
        let card = score(&sample(), &full(), &no_overrides());
        assert_eq!(card.raw, Points(200));
        assert_eq!(card.total, Points(200));
        assert_eq!(card.tier.unwrap().code, "province-model");
        assert_eq!(card.grade.as_deref(), Some("合格"));
        assert!(card.vetoes.is_empty());
    }

    #[test]
    fn self_rule_takes_the_unit_score() {
        let a = full();
        let mut b = a.clone();
        b.self_scores
            .insert("A1".into(), ItemAnswer::Points(Points(35)));
        assert_eq!(points_of(&a, "A1"), Points(40));
        assert_eq!(points_of(&b, "A1"), Points(35));
    }

    #[test]
    fn yes_no_rule_is_all_or_nothing() {
        assert_eq!(points_of(&full(), "A3"), Points(20));
        let no = with_input(full(), "has_budget", InputValue::YesNo(false));
        assert_eq!(points_of(&no, "A3"), Points(0));
    }

    #[test]
    fn bands_take_the_first_reached_threshold() {
        let at = |v: &str| {
            points_of(
                &with_input(full(), "room_area", InputValue::Number(dec(v))),
                "B1",
            )
        };
        assert_eq!(at("40"), Points(40), "exactly at the top threshold");
        assert_eq!(at("39.99"), Points(20));
        assert_eq!(at("20"), Points(20), "exactly at a middle threshold");
        assert_eq!(at("19.9"), Points(10));
        assert_eq!(at("10"), Points(10));
        assert_eq!(at("9.99"), Points(0), "below every band");
        assert_eq!(at("0"), Points(0));
        assert_eq!(at("1000"), Points(40));
    }

    #[test]
    fn each_counts_yes_and_positive_numbers_capped_at_max() {
        // 2 points each, max 3: two facts would give 4, capped at 3.
        assert_eq!(points_of(&full(), "B2"), Points(30));
        let one = with_input(full(), "scanners", InputValue::Number(dec("0")));
        assert_eq!(points_of(&one, "B2"), Points(20));
        let none = with_input(one, "air_conditioner", InputValue::YesNo(false));
        assert_eq!(points_of(&none, "B2"), Points(0));
        let fraction = with_input(none, "scanners", InputValue::Number(dec("0.5")));
        assert_eq!(points_of(&fraction, "B2"), Points(20), "0.5 is > 0");
    }

    #[test]
    fn linear_rounds_down_to_half_points() {
        // max 5, full at 80.
        let at = |v: &str| {
            points_of(
                &with_input(full(), "digitised", InputValue::Number(dec(v))),
                "B3",
            )
        };
        assert_eq!(at("80"), Points(50));
        assert_eq!(at("100"), Points(50), "capped at max");
        assert_eq!(at("40"), Points(25));
        assert_eq!(at("39.9"), Points(20), "2.49 rounds down to 2");
        assert_eq!(at("8"), Points(5));
        assert_eq!(at("7.99"), Points(0));
        assert_eq!(at("0"), Points(0));
        assert_eq!(at("72"), Points(45));
        assert_eq!(at("71.99"), Points(40));
    }

    #[test]
    fn not_applicable_rescales_half_up() {
        // A2 (2 points) not applicable: applicable max 18.
        let mut a = full();
        a.self_scores.insert("A2".into(), ItemAnswer::NotApplicable);
        a.self_scores
            .insert("A1".into(), ItemAnswer::Points(Points(35)));
        let card = score(&sample(), &a, &no_overrides());
        assert_eq!(card.applicable_max, Points(180));
        assert_eq!(card.raw, Points(175));
        // 17.5 × 20 / 18 = 19.444… → 19.4
        assert_eq!(card.total, Points(194));
        let a2 = card.item("A2").unwrap();
        assert!(!a2.applicable);
        assert_eq!(a2.points, Points(0));
        assert_eq!(a2.lost(), Points(0));
    }

    #[test]
    fn rescale_rounds_half_up_exactly() {
        // 0.5 × 100 / 3 = 16.666… → 16.7
        assert_eq!(rescale(Points(5), Points(30), Points(1000)), Points(167));
        // 0.1 × 100 / 40 = 0.25 → 0.3 (half up)
        assert_eq!(rescale(Points(1), Points(400), Points(1000)), Points(3));
        // 7.5 × 100 / 80 = 9.375 → 9.4
        assert_eq!(rescale(Points(75), Points(800), Points(1000)), Points(94));
        // 8.5 × 100 / 20 = 42.5 exactly
        assert_eq!(rescale(Points(85), Points(200), Points(1000)), Points(425));
        assert_eq!(rescale(Points(0), Points(0), Points(1000)), Points(0));
        assert_eq!(
            rescale(Points(885), Points(1000), Points(1000)),
            Points(885)
        );
    }

    #[test]
    fn required_items_must_earn_full_marks() {
        let mut a = full();
        a.self_scores
            .insert("A1".into(), ItemAnswer::Points(Points(35)));
        let card = score(&sample(), &a, &no_overrides());
        // 19.5 ≥ 18, yet A1 is required for the top tier.
        assert_eq!(card.total, Points(195));
        assert_eq!(card.tier.as_ref().unwrap().code, "city-standard");
        assert_eq!(
            card.gaps("province-model"),
            &[Shortfall::RequiredItem {
                code: "A1".into(),
                points: Points(35),
                max: Points(40)
            }]
        );
        assert_eq!(
            card.gaps("province-model")[0].to_string(),
            "item A1 earned 3.5 of 4"
        );
    }

    #[test]
    fn min_inputs_are_checked() {
        let small = with_input(full(), "room_area", InputValue::Number(dec("39.5")));
        let card = score(&sample(), &small, &no_overrides());
        let gaps: Vec<String> = card
            .gaps("province-model")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(
            gaps.contains(&"room_area 39.5 below 40".to_string()),
            "{gaps:?}"
        );
        assert!(
            gaps.contains(&"item B1 earned 2 of 4".to_string()),
            "{gaps:?}"
        );

        let no_budget = with_input(full(), "has_budget", InputValue::YesNo(false));
        let card = score(&sample(), &no_budget, &no_overrides());
        assert!(card.gaps("province-model").contains(&Shortfall::MinYes {
            key: "has_budget".into()
        }));
        assert_eq!(card.tier.unwrap().code, "city-standard");
    }

    #[test]
    fn category_floor_is_a_share_of_the_applicable_max() {
        // Category B max 12: floor 80% needs 9.6. Drop B3 to 0 (room 12 - 5 = 7).
        let a = with_input(full(), "digitised", InputValue::Number(dec("0")));
        let card = score(&sample(), &a, &no_overrides());
        assert_eq!(card.total, Points(150));
        let gaps = card.gaps("province-model");
        assert!(
            gaps.iter()
                .any(|g| matches!(g, Shortfall::CategoryFloor { code, .. } if code == "B"))
        );
        assert!(
            !gaps
                .iter()
                .any(|g| matches!(g, Shortfall::CategoryFloor { code, .. } if code == "A"))
        );
    }

    #[test]
    fn category_floor_at_exactly_the_boundary_passes() {
        // Floor 50% on a category of 8 (A: A1 4 + A2 2 + A3 2): 4 of 8 passes, 3.5 fails.
        let text = sample_toml().replace("category_floor = 80", "category_floor = 50");
        let checklist = parse(&text).unwrap();
        let mut a = full();
        a.self_scores
            .insert("A2".into(), ItemAnswer::Points(Points(0)));
        a.inputs
            .insert("has_budget".into(), InputValue::YesNo(false));
        let check = |a: &Answers| {
            score(&checklist, a, &no_overrides())
                .gaps("province-model")
                .iter()
                .any(|g| matches!(g, Shortfall::CategoryFloor { .. }))
        };
        // A = 4 of 8 → exactly 50%.
        assert!(!check(&a));
        a.self_scores
            .insert("A1".into(), ItemAnswer::Points(Points(35)));
        assert!(check(&a));
    }

    #[test]
    fn category_with_nothing_applicable_passes_the_floor() {
        let text = sample_toml()
            .replace(
                "[[categories]]\ncode = \"B\"",
                "[[categories]]\ncode = \"C\"\nname = \"可选\"\n\n[[categories]]\ncode = \"B\"",
            )
            .replace(
                "code = \"A2\"\ncategory = \"A\"",
                "code = \"A2\"\ncategory = \"C\"",
            );
        let checklist = parse(&text).unwrap();
        let mut a = full();
        a.self_scores.insert("A2".into(), ItemAnswer::NotApplicable);
        let card = score(&checklist, &a, &no_overrides());
        let c = card.categories.iter().find(|c| c.code == "C").unwrap();
        assert_eq!(c.applicable_max, Points(0));
        assert_eq!(card.tier.unwrap().code, "province-model");
    }

    #[test]
    fn veto_beats_any_score() {
        let a = with_input(full(), "loss_incident", InputValue::YesNo(true));
        let card = score(&sample(), &a, &no_overrides());
        assert_eq!(card.total, Points(200), "the score itself stands");
        assert_eq!(card.tier, None);
        assert_eq!(card.grade.as_deref(), Some("不合格"), "the lowest grade");
        assert_eq!(card.vetoes.len(), 1);
        assert!(card.tier_checks.iter().all(|t| !t.reached()));
    }

    #[test]
    fn grade_is_the_last_reached() {
        let mut a = full();
        a.self_scores
            .insert("A1".into(), ItemAnswer::Points(Points(0)));
        a.self_scores
            .insert("A2".into(), ItemAnswer::Points(Points(0)));
        a.inputs
            .insert("has_budget".into(), InputValue::YesNo(false));
        // 20 - 8 = 12: exactly 合格's threshold.
        let card = score(&sample(), &a, &no_overrides());
        assert_eq!(card.total, Points(120));
        assert_eq!(card.grade.as_deref(), Some("合格"));
        assert_eq!(card.tier.unwrap().code, "city-standard");
        a.inputs
            .insert("scanners".into(), InputValue::Number(dec("0")));
        let card = score(&sample(), &a, &no_overrides());
        assert_eq!(card.total, Points(110));
        assert_eq!(card.grade.as_deref(), Some("不合格"));
        assert_eq!(card.tier, None);
        assert_eq!(
            card.gaps("city-standard"),
            &[Shortfall::Total {
                total: Points(110),
                min: Points(120)
            }]
        );
    }

    #[test]
    fn no_grades_means_no_grade() {
        let text = sample_toml();
        let cut = text.find("[[grades]]").unwrap();
        let checklist = parse(&text[..cut]).unwrap();
        assert_eq!(score(&checklist, &full(), &no_overrides()).grade, None);
    }

    #[test]
    fn overrides_replace_rule_results() {
        let mut overrides = BTreeMap::new();
        overrides.insert("B1".to_string(), ItemAnswer::Points(Points(20)));
        overrides.insert("A2".to_string(), ItemAnswer::NotApplicable);
        let card = score(&sample(), &full(), &overrides);
        assert_eq!(card.item("B1").unwrap().points, Points(20));
        assert!(!card.item("A2").unwrap().applicable);
        // An override above max is clamped; N/A on a required item counts as 0.
        overrides.insert("B1".to_string(), ItemAnswer::Points(Points(90)));
        overrides.insert("A1".to_string(), ItemAnswer::NotApplicable);
        let card = score(&sample(), &full(), &overrides);
        assert_eq!(card.item("B1").unwrap().points, Points(40));
        assert!(card.item("A1").unwrap().applicable);
        assert_eq!(card.item("A1").unwrap().points, Points(0));
    }

    #[test]
    fn next_tier_is_the_one_above() {
        let card = score(&sample(), &full(), &no_overrides());
        assert!(card.next_tier().is_none());
        let a = with_input(full(), "has_budget", InputValue::YesNo(false));
        let card = score(&sample(), &a, &no_overrides());
        assert_eq!(card.next_tier().unwrap().code, "province-model");
        let vetoed = with_input(full(), "loss_incident", InputValue::YesNo(true));
        let card = score(&sample(), &vetoed, &no_overrides());
        assert_eq!(card.next_tier().unwrap().code, "city-standard");
    }

    #[test]
    fn value_fits_its_type() {
        assert!(value_fits(InputType::Integer, InputValue::Number(dec("3"))));
        assert!(!value_fits(
            InputType::Integer,
            InputValue::Number(dec("3.5"))
        ));
        assert!(!value_fits(
            InputType::Decimal,
            InputValue::Number(dec("-1"))
        ));
        assert!(value_fits(
            InputType::Percent,
            InputValue::Number(dec("100"))
        ));
        assert!(!value_fits(
            InputType::Percent,
            InputValue::Number(dec("100.1"))
        ));
        assert!(!value_fits(InputType::YesNo, InputValue::Number(dec("1"))));
    }

    /// Exhaustive over a small space: the total never leaves 0..=total, and
    /// a better self-score never lowers the total or the tier.
    #[test]
    fn totals_are_bounded_and_monotone() {
        let checklist = sample();
        let tier_rank = |card: &Scorecard| {
            card.tier
                .as_ref()
                .and_then(|t| checklist.tiers.iter().position(|x| x.code == t.code))
                .map_or(0, |p| p + 1)
        };
        for area in ["0", "10", "20", "39.9", "40"] {
            for digitised in ["0", "7.9", "40", "80"] {
                let base = with_input(
                    with_input(full(), "room_area", InputValue::Number(dec(area))),
                    "digitised",
                    InputValue::Number(dec(digitised)),
                );
                let mut previous: Option<Scorecard> = None;
                for a1 in (0..=40).step_by(5) {
                    let mut a = base.clone();
                    a.self_scores
                        .insert("A1".into(), ItemAnswer::Points(Points(a1)));
                    let card = score(&checklist, &a, &no_overrides());
                    assert!(card.total >= Points::ZERO && card.total <= checklist.total);
                    if let Some(p) = &previous {
                        assert!(card.total >= p.total);
                        assert!(tier_rank(&card) >= tier_rank(p));
                    }
                    previous = Some(card);
                }
            }
        }
    }
}
