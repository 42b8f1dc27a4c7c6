//! OpenDocument spreadsheets (.ods), read by streaming `content.xml`.
//!
//! calamine's ods reader builds a dense grid, and ods files describe empty
//! space with repeat counts: LibreOffice writes
//! `table:number-rows-repeated="1048000"` after the last used row as a
//! matter of course. Here a repeated empty row or cell costs one record of
//! the [`RecordBudget`] whatever its count (it is never iterated); repeated
//! non-empty cells count every repetition toward the cell limit and the
//! record budget before any of them is stored.
//!
//! A damaged `content.xml` is refused, never half read: it is read to its
//! end, so the zip reader checks its CRC-32; end tags must match, an
//! attribute may not appear twice (also under two prefixes of one
//! namespace), every element must be closed; a typed number or boolean
//! that does not parse is an error naming the cell.

use std::io::BufReader;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use quick_xml::NsReader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, NamespaceResolver, QName, ResolveResult};

use super::detect::open_zip;
use super::{
    CellValue, Limits, MergedRange, RecordBudget, SheetBuilder, TextBudget, Workbook,
    WorkbookError, WorkbookFormat, cell_ref, parse_iso_datetime, short_name,
};
use crate::ingest::library_errors;

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
    let content = archive.by_name("content.xml").map_err(|e| {
        WorkbookError::Corrupt(format!(
            "找不到表格内容 content.xml（{}）",
            library_errors::zip(&e)
        ))
    })?;
    let mut reader = OdsReader {
        xml: NsReader::from_reader(BufReader::new(content)),
        buf: Vec::new(),
        limits,
        budget: TextBudget::new(limits.max_text_bytes),
        records: RecordBudget::new(limits),
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
    records: RecordBudget,
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
        let attr = attr.map_err(library_error)?;
        let (ans, local) = resolver.resolve_attribute(attr.key);
        let ans = match ans {
            ResolveResult::Bound(Namespace(n)) => n.to_string(),
            _ => String::new(),
        };
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(library_error)?
            .into_owned();
        let local = local.as_ref().to_string();
        // `a:x` and `b:x` with both prefixes bound to one namespace are the
        // same attribute (Namespaces in XML, 6.3); quick-xml only compares
        // the written names.
        if attrs.iter().any(|(n, l, _)| *n == ans && *l == local) {
            return Err(xml_error(&format!("属性“{}”重复", short_name(&local))));
        }
        attrs.push((ans, local, value));
    }
    Ok(Element {
        ns,
        local: start.local_name().as_ref().to_string(),
        qname: start.name().as_ref().to_string(),
        attrs,
        empty,
    })
}

fn xml_error(what: &str) -> WorkbookError {
    WorkbookError::Corrupt(format!("表格内容 content.xml 解析失败（{what}）"))
}

/// quick-xml's errors carry English text; they are told in Chinese.
fn library_error(e: impl Into<quick_xml::Error>) -> WorkbookError {
    xml_error(&library_errors::xml(&e.into()))
}

/// A read error from quick-xml: failing to read the bytes themselves (a CRC
/// mismatch, a broken deflate stream) is told apart from bad XML.
fn read_error(e: quick_xml::Error) -> WorkbookError {
    match e {
        quick_xml::Error::Io(io) => WorkbookError::Corrupt(format!(
            "表格内容 content.xml 无法解压或校验失败（{}）",
            library_errors::io_text(&io)
        )),
        other => library_error(other),
    }
}

impl OdsReader<'_, '_> {
    fn next(&mut self) -> Result<Item, WorkbookError> {
        loop {
            self.buf.clear();
            let (ns, event) = self
                .xml
                .read_resolved_event_into(&mut self.buf)
                .map_err(read_error)?;
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
                        Err(e) => return Err(library_error(e)),
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
            .map_err(read_error)?;
        Ok(())
    }

    fn read_document(&mut self, wanted: &dyn Fn(&str) -> bool) -> Result<Workbook, WorkbookError> {
        let mut sheet_names: Vec<String> = Vec::new();
        let mut sheets = Vec::new();
        let mut saw_spreadsheet = false;
        // Elements open around the tables (document-content, body, …).
        let mut depth = 0usize;
        loop {
            match self.next()? {
                Item::Open(e) if e.is(NS_OFFICE, "spreadsheet") => {
                    saw_spreadsheet = true;
                    if !e.empty {
                        depth += 1;
                    }
                }
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
                Item::Open(e) => {
                    if !e.empty {
                        depth += 1;
                    }
                }
                Item::Text(_) => {}
                Item::Close => {
                    depth = depth
                        .checked_sub(1)
                        .ok_or_else(|| xml_error("多余的结束标记"))?;
                }
                // quick-xml ends quietly at the end of the input, whatever
                // is still open; a cut document must not read as complete.
                Item::Eof if depth > 0 => return Err(xml_error("文档不完整，元素未结束")),
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
                    // One record, whatever the repeat count: repeats of an
                    // empty row are never iterated.
                    self.records.tick(1)?;
                    let repeat = e.count("number-rows-repeated");
                    if e.empty {
                        row = row.saturating_add(repeat);
                        continue;
                    }
                    let cells = self.read_row(sheet.as_deref(), row)?;
                    if let Some(sheet) = sheet.as_deref_mut() {
                        emit_row(
                            sheet,
                            &mut self.budget,
                            &mut self.records,
                            row,
                            repeat,
                            cells,
                        )?;
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
        row: u64,
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
                    // One record per element; the copies a repeat makes of
                    // a value are counted when they are stored.
                    self.records.tick(1)?;
                    let repeat = e.count("number-columns-repeated");
                    let Some(sheet) = sheet else {
                        self.skip(&e)?;
                        col = col.saturating_add(repeat);
                        continue;
                    };
                    let value = self.read_cell(&e, sheet, row, col)?;
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
                    self.records.tick(1)?;
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

    /// The value of a table:table-cell at (`row`, `col`) of `sheet`; the
    /// element's children (paragraphs) are consumed. `None` for an empty
    /// cell. A typed value that is present but unreadable refuses the file,
    /// naming the cell; a missing one lets the displayed text stand in.
    fn read_cell(
        &mut self,
        e: &Element,
        sheet: &SheetBuilder,
        row: u64,
        col: u64,
    ) -> Result<Option<CellValue>, WorkbookError> {
        let text = if e.empty {
            None
        } else {
            self.read_cell_text()?
        };
        let bad = |what: &str, raw: &str| WorkbookError::BadCell {
            sheet: short_name(&sheet.name),
            cell: cell_ref(
                u32::try_from(row).unwrap_or(u32::MAX),
                u32::try_from(col).unwrap_or(u32::MAX),
            ),
            message: format!("{what}“{}”无法识别，文件可能已损坏", short_name(raw)),
        };
        let value_type = e.attr(NS_OFFICE, "value-type");
        let number = |percent: bool| -> Result<Option<CellValue>, WorkbookError> {
            let Some(raw) = e.attr(NS_OFFICE, "value") else {
                return Ok(None);
            };
            let value = parse_number(raw).ok_or_else(|| bad("数值", raw))?;
            Ok(Some(CellValue::Number {
                value,
                percent_format: percent,
            }))
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
            Some("float") | Some("currency") => number(false)?,
            Some("percentage") => number(true)?,
            Some("boolean") => match e.attr(NS_OFFICE, "boolean-value") {
                Some(raw) => match raw.trim() {
                    "true" | "1" => Some(CellValue::Bool(true)),
                    "false" | "0" => Some(CellValue::Bool(false)),
                    _ => return Err(bad("逻辑值", raw)),
                },
                None => None,
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
    records: &mut RecordBudget,
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
    // Every copy stored is a record too (checked after the sheet's own
    // limits, which name the sheet).
    records.tick(
        per_row
            .saturating_add(merges_per_row)
            .saturating_mul(repeat),
    )?;
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

/// An `office:value`: a decimal number with optional sign, point and
/// exponent, finite (xsd:double without INF and NaN, which Rust's parser
/// would also take as "inf" or "infinity").
fn parse_number(raw: &str) -> Option<f64> {
    let t = raw.trim();
    let allowed = |b: u8| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E');
    if !t.bytes().all(allowed) || !t.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
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
        // only content is a drawing, a float cell without its value (the
        // displayed text stands in).
        let content = r#"<?xml version="1.0"?>
<o:document-content xmlns:o="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:t="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:x="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:d="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"><o:body><o:spreadsheet>
<t:table t:name="A&amp;B"><t:table-row-group><t:table-row>
  <t:table-cell o:value-type="string"><x:p>
     a &lt;b&gt;   &#x4E2D;
  </x:p></t:table-cell>
  <t:table-cell o:value-type="time" o:time-value="PT13H30M00S"><x:p>13:30</x:p></t:table-cell>
  <t:table-cell><d:frame><x:p>图中文字</x:p></d:frame></t:table-cell>
  <t:table-cell o:value-type="float"><x:p>显示文字</x:p></t:table-cell>
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

    fn patch_u32(bytes: &mut [u8], at: usize, v: u32) {
        bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// content.xml whose CRC-32 does not match its bytes: the part is read
    /// to its end, so the zip reader checks it.
    #[test]
    fn content_crc_mismatch_is_corrupt() {
        let mut bytes = sample_ods();
        let name = b"content.xml";
        let mut patched = 0;
        let mut i = 0;
        while let Some(at) = bytes[i..].windows(name.len()).position(|w| w == name) {
            let at = i + at;
            // Local header: name at 30, CRC at 14. Central: name at 46, CRC at 16.
            if at >= 30 && bytes[at - 30..at - 26] == *b"PK\x03\x04" {
                let crc = u32::from_le_bytes(bytes[at - 16..at - 12].try_into().unwrap());
                patch_u32(&mut bytes, at - 16, crc ^ 1);
                patched += 1;
            } else if at >= 46 && bytes[at - 46..at - 42] == *b"PK\x01\x02" {
                let crc = u32::from_le_bytes(bytes[at - 30..at - 26].try_into().unwrap());
                patch_u32(&mut bytes, at - 30, crc ^ 1);
                patched += 1;
            }
            i = at + 1;
        }
        assert_eq!(patched, 2);
        let err = read_workbook(&bytes, &all, &Limits::default()).unwrap_err();
        assert!(
            matches!(err, WorkbookError::Corrupt(ref m) if m.contains("content.xml") && m.contains("校验")),
            "{err:?}"
        );
    }

    #[test]
    fn duplicated_attributes_are_corrupt() {
        let twice = r#"<table:table table:name="表1"><table:table-row><table:table-cell office:value-type="float" office:value="1" office:value="2"/></table:table-row></table:table>"#;
        let err = read_workbook(&ods(twice), &all, &Limits::default()).unwrap_err();
        assert!(
            matches!(err, WorkbookError::Corrupt(ref m) if m.contains("content.xml")),
            "{err:?}"
        );

        // The same attribute under two prefixes of one namespace.
        let content = r#"<?xml version="1.0"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:o2="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"><office:body><office:spreadsheet><table:table table:name="表1"><table:table-row><table:table-cell office:value-type="float" office:value="1" o2:value="2"/></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#;
        let bytes = zip_parts(&[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet",
            ),
            ("content.xml", content.as_bytes()),
        ]);
        let err = read_workbook(&bytes, &all, &Limits::default()).unwrap_err();
        assert!(
            matches!(err, WorkbookError::Corrupt(ref m) if m.contains("重复")),
            "{err:?}"
        );
    }

    #[test]
    fn unbalanced_xml_is_corrupt() {
        let content = format!("{HEAD}<table:table table:name=\"表1\"/>");
        let cut = zip_parts(&[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet",
            ),
            ("content.xml", content.as_bytes()),
        ]);
        let err = read_workbook(&cut, &all, &Limits::default()).unwrap_err();
        assert!(
            matches!(err, WorkbookError::Corrupt(ref m) if m.contains("未结束")),
            "{err:?}"
        );

        let crossed = ods(
            r#"<table:table table:name="表1"><table:table-row><table:table-cell><text:p>x</text:span></table:table-cell></table:table-row></table:table>"#,
        );
        let err = read_workbook(&crossed, &all, &Limits::default()).unwrap_err();
        assert!(matches!(err, WorkbookError::Corrupt(_)), "{err:?}");
    }

    #[test]
    fn typed_values_are_parsed_strictly() {
        for (attrs, cell) in [
            (
                r#"office:value-type="float" office:value="not a number""#,
                "B1",
            ),
            (r#"office:value-type="float" office:value="inf""#, "B1"),
            (r#"office:value-type="currency" office:value="NaN""#, "B1"),
            (
                r#"office:value-type="percentage" office:value="1e400""#,
                "B1",
            ),
            (r#"office:value-type="float" office:value="0x10""#, "B1"),
            (
                r#"office:value-type="boolean" office:boolean-value="yes""#,
                "B1",
            ),
        ] {
            let t = format!(
                r#"<table:table table:name="表1"><table:table-row><table:table-cell/><table:table-cell {attrs}><text:p>1</text:p></table:table-cell></table:table-row></table:table>"#
            );
            let err = read_workbook(&ods(&t), &all, &Limits::default()).unwrap_err();
            assert!(
                matches!(err, WorkbookError::BadCell { ref sheet, cell: ref c, .. } if sheet == "表1" && c == cell),
                "{attrs}: {err:?}"
            );
        }
        let err = read_workbook(
            &ods(r#"<table:table table:name="表1"><table:table-row table:number-rows-repeated="4"/><table:table-row><table:table-cell table:number-columns-repeated="2"/><table:table-cell office:value-type="float" office:value="1,5"/></table:table-row></table:table>"#),
            &all,
            &Limits::default(),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "表1!C5：数值“1,5”无法识别，文件可能已损坏");
        // Good forms: sign, exponent, leading point.
        let good = r#"<table:table table:name="表1"><table:table-row><table:table-cell office:value-type="float" office:value=" -1.5E2 "/><table:table-cell office:value-type="float" office:value=".5"/><table:table-cell office:value-type="boolean" office:boolean-value="false"/></table:table-row></table:table>"#;
        let wb = read_workbook(&ods(good), &all, &Limits::default()).unwrap();
        let s = &wb.sheets[0];
        assert_eq!(s.get(0, 0), Some(&number(-150.0)));
        assert_eq!(s.get(0, 1), Some(&number(0.5)));
        assert_eq!(s.get(0, 2), Some(&CellValue::Bool(false)));
    }

    /// The empty tail LibreOffice writes after every sheet costs a record
    /// per element, not per repetition: a budget of a thousand records
    /// reads a sheet that spans a million rows.
    #[test]
    fn million_repeated_empty_rows_are_cheap() {
        let t = r#"<table:table table:name="表1"><table:table-column table:number-columns-repeated="16384"/><table:table-row><table:table-cell office:value-type="float" office:value="1"/><table:table-cell table:number-columns-repeated="16383"/></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384"/></table:table-row></table:table>"#;
        let limits = Limits {
            max_cell_records: 1000,
            ..Limits::default()
        };
        let started = Instant::now();
        let wb = read_workbook(&ods(t), &all, &limits).unwrap();
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(wb.sheets[0].cell_count(), 1);
    }

    #[test]
    fn many_records_are_refused_even_when_empty() {
        let limits = Limits {
            max_cell_records: 1000,
            ..Limits::default()
        };
        // 2000 empty cell elements, in a sheet that is not even wanted.
        let empty = format!(
            r#"<table:table table:name="表1"><table:table-row>{}</table:table-row></table:table>"#,
            "<table:table-cell/>".repeat(2000)
        );
        let err = read_workbook(&ods(&empty), &|_| false, &limits).unwrap_err();
        assert_eq!(err, WorkbookError::TooManyCellRecords { limit: 1000 });
        // Copies of a repeated value, within the sheet's cell limit.
        let copies = r#"<table:table table:name="表1"><table:table-row table:number-rows-repeated="100"><table:table-cell table:number-columns-repeated="20" office:value-type="float" office:value="1"/></table:table-row></table:table>"#;
        let err = read_workbook(&ods(copies), &all, &limits).unwrap_err();
        assert_eq!(err, WorkbookError::TooManyCellRecords { limit: 1000 });
        assert!(read_workbook(&ods(copies), &all, &Limits::default()).is_ok());
    }
}
