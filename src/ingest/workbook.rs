//! Untrusted workbook bytes in, a small sparse grid per wanted sheet out.
//!
//! Units upload self-check workbooks made with Excel, WPS or LibreOffice.
//! The bytes are hostile until proven otherwise: this module must never
//! panic, never abort the process and never let a small file claim a large
//! amount of memory or time. Every problem becomes a [`WorkbookError`] whose
//! message (Chinese) is shown to the clerk who uploaded the file.
//!
//! How each format is read, and why:
//!
//! * **xlsx / xlsm** — our own reader (`xlsx.rs`) over the zip and
//!   quick-xml crates, after a zip pre-scan caps entry count and declared
//!   sizes (each part is inflated whole within them, then parsed):
//!   calamine reserves memory from counts the file declares
//!   (`uniqueCount` of the shared strings: a 1.8 KB file aborts the process)
//!   and densifies sheets. Every part read is checked against its CRC-32 and
//!   must be well-formed XML; only non-empty cells are kept.
//! * **ods** — our own streaming reader of `content.xml` (`ods.rs`), because
//!   calamine's builds a dense range and LibreOffice routinely writes
//!   `number-rows-repeated="1048000"`.
//! * **xls** — our own reader of the BIFF records (`xls.rs`) inside our own
//!   compound-file reader (`cfb.rs`), because calamine parses every sheet
//!   into a dense grid as soon as the file is opened, trusts several counts
//!   in the file and panics on some damaged ones.
//!
//! Every call into calamine runs under `catch_unwind`, so a panic in the
//! library becomes [`WorkbookError::Corrupt`].

mod cfb;
mod detect;
mod ods;
mod xls;
mod xlsx;

use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::NaiveDateTime;

/// A cell value as the sheet holds it. Formula cells give their cached
/// value (the one the spreadsheet program computed when it saved the file).
#[derive(Debug, Clone, PartialEq)]
pub enum CellValue {
    Text(String),
    /// Whole numbers stay exact (an f64 holds every integer up to 2^53).
    /// `percent_format` is set when the cell is displayed as a percentage
    /// (xlsx/xls number format with `%`, ods value type `percentage`); the
    /// value is then the fraction, e.g. 0.85 for "85%".
    Number {
        value: f64,
        percent_format: bool,
    },
    Bool(bool),
    DateTime(NaiveDateTime),
    /// An error value such as `#DIV/0!` or `#N/A`.
    Error(String),
}

/// A merged block of cells, inclusive, 0-based. The value sits in the
/// top-left cell; the other cells of the block are empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MergedRange {
    pub first_row: u32,
    pub first_col: u32,
    pub last_row: u32,
    pub last_col: u32,
}

impl MergedRange {
    pub fn contains(&self, row: u32, col: u32) -> bool {
        (self.first_row..=self.last_row).contains(&row)
            && (self.first_col..=self.last_col).contains(&col)
    }
}

/// One row of a sheet: its 0-based index and its non-empty cells.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    index: u32,
    /// (column, value), ascending columns, no duplicates.
    cells: Vec<(u32, CellValue)>,
}

/// A sheet as a sparse grid: only non-empty cells are stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: String,
    /// Ascending row index, no empty rows.
    rows: Vec<Row>,
    merged: Vec<MergedRange>,
}

impl Sheet {
    /// The value at a 0-based (row, column), if the cell is not empty.
    pub fn get(&self, row: u32, col: u32) -> Option<&CellValue> {
        let r = self.rows.binary_search_by_key(&row, |r| r.index).ok()?;
        let cells = &self.rows[r].cells;
        let c = cells.binary_search_by_key(&col, |(c, _)| *c).ok()?;
        Some(&cells[c].1)
    }

    /// Non-empty rows in ascending order, each with its non-empty cells as
    /// `(column, value)` in ascending column order.
    pub fn rows(&self) -> impl Iterator<Item = (u32, &[(u32, CellValue)])> + '_ {
        self.rows.iter().map(|r| (r.index, r.cells.as_slice()))
    }

    /// Merged ranges, sorted, where the format exposes them (xlsx, xls, ods).
    pub fn merged(&self) -> &[MergedRange] {
        &self.merged
    }

    /// Number of non-empty cells.
    pub fn cell_count(&self) -> usize {
        self.rows.iter().map(|r| r.cells.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkbookFormat {
    Xlsx,
    /// xlsx with macros; the macros are never run or read.
    Xlsm,
    Xls,
    Ods,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Workbook {
    pub format: WorkbookFormat,
    /// Every sheet name, in workbook order.
    pub sheet_names: Vec<String>,
    /// Only the wanted sheets, in workbook order.
    pub sheets: Vec<Sheet>,
}

impl Workbook {
    pub fn sheet(&self, name: &str) -> Option<&Sheet> {
        self.sheets.iter().find(|s| s.name == name)
    }
}

/// Caps on what one upload may cost. The defaults are far above any real
/// self-check workbook and far below what would hurt the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Size of the uploaded file.
    pub max_file_bytes: usize,
    /// Entries in the zip container (xlsx/xlsm/ods).
    pub max_zip_entries: usize,
    /// Declared uncompressed size of any one zip entry.
    pub max_entry_uncompressed: u64,
    /// Declared uncompressed size of all zip entries together.
    pub max_total_uncompressed: u64,
    /// Non-empty cells per sheet (a repeated ods cell counts each time).
    pub max_cells: usize,
    /// Bytes of cell text kept for all wanted sheets together. One long
    /// shared string referenced from many cells would otherwise be copied
    /// into each of them.
    pub max_text_bytes: usize,
    /// Entries of the shared string table (xlsx sharedStrings.xml, xls SST),
    /// which calamine loads whole when it opens the file.
    pub max_shared_strings: usize,
    /// Cell formats, fonts, fills or borders in xlsx styles.xml (also loaded
    /// whole at open; Excel itself allows 64,000 cell formats).
    pub max_styles: usize,
    /// Sheets in the workbook.
    pub max_sheets: usize,
    /// Merged ranges per sheet.
    pub max_merged: usize,
    /// Cell elements or records seen while reading the whole workbook,
    /// empty ones included: a small file of millions of `<c/>` costs
    /// seconds of CPU even though nothing is kept.
    pub max_cell_records: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 10 * MIB as usize,
            max_zip_entries: 1000,
            max_entry_uncompressed: 50 * MIB,
            max_total_uncompressed: 100 * MIB,
            max_cells: 200_000,
            max_text_bytes: 32 * MIB as usize,
            max_shared_strings: 500_000,
            max_styles: 65_536,
            max_sheets: 1000,
            max_merged: 100_000,
            max_cell_records: 2_000_000,
        }
    }
}

const MIB: u64 = 1024 * 1024;

/// Whole megabytes for messages ("50 MB"), rounded up.
fn mb(bytes: u64) -> u64 {
    bytes.div_ceil(MIB)
}

/// Everything that can go wrong; `Display` is the message for the clerk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkbookError {
    #[error("文件为空")]
    Empty,
    #[error("文件过大：{} MB，上限为 {} MB", mb(*size as u64), mb(*limit as u64))]
    FileTooLarge { size: usize, limit: usize },
    /// Recognised as something else (web page, PDF, Word, .xlsb, …); the
    /// message says what it is and what to do.
    #[error("{0}")]
    WrongFileType(String),
    #[error("不是 Excel/WPS/LibreOffice 工作簿（.xlsx/.xlsm/.xls/.ods）")]
    NotAWorkbook,
    #[error("文件设置了打开密码，无法读取；请取消密码后重新上传")]
    Encrypted,
    #[error("文件已损坏或不完整：{0}")]
    Corrupt(String),
    #[error("文件包含的部件过多（超过 {limit} 个），不是正常的工作簿")]
    TooManyEntries { limit: usize },
    #[error("文件解压后超过 {} MB，疑为压缩炸弹", mb(*limit))]
    DecompressedTooLarge { limit: u64 },
    #[error("文件中的部件“{name}”解压后超过 {} MB，疑为压缩炸弹", mb(*limit))]
    EntryTooLarge { name: String, limit: u64 },
    #[error("工作簿中的工作表过多：超过 {limit} 个")]
    TooManySheets { limit: usize },
    #[error("工作表“{sheet}”过大：超过 {limit} 个非空单元格")]
    SheetTooLarge { sheet: String, limit: usize },
    #[error("工作表“{sheet}”的合并单元格过多：超过 {limit} 处")]
    TooManyMerged { sheet: String, limit: usize },
    #[error("工作簿中的文字过多：超过 {} MB", mb(*limit as u64))]
    TooMuchText { limit: usize },
    /// A structure calamine would load whole is too big (shared strings,
    /// styles); the text names it.
    #[error(
        "工作簿结构异常：{0}，疑为损坏或恶意构造的文件；请在 Excel 或 WPS 中打开后另存为 .xlsx 再上传"
    )]
    TooComplex(String),
    /// More cell elements or records, empty ones included, than a real
    /// workbook has.
    #[error("工作簿中的单元格（含空单元格）超过 {limit} 个，疑为损坏或恶意构造的文件")]
    TooManyCellRecords { limit: u64 },
    /// One cell cannot be accepted (a forbidden character, a number that no
    /// spreadsheet program writes, a reference into nothing). `cell` is the
    /// A1 reference within `sheet`.
    #[error("{sheet}!{cell}：{message}")]
    BadCell {
        sheet: String,
        cell: String,
        message: String,
    },
}

impl WorkbookError {
    /// The sheet and the A1 reference ("自查评分!D7") of the cell this error
    /// is about, where it is about one cell; the message without them.
    pub fn location(&self) -> Option<(String, String, String)> {
        match self {
            WorkbookError::BadCell {
                sheet,
                cell,
                message,
            } => Some((sheet.clone(), format!("{sheet}!{cell}"), message.clone())),
            _ => None,
        }
    }
}

/// Why a cell value cannot be taken as it is, or `None`. Checked for every
/// cell that is kept, whatever the format, so that all readers share one
/// rule: no forbidden character in text (see
/// [`crate::domain::text::is_forbidden_char`]), and only numbers a
/// spreadsheet program writes (finite, not subnormal, at most 10^18 in size:
/// an 18-digit number is the longest a clerk types, an ID card number).
pub fn cell_problem(value: &CellValue) -> Option<String> {
    use crate::domain::text::{char_name, first_forbidden_char};
    match value {
        // U+0000 is the byte 0 and U+FFFE/U+FFFF begin with 0xEF in UTF-8:
        // text without those bytes (nearly all) needs no scan by character.
        CellValue::Text(s) | CellValue::Error(s) if !s.bytes().any(|b| b == 0 || b == 0xEF) => None,
        CellValue::Text(s) | CellValue::Error(s) => first_forbidden_char(s).map(|(at, c)| {
            format!(
                "单元格内容含有不允许的字符 {}（第 {at} 个字符），请删除后重新上传",
                char_name(c)
            )
        }),
        CellValue::Number { value, .. } => {
            if !value.is_finite() {
                Some("数值无效（不是有限的数），文件可能已损坏".into())
            } else if value.is_subnormal() {
                Some(format!("数值异常（{value:e}），文件可能已损坏"))
            } else if value.abs() > 1e18 {
                Some(format!("数值过大（{value:e}），文件可能已损坏"))
            } else {
                None
            }
        }
        CellValue::Bool(_) | CellValue::DateTime(_) => None,
    }
}

/// Counts cell elements or records, empty ones included, for the whole
/// workbook (see [`Limits::max_cell_records`]).
pub(crate) struct RecordBudget {
    seen: u64,
    limit: u64,
}

impl RecordBudget {
    pub(crate) fn new(limits: &Limits) -> Self {
        RecordBudget {
            seen: 0,
            limit: limits.max_cell_records,
        }
    }

    /// Counts `n` more records; fails once past the limit.
    pub(crate) fn tick(&mut self, n: u64) -> Result<(), WorkbookError> {
        self.seen = self.seen.saturating_add(n);
        if self.seen > self.limit {
            Err(WorkbookError::TooManyCellRecords { limit: self.limit })
        } else {
            Ok(())
        }
    }
}

/// Read the workbook in `bytes`, keeping the sheets for which `wanted`
/// returns true. The format is detected from the bytes, never from a name.
pub fn read_workbook(
    bytes: &[u8],
    wanted: &dyn Fn(&str) -> bool,
    limits: &Limits,
) -> Result<Workbook, WorkbookError> {
    read_workbook_with_merges(bytes, wanted, wanted, limits)
}

/// As [`read_workbook`], reading merged ranges only for the sheets for which
/// `merges` returns true (xlsx reads them in the same pass as the cells).
pub fn read_workbook_with_merges(
    bytes: &[u8],
    wanted: &dyn Fn(&str) -> bool,
    merges: &dyn Fn(&str) -> bool,
    limits: &Limits,
) -> Result<Workbook, WorkbookError> {
    if bytes.is_empty() {
        return Err(WorkbookError::Empty);
    }
    if bytes.len() > limits.max_file_bytes {
        return Err(WorkbookError::FileTooLarge {
            size: bytes.len(),
            limit: limits.max_file_bytes,
        });
    }
    // Calls into calamine are guarded one by one; this outer guard turns a
    // bug of our own into an error for this upload instead of a crash.
    guarded("读取文件", || match detect::sniff(bytes, limits)? {
        detect::Container::Zip(WorkbookFormat::Ods, _) => ods::read(bytes, wanted, limits),
        detect::Container::Zip(format, archive) => {
            xlsx::read(archive, format, wanted, merges, limits)
        }
        detect::Container::Cfb(file) => xls::read(bytes, file, wanted, limits),
    })
}

/// A1-style reference from a 0-based (row, column): (6, 3) → "D7".
pub fn cell_ref(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = u64::from(col) + 1;
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    letters.reverse();
    let mut out = String::from_utf8(letters).unwrap_or_default();
    out.push_str(&(u64::from(row) + 1).to_string());
    out
}

/// Runs a call into calamine (or our own parsing of its output) so that a
/// panic inside becomes a `Corrupt` error instead of unwinding into the
/// caller. Nothing touched by the closure is used after a panic.
fn guarded<T>(
    what: &str,
    f: impl FnOnce() -> Result<T, WorkbookError>,
) -> Result<T, WorkbookError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(_) => Err(WorkbookError::Corrupt(format!("{what}时出错"))),
    }
}

/// Untrusted names (sheet names, zip entry names) go into messages; keep
/// them short so a crafted name cannot flood a page or a log.
pub(super) fn short_name(name: &str) -> String {
    const MAX_CHARS: usize = 40;
    if name.chars().count() <= MAX_CHARS {
        name.to_string()
    } else {
        let mut s: String = name.chars().take(MAX_CHARS).collect();
        s.push('…');
        s
    }
}

/// Is this number format code a percentage? A `%` counts unless it is
/// quoted ("%"), escaped (\%), inside brackets ([Red]) or the character
/// after `_` or `*` (padding/fill).
fn is_percent_format(code: &str) -> bool {
    let mut chars = code.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => return true,
            '"' => {
                for q in chars.by_ref() {
                    if q == '"' {
                        break;
                    }
                }
            }
            '[' => {
                for q in chars.by_ref() {
                    if q == ']' {
                        break;
                    }
                }
            }
            '\\' | '_' | '*' => {
                chars.next();
            }
            _ => {}
        }
    }
    false
}

/// Text budget shared by all wanted sheets of one workbook.
struct TextBudget {
    used: usize,
    limit: usize,
}

impl TextBudget {
    fn new(limit: usize) -> Self {
        TextBudget { used: 0, limit }
    }

    /// Account for `bytes` more bytes of text, before allocating them.
    fn take(&mut self, bytes: usize) -> Result<(), WorkbookError> {
        self.used = self.used.saturating_add(bytes);
        if self.used > self.limit {
            Err(WorkbookError::TooMuchText { limit: self.limit })
        } else {
            Ok(())
        }
    }
}

/// Collects the cells of one sheet in any order, enforcing the per-sheet
/// limits as it goes, and sorts them into a [`Sheet`] at the end.
struct SheetBuilder {
    name: String,
    cells: Vec<(u32, u32, CellValue)>,
    merged: Vec<MergedRange>,
    max_cells: usize,
    max_merged: usize,
}

impl SheetBuilder {
    fn new(name: &str, limits: &Limits) -> Self {
        SheetBuilder {
            name: name.to_string(),
            cells: Vec::new(),
            merged: Vec::new(),
            max_cells: limits.max_cells,
            max_merged: limits.max_merged,
        }
    }

    fn too_large(&self) -> WorkbookError {
        WorkbookError::SheetTooLarge {
            sheet: short_name(&self.name),
            limit: self.max_cells,
        }
    }

    /// Fails unless `n` more non-empty cells still fit.
    fn check_room(&self, n: u64) -> Result<(), WorkbookError> {
        if (self.cells.len() as u64).saturating_add(n) > self.max_cells as u64 {
            Err(self.too_large())
        } else {
            Ok(())
        }
    }

    /// Adds a non-empty cell; the caller has charged any text to the budget.
    /// A value no cell may hold (see [`cell_problem`]) refuses the file,
    /// naming the cell.
    fn push(&mut self, row: u32, col: u32, value: CellValue) -> Result<(), WorkbookError> {
        self.check_room(1)?;
        if let Some(message) = cell_problem(&value) {
            return Err(WorkbookError::BadCell {
                sheet: short_name(&self.name),
                cell: cell_ref(row, col),
                message,
            });
        }
        self.cells.push((row, col, value));
        Ok(())
    }

    fn check_merged_room(&self, n: u64) -> Result<(), WorkbookError> {
        if (self.merged.len() as u64).saturating_add(n) > self.max_merged as u64 {
            Err(WorkbookError::TooManyMerged {
                sheet: short_name(&self.name),
                limit: self.max_merged,
            })
        } else {
            Ok(())
        }
    }

    fn push_merged(&mut self, range: MergedRange) -> Result<(), WorkbookError> {
        self.check_merged_room(1)?;
        // A single-cell "merge" carries no information.
        if range.first_row != range.last_row || range.first_col != range.last_col {
            self.merged.push(range);
        }
        Ok(())
    }

    fn finish(self) -> Sheet {
        let mut cells = self.cells;
        // Stable sort: for a position written twice (only in crafted files),
        // the later write wins, as it would in the spreadsheet program.
        cells.sort_by_key(|&(r, c, _)| (r, c));
        // Each row's cells are counted first, so that its vector is
        // allocated once instead of growing cell by cell.
        let lengths: Vec<(u32, usize)> = cells
            .chunk_by(|a, b| a.0 == b.0)
            .filter_map(|run| Some((run.first()?.0, run.len())))
            .collect();
        let mut rows: Vec<Row> = Vec::with_capacity(lengths.len());
        let mut cells = cells.into_iter();
        for (index, len) in lengths {
            let mut row: Vec<(u32, CellValue)> = Vec::with_capacity(len);
            for (_, c, v) in cells.by_ref().take(len) {
                match row.last_mut() {
                    Some(last) if last.0 == c => last.1 = v,
                    _ => row.push((c, v)),
                }
            }
            rows.push(Row { index, cells: row });
        }
        let mut merged = self.merged;
        merged.sort();
        merged.dedup();
        Sheet {
            name: self.name,
            rows,
            merged,
        }
    }
}

/// Converts a calamine value to ours. `None` for an empty cell. Text is
/// charged to the budget before it is copied. Only the xlsx reader's tests
/// use it now (to compare with calamine), so it is built for them only.
#[cfg(test)]
fn from_calamine(
    value: &calamine::DataRef<'_>,
    percent_format: bool,
    budget: &mut TextBudget,
) -> Result<Option<CellValue>, WorkbookError> {
    use calamine::DataRef;
    let number = |value: f64| CellValue::Number {
        value,
        percent_format,
    };
    let text = |s: &str, budget: &mut TextBudget| -> Result<Option<CellValue>, WorkbookError> {
        if s.is_empty() {
            return Ok(None);
        }
        budget.take(s.len())?;
        Ok(Some(CellValue::Text(s.to_string())))
    };
    Ok(match value {
        DataRef::Empty => None,
        DataRef::Int(i) => Some(number(*i as f64)),
        DataRef::Float(f) => Some(number(*f)),
        DataRef::Bool(b) => Some(CellValue::Bool(*b)),
        DataRef::String(s) => return text(s, budget),
        DataRef::SharedString(s) => return text(s, budget),
        DataRef::Error(e) => Some(CellValue::Error(e.to_string())),
        DataRef::DateTime(dt) => {
            // Durations ([h]:mm) and serials outside Excel's calendar
            // (0 ..= 9999-12-31) stay numbers; chrono could also panic on
            // absurd serials.
            let serial = dt.as_f64();
            let in_calendar = serial.is_finite() && (0.0..2_958_466.0).contains(&serial);
            match (dt.is_datetime() && in_calendar)
                .then(|| dt.as_datetime())
                .flatten()
            {
                Some(d) => Some(CellValue::DateTime(d)),
                None => Some(number(serial)),
            }
        }
        DataRef::DateTimeIso(s) => match parse_iso_datetime(s) {
            Some(d) => Some(CellValue::DateTime(d)),
            None => return text(s, budget),
        },
        DataRef::DurationIso(s) => return text(s, budget),
    })
}

/// "2026-11-25", "2026-11-25T09:30:00", "2026-11-25T09:30:00.5",
/// "2026-11-25 09:30:00"; a trailing "Z" is ignored.
fn parse_iso_datetime(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    let s = s.strip_suffix('Z').unwrap_or(s);
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(d);
        }
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_time(chrono::NaiveTime::MIN))
}

#[cfg(test)]
mod tests {
    //! End-to-end tests through `read_workbook`, with fixtures built here:
    //! rust_xlsxwriter for ordinary xlsx, the zip writer for crafted parts.
    //! ods and xls have more tests in their own files.

    use super::*;
    use std::io::{Cursor, Write};
    use std::time::{Duration, Instant};
    use zip::write::SimpleFileOptions;

    pub(super) fn all(_: &str) -> bool {
        true
    }

    /// A zip of the given parts; `mimetype` (for ods) is stored, the rest
    /// deflated.
    pub(super) fn zip_parts(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in parts {
            zip.start_file(*name, options(name)).unwrap();
            zip.write_all(data).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn options(name: &str) -> SimpleFileOptions {
        let method = if name == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        SimpleFileOptions::default().compression_method(method)
    }

    const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
    const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="自查评分" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;
    /// Style 0: General; style 1: percent (built-in format 9).
    const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/><xf numFmtId="9" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/></cellXfs></styleSheet>"#;

    /// A hand-written xlsx with one sheet "自查评分". `sheet_data` writes
    /// the content of <sheetData> (streamed, it may be large).
    pub(super) fn crafted_xlsx(
        dimension: &str,
        sheet_data: &mut dyn FnMut(&mut dyn Write),
        after_sheet_data: &str,
        shared_strings: Option<&[u8]>,
    ) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let small: [(&str, &[u8]); 5] = [
            ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
            ("_rels/.rels", ROOT_RELS.as_bytes()),
            ("xl/workbook.xml", WORKBOOK.as_bytes()),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
            ("xl/styles.xml", STYLES.as_bytes()),
        ];
        for (name, data) in small {
            zip.start_file(name, options(name)).unwrap();
            zip.write_all(data).unwrap();
        }
        if let Some(sst) = shared_strings {
            zip.start_file("xl/sharedStrings.xml", options("")).unwrap();
            zip.write_all(sst).unwrap();
        }
        zip.start_file("xl/worksheets/sheet1.xml", options(""))
            .unwrap();
        write!(
            zip,
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>"#
        )
        .unwrap();
        {
            let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut zip);
            sheet_data(&mut w);
            w.flush().unwrap();
        }
        write!(zip, "</sheetData>{after_sheet_data}</worksheet>").unwrap();
        zip.finish().unwrap().into_inner()
    }

    fn normal_xlsx() -> Vec<u8> {
        use rust_xlsxwriter::{Format, Formula, Workbook as XlsxWorkbook};
        let mut wb = XlsxWorkbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("自查评分").unwrap();
        ws.write_string(0, 0, "单位名称").unwrap();
        ws.write_string(0, 1, "杭州市某某区档案馆").unwrap();
        ws.write_number(1, 1, 330_102_001.0).unwrap();
        ws.write_number(2, 1, 12.5).unwrap();
        ws.write_number_with_format(3, 1, 0.85, &Format::new().set_num_format("0.0%"))
            .unwrap();
        let when =
            NaiveDateTime::parse_from_str("2026-11-25 09:30:00", "%Y-%m-%d %H:%M:%S").unwrap();
        ws.write_datetime_with_format(
            4,
            1,
            when,
            &Format::new().set_num_format("yyyy-mm-dd hh:mm"),
        )
        .unwrap();
        ws.write_boolean(5, 1, true).unwrap();
        ws.write_formula(6, 1, Formula::new("=B2+1").set_result("330102002"))
            .unwrap();
        ws.write_formula(7, 1, Formula::new("=1/0").set_result("#DIV/0!"))
            .unwrap();
        ws.merge_range(8, 0, 8, 2, "合并的标题", &Format::new())
            .unwrap();
        ws.write_string(9, 0, "多行\n文字").unwrap();
        ws.write_string(10, 3, "").unwrap(); // empty string: no value
        let other = wb.add_worksheet();
        other.set_name("说明").unwrap();
        other.write_string(0, 0, "本表仅供测试").unwrap();
        wb.save_to_buffer().unwrap()
    }

    fn number(value: f64) -> CellValue {
        CellValue::Number {
            value,
            percent_format: false,
        }
    }

    fn text(s: &str) -> CellValue {
        CellValue::Text(s.to_string())
    }

    #[test]
    fn cell_ref_is_a1_style() {
        assert_eq!(cell_ref(0, 0), "A1");
        assert_eq!(cell_ref(6, 3), "D7");
        assert_eq!(cell_ref(0, 25), "Z1");
        assert_eq!(cell_ref(0, 26), "AA1");
        assert_eq!(cell_ref(0, 701), "ZZ1");
        assert_eq!(cell_ref(0, 702), "AAA1");
        assert_eq!(cell_ref(1_048_575, 16_383), "XFD1048576");
        assert_eq!(cell_ref(u32::MAX, u32::MAX), "MWLQKWV4294967296");
    }

    #[test]
    fn percent_formats() {
        for yes in ["0%", "0.00%", "#,##0.0%", "0%;[Red]-0%"] {
            assert!(is_percent_format(yes), "{yes}");
        }
        for no in [
            "General",
            "0.00",
            "\"%\"0",
            "0\\%",
            "[Red]0.00",
            "0_%",
            "yyyy-mm-dd",
            "@",
        ] {
            assert!(!is_percent_format(no), "{no}");
        }
    }

    #[test]
    fn normal_xlsx_reads_every_kind_of_value() {
        let bytes = normal_xlsx();
        let wb = read_workbook(&bytes, &|n| n == "自查评分", &Limits::default()).unwrap();
        assert_eq!(wb.format, WorkbookFormat::Xlsx);
        assert_eq!(wb.sheet_names, ["自查评分", "说明"]);
        assert_eq!(wb.sheets.len(), 1);
        let s = wb.sheet("自查评分").unwrap();
        assert_eq!(s.get(0, 0), Some(&text("单位名称")));
        assert_eq!(s.get(0, 1), Some(&text("杭州市某某区档案馆")));
        assert_eq!(s.get(1, 1), Some(&number(330_102_001.0)));
        assert_eq!(s.get(2, 1), Some(&number(12.5)));
        assert_eq!(
            s.get(3, 1),
            Some(&CellValue::Number {
                value: 0.85,
                percent_format: true
            })
        );
        let when =
            NaiveDateTime::parse_from_str("2026-11-25 09:30:00", "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(s.get(4, 1), Some(&CellValue::DateTime(when)));
        assert_eq!(s.get(5, 1), Some(&CellValue::Bool(true)));
        assert_eq!(s.get(6, 1), Some(&number(330_102_002.0)));
        assert_eq!(s.get(7, 1), Some(&CellValue::Error("#DIV/0!".into())));
        assert_eq!(s.get(8, 0), Some(&text("合并的标题")));
        assert_eq!(s.get(8, 1), None);
        assert_eq!(s.get(9, 0), Some(&text("多行\n文字")));
        assert_eq!(s.get(10, 3), None);
        assert_eq!(
            s.merged(),
            [MergedRange {
                first_row: 8,
                first_col: 0,
                last_row: 8,
                last_col: 2
            }]
        );
        // rows(): ascending, cells in column order, only non-empty.
        let rows: Vec<(u32, Vec<u32>)> = s
            .rows()
            .map(|(r, cells)| (r, cells.iter().map(|(c, _)| *c).collect()))
            .collect();
        assert_eq!(rows[0], (0, vec![0, 1]));
        assert_eq!(rows[1], (1, vec![1]));
        assert_eq!(rows.last().unwrap(), &(9, vec![0]));
        assert_eq!(s.cell_count(), 11);
    }

    #[test]
    fn xlsm_is_told_apart() {
        // Same parts plus a macro project; the macros are never read.
        let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
        let bytes = normal_xlsx();
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes.as_slice())).unwrap();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut data).unwrap();
            parts.push((f.name().unwrap().to_string(), data));
        }
        parts.push(("xl/vbaProject.bin".into(), b"not really vba".to_vec()));
        let refs: Vec<(&str, &[u8])> = parts
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        let wb = read_workbook(&zip_parts(&refs), &all, &Limits::default()).unwrap();
        assert_eq!(wb.format, WorkbookFormat::Xlsm);
        assert_eq!(wb.sheets.len(), 2);
    }

    #[test]
    fn corners_xlsx_reads_two_cells_without_a_dense_grid() {
        // calamine's worksheet_range() aborts the process on this file.
        let bytes = crafted_xlsx(
            "A1:XFD1048576",
            &mut |w| {
                write!(
                    w,
                    r#"<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row>"#
                )
                .unwrap()
            },
            "",
            None,
        );
        assert!(bytes.len() < 4096);
        let wb = read_workbook(&bytes, &all, &Limits::default()).unwrap();
        let s = &wb.sheets[0];
        assert_eq!(s.cell_count(), 2);
        assert_eq!(s.get(0, 0), Some(&number(1.0)));
        assert_eq!(s.get(1_048_575, 16_383), Some(&number(2.0)));
    }

    /// One million formatted but empty rows, then one value: about 39 MB
    /// of XML, under the 50 MB entry limit, so it is accepted. Empty rows
    /// cost parsing time only.
    #[test]
    fn million_empty_formatted_rows_are_cheap() {
        let bytes = crafted_xlsx(
            "A1:B1000001",
            &mut |w| {
                for r in 1..=1_000_000u32 {
                    write!(w, r#"<row r="{r}" s="1" customFormat="1"/>"#).unwrap();
                }
                write!(w, r#"<row r="1000001"><c r="B1000001" t="inlineStr"><is><t>最后一行</t></is></c></row>"#).unwrap();
            },
            "",
            None,
        );
        // Row numbers differ, so it compresses to a few MB only.
        assert!(
            bytes.len() < 10 << 20,
            "compresses to {} bytes",
            bytes.len()
        );
        let started = Instant::now();
        let wb = read_workbook(&bytes, &all, &Limits::default()).unwrap();
        let s = &wb.sheets[0];
        assert_eq!(s.cell_count(), 1);
        assert_eq!(s.get(1_000_000, 1), Some(&text("最后一行")));
        // Generous for debug builds on a slow machine; release takes well
        // under a second.
        assert!(started.elapsed() < Duration::from_secs(60));
    }

    /// Past the entry limit the same kind of sheet is refused before any
    /// parsing (a million rows that each hold an empty styled cell are
    /// about 70 MB: over the default 50 MB). Shown with a 1 MB limit to
    /// keep the test fast.
    #[test]
    fn empty_rows_past_the_size_limit_are_refused_as_a_bomb() {
        let bytes = crafted_xlsx(
            "A1",
            &mut |w| {
                for r in 1..=30_000u32 {
                    write!(
                        w,
                        r#"<row r="{r}" s="1" customFormat="1"><c r="A{r}" s="1"/></row>"#
                    )
                    .unwrap();
                }
            },
            "",
            None,
        );
        let limits = Limits {
            max_entry_uncompressed: 1024 * 1024,
            ..Limits::default()
        };
        let err = read_workbook(&bytes, &all, &limits).unwrap_err();
        assert_eq!(
            err,
            WorkbookError::EntryTooLarge {
                name: "xl/worksheets/sheet1.xml".into(),
                limit: 1024 * 1024
            }
        );
        assert_eq!(
            err.to_string(),
            "文件中的部件“xl/worksheets/sheet1.xml”解压后超过 1 MB，疑为压缩炸弹"
        );
    }

    #[test]
    fn shared_strings_bomb_is_refused_before_parsing() {
        // 51 MiB of shared strings in a zip of well under 1 MB.
        let mut sst = Vec::with_capacity(52 << 20);
        sst.extend_from_slice(br#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="17" uniqueCount="17">"#);
        let long = "a".repeat(3 << 20);
        for _ in 0..17 {
            sst.extend_from_slice(b"<si><t>");
            sst.extend_from_slice(long.as_bytes());
            sst.extend_from_slice(b"</t></si>");
        }
        sst.extend_from_slice(b"</sst>");
        let bytes = crafted_xlsx(
            "A1",
            &mut |w| write!(w, r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#).unwrap(),
            "",
            Some(&sst),
        );
        assert!(bytes.len() < 1024 * 1024);
        let err = read_workbook(&bytes, &all, &Limits::default()).unwrap_err();
        assert!(
            matches!(&err, WorkbookError::EntryTooLarge { name, .. } if name == "xl/sharedStrings.xml"),
            "{err:?}"
        );
        assert!(err.to_string().contains("解压后超过 50 MB，疑为压缩炸弹"));
    }

    #[test]
    fn many_small_shared_strings_are_counted_before_calamine_loads_them() {
        let mut sst = String::from(
            r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
        );
        for i in 0..11 {
            sst.push_str(&format!("<si><t>{i}</t></si>"));
        }
        sst.push_str("</sst>");
        let bytes = crafted_xlsx(
            "A1",
            &mut |w| write!(w, r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#).unwrap(),
            "",
            Some(sst.as_bytes()),
        );
        let limits = Limits {
            max_shared_strings: 10,
            ..Limits::default()
        };
        let err = read_workbook(&bytes, &all, &limits).unwrap_err();
        assert!(
            matches!(err, WorkbookError::TooComplex(ref m) if m.contains("共享字符串超过 10 个")),
            "{err:?}"
        );
        assert!(read_workbook(&bytes, &all, &Limits::default()).is_ok());
    }

    #[test]
    fn one_shared_string_copied_into_many_cells_is_charged_as_text() {
        let sst = format!(
            r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>{}</t></si></sst>"#,
            "长".repeat(100_000)
        );
        let bytes = crafted_xlsx(
            "A1",
            &mut |w| {
                for r in 1..=200u32 {
                    write!(w, r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#).unwrap();
                }
            },
            "",
            Some(sst.as_bytes()),
        );
        let limits = Limits {
            max_text_bytes: 10 << 20,
            ..Limits::default()
        };
        // 200 × 300 KB = 60 MB of copies.
        let err = read_workbook(&bytes, &all, &limits).unwrap_err();
        assert_eq!(err, WorkbookError::TooMuchText { limit: 10 << 20 });
        assert_eq!(err.to_string(), "工作簿中的文字过多：超过 10 MB");
    }

    #[test]
    fn too_many_cells_are_refused() {
        let bytes = crafted_xlsx(
            "A1",
            &mut |w| {
                for r in 1..=21u32 {
                    write!(w, r#"<row r="{r}">"#).unwrap();
                    for c in ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"] {
                        write!(w, r#"<c r="{c}{r}"><v>{r}</v></c>"#).unwrap();
                    }
                    write!(w, "</row>").unwrap();
                }
            },
            "",
            None,
        );
        let limits = Limits {
            max_cells: 200,
            ..Limits::default()
        };
        let err = read_workbook(&bytes, &all, &limits).unwrap_err();
        assert_eq!(
            err.to_string(),
            "工作表“自查评分”过大：超过 200 个非空单元格"
        );
        // An unwanted sheet is not read, so it cannot be too large.
        let wb = read_workbook(&bytes, &|_| false, &limits).unwrap();
        assert!(wb.sheets.is_empty());
        assert_eq!(wb.sheet_names, ["自查评分"]);
    }

    #[test]
    fn styles_bomb_is_refused() {
        let mut styles = String::from(
            r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs>"#,
        );
        for _ in 0..101 {
            styles.push_str("<xf/>");
        }
        styles.push_str("</cellXfs></styleSheet>");
        let bytes = zip_parts(&[
            ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
            ("_rels/.rels", ROOT_RELS.as_bytes()),
            ("xl/workbook.xml", WORKBOOK.as_bytes()),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
            ("xl/styles.xml", styles.as_bytes()),
            ("xl/worksheets/sheet1.xml", br#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>"#),
        ]);
        let limits = Limits {
            max_styles: 100,
            ..Limits::default()
        };
        let err = read_workbook(&bytes, &all, &limits).unwrap_err();
        assert!(
            matches!(err, WorkbookError::TooComplex(ref m) if m.contains("单元格格式超过 100 个")),
            "{err:?}"
        );
        assert!(read_workbook(&bytes, &all, &Limits::default()).is_ok());
    }

    #[test]
    fn zip_limits() {
        let many: Vec<(String, Vec<u8>)> =
            (0..1001).map(|i| (format!("x/{i}.txt"), vec![])).collect();
        let refs: Vec<(&str, &[u8])> = many
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        assert_eq!(
            read_workbook(&zip_parts(&refs), &all, &Limits::default()).unwrap_err(),
            WorkbookError::TooManyEntries { limit: 1000 }
        );

        let zeros = vec![0u8; 400 * 1024];
        let bytes = zip_parts(&[("a", &zeros), ("b", &zeros), ("c", &zeros)]);
        let limits = Limits {
            max_total_uncompressed: 1024 * 1024,
            ..Limits::default()
        };
        let err = read_workbook(&bytes, &all, &limits).unwrap_err();
        assert_eq!(err.to_string(), "文件解压后超过 1 MB，疑为压缩炸弹");
    }

    #[test]
    fn file_size_limit() {
        let limits = Limits {
            max_file_bytes: 1000,
            ..Limits::default()
        };
        let err = read_workbook(&vec![b'a'; 3 * 1024 * 1024], &all, &limits).unwrap_err();
        assert_eq!(err.to_string(), "文件过大：3 MB，上限为 1 MB");
    }

    #[test]
    fn empty_and_random_bytes() {
        let err = read_workbook(b"", &all, &Limits::default()).unwrap_err();
        assert_eq!(err, WorkbookError::Empty);
        assert_eq!(err.to_string(), "文件为空");

        let mut seed = 42u64;
        let random: Vec<u8> = (0..5000)
            .map(|_| {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                (seed >> 56) as u8
            })
            .collect();
        let err = read_workbook(&random, &all, &Limits::default()).unwrap_err();
        assert_eq!(err, WorkbookError::NotAWorkbook);
        assert_eq!(
            err.to_string(),
            "不是 Excel/WPS/LibreOffice 工作簿（.xlsx/.xlsm/.xls/.ods）"
        );
    }

    #[test]
    fn truncated_xlsx_is_corrupt() {
        let bytes = normal_xlsx();
        let half = &bytes[..bytes.len() / 2];
        let err = read_workbook(half, &all, &Limits::default()).unwrap_err();
        assert!(matches!(err, WorkbookError::Corrupt(_)), "{err:?}");
        assert!(err.to_string().starts_with("文件已损坏或不完整："), "{err}");
    }

    #[test]
    fn other_file_types_are_named() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (
                "<html xmlns:o=\"urn:schemas-microsoft-com:office:office\">\n<head><meta charset=\"utf-8\"></head><body><table><tr><td>单位</td></tr></table></body></html>".into(),
                "这是一个网页（HTML）文件，不是 Excel 工作簿；请在 Excel 或 WPS 中打开后另存为 .xlsx 再上传",
            ),
            ("\u{feff}<table border=1><tr><td>1</td></tr></table>".into(), "网页（HTML）"),
            ("<?xml version=\"1.0\"?>\n<?mso-application progid=\"Excel.Sheet\"?>\n<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\"></Workbook>".into(), "Excel 2003 XML 表格"),
            ("MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"x\"\r\n".into(), "网页存档（MHT）"),
            (b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj".to_vec(), "这是 PDF 文件"),
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(), "这是图片"),
            (b"\xFF\xD8\xFF\xE0\0\x10JFIF".to_vec(), "这是图片"),
            ("单位名称,得分\n某某档案馆,95\n".into(), "CSV 或文本文件"),
            (b"Rar!\x1a\x07\x01\x00".to_vec(), "压缩包"),
            (zip_parts(&[("word/document.xml", b"<w:document/>"), ("[Content_Types].xml", b"<Types/>")]), "Word 文档（.docx）"),
            (zip_parts(&[("xl/workbook.bin", b"\0\0"), ("[Content_Types].xml", b"<Types/>")]), "二进制工作簿（.xlsb）"),
            (zip_parts(&[("readme.txt", b"hello")]), "ZIP 压缩包"),
            (zip_parts(&[("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"<x/>")]), "文字文档（.odt）"),
            (cfb::tests::build_cfb(&[("EncryptedInfo", b"x"), ("EncryptedPackage", &[0u8; 5000])]), "文件设置了打开密码"),
            (cfb::tests::build_cfb(&[("WordDocument", &[0u8; 5000])]), "Word 文档（.doc）"),
        ];
        for (bytes, expected) in cases {
            let err = read_workbook(&bytes, &all, &Limits::default()).unwrap_err();
            assert!(
                err.to_string().contains(expected),
                "expected {expected:?}, got {err:?}"
            );
        }
    }

    /// Random corruption of valid files of every format must end in an
    /// error or a workbook, never a panic or an abort.
    #[test]
    fn mutated_files_never_panic() {
        let fixtures = [
            normal_xlsx(),
            include_bytes!("../../tests/fixtures/workbooks/reader/normal.xls").to_vec(),
            ods::tests::sample_ods(),
        ];
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize
        };
        for fixture in &fixtures {
            for _ in 0..300 {
                let mut b = fixture.clone();
                for _ in 0..1 + next() % 8 {
                    let at = next() % b.len();
                    b[at] = next() as u8;
                }
                if next() % 5 == 0 {
                    b.truncate(next() % b.len() + 1);
                }
                let _ = read_workbook(&b, &all, &Limits::default());
            }
        }
    }
}
