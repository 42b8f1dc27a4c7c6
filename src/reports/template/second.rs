//! Sheet 自查评分 of a second-edition checklist (contract §2.1): the first
//! edition's columns plus 检查分 and 佐证材料, heading rows that carry the
//! category (类别) and group (二级指标) codes, a row per deduction under its
//! `deduct` item, drop-downs for levels, and inspector items marked
//! 由检查组评定.
//!
//! ```text
//! A 条目编号 | B 类别 | C 考核内容 | D 分值 | E 评分方式 | F 自评分 | G 检查分 | H 佐证材料 | I 情况说明
//! B          一、基础业务建设（40分）                     ← category heading, A = category code
//! B2         档案收集（最高 5 分）                        ← group heading, A = group code
//! B2-1       …  | 3 | 扣分… | 按下列各项扣分 | (locked) | 制度汇编 |
//! B2-1.1     缺一份每处扣 0.5 分 | 0.5 | 填发现次数 | 2 |
//! ```
//!
//! A deduction row's 自评分 holds how often the defect was found; 检查分 is
//! the inspector's column, locked on the unit's own items.

use rust_xlsxwriter::{
    DataValidation, DataValidationRule, Format, Formula, RowNum, Worksheet, XlsxError,
};

use super::cells::*;
use super::*;
use crate::domain::ItemAnswer;
use crate::domain::checklist::{Deduction, Item, ItemKind, Rule};

const COL_SELF: u16 = 5;
const COL_INSPECTOR: u16 = 6;
const COL_EVIDENCE: u16 = 7;
const COL_REMARK: u16 = 8;
const LAST_COL: u16 = COL_REMARK;

/// Written in the 自评分 cell of an inspector's item.
pub(super) const BY_INSPECTOR: &str = "由检查组评定";
/// Written in the 自评分 cell of a `deduct` item's own row.
const SEE_DEDUCTIONS: &str = "按下列各项扣分";

/// Whether the checklist needs the second-edition layout of 自查评分. A
/// checklist that uses none of the second edition keeps the first layout,
/// byte for byte.
pub(super) fn needs_second_edition(checklist: &Checklist) -> bool {
    !checklist.groups.is_empty()
        || checklist.is_weighted()
        || checklist.items.iter().any(|i| {
            i.kind != ItemKind::Base
                || i.by_inspector()
                || i.evidence.is_some()
                || matches!(
                    i.rule,
                    Rule::Deduct { .. }
                        | Rule::Level { .. }
                        | Rule::Choice { .. }
                        | Rule::Formula { .. }
                )
        })
}

pub(super) fn scores_sheet(
    ws: &mut Worksheet,
    checklist: &Checklist,
    answers: Option<&Answers>,
    f: &Formats,
    lists: &mut OptionLists,
) -> Result<(), XlsxError> {
    ws.set_name(SHEET_SCORES)?;
    let methods: Vec<String> = checklist
        .items
        .iter()
        .map(|item| {
            let method = describe::scoring_method(checklist, item);
            match item.kind {
                ItemKind::Base => method,
                kind => format!("【{}】{method}", kind.label_zh()),
            }
        })
        .collect();
    let category_name = |code: &str| -> String {
        checklist
            .category(code)
            .map_or(code, |c| c.name.as_str())
            .to_string()
    };
    let deduction_codes: Vec<String> = checklist
        .items
        .iter()
        .flat_map(|i| (1..=i.deductions().len()).map(move |n| format!("{}.{n}", i.code)))
        .collect();

    let widths = [
        width_for(
            checklist
                .items
                .iter()
                .map(|i| i.code.as_str())
                .chain(deduction_codes.iter().map(String::as_str))
                .chain(["条目编号"]),
            10.0,
            16.0,
        ),
        width_for(
            checklist.categories.iter().map(|c| c.name.as_str()),
            8.0,
            16.0,
        ),
        44.0,
        6.0,
        width_for(methods.iter().map(String::as_str), 24.0, 36.0),
        12.0,
        12.0,
        width_for(
            checklist.items.iter().filter_map(|i| i.evidence.as_deref()),
            12.0,
            30.0,
        ),
        30.0,
    ];
    title_and_note(
        ws,
        &format!("{} · 自查评分", checklist.title),
        &[
            "1. 只需填写“自评分”列的黄色单元格；标“自动计分”的条目由系统根据“人财物投入”表计算，标“由检查组评定”的条目由检查组打分。",
            "2. 自评分不超过“分值”，按“评分方式”所示步长填写；分级条目从下拉列表选择等级；写明可填“不适用”的条目，本单位无此项工作时填“不适用”。",
            "3. 扣分条目在其下方各扣分行的“自评分”填发现的次数（不小于 0 的整数，未发现填 0）。",
            "4. “检查分”列由检查组填写，本单位不填。“佐证材料”列出检查时需提供的材料。不要修改“条目编号”列。",
        ],
        &widths,
        f,
    )?;
    ws.write_row_with_format(
        HEADER_ROW,
        0,
        [
            "条目编号",
            "类别",
            "考核内容",
            "分值",
            "评分方式",
            "自评分",
            "检查分",
            "佐证材料",
            "情况说明",
        ],
        &f.header,
    )?;

    let mut row = HEADER_ROW + 1;
    let mut current_category: Option<&str> = None;
    let mut current_group: Option<&str> = None;
    let mut headings = 0;
    for (item, method) in checklist.items.iter().zip(&methods) {
        if current_category != Some(item.category.as_str()) {
            current_category = Some(item.category.as_str());
            current_group = None;
            headings += 1;
            let mut heading = describe::category_heading(
                headings,
                &category_name(&item.category),
                checklist.category_max(&item.category),
            );
            if let Some(weight) = checklist.category(&item.category).and_then(|c| c.weight) {
                heading = format!("{heading}（权重 {weight}%）");
            }
            heading_row(ws, row, &item.category, &heading, f)?;
            row += 1;
        }
        if item.group.as_deref() != current_group {
            current_group = item.group.as_deref();
            if let Some(group) = item.group.as_deref().and_then(|g| checklist.group(g)) {
                let heading = match group.max {
                    Some(cap) => format!("{}（最高 {cap} 分）", group.title),
                    None => format!("{}（{} 分）", group.title, checklist.group_max(&group.code)),
                };
                heading_row(ws, row, &group.code, &heading, f)?;
                row += 1;
            }
        }
        let category = category_name(&item.category);
        let answer = answers.and_then(|a| a.self_scores.get(&item.code));
        item_row(ws, row, item, &category, method, answer, f, lists)?;
        fit_row_height(
            ws,
            row,
            &[
                (&item.title, widths[2]),
                (method, widths[4]),
                (&category, widths[1]),
                (item.evidence.as_deref().unwrap_or(""), widths[7]),
            ],
        )?;
        row += 1;
        let counts = match answer {
            Some(ItemAnswer::Counts(counts)) => Some(counts.as_slice()),
            _ => None,
        };
        for (n, deduction) in item.deductions().iter().enumerate() {
            let count = counts.and_then(|c| c.get(n)).copied();
            deduction_row(ws, row, item, n + 1, deduction, count, f)?;
            fit_row_height(ws, row, &[(&deduction.text, widths[2])])?;
            row += 1;
        }
    }

    ws.set_freeze_panes(HEADER_ROW + 1, 0)?;
    ws.set_selection(HEADER_ROW + 1, COL_SELF, HEADER_ROW + 1, COL_SELF)?;
    protect(ws);
    print_setup(ws, true, Some(HEADER_ROW))
}

/// A category or group heading: its code in 条目编号 (the reader skips such
/// rows), its title merged across the rest.
fn heading_row(
    ws: &mut Worksheet,
    row: RowNum,
    code: &str,
    heading: &str,
    f: &Formats,
) -> Result<(), XlsxError> {
    put_text(ws, row, 0, code, &f.heading)?;
    ws.merge_range(
        row,
        1,
        row,
        LAST_COL,
        heading,
        &guarded(&f.heading, heading),
    )?;
    ws.set_row_height(row, ROW_HEIGHT)?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn item_row(
    ws: &mut Worksheet,
    row: RowNum,
    item: &Item,
    category: &str,
    method: &str,
    answer: Option<&ItemAnswer>,
    f: &Formats,
    lists: &mut OptionLists,
) -> Result<(), XlsxError> {
    put_text(ws, row, 0, &item.code, &f.centered)?;
    put_text(ws, row, 1, category, &f.wrapped)?;
    put_text(ws, row, 2, &item.title, &f.wrapped)?;
    ws.write_number_with_format(row, 3, item.max.as_f64(), &f.centered)?;
    put_text(ws, row, 4, method, &f.wrapped)?;
    put_text(
        ws,
        row,
        COL_EVIDENCE,
        item.evidence.as_deref().unwrap_or(""),
        &f.wrapped,
    )?;
    ws.write_blank(row, COL_REMARK, &f.answer_wrapped)?;

    // The column the item is answered in, and the style of that cell.
    let (col, style) = if item.by_inspector() {
        ws.write_string_with_format(row, COL_SELF, BY_INSPECTOR, &f.fixed)?;
        (COL_INSPECTOR, &f.inspector)
    } else {
        ws.write_blank(row, COL_INSPECTOR, &f.fixed)?;
        (COL_SELF, &f.answer)
    };
    let who = if item.by_inspector() {
        "检查分"
    } else {
        "自评分"
    };
    match &item.rule {
        Rule::SelfScored { step } => {
            write_answer(ws, row, col, answer, style)?;
            let rule = describe::score_rule(item, *step);
            let validation = DataValidation::new()
                .allow_custom(Formula::new(score_formula(
                    row,
                    col,
                    item,
                    step.hundredths(),
                )))
                .set_input_title(format!("{who}（最高 {} 分）", item.max))?
                .set_input_message(format!("{rule}。"))?
                .set_error_title(format!("{who}不符合要求"))?
                .set_error_message(format!("条目 {}：{rule}。", describe::clip(&item.code, 40)))?;
            ws.add_data_validation(row, col, row, col, &validation)?;
        }
        Rule::Level { levels } => {
            write_answer(ws, row, col, answer, style)?;
            let mut names: Vec<String> = levels.iter().map(|l| l.name.clone()).collect();
            if item.optional {
                names.push(NOT_APPLICABLE.to_string());
            }
            let validation = lists
                .validation(&names)?
                .set_input_title(format!("{who}：选择等级"))?
                .set_input_message(describe::clip(
                    &format!("从下拉列表选择：{}", names.join("、")),
                    255,
                ))?
                .set_error_title(format!("{who}不符合要求"))?
                .set_error_message("请从下拉列表中选择等级。")?;
            ws.add_data_validation(row, col, row, col, &validation)?;
        }
        Rule::Deduct { .. } if item.optional => {
            match answer {
                Some(ItemAnswer::NotApplicable) => {
                    ws.write_string_with_format(row, col, NOT_APPLICABLE, style)?
                }
                _ => ws.write_blank(row, col, style)?,
            };
            let validation = DataValidation::new()
                .allow_list_strings(&[NOT_APPLICABLE])?
                .set_input_title(format!("{who}：扣分条目"))?
                .set_input_message(
                    "本单位无此项工作的填“不适用”；否则留空，在下面各行填扣分次数。",
                )?
                .set_error_title(format!("{who}不符合要求"))?
                .set_error_message("本行只能填“不适用”或留空。")?;
            ws.add_data_validation(row, col, row, col, &validation)?;
        }
        Rule::Deduct { .. } => {
            if item.by_inspector() {
                ws.write_blank(row, col, &f.fixed)?;
            } else {
                ws.write_string_with_format(row, col, SEE_DEDUCTIONS, &f.fixed)?;
            }
        }
        _ => {
            ws.write_string_with_format(row, COL_SELF, AUTO_SCORED, &f.fixed)?;
        }
    }
    Ok(())
}

/// An answer written in: points, 不适用 or a level's name.
fn write_answer(
    ws: &mut Worksheet,
    row: RowNum,
    col: u16,
    answer: Option<&ItemAnswer>,
    style: &Format,
) -> Result<(), XlsxError> {
    match answer {
        Some(ItemAnswer::Points(p)) => {
            ws.write_number_with_format(row, col, p.as_f64(), style)?;
        }
        Some(ItemAnswer::NotApplicable) => {
            ws.write_string_with_format(row, col, NOT_APPLICABLE, style)?;
        }
        Some(ItemAnswer::Level(name)) => put_text(ws, row, col, name, style)?,
        Some(ItemAnswer::Counts(_)) | None => {
            ws.write_blank(row, col, style)?;
        }
    }
    Ok(())
}

/// One deduction of a `deduct` item: `C2.1`, its text, the points per
/// defect, and a cell for how often it was found.
fn deduction_row(
    ws: &mut Worksheet,
    row: RowNum,
    item: &Item,
    position: usize,
    deduction: &Deduction,
    count: Option<u32>,
    f: &Formats,
) -> Result<(), XlsxError> {
    put_text(
        ws,
        row,
        0,
        &format!("{}.{position}", item.code),
        &f.centered,
    )?;
    ws.write_blank(row, 1, &f.text)?;
    put_text(ws, row, 2, &deduction.text, &f.wrapped)?;
    ws.write_number_with_format(row, 3, deduction.points.as_f64(), &f.centered)?;
    let method = if deduction.once {
        format!(
            "发现即扣 {} 分；填 1（发现）或 0（未发现）",
            deduction.points
        )
    } else {
        format!("每处扣 {} 分；填发现的次数", deduction.points)
    };
    put_text(ws, row, 4, &method, &f.wrapped)?;
    ws.write_blank(row, COL_EVIDENCE, &f.text)?;
    ws.write_blank(row, COL_REMARK, &f.text)?;
    let (col, style) = if item.by_inspector() {
        ws.write_string_with_format(row, COL_SELF, BY_INSPECTOR, &f.fixed)?;
        (COL_INSPECTOR, &f.inspector)
    } else {
        ws.write_blank(row, COL_INSPECTOR, &f.fixed)?;
        (COL_SELF, &f.answer)
    };
    match count {
        Some(n) => ws.write_number_with_format(row, col, n, style)?,
        None => ws.write_blank(row, col, style)?,
    };
    let (rule, message) = if deduction.once {
        (
            DataValidationRule::Between(0, 1),
            "填 1（发现）或 0（未发现）。",
        )
    } else {
        (
            DataValidationRule::GreaterThanOrEqualTo(0),
            "填发现的次数：不小于 0 的整数，未发现填 0。",
        )
    };
    let validation = DataValidation::new()
        .allow_whole_number(rule)
        .set_input_title("扣分次数")?
        .set_input_message(message)?
        .set_error_title("扣分次数不符合要求")?
        .set_error_message(message)?;
    ws.add_data_validation(row, col, row, col, &validation)?;
    Ok(())
}

/// [`super::scores::score_formula`] for a cell in any column.
fn score_formula(row: RowNum, col: u16, item: &Item, step_hundredths: i32) -> String {
    let letter = rust_xlsxwriter::utility::column_number_to_name(col);
    let cell = format!("{letter}{}", row + 1);
    let max = item.max;
    let number =
        format!("AND({cell}>=0,{cell}<={max},MOD(ROUND({cell}*100,6),{step_hundredths})=0)");
    let otherwise = if item.optional {
        format!("{cell}=\"{NOT_APPLICABLE}\"")
    } else {
        "FALSE".to_string()
    };
    format!("=IF(ISNUMBER({cell}),{number},{otherwise})")
}
