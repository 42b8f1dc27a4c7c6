//! The items' lines: added, removed, renumbered or moved, and each field
//! changed; and the counts by kind of change for the summary.

use serde::Serialize;

use super::describe::{
    assessor, bands, category_name, choice_points, deduction, input_names, item_brief, levels,
    points, readable, rule, yes_no,
};
use super::{Line, Span, plain};
use crate::domain::Points;
use crate::domain::checklist::diff::{Change, ChecklistDiff, ItemField, Pair};
use crate::domain::checklist::{Checklist, Item};

pub(super) fn item_lines(
    change: &Change<Item, ItemField>,
    old_list: &Checklist,
    new_list: &Checklist,
) -> Vec<Line> {
    match change {
        Change::Added(i) => vec![Line::added(i.code.clone(), item_brief(i, new_list))],
        Change::Removed(i) => vec![Line::removed(i.code.clone(), item_brief(i, old_list))],
        Change::Changed { old, new, fields } => {
            let mut lines = Vec::new();
            if let Some(moved) = renumbered(old, new, fields, old_list, new_list) {
                lines.push(moved);
            }
            let subject = new.code.as_str();
            for field in fields {
                let each = match field {
                    ItemField::Levels(p) => {
                        each_named(subject, "等次", &pairs_of(&p.old), &pairs_of(&p.new))
                    }
                    ItemField::ChoicePoints(p) => each_named(subject, "选项", &p.old, &p.new),
                    _ => None,
                };
                match each {
                    Some(each) => lines.extend(each),
                    None => lines.extend(item_field_line(
                        subject, old, new, field, old_list, new_list,
                    )),
                }
            }
            lines
        }
    }
}

fn pairs_of(levels: &[crate::domain::checklist::Level]) -> Vec<(String, Points)> {
    levels.iter().map(|l| (l.name.clone(), l.points)).collect()
}

/// Levels or options with the same names on both sides: one line per name
/// whose points changed ("A2 等次“范围不全（扣3分）”得分 2 → 1"); otherwise
/// `None`, and the whole lists are shown.
fn each_named(
    subject: &str,
    what: &str,
    old: &[(String, Points)],
    new: &[(String, Points)],
) -> Option<Vec<Line>> {
    let mut old_names: Vec<&String> = old.iter().map(|(n, _)| n).collect();
    let mut new_names: Vec<&String> = new.iter().map(|(n, _)| n).collect();
    old_names.sort();
    new_names.sort();
    if old_names != new_names {
        return None;
    }
    Some(
        new.iter()
            .filter_map(|(name, p)| {
                let (_, was) = old.iter().find(|(n, _)| n == name)?;
                (was != p).then(|| {
                    Line::changed(
                        subject,
                        &format!("{what}“{name}”得分"),
                        points(*was),
                        points(*p),
                    )
                })
            })
            .collect(),
    )
}

/// "C2 改为 C5（内容未变，从“基础设施”移到“档案管理”）": the renumbering and the
/// move in one line, as a reviewer says it.
fn renumbered(
    old: &Item,
    new: &Item,
    fields: &[ItemField],
    old_list: &Checklist,
    new_list: &Checklist,
) -> Option<Line> {
    let code = fields.iter().find_map(|f| match f {
        ItemField::Code(p) => Some(p),
        _ => None,
    });
    // Each side's category by that side's name (a code may name another
    // category in the new version).
    let moved = fields
        .iter()
        .any(|f| matches!(f, ItemField::Category(_)))
        .then(|| {
            (
                category_name(old_list, &old.category),
                category_name(new_list, &new.category),
            )
        });
    let reworded = fields.iter().any(|f| matches!(f, ItemField::Title(_)));
    let from_to = moved
        .as_ref()
        .map(|(from, to)| format!("从“{from}”移到“{to}”"));
    match (code, from_to) {
        (Some(p), from_to) => {
            let mut note = vec![
                if reworded {
                    "内容有改动"
                } else {
                    "内容未变"
                }
                .to_string(),
            ];
            note.extend(from_to);
            Some(
                Line::changed(&p.old, "编号", p.old.clone(), p.new.clone())
                    .renumber(note.join("，")),
            )
        }
        (None, Some(from_to)) => Some(Line {
            text: format!("{} {from_to}", new.code),
            subject: new.code.clone(),
            what: "所属类别".into(),
            old: plain(moved.as_ref()?.0.clone()),
            new: plain(moved?.1),
            note: String::new(),
        }),
        (None, None) => None,
    }
}

impl Line {
    /// The renumbering sentence: "A3 改为 A7（内容未变）".
    fn renumber(mut self, note: String) -> Line {
        self.text = format!("{} 改为 {}", self.subject, plain_text(&self.new));
        self.with_note(note)
    }
}

fn plain_text(spans: &[Span]) -> String {
    spans.iter().map(|s| s.text.as_str()).collect()
}

fn item_field_line(
    subject: &str,
    old: &Item,
    new: &Item,
    field: &ItemField,
    old_list: &Checklist,
    new_list: &Checklist,
) -> Option<Line> {
    let c = |what: &str, o: String, n: String| Some(Line::changed(subject, what, o, n));
    match field {
        // Said in the renumbering line.
        ItemField::Code(_) | ItemField::Category(_) => None,
        ItemField::Title(p) => Some(Line::reworded(
            subject,
            "考核内容",
            &Some(p.old.clone()),
            &Some(p.new.clone()),
        )),
        ItemField::Group(p) => {
            let g = |list: &Checklist, code: &Option<String>| {
                code.as_deref()
                    .map_or("无".into(), |c| match list.group(c) {
                        Some(g) => format!("{} {}", g.code, g.title),
                        None => c.to_string(),
                    })
            };
            c("二级指标", g(old_list, &p.old), g(new_list, &p.new))
        }
        ItemField::Max(p) => c("分值", points(p.old), points(p.new)),
        ItemField::Kind(p) => c("类型", p.old.label_zh().into(), p.new.label_zh().into()),
        ItemField::Rule(p) => c(
            "计分方式",
            rule(&p.old, old.max, old_list),
            rule(&p.new, new.max, new_list),
        ),
        ItemField::Step(p) => c("评分步长", points(p.old), points(p.new)),
        ItemField::Inputs(p) => c(
            "依据的填报项",
            input_names(new_list, old_list, &p.old),
            input_names(new_list, old_list, &p.new),
        ),
        ItemField::Bands(p) => {
            let unit = |list: &Checklist, item: &Item| {
                item.rule
                    .inputs()
                    .first()
                    .and_then(|k| list.input(k))
                    .and_then(|i| i.unit.clone())
            };
            c(
                "分档",
                bands(&p.old, unit(old_list, old).as_deref()),
                bands(&p.new, unit(new_list, new).as_deref()),
            )
        }
        ItemField::Each(p) => c("每项得分", points(p.old), points(p.new)),
        ItemField::FullAt(p) => c("满分所需数值", p.old.to_string(), p.new.to_string()),
        ItemField::DeductionAdded(d) => Some(Line {
            text: format!("{subject} 增加扣分项：{}", deduction(d)),
            subject: subject.into(),
            what: "增加扣分项".into(),
            old: Vec::new(),
            new: plain(deduction(d)),
            note: String::new(),
        }),
        ItemField::DeductionRemoved(d) => Some(Line {
            text: format!("{subject} 删去扣分项：{}", deduction(d)),
            subject: subject.into(),
            what: "删去扣分项".into(),
            old: plain(deduction(d)),
            new: Vec::new(),
            note: String::new(),
        }),
        ItemField::DeductionChanged(Pair { old: o, new: n }) => {
            c("扣分项", deduction(o), deduction(n))
        }
        ItemField::Levels(p) => c("评分等次", levels(&p.old), levels(&p.new)),
        ItemField::ChoicePoints(p) => c("各选项得分", choice_points(&p.old), choice_points(&p.new)),
        ItemField::Formula(p) => c(
            "计分公式",
            readable(&p.old, old_list),
            readable(&p.new, new_list),
        ),
        ItemField::Optional(p) => c("可填“不适用”", yes_no(p.old), yes_no(p.new)),
        ItemField::AssessedBy(p) => c("评分人", assessor(p.old).into(), assessor(p.new).into()),
        ItemField::Requirement(p) => Some(Line::reworded(subject, "整改要求", &p.old, &p.new)),
        ItemField::Evidence(p) => Some(Line::reworded(subject, "佐证材料", &p.old, &p.new)),
    }
}

/// Counts of the items' changes by kind, for the summary.
#[derive(Clone, Debug, Serialize)]
pub(super) struct ItemCounts {
    pub(super) renumbered: usize,
    pub(super) reworded: usize,
    pub(super) reweighted: usize,
    pub(super) reruled: usize,
}

pub(super) fn item_counts(diff: &ChecklistDiff) -> ItemCounts {
    let count = |f: fn(&ItemField) -> bool| {
        diff.items
            .iter()
            .filter(|c| matches!(c, Change::Changed { fields, .. } if fields.iter().any(f)))
            .count()
    };
    ItemCounts {
        renumbered: count(|f| matches!(f, ItemField::Code(_) | ItemField::Category(_))),
        reworded: count(|f| matches!(f, ItemField::Title(_))),
        reweighted: count(|f| matches!(f, ItemField::Max(_))),
        reruled: count(|f| {
            matches!(
                f,
                ItemField::Rule(_)
                    | ItemField::Step(_)
                    | ItemField::Inputs(_)
                    | ItemField::Bands(_)
                    | ItemField::Each(_)
                    | ItemField::FullAt(_)
                    | ItemField::DeductionAdded(_)
                    | ItemField::DeductionRemoved(_)
                    | ItemField::DeductionChanged(_)
                    | ItemField::Levels(_)
                    | ItemField::ChoicePoints(_)
                    | ItemField::Formula(_)
                    | ItemField::Kind(_)
                    | ItemField::Optional(_)
                    | ItemField::AssessedBy(_)
            )
        }),
    }
}
