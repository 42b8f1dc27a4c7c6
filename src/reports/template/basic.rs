//! Sheet 基本情况.

use rust_xlsxwriter::{
    DataValidation, DataValidationRule, ExcelDateTime, RowNum, Worksheet, XlsxError,
};

use super::cells::*;
use super::*;

/// 基本情况: who fills in, for which year and checklist.
pub(super) fn basic_sheet(
    ws: &mut Worksheet,
    checklist: &Checklist,
    prefill: &Prefill,
    f: &Formats,
    lists: &mut OptionLists,
) -> Result<(), XlsxError> {
    ws.set_name(SHEET_BASIC)?;
    let value_width = width_for(
        [
            checklist.reference().as_str(),
            prefill.unit_name.as_deref().unwrap_or(""),
        ]
        .into_iter()
        .chain(checklist.unit_kinds.iter().map(String::as_str))
        .chain(checklist.tiers.iter().map(|t| t.name.as_str())),
        30.0,
        50.0,
    );
    title_and_note(
        ws,
        &format!("{} 自查表", checklist.title),
        &[
            "1. 请填写各表中的黄色单元格，标“必填”的不能空着；灰色单元格不要修改。",
            "2. 不要重命名工作表，不要改动“条目编号”“代码”两列。",
            "3. 自评分按“评分方式”所示步长（一般为 0.5 分）填写；“不适用”只能填在注明可填的条目。",
            "4. 填好后保存为 .xlsx 格式并上传。",
        ],
        &[14.0, value_width, 28.0],
        f,
    )?;

    let mut row = HEADER_ROW;
    let mut field = |ws: &mut Worksheet, label: &str, hint: &str| -> Result<RowNum, XlsxError> {
        let at = row;
        ws.write_string_with_format(at, 0, label, &f.label)?;
        ws.write_string_with_format(at, 2, hint, &f.hint)?;
        ws.set_row_height(at, ROW_HEIGHT)?;
        row += 1;
        Ok(at)
    };

    let r = field(ws, "单位名称", "必填，填写单位全称")?;
    put_answer(ws, r, 1, prefill.unit_name.as_deref(), &f.answer)?;

    let r = field(ws, "单位代码", "必填，如 330102001")?;
    put_answer(ws, r, 1, prefill.unit_code.as_deref(), &f.answer_text)?;

    let r = field(ws, "单位类型", "必填，从下拉列表选择")?;
    let kind = prefill
        .unit_kind
        .as_deref()
        .or(match checklist.unit_kinds.as_slice() {
            [only] => Some(only.as_str()),
            _ => None,
        });
    put_answer(ws, r, 1, kind, &f.answer)?;
    let kinds = lists
        .validation(&checklist.unit_kinds)?
        .set_error_title("单位类型")?
        .set_error_message("请从下拉列表中选择单位类型。")?;
    ws.add_data_validation(r, 1, r, 1, &kinds)?;

    let r = field(ws, "所属街道", "如：小营街道")?;
    put_answer(ws, r, 1, prefill.street.as_deref(), &f.answer)?;

    let r = field(ws, "年度", "必填，如 2024")?;
    match prefill.year {
        Some(year) => ws.write_number_with_format(r, 1, year, &f.answer)?,
        None => ws.write_blank(r, 1, &f.answer)?,
    };
    let year = DataValidation::new()
        .allow_whole_number(DataValidationRule::Between(2000, 2100))
        .set_error_title("年度")?
        .set_error_message("请填写四位数年度，如 2024。")?;
    ws.add_data_validation(r, 1, r, 1, &year)?;

    let r = field(ws, "考核细则", "已预填，请勿修改")?;
    put_text(ws, r, 1, &checklist.reference(), &f.fixed)?;

    let r = field(ws, "申报等级", "可选，从下拉列表选择")?;
    put_answer(ws, r, 1, prefill.target_tier.as_deref(), &f.answer)?;
    let tiers: Vec<String> = checklist
        .tiers
        .iter()
        .map(|t| t.name.clone())
        .chain([NO_TIER.to_string()])
        .collect();
    let tiers = lists
        .validation(&tiers)?
        .set_error_title("申报等级")?
        .set_error_message("请从下拉列表中选择申报等级，或选“不申报”。")?;
    ws.add_data_validation(r, 1, r, 1, &tiers)?;

    let r = field(ws, "填报人", "填写人姓名")?;
    ws.write_blank(r, 1, &f.answer)?;

    let r = field(ws, "联系电话", "手机或座机")?;
    // Text, so a leading 0 of a landline survives.
    ws.write_blank(r, 1, &f.answer_text)?;

    let r = field(ws, "填报日期", "如 2024-01-15")?;
    ws.write_blank(r, 1, &f.answer_date)?;
    let date = DataValidation::new()
        .allow_date(DataValidationRule::Between(
            ExcelDateTime::from_ymd(2000, 1, 1)?,
            ExcelDateTime::from_ymd(2100, 12, 31)?,
        ))
        .set_input_message("按“2024-01-15”的格式填写日期")?
        .set_error_title("填报日期")?
        .set_error_message("请填写日期，如 2024-01-15。")?;
    ws.add_data_validation(r, 1, r, 1, &date)?;

    ws.set_freeze_panes(HEADER_ROW, 0)?;
    ws.set_selection(HEADER_ROW, 1, HEADER_ROW, 1)?;
    protect(ws);
    print_setup(ws, false, None)
}
