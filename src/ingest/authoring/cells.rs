//! Cells of the authoring workbook: tables found by their header row,
//! values read with a problem at their cell when they cannot be, and the
//! map from the checklist's key paths (`items[B1].max`) to the cells their
//! values came from, so that validation speaks of cells too.

use std::collections::BTreeMap;

use crate::domain::authoring::{SheetSpec, number_of_f64, parse_number, parse_yes_no};
use crate::domain::checklist::RawNumber;
use crate::domain::number::Decimal;
use crate::domain::text::fold_label;

use super::super::values::{shown, text_of};
use super::super::workbook::{CellValue, Sheet, cell_ref};
use super::AuthoringProblem;

/// Key suffix under which a detail row's points cell is kept, beside its
/// text cell (a level's name and its points share one key path).
pub(super) const POINTS: &str = "#分值";

#[derive(Default)]
pub(super) struct Reader {
    pub problems: Vec<AuthoringProblem>,
    /// Key path → (sheet, A1 reference).
    cells: BTreeMap<String, (String, String)>,
    /// Key paths (and everything under them) whose values the reader could
    /// not take: validation's complaints about them would only repeat it.
    tainted: Vec<String>,
    /// A sheet or a column is missing: what was read is too partial for
    /// validation to say anything useful about it.
    pub structural: bool,
}

/// A table sheet: its header row and the column of each header found.
pub(super) struct Table<'a> {
    pub sheet: &'a Sheet,
    pub name: &'static str,
    columns: BTreeMap<&'static str, u32>,
    pub header_row: u32,
}

impl Reader {
    pub fn problem(&mut self, sheet: &str, cell: Option<String>, message: String) {
        self.problems.push(AuthoringProblem {
            sheet: sheet.to_string(),
            cell: cell.unwrap_or_default(),
            message,
        });
    }

    pub fn remember(&mut self, key: impl Into<String>, sheet: &str, cell: String) {
        self.cells.insert(key.into(), (sheet.to_string(), cell));
    }

    pub fn taint(&mut self, key: impl Into<String>) {
        self.tainted.push(key.into());
    }

    /// A problem validation found at `key`, placed on its cell: the key's
    /// own, else that of the nearest enclosing key; a message about points
    /// goes to a detail row's points cell.
    pub fn validation_problem(&mut self, key: &str, message: String) {
        let under = |k: &str, p: &str| {
            k == p || (k.starts_with(p) && matches!(k.as_bytes().get(p.len()), Some(b'.' | b'[')))
        };
        if self.tainted.iter().any(|t| under(key, t)) {
            return;
        }
        let mut at = key.to_string();
        let found = loop {
            if message.contains("分值")
                && let Some(found) = self.cells.get(&format!("{at}{POINTS}"))
            {
                break Some(found.clone());
            }
            if let Some(found) = self.cells.get(&at) {
                break Some(found.clone());
            }
            match at.rfind(['.', '[']) {
                Some(cut) => at.truncate(cut),
                None => break None,
            }
        };
        let (sheet, cell) = found.unwrap_or_else(|| (root_sheet(key).to_string(), String::new()));
        self.problems.push(AuthoringProblem {
            sheet,
            cell,
            message,
        });
    }

    /// Finds the header row of `spec`'s sheet (the first row holding every
    /// required header); a missing column is a problem.
    pub fn table<'a>(&mut self, sheet: &'a Sheet, spec: &SheetSpec) -> Option<Table<'a>> {
        let required: Vec<&str> = spec
            .columns
            .iter()
            .filter(|c| c.required)
            .map(|c| c.header)
            .collect();
        let mut best: Option<(u32, BTreeMap<&'static str, u32>)> = None;
        for (row, cells) in sheet.rows() {
            let mut columns = BTreeMap::new();
            for (col, cell) in cells {
                if let CellValue::Text(text) = cell {
                    let folded = fold_label(text);
                    if let Some(c) = spec.columns.iter().find(|c| fold_label(c.header) == folded) {
                        columns.entry(c.header).or_insert(*col);
                    }
                }
            }
            if required.iter().all(|h| columns.contains_key(h)) {
                return Some(Table {
                    sheet,
                    name: spec.name,
                    columns,
                    header_row: row,
                });
            }
            if best.as_ref().is_none_or(|(_, b)| columns.len() > b.len()) {
                best = Some((row, columns));
            }
        }
        let found = best.map(|(_, c)| c).unwrap_or_default();
        let missing: Vec<&str> = required
            .into_iter()
            .filter(|h| !found.contains_key(h))
            .collect();
        self.problem(
            spec.name,
            None,
            format!("找不到栏目行：缺少栏目“{}”", missing.join("”“")),
        );
        self.structural = true;
        None
    }
}

/// A fraction shown as a percentage, as the number shown (0.3 → 30),
/// computed exactly.
fn percent(fraction: f64) -> Option<RawNumber> {
    let shown = Decimal::from_f64(fraction)?.checked_mul_int(100)?;
    Some(match shown.as_i64() {
        Some(whole) if shown.is_integer() => RawNumber::Int(whole),
        _ => RawNumber::Float(shown.to_f64()),
    })
}

/// The sheet a key path's values come from.
fn root_sheet(key: &str) -> &'static str {
    use crate::domain::authoring::*;
    let root = key.split(['.', '[']).next().unwrap_or_default();
    match root {
        "inputs" => SHEET_INPUTS,
        "categories" => SHEET_CATEGORIES,
        "groups" => SHEET_GROUPS,
        "items" => SHEET_ITEMS,
        "vetoes" => SHEET_VETOES,
        "tiers" => SHEET_TIERS,
        "grades" => SHEET_GRADES,
        _ => SHEET_BASICS,
    }
}

impl<'a> Table<'a> {
    /// Data rows below the header that hold something in a known column.
    pub fn rows(&self) -> Vec<u32> {
        let known: Vec<u32> = self.columns.values().copied().collect();
        self.sheet
            .rows()
            .filter(|(row, cells)| {
                *row > self.header_row
                    && cells
                        .iter()
                        .any(|(col, cell)| known.contains(col) && text_of(Some(cell)).is_some())
            })
            .map(|(row, _)| row)
            .collect()
    }

    /// The A1 reference of a column in a row ("细则!F12"); a column the
    /// sheet lacks points at its header row's end.
    pub fn at(&self, row: u32, header: &str) -> String {
        let col = self.columns.get(header).copied().unwrap_or(0);
        format!("{}!{}", self.name, cell_ref(row, col))
    }

    fn cell(&self, row: u32, header: &str) -> Option<&'a CellValue> {
        let col = *self.columns.get(header)?;
        self.sheet.get(row, col)
    }

    /// Text of a cell; numbers as written ("2014"), empty as `None`.
    pub fn text(&self, r: &mut Reader, row: u32, header: &str) -> Option<String> {
        match self.cell(row, header) {
            Some(CellValue::Error(e)) => {
                let at = self.at(row, header);
                r.problem(self.name, Some(at), format!("单元格是错误值 {e}"));
                None
            }
            cell => text_of(cell),
        }
    }

    /// Text that must be there; an empty cell is a problem, reported as
    /// “<header>未填写”.
    pub fn required(&self, r: &mut Reader, row: u32, header: &str) -> String {
        self.text(r, row, header).unwrap_or_else(|| {
            let at = self.at(row, header);
            r.problem(self.name, Some(at), format!("“{header}”未填写"));
            String::new()
        })
    }

    /// A number, from a number cell or text that reads as one.
    pub fn number(&self, r: &mut Reader, row: u32, header: &str) -> Result<Option<RawNumber>, ()> {
        number_in(self.cell(row, header)).map_err(|shown| {
            let at = self.at(row, header);
            r.problem(
                self.name,
                Some(at),
                format!("“{header}”应为数值，实际为“{shown}”"),
            );
        })
    }

    /// 是 / 否; empty is 否.
    pub fn yes_no(&self, r: &mut Reader, row: u32, header: &str) -> Result<bool, ()> {
        yes_no_in(self.cell(row, header)).map_err(|shown| {
            let at = self.at(row, header);
            r.problem(
                self.name,
                Some(at),
                format!("“{header}”应填“是”或“否”，实际为“{shown}”"),
            );
        })
    }
}

/// A cell's number, `None` when empty; the cell as shown when it is not one.
pub(super) fn number_in(cell: Option<&CellValue>) -> Result<Option<RawNumber>, String> {
    let parsed = match cell {
        None => return Ok(None),
        // A cell shown as "30%" means 30, as the author sees it.
        Some(CellValue::Number {
            value,
            percent_format: true,
        }) => percent(*value),
        Some(CellValue::Number { value, .. }) => Some(number_of_f64(*value)),
        Some(CellValue::Text(t)) if t.trim().is_empty() => return Ok(None),
        Some(CellValue::Text(t)) => parse_number(t),
        Some(_) => None,
    };
    parsed
        .map(Some)
        .ok_or_else(|| cell.map(shown).unwrap_or_default())
}

/// A cell's 是 / 否 (empty is 否); the cell as shown when it is neither.
pub(super) fn yes_no_in(cell: Option<&CellValue>) -> Result<bool, String> {
    match cell {
        None => Ok(false),
        Some(CellValue::Bool(b)) => Ok(*b),
        Some(cell) => {
            let text = shown(cell);
            parse_yes_no(&text).ok_or(text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_problems_land_on_the_nearest_remembered_cell() {
        let mut r = Reader::default();
        r.remember("items[A1]", "细则", "细则!A2".into());
        r.remember("items[A1].max", "细则", "细则!F2".into());
        r.remember("items[A3].levels[1]", "扣分与档次", "扣分与档次!C8".into());
        r.remember(
            format!("items[A3].levels[1]{POINTS}"),
            "扣分与档次",
            "扣分与档次!D8".into(),
        );
        r.remember("tiers[best]", "等级", "等级!A3".into());
        r.taint("tiers[good]");
        let cases = [
            (
                "items[A1].max",
                "应为 0.01 的倍数",
                Some(("细则", "细则!F2")),
            ),
            // Not remembered itself: the item's row.
            (
                "items[A1].formula",
                "缺少 formula",
                Some(("细则", "细则!A2")),
            ),
            (
                "items[A3].levels[1]",
                "重复的等级名称“好”",
                Some(("扣分与档次", "扣分与档次!C8")),
            ),
            (
                "items[A3].levels[1]",
                "等级分值 3 超过条目分值 2",
                Some(("扣分与档次", "扣分与档次!D8")),
            ),
            (
                "tiers[best].requires",
                "第 1 个字符：…",
                Some(("等级", "等级!A3")),
            ),
            // Nothing remembered: the sheet the key belongs to, no cell.
            ("grades[0].name", "不能为空", Some(("评定", ""))),
            ("decimals", "应为 1 或 2", Some(("基本信息", ""))),
            // Tainted: the reader already said why.
            ("tiers[good].min_total", "分数线下降", None),
            ("tiers[good]", "…", None),
        ];
        for (key, message, want) in cases {
            let before = r.problems.len();
            r.validation_problem(key, message.to_string());
            let got = r
                .problems
                .get(before)
                .map(|p| (p.sheet.as_str(), p.cell.as_str()));
            assert_eq!(got, want, "{key}: {message}");
        }
        // A key that merely starts like a tainted one is not tainted.
        r.validation_problem("tiers[good2].code", "x".into());
        assert_eq!(r.problems.last().unwrap().sheet, "等级");
    }

    #[test]
    fn a_percentage_cell_is_the_number_shown() {
        let cases = [
            (0.3, Some(RawNumber::Int(30))),
            (0.125, Some(RawNumber::Float(12.5))),
            (1.0, Some(RawNumber::Int(100))),
        ];
        for (fraction, want) in cases {
            assert_eq!(percent(fraction), want, "{fraction}");
        }
    }
}
