//! The readable Chinese summary of `nianjian score` without `--json`: what
//! lost points, category subtotals, total, tier and what the 申报等级 lacks.

use std::fmt::Write as _;

use crate::domain::Points;
use crate::ingest::self_check::Problem;
use crate::service::scoring::Scored;

pub fn render(file: &str, outcome: Result<&Scored, &Vec<Problem>>) -> String {
    let mut s = String::new();
    match outcome {
        Err(problems) => {
            let _ = writeln!(s, "■ {file}：无法评分，共 {} 个问题", problems.len());
            for p in problems {
                let _ = writeln!(s, "    {p}");
            }
        }
        Ok(scored) => scored_text(&mut s, file, scored),
    }
    s.push('\n');
    s
}

fn scored_text(s: &mut String, file: &str, scored: &Scored) {
    let (check, card) = (&scored.check, &scored.card);
    let checklist = &check.checklist;
    let unit = &check.unit;
    let street = unit
        .street
        .as_deref()
        .map(|st| format!("，{st}"))
        .unwrap_or_default();
    let _ = writeln!(s, "■ {file}");
    let _ = writeln!(
        s,
        "  {}（{}，{}{street}）  {} 年度  {}",
        unit.name, unit.code, unit.kind, check.year, checklist.title
    );
    let scaled = if card.applicable_max == checklist.total {
        String::new()
    } else {
        format!(
            "（得分 {} / 应得 {}，按 {} 分折算）",
            card.raw, card.applicable_max, checklist.total
        )
    };
    let _ = writeln!(
        s,
        "  总分 {}{scaled}  等级：{}  年检结论：{}",
        card.total,
        card.tier
            .as_ref()
            .map_or("未达到任何等级", |t| t.name.as_str()),
        card.grade.as_deref().unwrap_or("—")
    );
    for veto in &card.vetoes {
        let _ = writeln!(s, "  一票否决：{}", veto.reason);
    }

    let _ = writeln!(s, "  分类得分：");
    for (category, score) in checklist.categories.iter().zip(&card.categories) {
        let _ = writeln!(
            s,
            "    {} {:<12} {:>5} / {}",
            category.code, category.name, score.points, score.applicable_max
        );
    }

    let lost: Vec<_> = checklist
        .items
        .iter()
        .zip(&card.items)
        .filter(|(_, score)| score.lost() > Points::ZERO)
        .collect();
    if lost.is_empty() {
        let _ = writeln!(s, "  各条目均得满分。");
    } else {
        let _ = writeln!(s, "  失分条目（{} 条）：", lost.len());
        for (item, score) in lost {
            let _ = writeln!(
                s,
                "    {:<6} {}  得 {} / {}（失 {}）",
                item.code,
                item.title,
                score.points,
                score.max,
                score.lost()
            );
        }
    }

    if let Some(target) = check.target_tier.as_deref().and_then(|t| checklist.tier(t)) {
        let gaps = card.gaps(&target.code);
        if gaps.is_empty() {
            let _ = writeln!(s, "  申报等级 {}：已达到。", target.name);
        } else {
            let _ = writeln!(s, "  申报等级 {}：未达到，差距：", target.name);
            for gap in gaps {
                let _ = writeln!(s, "    - {}", gap.describe_zh(checklist));
            }
        }
    }
}
