//! The Chinese wording of the self-check template: how each item is scored,
//! what each input asks for, and the rough text widths that size the columns.
//! Pure text functions, so the sheet code stays about cells.

use crate::domain::checklist::{Checklist, Input, InputType, Item, Rule};
use crate::domain::number::Points;

/// What a percent input wants; the contract reads 85 as 85%, not 0.85.
pub(super) const PERCENT_HINT: &str = "填 0–100 的数，如 85 表示 85%";

/// 评分方式: the scoring rule of an item in a clerk's words, built from the
/// rule and the labels and units of the inputs it reads.
pub(super) fn scoring_method(checklist: &Checklist, item: &Item) -> String {
    match &item.rule {
        Rule::SelfScored { step } => {
            let mut text = if *step == item.max {
                "自评（达标得满分，否则 0 分）".to_string()
            } else {
                format!("自评（步长 {step}）")
            };
            if item.optional {
                text.push_str("；可填“不适用”");
            }
            text
        }
        Rule::YesNo { input } => format!("“{}”为“是”得满分", label(checklist, input)),
        Rule::Bands { input, bands } => {
            let unit = unit(checklist, input);
            let steps: Vec<String> = bands
                .iter()
                .map(|(threshold, points)| format!("≥{threshold}{unit} 得{points}分"))
                .collect();
            format!("按“{}”：{}", label(checklist, input), steps.join("；"))
        }
        Rule::Each { inputs, each } => {
            let labels: Vec<&str> = inputs.iter().map(|key| label(checklist, key)).collect();
            format!(
                "每具备一项得 {each} 分（{}），最高 {} 分",
                labels.join("、"),
                item.max
            )
        }
        Rule::Linear {
            input,
            full_at,
            step,
        } => format!(
            "按“{}”折算：达到 {full_at}{} 得满分，按比例计分、向下取 {step} 分",
            label(checklist, input),
            unit(checklist, input)
        ),
        Rule::Deduct { deductions } => {
            let each: Vec<String> = deductions
                .iter()
                .map(|d| {
                    if d.once {
                        format!("{}扣 {} 分", d.text, d.points)
                    } else {
                        format!("{}，每处扣 {} 分", d.text, d.points)
                    }
                })
                .collect();
            let how = if item.kind == crate::domain::checklist::ItemKind::Penalty {
                format!("最多扣 {} 分", item.max)
            } else {
                "扣完为止".to_string()
            };
            format!("{}；{how}", each.join("；"))
        }
        Rule::Level { levels } => {
            let each: Vec<String> = levels
                .iter()
                .map(|l| format!("{} {} 分", l.name, l.points))
                .collect();
            format!("按等级计分：{}", each.join("，"))
        }
        Rule::Choice { input, points } => {
            let each: Vec<String> = points.iter().map(|(o, p)| format!("{o} {p} 分")).collect();
            format!(
                "按“{}”计分：{}，其他 0 分",
                label(checklist, input),
                each.join("，")
            )
        }
        Rule::Formula { formula, .. } => format!("按公式计分：{}", formula.source),
    }
}

/// The allowed answers of a `self` item, for its input and error messages.
pub(super) fn score_rule(item: &Item, step: Points) -> String {
    let mut text = if step == item.max {
        format!("只能填 0 或 {}", item.max)
    } else {
        format!("填 0–{} 之间 {step} 的倍数", item.max)
    };
    if item.optional {
        text.push_str("；本单位无此项工作的填“不适用”");
    }
    text
}

/// 填写说明 of an input: the checklist's note, else a hint from its type.
/// Percent inputs always carry the 0–100 hint, since "0.85" is the usual slip.
pub(super) fn input_hint(input: &Input) -> String {
    let by_type = match input.kind {
        InputType::YesNo => "从下拉列表选择“是”或“否”",
        InputType::Integer => "填 0 或正整数",
        InputType::Decimal => "填不小于 0 的数字",
        InputType::Percent => PERCENT_HINT,
        InputType::Choice => "从下拉列表选择一项",
    };
    match (&input.note, input.kind) {
        (Some(note), InputType::Percent) if !note.contains("0–100") => {
            format!("{note}；{PERCENT_HINT}")
        }
        (Some(note), _) if !note.trim().is_empty() => note.clone(),
        _ => by_type.to_string(),
    }
}

/// The error message when a 填报值 breaks its validation.
pub(super) fn input_error(input: &Input) -> &'static str {
    match input.kind {
        InputType::YesNo => "请从下拉列表选择“是”或“否”。",
        InputType::Integer => "请填写 0 或正整数。",
        InputType::Decimal => "请填写不小于 0 的数字。",
        InputType::Percent => "请填写 0–100 之间的数，如 85 表示 85%。",
        InputType::Choice => "请从下拉列表中选择。",
    }
}

/// A category heading: "一、组织领导与人员（15分）".
pub(super) fn category_heading(ordinal: usize, name: &str, max: Points) -> String {
    format!("{}、{name}（{max}分）", chinese_number(ordinal))
}

/// 1 → 一, 10 → 十, 15 → 十五, 23 → 二十三; beyond 99 plain digits.
pub(super) fn chinese_number(n: usize) -> String {
    const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    match n {
        1..=9 => DIGITS[n].to_string(),
        10..=99 => {
            let (tens, ones) = (n / 10, n % 10);
            let mut text = String::new();
            if tens > 1 {
                text.push(DIGITS[tens]);
            }
            text.push('十');
            if ones > 0 {
                text.push(DIGITS[ones]);
            }
            text
        }
        _ => n.to_string(),
    }
}

/// The width of text in Excel column units: a CJK or other wide character
/// takes about two, an ASCII one about one. (rust_xlsxwriter's autofit counts
/// CJK as narrow, so the template sizes its columns from this instead.)
pub(super) fn display_width(text: &str) -> usize {
    text.lines()
        .map(|line| line.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum())
        .max()
        .unwrap_or(0)
}

/// How many lines `text` takes when wrapped in a column `width` units wide.
pub(super) fn wrapped_lines(text: &str, width: f64) -> usize {
    // One unit of padding per side is not usable for text.
    let usable = (width - 1.0).max(1.0);
    text.lines()
        .map(|line| {
            let chars: usize = line.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
            ((chars as f64 / usable).ceil() as usize).max(1)
        })
        .sum::<usize>()
        .max(1)
}

/// Cuts text to Excel's limit on validation titles and messages (UTF-16 units).
pub(super) fn clip(text: &str, limit: usize) -> String {
    if text.encode_utf16().count() <= limit {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        // Leave room for the ellipsis (one unit).
        if used + c.len_utf16() > limit - 1 {
            break;
        }
        used += c.len_utf16();
        out.push(c);
    }
    out.push('…');
    out
}

fn label<'a>(checklist: &'a Checklist, key: &'a str) -> &'a str {
    checklist.input(key).map_or(key, |i| i.label.as_str())
}

fn unit<'a>(checklist: &'a Checklist, key: &str) -> &'a str {
    checklist
        .input(key)
        .and_then(|i| i.unit.as_deref())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numbers() {
        let got: Vec<String> = [1, 9, 10, 11, 20, 23, 100].map(chinese_number).to_vec();
        assert_eq!(got, ["一", "九", "十", "十一", "二十", "二十三", "100"]);
    }

    #[test]
    fn widths_count_cjk_double() {
        assert_eq!(display_width("类别"), 4);
        assert_eq!(display_width("room_area"), 9);
        assert_eq!(display_width("a\n档案室面积"), 10);
        assert_eq!(wrapped_lines("一二三四五", 5.0), 3);
        assert_eq!(wrapped_lines("", 10.0), 1);
    }

    #[test]
    fn clip_respects_limit() {
        let long = "档".repeat(40);
        let clipped = clip(&long, 32);
        assert_eq!(clipped.encode_utf16().count(), 32);
        assert!(clipped.ends_with('…'));
        assert_eq!(clip("短", 32), "短");
    }
}
