//! What keeps a unit from a tier: each unmet requirement, in the contract's
//! `gaps` wording and in Chinese for pages and notices.

use std::fmt;

use super::super::checklist::{Checklist, MinInput, Tier};
use super::super::number::{Decimal, Points};
use super::conditions::ScoreEnv;
use super::{Answers, CategoryScore, InputValue, ItemScore, TriggeredVeto, number};

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
        input: Option<String>,
        reason: String,
    },
    /// The tier's `requires` does not hold.
    Requires {
        source: String,
    },
    /// Items still to be scored by the inspection team (or facts missing).
    Pending {
        items: Vec<String>,
    },
}

/// Tenths of a percent as "80" or "82.5".
fn percent(tenths: i32) -> String {
    Points(tenths * 10).to_string()
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
            Shortfall::Veto { input, reason } => match input {
                Some(input) => write!(f, "veto {input}: {reason}"),
                None => write!(f, "veto: {reason}"),
            },
            Shortfall::Requires { source } => write!(f, "requires {source}"),
            Shortfall::Pending { items } => write!(f, "pending {}", items.join(", ")),
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
            Shortfall::Requires { source } => format!("未满足附加条件：{source}"),
            Shortfall::Pending { items } => {
                format!("尚待检查组评定：{}", items.join("、"))
            }
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

#[allow(clippy::too_many_arguments)]
pub(super) fn of_tier(
    tier: &Tier,
    total: Points,
    items: &[ItemScore],
    categories: &[CategoryScore],
    answers: &Answers,
    vetoes: &[TriggeredVeto],
    pending: &[String],
    env: &ScoreEnv<'_>,
    missing: &mut Vec<String>,
) -> Vec<Shortfall> {
    let mut found = Vec::new();
    for veto in vetoes {
        found.push(Shortfall::Veto {
            input: veto.input.clone(),
            reason: veto.reason.clone(),
        });
    }
    if !pending.is_empty() {
        found.push(Shortfall::Pending {
            items: pending.to_vec(),
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
    if let Some(condition) = &tier.requires
        && !env.holds(condition, missing)
    {
        found.push(Shortfall::Requires {
            source: condition.source.clone(),
        });
    }
    found
}
