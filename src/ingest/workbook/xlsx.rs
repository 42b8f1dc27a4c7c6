//! xlsx / xlsm through calamine, streaming.
//!
//! calamine's `Xlsx::new` loads shared strings, styles, the sheet list and
//! the workbook relationships whole, and some of those grow far beyond
//! their XML size (an empty `<xf/>` becomes a full style record). So the
//! parts it loads are first scanned here and the number of such elements
//! capped. Cells are then streamed; only non-empty ones are kept.

use std::io::{BufReader, Cursor, Read};

use calamine::{Reader, Xlsx, XlsxError};
use quick_xml::Reader as XmlReader;
use quick_xml::events::Event;

use super::detect::open_zip;
use super::{
    Limits, MergedRange, SheetBuilder, TextBudget, Workbook, WorkbookError, WorkbookFormat,
    from_calamine, guarded, is_percent_format, short_name,
};

pub(super) fn read(
    bytes: &[u8],
    format: WorkbookFormat,
    wanted: &dyn Fn(&str) -> bool,
    merges: &dyn Fn(&str) -> bool,
    limits: &Limits,
) -> Result<Workbook, WorkbookError> {
    prescan_loaded_parts(bytes, limits)?;

    let mut xlsx = guarded("打开工作簿", || {
        Xlsx::new(Cursor::new(bytes)).map_err(|e| open_error(&e))
    })?;
    let sheet_names = xlsx.sheet_names();
    let mut budget = TextBudget::new(limits.max_text_bytes);
    let mut sheets = Vec::new();
    for (i, name) in sheet_names.iter().enumerate() {
        // A name listed twice (crafted files only) is read once.
        if !wanted(name) || sheet_names[..i].contains(name) {
            continue;
        }
        let mut builder = SheetBuilder::new(name, limits);
        guarded("读取工作表", || {
            read_cells(&mut xlsx, name, &mut builder, &mut budget)
        })?;
        if merges(name) {
            guarded("读取合并单元格", || {
                read_merged(&mut xlsx, name, &mut builder)
            })?;
        }
        sheets.push(builder.finish());
    }
    Ok(Workbook {
        format,
        sheet_names,
        sheets,
    })
}

fn open_error(e: &XlsxError) -> WorkbookError {
    match e {
        XlsxError::Password => WorkbookError::Encrypted,
        other => WorkbookError::Corrupt(format!("无法打开工作簿（{other}）")),
    }
}

fn sheet_error(name: &str, e: &XlsxError) -> WorkbookError {
    WorkbookError::Corrupt(format!("无法读取工作表“{}”（{e}）", short_name(name)))
}

/// Streams the cells of one sheet. Empty cells (formatted but blank, the
/// bulk of a sheet with a million formatted rows) cost time, never memory.
fn read_cells(
    xlsx: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    builder: &mut SheetBuilder,
    budget: &mut TextBudget,
) -> Result<(), WorkbookError> {
    let mut cells = match xlsx.worksheet_cells_reader(name) {
        Ok(reader) => reader,
        // A chart sheet has no cells.
        Err(XlsxError::NotAWorksheet(_)) => return Ok(()),
        Err(e) => return Err(sheet_error(name, &e)),
    };
    // Percent formats, by style id (the cell's `s` attribute).
    let percent: Vec<bool> = cells
        .styles()
        .iter()
        .map(|s| {
            s.number_format
                .as_ref()
                .is_some_and(|f| is_percent_format(&f.format_code))
        })
        .collect();
    loop {
        let (cell, style) = match cells.next_cell_with_style_id() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => return Err(sheet_error(name, &e)),
        };
        let is_percent = percent.get(style).copied().unwrap_or(false);
        if let Some(value) = from_calamine(cell.get_value(), is_percent, budget)? {
            let (row, col) = cell.get_position();
            builder.push(row, col, value)?;
        }
    }
    Ok(())
}

fn read_merged(
    xlsx: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    builder: &mut SheetBuilder,
) -> Result<(), WorkbookError> {
    let merged = match xlsx.merge_cells_by_sheet_name(name) {
        Ok(m) => m,
        Err(XlsxError::NotAWorksheet(_)) => return Ok(()),
        Err(e) => return Err(sheet_error(name, &e)),
    };
    builder.check_merged_room(merged.len() as u64)?;
    for d in merged {
        builder.push_merged(MergedRange {
            first_row: d.start.0.min(d.end.0),
            first_col: d.start.1.min(d.end.1),
            last_row: d.start.0.max(d.end.0),
            last_col: d.start.1.max(d.end.1),
        })?;
    }
    Ok(())
}

/// Elements that `Xlsx::new` turns into one in-memory record each, and the
/// limit for each. Counted per part, in every part except worksheets (which
/// are streamed) and binary media.
fn element_limit(local_name: &str, limits: &Limits) -> Option<(usize, &'static str)> {
    Some(match local_name {
        "si" => (limits.max_shared_strings, "共享字符串"),
        "xf" | "font" | "fill" | "border" | "numFmt" | "dxf" => (limits.max_styles, "单元格格式"),
        "sheet" => (limits.max_sheets, "工作表"),
        // Relationships and defined names: a real workbook has a few per
        // sheet; the cap only stops absurd counts.
        "Relationship" | "definedName" => (limits.max_sheets.saturating_mul(100), "关系或名称"),
        _ => return None,
    })
}

/// The fewest bytes of XML that can hold more counted elements than a cap
/// allows: `cap + 1` elements of at least `<name/>` each. calamine takes
/// each kind from its own part only (strings from sharedStrings.xml, formats
/// from styles.xml, sheets and names from workbook.xml, relationships from
/// .rels); any other part is held to the smallest cap of all.
fn smallest_size_over_a_cap(part: &str, limits: &Limits) -> u64 {
    let kinds: &[&str] = if part.ends_with("sharedstrings.xml") {
        &["si"]
    } else if part.ends_with("styles.xml") {
        &["xf", "font", "fill", "border", "numFmt", "dxf"]
    } else if part.ends_with("workbook.xml") {
        &["sheet", "definedName"]
    } else if part.ends_with(".rels") {
        &["Relationship"]
    } else {
        &[
            "si",
            "xf",
            "font",
            "fill",
            "border",
            "numFmt",
            "dxf",
            "sheet",
            "Relationship",
            "definedName",
        ]
    };
    kinds
        .iter()
        .filter_map(|name| {
            element_limit(name, limits)
                .map(|(cap, _)| (cap as u64 + 1).saturating_mul(name.len() as u64 + 3))
        })
        .min()
        .unwrap_or(0)
}

/// Streams every XML part that calamine may load whole and counts the
/// elements that become records. Worksheets are skipped: they are streamed
/// later with bounded memory.
fn prescan_loaded_parts(bytes: &[u8], limits: &Limits) -> Result<(), WorkbookError> {
    let mut archive = open_zip(bytes, limits)?;
    for i in 0..archive.len() {
        let unreadable = |e: zip::result::ZipError| {
            WorkbookError::Corrupt(format!("压缩包中的第 {} 个部件无法读取（{e}）", i + 1))
        };
        // The header first (no inflater set up): most parts need no count.
        let (name, size) = {
            let raw = archive.by_index_raw(i).map_err(unreadable)?;
            (
                raw.name().unwrap_or_default().to_ascii_lowercase(),
                raw.size(),
            )
        };
        let is_xml = name.ends_with(".xml") || name.ends_with(".rels");
        if !is_xml || name.contains("worksheets/") {
            continue;
        }
        // A part too small to hold more elements than any cap allows needs
        // no count (zip holds every part to its declared size).
        if size < smallest_size_over_a_cap(&name, limits) {
            continue;
        }
        let entry = archive.by_index(i).map_err(unreadable)?;
        count_elements(entry, &name, limits)?;
    }
    Ok(())
}

fn count_elements(part: impl Read, name: &str, limits: &Limits) -> Result<(), WorkbookError> {
    let mut xml = XmlReader::from_reader(BufReader::new(part));
    // The same settings as calamine's reader, so both stop at the same
    // malformed spot: whatever calamine loads, we have counted.
    let config = xml.config_mut();
    config.check_end_names = false;
    config.check_comments = false;
    config.expand_empty_elements = true;
    config.trim_text(false);
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let event = match xml.read_event_into(&mut buf) {
            Ok(e) => e,
            // Malformed XML: calamine stops at the same place (and reports
            // it), or never reads this part at all.
            Err(_) => return Ok(()),
        };
        match event {
            Event::Start(e) => {
                let local = e.local_name();
                let Some((limit, what)) = element_limit(local.as_ref(), limits) else {
                    continue;
                };
                let key: &'static str = match local.as_ref() {
                    "si" => "si",
                    "sheet" => "sheet",
                    "Relationship" => "Relationship",
                    "definedName" => "definedName",
                    _ => "style",
                };
                let slot = match counts.iter_mut().find(|(k, _)| *k == key) {
                    Some(slot) => slot,
                    None => {
                        counts.push((key, 0));
                        let last = counts.len() - 1;
                        &mut counts[last]
                    }
                };
                slot.1 += 1;
                if slot.1 > limit {
                    if key == "sheet" {
                        return Err(WorkbookError::TooManySheets { limit });
                    }
                    return Err(WorkbookError::TooComplex(format!(
                        "部件“{}”中的{what}超过 {limit} 个",
                        short_name(name)
                    )));
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}
