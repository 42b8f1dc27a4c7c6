//! Plausibility of the people/money/facilities figures: numbers that moved
//! by more than half against last year, staff counts that don't fit the
//! unit's kind, claims that contradict the facts. They are raised for the
//! inspector's review and never block an upload.

use std::collections::BTreeMap;

use super::checklist::Checklist;
use super::{Decimal, InputValue};

/// One finding: which input (if one) and what looks wrong, in Chinese.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    pub input: Option<String>,
    pub message: String,
}

/// A change of more than this share against last year is flagged (50%).
const MOVE_PERCENT: i64 = 50;

/// Counts at which a unit of a kind is unusual: (kind, input, most expected).
const KIND_LIMITS: &[(&str, &str, i64)] = &[
    ("社区", "fulltime_staff", 3),
    ("社区", "parttime_staff", 30),
    ("社区", "room_area", 500),
    ("机关", "fulltime_staff", 20),
    ("学校", "fulltime_staff", 10),
    ("企事业单位", "fulltime_staff", 30),
];

fn number(inputs: &BTreeMap<String, InputValue>, key: &str) -> Option<Decimal> {
    match inputs.get(key) {
        Some(InputValue::Number(n)) => Some(*n),
        _ => None,
    }
}

fn shown(checklist: &Checklist, key: &str, value: Decimal) -> String {
    let unit = checklist
        .input(key)
        .and_then(|i| i.unit.clone())
        .unwrap_or_default();
    format!("{value}{unit}")
}

fn label<'a>(checklist: &'a Checklist, key: &'a str) -> &'a str {
    checklist.input(key).map_or(key, |i| i.label.as_str())
}

/// Checks this year's facts against themselves, the unit's kind and last
/// year's facts (when there are any).
pub fn check(
    checklist: &Checklist,
    unit_kind: &str,
    current: &BTreeMap<String, InputValue>,
    previous: Option<&BTreeMap<String, InputValue>>,
) -> Vec<Flag> {
    let mut flags = Vec::new();

    if let Some(previous) = previous {
        for input in checklist.inputs.iter().filter(|i| i.kind.is_numeric()) {
            let (Some(now), Some(before)) =
                (number(current, &input.key), number(previous, &input.key))
            else {
                continue;
            };
            if before.is_zero() {
                continue;
            }
            // |now − before| × 100 > 50 × before, in exact decimals.
            let (a, b) = (now.max(before), now.min(before));
            let (Some(a100), Some(b150)) = (
                a.checked_mul_int(100),
                b.checked_mul_int(100 + MOVE_PERCENT),
            ) else {
                continue;
            };
            let moved_up = now > before && a100 > b150;
            let moved_down = now < before
                && now.checked_mul_int(100).is_some_and(|n| {
                    before
                        .checked_mul_int(100 - MOVE_PERCENT)
                        .is_some_and(|limit| n < limit)
                });
            if moved_up || moved_down {
                flags.push(Flag {
                    input: Some(input.key.clone()),
                    message: format!(
                        "{}较上年变化超过 {MOVE_PERCENT}%：上年 {}，本年 {}",
                        input.label,
                        shown(checklist, &input.key, before),
                        shown(checklist, &input.key, now)
                    ),
                });
            }
        }
    }

    for (kind, key, most) in KIND_LIMITS {
        if *kind != unit_kind {
            continue;
        }
        if let Some(v) = number(current, key)
            && v > Decimal::from_int(*most)
        {
            flags.push(Flag {
                input: Some((*key).to_string()),
                message: format!(
                    "{}为 {}，对{}而言异常偏多（一般不超过 {most}）",
                    label(checklist, key),
                    shown(checklist, key, v),
                    kind
                ),
            });
        }
    }

    let staff = [
        number(current, "fulltime_staff"),
        number(current, "parttime_staff"),
    ];
    if let (Some(trained), [Some(full), Some(part)]) = (number(current, "trained_staff"), staff) {
        let total = full.to_f64() + part.to_f64();
        if trained.to_f64() > total {
            flags.push(Flag {
                input: Some("trained_staff".into()),
                message: format!("参加培训人数（{trained}）多于专职与兼职档案员之和（{total}）"),
            });
        }
    }
    if let [Some(full), Some(part)] = staff
        && full.is_zero()
        && part.is_zero()
    {
        flags.push(Flag {
            input: Some("fulltime_staff".into()),
            message: "专职、兼职档案员均为 0，无人负责档案工作".into(),
        });
    }
    if current.get("budget_included") == Some(&InputValue::YesNo(true))
        && number(current, "annual_budget").is_some_and(|b| b.is_zero())
    {
        flags.push(Flag {
            input: Some("annual_budget".into()),
            message: "经费已列入预算，但年度档案经费为 0".into(),
        });
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::super::checklist::tests::sample;
    use super::*;

    fn facts(pairs: &[(&str, &str)]) -> BTreeMap<String, InputValue> {
        pairs
            .iter()
            .map(|(k, v)| {
                let value = match *v {
                    "是" => InputValue::YesNo(true),
                    "否" => InputValue::YesNo(false),
                    n => InputValue::Number(Decimal::parse(n).unwrap()),
                };
                ((*k).to_string(), value)
            })
            .collect()
    }

    #[test]
    fn moves_of_more_than_half_are_flagged_both_ways() {
        let c = sample();
        let before = facts(&[("room_area", "40"), ("scanners", "2"), ("digitised", "60")]);
        let now = facts(&[("room_area", "61"), ("scanners", "1"), ("digitised", "60")]);
        let flags = check(&c, "社区", &now, Some(&before));
        let keys: Vec<_> = flags.iter().filter_map(|f| f.input.as_deref()).collect();
        assert_eq!(keys, vec!["room_area"], "{flags:?}");
        assert!(
            flags[0].message.contains("上年 40平方米"),
            "{}",
            flags[0].message
        );

        // Exactly +50% and −50% are not "more than half".
        let now = facts(&[
            ("room_area", "60"),
            ("scanners", "1"),
            ("digitised", "29.9"),
        ]);
        let flags = check(&c, "社区", &now, Some(&before));
        let keys: Vec<_> = flags.iter().filter_map(|f| f.input.as_deref()).collect();
        assert_eq!(keys, vec!["digitised"], "{flags:?}");
    }

    #[test]
    fn no_previous_year_means_no_movement_flags() {
        let c = sample();
        let now = facts(&[("room_area", "61")]);
        assert!(check(&c, "社区", &now, None).is_empty());
    }

    #[test]
    fn staff_that_does_not_fit_the_kind() {
        let c = sample();
        let now = facts(&[
            ("fulltime_staff", "5"),
            ("parttime_staff", "2"),
            ("trained_staff", "9"),
        ]);
        let flags = check(&c, "社区", &now, None);
        assert_eq!(flags.len(), 2, "{flags:?}");
        assert!(
            check(&c, "机关", &now, None).len() == 1,
            "5 full-time staff is normal for an agency"
        );
        let nobody = facts(&[("fulltime_staff", "0"), ("parttime_staff", "0")]);
        assert_eq!(check(&c, "社区", &nobody, None).len(), 1);
    }

    #[test]
    fn budget_claimed_but_zero() {
        let c = sample();
        let now = facts(&[("budget_included", "是"), ("annual_budget", "0")]);
        assert_eq!(check(&c, "社区", &now, None).len(), 1);
        let fine = facts(&[("budget_included", "是"), ("annual_budget", "3000")]);
        assert!(check(&c, "社区", &fine, None).is_empty());
    }
}
