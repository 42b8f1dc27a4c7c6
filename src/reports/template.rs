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
//! Answer cells are unlocked and yellow; everything else is locked and the
//! sheets are protected without a password, which keeps clerks from
//! overwriting codes and labels by accident while still letting them resize.
//! A list too long for an inline drop-down goes to a hidden sheet 下拉选项.

mod describe;

use rust_xlsxwriter::{
    ColNum, DataValidation, DataValidationErrorStyle, DataValidationRule, DocProperties,
    ExcelDateTime, Format, FormatAlign, FormatBorder, Formula, ProtectionOptions, RowNum, Workbook,
    Worksheet, XlsxError,
};

use super::ReportError;
use crate::domain::checklist::{Checklist, Input, InputType, Item, Rule};
use crate::domain::{Answers, InputValue, ItemAnswer};

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
    scores_sheet(&mut scores, checklist, prefill.answers.as_ref(), &formats)?;

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

/// Every cell style, built once. Locked is Excel's default, so only the
/// answer styles say `set_unlocked`.
struct Formats {
    title: Format,
    note: Format,
    header: Format,
    label: Format,
    text: Format,
    wrapped: Format,
    centered: Format,
    hint: Format,
    /// Locked and grey: pre-filled values that must not change, and 自动计分.
    fixed: Format,
    heading: Format,
    answer: Format,
    /// Kept as text, so codes such as 330102001 or 00123 never become numbers.
    answer_text: Format,
    answer_date: Format,
    answer_wrapped: Format,
}

impl Formats {
    fn new() -> Formats {
        let cell = Format::new()
            .set_border(FormatBorder::Thin)
            .set_border_color(0xBFBFBF)
            .set_align(FormatAlign::VerticalCenter);
        let answer = cell.clone().set_unlocked().set_background_color(0xFFF2CC);
        Formats {
            title: Format::new()
                .set_bold()
                .set_font_size(14)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            note: Format::new()
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_font_color(0x595959),
            header: cell
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_background_color(0xD9E1F2),
            label: cell.clone().set_bold(),
            text: cell.clone(),
            wrapped: cell.clone().set_text_wrap(),
            centered: cell.clone().set_align(FormatAlign::Center),
            hint: cell.clone().set_text_wrap().set_font_color(0x808080),
            fixed: cell
                .clone()
                .set_align(FormatAlign::Center)
                .set_background_color(0xEDEDED)
                .set_font_color(0x595959),
            heading: cell.clone().set_bold().set_background_color(0xF2F2F2),
            answer_text: answer.clone().set_num_format("@"),
            answer_date: answer.clone().set_num_format("yyyy-mm-dd"),
            answer_wrapped: answer.clone().set_text_wrap(),
            answer,
        }
    }
}

/// Text from a checklist or a prefill that Excel would take for a formula
/// once a clerk edits the cell. `write_string` never creates a formula; the
/// quote prefix keeps it text in Excel's own editor too.
fn looks_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

fn guarded(format: &Format, text: &str) -> Format {
    if looks_like_formula(text) {
        format.clone().set_quote_prefix()
    } else {
        format.clone()
    }
}

fn put_text(
    ws: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    text: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    ws.write_string_with_format(row, col, text, &guarded(format, text))?;
    Ok(())
}

/// An answer cell, pre-filled when a value is known.
fn put_answer(
    ws: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    value: Option<&str>,
    format: &Format,
) -> Result<(), XlsxError> {
    match value {
        Some(text) if !text.is_empty() => put_text(ws, row, col, text, format),
        _ => {
            ws.write_blank(row, col, format)?;
            Ok(())
        }
    }
}

/// The title and instruction rows every sheet starts with, merged across
/// `last_col`; merged cells never grow with their text, so the height is set.
fn title_and_note(
    ws: &mut Worksheet,
    title: &str,
    note: &[&str],
    widths: &[f64],
    f: &Formats,
) -> Result<(), XlsxError> {
    let last_col = (widths.len() - 1) as ColNum;
    ws.merge_range(
        TITLE_ROW,
        0,
        TITLE_ROW,
        last_col,
        title,
        &guarded(&f.title, title),
    )?;
    ws.set_row_height(TITLE_ROW, 30)?;
    let note = note.join("\n");
    ws.merge_range(NOTE_ROW, 0, NOTE_ROW, last_col, &note, &f.note)?;
    let lines = describe::wrapped_lines(&note, widths.iter().sum());
    ws.set_row_height(NOTE_ROW, lines as f64 * LINE_HEIGHT + 6.0)?;
    for (col, width) in widths.iter().enumerate() {
        ws.set_column_width(col as ColNum, *width)?;
    }
    Ok(())
}

/// A row of wrapped cells as tall as its longest text needs.
fn fit_row_height(ws: &mut Worksheet, row: RowNum, cells: &[(&str, f64)]) -> Result<(), XlsxError> {
    let lines = cells
        .iter()
        .map(|(text, width)| describe::wrapped_lines(text, *width))
        .max()
        .unwrap_or(1);
    // At least a little taller than Excel's default, so one-line and
    // wrapped rows sit evenly.
    ws.set_row_height(row, (lines as f64 * LINE_HEIGHT + 4.0).max(ROW_HEIGHT))?;
    Ok(())
}

/// Column width for the widest of `texts`, within `min..=max`.
fn width_for<'a>(texts: impl IntoIterator<Item = &'a str>, min: f64, max: f64) -> f64 {
    let widest = texts
        .into_iter()
        .map(describe::display_width)
        .max()
        .unwrap_or(0);
    (widest as f64 + 2.0).clamp(min, max)
}

/// Locks the sheet (no password: this guards against slips, not people) but
/// lets clerks resize rows and columns to read long text.
fn protect(ws: &mut Worksheet) {
    let options = ProtectionOptions {
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::new()
    };
    ws.protect_with_options(&options);
}

fn print_setup(
    ws: &mut Worksheet,
    landscape: bool,
    repeat_row: Option<RowNum>,
) -> Result<(), XlsxError> {
    ws.set_paper_size(PAPER_A4);
    if landscape {
        ws.set_landscape();
    }
    // One page wide, as many pages tall as needed.
    ws.set_print_fit_to_pages(1, 0);
    if let Some(row) = repeat_row {
        ws.set_repeat_rows(row, row)?;
    }
    ws.set_footer("&C第 &P 页，共 &N 页");
    Ok(())
}

/// Drop-down lists whose text is too long for an inline list (Excel allows
/// 255 characters including commas, and a comma would split an entry). Those
/// are written to a hidden sheet and the validation points at the cells.
#[derive(Default)]
struct OptionLists {
    columns: Vec<Vec<String>>,
}

impl OptionLists {
    fn validation(&mut self, entries: &[String]) -> Result<DataValidation, XlsxError> {
        let joined: usize = entries.iter().map(|e| e.encode_utf16().count() + 1).sum();
        if joined <= 255 && !entries.iter().any(|e| e.contains(',')) {
            return DataValidation::new().allow_list_strings(entries);
        }
        let col = self.columns.len() as ColNum;
        self.columns.push(entries.to_vec());
        let letter = rust_xlsxwriter::utility::column_number_to_name(col);
        let range = format!(
            "='{SHEET_LISTS}'!${letter}$1:${letter}${}",
            entries.len().max(1)
        );
        Ok(DataValidation::new().allow_list_formula(Formula::new(range)))
    }

    fn into_sheet(self, f: &Formats) -> Result<Option<Worksheet>, XlsxError> {
        if self.columns.is_empty() {
            return Ok(None);
        }
        let mut ws = Worksheet::new();
        ws.set_name(SHEET_LISTS)?;
        for (col, entries) in self.columns.iter().enumerate() {
            for (row, entry) in entries.iter().enumerate() {
                put_text(&mut ws, row as RowNum, col as ColNum, entry, &f.text)?;
            }
            ws.set_column_width(
                col as ColNum,
                width_for(entries.iter().map(String::as_str), 10.0, 60.0),
            )?;
        }
        ws.set_hidden(true);
        protect(&mut ws);
        Ok(Some(ws))
    }
}

/// 基本情况: who fills in, for which year and checklist.
fn basic_sheet(
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

/// 人财物投入: one row per input, grouped 人, 财, 物, 其他.
fn inputs_sheet(
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
fn input_validation(input: &Input, hint: &str) -> Result<DataValidation, XlsxError> {
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

/// 自查评分: one row per item, a heading row before each category.
fn scores_sheet(
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
        let answer = answers.and_then(|a| a.self_scores.get(&item.code).copied());
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

fn item_row(
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
                None => ws.write_blank(row, 5, &f.answer)?,
            };
            let rule = describe::score_rule(item, *step);
            let validation = DataValidation::new()
                .allow_custom(Formula::new(score_formula(row, item, step.tenths())))
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
fn score_formula(row: RowNum, item: &Item, step_tenths: i32) -> String {
    let cell = format!("F{}", row + 1);
    let max = item.max;
    let number = format!("AND({cell}>=0,{cell}<={max},MOD(ROUND({cell}*10,6),{step_tenths})=0)");
    let otherwise = if item.optional {
        format!("{cell}=\"{NOT_APPLICABLE}\"")
    } else {
        "FALSE".to_string()
    };
    format!("=IF(ISNUMBER({cell}),{number},{otherwise})")
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use calamine::{Data, Range, Reader};

    use super::*;
    use crate::domain::checklist::RawChecklist;

    /// All five rule kinds, an optional self item (A2), an all-or-nothing self
    /// item (A3, step = max), an input in 元, and a label that looks like a formula.
    const CHECKLIST: &str = r#"
id = "test"
version = "1"
title = "测试档案工作考核细则"
unit_kinds = ["社区", "机关"]
total = 20

[[inputs]]
key = "room_area"
label = "档案室面积"
unit = "平方米"
type = "decimal"
group = "物"

[[inputs]]
key = "has_budget"
label = "档案经费列入预算"
type = "yes_no"
group = "财"

[[inputs]]
key = "air_conditioner"
label = "空调"
type = "yes_no"
group = "物"

[[inputs]]
key = "scanners"
label = "扫描仪"
unit = "台"
type = "integer"
group = "物"

[[inputs]]
key = "digitised"
label = "存量档案数字化率"
unit = "%"
type = "percent"
group = "其他"

[[inputs]]
key = "staff"
label = "专职档案员"
unit = "人"
type = "integer"
group = "人"
note = "专门从事档案工作的人员"

[[inputs]]
key = "budget"
label = "年度档案经费"
unit = "元"
type = "decimal"
group = "财"

[[inputs]]
key = "odd"
label = "=1+1 看似公式"
type = "yes_no"
group = "其他"

[[categories]]
code = "A"
name = "组织领导"

[[categories]]
code = "B"
name = "设施设备"

[[items]]
code = "A1"
category = "A"
title = "明确分管领导"
max = 4
rule = "self"

[[items]]
code = "A2"
category = "A"
title = "科技档案整理规范"
max = 2
rule = "self"
optional = true

[[items]]
code = "A3"
category = "A"
title = "编制归档范围"
max = 2
rule = "self"
step = 2

[[items]]
code = "A4"
category = "A"
title = "经费列入预算"
max = 2
rule = "yes_no"
input = "has_budget"

[[items]]
code = "B1"
category = "B"
title = "档案室面积"
max = 4
rule = "bands"
input = "room_area"
bands = [[40, 4], [20, 2], [10, 1]]

[[items]]
code = "B2"
category = "B"
title = "设备"
max = 2
rule = "each"
inputs = ["air_conditioner", "scanners"]
each = 1

[[items]]
code = "B3"
category = "B"
title = "数字化"
max = 4
rule = "linear"
input = "digitised"
full_at = 80

[[tiers]]
code = "city-standard"
name = "市级规范化档案室"
min_total = 12

[[tiers]]
code = "province-model"
name = "省级示范档案室"
min_total = 18
"#;

    fn checklist_from(text: &str) -> Checklist {
        let raw: RawChecklist = toml::from_str(text).expect("test checklist is TOML");
        Checklist::from_raw(raw).expect("test checklist is valid")
    }

    fn prefill() -> Prefill {
        Prefill {
            unit_name: Some("小营巷社区".into()),
            unit_code: Some("00123".into()),
            unit_kind: Some("社区".into()),
            street: Some("小营街道".into()),
            year: Some(2024),
            ..Prefill::default()
        }
    }

    fn generate() -> Vec<u8> {
        self_check_template(&checklist_from(CHECKLIST), &prefill()).expect("template")
    }

    fn sheet(bytes: &[u8], name: &str) -> Range<Data> {
        let mut workbook =
            calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).expect("opens");
        workbook.worksheet_range(name).expect("sheet exists")
    }

    fn cell(range: &Range<Data>, row: u32, col: u32) -> Data {
        range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
    }

    fn text(range: &Range<Data>, row: u32, col: u32) -> String {
        match cell(range, row, col) {
            Data::String(s) => s,
            Data::Empty => String::new(),
            other => other.to_string(),
        }
    }

    fn rows(range: &Range<Data>) -> u32 {
        range.end().map_or(0, |(row, _)| row + 1)
    }

    /// The value right of `label` in column A, as the reader finds it.
    fn value_of(range: &Range<Data>, label: &str) -> Data {
        let row = (0..rows(range))
            .find(|&r| text(range, r, 0) == label)
            .unwrap_or_else(|| panic!("label {label} missing"));
        cell(range, row, 1)
    }

    /// The first row holding all of `names`, and its cells.
    fn header(range: &Range<Data>, names: &[&str]) -> (u32, Vec<String>) {
        (0..rows(range))
            .map(|r| (r, (0..8).map(|c| text(range, r, c)).collect::<Vec<_>>()))
            .find(|(_, cells)| names.iter().all(|n| cells.iter().any(|c| c == n)))
            .expect("header row")
    }

    /// The rows under the header keyed by a column, in sheet order.
    fn keyed_rows(range: &Range<Data>, header_row: u32, key_col: u32) -> Vec<(u32, String)> {
        (header_row + 1..rows(range))
            .map(|r| (r, text(range, r, key_col)))
            .filter(|(_, key)| !key.is_empty())
            .collect()
    }

    /// A part of the xlsx zip, with the XML entities the tests look through undone.
    fn part(bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("xlsx is a zip");
        let mut xml = String::new();
        zip.by_name(name)
            .expect("part exists")
            .read_to_string(&mut xml)
            .expect("utf-8");
        xml.replace("&quot;", "\"")
            .replace("&gt;", ">")
            .replace("&lt;", "<")
            .replace("&amp;", "&")
    }

    #[test]
    fn has_the_three_sheets_by_name() {
        let bytes = generate();
        let workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).expect("opens");
        assert_eq!(
            workbook.sheet_names(),
            ["基本情况", "人财物投入", "自查评分"]
        );
    }

    #[test]
    fn basic_sheet_has_labels_with_values_to_their_right() {
        let range = sheet(&generate(), SHEET_BASIC);
        let labels: Vec<String> = (0..rows(&range))
            .map(|r| text(&range, r, 0))
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(
            labels[2..],
            [
                "单位名称",
                "单位代码",
                "单位类型",
                "所属街道",
                "年度",
                "考核细则",
                "申报等级",
                "填报人",
                "联系电话",
                "填报日期"
            ]
        );
        assert_eq!(value_of(&range, "考核细则"), Data::String("test@1".into()));
        // Leading zeros kept: the code is text, not the number 123.
        assert_eq!(value_of(&range, "单位代码"), Data::String("00123".into()));
        assert_eq!(
            value_of(&range, "单位名称"),
            Data::String("小营巷社区".into())
        );
        assert_eq!(value_of(&range, "单位类型"), Data::String("社区".into()));
        assert_eq!(
            value_of(&range, "所属街道"),
            Data::String("小营街道".into())
        );
        assert_eq!(value_of(&range, "年度"), Data::Float(2024.0));
        assert_eq!(value_of(&range, "申报等级"), Data::Empty);
        assert!(text(&range, 0, 0).contains("测试档案工作考核细则 自查表"));
    }

    #[test]
    fn basic_sheet_without_prefill_selects_the_only_kind() {
        let one_kind = CHECKLIST.replace(
            r#"unit_kinds = ["社区", "机关"]"#,
            r#"unit_kinds = ["社区"]"#,
        );
        let bytes =
            self_check_template(&checklist_from(&one_kind), &Prefill::default()).expect("template");
        let range = sheet(&bytes, SHEET_BASIC);
        assert_eq!(value_of(&range, "单位类型"), Data::String("社区".into()));
        assert_eq!(value_of(&range, "单位名称"), Data::Empty);
        assert_eq!(value_of(&range, "年度"), Data::Empty);

        let bytes =
            self_check_template(&checklist_from(CHECKLIST), &Prefill::default()).expect("template");
        assert_eq!(
            value_of(&sheet(&bytes, SHEET_BASIC), "单位类型"),
            Data::Empty
        );
    }

    #[test]
    fn inputs_sheet_has_the_header_and_one_row_per_input_grouped() {
        let range = sheet(&generate(), SHEET_INPUTS);
        let (header_row, cells) = header(&range, &["项目", "填报值"]);
        assert_eq!(header_row, HEADER_ROW);
        assert_eq!(
            cells[..6],
            ["类别", "代码", "项目", "计量单位", "填报值", "填写说明"]
        );
        assert!(cells[6..].iter().all(String::is_empty));

        let keys: Vec<String> = keyed_rows(&range, header_row, 1)
            .into_iter()
            .map(|(_, k)| k)
            .collect();
        assert_eq!(
            keys,
            [
                "staff",
                "has_budget",
                "budget",
                "room_area",
                "air_conditioner",
                "scanners",
                "digitised",
                "odd"
            ]
        );
        let checklist = checklist_from(CHECKLIST);
        for (row, key) in keyed_rows(&range, header_row, 1) {
            let input = checklist.input(&key).expect("known key");
            assert_eq!(text(&range, row, 0), input.group.label_zh());
            assert_eq!(text(&range, row, 2), input.label);
            assert_eq!(
                cell(&range, row, 4),
                Data::Empty,
                "{key} 填报值 starts empty"
            );
        }
        let digitised = keyed_rows(&range, header_row, 1)
            .into_iter()
            .find(|(_, k)| k == "digitised")
            .unwrap()
            .0;
        assert!(text(&range, digitised, 5).contains("填 0–100 的数，如 85 表示 85%"));
        let staff = header_row + 1;
        assert_eq!(text(&range, staff, 5), "专门从事档案工作的人员");
        assert_eq!(text(&range, staff, 3), "人");
    }

    #[test]
    fn scores_sheet_has_the_header_and_one_row_per_item() {
        let range = sheet(&generate(), SHEET_SCORES);
        let (header_row, cells) = header(&range, &["条目编号", "自评分"]);
        assert_eq!(header_row, HEADER_ROW);
        assert_eq!(
            cells[..7],
            [
                "条目编号",
                "类别",
                "考核内容",
                "分值",
                "评分方式",
                "自评分",
                "情况说明"
            ]
        );

        let items = keyed_rows(&range, header_row, 0);
        let codes: Vec<&str> = items.iter().map(|(_, c)| c.as_str()).collect();
        assert_eq!(codes, ["A1", "A2", "A3", "A4", "B1", "B2", "B3"]);

        let checklist = checklist_from(CHECKLIST);
        for (row, code) in &items {
            let item = checklist.item(code).unwrap();
            assert_eq!(text(&range, *row, 2), item.title);
            assert_eq!(cell(&range, *row, 3), Data::Float(item.max.as_f64()));
            let score = text(&range, *row, 5);
            match item.rule {
                Rule::SelfScored { .. } => assert_eq!(score, "", "{code}"),
                _ => assert_eq!(score, "自动计分", "{code}"),
            }
        }
        // A heading row with an empty 条目编号 stands before each category.
        assert_eq!(text(&range, header_row + 1, 0), "");
        assert_eq!(text(&range, header_row + 1, 1), "一、组织领导（10分）");
        let b1 = items.iter().find(|(_, c)| c == "B1").unwrap().0;
        assert_eq!(text(&range, b1 - 1, 1), "二、设施设备（10分）");
    }

    #[test]
    fn scoring_methods_describe_each_rule() {
        let range = sheet(&generate(), SHEET_SCORES);
        let method = |code: &str| {
            let row = keyed_rows(&range, HEADER_ROW, 0)
                .into_iter()
                .find(|(_, c)| c == code)
                .unwrap()
                .0;
            text(&range, row, 4)
        };
        assert_eq!(method("A1"), "自评（步长 0.5）");
        assert_eq!(method("A2"), "自评（步长 0.5）；可填“不适用”");
        assert_eq!(method("A3"), "自评（达标得满分，否则 0 分）");
        assert_eq!(method("A4"), "“档案经费列入预算”为“是”得满分");
        assert_eq!(
            method("B1"),
            "按“档案室面积”：≥40平方米 得4分；≥20平方米 得2分；≥10平方米 得1分"
        );
        assert_eq!(method("B2"), "每具备一项得 1 分（空调、扫描仪），最高 2 分");
        assert_eq!(
            method("B3"),
            "按“存量档案数字化率”折算：达到 80% 得满分，按比例计分、向下取 0.5 分"
        );
    }

    #[test]
    fn score_cells_carry_validations() {
        let bytes = generate();
        let range = sheet(&bytes, SHEET_SCORES);
        let row_of = |code: &str| {
            keyed_rows(&range, HEADER_ROW, 0)
                .into_iter()
                .find(|(_, c)| c == code)
                .unwrap()
                .0
                + 1
        };
        let xml = part(&bytes, "xl/worksheets/sheet3.xml");
        assert!(xml.contains("<dataValidation"));
        let a1 = row_of("A1");
        assert!(
            xml.contains(&format!(
                "<formula1>IF(ISNUMBER(F{a1}),AND(F{a1}>=0,F{a1}<=4,MOD(ROUND(F{a1}*10,6),5)=0),FALSE)</formula1>"
            )),
            "{xml}"
        );
        let a2 = row_of("A2");
        assert!(xml.contains(&format!(
            "MOD(ROUND(F{a2}*10,6),5)=0),F{a2}=\"不适用\")</formula1>"
        )));
        let a3 = row_of("A3");
        assert!(xml.contains(&format!("F{a3}<=2,MOD(ROUND(F{a3}*10,6),20)=0)")));
        // Rule items get no validation: only the three self items do.
        assert_eq!(xml.matches("<dataValidation ").count(), 3);
        assert!(xml.contains("<sheetProtection"));
        assert!(!xml.contains("<f>"), "no formulas in cells");

        let inputs = part(&bytes, "xl/worksheets/sheet2.xml");
        assert!(inputs.contains("<formula1>\"是,否\"</formula1>"));
        assert!(inputs.contains("<sheetProtection"));
        assert!(!inputs.contains("<f>"));

        let basic = part(&bytes, "xl/worksheets/sheet1.xml");
        assert!(basic.contains("<formula1>\"社区,机关\"</formula1>"));
        assert!(basic.contains("<formula1>\"市级规范化档案室,省级示范档案室,不申报\"</formula1>"));
        assert!(basic.contains("<sheetProtection"));
    }

    #[test]
    fn text_that_looks_like_a_formula_stays_text() {
        let bytes = generate();
        let range = sheet(&bytes, SHEET_INPUTS);
        let row = keyed_rows(&range, HEADER_ROW, 1)
            .into_iter()
            .find(|(_, k)| k == "odd")
            .unwrap()
            .0;
        assert_eq!(cell(&range, row, 2), Data::String("=1+1 看似公式".into()));
        assert!(part(&bytes, "xl/styles.xml").contains("quotePrefix=\"1\""));
    }

    #[test]
    fn same_input_gives_the_same_bytes() {
        assert_eq!(generate(), generate());
    }

    #[test]
    fn long_drop_down_lists_move_to_a_hidden_sheet() {
        let kinds: Vec<String> = (1..=30).map(|i| format!("\"第{i}类企事业单位\"")).collect();
        let many = CHECKLIST.replace(
            r#"unit_kinds = ["社区", "机关"]"#,
            &format!("unit_kinds = [{}]", kinds.join(", ")),
        );
        let bytes =
            self_check_template(&checklist_from(&many), &Prefill::default()).expect("template");
        let workbook =
            calamine::open_workbook_auto_from_rs(Cursor::new(bytes.clone())).expect("opens");
        assert_eq!(
            workbook.sheet_names(),
            ["基本情况", "人财物投入", "自查评分", "下拉选项"]
        );
        let basic = part(&bytes, "xl/worksheets/sheet1.xml");
        assert!(
            basic.contains("<formula1>'下拉选项'!$A$1:$A$30</formula1>"),
            "{basic}"
        );
        assert_eq!(text(&sheet(&bytes, SHEET_LISTS), 29, 0), "第30类企事业单位");
    }

    /// The project's own checklists (those that validate) give readable templates.
    #[test]
    fn real_checklists_produce_templates() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("checklists");
        let Ok(ids) = std::fs::read_dir(&dir) else {
            return;
        };
        for file in ids
            .flatten()
            .flat_map(|id| std::fs::read_dir(id.path()).into_iter().flatten().flatten())
        {
            let path = file.path();
            if path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("readable");
            // Validating checklists is another module's test; skip what does not parse.
            let Ok(raw) = toml::from_str::<RawChecklist>(&text) else {
                continue;
            };
            let Ok(checklist) = Checklist::from_raw(raw) else {
                continue;
            };
            let bytes = self_check_template(&checklist, &Prefill::default())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let range = sheet(&bytes, SHEET_SCORES);
            let (header_row, _) = header(&range, &["条目编号", "自评分"]);
            assert_eq!(
                keyed_rows(&range, header_row, 0).len(),
                checklist.items.len(),
                "{}",
                path.display()
            );
            let range = sheet(&bytes, SHEET_INPUTS);
            let (header_row, _) = header(&range, &["项目", "填报值"]);
            assert_eq!(
                keyed_rows(&range, header_row, 1).len(),
                checklist.inputs.len(),
                "{}",
                path.display()
            );
            assert_eq!(
                value_of(&sheet(&bytes, SHEET_BASIC), "考核细则"),
                Data::String(checklist.reference())
            );
        }
    }
}
