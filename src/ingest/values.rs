//! Reading one cell as a fact or a score, with the tolerances of contract §2:
//! full-width digits, thousands separators, a trailing unit word, 是/否 in its
//! many spellings, 不适用. Each failure is a Chinese message for the clerk.

use crate::domain::checklist::{Input, InputType, Level};
use crate::domain::text::fold_label;
use crate::domain::text::fold_width;
use crate::domain::{Decimal, InputValue, ItemAnswer, Points};

use super::workbook::CellValue;

/// Unit words a number may carry; longest first so 人次 wins over 人.
const UNIT_WORDS: &[&str] = &[
    "平方米",
    "万元",
    "人次",
    "m²",
    "m2",
    "㎡",
    "GB",
    "人",
    "名",
    "元",
    "%",
    "个",
    "台",
    "组",
    "套",
    "卷",
    "件",
];

const YES: &[&str] = &["是", "有", "√", "✓", "✔", "y", "yes", "true", "1"];
const NO: &[&str] = &["否", "无", "×", "✗", "✘", "✕", "n", "no", "false", "0"];
const NOT_APPLICABLE: &[&str] = &["不适用", "n/a", "na", "无此项"];

/// A cell shown the way the clerk sees it, for messages.
pub fn shown(cell: &CellValue) -> String {
    match cell {
        CellValue::Text(t) => t.clone(),
        CellValue::Number { value, .. } => number_text(*value),
        CellValue::Bool(true) => "TRUE".into(),
        CellValue::Bool(false) => "FALSE".into(),
        CellValue::DateTime(dt) => dt.format("%Y-%m-%d").to_string(),
        CellValue::Error(e) => e.clone(),
    }
}

/// A numeric cell as text without a spurious ".0": 330102001, 2.5.
pub fn number_text(value: f64) -> String {
    Decimal::from_f64(value)
        .map(|d| d.to_string())
        .unwrap_or_else(|| value.to_string())
}

/// The cell as plain text (codes, names); `None` for an empty-looking cell.
pub fn text_of(cell: Option<&CellValue>) -> Option<String> {
    let text = match cell? {
        CellValue::Text(t) => t.trim().to_string(),
        other => shown(other),
    };
    (!text.is_empty()).then_some(text)
}

fn normalised(text: &str) -> String {
    fold_width(text).trim().to_lowercase()
}

/// Whether text says 不适用 (also N/A, NA, 无此项).
pub fn is_not_applicable(text: &str) -> bool {
    let t = normalised(text).replace(' ', "");
    NOT_APPLICABLE.contains(&t.as_str())
}

fn error_value(e: &str) -> String {
    format!("单元格是错误值 {e}（公式计算出错），请改为实际数值")
}

/// Reads a fact for `input` from its cell.
pub fn input_value(input: &Input, cell: &CellValue) -> Result<InputValue, String> {
    match input.kind {
        InputType::YesNo => yes_no(cell).map(InputValue::YesNo),
        InputType::Choice => {
            let written = text_of(Some(cell)).unwrap_or_default();
            match (cell, input.option(&written)) {
                (CellValue::Error(e), _) => Err(error_value(e)),
                (_, Some(option)) => Ok(InputValue::Choice(option.to_string())),
                (_, None) => Err(format!(
                    "应从以下选项中选择：{}，实际为“{written}”",
                    input.options.join("、")
                )),
            }
        }
        kind => {
            let n = number(input, cell)?;
            check_range(kind, n).map(|()| InputValue::Number(n))
        }
    }
}

fn yes_no(cell: &CellValue) -> Result<bool, String> {
    match cell {
        CellValue::Bool(b) => Ok(*b),
        CellValue::Number { value, .. } if *value == 1.0 => Ok(true),
        CellValue::Number { value, .. } if *value == 0.0 => Ok(false),
        CellValue::Error(e) => Err(error_value(e)),
        CellValue::Text(t) => {
            let t = normalised(t);
            if YES.contains(&t.as_str()) {
                Ok(true)
            } else if NO.contains(&t.as_str()) {
                Ok(false)
            } else {
                Err(format!("应填“是”或“否”，实际为“{}”", t))
            }
        }
        other => Err(format!("应填“是”或“否”，实际为“{}”", shown(other))),
    }
}

fn number(input: &Input, cell: &CellValue) -> Result<Decimal, String> {
    match cell {
        CellValue::Number {
            value,
            percent_format,
        } => {
            let d = Decimal::from_f64(*value).ok_or_else(|| "数值超出范围".to_string())?;
            // A cell formatted as a percentage shows 85% but holds 0.85.
            if *percent_format && input.kind == InputType::Percent {
                d.checked_mul_int(100)
                    .ok_or_else(|| "数值超出范围".to_string())
            } else {
                Ok(d)
            }
        }
        CellValue::Text(t) => number_from_text(t, input.unit.as_deref())
            .ok_or_else(|| format!("应填数值，实际为“{}”", t.trim())),
        CellValue::Error(e) => Err(error_value(e)),
        CellValue::Bool(_) | CellValue::DateTime(_) => {
            Err(format!("应填数值，实际为“{}”", shown(cell)))
        }
    }
}

/// Parses "1，234.5 平方米", "８５%", "3万元" (× 10000 when the input's unit is 元).
pub fn number_from_text(text: &str, own_unit: Option<&str>) -> Option<Decimal> {
    let folded = fold_width(text);
    let mut body = folded.trim();
    let mut factor = 1;
    let own = own_unit.map(|u| fold_width(u).trim().to_string());
    // The longest matching word wins: "万元" over the input's own "元".
    let suffix = own
        .as_deref()
        .filter(|u| !u.is_empty())
        .into_iter()
        .chain(UNIT_WORDS.iter().copied())
        .filter(|u| ends_with_ignore_ascii_case(body, u))
        .max_by_key(|u| u.len());
    if let Some(unit) = suffix {
        body = body[..body.len() - unit.len()].trim_end();
        if unit == "万元" && own.as_deref() == Some("元") {
            factor = 10_000;
        }
    }
    let digits: String = body.chars().filter(|c| *c != ',').collect();
    // A separator may only split digits ("1,234"), never stand alone or lead.
    if digits.is_empty() || body.starts_with(',') || body.ends_with(',') {
        return None;
    }
    Decimal::parse(&digits)?.checked_mul_int(factor)
}

fn ends_with_ignore_ascii_case(text: &str, suffix: &str) -> bool {
    text.len() >= suffix.len()
        && text.is_char_boundary(text.len() - suffix.len())
        && text[text.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

fn check_range(kind: InputType, n: Decimal) -> Result<(), String> {
    if n.is_negative() {
        return Err(format!("不能为负数，实际为 {n}"));
    }
    match kind {
        InputType::Integer if !n.is_integer() => Err(format!("应为整数，实际为 {n}")),
        InputType::Percent if n > Decimal::from_int(100) => {
            Err(format!("百分比应在 0–100 之间，实际为 {n}"))
        }
        _ => Ok(()),
    }
}

/// Reads a self-score: a number in 0..=max on the step, or 不适用 where allowed.
pub fn self_score(
    cell: &CellValue,
    max: Points,
    step: Points,
    optional: bool,
) -> Result<ItemAnswer, String> {
    score_in(cell, max, step, optional, "自评分")
}

/// [`self_score`] for the column `column` (自评分 or 检查分).
pub fn score_in(
    cell: &CellValue,
    max: Points,
    step: Points,
    optional: bool,
    column: &str,
) -> Result<ItemAnswer, String> {
    let expected = || {
        let mut s = format!("{column}应为 0–{max} 之间 {step} 的倍数");
        if optional {
            s.push_str("，或填“不适用”");
        }
        s
    };
    let value = match cell {
        CellValue::Number { value, .. } => Decimal::from_f64(*value),
        CellValue::Text(t) if is_not_applicable(t) => {
            return if optional {
                Ok(ItemAnswer::NotApplicable)
            } else {
                Err(format!("本条目不可填“不适用”，请填写{column}"))
            };
        }
        CellValue::Text(t) => Decimal::parse(fold_width(t).trim()),
        CellValue::Error(e) => return Err(error_value(e)),
        CellValue::Bool(_) | CellValue::DateTime(_) => None,
    };
    let points = value
        .and_then(Points::from_decimal)
        .filter(|p| *p >= Points::ZERO && *p <= max && p.is_multiple_of(step));
    points
        .map(ItemAnswer::Points)
        .ok_or_else(|| format!("{}，实际为“{}”", expected(), shown(cell).trim()))
}

/// Reads a `level` item's answer in `column`: one of its level names
/// (compared after folding) or the points of one of its levels, or 不适用
/// where allowed.
pub fn level(
    cell: &CellValue,
    levels: &[Level],
    optional: bool,
    column: &str,
) -> Result<ItemAnswer, String> {
    let names: Vec<&str> = levels.iter().map(|l| l.name.as_str()).collect();
    let refused = || {
        let mut s = format!("{column}应为以下等级之一：{}", names.join("、"));
        if optional {
            s.push_str("，或填“不适用”");
        }
        format!("{s}，实际为“{}”", shown(cell).trim())
    };
    let points = match cell {
        CellValue::Error(e) => return Err(error_value(e)),
        CellValue::Text(t) if is_not_applicable(t) => {
            return if optional {
                Ok(ItemAnswer::NotApplicable)
            } else {
                Err(format!("本条目不可填“不适用”，请填写{column}"))
            };
        }
        CellValue::Text(t) => {
            let wanted = fold_label(t);
            if let Some(l) = levels.iter().find(|l| fold_label(&l.name) == wanted) {
                return Ok(ItemAnswer::Level(l.name.clone()));
            }
            Decimal::parse(fold_width(t).trim())
        }
        CellValue::Number { value, .. } => Decimal::from_f64(*value),
        CellValue::Bool(_) | CellValue::DateTime(_) => None,
    };
    points
        .and_then(Points::from_decimal)
        .and_then(|p| levels.iter().find(|l| l.points == p))
        .map(|l| ItemAnswer::Level(l.name.clone()))
        .ok_or_else(refused)
}

/// Reads how often a defect was found, in a deduction row (`C2.1`): a whole
/// number ≥ 0; 否 and 无 are 0; for a `once` deduction also 是, 有, √ are 1,
/// and nothing above 1 is allowed. A blank cell is the caller's business.
pub fn deduction_count(cell: &CellValue, once: bool) -> Result<u32, String> {
    let refused = || {
        if once {
            format!(
                "扣分次数应为 0 或 1（本项只扣一次；也可填“是”或“否”），实际为“{}”",
                shown(cell).trim()
            )
        } else {
            format!(
                "扣分次数应为不小于 0 的整数，实际为“{}”",
                shown(cell).trim()
            )
        }
    };
    let value = match cell {
        CellValue::Error(e) => return Err(error_value(e)),
        CellValue::Number { value, .. } => Decimal::from_f64(*value),
        CellValue::Bool(b) if once => return Ok(u32::from(*b)),
        CellValue::Text(t) => {
            let t = normalised(t);
            if ["否", "无"].contains(&t.as_str()) {
                return Ok(0);
            }
            if once && YES.contains(&t.as_str()) {
                return Ok(1);
            }
            Decimal::parse(&t)
        }
        CellValue::Bool(_) | CellValue::DateTime(_) => None,
    };
    let count = value
        .filter(|d| d.is_integer() && !d.is_negative())
        .and_then(|d| d.scaled_to(2))
        .filter(|hundredths| hundredths % 100 == 0)
        .and_then(|hundredths| u32::try_from(hundredths / 100).ok())
        .ok_or_else(refused)?;
    if once && count > 1 {
        return Err(refused());
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checklist::InputGroup;

    fn input(kind: InputType, unit: Option<&str>) -> Input {
        Input {
            key: "k".into(),
            label: "项目".into(),
            unit: unit.map(str::to_string),
            kind,
            group: InputGroup::Facilities,
            options: Vec::new(),
            note: None,
        }
    }

    fn text(s: &str) -> CellValue {
        CellValue::Text(s.into())
    }

    fn num(v: f64) -> CellValue {
        CellValue::Number {
            value: v,
            percent_format: false,
        }
    }

    fn dec(s: &str) -> InputValue {
        InputValue::Number(Decimal::parse(s).unwrap())
    }

    #[test]
    fn numbers_from_numeric_cells() {
        let area = input(InputType::Decimal, Some("平方米"));
        assert_eq!(input_value(&area, &num(45.5)), Ok(dec("45.5")));
        assert_eq!(input_value(&area, &num(0.1)), Ok(dec("0.1")));
        assert!(input_value(&area, &num(-1.0)).is_err());
    }

    #[test]
    fn numbers_from_messy_text() {
        let area = input(InputType::Decimal, Some("平方米"));
        assert_eq!(input_value(&area, &text(" 45 ")), Ok(dec("45")));
        assert_eq!(input_value(&area, &text("４５．５")), Ok(dec("45.5")));
        assert_eq!(
            input_value(&area, &text("1,234.5平方米")),
            Ok(dec("1234.5"))
        );
        assert_eq!(input_value(&area, &text("1，234 ㎡")), Ok(dec("1234")));
        assert_eq!(input_value(&area, &text("60m²")), Ok(dec("60")));
        assert_eq!(input_value(&area, &text("60 M2")), Ok(dec("60")));
        assert!(input_value(&area, &text("约45")).is_err());
        assert!(input_value(&area, &text("45平方米平方米")).is_err());
        assert!(input_value(&area, &text("平方米")).is_err());
        assert!(input_value(&area, &text(",45")).is_err());
        assert!(input_value(&area, &text("4 5")).is_err());
    }

    #[test]
    fn ten_thousand_yuan_only_multiplies_for_yuan_inputs() {
        let yuan = input(InputType::Decimal, Some("元"));
        assert_eq!(input_value(&yuan, &text("3万元")), Ok(dec("30000")));
        assert_eq!(input_value(&yuan, &text("3.5 万元")), Ok(dec("35000")));
        assert_eq!(input_value(&yuan, &text("12,000元")), Ok(dec("12000")));
        let wan = input(InputType::Decimal, Some("万元"));
        assert_eq!(input_value(&wan, &text("3万元")), Ok(dec("3")));
        let none = input(InputType::Decimal, None);
        assert_eq!(input_value(&none, &text("3万元")), Ok(dec("3")));
    }

    #[test]
    fn own_unit_is_ignored_even_if_not_listed() {
        let entries = input(InputType::Integer, Some("条"));
        assert_eq!(input_value(&entries, &text("2000条")), Ok(dec("2000")));
        assert_eq!(input_value(&entries, &text("2000件")), Ok(dec("2000")));
    }

    #[test]
    fn integers_must_be_whole() {
        let staff = input(InputType::Integer, Some("人"));
        assert_eq!(input_value(&staff, &num(2.0)), Ok(dec("2")));
        assert_eq!(input_value(&staff, &text("2人")), Ok(dec("2")));
        assert_eq!(input_value(&staff, &text("3人次")), Ok(dec("3")));
        assert!(input_value(&staff, &num(1.5)).is_err());
        assert!(input_value(&staff, &text("-1")).is_err());
    }

    #[test]
    fn percent_from_text_number_or_percent_cell() {
        let rate = input(InputType::Percent, None);
        assert_eq!(input_value(&rate, &text("85%")), Ok(dec("85")));
        assert_eq!(input_value(&rate, &text("８５％")), Ok(dec("85")));
        assert_eq!(input_value(&rate, &num(85.0)), Ok(dec("85")));
        let formatted = CellValue::Number {
            value: 0.85,
            percent_format: true,
        };
        assert_eq!(input_value(&rate, &formatted), Ok(dec("85")));
        assert!(input_value(&rate, &num(100.5)).is_err());
        assert_eq!(input_value(&rate, &num(100.0)), Ok(dec("100")));
    }

    #[test]
    fn yes_no_spellings() {
        let yn = input(InputType::YesNo, None);
        for yes in ["是", "有", "√", "✓", "Y", "yes", "TRUE", "1", " 是 "] {
            assert_eq!(
                input_value(&yn, &text(yes)),
                Ok(InputValue::YesNo(true)),
                "{yes}"
            );
        }
        for no in ["否", "无", "×", "✗", "N", "no", "False", "0"] {
            assert_eq!(
                input_value(&yn, &text(no)),
                Ok(InputValue::YesNo(false)),
                "{no}"
            );
        }
        assert_eq!(
            input_value(&yn, &CellValue::Bool(true)),
            Ok(InputValue::YesNo(true))
        );
        assert_eq!(input_value(&yn, &num(0.0)), Ok(InputValue::YesNo(false)));
        assert!(input_value(&yn, &text("也许")).is_err());
        assert!(input_value(&yn, &num(2.0)).is_err());
    }

    #[test]
    fn error_values_are_errors() {
        let area = input(InputType::Decimal, None);
        let err = input_value(&area, &CellValue::Error("#DIV/0!".into())).unwrap_err();
        assert!(err.contains("#DIV/0!"), "{err}");
    }

    #[test]
    fn self_scores_on_step_within_max() {
        let four = Points(400);
        let half = Points(50);
        assert_eq!(
            self_score(&num(3.5), four, half, false),
            Ok(ItemAnswer::Points(Points(350)))
        );
        assert_eq!(
            self_score(&text("３.５"), four, half, false),
            Ok(ItemAnswer::Points(Points(350)))
        );
        assert_eq!(
            self_score(&num(0.0), four, half, false),
            Ok(ItemAnswer::Points(Points(0)))
        );
        assert_eq!(
            self_score(&num(4.0), four, half, false),
            Ok(ItemAnswer::Points(Points(400)))
        );
        assert!(self_score(&num(4.5), four, half, false).is_err());
        assert!(self_score(&num(3.3), four, half, false).is_err());
        assert!(self_score(&num(3.25), four, half, false).is_err());
        assert!(self_score(&num(-0.5), four, half, false).is_err());
        assert!(self_score(&text("良好"), four, half, false).is_err());
        // step = max: all or nothing.
        assert!(self_score(&num(2.0), four, four, false).is_err());
        assert_eq!(
            self_score(&num(4.0), four, four, false),
            Ok(ItemAnswer::Points(Points(400)))
        );
    }

    #[test]
    fn not_applicable_only_where_optional() {
        let two = Points(200);
        let half = Points(50);
        for na in ["不适用", "N/A", "na", "无此项", " NA "] {
            assert_eq!(
                self_score(&text(na), two, half, true),
                Ok(ItemAnswer::NotApplicable),
                "{na}"
            );
        }
        assert!(self_score(&text("不适用"), two, half, false).is_err());
    }

    #[test]
    fn message_names_range_and_value() {
        let err = self_score(&text("良好"), Points(400), Points(50), false).unwrap_err();
        assert_eq!(err, "自评分应为 0–4 之间 0.5 的倍数，实际为“良好”");
    }

    #[test]
    fn deduction_counts() {
        assert_eq!(deduction_count(&num(3.0), false), Ok(3));
        assert_eq!(deduction_count(&text("２"), false), Ok(2));
        assert_eq!(deduction_count(&text("无"), false), Ok(0));
        assert_eq!(deduction_count(&text("否"), true), Ok(0));
        assert_eq!(deduction_count(&text("是"), true), Ok(1));
        assert_eq!(deduction_count(&text("√"), true), Ok(1));
        assert_eq!(
            deduction_count(&num(1.5), false),
            Err("扣分次数应为不小于 0 的整数，实际为“1.5”".into())
        );
        assert!(deduction_count(&num(-1.0), false).is_err());
        assert!(deduction_count(&text("是"), false).is_err());
        assert!(deduction_count(&num(2.0), true).is_err());
        assert!(deduction_count(&num(1e12), false).is_err(), "beyond u32");
        assert!(deduction_count(&CellValue::Error("#N/A".into()), false).is_err());
    }

    #[test]
    fn levels_by_name_or_points() {
        let levels = [("好", 200), ("中", 100), ("也中", 100), ("差", 0)].map(|(n, p)| Level {
            name: n.into(),
            points: Points(p),
        });
        let level = |n: &str| Ok(ItemAnswer::Level(n.into()));
        assert_eq!(
            super::level(&text("好"), &levels, false, "自评分"),
            level("好")
        );
        assert_eq!(
            super::level(&text(" 中 "), &levels, false, "自评分"),
            level("中")
        );
        assert_eq!(
            super::level(&num(1.0), &levels, false, "自评分"),
            level("中")
        );
        assert_eq!(
            super::level(&text("0"), &levels, false, "自评分"),
            level("差")
        );
        assert_eq!(
            super::level(&text("不适用"), &levels, true, "检查分"),
            Ok(ItemAnswer::NotApplicable)
        );
        assert_eq!(
            super::level(&num(1.5), &levels, false, "检查分"),
            Err("检查分应为以下等级之一：好、中、也中、差，实际为“1.5”".into())
        );
        assert!(super::level(&text("不适用"), &levels, false, "自评分").is_err());
    }

    #[test]
    fn choices_by_option() {
        let mut keeper = input(InputType::Choice, None);
        keeper.options = vec!["社区文书".into(), "其他人员".into()];
        assert_eq!(
            input_value(&keeper, &text(" 社区文书 ")),
            Ok(InputValue::Choice("社区文书".into()))
        );
        assert_eq!(
            input_value(&keeper, &text("居民")),
            Err("应从以下选项中选择：社区文书、其他人员，实际为“居民”".into())
        );
        assert!(input_value(&keeper, &num(1.0)).is_err());
    }
}
