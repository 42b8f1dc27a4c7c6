//! Plausibility of the people/money/facilities figures (合理性提示): numbers
//! that moved markedly against last year, staff counts that don't fit the
//! unit's kind, claims that contradict the facts. They are raised for the
//! inspector's review and never block an upload.
//!
//! A year-over-year move is raised only when it matters both relatively and
//! absolutely for that fact: 1 → 2 computers doubles but is one machine, so
//! it is no finding; 2 → 40 is. The thresholds per input key are
//! [`DEFAULT_THRESHOLDS`], overridable per key through [`Rules`], which the
//! service passes in (the checklist format has no place for them).

use std::collections::BTreeMap;

use num_bigint::BigInt;
use num_traits::Zero;

use super::checklist::{Checklist, InputType};
use super::number::Ratio;
use super::{Decimal, InputValue};

/// One finding: which input (if one) and what looks wrong, in Chinese.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    pub input: Option<String>,
    pub message: String,
}

/// 同比变化的提示门槛：相对变化与绝对变化都达到才提示。
///
/// The relative change counts by ratio both ways: with `percent` = 50, a rise
/// to at least 150% of last year, or a fall to at most 100/150 (two thirds)
/// of it; with 100, a doubling or a halving. A year with 0 and one with
/// something is a relative change of any size, so only `absolute` decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Threshold {
    /// 相对变化（百分比，> 0）。
    pub percent: u32,
    /// 绝对变化，以该项的计量单位计（人、平方米、元、台……；百分比项为百分点）。
    pub absolute: Decimal,
}

impl Threshold {
    pub const fn new(percent: u32, absolute: i64) -> Threshold {
        Threshold {
            percent,
            absolute: Decimal::from_int(absolute),
        }
    }
}

/// 各项默认门槛 (key, 相对 %, 绝对值)，单位为该项自身的计量单位。
pub const DEFAULT_THRESHOLDS: &[(&str, u32, i64)] = &[
    // 人：档案员与培训人数，±50% 且至少 3 人。
    ("fulltime_staff", 50, 3),
    ("parttime_staff", 50, 3),
    ("trained_staff", 50, 3),
    // 财：经费，±50% 且至少 5000 元。
    ("annual_budget", 50, 5000),
    // 物：面积与装具、设备。
    ("room_area", 50, 20),
    ("cabinets", 100, 5),
    ("computer", 100, 3),
    ("scanner", 100, 3),
    ("e_records_gb", 100, 50),
    // 馆（室）藏：逐年累积，大幅增减才可疑。
    ("holdings_volumes", 50, 200),
    ("holdings_items", 50, 500),
    ("photos", 100, 200),
    // 年度业务量：年年起伏，门槛放宽。
    ("filed_this_year", 100, 200),
    ("e_filed_items", 100, 200),
    ("uses", 100, 50),
    ("use_cases", 100, 10),
    ("catalogue_entries", 100, 1000),
    // 百分比：±50% 且至少 20 个百分点。
    ("digitised_percent", 50, 20),
    ("special_digitised_percent", 50, 20),
    ("linked_percent", 50, 20),
];

/// Unknown numeric keys: ±50% and at least 10 of the input's unit.
pub const GENERIC_THRESHOLD: Threshold = Threshold::new(50, 10);
/// Unknown percent keys: ±50% and at least 20 percentage points.
pub const GENERIC_PERCENT_THRESHOLD: Threshold = Threshold::new(50, 20);

/// 合理性提示的配置：按项覆盖默认门槛。`Rules::default()` 即全部用默认值。
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rules {
    overrides: BTreeMap<String, Threshold>,
}

/// The rules without overrides, for callers that configure nothing.
pub static DEFAULT_RULES: Rules = Rules {
    overrides: BTreeMap::new(),
};

impl Rules {
    /// These rules with `key`'s threshold replaced.
    pub fn with(mut self, key: &str, threshold: Threshold) -> Rules {
        self.overrides.insert(key.to_string(), threshold);
        self
    }

    /// The threshold for an input: its override, else its default, else
    /// the generic one for its type.
    pub fn threshold(&self, key: &str, kind: InputType) -> Threshold {
        if let Some(t) = self.overrides.get(key) {
            return *t;
        }
        DEFAULT_THRESHOLDS
            .iter()
            .find(|(k, ..)| *k == key)
            .map(|(_, percent, absolute)| Threshold::new(*percent, *absolute))
            .unwrap_or(if kind == InputType::Percent {
                GENERIC_PERCENT_THRESHOLD
            } else {
                GENERIC_THRESHOLD
            })
    }

    /// Whether a move of an input from `before` to `now` would be flagged.
    pub fn flags_move(&self, key: &str, kind: InputType, before: Decimal, now: Decimal) -> bool {
        moved(before, now, self.threshold(key, kind))
    }
}

/// Counts at which a unit of a kind is unusual: (kind, input, most expected).
const KIND_LIMITS: &[(&str, &str, i64)] = &[
    ("社区", "fulltime_staff", 3),
    // A community's whole staff is a dozen or two; ten part-time keepers is a lot.
    ("社区", "parttime_staff", 10),
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

/// A value with its unit, as a sentence shows it: "40 台", "85%".
fn shown(checklist: &Checklist, key: &str, value: Decimal) -> String {
    match checklist.input(key).and_then(|i| i.unit.as_deref()) {
        Some("%") => format!("{value}%"),
        Some(unit) if !unit.is_empty() => format!("{value} {unit}"),
        _ => value.to_string(),
    }
}

fn label<'a>(checklist: &'a Checklist, key: &'a str) -> &'a str {
    checklist.input(key).map_or(key, |i| i.label.as_str())
}

/// |now − before| × 100 / before, rounded half up to one decimal, as text
/// ("1900", "66.7"); `before` > 0.
fn percent_text(before: Decimal, now: Decimal) -> String {
    let change = (now.to_ratio() - before.to_ratio()) * BigInt::from(1000) / before.to_ratio();
    let change = if change < Ratio::zero() {
        -change
    } else {
        change
    };
    let tenths = (change + Ratio::new(BigInt::from(1), BigInt::from(2)))
        .floor()
        .to_integer();
    let (whole, tenth) = (&tenths / BigInt::from(10), &tenths % BigInt::from(10));
    if tenth.is_zero() {
        whole.to_string()
    } else {
        format!("{whole}.{tenth}")
    }
}

/// Whether a move from `before` to `now` reaches both parts of `threshold`.
fn moved(before: Decimal, now: Decimal, threshold: Threshold) -> bool {
    let (low, high) = if now >= before {
        (before, now)
    } else {
        (now, before)
    };
    let difference = high.to_ratio() - low.to_ratio();
    if difference < threshold.absolute.to_ratio() || difference.is_zero() {
        return false;
    }
    // high × 100 ≥ low × (100 + percent), exactly.
    high.to_ratio() * BigInt::from(100)
        >= low.to_ratio() * BigInt::from(100 + i64::from(threshold.percent))
}

/// The year-over-year finding for one input, if any.
fn year_over_year(
    checklist: &Checklist,
    key: &str,
    before: Decimal,
    now: Decimal,
    threshold: Threshold,
) -> Option<Flag> {
    if !moved(before, now, threshold) {
        return None;
    }
    let change = if before.is_zero() {
        "上年为 0".to_string()
    } else {
        format!(
            "较上年{} {}%",
            if now > before { "增加" } else { "减少" },
            percent_text(before, now)
        )
    };
    Some(Flag {
        input: Some(key.to_string()),
        message: format!(
            "{} 由 {} 变为 {}，{change}",
            label(checklist, key),
            shown(checklist, key, before),
            shown(checklist, key, now)
        ),
    })
}

/// Checks this year's facts against themselves, the unit's kind and last
/// year's facts (when there are any), with `rules` for the yearly moves.
pub fn check(
    checklist: &Checklist,
    unit_kind: &str,
    current: &BTreeMap<String, InputValue>,
    previous: Option<&BTreeMap<String, InputValue>>,
    rules: &Rules,
) -> Vec<Flag> {
    let mut flags = Vec::new();

    if let Some(previous) = previous {
        for input in checklist.inputs.iter().filter(|i| i.kind.is_numeric()) {
            let (Some(now), Some(before)) =
                (number(current, &input.key), number(previous, &input.key))
            else {
                continue;
            };
            let threshold = rules.threshold(&input.key, input.kind);
            flags.extend(year_over_year(
                checklist, &input.key, before, now, threshold,
            ));
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
    if let (Some(trained), [Some(full), Some(part)]) = (number(current, "trained_staff"), staff)
        && let Some(total) = full.checked_add(part)
        && trained > total
    {
        flags.push(Flag {
            input: Some("trained_staff".into()),
            message: format!("参加培训人数（{trained}）多于专职与兼职档案员之和（{total}）"),
        });
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
    use super::super::checklist::tests::{parse, sample};
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

    /// A checklist asking the shipped facts (keys, labels and units as in
    /// checklists/README.md), plus one key with no default of its own.
    fn facts_checklist() -> Checklist {
        let inputs = [
            ("fulltime_staff", "专职档案员", "人", "integer", "人"),
            ("parttime_staff", "兼职档案员", "人", "integer", "人"),
            (
                "trained_staff",
                "参加档案业务培训人数",
                "人",
                "integer",
                "人",
            ),
            ("annual_budget", "年度档案经费", "元", "decimal", "财"),
            ("room_area", "档案室面积", "平方米", "decimal", "物"),
            ("computer", "计算机", "台", "integer", "物"),
            ("scanner", "扫描仪", "台", "integer", "物"),
            (
                "digitised_percent",
                "存量档案数字化率",
                "%",
                "percent",
                "其他",
            ),
            ("shelf_metres", "排架长度", "米", "decimal", "物"),
        ];
        let mut text = String::from(
            "id = \"facts\"\nversion = \"1\"\ntitle = \"测试\"\nunit_kinds = [\"社区\"]\n\
             total = 2\nrectify_days = 30\n",
        );
        for (key, label, unit, kind, group) in inputs {
            text.push_str(&format!(
                "[[inputs]]\nkey = \"{key}\"\nlabel = \"{label}\"\nunit = \"{unit}\"\n\
                 type = \"{kind}\"\ngroup = \"{group}\"\n"
            ));
        }
        text.push_str(
            "[[categories]]\ncode = \"A\"\nname = \"组织\"\n\
             [[items]]\ncode = \"A1\"\ncategory = \"A\"\ntitle = \"明确分管领导\"\nmax = 2\nrule = \"self\"\n\
             [[tiers]]\ncode = \"ok\"\nname = \"达标\"\nmin_total = 1\n",
        );
        parse(&text).expect("a valid test checklist")
    }

    /// The year-over-year findings for one input moving from `before` to `now`.
    fn moves(key: &str, before: &str, now: &str, rules: &Rules) -> Vec<String> {
        let c = facts_checklist();
        check(
            &c,
            "机关",
            &facts(&[(key, now)]),
            Some(&facts(&[(key, before)])),
            rules,
        )
        .into_iter()
        .map(|f| {
            assert_eq!(f.input.as_deref(), Some(key), "{f:?}");
            f.message
        })
        .collect()
    }

    #[test]
    fn a_yearly_move_needs_both_a_relative_and_an_absolute_change() {
        // (key, last year, this year, flagged)
        let table: &[(&str, &str, &str, bool)] = &[
            // Devices: a doubling (or halving) and at least 3.
            ("computer", "1", "2", false),
            ("computer", "2", "4", false),
            ("computer", "2", "40", true),
            ("computer", "3", "6", true),
            ("computer", "3", "5", false),
            ("computer", "6", "3", true),
            ("computer", "6", "4", false),
            ("computer", "0", "2", false),
            ("computer", "0", "3", true),
            ("scanner", "1", "0", false),
            // Staff: ±50% and at least 3 people.
            ("fulltime_staff", "0", "1", false),
            ("fulltime_staff", "1", "3", false),
            ("fulltime_staff", "2", "5", true),
            ("parttime_staff", "6", "9", true),
            ("parttime_staff", "6", "8", false),
            ("parttime_staff", "9", "6", true),
            ("parttime_staff", "10", "7", false),
            ("trained_staff", "4", "1", true),
            // Area: ±50% and at least 20 m².
            ("room_area", "100", "90", false),
            ("room_area", "100", "300", true),
            ("room_area", "100", "150", true),
            ("room_area", "100", "149.9", false),
            ("room_area", "20", "35", false),
            ("room_area", "60", "40", true),
            ("room_area", "60", "40.1", false),
            // Money: ±50% and at least 5000 元.
            ("annual_budget", "2000", "6000", false),
            ("annual_budget", "10000", "15000", true),
            ("annual_budget", "10000", "14999.99", false),
            ("annual_budget", "20000", "2000", true),
            // Percentages: ±50% and at least 20 points.
            ("digitised_percent", "20", "35", false),
            ("digitised_percent", "20", "60", true),
            ("digitised_percent", "90", "55", true),
            // A key without a default of its own: ±50% and at least 10.
            ("shelf_metres", "10", "19", false),
            ("shelf_metres", "10", "20", true),
            // No change is never a finding.
            ("computer", "0", "0", false),
            ("room_area", "40", "40", false),
        ];
        for (key, before, now, flagged) in table {
            let found = moves(key, before, now, &Rules::default());
            assert_eq!(
                !found.is_empty(),
                *flagged,
                "{key}: {before} → {now}: {found:?}"
            );
        }
    }

    #[test]
    fn messages_say_what_moved_from_what_to_what() {
        let table: &[(&str, &str, &str, &str)] = &[
            (
                "computer",
                "2",
                "40",
                "计算机 由 2 台 变为 40 台，较上年增加 1900%",
            ),
            (
                "computer",
                "6",
                "3",
                "计算机 由 6 台 变为 3 台，较上年减少 50%",
            ),
            (
                "room_area",
                "100",
                "300",
                "档案室面积 由 100 平方米 变为 300 平方米，较上年增加 200%",
            ),
            (
                "annual_budget",
                "20000",
                "2000",
                "年度档案经费 由 20000 元 变为 2000 元，较上年减少 90%",
            ),
            (
                "fulltime_staff",
                "3",
                "8",
                "专职档案员 由 3 人 变为 8 人，较上年增加 166.7%",
            ),
            (
                "parttime_staff",
                "9",
                "6",
                "兼职档案员 由 9 人 变为 6 人，较上年减少 33.3%",
            ),
            (
                "digitised_percent",
                "20",
                "60",
                "存量档案数字化率 由 20% 变为 60%，较上年增加 200%",
            ),
            ("scanner", "0", "5", "扫描仪 由 0 台 变为 5 台，上年为 0"),
        ];
        for (key, before, now, message) in table {
            assert_eq!(
                moves(key, before, now, &Rules::default()),
                vec![message.to_string()],
                "{key}: {before} → {now}"
            );
        }
    }

    #[test]
    fn a_key_s_threshold_can_be_overridden() {
        let rules = Rules::default().with("computer", Threshold::new(50, 1));
        assert_eq!(moves("computer", "2", "3", &rules).len(), 1);
        assert!(moves("computer", "2", "3", &Rules::default()).is_empty());
        assert_eq!(
            rules.threshold("computer", InputType::Integer),
            Threshold::new(50, 1)
        );
        // The other keys keep their defaults.
        assert_eq!(
            rules.threshold("room_area", InputType::Decimal),
            Threshold::new(50, 20)
        );
        assert_eq!(
            rules.threshold("anything_else", InputType::Percent),
            GENERIC_PERCENT_THRESHOLD
        );
        assert_eq!(DEFAULT_RULES, Rules::default());
    }

    #[test]
    fn the_defaults_name_each_key_once_with_sensible_values() {
        let mut seen = std::collections::BTreeSet::new();
        for (key, percent, absolute) in DEFAULT_THRESHOLDS {
            assert!(seen.insert(*key), "{key} twice");
            assert!(*percent >= 50 && *absolute > 0, "{key}");
        }
    }

    #[test]
    fn no_previous_year_means_no_movement_flags() {
        let c = sample();
        let now = facts(&[("room_area", "61")]);
        assert!(check(&c, "社区", &now, None, &Rules::default()).is_empty());
    }

    #[test]
    fn staff_that_does_not_fit_the_kind() {
        let c = sample();
        let rules = Rules::default();
        let now = facts(&[
            ("fulltime_staff", "5"),
            ("parttime_staff", "2"),
            ("trained_staff", "9"),
        ]);
        let flags = check(&c, "社区", &now, None, &rules);
        assert_eq!(flags.len(), 2, "{flags:?}");
        assert_eq!(
            flags[1].message,
            "参加培训人数（9）多于专职与兼职档案员之和（7）"
        );
        assert!(
            check(&c, "机关", &now, None, &rules).len() == 1,
            "5 full-time staff is normal for an agency"
        );
        let nobody = facts(&[("fulltime_staff", "0"), ("parttime_staff", "0")]);
        assert_eq!(check(&c, "社区", &nobody, None, &rules).len(), 1);
        let many = facts(&[("fulltime_staff", "1"), ("parttime_staff", "12")]);
        let flags = check(&facts_checklist(), "社区", &many, None, &rules);
        assert_eq!(
            flags.iter().map(|f| f.message.as_str()).collect::<Vec<_>>(),
            vec!["兼职档案员为 12 人，对社区而言异常偏多（一般不超过 10）"]
        );
    }

    #[test]
    fn budget_claimed_but_zero() {
        let c = sample();
        let rules = Rules::default();
        let now = facts(&[("budget_included", "是"), ("annual_budget", "0")]);
        assert_eq!(check(&c, "社区", &now, None, &rules).len(), 1);
        let fine = facts(&[("budget_included", "是"), ("annual_budget", "3000")]);
        assert!(check(&c, "社区", &fine, None, &rules).is_empty());
    }
}
