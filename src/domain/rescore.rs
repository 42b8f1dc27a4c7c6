//! Rescoring (重新计分预览): a unit's effective answers carried over to
//! another checklist version — items matched by code, inputs by key — and
//! the two results compared. Pure: the service loads and scores.
//!
//! An answer the new version cannot take (above the item's new max, off its
//! step, a level it no longer has, 不适用 on an item no longer optional, a
//! fact of another type) is dropped, never bent to fit: the item is then
//! unanswered (pending) and named, as an item the new version adds is.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::checklist::{Checklist, Input, Item, ItemKind, Rule};
use super::number::Points;
use super::scoring::{Answers, InputValue, ItemAnswer, ItemScore, TierRef, value_fits};
use super::text::fold_label;

/// Answers ready for the new version, and what had to be left behind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Carried {
    pub answers: Answers,
    /// A reviewer's item answers (they win over the unit's own).
    pub overrides: BTreeMap<String, ItemAnswer>,
    /// Item codes and input keys whose old answer does not fit the new
    /// version (the item or input is then unanswered).
    pub unfit_items: Vec<String>,
    pub unfit_inputs: Vec<String>,
}

/// Carries answers and overrides over to `new`: what it does not ask is
/// dropped, what does not fit is dropped and named.
pub fn carry(
    new: &Checklist,
    answers: &Answers,
    overrides: &BTreeMap<String, ItemAnswer>,
) -> Carried {
    let mut unfit_inputs = Vec::new();
    let mut inputs = BTreeMap::new();
    for (key, value) in &answers.inputs {
        let Some(input) = new.input(key) else {
            continue;
        };
        if input_fits(input, value) {
            inputs.insert(key.clone(), value.clone());
        } else {
            unfit_inputs.push(key.clone());
        }
    }
    let mut unfit_items = Vec::new();
    let mut kept_overrides = BTreeMap::new();
    for (code, answer) in overrides {
        let Some(item) = new.item(code) else {
            continue;
        };
        if answer_fits(item, answer) {
            kept_overrides.insert(code.clone(), answer.clone());
        } else {
            unfit_items.push(code.clone());
        }
    }
    let mut self_scores = BTreeMap::new();
    for (code, answer) in &answers.self_scores {
        let Some(item) = new.item(code) else {
            continue;
        };
        // A reviewer's answer that does not fit takes the unit's with it:
        // the unit's own was found wrong.
        if !item.answered_on_the_sheet() || unfit_items.contains(code) {
            continue;
        }
        if answer_fits(item, answer) {
            self_scores.insert(code.clone(), answer.clone());
        } else if !kept_overrides.contains_key(code) {
            unfit_items.push(code.clone());
        }
    }
    unfit_items.sort();
    Carried {
        answers: Answers {
            unit_kind: answers.unit_kind.clone(),
            inputs,
            self_scores,
        },
        overrides: kept_overrides,
        unfit_items,
        unfit_inputs,
    }
}

/// Whether a fact is one the input takes: its type, and a listed option.
pub fn input_fits(input: &Input, value: &InputValue) -> bool {
    value_fits(input.kind, value)
        && match value {
            InputValue::Choice(written) => input.option(written).is_some(),
            _ => true,
        }
}

/// Whether an answer is one the item takes, as the workbook reader or a
/// review would have accepted it for this item.
pub fn answer_fits(item: &Item, answer: &ItemAnswer) -> bool {
    match answer {
        ItemAnswer::NotApplicable => item.optional,
        ItemAnswer::Points(p) => {
            *p >= Points::ZERO && *p <= item.max && p.is_multiple_of(answer_step(&item.rule))
        }
        ItemAnswer::Level(name) => {
            let wanted = fold_label(name);
            item.levels().iter().any(|l| fold_label(&l.name) == wanted)
        }
        ItemAnswer::Counts(counts) => {
            matches!(item.rule, Rule::Deduct { .. })
                && counts.len() == item.deductions().len()
                && item
                    .deductions()
                    .iter()
                    .zip(counts)
                    .all(|(d, c)| !d.once || *c <= 1)
        }
    }
}

/// The step points are given on: a `self` item's own, halves on the rules
/// of the first edition, hundredths on the others (as a review takes them).
fn answer_step(rule: &Rule) -> Points {
    match rule {
        Rule::SelfScored { step } => *step,
        Rule::YesNo { .. } | Rule::Bands { .. } | Rule::Each { .. } | Rule::Linear { .. } => {
            Points::HALF
        }
        _ => Points::HUNDREDTH,
    }
}

/// The inputs `new` asks that the answers lack, in checklist order.
pub fn unknown_inputs<'a>(new: &'a Checklist, answers: &Answers) -> Vec<&'a Input> {
    new.inputs
        .iter()
        .filter(|i| !answers.inputs.contains_key(&i.key))
        .collect()
}

/// What an item adds to the total before rescaling: a base or bonus item
/// its points, a penalty item minus its points; nothing while it is not
/// applicable or pending.
pub fn effect(kind: ItemKind, points: Points, applicable: bool, pending: bool) -> Points {
    if !applicable || pending {
        return Points::ZERO;
    }
    match kind {
        ItemKind::Penalty => Points::ZERO - points,
        ItemKind::Base | ItemKind::Bonus => points,
    }
}

/// [`effect`] of a scored item.
pub fn effect_of(item: &ItemScore) -> Points {
    effect(item.kind, item.points, item.applicable, item.pending)
}

/// One item's change between the old result and the new.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ItemMove {
    pub code: String,
    /// The item's [`effect`] in the old result (null: the old version has
    /// no item of that code).
    pub old: Option<Points>,
    /// … and in the new (null: the new version has none).
    pub new: Option<Points>,
    pub delta: Points,
}

/// Every item whose effect changed, largest |Δ| first (ties in code order:
/// new items first in the new version's order, then the old-only ones).
pub fn item_moves(old: &[(String, Points)], new: &[(String, Points)]) -> Vec<ItemMove> {
    let old_by_code: HashMap<&str, Points> = old.iter().map(|(c, p)| (c.as_str(), *p)).collect();
    let new_codes: HashMap<&str, ()> = new.iter().map(|(c, _)| (c.as_str(), ())).collect();
    let mut moves: Vec<ItemMove> = new
        .iter()
        .map(|(code, p)| {
            let before = old_by_code.get(code.as_str()).copied();
            ItemMove {
                code: code.clone(),
                old: before,
                new: Some(*p),
                delta: *p - before.unwrap_or(Points::ZERO),
            }
        })
        .chain(
            old.iter()
                .filter(|(c, _)| !new_codes.contains_key(c.as_str()))
                .map(|(code, p)| ItemMove {
                    code: code.clone(),
                    old: Some(*p),
                    new: None,
                    delta: Points::ZERO - *p,
                }),
        )
        .filter(|m| m.delta != Points::ZERO)
        .collect();
    // Stable: equal |Δ| keep the order above.
    moves.sort_by_key(|m| std::cmp::Reverse(m.delta.0.unsigned_abs()));
    moves
}

/// Where a result stands: a tier, no tier (未达标), or not decided while
/// items are pending (待定).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    Unreached,
    Tier(TierRef),
    Pending,
}

impl Standing {
    pub fn of(provisional: bool, tier: Option<&TierRef>) -> Standing {
        match (provisional, tier) {
            (true, _) => Standing::Pending,
            (false, Some(t)) => Standing::Tier(t.clone()),
            (false, None) => Standing::Unreached,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Standing::Unreached => "未达标",
            Standing::Tier(t) => &t.name,
            Standing::Pending => "待定",
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            Standing::Tier(t) => Some(&t.code),
            _ => None,
        }
    }
}

/// The rows and columns of a transition matrix: 未达标, the tiers lowest
/// first — the new version's, then those only older versions name — and
/// 待定. A tier is known by its code (its first name shown).
pub fn ladder(new: &Checklist, old: &[&Checklist]) -> Vec<Standing> {
    let mut rungs = vec![Standing::Unreached];
    for checklist in std::iter::once(new).chain(old.iter().copied()) {
        for t in &checklist.tiers {
            if !rungs.iter().any(|r| r.code() == Some(t.code.as_str())) {
                rungs.push(Standing::Tier(TierRef {
                    code: t.code.clone(),
                    name: t.name.clone(),
                }));
            }
        }
    }
    rungs.push(Standing::Pending);
    rungs
}

/// A standing's row (or column) on the ladder; a tier by its code.
pub fn rung(ladder: &[Standing], standing: &Standing) -> usize {
    ladder
        .iter()
        .position(|r| match (r, standing) {
            (Standing::Tier(a), Standing::Tier(b)) => a.code == b.code,
            (a, b) => a == b,
        })
        .unwrap_or(ladder.len() - 1)
}

/// Which way a unit goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Up,
    Down,
    Same,
    /// Either side is 待定 (and they differ): up or down cannot be told.
    Undecided,
}

pub fn direction(ladder: &[Standing], old: &Standing, new: &Standing) -> Direction {
    let (a, b) = (rung(ladder, old), rung(ladder, new));
    if a == b {
        Direction::Same
    } else if matches!(old, Standing::Pending) || matches!(new, Standing::Pending) {
        Direction::Undecided
    } else if b > a {
        Direction::Up
    } else {
        Direction::Down
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checklist::tests::second;
    use crate::domain::number::Decimal;

    fn tier(code: &str) -> Standing {
        Standing::Tier(TierRef {
            code: code.into(),
            name: code.to_uppercase(),
        })
    }

    #[test]
    fn answers_fit_or_not() {
        let checklist = second();
        let p = |x: i32| ItemAnswer::Points(Points(x));
        let self_item = checklist
            .items
            .iter()
            .find(|i| matches!(i.rule, Rule::SelfScored { .. }) && !i.optional)
            .expect("a self item");
        let Rule::SelfScored { step } = self_item.rule else {
            unreachable!()
        };
        let level_item = checklist.item("A3").expect("level item");
        let deduct_item = checklist.item("A2").expect("deduct item");
        let cases: Vec<(&Item, ItemAnswer, bool)> = vec![
            (self_item, p(0), true),
            (self_item, ItemAnswer::Points(self_item.max), true),
            (self_item, ItemAnswer::Points(self_item.max + step), false),
            (self_item, p(-50), false),
            (self_item, ItemAnswer::NotApplicable, false),
            (level_item, ItemAnswer::Level("中".into()), true),
            (level_item, ItemAnswer::Level("很好".into()), false),
            (deduct_item, ItemAnswer::Counts(vec![2, 1]), true),
            (deduct_item, ItemAnswer::Counts(vec![2, 2]), false),
            (deduct_item, ItemAnswer::Counts(vec![2]), false),
            (level_item, ItemAnswer::Counts(vec![1]), false),
        ];
        for (item, answer, fits) in cases {
            assert_eq!(answer_fits(item, &answer), fits, "{} {answer:?}", item.code);
        }
        if step.0 > 1 {
            assert!(!answer_fits(
                self_item,
                &ItemAnswer::Points(Points(step.0 - 1))
            ));
        }
    }

    #[test]
    fn carrying_keeps_what_fits_and_names_the_rest() {
        let new = second();
        let self_item = new
            .items
            .iter()
            .find(|i| matches!(i.rule, Rule::SelfScored { .. }) && !i.optional)
            .expect("a self item");
        let numeric = new
            .inputs
            .iter()
            .find(|i| {
                !matches!(
                    i.kind,
                    crate::domain::InputType::YesNo | crate::domain::InputType::Choice
                )
            })
            .expect("a numeric input");
        let mut answers = Answers::default();
        answers
            .self_scores
            .insert(self_item.code.clone(), ItemAnswer::Points(self_item.max));
        answers
            .self_scores
            .insert("ZZ9".into(), ItemAnswer::Points(Points(100)));
        answers.self_scores.insert(
            "A2".into(),
            ItemAnswer::Points(Points(new.item("A2").unwrap().max.0 + 100)),
        );
        answers.inputs.insert(
            numeric.key.clone(),
            InputValue::YesNo(true), // a fact of another type
        );
        answers
            .inputs
            .insert("gone".into(), InputValue::Number(Decimal::from_int(3)));
        let mut overrides = BTreeMap::new();
        overrides.insert("A3".into(), ItemAnswer::Level("很好".into()));
        let carried = carry(&new, &answers, &overrides);
        assert_eq!(
            carried.answers.self_scores.keys().collect::<Vec<_>>(),
            vec![&self_item.code]
        );
        assert!(carried.answers.inputs.is_empty());
        assert!(carried.overrides.is_empty());
        assert_eq!(
            carried.unfit_items,
            vec!["A2".to_string(), "A3".to_string()]
        );
        assert_eq!(carried.unfit_inputs, vec![numeric.key.clone()]);
        assert_eq!(
            unknown_inputs(&new, &carried.answers).len(),
            new.inputs.len()
        );
    }

    #[test]
    fn a_fitting_override_wins_and_an_unfit_one_takes_the_units_answer_along() {
        let new = second();
        let mut answers = Answers::default();
        answers
            .self_scores
            .insert("A3".into(), ItemAnswer::Level("好".into()));
        let mut overrides = BTreeMap::new();
        overrides.insert("A3".into(), ItemAnswer::Level("差".into()));
        let carried = carry(&new, &answers, &overrides);
        assert_eq!(carried.overrides.get("A3"), overrides.get("A3"));
        assert!(carried.unfit_items.is_empty());

        overrides.insert("A3".into(), ItemAnswer::Level("很差".into()));
        let carried = carry(&new, &answers, &overrides);
        assert!(!carried.answers.self_scores.contains_key("A3"));
        assert_eq!(carried.unfit_items, vec!["A3".to_string()]);
    }

    #[test]
    fn effects_and_moves() {
        // (kind, points, applicable, pending, effect)
        let cases = [
            (ItemKind::Base, 300, true, false, 300),
            (ItemKind::Bonus, 100, true, false, 100),
            (ItemKind::Penalty, 200, true, false, -200),
            (ItemKind::Base, 300, false, false, 0),
            (ItemKind::Base, 0, true, true, 0),
        ];
        for (kind, points, applicable, pending, expected) in cases {
            assert_eq!(
                effect(kind, Points(points), applicable, pending),
                Points(expected)
            );
        }
        let old = vec![
            ("A1".to_string(), Points(200)),
            ("A2".into(), Points(300)),
            ("A3".into(), Points(100)),
        ];
        let new = vec![
            ("A1".to_string(), Points(200)),
            ("A2".into(), Points(100)),
            ("A4".into(), Points(250)),
        ];
        let moves = item_moves(&old, &new);
        let shown: Vec<(&str, Option<i32>, Option<i32>, i32)> = moves
            .iter()
            .map(|m| {
                (
                    m.code.as_str(),
                    m.old.map(|p| p.0),
                    m.new.map(|p| p.0),
                    m.delta.0,
                )
            })
            .collect();
        assert_eq!(
            shown,
            vec![
                ("A4", None, Some(250), 250),
                ("A2", Some(300), Some(100), -200),
                ("A3", Some(100), None, -100),
            ]
        );
    }

    #[test]
    fn ladder_and_directions() {
        let new = second();
        let ladder = ladder(&new, &[]);
        assert_eq!(ladder.first(), Some(&Standing::Unreached));
        assert_eq!(ladder.last(), Some(&Standing::Pending));
        assert_eq!(ladder.len(), new.tiers.len() + 2);
        let low = Standing::Tier(TierRef {
            code: new.tiers[0].code.clone(),
            name: "another name".into(),
        });
        assert_eq!(rung(&ladder, &low), 1);
        // (old, new, direction)
        let cases = [
            (Standing::Unreached, low.clone(), Direction::Up),
            (low.clone(), Standing::Unreached, Direction::Down),
            (low.clone(), low.clone(), Direction::Same),
            (Standing::Pending, low.clone(), Direction::Undecided),
            (low.clone(), Standing::Pending, Direction::Undecided),
            (Standing::Pending, Standing::Pending, Direction::Same),
        ];
        for (old, new_standing, expected) in cases {
            assert_eq!(
                direction(&ladder, &old, &new_standing),
                expected,
                "{old:?} → {new_standing:?}"
            );
        }
        // A tier only an older version names follows the new version's.
        let mut older = second();
        older.tiers[0].code = "retired".into();
        let merged = super::ladder(&new, &[&older]);
        assert_eq!(rung(&merged, &tier("retired")), new.tiers.len() + 1);
    }
}
