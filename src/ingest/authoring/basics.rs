//! 基本信息: the top-level keys, each a label with its value in the cell to
//! its right (wherever the label stands).

use std::collections::BTreeMap;

use crate::domain::authoring::*;
use crate::domain::checklist::{RawChecklist, RawNumber};
use crate::domain::text::fold_label;

use super::super::values::text_of;
use super::super::workbook::{CellValue, Sheet, cell_ref};
use super::cells::{Reader, number_in, yes_no_in};

const NAME: &str = SHEET_BASICS;

pub(super) fn read(r: &mut Reader, sheet: &Sheet, raw: &mut RawChecklist) {
    let b = Basics::find(sheet);
    raw.id = b.text(r, B_ID, "id");
    raw.version = b.text(r, B_VERSION, "version");
    raw.title = b.text(r, B_TITLE, "title");
    raw.unit_kinds = split_list(&b.text(r, B_UNIT_KINDS, "unit_kinds"));
    match b.number(r, B_TOTAL, "total") {
        Ok(Some(n)) => raw.total = n,
        Ok(None) => {
            let at = b.cell(r, B_TOTAL, "total").map(|(_, cell)| cell);
            if at.is_some() {
                r.problem(NAME, at, format!("“{B_TOTAL}”未填写"));
            }
            r.taint("total");
        }
        Err(()) => r.taint("total"),
    }
    raw.bonus_max = b.number(r, B_BONUS_MAX, "bonus_max").unwrap_or(None);
    raw.decimals = b
        .whole(r, B_DECIMALS, "decimals")
        .map(|d| d.min(u32::from(u8::MAX)) as u8);
    raw.rectify_days = b.whole(r, B_RECTIFY_DAYS, "rectify_days");
    if let Some((found, cell)) = b.cell(r, B_CAP_TOTAL, "cap_total") {
        raw.cap_total = yes_no_in(found).unwrap_or_else(|shown| {
            let message = format!("“{B_CAP_TOTAL}”应填“是”或“否”，实际为“{shown}”");
            r.problem(NAME, Some(cell), message);
            false
        });
    }
}

/// Where each label's value stands.
struct Basics<'a> {
    sheet: &'a Sheet,
    at: BTreeMap<&'static str, (u32, u32)>,
}

impl<'a> Basics<'a> {
    fn find(sheet: &'a Sheet) -> Basics<'a> {
        let mut at = BTreeMap::new();
        for (row, cells) in sheet.rows() {
            for (col, cell) in cells {
                let CellValue::Text(text) = cell else {
                    continue;
                };
                let folded = fold_label(text);
                if let Some(c) = BASICS
                    .columns
                    .iter()
                    .find(|c| fold_label(c.header) == folded)
                {
                    at.entry(c.header).or_insert((row, col + 1));
                }
            }
        }
        Basics { sheet, at }
    }

    /// The value cell of `label` and its A1 reference, remembered as the
    /// place of `key`; a missing required label is a problem.
    fn cell(
        &self,
        r: &mut Reader,
        label: &'static str,
        key: &str,
    ) -> Option<(Option<&'a CellValue>, String)> {
        let Some(&(row, col)) = self.at.get(label) else {
            if BASICS
                .columns
                .iter()
                .any(|c| c.header == label && c.required)
            {
                r.problem(NAME, None, format!("缺少“{label}”一栏"));
                r.taint(key);
            }
            return None;
        };
        let cell = format!("{NAME}!{}", cell_ref(row, col));
        r.remember(key, NAME, cell.clone());
        Some((self.sheet.get(row, col), cell))
    }

    /// Required text; numbers as written ("2014").
    fn text(&self, r: &mut Reader, label: &'static str, key: &str) -> String {
        let Some((found, cell)) = self.cell(r, label, key) else {
            return String::new();
        };
        text_of(found).unwrap_or_else(|| {
            r.problem(NAME, Some(cell), format!("“{label}”未填写"));
            r.taint(key);
            String::new()
        })
    }

    fn number(
        &self,
        r: &mut Reader,
        label: &'static str,
        key: &str,
    ) -> Result<Option<RawNumber>, ()> {
        let Some((found, cell)) = self.cell(r, label, key) else {
            return Ok(None);
        };
        number_in(found).map_err(|shown| {
            r.problem(
                NAME,
                Some(cell),
                format!("“{label}”应为数值，实际为“{shown}”"),
            );
            r.taint(key);
        })
    }

    /// A whole number ≥ 0, or nothing.
    fn whole(&self, r: &mut Reader, label: &'static str, key: &str) -> Option<u32> {
        match self.number(r, label, key) {
            Ok(Some(RawNumber::Int(i))) if (0..=i64::from(u32::MAX)).contains(&i) => Some(i as u32),
            Ok(Some(other)) => {
                let cell = self.cell(r, label, key).map(|(_, cell)| cell);
                r.problem(
                    NAME,
                    cell,
                    format!("“{label}”应为不小于 0 的整数，实际为 {other}"),
                );
                r.taint(key);
                None
            }
            Ok(None) | Err(()) => None,
        }
    }
}
