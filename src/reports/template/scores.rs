//! Sheet 自查评分.

use rust_xlsxwriter::{DataValidation, Formula, RowNum, Worksheet, XlsxError};

use super::cells::*;
use super::*;
use crate::domain::ItemAnswer;
use crate::domain::checklist::{Item, Rule};

/// 自查评分: one row per item, a heading row before each category.
pub(super) fn scores_sheet(
    ws: &mut Worksheet,
    checklist: &Checklist,
    answers: Option<&Answers>,
    f: &Formats,
) -> Result<(), XlsxError> {
    ws.set_name(SHEET_SCORES)?;
    let methods: Vec<String> = checklist
        .items
        .iter()
        .map(|item| describe::scoring_method(checklist, item))
        .collect();
    let category_name = |code: &str| -> String {
        checklist
            .category(code)
            .map_or(code, |c| c.name.as_str())
            .to_string()
    };

    let widths = [
        width_for(
            checklist
                .items
                .iter()
                .map(|i| i.code.as_str())
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
        10.0,
        30.0,
    ];
    title_and_note(
        ws,
        &format!("{} · 自查评分", checklist.title),
        &[
            "1. 只需为“自评分”列的黄色单元格打分；标“自动计分”的条目由系统根据“人财物投入”表计算。",
            "2. 自评分不超过“分值”，按“评分方式”所示步长填写；写明可填“不适用”的条目，本单位无此项工作时填“不适用”。",
            "3. “情况说明”可简述自评依据或存在的问题。不要修改“条目编号”列。",
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
            "情况说明",
        ],
        &f.header,
    )?;

    let mut row = HEADER_ROW + 1;
    let mut current_category: Option<&str> = None;
    let mut headings = 0;
    for (item, method) in checklist.items.iter().zip(&methods) {
        if current_category != Some(item.category.as_str()) {
            current_category = Some(item.category.as_str());
            headings += 1;
            // 条目编号 stays empty, so the reader skips this row.
            let heading = describe::category_heading(
                headings,
                &category_name(&item.category),
                checklist.category_max(&item.category),
            );
            ws.write_blank(row, 0, &f.heading)?;
            ws.merge_range(row, 1, row, 6, &heading, &guarded(&f.heading, &heading))?;
            ws.set_row_height(row, ROW_HEIGHT)?;
            row += 1;
        }
        let category = category_name(&item.category);
        let answer = answers.and_then(|a| a.self_scores.get(&item.code).cloned());
        item_row(ws, row, item, &category, method, answer, f)?;
        fit_row_height(
            ws,
            row,
            &[
                (&item.title, widths[2]),
                (method, widths[4]),
                (&category, widths[1]),
            ],
        )?;
        row += 1;
    }

    ws.set_freeze_panes(HEADER_ROW + 1, 0)?;
    ws.set_selection(HEADER_ROW + 1, 5, HEADER_ROW + 1, 5)?;
    protect(ws);
    print_setup(ws, true, Some(HEADER_ROW))
}

pub(super) fn item_row(
    ws: &mut Worksheet,
    row: RowNum,
    item: &Item,
    category: &str,
    method: &str,
    answer: Option<ItemAnswer>,
    f: &Formats,
) -> Result<(), XlsxError> {
    put_text(ws, row, 0, &item.code, &f.centered)?;
    put_text(ws, row, 1, category, &f.wrapped)?;
    put_text(ws, row, 2, &item.title, &f.wrapped)?;
    ws.write_number_with_format(row, 3, item.max.as_f64(), &f.centered)?;
    put_text(ws, row, 4, method, &f.wrapped)?;
    match &item.rule {
        Rule::SelfScored { step } => {
            match answer {
                Some(ItemAnswer::Points(p)) => {
                    ws.write_number_with_format(row, 5, p.as_f64(), &f.answer)?
                }
                Some(ItemAnswer::NotApplicable) => {
                    ws.write_string_with_format(row, 5, NOT_APPLICABLE, &f.answer)?
                }
                Some(ItemAnswer::Level(_) | ItemAnswer::Counts(_)) | None => {
                    ws.write_blank(row, 5, &f.answer)?
                }
            };
            let rule = describe::score_rule(item, *step);
            let validation = DataValidation::new()
                .allow_custom(Formula::new(score_formula(row, item, step.hundredths())))
                .set_input_title(format!("自评分（最高 {} 分）", item.max))?
                .set_input_message(format!("{rule}。"))?
                .set_error_title("自评分不符合要求")?
                .set_error_message(format!("条目 {}：{rule}。", describe::clip(&item.code, 40)))?;
            ws.add_data_validation(row, 5, row, 5, &validation)?;
        }
        _ => {
            ws.write_string_with_format(row, 5, AUTO_SCORED, &f.fixed)?;
        }
    }
    ws.write_blank(row, 6, &f.answer_wrapped)?;
    Ok(())
}

/// The custom validation of a 自评分 cell: a number in 0..=max that is a
/// multiple of the step, or 不适用 where the item allows it.
///
/// IF rather than OR(…="不适用", AND(…)): Excel's OR returns the error of any
/// argument, and the arithmetic on the text 不适用 is #VALUE!, so OR would
/// refuse the very text it is meant to allow. ROUND(…,6) absorbs float noise
/// (3.5*10) without letting 3.49 pass as 3.5.
pub(super) fn score_formula(row: RowNum, item: &Item, step_hundredths: i32) -> String {
    let cell = format!("F{}", row + 1);
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
