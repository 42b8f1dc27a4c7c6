//! Sheet 人财物投入.

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DataValidationRule, Worksheet, XlsxError,
};

use super::cells::*;
use super::*;
use crate::domain::InputValue;
use crate::domain::checklist::{Input, InputType};

/// 人财物投入: one row per input, grouped 人, 财, 物, 其他.
pub(super) fn inputs_sheet(
    ws: &mut Worksheet,
    checklist: &Checklist,
    answers: Option<&Answers>,
    f: &Formats,
) -> Result<(), XlsxError> {
    ws.set_name(SHEET_INPUTS)?;
    let mut inputs: Vec<&Input> = checklist.inputs.iter().collect();
    // Stable: the checklist's order survives within a group.
    inputs.sort_by_key(|i| i.group);
    let hints: Vec<String> = inputs.iter().map(|i| describe::input_hint(i)).collect();

    let widths = [
        6.0,
        width_for(
            inputs.iter().map(|i| i.key.as_str()).chain(["代码"]),
            8.0,
            32.0,
        ),
        width_for(
            inputs.iter().map(|i| i.label.as_str()).chain(["项目"]),
            12.0,
            40.0,
        ),
        width_for(
            inputs
                .iter()
                .filter_map(|i| i.unit.as_deref())
                .chain(["计量单位"]),
            10.0,
            16.0,
        ),
        12.0,
        width_for(hints.iter().map(String::as_str), 24.0, 46.0),
    ];
    title_and_note(
        ws,
        &format!("{} · 人财物投入", checklist.title),
        &[
            "1. 在“填报值”列的黄色单元格填写本单位本年度的情况；是/否从下拉列表中选择。",
            "2. 数量只填数字，单位见“计量单位”列；百分比填 0–100 的数，如 85 表示 85%。",
            "3. 不要修改“代码”列，也不要增删行。",
        ],
        &widths,
        f,
    )?;
    ws.write_row_with_format(
        HEADER_ROW,
        0,
        ["类别", "代码", "项目", "计量单位", "填报值", "填写说明"],
        &f.header,
    )?;

    for ((input, hint), row) in inputs.iter().zip(&hints).zip(HEADER_ROW + 1..) {
        ws.write_string_with_format(row, 0, input.group.label_zh(), &f.centered)?;
        put_text(ws, row, 1, &input.key, &f.text)?;
        put_text(ws, row, 2, &input.label, &f.wrapped)?;
        put_text(ws, row, 3, input.unit.as_deref().unwrap_or(""), &f.centered)?;
        match answers.and_then(|a| a.inputs.get(&input.key)) {
            Some(InputValue::Number(n)) => {
                ws.write_number_with_format(row, 4, n.to_f64(), &f.answer)?
            }
            Some(yes_no) => ws.write_string_with_format(row, 4, yes_no.to_string(), &f.answer)?,
            None => ws.write_blank(row, 4, &f.answer)?,
        };
        put_text(ws, row, 5, hint, &f.hint)?;
        ws.add_data_validation(row, 4, row, 4, &input_validation(input, hint)?)?;
        fit_row_height(ws, row, &[(&input.label, widths[2]), (hint, widths[5])])?;
    }

    ws.set_freeze_panes(HEADER_ROW + 1, 0)?;
    ws.set_selection(HEADER_ROW + 1, 4, HEADER_ROW + 1, 4)?;
    protect(ws);
    print_setup(ws, true, Some(HEADER_ROW))
}

/// The drop-down or number check of one 填报值 cell.
pub(super) fn input_validation(input: &Input, hint: &str) -> Result<DataValidation, XlsxError> {
    let validation = match input.kind {
        InputType::YesNo => DataValidation::new().allow_list_strings(&["是", "否"])?,
        InputType::Integer => {
            DataValidation::new().allow_whole_number(DataValidationRule::GreaterThanOrEqualTo(0))
        }
        InputType::Decimal => DataValidation::new()
            .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0)),
        InputType::Percent => {
            DataValidation::new().allow_decimal_number(DataValidationRule::Between(0.0, 100.0))
        }
        InputType::Choice => {
            let options: Vec<&str> = input.options.iter().map(String::as_str).collect();
            DataValidation::new().allow_list_strings(&options)?
        }
    };
    let validation = validation
        .set_input_title(describe::clip(&input.label, 32))?
        .set_input_message(describe::clip(hint, 255))?
        .set_error_title("填报值不符合要求")?;
    // The reader takes "2.5万元" for an input in 元, so that text gets a
    // warning the clerk can accept instead of a refusal.
    if input.kind.is_numeric() && input.unit.as_deref() == Some("元") {
        return validation
            .set_error_style(DataValidationErrorStyle::Warning)
            .set_error_message(format!(
                "{}以万元为单位时可写作“2.5万元”，选“是”保留。",
                describe::input_error(input)
            ));
    }
    validation.set_error_message(describe::input_error(input))
}
