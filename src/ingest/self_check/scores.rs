//! Sheet 自查评分: item rows, deduction rows (`C2.1`) of `deduct` items,
//! heading rows of groups and categories (skipped), and the inspector's
//! 检查分 for items assessed by the inspection team.

use std::collections::BTreeMap;

use crate::domain::checklist::Item;
use crate::domain::text::fold_label;
use crate::domain::{Answers, Checklist, ItemAnswer, Rule};

use super::super::values::{self, text_of};
use super::super::workbook::{CellValue, Sheet};
use super::{Reader, SHEET_SCORES, find_header};

impl Reader {
    /// Finds the header of 自查评分 and, when the checklist is known, reads
    /// and checks its rows: item rows, deduction rows (`C2.1`), and heading
    /// rows of groups and categories, which are skipped.
    pub(super) fn scores(
        &mut self,
        sheet: &Sheet,
        checklist: Option<&Checklist>,
        answers: &mut Answers,
        remarks: &mut BTreeMap<String, String>,
    ) {
        let name = SHEET_SCORES;
        let Some(header) = find_header(
            sheet,
            &["条目编号", "自评分"],
            &["考核内容", "分值", "情况说明", "检查分"],
        ) else {
            self.at(
                name,
                None,
                "找不到表头：需要一行同时含“条目编号”和“自评分”".into(),
            );
            return;
        };
        let (Some(checklist), Some(code_col), Some(score_col)) =
            (checklist, header.col("条目编号"), header.col("自评分"))
        else {
            return;
        };
        let columns = ScoreColumns {
            own: score_col,
            inspector: header.col("检查分"),
        };
        let remark_col = header.col("情况说明");
        let mut seen: BTreeMap<String, u32> = BTreeMap::new();
        // Per `deduct` item: the count read from each deduction row, by position.
        let mut counts: BTreeMap<&str, Vec<Option<u32>>> = BTreeMap::new();
        let mut not_applicable: BTreeMap<&str, ()> = BTreeMap::new();

        for (row, _) in sheet.rows().filter(|(r, _)| *r > header.row) {
            let Some(code) = text_of(sheet.get(row, code_col)) else {
                continue;
            };
            let folded = fold_label(&code);
            let found = checklist
                .items
                .iter()
                .find(|i| i.code.eq_ignore_ascii_case(&folded));
            let Some(item) = found else {
                if is_heading(checklist, &folded) {
                    continue;
                }
                match deduction_of(checklist, &folded) {
                    Some((item, position)) => {
                        let key = format!("{}.{}", item.code, position + 1);
                        if let Some(first) = seen.get(&key) {
                            self.at(
                                name,
                                Some((row, code_col)),
                                format!("扣分行 {key} 重复（已在 {} 行）", first + 1),
                            );
                            continue;
                        }
                        seen.insert(key.clone(), row);
                        let count = self.deduction_row(sheet, row, item, position, &key, columns);
                        let slots = counts
                            .entry(item.code.as_str())
                            .or_insert_with(|| vec![None; item.deductions().len()]);
                        if let Some(slot) = slots.get_mut(position) {
                            *slot = count;
                        }
                    }
                    None => self.at(
                        name,
                        Some((row, code_col)),
                        format!("未知的条目编号“{code}”"),
                    ),
                }
                continue;
            };
            if let Some(first) = seen.get(&item.code) {
                self.at(
                    name,
                    Some((row, code_col)),
                    format!("条目 {} 重复（已在 {} 行）", item.code, first + 1),
                );
                continue;
            }
            seen.insert(item.code.clone(), row);
            if let Some(remark) = remark_col.and_then(|c| text_of(sheet.get(row, c))) {
                remarks.insert(item.code.clone(), remark);
            }
            if !item.answered_on_the_sheet() {
                continue; // Computed from 人财物投入; whatever is written here is ignored.
            }
            // An inspector's item is answered in 检查分 (when the bureau's
            // workbook has it); the unit's own in 自评分.
            let (col, column) = if item.by_inspector() {
                match columns.inspector {
                    Some(col) => (col, "检查分"),
                    None => continue,
                }
            } else {
                (score_col, "自评分")
            };
            let at = (row, col);
            let cell = sheet
                .get(row, col)
                .filter(|c| !matches!(c, CellValue::Text(t) if t.trim().is_empty()));
            let read = match (&item.rule, cell) {
                (Rule::Deduct { .. }, Some(CellValue::Text(t))) if values::is_not_applicable(t) => {
                    if item.optional {
                        not_applicable.insert(item.code.as_str(), ());
                    } else {
                        self.at(
                            name,
                            Some(at),
                            format!(
                                "条目 {}：本条目不可填“不适用”，请在扣分行填写扣分次数",
                                item.code
                            ),
                        );
                    }
                    continue;
                }
                // The item row of a `deduct` item takes no other answer.
                (Rule::Deduct { .. }, _) => continue,
                (_, None) if item.by_inspector() => continue, // Pending.
                (_, None) => {
                    self.at(name, Some(at), format!("条目 {} 未填写{column}", item.code));
                    continue;
                }
                (Rule::SelfScored { step }, Some(cell)) => {
                    values::score_in(cell, item.max, *step, item.optional, column)
                }
                (Rule::Level { levels }, Some(cell)) => {
                    values::level(cell, levels, item.optional, column)
                }
                _ => continue,
            };
            match read {
                Ok(answer) => {
                    answers.self_scores.insert(item.code.clone(), answer);
                }
                Err(message) => self.at(name, Some(at), format!("条目 {}：{message}", item.code)),
            }
        }

        for item in &checklist.items {
            if !item.answered_on_the_sheet() {
                continue;
            }
            if let Rule::Deduct { deductions } = &item.rule {
                if not_applicable.contains_key(item.code.as_str()) {
                    answers
                        .self_scores
                        .insert(item.code.clone(), ItemAnswer::NotApplicable);
                    continue;
                }
                let read = counts.get(item.code.as_str());
                if item.by_inspector() {
                    // Scored once the inspector wrote any count; blanks are 0.
                    if let Some(read) = read.filter(|r| r.iter().any(Option::is_some)) {
                        let counts = read.iter().map(|c| c.unwrap_or(0)).collect();
                        answers
                            .self_scores
                            .insert(item.code.clone(), ItemAnswer::Counts(counts));
                    }
                    continue;
                }
                let mut complete = true;
                for (position, deduction) in deductions.iter().enumerate() {
                    let key = format!("{}.{}", item.code, position + 1);
                    if !seen.contains_key(&key) {
                        complete = false;
                        self.at(
                            name,
                            None,
                            format!(
                                "缺少条目 {}（{}）的扣分行 {key}（{}）",
                                item.code, item.title, deduction.text
                            ),
                        );
                    }
                }
                let counts: Option<Vec<u32>> = read.and_then(|r| r.iter().copied().collect());
                if let (true, Some(counts)) = (complete, counts) {
                    answers
                        .self_scores
                        .insert(item.code.clone(), ItemAnswer::Counts(counts));
                }
            } else if !item.by_inspector() && !seen.contains_key(&item.code) {
                self.at(
                    name,
                    None,
                    format!("缺少条目 {}（{}）的自评分", item.code, item.title),
                );
            }
        }
    }

    /// Reads one deduction row's count: from 自评分 for the unit's own item
    /// (blank is 0), from 检查分 for an inspector's item (blank is unknown).
    /// `None` when there is no count or the cell was refused (and reported).
    fn deduction_row(
        &mut self,
        sheet: &Sheet,
        row: u32,
        item: &Item,
        position: usize,
        key: &str,
        columns: ScoreColumns,
    ) -> Option<u32> {
        let col = if item.by_inspector() {
            columns.inspector?
        } else {
            columns.own
        };
        let once = item.deductions().get(position).is_some_and(|d| d.once);
        let cell = sheet
            .get(row, col)
            .filter(|c| !matches!(c, CellValue::Text(t) if t.trim().is_empty()));
        let Some(cell) = cell else {
            return (!item.by_inspector()).then_some(0);
        };
        match values::deduction_count(cell, once) {
            Ok(n) => Some(n),
            Err(message) => {
                self.at(
                    SHEET_SCORES,
                    Some((row, col)),
                    format!("条目 {key}：{message}"),
                );
                None
            }
        }
    }
}

/// Where 自查评分 holds the unit's answers and, optionally, the inspector's.
#[derive(Clone, Copy)]
struct ScoreColumns {
    own: u32,
    inspector: Option<u32>,
}

/// A heading row: 条目编号 is a group or category code.
fn is_heading(checklist: &Checklist, folded: &str) -> bool {
    checklist
        .groups
        .iter()
        .any(|g| g.code.eq_ignore_ascii_case(folded))
        || checklist
            .categories
            .iter()
            .any(|c| c.code.eq_ignore_ascii_case(folded))
}

/// A deduction row's item and the deduction's position (from 0): `C2.1` is
/// the first deduction of `deduct` item C2.
fn deduction_of<'a>(checklist: &'a Checklist, folded: &str) -> Option<(&'a Item, usize)> {
    let (code, position) = folded.rsplit_once('.')?;
    if position.is_empty() || !position.bytes().all(|b| b.is_ascii_digit()) || position.len() > 4 {
        return None;
    }
    let position: usize = position.parse().ok()?;
    let item = checklist
        .items
        .iter()
        .find(|i| i.code.eq_ignore_ascii_case(code))?;
    (1..=item.deductions().len())
        .contains(&position)
        .then_some((item, position - 1))
}
