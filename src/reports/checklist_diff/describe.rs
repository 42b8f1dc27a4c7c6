//! Values of a checklist said in Chinese, as the printed 考核细则 says them:
//! "档案室面积 ≥40平方米得2分，≥20平方米得1分", "每处扣0.5分".

use crate::domain::checklist::{
    Assessor, Checklist, Deduction, Input, Item, ItemKind, Level, MinInput, Rule,
};
use crate::domain::{Decimal, Points};

pub(super) fn points(p: Points) -> String {
    p.to_string()
}

pub(super) fn quoted(text: impl AsRef<str>) -> String {
    format!("“{}”", text.as_ref())
}

pub(super) fn yes_no(b: bool) -> String {
    if b { "是" } else { "否" }.into()
}

pub(super) fn assessor(a: Assessor) -> &'static str {
    match a {
        Assessor::Unit => "单位自评",
        Assessor::Inspector => "检查组评定",
    }
}

/// An input's label, its key when the checklist lacks it.
pub(super) fn input_name(list: &Checklist, key: &str) -> String {
    list.input(key)
        .map_or_else(|| key.to_string(), |i| i.label.clone())
}

/// Labels of inputs (keys as the new version calls them), looked up in the
/// new version, then the old one.
pub(super) fn input_names(new: &Checklist, old: &Checklist, keys: &[String]) -> String {
    if keys.is_empty() {
        return "无".into();
    }
    keys.iter()
        .map(|k| match new.input(k).or_else(|| old.input(k)) {
            Some(i) => i.label.clone(),
            None => k.clone(),
        })
        .collect::<Vec<_>>()
        .join("、")
}

pub(super) fn category_name(list: &Checklist, code: &str) -> String {
    list.category(code)
        .map_or_else(|| code.to_string(), |c| c.name.clone())
}

/// "数值（平方米），归“物”": what an input asks.
pub(super) fn kind_of_input(input: &Input) -> String {
    let mut out = input.kind.label_zh().to_string();
    if let Some(unit) = &input.unit {
        out.push_str(&format!("（{unit}）"));
    }
    if !input.options.is_empty() {
        out.push_str(&format!("：{}", options(&input.options)));
    }
    out.push_str(&format!("，归“{}”", input.group.label_zh()));
    out
}

pub(super) fn options(options: &[String]) -> String {
    if options.is_empty() {
        "无".into()
    } else {
        options.join("、")
    }
}

/// "≥40平方米得2分，≥20平方米得1分".
pub(super) fn bands(bands: &[(Decimal, Points)], unit: Option<&str>) -> String {
    let unit = unit.unwrap_or("");
    bands
        .iter()
        .map(|(at, p)| format!("≥{at}{unit}得{p}分"))
        .collect::<Vec<_>>()
        .join("，")
}

/// "“未发文明确”每处扣0.5分", "… 扣1分（只计一次）".
pub(super) fn deduction(d: &Deduction) -> String {
    if d.once {
        format!("“{}”扣{}分（只计一次）", d.text, d.points)
    } else {
        format!("“{}”每处扣{}分", d.text, d.points)
    }
}

pub(super) fn levels(levels: &[Level]) -> String {
    levels
        .iter()
        .map(|l| format!("{}{}分", l.name, l.points))
        .collect::<Vec<_>>()
        .join("、")
}

pub(super) fn choice_points(points: &[(String, Points)]) -> String {
    points
        .iter()
        .map(|(o, p)| format!("{o}{p}分"))
        .collect::<Vec<_>>()
        .join("、")
}

/// A tier's category floor, kept in tenths of a percent.
pub(super) fn floor(floor: Option<i32>) -> String {
    match floor {
        None => "不要求".into(),
        Some(f) if f % 10 == 0 => format!("{}%", f / 10),
        Some(f) => format!("{}.{}%", f / 10, f % 10),
    }
}

pub(super) fn min_input(min: Option<&MinInput>, unit: Option<&str>) -> String {
    match min {
        None | Some(MinInput::Yes(false)) => "不要求".into(),
        Some(MinInput::Yes(true)) => "须为“是”".into(),
        Some(MinInput::AtLeast(v)) => format!("≥{v}{}", unit.unwrap_or("")),
    }
}

/// How an item scores, in words.
pub(super) fn rule(rule: &Rule, max: Points, list: &Checklist) -> String {
    let label = |key: &str| input_name(list, key);
    let unit = |key: &str| list.input(key).and_then(|i| i.unit.clone());
    match rule {
        Rule::SelfScored { step } => format!("自评，按{step}分计"),
        Rule::YesNo { input } => format!("“{}”为“是”得{max}分", label(input)),
        Rule::Bands { input, bands: b } => {
            format!(
                "按“{}”分档：{}",
                label(input),
                bands(b, unit(input).as_deref())
            )
        }
        Rule::Each { inputs, each } => format!(
            "“{}”每具备一项得{each}分，最高{max}分",
            inputs
                .iter()
                .map(|k| label(k))
                .collect::<Vec<_>>()
                .join("、")
        ),
        Rule::Linear {
            input,
            full_at,
            step,
        } => format!(
            "按“{}”比例计分，达到{full_at}{}得满分，按{step}分取整",
            label(input),
            unit(input).unwrap_or_default()
        ),
        Rule::Deduct { deductions } => format!(
            "扣分：{}，扣完为止",
            deductions
                .iter()
                .map(deduction)
                .collect::<Vec<_>>()
                .join("；")
        ),
        Rule::Level { levels: l } => format!("分级：{}", levels(l)),
        Rule::Choice { input, points } => {
            format!("按“{}”的选项：{}", label(input), choice_points(points))
        }
        Rule::Formula { formula, .. } => format!("公式：{}", readable(&formula.source, list)),
    }
}

/// "配备专职档案员（2分；按“专职档案员”分档：≥1人得2分）".
pub(super) fn item_brief(item: &Item, list: &Checklist) -> String {
    let kind = match item.kind {
        ItemKind::Base => String::new(),
        other => format!("【{}】", other.label_zh()),
    };
    let mut extras = Vec::new();
    if item.optional {
        extras.push("可填“不适用”".to_string());
    }
    if item.assessed_by == Assessor::Inspector {
        extras.push("由检查组评定".to_string());
    }
    let extras = if extras.is_empty() {
        String::new()
    } else {
        format!("；{}", extras.join("；"))
    };
    format!(
        "{kind}{}（{}分，属“{}”；{}{extras}）",
        item.title,
        item.max,
        category_name(list, &item.category),
        rule(&item.rule, item.max, list)
    )
}

/// An expression as written, each `${key}` shown as the input's label
/// (`${archivist_role} == "无"` → `“档案人员担任情况” == "无"`).
pub(super) fn readable(source: &str, list: &Checklist) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let key = &rest[start + 2..start + len];
        out.push_str(&rest[..start]);
        out.push_str(&quoted(input_name(list, key)));
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checklist::tests::sample;

    fn d(text: &str) -> Decimal {
        Decimal::parse(text).expect("decimal")
    }

    #[test]
    fn values_read_as_the_printed_checklist() {
        let cases: Vec<(String, &str)> = vec![
            (
                bands(
                    &[(d("40"), Points(200)), (d("20"), Points(150))],
                    Some("平方米"),
                ),
                "≥40平方米得2分，≥20平方米得1.5分",
            ),
            (bands(&[(d("50"), Points(200))], None), "≥50得2分"),
            (floor(None), "不要求"),
            (floor(Some(800)), "80%"),
            (floor(Some(755)), "75.5%"),
            (min_input(None, None), "不要求"),
            (min_input(Some(&MinInput::Yes(true)), None), "须为“是”"),
            (min_input(Some(&MinInput::Yes(false)), None), "不要求"),
            (
                min_input(Some(&MinInput::AtLeast(d("40"))), Some("平方米")),
                "≥40平方米",
            ),
            (
                deduction(&Deduction {
                    text: "未归档".into(),
                    points: Points(50),
                    once: false,
                }),
                "“未归档”每处扣0.5分",
            ),
            (
                deduction(&Deduction {
                    text: "未备案".into(),
                    points: Points(100),
                    once: true,
                }),
                "“未备案”扣1分（只计一次）",
            ),
        ];
        for (got, expected) in cases {
            assert_eq!(got, expected);
        }
    }

    #[test]
    fn expressions_name_inputs_by_their_labels() {
        let list = sample();
        let cases = [
            ("${room_area} >= 40", "“档案室面积” >= 40"),
            (
                "${has_budget} and ${unknown_key}",
                "“档案经费列入预算” and “unknown_key”",
            ),
            ("points(A3) >= 3", "points(A3) >= 3"),
            ("${unclosed", "${unclosed"),
        ];
        for (source, expected) in cases {
            assert_eq!(readable(source, &list), expected, "{source}");
        }
    }

    #[test]
    fn rules_in_words() {
        let list = sample();
        let words: Vec<String> = list
            .items
            .iter()
            .map(|i| rule(&i.rule, i.max, &list))
            .collect();
        assert_eq!(
            words,
            [
                "自评，按0.5分计",
                "自评，按0.5分计",
                "“档案经费列入预算”为“是”得2分",
                "按“档案室面积”分档：≥40平方米得4分，≥20平方米得2分，≥10平方米得1分",
                "“空调、扫描仪”每具备一项得2分，最高3分",
                "按“数字化率”比例计分，达到80得满分，按0.5分取整",
            ]
        );
    }
}
