//! The self-check workbook (自查表) → a [`SelfCheck`]: unit facts from
//! 基本情况, inputs from 人财物投入, self-scores from 自查评分 — and, for a
//! second-edition checklist, levels, deduction counts from the rows `C2.1`,
//! `C2.2` … under a `deduct` item, and the inspector's 检查分 for items
//! assessed by the inspection team (the unit's own 自评分 of those is not
//! scored). Rows whose 条目编号 is a group or category code are headings.
//!
//! Sheets are found by name, header rows by their names wherever they stand,
//! rows by code or label — never by position — and every problem in the
//! file is reported with its sheet and cell, not only the first.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::domain::checklist::Input;
use crate::domain::text::fold_label;
use crate::domain::{Answers, Checklist};

use super::checklists::Catalog;
use super::values::{self, text_of};

mod scores;
use super::workbook::{self, CellValue, Limits, Sheet, cell_ref};

pub const SHEET_BASIC: &str = "基本情况";
pub const SHEET_INPUTS: &str = "人财物投入";
pub const SHEET_SCORES: &str = "自查评分";

/// One problem in a workbook: where, and what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The sheet, or `None` when the file itself is at fault.
    pub sheet: Option<String>,
    /// `自查评分!D7`, or `None` for a missing sheet, header or row.
    pub cell: Option<String>,
    pub message: String,
}

/// Problems listed per file at most; the rest are counted in one last
/// problem. A clerk fixes a workbook from the first screenful; a crafted
/// file (one ODS row repeated 30,000 times) would otherwise answer with
/// megabytes of the same message.
pub const MAX_PROBLEMS: usize = 100;

/// The first [`MAX_PROBLEMS`] problems, then "还有 M 个问题".
pub fn capped(mut problems: Vec<Problem>) -> Vec<Problem> {
    if problems.len() > MAX_PROBLEMS {
        let more = problems.len() - MAX_PROBLEMS;
        problems.truncate(MAX_PROBLEMS);
        problems.push(Problem {
            sheet: None,
            cell: None,
            message: format!("还有 {more} 个问题未列出；请先改正以上问题后重新上传"),
        });
    }
    problems
}

impl Problem {
    /// The problem a workbook reader error is: placed on its cell where it
    /// is about one cell, else on the file.
    pub fn from_workbook_error(e: &workbook::WorkbookError) -> Problem {
        match e.location() {
            Some((sheet, cell, message)) => Problem {
                sheet: Some(sheet),
                cell: Some(cell),
                message,
            },
            None => Problem {
                sheet: None,
                cell: None,
                message: e.to_string(),
            },
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.cell, &self.sheet) {
            (Some(cell), _) => write!(f, "{cell}：{}", self.message),
            (None, Some(sheet)) => write!(f, "{sheet}：{}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

/// The unit as 基本情况 describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnitInfo {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub street: Option<String>,
}

/// A read, checked self-check workbook.
#[derive(Clone, Debug, PartialEq)]
pub struct SelfCheck {
    pub unit: UnitInfo,
    pub year: i32,
    pub checklist: Arc<Checklist>,
    /// The code of the tier applied for (申报等级), if any.
    pub target_tier: Option<String>,
    pub filled_by: Option<String>,
    pub phone: Option<String>,
    pub filled_on: Option<String>,
    pub answers: Answers,
    /// 情况说明 per item code, where the unit wrote one.
    pub remarks: BTreeMap<String, String>,
}

/// Words that mean "no tier applied for" in 申报等级.
const NO_TARGET: &[&str] = &["不申报", "无", "/", "-", "—", "暂不申报"];

/// Reads and checks a self-check workbook against the catalog.
pub fn read_self_check(
    bytes: &[u8],
    catalog: &Catalog,
    limits: &Limits,
) -> Result<SelfCheck, Vec<Problem>> {
    let wanted = |name: &str| {
        let folded = fold_label(name);
        [SHEET_BASIC, SHEET_INPUTS, SHEET_SCORES].contains(&folded.as_str())
    };
    let read = |merges: &dyn Fn(&str) -> bool| {
        workbook::read_workbook_with_merges(bytes, &wanted, merges, limits)
            .map_err(|e| vec![Problem::from_workbook_error(&e)])
    };
    // Merged cells matter only where a 基本情况 label has nothing to its
    // right; in xlsx they cost a second pass, so they are read only then.
    let mut book = read(&|_| false)?;
    if label_beside_a_gap(&book) {
        book = read(&|name: &str| fold_label(name) == SHEET_BASIC)?;
    }

    let mut reader = Reader::default();
    let sheet = |name: &str| book.sheets.iter().find(|s| fold_label(&s.name) == name);
    let basic = sheet(SHEET_BASIC);
    let inputs = sheet(SHEET_INPUTS);
    let scores = sheet(SHEET_SCORES);
    for (name, found) in [
        (SHEET_BASIC, basic.is_some()),
        (SHEET_INPUTS, inputs.is_some()),
        (SHEET_SCORES, scores.is_some()),
    ] {
        if !found {
            reader.at(name, None, format!("缺少工作表“{name}”"));
        }
    }

    // The checklist is known as soon as 考核细则 is, so the other sheets are
    // checked even when other fields of 基本情况 are missing.
    let (basic, checklist) = match basic {
        Some(sheet) => reader.basic(sheet, catalog),
        None => (None, None),
    };
    // Headers are looked for whether or not the checklist is known, so a
    // file with an unknown 考核细则 still hears about every structural
    // problem; the rows themselves can only be checked against a checklist.
    let mut answers = Answers::default();
    let mut remarks = BTreeMap::new();
    if let Some(sheet) = inputs {
        reader.inputs(sheet, checklist.as_deref(), &mut answers);
    }
    if let Some(sheet) = scores {
        reader.scores(sheet, checklist.as_deref(), &mut answers, &mut remarks);
    }

    match (basic, checklist) {
        (Some(basic), Some(checklist)) if reader.problems.is_empty() => Ok(SelfCheck {
            unit: UnitInfo {
                code: basic.code,
                name: basic.name,
                kind: basic.kind,
                street: basic.street,
            },
            year: basic.year,
            checklist,
            target_tier: basic.target_tier,
            filled_by: basic.filled_by,
            phone: basic.phone,
            filled_on: basic.filled_on,
            answers,
            remarks,
        }),
        _ => {
            if reader.problems.is_empty() {
                // Defensive: a failure must never come back without a reason.
                reader.at(SHEET_BASIC, None, "无法读取基本情况".to_string());
            }
            Err(capped(reader.problems))
        }
    }
}

#[derive(Default)]
struct Reader {
    problems: Vec<Problem>,
}

/// What 基本情况 says, as far as it could be read.
struct Basic {
    name: String,
    code: String,
    kind: String,
    street: Option<String>,
    year: i32,
    target_tier: Option<String>,
    filled_by: Option<String>,
    phone: Option<String>,
    filled_on: Option<String>,
}

const REQUIRED_LABELS: [&str; 5] = ["单位名称", "单位代码", "单位类型", "年度", "考核细则"];
const OPTIONAL_LABELS: [&str; 5] = ["所属街道", "申报等级", "填报人", "联系电话", "填报日期"];

/// A header row: its row number and the column of each wanted name.
struct Header {
    row: u32,
    columns: BTreeMap<&'static str, u32>,
}

impl Header {
    fn col(&self, name: &str) -> Option<u32> {
        self.columns.get(name).copied()
    }
}

/// The first row holding every `required` name; `optional` names are looked
/// up in the same row.
fn find_header(
    sheet: &Sheet,
    required: &[&'static str],
    optional: &[&'static str],
) -> Option<Header> {
    for (row, cells) in sheet.rows() {
        let mut columns = BTreeMap::new();
        for (col, cell) in cells {
            if let CellValue::Text(text) = cell {
                let folded = fold_label(text);
                if let Some(name) = required.iter().chain(optional).find(|n| **n == folded) {
                    columns.entry(*name).or_insert(*col);
                }
            }
        }
        if required.iter().all(|n| columns.contains_key(n)) {
            return Some(Header { row, columns });
        }
    }
    None
}

impl Reader {
    fn at(&mut self, sheet: &str, cell: Option<(u32, u32)>, message: String) {
        self.problems.push(Problem {
            sheet: Some(sheet.to_string()),
            cell: cell.map(|(r, c)| format!("{sheet}!{}", cell_ref(r, c))),
            message,
        });
    }

    fn basic(
        &mut self,
        sheet: &Sheet,
        catalog: &Catalog,
    ) -> (Option<Basic>, Option<Arc<Checklist>>) {
        let found = labelled_cells(sheet);
        let name = SHEET_BASIC;
        let value =
            |reader: &mut Reader, label: &str, required: bool| -> Option<(String, (u32, u32))> {
                match found.get(label) {
                    None if required => {
                        reader.at(name, None, format!("缺少“{label}”一栏"));
                        None
                    }
                    None => None,
                    Some(&at) => match sheet.get(at.0, at.1) {
                        Some(CellValue::Error(e)) => {
                            reader.at(name, Some(at), format!("“{label}”是错误值 {e}"));
                            None
                        }
                        cell => match text_of(cell) {
                            Some(text) => Some((text, at)),
                            None if required => {
                                reader.at(name, Some(at), format!("“{label}”未填写"));
                                None
                            }
                            None => None,
                        },
                    },
                }
            };

        let unit_name = value(self, "单位名称", true);
        let unit_code = value(self, "单位代码", true);
        let unit_kind = value(self, "单位类型", true);
        let year_cell = value(self, "年度", true);
        let checklist_cell = value(self, "考核细则", true);
        let street = value(self, "所属街道", false).map(|(t, _)| t);
        let target = value(self, "申报等级", false);
        let filled_by = value(self, "填报人", false).map(|(t, _)| t);
        let phone = value(self, "联系电话", false).map(|(t, _)| t);
        let filled_on = found
            .get("填报日期")
            .and_then(|&(r, c)| match sheet.get(r, c) {
                Some(CellValue::DateTime(dt)) => Some(dt.format("%Y-%m-%d").to_string()),
                cell => text_of(cell),
            });

        let year = year_cell.and_then(|(text, at)| match parse_year(&text) {
            Some(y) => Some(y),
            None => {
                self.at(
                    name,
                    Some(at),
                    format!("年度应为四位年份，如 2012，实际为“{text}”"),
                );
                None
            }
        });

        let checklist = checklist_cell.and_then(|(text, at)| {
            let reference = fold_label(&text).to_lowercase();
            match catalog.get(&reference) {
                Some(c) => Some(c.clone()),
                None => {
                    self.at(
                        name,
                        Some(at),
                        format!(
                            "未知的考核细则“{text}”；可用的有：{}",
                            catalog.references().join("、")
                        ),
                    );
                    None
                }
            }
        });

        let kind = unit_kind.map(|(text, at)| {
            let kind = fold_label(&text);
            if let Some(c) = &checklist
                && !c.applies_to(&kind)
            {
                self.at(
                    name,
                    Some(at),
                    format!(
                        "考核细则 {} 不适用于单位类型“{kind}”（适用于：{}）",
                        c.reference(),
                        c.unit_kinds.join("、")
                    ),
                );
            }
            kind
        });

        let target_tier = match (&checklist, target) {
            (Some(c), Some((text, at))) => {
                if NO_TARGET.contains(&fold_label(&text).as_str()) {
                    None
                } else if let Some(tier) = c.find_tier(&text) {
                    Some(tier.code.clone())
                } else {
                    let names: Vec<&str> = c.tiers.iter().map(|t| t.name.as_str()).collect();
                    self.at(
                        name,
                        Some(at),
                        format!(
                            "申报等级“{text}”不是本细则的等级；可填：{}，或“不申报”",
                            names.join("、")
                        ),
                    );
                    None
                }
            }
            _ => None,
        };

        let basic = (|| {
            Some(Basic {
                name: unit_name?.0,
                code: unit_code?.0,
                kind: kind?,
                street,
                year: year?,
                target_tier,
                filled_by,
                phone,
                filled_on,
            })
        })();
        (basic, checklist)
    }

    /// Finds the header of 人财物投入 and, when the checklist is known, reads
    /// and checks its rows.
    fn inputs(&mut self, sheet: &Sheet, checklist: Option<&Checklist>, answers: &mut Answers) {
        let name = SHEET_INPUTS;
        let Some(header) = find_header(sheet, &["项目", "填报值"], &["代码"]) else {
            self.at(
                name,
                None,
                "找不到表头：需要一行同时含“项目”和“填报值”".into(),
            );
            return;
        };
        let (Some(checklist), Some(label_col), Some(value_col)) =
            (checklist, header.col("项目"), header.col("填报值"))
        else {
            return;
        };
        let code_col = header.col("代码");

        let by_label: BTreeMap<String, &Input> = checklist
            .inputs
            .iter()
            .map(|i| (fold_label(&i.label), i))
            .collect();
        // Where each input was answered, to name the first place on a duplicate.
        let mut seen: BTreeMap<&str, (u32, u32)> = BTreeMap::new();

        for (row, _) in sheet.rows().filter(|(r, _)| *r > header.row) {
            let code = code_col.and_then(|c| text_of(sheet.get(row, c)).map(|t| (t, c)));
            let input = match &code {
                Some((code, _)) => {
                    let key = fold_label(code).to_lowercase();
                    // A 代码 that is no input key is not one of ours (a
                    // local addition, a note): the row is ignored, as a
                    // label that matches no input is. The contract has no
                    // "unknown input" problem.
                    match checklist.input(&key) {
                        Some(input) => input,
                        None => continue,
                    }
                }
                None => {
                    let Some(label) = text_of(sheet.get(row, label_col)) else {
                        continue;
                    };
                    // Rows that match no input are headings or notes: skip them.
                    match find_by_label(&by_label, &label) {
                        Some(input) => input,
                        None => continue,
                    }
                }
            };
            let key_cell = code.as_ref().map_or((row, label_col), |(_, c)| (row, *c));
            if let Some(first) = seen.get(input.key.as_str()) {
                self.at(
                    name,
                    Some(key_cell),
                    format!("“{}”重复填报（已在 {} 行填报）", input.label, first.0 + 1),
                );
                continue;
            }
            seen.insert(&input.key, key_cell);
            let at = (row, value_col);
            match sheet.get(row, value_col) {
                None => self.at(name, Some(at), format!("“{}”未填写", input.label)),
                Some(CellValue::Text(t)) if t.trim().is_empty() => {
                    self.at(name, Some(at), format!("“{}”未填写", input.label))
                }
                Some(cell) => match values::input_value(input, cell) {
                    Ok(v) => {
                        answers.inputs.insert(input.key.clone(), v);
                    }
                    Err(message) => self.at(name, Some(at), format!("“{}”{message}", input.label)),
                },
            }
        }
        for input in &checklist.inputs {
            if !seen.contains_key(input.key.as_str()) {
                self.at(
                    name,
                    None,
                    format!("缺少“{}”（代码“{}”）一行", input.label, input.key),
                );
            }
        }
    }
}

/// Whether a required label on 基本情况 has an empty cell to its right: it
/// may be a merged label whose value stands further right. (Optional labels
/// with nothing beside them are normal and do not cost a second pass.)
fn label_beside_a_gap(book: &workbook::Workbook) -> bool {
    let Some(sheet) = book
        .sheets
        .iter()
        .find(|s| fold_label(&s.name) == SHEET_BASIC)
    else {
        return false;
    };
    sheet.rows().any(|(row, cells)| {
        cells.iter().any(|(col, cell)| {
            matches!(cell, CellValue::Text(t) if {
                let folded = fold_label(t);
                REQUIRED_LABELS.contains(&folded.as_str())
            }) && sheet.get(row, col + 1).is_none()
        })
    })
}

/// The value column of a label: the next column, or past a merged label cell.
/// Label of 基本情况 → the cell to its right. The first occurrence counts.
fn labelled_cells(sheet: &Sheet) -> BTreeMap<&'static str, (u32, u32)> {
    let mut found: BTreeMap<&'static str, (u32, u32)> = BTreeMap::new();
    for (row, cells) in sheet.rows() {
        for (col, cell) in cells {
            if let CellValue::Text(text) = cell {
                let folded = fold_label(text);
                if let Some(label) = REQUIRED_LABELS
                    .iter()
                    .chain(OPTIONAL_LABELS.iter())
                    .find(|l| **l == folded)
                {
                    found
                        .entry(*label)
                        .or_insert((row, value_col(sheet, row, *col)));
                }
            }
        }
    }
    found
}

/// What a workbook's 基本情况 says it is, read on its own: which checklist
/// version it was made from, for which year and kind of unit. Read when a
/// workbook has problems, so that one filled against the wrong version
/// (last year's template) is told so in one message rather than in the
/// dozens of cell errors the other version's sheets give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    pub year: Option<i32>,
    pub unit_kind: Option<String>,
    /// `id@version` as written, folded and in lower case.
    pub checklist: String,
}

pub fn named_version(bytes: &[u8], limits: &Limits) -> Option<Named> {
    let wanted = |name: &str| fold_label(name) == SHEET_BASIC;
    let book = workbook::read_workbook(bytes, &wanted, limits).ok()?;
    let sheet = book
        .sheets
        .iter()
        .find(|s| fold_label(&s.name) == SHEET_BASIC)?;
    let found = labelled_cells(sheet);
    let text = |label: &str| {
        found
            .get(label)
            .and_then(|&(r, c)| text_of(sheet.get(r, c)))
            .map(|t| fold_label(&t))
    };
    Some(Named {
        year: text("年度").as_deref().and_then(parse_year),
        unit_kind: text("单位类型"),
        checklist: text("考核细则")?.to_lowercase(),
    })
}

fn value_col(sheet: &Sheet, row: u32, col: u32) -> u32 {
    sheet
        .merged()
        .iter()
        .find(|m| m.first_row <= row && row <= m.last_row && m.first_col == col)
        .map_or(col + 1, |m| m.last_col + 1)
}

/// Label lookup: exact after folding, else without a trailing unit in
/// brackets ("档案室面积(平方米)" → "档案室面积").
fn find_by_label<'a>(by_label: &BTreeMap<String, &'a Input>, label: &str) -> Option<&'a Input> {
    let folded = fold_label(label);
    if let Some(input) = by_label.get(&folded) {
        return Some(input);
    }
    let stripped = folded
        .strip_suffix(')')
        .and_then(|s| s.rfind('(').map(|i| &s[..i]))?;
    by_label.get(stripped).copied()
}

fn parse_year(text: &str) -> Option<i32> {
    let folded = fold_label(text);
    let digits = folded.strip_suffix('年').unwrap_or(&folded);
    let year: i32 = digits.parse().ok()?;
    (1949..=2100).contains(&year).then_some(year)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_in_the_forms_clerks_write() {
        assert_eq!(parse_year("2012"), Some(2012));
        assert_eq!(parse_year("２０１２年"), Some(2012));
        assert_eq!(parse_year(" 2012 "), Some(2012));
        assert_eq!(parse_year("12"), None);
        assert_eq!(parse_year("去年"), None);
    }

    #[test]
    fn problem_display_names_the_place() {
        let p = Problem {
            sheet: Some("自查评分".into()),
            cell: Some("自查评分!D7".into()),
            message: "自评分应为 0–4 之间 0.5 的倍数，实际为“良好”".into(),
        };
        assert_eq!(
            p.to_string(),
            "自查评分!D7：自评分应为 0–4 之间 0.5 的倍数，实际为“良好”"
        );
    }

    #[test]
    fn problems_are_capped_with_a_count_of_the_rest() {
        let many: Vec<Problem> = (0..MAX_PROBLEMS + 29_899)
            .map(|i| Problem {
                sheet: Some("自查评分".into()),
                cell: Some(format!("自查评分!D{}", i + 2)),
                message: "m".into(),
            })
            .collect();
        let capped = capped(many);
        assert_eq!(capped.len(), MAX_PROBLEMS + 1);
        assert_eq!(
            capped[MAX_PROBLEMS - 1].cell.as_deref(),
            Some("自查评分!D101")
        );
        assert_eq!(
            capped[MAX_PROBLEMS].message,
            "还有 29899 个问题未列出；请先改正以上问题后重新上传"
        );
        let few = vec![Problem {
            sheet: None,
            cell: None,
            message: "x".into(),
        }];
        assert_eq!(super::capped(few.clone()), few);
    }
}
