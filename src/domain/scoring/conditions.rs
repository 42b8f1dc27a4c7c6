//! The expressions of a checklist evaluated against one assessment:
//! `formula` items over the facts, `when` on vetoes and `requires` on tiers
//! and grades over the facts and the results.

use num_bigint::BigInt;
use num_traits::Zero;

use super::super::checklist::Condition;
use super::super::expr::{self, EvalError, Value};
use super::super::number::{Points, Ratio};
use super::{Answers, CategoryScore, InputValue, ItemScore};

fn hundred() -> Ratio {
    Ratio::from_integer(BigInt::from(100))
}

/// A fact as an expression sees it.
fn value_of(value: &InputValue) -> Value {
    match value {
        InputValue::Number(n) => Value::Number(n.to_ratio()),
        InputValue::YesNo(b) => Value::Bool(*b),
        InputValue::Choice(option) => Value::Text(option.clone()),
    }
}

/// The facts and (for vetoes, tiers and grades) the results so far.
pub(super) struct ScoreEnv<'a> {
    pub answers: &'a Answers,
    pub items: &'a [ItemScore],
    pub categories: &'a [CategoryScore],
    pub total: &'a Ratio,
}

impl expr::Env for ScoreEnv<'_> {
    fn input(&self, key: &str) -> Option<Value> {
        self.answers.inputs.get(key).map(value_of)
    }

    fn kind(&self) -> &str {
        &self.answers.unit_kind
    }

    fn points(&self, code: &str) -> Ratio {
        self.items
            .iter()
            .find(|i| i.code == code)
            .map_or_else(Ratio::zero, |i| i.points.to_ratio())
    }

    fn full(&self, code: &str) -> bool {
        self.items
            .iter()
            .find(|i| i.code == code)
            .is_some_and(|i| !i.pending && (!i.applicable || i.points >= i.max))
    }

    fn category_percent(&self, code: &str) -> Ratio {
        match self.categories.iter().find(|c| c.code == code) {
            Some(c) if c.applicable_max.0 > 0 => {
                c.points.to_ratio() * hundred() / c.applicable_max.to_ratio()
            }
            _ => hundred(),
        }
    }

    fn total(&self) -> Ratio {
        self.total.clone()
    }
}

impl ScoreEnv<'_> {
    /// Whether a (checked, boolean) condition holds. A fact it needs and the
    /// answers lack is noted in `missing`, and the condition does not hold.
    pub fn holds(&self, condition: &Condition, missing: &mut Vec<String>) -> bool {
        match expr::eval(&condition.expr, self) {
            Ok(Value::Bool(b)) => b,
            Ok(_) => false,
            Err(EvalError::Missing(key)) => {
                missing.push(key);
                false
            }
            // Only an expression never checked can fail otherwise.
            Err(EvalError::Invalid(_)) => false,
        }
    }
}

/// A `formula` item's points: a boolean gives `max` or 0; a number is
/// clamped to 0..=max and rounded down to `step`. `None` while a fact it
/// needs is missing (the item is pending).
pub(super) fn formula_points(
    formula: &expr::Expr,
    answers: &Answers,
    max: Points,
    step: Points,
) -> Option<Points> {
    let zero = Ratio::zero();
    let env = ScoreEnv {
        answers,
        items: &[],
        categories: &[],
        total: &zero,
    };
    match expr::eval(formula, &env) {
        Ok(Value::Bool(true)) => Some(max),
        Ok(Value::Bool(false)) => Some(Points::ZERO),
        Ok(Value::Number(n)) => {
            let clamped = n.clamp(Ratio::zero(), max.to_ratio());
            Some(Points::floor_ratio(&clamped, step).min(max))
        }
        Ok(Value::Text(_)) | Err(EvalError::Invalid(_)) => Some(Points::ZERO),
        Err(EvalError::Missing(_)) => None,
    }
}
