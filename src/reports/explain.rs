//! 条目说明: the Chinese lines that explain how a second-edition item was
//! scored — its group and cap, bonus or penalty, inspector item, level,
//! each defect found and the evidence asked for. The pages and the API
//! show the same lines, so they are written once, here.

use serde::{Deserialize, Serialize};

use crate::domain::checklist::{Checklist, Group, ItemKind};
use crate::domain::scoring::ItemScore;
use crate::domain::{Points, Scorecard};

/// One defect of a `deduct` item as scored: its text, the points it costs
/// each time and how often it was found (unknown while pending or when
/// the inspector gave points directly).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeductionLine {
    pub text: String,
    #[schema(value_type = f64)]
    pub points: Points,
    pub count: Option<u32>,
}

/// What the lines are made from.
pub struct LineFacts<'a> {
    pub kind: &'a str,
    /// The group (评分组) the item counts in.
    pub group: Option<&'a Group>,
    pub by_inspector: bool,
    pub pending: bool,
    pub level: Option<&'a str>,
    pub deductions: &'a [DeductionLine],
    pub evidence: Option<&'a str>,
}

/// The explanation of one item, one short line per fact, in reading order.
pub fn item_lines(item: &LineFacts<'_>) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(group) = item.group {
        lines.push(match group.max {
            Some(max) => format!("计入“{}”，该组最高 {max} 分", group.title),
            None => format!("计入“{}”", group.title),
        });
    }
    match item.kind {
        "bonus" => lines.push("加分项：得分加在基本分之上".to_string()),
        "penalty" => lines.push("扣分项：得分从总分中扣除".to_string()),
        _ => {}
    }
    if item.by_inspector {
        lines.push(if item.pending {
            "由检查组现场评定，尚未评定（暂计 0 分）".to_string()
        } else {
            "由检查组现场评定".to_string()
        });
    }
    if let Some(level) = item.level {
        lines.push(format!("评定等级：{level}"));
    }
    for d in item.deductions {
        lines.push(match d.count {
            Some(0) => format!("{}：未发现，不扣分", d.text),
            Some(n) => format!(
                "{}：发现 {n} 处，扣 {} 分",
                d.text,
                Points(
                    d.points
                        .0
                        .saturating_mul(i32::try_from(n).unwrap_or(i32::MAX))
                )
            ),
            None => format!("{}：每处扣 {} 分", d.text, d.points),
        });
    }
    if let Some(evidence) = item.evidence {
        lines.push(format!("佐证材料：{evidence}"));
    }
    lines
}

/// The lines of an item as scored just now (the report card scores again).
pub fn score_lines(checklist: &Checklist, score: &ItemScore) -> Vec<String> {
    let item = checklist.item(&score.code);
    let deductions: Vec<DeductionLine> = score
        .deductions
        .iter()
        .map(|d| DeductionLine {
            text: d.text.clone(),
            points: d.points,
            count: d.count,
        })
        .collect();
    item_lines(&LineFacts {
        kind: kind_name(score.kind),
        group: score.group.as_deref().and_then(|g| checklist.group(g)),
        by_inspector: item
            .is_some_and(|i| i.assessed_by == crate::domain::checklist::Assessor::Inspector),
        pending: score.pending,
        level: score.level.as_deref(),
        deductions: &deductions,
        evidence: item.and_then(|i| i.evidence.as_deref()),
    })
}

fn kind_name(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Base => "base",
        ItemKind::Bonus => "bonus",
        ItemKind::Penalty => "penalty",
    }
}

/// How the total was made, beyond the sum of the items: bonus and its
/// cap, penalty, category weights, the cap at full marks, and what is
/// still waiting for the inspectors.
pub fn total_lines(checklist: &Checklist, card: &Scorecard) -> Vec<String> {
    let mut lines = Vec::new();
    let has = |kind: ItemKind| checklist.items.iter().any(|i| i.kind == kind);
    if has(ItemKind::Bonus) {
        lines.push(if card.bonus > checklist.bonus_max {
            format!(
                "加分项共得 {} 分，按加分上限 {} 分计入",
                card.bonus, checklist.bonus_max
            )
        } else {
            format!(
                "加分项共得 {} 分，计入总分（加分上限 {} 分）",
                card.bonus, checklist.bonus_max
            )
        });
    }
    if has(ItemKind::Penalty) {
        lines.push(format!("扣分项共扣 {} 分", card.penalty));
    }
    let weights: Vec<String> = checklist
        .categories
        .iter()
        .filter_map(|c| c.weight.map(|w| format!("{} {} 占 {w}%", c.code, c.name)))
        .collect();
    if !weights.is_empty() {
        lines.push(format!(
            "各类别得分率按权重折算为总分：{}",
            weights.join("，")
        ));
    }
    if checklist.cap_total {
        lines.push(format!("总分不超过满分 {} 分", checklist.total));
    }
    if card.provisional && !card.pending.is_empty() {
        lines.push(format!(
            "尚有 {} 项待检查组现场评定（{}），暂计 0 分，评定后才确定等级",
            card.pending.len(),
            card.pending.join("、")
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group() -> Group {
        Group {
            code: "A1".into(),
            category: "A".into(),
            title: "制度建设".into(),
            max: Some(Points(200)),
        }
    }

    #[test]
    fn lines_explain_each_fact_in_chinese() {
        let group = group();
        let found = [
            DeductionLine {
                text: "每缺一种档案".into(),
                points: Points(100),
                count: Some(2),
            },
            DeductionLine {
                text: "目录不全".into(),
                points: Points(25),
                count: Some(0),
            },
            DeductionLine {
                text: "未编页号".into(),
                points: Points(50),
                count: None,
            },
        ];
        let cases: [(LineFacts<'_>, &[&str]); 3] = [
            (
                LineFacts {
                    kind: "base",
                    group: Some(&group),
                    by_inspector: false,
                    pending: false,
                    level: None,
                    deductions: &found,
                    evidence: Some("制度文本"),
                },
                &[
                    "计入“制度建设”，该组最高 2 分",
                    "每缺一种档案：发现 2 处，扣 2 分",
                    "目录不全：未发现，不扣分",
                    "未编页号：每处扣 0.5 分",
                    "佐证材料：制度文本",
                ],
            ),
            (
                LineFacts {
                    kind: "bonus",
                    group: None,
                    by_inspector: true,
                    pending: true,
                    level: None,
                    deductions: &[],
                    evidence: None,
                },
                &[
                    "加分项：得分加在基本分之上",
                    "由检查组现场评定，尚未评定（暂计 0 分）",
                ],
            ),
            (
                LineFacts {
                    kind: "penalty",
                    group: None,
                    by_inspector: true,
                    pending: false,
                    level: Some("社区文书担任"),
                    deductions: &[],
                    evidence: None,
                },
                &[
                    "扣分项：得分从总分中扣除",
                    "由检查组现场评定",
                    "评定等级：社区文书担任",
                ],
            ),
        ];
        for (facts, want) in cases {
            assert_eq!(item_lines(&facts), want);
        }
    }

    #[test]
    fn totals_explain_bonus_penalty_weights_and_pending() {
        use crate::domain::checklist::tests::{parse, second, second_toml};
        use crate::domain::scoring::tests::second_answers;
        use crate::domain::{ItemAnswer, score};
        let none = std::collections::BTreeMap::new();
        // The hand-scored sample: bonus 1.5 capped at 1, one late report −0.75.
        let card = score(&second(), &second_answers(), &none);
        assert_eq!(
            total_lines(&second(), &card),
            [
                "加分项共得 1.5 分，按加分上限 1 分计入",
                "扣分项共扣 0.75 分"
            ]
        );
        // Weighted, capped at full marks, and the inspector item still open.
        let weighted = parse(
            &second_toml()
                .replacen("name = \"组织\"", "name = \"组织\"\nweight = 40", 1)
                .replacen("name = \"业务\"", "name = \"业务\"\nweight = 60", 1)
                .replacen("bonus_max = 1", "bonus_max = 1\ncap_total = true", 1),
        )
        .unwrap();
        let mut answers = second_answers();
        answers.self_scores.remove("B3");
        answers
            .self_scores
            .insert("X1".into(), ItemAnswer::Points(Points(50)));
        let card = score(&weighted, &answers, &none);
        let lines = total_lines(&weighted, &card);
        assert_eq!(
            lines[2],
            "各类别得分率按权重折算为总分：A 组织 占 40%，B 业务 占 60%"
        );
        assert_eq!(lines[3], "总分不超过满分 20 分");
        assert_eq!(
            lines[4],
            "尚有 1 项待检查组现场评定（B3），暂计 0 分，评定后才确定等级"
        );
        // An item's own lines come from its score: A2 deducts, A3 has a level.
        let card = score(&second(), &second_answers(), &none);
        let a3 = card.item("A3").unwrap();
        assert_eq!(score_lines(&second(), a3), ["评定等级：中"]);
        let a2 = card.item("A2").unwrap();
        assert!(
            score_lines(&second(), a2)
                .iter()
                .any(|l| l.contains("发现 2 处"))
        );
    }
}

/// What a tier asks for, before anything is scored: shown to a unit
/// before it uploads (申报条件).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TierNeeds {
    pub name: String,
    pub lines: Vec<String>,
}

/// Every tier's conditions in words, lowest tier first as listed.
pub fn tier_requirements(checklist: &Checklist) -> Vec<TierNeeds> {
    use crate::domain::checklist::MinInput;
    checklist
        .tiers
        .iter()
        .map(|tier| {
            let mut lines = vec![format!("总分不低于 {} 分", tier.min_total)];
            for code in &tier.required_items {
                let title = checklist.item(code).map_or("", |i| i.title.as_str());
                lines.push(format!("{code} {title} 须得满分"));
            }
            if let Some(floor) = tier.category_floor {
                lines.push(format!(
                    "每一类别得分不低于该类别适用满分的 {}%",
                    Points(floor * 10)
                ));
            }
            for (key, min) in &tier.min_inputs {
                let input = checklist.input(key);
                let label = input.map_or(key.as_str(), |i| i.label.as_str());
                let unit = input.and_then(|i| i.unit.as_deref()).unwrap_or_default();
                match min {
                    MinInput::AtLeast(m) => lines.push(format!("{label}不低于 {m}{unit}")),
                    MinInput::Yes(true) => lines.push(format!("{label}为“是”")),
                    MinInput::Yes(false) => {}
                }
            }
            if let Some(condition) = &tier.requires {
                lines.push(format!("附加条件：{}", condition.source));
            }
            if !checklist.vetoes.is_empty() {
                lines.push("不触及任何一票否决项".to_string());
            }
            TierNeeds {
                name: tier.name.clone(),
                lines,
            }
        })
        .collect()
}
