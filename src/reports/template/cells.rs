//! Cell styles and the small writing helpers every sheet of the template uses.

use rust_xlsxwriter::{
    ColNum, DataValidation, Format, FormatAlign, FormatBorder, Formula, ProtectionOptions, RowNum,
    Worksheet, XlsxError,
};

use super::describe;
use super::{LINE_HEIGHT, NOTE_ROW, PAPER_A4, ROW_HEIGHT, SHEET_LISTS, TITLE_ROW};

/// Every cell style, built once. Locked is Excel's default, so only the
/// answer styles say `set_unlocked`.
pub(super) struct Formats {
    pub(super) title: Format,
    pub(super) note: Format,
    pub(super) header: Format,
    pub(super) label: Format,
    pub(super) text: Format,
    pub(super) wrapped: Format,
    pub(super) centered: Format,
    pub(super) hint: Format,
    /// Locked and grey: pre-filled values that must not change, and 自动计分.
    pub(super) fixed: Format,
    pub(super) heading: Format,
    pub(super) answer: Format,
    /// Kept as text, so codes such as 330102001 or 00123 never become numbers.
    pub(super) answer_text: Format,
    pub(super) answer_date: Format,
    pub(super) answer_wrapped: Format,
    /// Unlocked and blue: 检查分 of an inspector's item, for the inspection team.
    pub(super) inspector: Format,
}

impl Formats {
    pub(super) fn new() -> Formats {
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
            inspector: cell.clone().set_unlocked().set_background_color(0xDDEBF7),
            answer,
        }
    }
}

/// Text from a checklist or a prefill that Excel would take for a formula
/// once a clerk edits the cell. `write_string` never creates a formula; the
/// quote prefix keeps it text in Excel's own editor too.
pub(super) fn looks_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

pub(super) fn guarded(format: &Format, text: &str) -> Format {
    if looks_like_formula(text) {
        format.clone().set_quote_prefix()
    } else {
        format.clone()
    }
}

pub(super) fn put_text(
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
pub(super) fn put_answer(
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
pub(super) fn title_and_note(
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
pub(super) fn fit_row_height(
    ws: &mut Worksheet,
    row: RowNum,
    cells: &[(&str, f64)],
) -> Result<(), XlsxError> {
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
pub(super) fn width_for<'a>(texts: impl IntoIterator<Item = &'a str>, min: f64, max: f64) -> f64 {
    let widest = texts
        .into_iter()
        .map(describe::display_width)
        .max()
        .unwrap_or(0);
    (widest as f64 + 2.0).clamp(min, max)
}

/// Locks the sheet (no password: this guards against slips, not people) but
/// lets clerks resize rows and columns to read long text.
pub(super) fn protect(ws: &mut Worksheet) {
    let options = ProtectionOptions {
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::new()
    };
    ws.protect_with_options(&options);
}

pub(super) fn print_setup(
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
pub(super) struct OptionLists {
    columns: Vec<Vec<String>>,
}

impl OptionLists {
    pub(super) fn validation(&mut self, entries: &[String]) -> Result<DataValidation, XlsxError> {
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

    pub(super) fn into_sheet(self, f: &Formats) -> Result<Option<Worksheet>, XlsxError> {
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
