//! The self-check workbook (自查表) a unit fills in without help, generated
//! from a checklist.
//!
//! The reader (`ingest`) finds the three sheets by name, the header row as the
//! first row holding the header names, and 基本情况's values in the column to
//! the right of their labels. So every sheet here is: a title row, an
//! instruction row, then the header row (or, on 基本情况, the label rows):
//!
//! ```text
//! 基本情况     row 1 title · row 2 instructions · rows 3–12: A label | B value | C hint
//! 人财物投入   row 1 title · row 2 instructions · row 3 header:
//!              A 类别 | B 代码 | C 项目 | D 计量单位 | E 填报值 | F 填写说明
//!              rows 4…: one per input, grouped 人, 财, 物, 其他
//! 自查评分     row 1 title · row 2 instructions · row 3 header:
//!              A 条目编号 | B 类别 | C 考核内容 | D 分值 | E 评分方式 | F 自评分 | G 情况说明
//!              rows 4…: a heading row per category (A empty), then its items
//! ```
//!
//! A checklist that uses the second edition gets the 自查评分 of `second.rs`
//! (contract §2.1): 检查分 and 佐证材料 columns, heading rows that carry the
//! category and group codes, and a row per deduction (`C2.1`) under each
//! `deduct` item. A first-edition checklist keeps the layout above, byte for
//! byte (`snapshot.rs`).
//!
//! Answer cells are unlocked and yellow; everything else is locked and the
//! sheets are protected without a password, which keeps clerks from
//! overwriting codes and labels by accident while still letting them resize.
//! A list too long for an inline drop-down goes to a hidden sheet 下拉选项.

mod basic;
mod cells;
mod describe;
mod inputs;
mod scores;
mod second;
#[cfg(test)]
mod snapshot;
#[cfg(test)]
mod tests;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, RowNum, Workbook, Worksheet};

use super::ReportError;
use crate::domain::Answers;
use crate::domain::checklist::Checklist;
use basic::basic_sheet;
use cells::{Formats, OptionLists};
use inputs::inputs_sheet;
use scores::scores_sheet;

/// Who the template is for, when the bureau pre-fills it for one unit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prefill {
    pub unit_name: Option<String>,
    pub unit_code: Option<String>,
    pub unit_kind: Option<String>,
    pub street: Option<String>,
    pub year: Option<i32>,
    /// 申报等级, as a tier name.
    pub target_tier: Option<String>,
    /// Facts and self-scores to write in, for demonstration data and
    /// benchmarks: a workbook as a unit would upload it.
    pub answers: Option<Answers>,
}

/// Writes the self-check workbook for `checklist` as xlsx bytes. The same
/// checklist and prefill always give the same bytes.
pub fn self_check_template(
    checklist: &Checklist,
    prefill: &Prefill,
) -> Result<Vec<u8>, ReportError> {
    let formats = Formats::new();
    let mut lists = OptionLists::default();

    let mut basic = Worksheet::new();
    basic_sheet(&mut basic, checklist, prefill, &formats, &mut lists)?;
    let mut inputs = Worksheet::new();
    inputs_sheet(&mut inputs, checklist, prefill.answers.as_ref(), &formats)?;
    let mut scores = Worksheet::new();
    if second::needs_second_edition(checklist) {
        second::scores_sheet(
            &mut scores,
            checklist,
            prefill.answers.as_ref(),
            &formats,
            &mut lists,
        )?;
    } else {
        scores_sheet(&mut scores, checklist, prefill.answers.as_ref(), &formats)?;
    }

    let mut workbook = Workbook::new();
    // A fixed creation time: the only thing that would otherwise differ
    // between two runs (rust_xlsxwriter stamps the zip entries with a fixed date).
    let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(format!("{} 自查表", checklist.title))
            .set_subject(checklist.reference())
            .set_author("nianjian")
            .set_creation_datetime(&created),
    );
    workbook.push_worksheet(basic);
    workbook.push_worksheet(inputs);
    workbook.push_worksheet(scores);
    if let Some(sheet) = lists.into_sheet(&formats)? {
        workbook.push_worksheet(sheet);
    }
    Ok(workbook.save_to_buffer()?)
}

const SHEET_BASIC: &str = "基本情况";
const SHEET_INPUTS: &str = "人财物投入";
const SHEET_SCORES: &str = "自查评分";
const SHEET_LISTS: &str = "下拉选项";

const TITLE_ROW: RowNum = 0;
const NOTE_ROW: RowNum = 1;
/// The header row of 人财物投入 and 自查评分, and the first label row of 基本情况.
const HEADER_ROW: RowNum = 2;

const NOT_APPLICABLE: &str = "不适用";
const NO_TIER: &str = "不申报";
const AUTO_SCORED: &str = "自动计分";

/// A4 in Excel's paper-size numbering.
const PAPER_A4: u8 = 9;
/// Points per wrapped line of 11-point text with CJK glyphs.
const LINE_HEIGHT: f64 = 15.0;
/// The height of a one-line row, in points.
const ROW_HEIGHT: f64 = 20.0;
