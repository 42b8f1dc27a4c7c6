//! `checklist diff` for people: plain text for the terminal, and a printable
//! A4 document (or the same body as a fragment for the admin page) for the
//! 审定会 that approves a new version.
//!
//! Both are made from one list of lines per section, each line saying one
//! change the way a reviewer writes it ("B3 分值 4 → 5", "C2 改为 C5（内容未变，
//! 从“基础设施”移到“档案管理”）"). Labels, not keys: an input is named by its
//! label, a rule by its Chinese name and parameters.

mod describe;
mod items;

use serde::Serialize;

use super::ReportError;
use super::html::Html;
use crate::domain::Points;
use crate::domain::checklist::Checklist;
use crate::domain::checklist::diff::{
    BasicChange, Change, ChecklistDiff, GradeField, GroupField, InputField, Piece, TierField,
    VetoField, wording_diff,
};

use describe::{
    category_name, floor, input_name, kind_of_input, min_input, options, points, quoted, readable,
    yes_no,
};
use items::{ItemCounts, item_counts, item_lines};

/// One change as shown: who, what, old and new value, and a remark. The
/// text line is made from the same parts.
#[derive(Clone, Debug, Serialize)]
struct Line {
    /// The entry: an item code, an input's label, a tier's name …
    subject: String,
    /// What about it changed: 新增, 删除, 分值, 考核内容 …
    what: String,
    old: Vec<Span>,
    new: Vec<Span>,
    note: String,
    /// The terminal's sentence.
    #[serde(skip)]
    text: String,
}

/// A run of text; `del` struck out, `ins` highlighted (a re-worded text).
#[derive(Clone, Debug, Serialize)]
struct Span {
    text: String,
    del: bool,
    ins: bool,
}

fn plain(text: impl Into<String>) -> Vec<Span> {
    let text = text.into();
    if text.is_empty() {
        return Vec::new();
    }
    vec![Span {
        text,
        del: false,
        ins: false,
    }]
}

impl Line {
    fn added(subject: impl Into<String>, description: String) -> Line {
        let subject = subject.into();
        Line {
            text: format!("新增 {subject}：{description}"),
            subject,
            what: "新增".into(),
            old: Vec::new(),
            new: plain(description),
            note: String::new(),
        }
    }

    fn removed(subject: impl Into<String>, description: String) -> Line {
        let subject = subject.into();
        Line {
            text: format!("删除 {subject}：{description}"),
            subject,
            what: "删除".into(),
            old: plain(description),
            new: Vec::new(),
            note: String::new(),
        }
    }

    /// "{subject} {what} {old} → {new}".
    fn changed(subject: &str, what: &str, old: String, new: String) -> Line {
        Line {
            text: format!("{subject} {what} {old} → {new}"),
            subject: subject.into(),
            what: what.into(),
            old: plain(old),
            new: plain(new),
            note: String::new(),
        }
    }

    /// A re-worded text: quoted in the terminal, struck and highlighted in
    /// the document.
    fn reworded(subject: &str, what: &str, old: &Option<String>, new: &Option<String>) -> Line {
        let (o, n) = (old.as_deref().unwrap_or(""), new.as_deref().unwrap_or(""));
        let text = match (old, new) {
            (None, Some(n)) => format!("{subject} 增加{what} {}", quoted(n)),
            (Some(o), None) => format!("{subject} 删去{what}（原为 {}）", quoted(o)),
            _ => format!("{subject} {what}改为 {}（原为 {}）", quoted(n), quoted(o)),
        };
        let pieces = wording_diff(o, n);
        let side = |keep_deleted: bool| -> Vec<Span> {
            pieces
                .iter()
                .filter_map(|p| match p {
                    Piece::Same(t) => Some(Span {
                        text: t.clone(),
                        del: false,
                        ins: false,
                    }),
                    Piece::Deleted(t) if keep_deleted => Some(Span {
                        text: t.clone(),
                        del: true,
                        ins: false,
                    }),
                    Piece::Inserted(t) if !keep_deleted => Some(Span {
                        text: t.clone(),
                        del: false,
                        ins: true,
                    }),
                    _ => None,
                })
                .collect()
        };
        Line {
            text,
            subject: subject.into(),
            what: what.into(),
            old: side(true),
            new: side(false),
            note: String::new(),
        }
    }

    fn with_note(mut self, note: String) -> Line {
        if !note.is_empty() {
            self.text = format!("{}（{note}）", self.text);
        }
        self.note = note;
        self
    }
}

/// A section of the report: its heading, its lines, and the counts for the
/// summary table.
#[derive(Clone, Debug, Serialize)]
struct Section {
    title: &'static str,
    lines: Vec<Line>,
    added: usize,
    removed: usize,
    changed: usize,
}

fn counted<T, F>(
    title: &'static str,
    changes: &[Change<T, F>],
    lines: impl Fn(&Change<T, F>) -> Vec<Line>,
) -> Section {
    let count = |f: fn(&Change<T, F>) -> bool| changes.iter().filter(|c| f(c)).count();
    Section {
        title,
        lines: changes.iter().flat_map(lines).collect(),
        added: count(|c| matches!(c, Change::Added(_))),
        removed: count(|c| matches!(c, Change::Removed(_))),
        changed: count(|c| matches!(c, Change::Changed { .. })),
    }
}

fn sections(diff: &ChecklistDiff, old: &Checklist, new: &Checklist) -> Vec<Section> {
    vec![
        Section {
            title: "基本信息",
            lines: diff.basics.iter().map(basic_line).collect(),
            added: 0,
            removed: 0,
            changed: diff.basics.len(),
        },
        counted("人财物投入（填报项）", &diff.inputs, input_lines),
        counted("考核类别（一级指标）", &diff.categories, |c| match c {
            Change::Added(cat) => vec![Line::added(
                format!("{} {}", cat.code, cat.name),
                format!("满分 {}", points(new.category_max(&cat.code))),
            )],
            Change::Removed(cat) => vec![Line::removed(
                format!("{} {}", cat.code, cat.name),
                format!("满分 {}", points(old.category_max(&cat.code))),
            )],
            Change::Changed {
                new: cat, fields, ..
            } => fields
                .iter()
                .map(|f| category_line(&format!("{} {}", cat.code, cat.name), f))
                .collect(),
        }),
        counted("二级指标", &diff.groups, |c| group_lines(c, old, new)),
        counted("考核条目", &diff.items, |c| item_lines(c, old, new)),
        counted("一票否决", &diff.vetoes, |c| veto_lines(c, old, new)),
        counted("档案室等级", &diff.tiers, |c| tier_lines(c, old, new)),
        counted("年检结论", &diff.grades, |c| grade_lines(c, old, new)),
    ]
}

fn basic_line(change: &BasicChange) -> Line {
    let c = |what: &str, old: String, new: String| Line::changed("考核细则", what, old, new);
    match change {
        BasicChange::Title(p) => c("标题", quoted(&p.old), quoted(&p.new)),
        BasicChange::UnitKinds(p) => c("适用单位类型", p.old.join("、"), p.new.join("、")),
        BasicChange::Total(p) => c("满分", points(p.old), points(p.new)),
        BasicChange::Decimals(p) => c(
            "总分保留小数",
            format!("{} 位", p.old),
            format!("{} 位", p.new),
        ),
        BasicChange::RectifyDays(p) => {
            c("整改期限", format!("{} 天", p.old), format!("{} 天", p.new))
        }
        BasicChange::BonusMax(p) => c("加分上限", points(p.old), points(p.new)),
        BasicChange::CapTotal(p) => c("总分不超过满分", yes_no(p.old), yes_no(p.new)),
    }
}

fn input_lines(change: &Change<crate::domain::checklist::Input, InputField>) -> Vec<Line> {
    match change {
        Change::Added(i) => vec![Line::added(i.label.clone(), kind_of_input(i))],
        Change::Removed(i) => vec![Line::removed(i.label.clone(), kind_of_input(i))],
        Change::Changed { old, new, fields } => {
            let subject = new.label.clone();
            fields
                .iter()
                .map(|f| match f {
                    InputField::Key(p) => {
                        Line::changed(&subject, "代码", p.old.clone(), p.new.clone())
                    }
                    InputField::Label(p) => {
                        Line::changed(&old.label, "名称", quoted(&p.old), quoted(&p.new))
                    }
                    InputField::Type(p) => Line::changed(
                        &subject,
                        "填报类型",
                        p.old.label_zh().into(),
                        p.new.label_zh().into(),
                    ),
                    InputField::Unit(p) => Line::changed(
                        &subject,
                        "计量单位",
                        p.old.clone().unwrap_or_else(|| "无".into()),
                        p.new.clone().unwrap_or_else(|| "无".into()),
                    ),
                    InputField::Group(p) => Line::changed(
                        &subject,
                        "归类",
                        p.old.label_zh().into(),
                        p.new.label_zh().into(),
                    ),
                    InputField::Options(p) => {
                        Line::changed(&subject, "可选项", options(&p.old), options(&p.new))
                    }
                    InputField::Note(p) => Line::reworded(&subject, "填报说明", &p.old, &p.new),
                })
                .collect()
        }
    }
}

fn category_line(subject: &str, field: &crate::domain::checklist::diff::CategoryField) -> Line {
    use crate::domain::checklist::diff::CategoryField as F;
    match field {
        F::Code(p) => Line::changed(subject, "编号", p.old.clone(), p.new.clone()),
        F::Name(p) => Line::changed(subject, "名称", quoted(&p.old), quoted(&p.new)),
        F::Weight(p) => {
            let w = |w: Option<crate::domain::Decimal>| {
                w.map_or("不加权".into(), |w| format!("{w}%"))
            };
            Line::changed(subject, "权重", w(p.old), w(p.new))
        }
        F::Max(p) => Line::changed(subject, "满分", points(p.old), points(p.new)),
    }
}

fn group_lines(
    change: &Change<crate::domain::checklist::Group, GroupField>,
    old_list: &Checklist,
    new_list: &Checklist,
) -> Vec<Line> {
    let cap = |c: Option<Points>| c.map_or("不封顶".into(), |c| format!("最高 {}", points(c)));
    match change {
        Change::Added(g) => vec![Line::added(
            format!("{} {}", g.code, g.title),
            format!(
                "属“{}”，{}",
                category_name(new_list, &g.category),
                cap(g.max)
            ),
        )],
        Change::Removed(g) => vec![Line::removed(
            format!("{} {}", g.code, g.title),
            format!(
                "属“{}”，{}",
                category_name(old_list, &g.category),
                cap(g.max)
            ),
        )],
        Change::Changed { old, new, fields } => {
            let subject = format!("{} {}", new.code, new.title);
            fields
                .iter()
                .map(|f| match f {
                    GroupField::Code(p) => {
                        Line::changed(&subject, "编号", p.old.clone(), p.new.clone())
                    }
                    GroupField::Title(p) => Line::reworded(
                        &new.code,
                        "名称",
                        &Some(p.old.clone()),
                        &Some(p.new.clone()),
                    ),
                    GroupField::Category(_) => Line::changed(
                        &subject,
                        "所属类别",
                        quoted(category_name(old_list, &old.category)),
                        quoted(category_name(new_list, &new.category)),
                    ),
                    GroupField::Cap(p) => {
                        Line::changed(&subject, "分值上限", cap(p.old), cap(p.new))
                    }
                })
                .collect()
        }
    }
}

fn veto_lines(
    change: &Change<crate::domain::checklist::Veto, VetoField>,
    old_list: &Checklist,
    new_list: &Checklist,
) -> Vec<Line> {
    let trigger = |list: &Checklist, v: &crate::domain::checklist::Veto| match v.input() {
        Some(key) => format!("填报项“{}”为“是”时否决", input_name(list, key)),
        None => match &v.trigger {
            crate::domain::checklist::VetoTrigger::When(c) => {
                format!("条件 {} 成立时否决", readable(&c.source, list))
            }
            crate::domain::checklist::VetoTrigger::Input(_) => String::new(),
        },
    };
    match change {
        Change::Added(v) => vec![Line::added(v.reason.clone(), trigger(new_list, v))],
        Change::Removed(v) => vec![Line::removed(v.reason.clone(), trigger(old_list, v))],
        Change::Changed { old, new, fields } => fields
            .iter()
            .map(|f| match f {
                VetoField::Trigger(_) => Line::changed(
                    &new.reason,
                    "触发条件",
                    trigger(old_list, old),
                    trigger(new_list, new),
                ),
                VetoField::Reason(p) => Line::reworded(
                    "一票否决",
                    "事由",
                    &Some(p.old.clone()),
                    &Some(p.new.clone()),
                ),
            })
            .collect(),
    }
}

fn tier_lines(
    change: &Change<crate::domain::checklist::Tier, TierField>,
    old_list: &Checklist,
    new_list: &Checklist,
) -> Vec<Line> {
    let subject = |name: &str| format!("等级“{name}”");
    match change {
        Change::Added(t) => vec![Line::added(
            subject(&t.name),
            format!("最低总分 {}", points(t.min_total)),
        )],
        Change::Removed(t) => vec![Line::removed(
            subject(&t.name),
            format!("最低总分 {}", points(t.min_total)),
        )],
        Change::Changed { new, fields, .. } => {
            let s = subject(&new.name);
            fields
                .iter()
                .map(|f| match f {
                    TierField::Code(p) => Line::changed(&s, "代码", p.old.clone(), p.new.clone()),
                    TierField::Name(p) => Line::changed(&s, "名称", quoted(&p.old), quoted(&p.new)),
                    TierField::MinTotal(p) => {
                        Line::changed(&s, "最低总分", points(p.old), points(p.new))
                    }
                    TierField::RequiredItems { added, removed } => {
                        required_line(&s, added, removed, old_list, new_list)
                    }
                    TierField::CategoryFloor(p) => {
                        Line::changed(&s, "各类别最低得分率", floor(p.old), floor(p.new))
                    }
                    TierField::MinInput { key, old, new } => {
                        let name = input_name(new_list, key);
                        let name = if new_list.input(key).is_some() {
                            name
                        } else {
                            input_name(old_list, key)
                        };
                        let unit = new_list
                            .input(key)
                            .or_else(|| old_list.input(key))
                            .and_then(|i| i.unit.clone());
                        Line::changed(
                            &s,
                            &format!("对“{name}”的要求"),
                            min_input(old.as_ref(), unit.as_deref()),
                            min_input(new.as_ref(), unit.as_deref()),
                        )
                    }
                    TierField::Requires(p) => Line::changed(
                        &s,
                        "附加条件",
                        p.old
                            .as_deref()
                            .map_or("无".into(), |c| readable(c, old_list)),
                        p.new
                            .as_deref()
                            .map_or("无".into(), |c| readable(c, new_list)),
                    ),
                })
                .collect()
        }
    }
}

/// "要求满分的条目 增加 A4（配备专职档案员）；不再要求 …".
fn required_line(
    subject: &str,
    added: &[String],
    removed: &[String],
    old_list: &Checklist,
    new_list: &Checklist,
) -> Line {
    let named = |list: &Checklist, codes: &[String]| {
        codes
            .iter()
            .map(|c| match list.item(c) {
                Some(i) => format!("{c}（{}）", i.title),
                None => c.clone(),
            })
            .collect::<Vec<_>>()
            .join("、")
    };
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("增加 {}", named(new_list, added)));
    }
    if !removed.is_empty() {
        parts.push(format!("不再要求 {}", named(old_list, removed)));
    }
    Line {
        text: format!("{subject} 须得满分的条目：{}", parts.join("；")),
        subject: subject.into(),
        what: "须得满分的条目".into(),
        old: plain(if removed.is_empty() {
            String::new()
        } else {
            format!("不再要求 {}", named(old_list, removed))
        }),
        new: plain(if added.is_empty() {
            String::new()
        } else {
            format!("增加 {}", named(new_list, added))
        }),
        note: String::new(),
    }
}

fn grade_lines(
    change: &Change<crate::domain::checklist::Grade, GradeField>,
    old_list: &Checklist,
    new_list: &Checklist,
) -> Vec<Line> {
    let subject = |name: &str| format!("结论“{name}”");
    match change {
        Change::Added(g) => vec![Line::added(
            subject(&g.name),
            format!("最低总分 {}", points(g.min_total)),
        )],
        Change::Removed(g) => vec![Line::removed(
            subject(&g.name),
            format!("最低总分 {}", points(g.min_total)),
        )],
        Change::Changed { new, fields, .. } => fields
            .iter()
            .map(|f| match f {
                GradeField::MinTotal(p) => Line::changed(
                    &subject(&new.name),
                    "最低总分",
                    points(p.old),
                    points(p.new),
                ),
                GradeField::Requires(p) => Line::changed(
                    &subject(&new.name),
                    "附加条件",
                    p.old
                        .as_deref()
                        .map_or("无".into(), |c| readable(c, old_list)),
                    p.new
                        .as_deref()
                        .map_or("无".into(), |c| readable(c, new_list)),
                ),
            })
            .collect(),
    }
}

const NUMERALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/// The plain text for the terminal: a heading, the summary, then each
/// section with one line per change.
pub fn diff_text(diff: &ChecklistDiff, old: &Checklist, new: &Checklist) -> String {
    let mut out = format!(
        "考核细则变更：{} → {}\n原版本：{}\n新版本：{}\n",
        old.reference(),
        new.reference(),
        old.title,
        new.title
    );
    if diff.is_empty() {
        out.push_str("两个版本内容相同，没有变更。\n");
        return out;
    }
    let sections = sections(diff, old, new);
    let counts = item_counts(diff);
    out.push_str(&format!(
        "考核条目：新增 {} 条，删除 {} 条，修改 {} 条（其中编号或类别变动 {}、内容改写 {}、分值调整 {}、计分规则调整 {}）\n",
        sections[4].added,
        sections[4].removed,
        sections[4].changed,
        counts.renumbered,
        counts.reworded,
        counts.reweighted,
        counts.reruled
    ));
    for (n, section) in sections.iter().enumerate() {
        out.push_str(&format!("\n{}、{}\n", NUMERALS[n], section.title));
        if section.lines.is_empty() {
            out.push_str("  无变更\n");
        }
        for line in &section.lines {
            out.push_str("  ");
            out.push_str(&line.text);
            out.push('\n');
        }
    }
    out
}

#[derive(Serialize)]
struct View<'a> {
    title: String,
    old_reference: String,
    new_reference: String,
    old_title: &'a str,
    new_title: &'a str,
    same: bool,
    sections: Vec<NumberedSection>,
    items: ItemCounts,
}

#[derive(Serialize)]
struct NumberedSection {
    number: &'static str,
    #[serde(flatten)]
    section: Section,
}

fn view<'a>(diff: &ChecklistDiff, old: &'a Checklist, new: &'a Checklist) -> View<'a> {
    View {
        title: format!(
            "考核细则变更对照：{} → {}",
            old.reference(),
            new.reference()
        ),
        old_reference: old.reference(),
        new_reference: new.reference(),
        old_title: &old.title,
        new_title: &new.title,
        same: diff.is_empty(),
        sections: sections(diff, old, new)
            .into_iter()
            .enumerate()
            .map(|(n, section)| NumberedSection {
                number: NUMERALS[n],
                section,
            })
            .collect(),
        items: item_counts(diff),
    }
}

/// A complete printable A4 document (审定会 材料).
pub fn diff_document(
    html: &Html,
    diff: &ChecklistDiff,
    old: &Checklist,
    new: &Checklist,
) -> Result<String, ReportError> {
    html.render("checklist-diff", &view(diff, old, new))
}

/// The same body without `<html>`/`<head>`, for the admin page (styled by
/// `app.css`).
pub fn diff_fragment(
    html: &Html,
    diff: &ChecklistDiff,
    old: &Checklist,
    new: &Checklist,
) -> Result<String, ReportError> {
    html.render("partials/checklist-diff", &view(diff, old, new))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checklist::diff::diff;
    use crate::domain::checklist::tests::{parse, sample, sample_toml};

    /// The text's change lines (indented) after an edit of the sample.
    fn lines_after(edit: impl Fn(&str) -> String) -> Vec<String> {
        let (old, new) = (sample(), parse(&edit(sample_toml())).expect("valid"));
        diff_text(&diff(&old, &new), &old, &new)
            .lines()
            .filter_map(|l| l.strip_prefix("  "))
            .filter(|l| *l != "无变更")
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn one_line_per_change_as_a_reviewer_writes_it() {
        type Case = (fn(&str) -> String, &'static [&'static str]);
        let cases: [Case; 4] = [
            (
                |t| {
                    t.replace("max = 4\nrule = \"bands\"", "max = 5\nrule = \"bands\"")
                        .replace("total = 20", "total = 21")
                },
                &[
                    "考核细则 满分 20 → 21",
                    "B 设施 满分 12 → 13",
                    "B1 分值 4 → 5",
                ],
            ),
            (
                // A2 becomes B4, wording unchanged: moved, not removed and added.
                |t| {
                    t.replace(
                        "code = \"A2\"\ncategory = \"A\"",
                        "code = \"B4\"\ncategory = \"B\"",
                    )
                },
                &[
                    "A 组织 满分 8 → 6",
                    "B 设施 满分 12 → 14",
                    "A2 改为 B4（内容未变，从“组织”移到“设施”）",
                ],
            ),
            (
                |t| t.replace("min_total = 18", "min_total = 19"),
                &["等级“省级示范档案室” 最低总分 18 → 19"],
            ),
            (
                |t| t.replace("title = \"设备\"", "title = \"温湿度设备\""),
                &["B2 考核内容改为 “温湿度设备”（原为 “设备”）"],
            ),
        ];
        for (edit, expected) in cases {
            assert_eq!(lines_after(edit), expected);
        }
    }

    #[test]
    fn a_reworded_text_is_struck_and_highlighted_in_the_document() {
        let old = sample();
        let new = parse(&sample_toml().replace("title = \"设备\"", "title = \"温湿度设备\""))
            .expect("valid");
        let html = Html::new(None).expect("templates");
        let page = diff_fragment(&html, &diff(&old, &new), &old, &new).expect("renders");
        assert!(
            page.contains("<td class=\"text\">设备</td>"),
            "old text kept"
        );
        assert!(page.contains("<ins>温湿度</ins>设备"), "{page}");
    }
}
