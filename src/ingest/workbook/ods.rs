//! OpenDocument spreadsheets (.ods), read by streaming `content.xml`.
//!
//! calamine's ods reader builds a dense grid, and ods files describe empty
//! space with repeat counts: LibreOffice writes
//! `table:number-rows-repeated="1048000"` after the last used row as a
//! matter of course. Here repeated empty rows and cells cost nothing;
//! repeated non-empty cells count every repetition toward the cell limit
//! before any of them is stored.

use std::io::BufReader;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use quick_xml::NsReader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, NamespaceResolver, QName, ResolveResult};

use super::detect::open_zip;
use super::{
    CellValue, Limits, MergedRange, SheetBuilder, TextBudget, Workbook, WorkbookError,
    WorkbookFormat, parse_iso_datetime,
};

const NS_TABLE: &str = "urn:oasis:names:tc:opendocument:xmlns:table:1.0";
const NS_OFFICE: &str = "urn:oasis:names:tc:opendocument:xmlns:office:1.0";
const NS_TEXT: &str = "urn:oasis:names:tc:opendocument:xmlns:text:1.0";
/// LibreOffice marks error cells with `calcext:value-type="error"`.
const NS_CALCEXT: &str = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0";

/// The largest sheet LibreOffice and Excel make. Positions past it can only
/// come from crafted files; empty space there is skipped, values refused.
const MAX_ROWS: u64 = 1 << 20;
const MAX_COLS: u64 = 1 << 14;

pub(super) fn read(
    bytes: &[u8],
    wanted: &dyn Fn(&str) -> bool,
    limits: &Limits,
) -> Result<Workbook, WorkbookError> {
    let mut archive = open_zip(bytes, limits)?;
    let content = archive
        .by_name("content.xml")
        .map_err(|e| WorkbookError::Corrupt(format!("找不到表格内容 content.xml（{e}）")))?;
    let mut reader = OdsReader {
        xml: NsReader::from_reader(BufReader::new(content)),
        buf: Vec::new(),
        limits,
        budget: TextBudget::new(limits.max_text_bytes),
    };
    let config = reader.xml.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = false;
    config.trim_text(false);
    reader.read_document(wanted)
}

type XmlIn<'a> = NsReader<BufReader<zip::read::ZipFile<'a, std::io::Cursor<&'a [u8]>>>>;

struct OdsReader<'a, 'l> {
    xml: XmlIn<'a>,
    buf: Vec<u8>,
    limits: &'l Limits,
    budget: TextBudget,
}

/// An owned copy of an element's name, namespace and attributes, so the
/// read buffer can be reused while the element is being handled.
struct Element {
    ns: String,
    local: String,
    qname: String,
    /// (namespace, local name, value)
    attrs: Vec<(String, String, String)>,
    /// `<x/>`: no children, no end tag.
    empty: bool,
}

impl Element {
    fn is(&self, ns: &str, local: &str) -> bool {
        self.ns == ns && self.local == local
    }

    fn attr(&self, ns: &str, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, l, _)| n == ns && l == local)
            .map(|(_, _, v)| v.as_str())
    }

    /// A positive count attribute such as `number-rows-repeated`; absent or
    /// unreadable means 1 (what LibreOffice does with a bad value).
    fn count(&self, local: &str) -> u64 {
        self.attr(NS_TABLE, local)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|&n| n >= 1)
            .unwrap_or(1)
    }
}

enum Item {
    Open(Element),
    Text(String),
    Close,
    Eof,
}

/// A cell of the row being read that has a value or starts a merge: it
/// is stored once per row repetition when the row ends.
struct PendingCell {
    col: u64,
    /// number-columns-repeated
    repeat: u64,
    value: Option<CellValue>,
    /// (columns, rows) covered when the cell is merged.
    span: Option<(u64, u64)>,
}

/// Copies what we need out of a start tag, resolving attribute namespaces
/// (`office:value-type` and `calcext:value-type` differ only by namespace).
fn element(
    resolver: &NamespaceResolver,
    ns: String,
    start: &BytesStart<'_>,
    empty: bool,
) -> Result<Element, WorkbookError> {
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(xml_error)?;
        let (ans, local) = resolver.resolve_attribute(attr.key);
        let ans = match ans {
            ResolveResult::Bound(Namespace(n)) => n.to_string(),
            _ => String::new(),
        };
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(xml_error)?
            .into_owned();
        attrs.push((ans, local.as_ref().to_string(), value));
    }
    Ok(Element {
        ns,
        local: start.local_name().as_ref().to_string(),
        qname: start.name().as_ref().to_string(),
        attrs,
        empty,
    })
}

fn xml_error(e: impl std::fmt::Display) -> WorkbookError {
    WorkbookError::Corrupt(format!("表格内容 content.xml 解析失败（{e}）"))
}

impl OdsReader<'_, '_> {
    fn next(&mut self) -> Result<Item, WorkbookError> {
        loop {
            self.buf.clear();
            let (ns, event) = self
                .xml
                .read_resolved_event_into(&mut self.buf)
                .map_err(xml_error)?;
            let ns: String = match ns {
                ResolveResult::Bound(Namespace(n)) => n.to_string(),
                _ => String::new(),
            };
            let (start, empty) = match event {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::End(_) => return Ok(Item::Close),
                Event::Eof => return Ok(Item::Eof),
                Event::Text(t) => return Ok(Item::Text(t.xml10_content().into_owned())),
                Event::CData(t) => {
                    return Ok(Item::Text(t.xml10_content().into_owned()));
                }
                Event::GeneralRef(r) => {
                    let s = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        Ok(None) => quick_xml::escape::resolve_predefined_entity(&r)
                            .unwrap_or("")
                            .to_string(),
                        Err(e) => return Err(xml_error(e)),
                    };
                    return Ok(Item::Text(s));
                }
                _ => continue,
            };
            let element = element(self.xml.resolver(), ns, &start, empty)?;
            return Ok(Item::Open(element));
        }
    }

    /// Skips the rest of an element we do not need (annotations, shapes,
    /// column definitions, …).
    fn skip(&mut self, element: &Element) -> Result<(), WorkbookError> {
        if element.empty {
            return Ok(());
        }
        self.buf.clear();
        self.xml
            .read_to_end_into(QName(&element.qname), &mut self.buf)
            .map_err(xml_error)?;
        Ok(())
    }

    fn read_document(&mut self, wanted: &dyn Fn(&str) -> bool) -> Result<Workbook, WorkbookError> {
        let mut sheet_names: Vec<String> = Vec::new();
        let mut sheets = Vec::new();
        let mut saw_spreadsheet = false;
        loop {
            match self.next()? {
                Item::Open(e) if e.is(NS_OFFICE, "spreadsheet") => saw_spreadsheet = true,
                Item::Open(e) if e.is(NS_TABLE, "table") => {
                    let name = e.attr(NS_TABLE, "name").unwrap_or("").to_string();
                    if sheet_names.len() >= self.limits.max_sheets {
                        return Err(WorkbookError::TooManySheets {
                            limit: self.limits.max_sheets,
                        });
                    }
                    let keep = wanted(&name) && !sheet_names.contains(&name);
                    sheet_names.push(name.clone());
                    if e.empty {
                        if keep {
                            sheets.push(SheetBuilder::new(&name, self.limits).finish());
                        }
                        continue;
                    }
                    if keep {
                        let mut builder = SheetBuilder::new(&name, self.limits);
                        self.read_table(Some(&mut builder))?;
                        sheets.push(builder.finish());
                    } else {
                        self.read_table(None)?;
                    }
                }
                // Descend into office:document-content, office:body, etc.
                Item::Open(_) | Item::Text(_) | Item::Close => {}
                Item::Eof => break,
            }
        }
        if !saw_spreadsheet {
            return Err(WorkbookError::WrongFileType(
                "这是 OpenDocument 文档，但不是电子表格；请上传 .xlsx、.xls 或 .ods 格式的自查表"
                    .to_string(),
            ));
        }
        Ok(Workbook {
            format: WorkbookFormat::Ods,
            sheet_names,
            sheets,
        })
    }

    /// Reads one table:table up to its end tag. Rows may sit directly in
    /// the table or inside row groups / header rows, so containers are
    /// descended into; anything else is skipped whole.
    fn read_table(&mut self, mut sheet: Option<&mut SheetBuilder>) -> Result<(), WorkbookError> {
        let mut row: u64 = 0;
        let mut depth = 0usize;
        loop {
            match self.next()? {
                Item::Open(e) if e.is(NS_TABLE, "table-row") => {
                    let repeat = e.count("number-rows-repeated");
                    if e.empty {
                        row = row.saturating_add(repeat);
                        continue;
                    }
                    let cells = self.read_row(sheet.as_deref())?;
                    if let Some(sheet) = sheet.as_deref_mut() {
                        emit_row(sheet, &mut self.budget, row, repeat, cells)?;
                    }
                    row = row.saturating_add(repeat);
                }
                Item::Open(e)
                    if e.ns == NS_TABLE
                        && matches!(
                            e.local.as_str(),
                            "table-row-group" | "table-header-rows" | "table-rows"
                        ) =>
                {
                    if !e.empty {
                        depth += 1;
                    }
                }
                Item::Open(e) => self.skip(&e)?,
                Item::Text(_) => {}
                Item::Close => {
                    if depth == 0 {
                        return Ok(());
                    }
                    depth -= 1;
                }
                Item::Eof => return Err(xml_error("表格未结束")),
            }
        }
    }

    /// Reads the cells of one row; with no sheet (an unwanted table) the
    /// row is only walked.
    fn read_row(
        &mut self,
        sheet: Option<&SheetBuilder>,
    ) -> Result<Vec<PendingCell>, WorkbookError> {
        let mut col: u64 = 0;
        let mut cells = Vec::new();
        // Non-empty cells and merges of this row, repeats included, checked
        // as the row is read so that a huge row stops early.
        let mut row_cells: u64 = 0;
        let mut row_merges: u64 = 0;
        loop {
            match self.next()? {
                Item::Open(e) if e.is(NS_TABLE, "table-cell") => {
                    let repeat = e.count("number-columns-repeated");
                    let Some(sheet) = sheet else {
                        self.skip(&e)?;
                        col = col.saturating_add(repeat);
                        continue;
                    };
                    let value = self.read_cell(&e)?;
                    let span = (
                        e.count("number-columns-spanned"),
                        e.count("number-rows-spanned"),
                    );
                    let span = (span != (1, 1)).then_some(span);
                    if value.is_some() {
                        row_cells = row_cells.saturating_add(repeat);
                        sheet.check_room(row_cells)?;
                    }
                    if span.is_some() {
                        row_merges = row_merges.saturating_add(repeat);
                        sheet.check_merged_room(row_merges)?;
                    }
                    if value.is_some() || span.is_some() {
                        cells.push(PendingCell {
                            col,
                            repeat,
                            value,
                            span,
                        });
                    }
                    col = col.saturating_add(repeat);
                }
                Item::Open(e) if e.is(NS_TABLE, "covered-table-cell") => {
                    // Hidden under a merge: spreadsheet programs do not show
                    // its content, so it is not read either.
                    col = col.saturating_add(e.count("number-columns-repeated"));
                    self.skip(&e)?;
                }
                Item::Open(e) => self.skip(&e)?,
                Item::Text(_) => {}
                Item::Close => return Ok(cells),
                Item::Eof => return Err(xml_error("行未结束")),
            }
        }
    }

    /// The value of a table:table-cell; the element's children (paragraphs)
    /// are consumed. `None` for an empty cell.
    fn read_cell(&mut self, e: &Element) -> Result<Option<CellValue>, WorkbookError> {
        let text = if e.empty {
            None
        } else {
            self.read_cell_text()?
        };
        let value_type = e.attr(NS_OFFICE, "value-type");
        let number = |percent: bool| -> Option<CellValue> {
            let v = e.attr(NS_OFFICE, "value")?.trim().parse::<f64>().ok()?;
            v.is_finite().then_some(CellValue::Number {
                value: v,
                percent_format: percent,
            })
        };
        if e.attr(NS_CALCEXT, "value-type") == Some("error") {
            let shown = text.unwrap_or_else(|| "#VALUE!".to_string());
            return Ok(Some(CellValue::Error(shown)));
        }
        let value = match value_type {
            // LibreOffice keeps TRUE/FALSE as the numbers 1/0 with a boolean
            // display format (from an xlsx, even as the formula =TRUE()).
            // The format is a style lookup away; the shown text says the same.
            Some("float")
                if matches!(e.attr(NS_OFFICE, "value").map(str::trim), Some("0" | "1"))
                    && text.as_deref().is_some_and(|t| {
                        matches!(t.trim().to_uppercase().as_str(), "TRUE" | "FALSE")
                    }) =>
            {
                text.as_deref()
                    .map(|t| CellValue::Bool(t.trim().eq_ignore_ascii_case("TRUE")))
            }
            Some("float") | Some("currency") => number(false),
            Some("percentage") => number(true),
            Some("boolean") => match e.attr(NS_OFFICE, "boolean-value").map(str::trim) {
                Some("true") | Some("1") => Some(CellValue::Bool(true)),
                Some("false") | Some("0") => Some(CellValue::Bool(false)),
                _ => None,
            },
            Some("date") => e
                .attr(NS_OFFICE, "date-value")
                .and_then(parse_iso_datetime)
                .map(CellValue::DateTime),
            Some("time") => e
                .attr(NS_OFFICE, "time-value")
                .and_then(parse_iso_duration)
                .map(CellValue::DateTime),
            Some("string") => match e.attr(NS_OFFICE, "string-value") {
                Some(s) if !s.is_empty() => {
                    self.budget.take(s.len())?;
                    Some(CellValue::Text(s.to_string()))
                }
                _ => None,
            },
            _ => None,
        };
        // The displayed text stands in when the typed value is missing or
        // unreadable (and is the value of string cells).
        Ok(value.or_else(|| text.filter(|t| !t.is_empty()).map(CellValue::Text)))
    }

    /// Collects the text of the cell's paragraphs (text:p, text:h), joined
    /// by "\n". Called after the cell's start tag; consumes up to its end
    /// tag. Text is charged to the budget as it is read.
    fn read_cell_text(&mut self) -> Result<Option<String>, WorkbookError> {
        let mut out: Option<String> = None;
        loop {
            match self.next()? {
                Item::Open(p) if p.is(NS_TEXT, "p") || p.is(NS_TEXT, "h") => {
                    match out.as_mut() {
                        None => out = Some(String::new()),
                        Some(s) => {
                            self.budget.take(1)?;
                            s.push('\n');
                        }
                    }
                    if !p.empty {
                        let mut para = String::new();
                        self.read_paragraph(&mut para)?;
                        if let Some(s) = out.as_mut() {
                            s.push_str(&para);
                        }
                    }
                }
                // Annotations (comments), shapes, nested content: not the
                // cell's value.
                Item::Open(other) => self.skip(&other)?,
                Item::Text(_) => {}
                Item::Close => return Ok(out),
                Item::Eof => return Err(xml_error("单元格未结束")),
            }
        }
    }

    /// Text inside a paragraph, with spans, links, text:s (spaces), tabs
    /// and line breaks. Consumes up to the paragraph's end tag.
    ///
    /// ODF white space: in character data, a run of spaces, tabs and line
    /// ends counts as one space, and is dropped at the start of the
    /// paragraph; spaces meant literally are written as text:s. (LibreOffice
    /// writes " 专职档案员 " as `<text:s/>专职档案员 `.)
    fn read_paragraph(&mut self, out: &mut String) -> Result<(), WorkbookError> {
        let mut depth = 0usize;
        // The last character came from a collapsed run of white space.
        let mut after_space = true;
        loop {
            let literal: Option<(char, usize)> = match self.next()? {
                Item::Text(t) => {
                    for c in t.chars() {
                        if matches!(c, ' ' | '\t' | '\n' | '\r') {
                            if !after_space {
                                self.budget.take(1)?;
                                out.push(' ');
                                after_space = true;
                            }
                        } else {
                            self.budget.take(c.len_utf8())?;
                            out.push(c);
                            after_space = false;
                        }
                    }
                    None
                }
                Item::Open(e) if e.is(NS_TEXT, "s") => {
                    self.skip(&e)?;
                    let n = e
                        .attr(NS_TEXT, "c")
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .unwrap_or(1);
                    Some((' ', usize::try_from(n).unwrap_or(usize::MAX)))
                }
                Item::Open(e) if e.is(NS_TEXT, "tab") => {
                    self.skip(&e)?;
                    Some(('\t', 1))
                }
                Item::Open(e) if e.is(NS_TEXT, "line-break") => {
                    self.skip(&e)?;
                    Some(('\n', 1))
                }
                Item::Open(e)
                    if e.is(NS_OFFICE, "annotation")
                        || e.is(NS_TEXT, "note")
                        || e.ns.ends_with("drawing:1.0") =>
                {
                    self.skip(&e)?;
                    None
                }
                // text:span, text:a and the like: their text is part of the
                // paragraph.
                Item::Open(e) => {
                    if !e.empty {
                        depth += 1;
                    }
                    None
                }
                Item::Close => {
                    if depth == 0 {
                        return Ok(());
                    }
                    depth -= 1;
                    None
                }
                Item::Eof => return Err(xml_error("段落未结束")),
            };
            if let Some((c, n)) = literal {
                // Charged before allocating: text:s c="2000000000" is legal.
                self.budget.take(n)?;
                out.extend(std::iter::repeat_n(c, n));
                after_space = false;
            }
        }
    }
}

/// Stores a finished row `repeat` times. Everything is counted and charged
/// first, so a row repeated a million times is refused before anything is
/// stored.
fn emit_row(
    sheet: &mut SheetBuilder,
    budget: &mut TextBudget,
    row: u64,
    repeat: u64,
    cells: Vec<PendingCell>,
) -> Result<(), WorkbookError> {
    // Most rows of an ods are empty filler ("number-rows-repeated=1048000").
    if cells.is_empty() {
        return Ok(());
    }
    let with_value = || cells.iter().filter(|c| c.value.is_some());
    let per_row = with_value().map(|c| c.repeat).fold(0, u64::saturating_add);
    sheet.check_room(per_row.saturating_mul(repeat))?;
    let merges_per_row = cells
        .iter()
        .filter(|c| c.span.is_some())
        .map(|c| c.repeat)
        .fold(0, u64::saturating_add);
    sheet.check_merged_room(merges_per_row.saturating_mul(repeat))?;
    // Each repetition of a text cell is a copy of its text. The first copy
    // was charged while reading.
    let text_per_row = with_value()
        .map(|c| match &c.value {
            Some(CellValue::Text(t) | CellValue::Error(t)) => {
                (t.len() as u64).saturating_mul(c.repeat)
            }
            _ => 0,
        })
        .fold(0, u64::saturating_add);
    let copies = text_per_row.saturating_mul(repeat);
    budget.take(usize::try_from(copies).unwrap_or(usize::MAX))?;

    let last_row = row.saturating_add(repeat - 1);
    for cell in with_value() {
        let last_col = cell.col.saturating_add(cell.repeat - 1);
        if last_row >= MAX_ROWS || last_col >= MAX_COLS {
            return Err(WorkbookError::Corrupt(format!(
                "单元格位置超出表格范围（第 {} 行，第 {} 列）",
                last_row.saturating_add(1),
                last_col.saturating_add(1)
            )));
        }
    }
    // Merges are clipped to the sheet; cells past its edge were refused
    // above, so every position used below fits in u32.
    for r in row..=last_row.min(MAX_ROWS - 1) {
        for cell in &cells {
            let last_col = cell.col.saturating_add(cell.repeat - 1).min(MAX_COLS - 1);
            for c in cell.col..=last_col {
                if let Some(value) = &cell.value {
                    sheet.push(r as u32, c as u32, value.clone())?;
                }
                if let Some((cols, rows)) = cell.span {
                    sheet.push_merged(MergedRange {
                        first_row: r as u32,
                        first_col: c as u32,
                        last_row: r.saturating_add(rows - 1).min(MAX_ROWS - 1) as u32,
                        last_col: c.saturating_add(cols - 1).min(MAX_COLS - 1) as u32,
                    })?;
                }
            }
        }
    }
    Ok(())
}

/// `PT12H30M00S` (an ods time-of-day) as a date-time on 1899-12-31, the
/// date calamine gives Excel's time-only serials, so times read the same
/// from every format.
fn parse_iso_duration(s: &str) -> Option<NaiveDateTime> {
    let rest = s.trim().strip_prefix("PT")?;
    let (mut h, mut m, mut sec) = (0f64, 0f64, 0f64);
    let mut num = String::new();
    for c in rest.chars() {
        match c {
            '0'..='9' | '.' => num.push(c),
            'H' => h = std::mem::take(&mut num).parse().ok()?,
            'M' => m = std::mem::take(&mut num).parse().ok()?,
            'S' => sec = std::mem::take(&mut num).parse().ok()?,
            _ => return None,
        }
    }
    let total_ms = ((h * 3600.0 + m * 60.0 + sec) * 1000.0).round();
    if !(0.0..86_400_000.0).contains(&total_ms) {
        return None;
    }
    let time = NaiveTime::from_num_seconds_from_midnight_opt(
        (total_ms / 1000.0) as u32,
        ((total_ms % 1000.0) as u32) * 1_000_000,
    )?;
    Some(NaiveDate::from_ymd_opt(1899, 12, 31)?.and_time(time))
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::tests::{all, zip_parts};
    use super::super::{
        CellValue, Limits, MergedRange, WorkbookError, WorkbookFormat, read_workbook,
    };
    use chrono::NaiveDateTime;
    use std::time::{Duration, Instant};

    const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" office:version="1.3"><office:body><office:spreadsheet>"#;
    const TAIL: &str = "</office:spreadsheet></office:body></office:document-content>";

    pub(in crate::ingest::workbook) fn ods(tables: &str) -> Vec<u8> {
        let content = format!("{HEAD}{tables}{TAIL}");
        zip_parts(&[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet",
            ),
            ("content.xml", content.as_bytes()),
            ("META-INF/manifest.xml", b"<manifest/>"),
        ])
    }

    /// Written the way LibreOffice writes: repeated empty rows and columns,
    /// spans with covered cells, typed values with their display text.
    const SAMPLE: &str = r#"<table:table table:name="自查评分"><table:table-column table:number-columns-repeated="1024"/>
<table:table-row><table:table-cell office:value-type="string" calcext:value-type="string"><text:p>单位名称</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>杭州市<text:span>某某区</text:span>档案馆</text:p></table:table-cell><table:table-cell table:number-columns-repeated="1022"/></table:table-row>
<table:table-row><table:table-cell/><table:table-cell office:value-type="float" office:value="330102001"><text:p>330102001</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell/><table:table-cell office:value-type="percentage" office:value="0.85"><text:p>85%</text:p></table:table-cell><table:table-cell office:value-type="currency" office:currency="CNY" office:value="12.5"><text:p>¥12.50</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell/><table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>TRUE</text:p></table:table-cell><table:table-cell office:value-type="date" office:date-value="2026-11-25T09:30:00"><text:p>2026-11-25 09:30</text:p></table:table-cell><table:table-cell office:value-type="date" office:date-value="2026-11-26"><text:p>2026-11-26</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell table:number-columns-spanned="3" table:number-rows-spanned="2" office:value-type="string"><text:p>合并的标题</text:p></table:table-cell><table:covered-table-cell table:number-columns-repeated="2"/><table:table-cell office:value-type="string"><text:p>第一行</text:p><text:p>第二行<text:s text:c="2"/>有空格</text:p><office:annotation><text:p>批注不算内容</text:p></office:annotation></table:table-cell></table:table-row>
<table:table-row><table:covered-table-cell table:number-columns-repeated="3"/><table:table-cell table:formula="of:=1/0" office:value-type="string" office:string-value="" calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="3"><table:table-cell office:value-type="float" office:value="7"><text:p>7</text:p></table:table-cell><table:table-cell table:number-columns-repeated="2" office:value-type="string"><text:p>重复</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
<table:table-row><table:table-cell table:number-columns-repeated="16000"/><table:table-cell office:value-type="string"><text:p>远处</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="47566"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
</table:table><table:table table:name="说明"><table:table-row><table:table-cell office:value-type="string"><text:p>本表仅供测试</text:p></table:table-cell></table:table-row></table:table>"#;

    pub(in crate::ingest::workbook) fn sample_ods() -> Vec<u8> {
        ods(SAMPLE)
    }

    fn number(value: f64) -> CellValue {
        CellValue::Number {
            value,
            percent_format: false,
        }
    }

    fn text(s: &str) -> CellValue {
        CellValue::Text(s.into())
    }

    #[test]
    fn sample_ods_reads_values_repeats_and_spans() {
        let started = Instant::now();
        let wb = read_workbook(&sample_ods(), &|n| n == "自查评分", &Limits::default()).unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(wb.format, WorkbookFormat::Ods);
        assert_eq!(wb.sheet_names, ["自查评分", "说明"]);
        assert_eq!(wb.sheets.len(), 1);
        let s = &wb.sheets[0];
        assert_eq!(s.get(0, 0), Some(&text("单位名称")));
        assert_eq!(s.get(0, 1), Some(&text("杭州市某某区档案馆")));
        assert_eq!(s.get(1, 1), Some(&number(330_102_001.0)));
        assert_eq!(
            s.get(2, 1),
            Some(&CellValue::Number {
                value: 0.85,
                percent_format: true
            })
        );
        assert_eq!(s.get(2, 2), Some(&number(12.5)));
        assert_eq!(s.get(3, 1), Some(&CellValue::Bool(true)));
        let when =
            NaiveDateTime::parse_from_str("2026-11-25 09:30:00", "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(s.get(3, 2), Some(&CellValue::DateTime(when)));
        let day =
            NaiveDateTime::parse_from_str("2026-11-26 00:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(s.get(3, 3), Some(&CellValue::DateTime(day)));
        assert_eq!(s.get(4, 0), Some(&text("合并的标题")));
        assert_eq!(s.get(4, 3), Some(&text("第一行\n第二行  有空格")));
        assert_eq!(s.get(5, 3), Some(&CellValue::Error("#DIV/0!".into())));
        for r in 6..9 {
            assert_eq!(s.get(r, 0), Some(&number(7.0)));
            assert_eq!(s.get(r, 1), Some(&text("重复")));
            assert_eq!(s.get(r, 2), Some(&text("重复")));
        }
        // After 1,000,000 repeated empty rows, at column 16001.
        assert_eq!(s.get(1_000_009, 16_000), Some(&text("远处")));
        assert_eq!(s.cell_count(), 11 + 9 + 1);
        assert_eq!(
            s.merged(),
            [MergedRange {
                first_row: 4,
                first_col: 0,
                last_row: 5,
                last_col: 2
            }]
        );
    }

    #[test]
    fn repeated_non_empty_cells_count_every_repetition() {
        let bomb = r#"<table:table table:name="表1"><table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="1000" office:value-type="float" office:value="1"/></table:table-row></table:table>"#;
        let started = Instant::now();
        let err = read_workbook(&ods(bomb), &all, &Limits::default()).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(err.to_string(), "工作表“表1”过大：超过 200000 个非空单元格");

        let wide = r#"<table:table table:name="表1"><table:table-row><table:table-cell table:number-columns-repeated="4000000000" office:value-type="float" office:value="1"/></table:table-row></table:table>"#;
        let err = read_workbook(&ods(wide), &all, &Limits::default()).unwrap_err();
        assert!(
            matches!(err, WorkbookError::SheetTooLarge { .. }),
            "{err:?}"
        );
        // In an unwanted sheet nothing is stored, so nothing is refused.
        assert!(read_workbook(&ods(bomb), &|_| false, &Limits::default()).is_ok());
    }

    #[test]
    fn repeated_text_is_charged_per_copy() {
        let long = "长".repeat(50_000);
        let t = format!(
            r#"<table:table table:name="表1"><table:table-row table:number-rows-repeated="1000"><table:table-cell office:value-type="string"><text:p>{long}</text:p></table:table-cell></table:table-row></table:table>"#
        );
        let err = read_workbook(&ods(&t), &all, &Limits::default()).unwrap_err();
        assert_eq!(err, WorkbookError::TooMuchText { limit: 32 << 20 });

        let spaces = r#"<table:table table:name="表1"><table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="2000000000"/></text:p></table:table-cell></table:table-row></table:table>"#;
        let err = read_workbook(&ods(spaces), &all, &Limits::default()).unwrap_err();
        assert!(matches!(err, WorkbookError::TooMuchText { .. }), "{err:?}");
    }

    #[test]
    fn far_corner_cells_and_merges() {
        // A value past the largest real sheet is refused; a merge reaching
        // past it is clipped.
        let far = r#"<table:table table:name="表1"><table:table-row table:number-rows-repeated="2000000"/><table:table-row><table:table-cell office:value-type="float" office:value="1"/></table:table-row></table:table>"#;
        let err = read_workbook(&ods(far), &all, &Limits::default()).unwrap_err();
        assert!(
            matches!(err, WorkbookError::Corrupt(ref m) if m.contains("超出表格范围")),
            "{err:?}"
        );

        let span = r#"<table:table table:name="表1"><table:table-row><table:table-cell table:number-columns-spanned="99999" table:number-rows-spanned="4000000000" office:value-type="float" office:value="1"/></table:table-row></table:table>"#;
        let wb = read_workbook(&ods(span), &all, &Limits::default()).unwrap();
        assert_eq!(
            wb.sheets[0].merged(),
            [MergedRange {
                first_row: 0,
                first_col: 0,
                last_row: (1 << 20) - 1,
                last_col: (1 << 14) - 1
            }]
        );
    }

    #[test]
    fn odd_but_valid_content() {
        // Other namespace prefixes, entities, CDATA-free text with
        // whitespace to collapse, a time value, an empty table, a cell whose
        // only content is a drawing.
        let content = r#"<?xml version="1.0"?>
<o:document-content xmlns:o="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:t="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:x="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:d="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"><o:body><o:spreadsheet>
<t:table t:name="A&amp;B"><t:table-row-group><t:table-row>
  <t:table-cell o:value-type="string"><x:p>
     a &lt;b&gt;   &#x4E2D;
  </x:p></t:table-cell>
  <t:table-cell o:value-type="time" o:time-value="PT13H30M00S"><x:p>13:30</x:p></t:table-cell>
  <t:table-cell><d:frame><x:p>图中文字</x:p></d:frame></t:table-cell>
  <t:table-cell o:value-type="float" o:value="not a number"><x:p>显示文字</x:p></t:table-cell>
</t:table-row></t:table-row-group></t:table>
<t:table t:name="空"/>
</o:spreadsheet></o:body></o:document-content>"#;
        let bytes = zip_parts(&[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet",
            ),
            ("content.xml", content.as_bytes()),
        ]);
        let wb = read_workbook(&bytes, &all, &Limits::default()).unwrap();
        assert_eq!(wb.sheet_names, ["A&B", "空"]);
        let s = &wb.sheets[0];
        // Leading white space dropped, runs collapsed, one trailing space kept.
        assert_eq!(s.get(0, 0), Some(&text("a <b> 中 ")));
        let t = NaiveDateTime::parse_from_str("1899-12-31 13:30:00", "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(s.get(0, 1), Some(&CellValue::DateTime(t)));
        assert_eq!(s.get(0, 2), None);
        assert_eq!(s.get(0, 3), Some(&text("显示文字")));
        assert!(wb.sheets[1].is_empty());
    }

    /// What LibreOffice 7.4 writes when it converts an xlsx.
    #[test]
    fn libreoffice_quirks() {
        let t = r#"<table:table table:name="表1"><table:table-row>
<table:table-cell office:value-type="string" calcext:value-type="string"><text:p><text:s/>专职档案员 </text:p></table:table-cell>
<table:table-cell table:formula="of:=TRUE()" office:value-type="float" office:value="1" calcext:value-type="float"><text:p>TRUE</text:p></table:table-cell>
<table:table-cell office:value-type="float" office:value="0" calcext:value-type="float"><text:p>FALSE</text:p></table:table-cell>
<table:table-cell office:value-type="float" office:value="1" calcext:value-type="float"><text:p>1</text:p></table:table-cell>
</table:table-row></table:table>"#;
        let wb = read_workbook(&ods(t), &all, &Limits::default()).unwrap();
        let s = &wb.sheets[0];
        assert_eq!(s.get(0, 0), Some(&text(" 专职档案员 ")));
        assert_eq!(s.get(0, 1), Some(&CellValue::Bool(true)));
        assert_eq!(s.get(0, 2), Some(&CellValue::Bool(false)));
        assert_eq!(s.get(0, 3), Some(&number(1.0)));
    }

    #[test]
    fn broken_ods() {
        let no_content = zip_parts(&[(
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        )]);
        let err = read_workbook(&no_content, &all, &Limits::default()).unwrap_err();
        assert!(err.to_string().contains("content.xml"), "{err}");

        let unclosed = ods(r#"<table:table table:name="表1"><table:table-row><table:table-cell>"#);
        let err = read_workbook(&unclosed, &all, &Limits::default()).unwrap_err();
        assert!(matches!(err, WorkbookError::Corrupt(_)), "{err:?}");

        let text_doc = zip_parts(&[
            ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
            ("content.xml", br#"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"><office:body><office:text/></office:body></office:document-content>"#),
        ]);
        let err = read_workbook(&text_doc, &all, &Limits::default()).unwrap_err();
        assert!(err.to_string().contains("不是电子表格"), "{err}");
    }
}
