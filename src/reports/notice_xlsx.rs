//! The 整改通知书 (rectification notice) as a one-sheet workbook, laid out to
//! print on A4 portrait (rows and columns 1-based as Excel shows them):
//!
//! ```text
//! 1  notice number (文号), right-aligned; 未签发 for a draft
//! 2  整改通知书 (title)
//! 3  致 <unit>：
//! 4  opening paragraph: 根据<year>年度档案工作年检结果……于 <reply_by> 前……
//! 5  header: A 序号 | B 条目 | C 问题 | D 整改要求 | E 整改期限 (repeated on every printed page)
//! 6… one row per line
//!    a blank row, 特此通知。, two blank rows,
//!    the bureau, the date of issue and （盖章）, right-aligned,
//!    the bureau's address and telephone (when configured), 签收 line
//! ```
//!
//! All of A:E is merged for the paragraphs; their heights are set from the
//! text, since Excel does not grow merged rows.

use rust_xlsxwriter::{ColNum, Format, FormatAlign, RowNum, Workbook, Worksheet, XlsxError};

use super::ReportError;
use super::district_xlsx::{
    LINE_HEIGHT, PAPER_A4, Style, cell_base, header_format, height_for, properties, put_text,
    wrapped_lines,
};
use super::model::Notice;

const SHEET_NOTICE: &str = "整改通知书";

/// A 序号 | B 条目 | C 问题 | D 整改要求 | E 整改期限.
const WIDTHS: [f64; 5] = [6.0, 10.0, 30.0, 34.0, 16.0];
const LAST_COL: ColNum = WIDTHS.len() as ColNum - 1;
/// Two full-width spaces: the indent of a Chinese paragraph.
const INDENT: &str = "\u{3000}\u{3000}";

/// Writes the notice as xlsx bytes. The same notice always gives the same bytes.
pub fn notice_xlsx(notice: &Notice) -> Result<Vec<u8>, ReportError> {
    let mut ws = Worksheet::new();
    notice_sheet(&mut ws, notice, &Formats::new())?;
    let mut workbook = Workbook::new();
    workbook.set_properties(&properties(
        &format!("整改通知书 {}", notice.number),
        &format!("{} 年度档案工作年检整改通知", notice.year),
    )?);
    workbook.push_worksheet(ws);
    Ok(workbook.save_to_buffer()?)
}

struct Formats {
    number: Style,
    title: Format,
    to: Style,
    paragraph: Style,
    header: Style,
    centered: Style,
    wrapped: Style,
    date: Format,
    signature: Style,
}

impl Formats {
    fn new() -> Formats {
        let cell = cell_base();
        Formats {
            number: Style::new(
                Format::new()
                    .set_align(FormatAlign::Right)
                    .set_align(FormatAlign::VerticalCenter),
            ),
            title: Format::new()
                .set_bold()
                .set_font_size(20)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            to: Style::new(
                Format::new()
                    .set_bold()
                    .set_font_size(12)
                    .set_text_wrap()
                    .set_align(FormatAlign::VerticalCenter),
            ),
            paragraph: Style::new(
                Format::new()
                    .set_font_size(12)
                    .set_text_wrap()
                    .set_align(FormatAlign::Top),
            ),
            header: Style::new(header_format()),
            centered: Style::new(cell.clone().set_text_wrap().set_align(FormatAlign::Center)),
            wrapped: Style::new(cell.clone().set_text_wrap()),
            date: cell
                .set_align(FormatAlign::Center)
                .set_num_format("yyyy\"年\"m\"月\"d\"日\""),
            signature: Style::new(
                Format::new()
                    .set_font_size(12)
                    .set_align(FormatAlign::Right)
                    .set_align(FormatAlign::VerticalCenter)
                    .set_indent(2),
            ),
        }
    }
}

/// A paragraph merged across A:E, as tall as its text (12-point).
fn paragraph(ws: &mut Worksheet, row: RowNum, text: &str, style: &Style) -> Result<(), XlsxError> {
    ws.merge_range(row, 0, row, LAST_COL, text, style.pick(text))?;
    let width: f64 = WIDTHS.iter().sum();
    // 12-point text is about 12/11 as wide and tall as the 11-point the helpers assume.
    let lines = wrapped_lines(text, width * 11.0 / 12.0);
    ws.set_row_height(row, (lines as f64 * LINE_HEIGHT * 1.15 + 8.0).max(24.0))?;
    Ok(())
}

/// What row 1 shows before the bureau has issued (numbered) the notice.
const DRAFT_NUMBER: &str = "（未签发：档案局签发时编号）";

/// The opening paragraph, worded as the HTML notice.
fn opening(notice: &Notice) -> String {
    let year = notice.year;
    if notice.lines.is_empty() {
        return format!("{INDENT}根据{year}年度档案工作年检结果，你单位目前没有待整改的事项。");
    }
    let deadline = if notice.reply_by.is_empty() {
        "请按所列期限逐项整改，并将整改情况连同佐证材料书面报告我局。".to_string()
    } else {
        format!(
            "请按所列期限逐项整改，并于 {} 前将整改情况连同佐证材料书面报告我局。",
            notice.reply_by
        )
    };
    format!(
        "{INDENT}根据{year}年度档案工作年检结果，你单位存在以下 {} 项问题，{deadline}",
        notice.lines.len()
    )
}

/// 联系地址 and 联系电话 as configured, one line each.
fn contact_lines(notice: &Notice) -> Vec<String> {
    [
        ("联系地址", &notice.bureau_address),
        ("联系电话", &notice.bureau_phone),
    ]
    .iter()
    .filter_map(|(label, value)| value.as_ref().map(|v| format!("{label}：{v}")))
    .collect()
}

fn notice_sheet(ws: &mut Worksheet, notice: &Notice, f: &Formats) -> Result<(), XlsxError> {
    ws.set_name(SHEET_NOTICE)?;
    for (col, width) in WIDTHS.iter().enumerate() {
        ws.set_column_width(col as ColNum, *width)?;
    }

    let number = if notice.number.is_empty() {
        DRAFT_NUMBER
    } else {
        notice.number.as_str()
    };
    ws.merge_range(0, 0, 0, LAST_COL, number, f.number.pick(number))?;
    ws.set_row_height(0, 22)?;
    ws.merge_range(1, 0, 1, LAST_COL, "整改通知书", &f.title)?;
    ws.set_row_height(1, 44)?;
    paragraph(ws, 2, &format!("致 {}：", notice.unit_name), &f.to)?;
    let opening = opening(notice);
    paragraph(ws, 3, &opening, &f.paragraph)?;

    const HEADER: RowNum = 4;
    for (col, name) in ["序号", "条目", "问题", "整改要求", "整改期限"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(HEADER, col as ColNum, *name, f.header.pick(name))?;
    }
    ws.set_row_height(HEADER, 24)?;

    let mut row = HEADER + 1;
    for line in &notice.lines {
        ws.write_number_with_format(row, 0, line.number as f64, f.centered.plain())?;
        put_text(ws, row, 1, &line.item, &f.centered)?;
        put_text(ws, row, 2, &line.title, &f.wrapped)?;
        put_text(ws, row, 3, &line.requirement, &f.wrapped)?;
        match chrono::NaiveDate::parse_from_str(&line.due, "%Y-%m-%d") {
            Ok(date) => {
                ws.write_date_with_format(row, 4, date, &f.date)?;
            }
            Err(_) => put_text(ws, row, 4, &line.due, &f.centered)?,
        }
        let lines = [
            (line.item.as_str(), WIDTHS[1]),
            (line.title.as_str(), WIDTHS[2]),
            (line.requirement.as_str(), WIDTHS[3]),
        ]
        .iter()
        .map(|(text, width)| wrapped_lines(text, *width))
        .max()
        .unwrap_or(1);
        ws.set_row_height(row, height_for(lines).max(24.0))?;
        row += 1;
    }
    if notice.lines.is_empty() {
        ws.merge_range(
            row,
            0,
            row,
            LAST_COL,
            "（无待整改事项）",
            f.centered.plain(),
        )?;
        ws.set_row_height(row, 24)?;
        row += 1;
    }

    row += 1;
    paragraph(ws, row, &format!("{INDENT}特此通知。"), &f.paragraph)?;
    row += 3;
    paragraph(ws, row, &notice.bureau, &f.signature)?;
    paragraph(ws, row + 1, &notice.issued_on, &f.signature)?;
    paragraph(ws, row + 2, "（盖章）", &f.signature)?;
    row += 4;
    for line in contact_lines(notice) {
        paragraph(ws, row, &line, &f.paragraph)?;
        row += 1;
    }
    let receipt = format!(
        "签收单位：{}{INDENT}签收人：{}{INDENT}签收日期：{INDENT}年{INDENT}月{INDENT}日",
        notice.unit_name,
        INDENT.repeat(3)
    );
    paragraph(ws, row, &receipt, &f.paragraph)?;

    ws.set_screen_gridlines(false);
    ws.set_paper_size(PAPER_A4);
    ws.set_portrait();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    ws.set_margins(0.75, 0.75, 0.9, 0.9, 0.3, 0.3);
    ws.set_repeat_rows(HEADER, HEADER)?;
    ws.set_footer("&C第 &P 页，共 &N 页");
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use calamine::{Data, Range, Reader};

    use super::*;
    use crate::reports::model::NoticeLine;

    fn notice() -> Notice {
        let line =
            |number: usize, item: &str, title: &str, requirement: &str, due: &str| NoticeLine {
                number,
                id: number as i64 + 100,
                item: item.into(),
                title: title.into(),
                requirement: requirement.into(),
                due: due.into(),
                due_zh: String::new(),
                state_label: "待整改".into(),
            };
        Notice {
            number: "上城区档案局整改字〔2024〕第 7 号".into(),
            serial: Some(7),
            bureau: "杭州市上城区档案局".into(),
            bureau_address: Some("杭州市上城区示范路 1 号".into()),
            bureau_phone: Some("0571-87000000".into()),
            unit_code: "330102002".into(),
            unit_name: "=HYPERLINK(\"http://x\",\"y\")".into(),
            street: "湖滨街道".into(),
            year: 2024,
            total: "80".into(),
            tier: "市级规范化档案室".into(),
            issued_on: "2024年4月12日".into(),
            reply_by: "2024年6月30日".into(),
            lines: vec![
                line(
                    1,
                    "B1",
                    "档案室面积不足 20 平方米，档案与办公混用",
                    "落实专用档案室，配备密集架和温湿度计，并报送整改后照片",
                    "2024-06-30",
                ),
                line(2, "C3", "=1+1", "<script>alert(1)</script>", "2024-05-31"),
            ],
        }
    }

    fn render(notice: &Notice) -> Vec<u8> {
        notice_xlsx(notice).expect("renders")
    }

    fn sheet(bytes: &[u8]) -> Range<Data> {
        let mut workbook =
            calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).expect("opens");
        assert_eq!(workbook.sheet_names(), [SHEET_NOTICE]);
        workbook
            .worksheet_range(SHEET_NOTICE)
            .expect("sheet exists")
    }

    fn text(range: &Range<Data>, row: u32, col: u32) -> String {
        match range.get_value((row, col)).cloned().unwrap_or(Data::Empty) {
            Data::String(s) => s,
            Data::Empty => String::new(),
            other => other.to_string(),
        }
    }

    fn part(bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("xlsx is a zip");
        let mut xml = String::new();
        zip.by_name(name)
            .expect("part")
            .read_to_string(&mut xml)
            .expect("utf-8");
        xml
    }

    #[test]
    fn reads_as_a_notice() {
        let notice = notice();
        let range = sheet(&render(&notice));
        assert_eq!(text(&range, 0, 0), notice.number);
        assert_eq!(text(&range, 1, 0), "整改通知书");
        assert_eq!(text(&range, 2, 0), format!("致 {}：", notice.unit_name));
        assert_eq!(
            text(&range, 3, 0),
            "\u{3000}\u{3000}根据2024年度档案工作年检结果，你单位存在以下 2 项问题，请按所列期限逐项整改，并于 2024年6月30日 前将整改情况连同佐证材料书面报告我局。"
        );
        let header: Vec<String> = (0..5).map(|c| text(&range, 4, c)).collect();
        assert_eq!(header, ["序号", "条目", "问题", "整改要求", "整改期限"]);
        for (line, row) in notice.lines.iter().zip(5..) {
            assert_eq!(
                range.get_value((row, 0)),
                Some(&Data::Float(line.number as f64))
            );
            assert_eq!(text(&range, row, 1), line.item);
            assert_eq!(text(&range, row, 2), line.title);
            assert_eq!(text(&range, row, 3), line.requirement);
            assert!(matches!(range.get_value((row, 4)), Some(Data::DateTime(_))));
        }
        let end = range.end().expect("not empty").0;
        let rows: Vec<String> = (7..=end).map(|r| text(&range, r, 0)).collect();
        let at = |wanted: &str| {
            rows.iter()
                .position(|t| t == wanted)
                .unwrap_or_else(|| panic!("{wanted} in {rows:?}"))
        };
        // 落款: the bureau, the date of issue, the seal; then contact and 签收.
        assert_eq!(at(&notice.bureau) + 1, at(&notice.issued_on));
        assert_eq!(at(&notice.issued_on) + 1, at("（盖章）"));
        assert!(at("\u{3000}\u{3000}特此通知。") < at(&notice.bureau));
        assert!(at("联系地址：杭州市上城区示范路 1 号") > at("（盖章）"));
        assert_eq!(
            at("联系电话：0571-87000000"),
            at("联系地址：杭州市上城区示范路 1 号") + 1
        );
        assert!(rows[rows.len() - 1].starts_with("签收单位：=HYPERLINK"));
        assert!(rows[rows.len() - 1].contains("签收人："));
    }

    #[test]
    fn a_draft_says_it_has_no_number_yet() {
        let mut draft = notice();
        draft.number.clear();
        draft.serial = None;
        draft.bureau_address = None;
        draft.bureau_phone = None;
        let range = sheet(&render(&draft));
        assert_eq!(text(&range, 0, 0), "（未签发：档案局签发时编号）");
        let end = range.end().expect("not empty").0;
        assert!(!(0..=end).any(|r| text(&range, r, 0).starts_with("联系")));
    }

    #[test]
    fn prints_on_a4_portrait_and_keeps_text_as_text() {
        let bytes = render(&notice());
        let xml = part(&bytes, "xl/worksheets/sheet1.xml");
        assert!(xml.contains("paperSize=\"9\""));
        assert!(xml.contains("orientation=\"portrait\""));
        assert!(xml.contains("fitToHeight=\"0\""));
        assert!(!xml.contains("<f>"), "no formulas");
        assert!(
            part(&bytes, "xl/styles.xml").contains("quotePrefix=\"1\""),
            "=1+1 is quote-prefixed"
        );
        assert!(part(&bytes, "xl/workbook.xml").contains("_xlnm.Print_Titles"));
    }

    #[test]
    fn same_notice_gives_the_same_bytes() {
        assert_eq!(render(&notice()), render(&notice()));
    }

    #[test]
    fn a_notice_without_lines_or_date_still_reads() {
        let mut empty = notice();
        empty.lines.clear();
        empty.reply_by.clear();
        let range = sheet(&render(&empty));
        assert!(text(&range, 3, 0).contains("你单位目前没有待整改的事项"));
        assert_eq!(text(&range, 5, 0), "（无待整改事项）");
    }
}
