//! .xls (BIFF8, also BIFF5 and WPS .et) through calamine, behind a guard.
//!
//! calamine's `Xls::new` parses every sheet as soon as the file is opened:
//! it builds a dense grid over the bounding box of each sheet's cells (and a
//! second one for formula text), reserves memory for the dimensions the
//! file declares, turns formula tokens into text (a defined-name token of 5
//! bytes can become 255 characters, a space token inserts up to 255
//! characters one by one into the middle of the string), and copies a
//! shared string into every cell that refers to it. A small file can make
//! any of these take gigabytes or hours.
//!
//! So before calamine sees anything, this module reads the Workbook stream
//! itself, walking the records exactly the way calamine will, and
//!
//! * refuses the file when the dense grids of all sheets together, the
//!   cells of a sheet, the copied text or the shared string table would
//!   exceed the limits, or when sheets overlap in the stream;
//! * neutralises, in a private copy of the file, the two kinds of record
//!   whose content calamine expands but we do not need: DIMENSIONS (only
//!   used to reserve memory) is zeroed, and each FORMULA's token list is
//!   replaced by the constant 0 (only its cached value is read here).
//!
//! It also notes which number cells have a percent format, which calamine
//! does not expose for xls.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, DataRef, Reader, Xls, XlsError};

use super::cfb::CfbFile;
use super::{
    Limits, MergedRange, SheetBuilder, TextBudget, Workbook, WorkbookError, WorkbookFormat,
    cell_ref, from_calamine, guarded, is_percent_format, short_name,
};

/// BIFF record types (MS-XLS 2.3).
mod rt {
    pub const FORMULA: u16 = 0x0006;
    pub const EOF: u16 = 0x000A;
    pub const FILEPASS: u16 = 0x002F;
    pub const CONTINUE: u16 = 0x003C;
    pub const BOUNDSHEET: u16 = 0x0085;
    pub const MULRK: u16 = 0x00BD;
    pub const RSTRING: u16 = 0x00D6;
    pub const XF: u16 = 0x00E0;
    pub const MERGECELLS: u16 = 0x00E5;
    pub const SST: u16 = 0x00FC;
    pub const LABELSST: u16 = 0x00FD;
    pub const DIMENSIONS: u16 = 0x0200;
    pub const NUMBER: u16 = 0x0203;
    pub const LABEL: u16 = 0x0204;
    pub const BOOLERR: u16 = 0x0205;
    pub const STRING: u16 = 0x0207;
    pub const RK: u16 = 0x027E;
    pub const FORMAT: u16 = 0x041E;
    pub const BOF: u16 = 0x0809;
}

/// calamine takes CONTINUE records off the front of a vector one at a
/// time (quadratic). A real 10 MB shared string table needs about 1300.
const MAX_CONTINUES: usize = 4096;

/// Upper bound of UTF-8 bytes calamine produces per character of a BIFF
/// string (3 for UTF-16; up to 6 when a legacy code page decodes the
/// zero-padded bytes of a compressed string).
const UTF8_PER_CHAR: u64 = 6;

pub(super) fn read(
    bytes: &[u8],
    cfb: CfbFile,
    wanted: &dyn Fn(&str) -> bool,
    limits: &Limits,
) -> Result<Workbook, WorkbookError> {
    let corrupt = |why: String| WorkbookError::Corrupt(format!("工作簿数据流有误（{why}）"));
    // calamine reads "Workbook" (BIFF8), else "Book" (BIFF5).
    let name = if cfb.has_entry("Workbook") {
        "Workbook"
    } else {
        "Book"
    };
    let stream = cfb
        .stream(bytes, name)
        .map_err(corrupt)?
        .ok_or(WorkbookError::NotAWorkbook)?;

    let scan = scan(&stream.data, limits)?;

    // Neutralise, in a copy, the records calamine would expand.
    let mut patched = bytes.to_vec();
    for (pos, new) in &scan.patches {
        for (k, &b) in new.iter().enumerate() {
            let at = stream
                .file_offset(pos + k)
                .ok_or_else(|| corrupt("记录超出数据流".into()))?;
            patched[at] = b;
        }
    }
    drop(stream);

    let mut xls = guarded("打开工作簿", || {
        Xls::new(Cursor::new(patched.as_slice())).map_err(|e| match e {
            XlsError::Password => WorkbookError::Encrypted,
            other => WorkbookError::Corrupt(format!("无法打开工作簿（{other}）")),
        })
    })?;
    let sheet_names = xls.sheet_names();
    // Our scan and calamine list the same BOUNDSHEET records; if they
    // disagree somehow, percent formats are simply not reported.
    let same_sheets = sheet_names.len() == scan.percent.len();

    let mut budget = TextBudget::new(limits.max_text_bytes);
    let mut sheets = Vec::new();
    for (i, name) in sheet_names.iter().enumerate() {
        if !wanted(name) || sheet_names[..i].contains(name) {
            continue;
        }
        // calamine keeps the last sheet of a given name.
        let last = sheet_names.iter().rposition(|n| n == name).unwrap_or(i);
        let percent = if same_sheets {
            scan.percent.get(last)
        } else {
            None
        };
        let mut builder = SheetBuilder::new(name, limits);
        guarded("读取工作表", || {
            let range = xls.worksheet_range(name).map_err(|e| {
                WorkbookError::Corrupt(format!("无法读取工作表“{}”（{e}）", short_name(name)))
            })?;
            let (r0, c0) = range.start().unwrap_or((0, 0));
            for (r, c, data) in range.used_cells() {
                let (row, col) = (r0 + r as u32, c0 + c as u32);
                let is_percent = percent.is_some_and(|p| p.get(&(row, col)) == Some(&true));
                if let Some(value) = from_calamine(&data_ref(data), is_percent, &mut budget)? {
                    builder.push(row, col, value)?;
                }
            }
            let merged = xls.merge_cells_by_sheet_name(name).map_err(|e| {
                WorkbookError::Corrupt(format!(
                    "无法读取工作表“{}”的合并单元格（{e}）",
                    short_name(name)
                ))
            })?;
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
        })?;
        sheets.push(builder.finish());
    }
    Ok(Workbook {
        format: WorkbookFormat::Xls,
        sheet_names,
        sheets,
    })
}

fn data_ref(d: &Data) -> DataRef<'_> {
    match d {
        Data::Int(i) => DataRef::Int(*i),
        Data::Float(f) => DataRef::Float(*f),
        Data::String(s) => DataRef::SharedString(s),
        Data::Bool(b) => DataRef::Bool(*b),
        Data::DateTime(dt) => DataRef::DateTime(*dt),
        Data::DateTimeIso(s) => DataRef::DateTimeIso(s.clone()),
        Data::DurationIso(s) => DataRef::DurationIso(s.clone()),
        Data::Error(e) => DataRef::Error(e.clone()),
        Data::Empty => DataRef::Empty,
    }
}

/// What the scan found.
struct Scan {
    /// (offset in the stream, replacement bytes)
    patches: Vec<(usize, Vec<u8>)>,
    /// Per BOUNDSHEET record, in order: position → has a percent format
    /// (the last number written there decides).
    percent: Vec<HashMap<(u32, u32), bool>>,
}

/// One record as calamine's RecordIter yields it: a record plus the
/// CONTINUE records that follow it.
struct Record<'a> {
    typ: u16,
    /// Offset of the record's data in the stream.
    data_pos: usize,
    data: &'a [u8],
    cont: Vec<&'a [u8]>,
}

fn bad(why: &str) -> WorkbookError {
    WorkbookError::Corrupt(format!("工作簿记录有误（{why}）"))
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Mirrors calamine's RecordIter, including when a CONTINUE is attached.
struct Records<'a> {
    stream: &'a [u8],
    pos: usize,
}

impl<'a> Records<'a> {
    fn new(stream: &'a [u8], pos: usize) -> Self {
        Records { stream, pos }
    }

    fn next(&mut self) -> Result<Option<Record<'a>>, WorkbookError> {
        let rest = &self.stream[self.pos..];
        if rest.len() < 4 {
            return if rest.is_empty() {
                Ok(None)
            } else {
                Err(bad("记录头不完整"))
            };
        }
        let typ = u16_at(rest, 0).unwrap_or(0);
        let len = usize::from(u16_at(rest, 2).unwrap_or(0));
        if rest.len() < len + 4 {
            return Err(bad("记录长度超出数据流"));
        }
        let data_pos = self.pos + 4;
        let data = &self.stream[data_pos..data_pos + len];
        self.pos += len + 4;
        let mut cont = Vec::new();
        loop {
            let rest = &self.stream[self.pos..];
            if rest.len() <= 4 || u16_at(rest, 0) != Some(rt::CONTINUE) {
                break;
            }
            let clen = usize::from(u16_at(rest, 2).unwrap_or(0));
            if rest.len() < clen + 4 {
                return Err(bad("续记录长度超出数据流"));
            }
            cont.push(&rest[4..4 + clen]);
            if cont.len() > MAX_CONTINUES {
                return Err(bad("续记录过多"));
            }
            self.pos += clen + 4;
        }
        Ok(Some(Record {
            typ,
            data_pos,
            data,
            cont,
        }))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Biff {
    Biff5OrOlder,
    Biff8,
}

/// calamine's reading of the BOF version field.
fn biff_of(bof: &[u8]) -> Result<Biff, WorkbookError> {
    let version = u16_at(bof, 0).ok_or_else(|| bad("BOF 记录过短"))?;
    let dt = u16_at(bof, 2).unwrap_or(0);
    Ok(match version {
        0x0200 | 0x0002 | 0x0007 | 0x0300 | 0x0400 | 0x0500 => Biff::Biff5OrOlder,
        0 if dt == 0x1000 => Biff::Biff5OrOlder,
        _ => Biff::Biff8,
    })
}

/// Decodes a short sheet name or format string well enough to read ASCII
/// format codes and names: UTF-16LE or Latin-1 (legacy code pages are
/// decoded by calamine; only '%' matters here).
fn decode(chars: &[u8], high_byte: bool, cch: usize) -> String {
    if high_byte {
        let units = chars
            .chunks_exact(2)
            .take(cch)
            .map(|c| u16::from_le_bytes([c[0], c[1]]));
        char::decode_utf16(units)
            .map(|c| c.unwrap_or('\u{FFFD}'))
            .collect()
    } else {
        chars.iter().take(cch).map(|&b| char::from(b)).collect()
    }
}

/// A FORMAT record: (format index, format code).
fn format_record(data: &[u8], biff: Biff) -> Option<(u16, String)> {
    let ifmt = u16_at(data, 0)?;
    let code = match biff {
        Biff::Biff8 => {
            let cch = usize::from(u16_at(data, 2)?);
            let flags = *data.get(4)?;
            decode(data.get(5..)?, flags & 1 != 0, cch)
        }
        Biff::Biff5OrOlder => {
            let cch = usize::from(*data.get(2)?);
            decode(data.get(3..)?, false, cch)
        }
    };
    Some((ifmt, code))
}

/// A BOUNDSHEET record's name, for messages.
fn sheet_name(data: &[u8], biff: Biff) -> String {
    let name = match biff {
        Biff::Biff8 => match (data.get(6), data.get(7), data.get(8..)) {
            (Some(&cch), Some(&flags), Some(chars)) => decode(chars, flags & 1 != 0, cch.into()),
            _ => String::new(),
        },
        Biff::Biff5OrOlder => match (data.get(6), data.get(7..)) {
            (Some(&cch), Some(chars)) => decode(chars, false, cch.into()),
            _ => String::new(),
        },
    };
    name.replace('\0', "")
}

/// The byte cursor calamine uses inside a record with CONTINUE parts.
struct Cursored<'a> {
    data: &'a [u8],
    cont: std::slice::Iter<'a, &'a [u8]>,
}

impl Cursored<'_> {
    fn continue_record(&mut self) -> bool {
        match self.cont.next() {
            Some(next) => {
                self.data = next;
                true
            }
            None => false,
        }
    }

    fn skip(&mut self, mut len: usize) -> Result<(), WorkbookError> {
        while len > 0 {
            if self.data.is_empty() && !self.continue_record() {
                return Err(bad("共享字符串不完整"));
            }
            let l = len.min(self.data.len());
            self.data = &self.data[l..];
            len -= l;
        }
        Ok(())
    }

    fn take(&mut self, n: usize) -> Result<&[u8], WorkbookError> {
        let (head, tail) = self
            .data
            .split_at_checked(n)
            .ok_or_else(|| bad("共享字符串不完整"))?;
        self.data = tail;
        Ok(head)
    }
}

/// Walks an SST record like calamine's `parse_sst` and returns, per
/// string, an upper bound of the UTF-8 bytes calamine will make of it.
fn sst_sizes(r: &Record<'_>, limits: &Limits) -> Result<Vec<u64>, WorkbookError> {
    if r.data.len() < 8 {
        return Err(bad("共享字符串表过短"));
    }
    let mut c = Cursored {
        data: &r.data[8..],
        cont: r.cont.iter(),
    };
    let mut sizes = Vec::new();
    while !c.data.is_empty() || c.continue_record() {
        if sizes.len() >= limits.max_shared_strings {
            return Err(WorkbookError::TooComplex(format!(
                "共享字符串超过 {} 条",
                limits.max_shared_strings
            )));
        }
        if c.data.is_empty() {
            sizes.push(0);
            continue;
        }
        let head = c.take(3)?;
        let cch = usize::from(u16::from_le_bytes([head[0], head[1]]));
        let flags = head[2];
        let mut high_byte = flags & 0x1 != 0;
        let mut runs = 0usize;
        if flags & 0x8 != 0 {
            let b = c.take(2)?;
            runs = usize::from(u16::from_le_bytes([b[0], b[1]]));
        }
        let mut ext = 0usize;
        if flags & 0x4 != 0 {
            let b = c.take(4)?;
            // calamine converts the signed size with `as usize`.
            ext = i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
        }
        let mut left = cch;
        while left > 0 {
            let (l, at) = if high_byte {
                let l = (c.data.len() / 2).min(left);
                (l, 2 * l)
            } else {
                let l = c.data.len().min(left);
                (l, l)
            };
            c.data = &c.data[at..];
            left -= l;
            if left > 0 {
                if !c.continue_record() {
                    return Err(bad("共享字符串不完整"));
                }
                let flag = c.take(1)?;
                high_byte = flag[0] & 0x1 != 0;
            }
        }
        c.skip(runs.saturating_mul(4))?;
        c.skip(ext)?;
        sizes.push(cch as u64 * UTF8_PER_CHAR);
    }
    Ok(sizes)
}

/// Bounding box of positions, as `Range::from_sparse` computes it.
#[derive(Default, Clone, Copy)]
struct BoundingBox(Option<(u32, u32, u32, u32)>);

impl BoundingBox {
    fn add(&mut self, row: u32, col: u32) {
        self.0 = Some(match self.0 {
            None => (row, row, col, col),
            Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(col), c1.max(col)),
        });
    }

    fn area(&self) -> u64 {
        self.0.map_or(0, |(r0, r1, c0, c1)| {
            u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1)
        })
    }

    fn describe(&self) -> String {
        match self.0 {
            None => String::new(),
            Some((r0, r1, c0, c1)) => format!("{}:{}", cell_ref(r0, c0), cell_ref(r1, c1)),
        }
    }
}

/// What calamine will build for one sheet.
#[derive(Default, Clone)]
struct SheetScan {
    values: BoundingBox,
    formulas: BoundingBox,
    value_cells: usize,
    formula_cells: usize,
    text_bytes: u64,
    bytes_scanned: usize,
    percent: HashMap<(u32, u32), bool>,
    patches: Vec<(usize, Vec<u8>)>,
}

/// Formats and cell styles from the workbook globals, for percent detection.
struct Styles {
    /// XF index → format index
    xf_format: Vec<u16>,
    /// format index → is a percent format (custom and redefined formats)
    percent_formats: HashMap<u16, bool>,
}

impl Styles {
    fn is_percent(&self, ixfe: u16) -> bool {
        let Some(&ifmt) = self.xf_format.get(usize::from(ixfe)) else {
            return false;
        };
        match self.percent_formats.get(&ifmt) {
            Some(&p) => p,
            // Built-in formats 9 ("0%") and 10 ("0.00%").
            None => matches!(ifmt, 9 | 10),
        }
    }
}

fn scan(stream: &[u8], limits: &Limits) -> Result<Scan, WorkbookError> {
    // Globals, up to the first EOF (where calamine stops).
    let mut biff = Biff::Biff8;
    let mut sst: Vec<u64> = Vec::new();
    let mut styles = Styles {
        xf_format: Vec::new(),
        percent_formats: HashMap::new(),
    };
    let mut boundsheets: Vec<(usize, String)> = Vec::new();
    let mut records = Records::new(stream, 0);
    while let Some(r) = records.next()? {
        match r.typ {
            // The records after FILEPASS are encrypted (XOR or RC4), so
            // nothing can be read without the password.
            rt::FILEPASS => return Err(WorkbookError::Encrypted),
            rt::BOF => biff = biff_of(r.data)?,
            rt::FORMAT => {
                if let Some((ifmt, code)) = format_record(r.data, biff) {
                    styles
                        .percent_formats
                        .insert(ifmt, is_percent_format(&code));
                }
            }
            rt::XF => styles
                .xf_format
                .push(u16_at(r.data, 2).ok_or_else(|| bad("XF 记录过短"))?),
            rt::BOUNDSHEET => {
                if r.data.len() < 6 {
                    return Err(bad("BOUNDSHEET 记录过短"));
                }
                let pos = u32_at(r.data, 0).unwrap_or(0) as usize;
                if pos > stream.len() {
                    return Err(bad("工作表位置超出数据流"));
                }
                if boundsheets.len() >= limits.max_sheets {
                    return Err(WorkbookError::TooManySheets {
                        limit: limits.max_sheets,
                    });
                }
                boundsheets.push((pos, sheet_name(r.data, biff)));
            }
            rt::SST => sst = sst_sizes(&r, limits)?,
            rt::EOF => break,
            _ => {}
        }
    }

    // Every BOUNDSHEET is parsed by calamine from its position, even when
    // two point at the same place; cache by position, count per entry.
    let mut cache: HashMap<usize, SheetScan> = HashMap::new();
    let mut patches = Vec::new();
    let mut percent = Vec::new();
    let mut grid: u64 = 0;
    let mut largest: (u64, usize) = (0, 0);
    let mut text: u64 = 0;
    let mut scanned: usize = 0;
    for (i, (pos, name)) in boundsheets.iter().enumerate() {
        let s = match cache.get(pos) {
            Some(s) => s.clone(),
            None => {
                let s = scan_sheet(stream, *pos, &sst, &styles, limits, name)?;
                patches.extend(s.patches.iter().cloned());
                cache.insert(*pos, s.clone());
                s
            }
        };
        // Real sheets do not overlap; crafted ones could make calamine (and
        // us) walk the same megabytes once per sheet.
        scanned = scanned.saturating_add(s.bytes_scanned);
        if scanned > stream.len().saturating_mul(2) {
            return Err(WorkbookError::TooComplex("工作表数据互相重叠".into()));
        }
        let area = s.values.area().saturating_add(s.formulas.area());
        if area > largest.0 {
            largest = (area, i);
        }
        grid = grid.saturating_add(area);
        if grid > limits.max_xls_grid_cells {
            let (_, at) = largest;
            let s = &cache[&boundsheets[at].0];
            let bigger = if s.values.area() >= s.formulas.area() {
                s.values
            } else {
                s.formulas
            };
            return Err(WorkbookError::XlsAreaTooLarge {
                sheet: short_name(&boundsheets[at].1),
                range: bigger.describe(),
            });
        }
        text = text.saturating_add(s.text_bytes);
        if text > limits.max_text_bytes as u64 {
            return Err(WorkbookError::TooMuchText {
                limit: limits.max_text_bytes,
            });
        }
        percent.push(s.percent);
    }
    Ok(Scan { patches, percent })
}

/// Walks one sheet's records from `pos` as calamine's parse_workbook does.
fn scan_sheet(
    stream: &[u8],
    pos: usize,
    sst: &[u64],
    styles: &Styles,
    limits: &Limits,
    name: &str,
) -> Result<SheetScan, WorkbookError> {
    let mut s = SheetScan::default();
    let mut records = Records::new(stream, pos);
    let mut seen_bof = false;
    let mut depth = 0usize;
    let mut formula_pos = (0u16, 0u16);
    let too_large = || WorkbookError::SheetTooLarge {
        sheet: short_name(name),
        limit: limits.max_cells,
    };
    // A value cell as calamine pushes it; `number` carries its XF index.
    let value = |s: &mut SheetScan, row: u16, col: u16, number: Option<u16>| {
        let (row, col) = (u32::from(row), u32::from(col));
        s.values.add(row, col);
        s.value_cells += 1;
        // Only percent cells are remembered (and cells that were, in case
        // a later record overwrites them).
        let percent = number.is_some_and(|ixfe| styles.is_percent(ixfe));
        if percent || s.percent.contains_key(&(row, col)) {
            s.percent.insert((row, col), percent);
        }
        if s.value_cells > limits.max_cells {
            Err(too_large())
        } else {
            Ok(())
        }
    };
    // Inline strings (LABEL, RSTRING, STRING): calamine's parse_string.
    let inline_text = |data: &[u8]| -> u64 {
        let cch = u64::from(u16_at(data, 0).unwrap_or(0));
        cch.min(data.len() as u64) * UTF8_PER_CHAR
    };
    while let Some(r) = records.next()? {
        if depth > 0 {
            match r.typ {
                rt::BOF => depth += 1,
                rt::EOF => depth -= 1,
                _ => {}
            }
            continue;
        }
        let d = r.data;
        let len = d.len();
        let row = u16_at(d, 0).unwrap_or(0);
        let col = u16_at(d, 2).unwrap_or(0);
        match r.typ {
            rt::BOF => {
                // Nested substreams (embedded charts) are skipped by calamine.
                if seen_bof {
                    depth += 1;
                } else {
                    seen_bof = true;
                }
            }
            rt::DIMENSIONS => {
                if !matches!(len, 10 | 14 | 16) {
                    return Err(bad("DIMENSIONS 记录长度无效"));
                }
                // Only used by calamine to reserve rows × columns slots.
                s.patches.push((r.data_pos, vec![0; len]));
            }
            rt::NUMBER if len < 14 => return Err(bad("NUMBER 记录过短")),
            rt::NUMBER => value(&mut s, row, col, u16_at(d, 4))?,
            rt::RK if len < 10 => return Err(bad("RK 记录过短")),
            rt::RK => value(&mut s, row, col, u16_at(d, 4))?,
            rt::LABEL | rt::RSTRING => {
                if len < 6 {
                    return Err(bad("LABEL 记录过短"));
                }
                value(&mut s, row, col, None)?;
                s.text_bytes += inline_text(&d[6..]);
            }
            rt::BOOLERR => {
                if len < 8 || d[7] > 1 || (d[7] == 1 && !is_error_code(d[6])) {
                    return Err(bad("BOOLERR 记录无效"));
                }
                value(&mut s, row, col, None)?;
            }
            rt::STRING => {
                value(&mut s, formula_pos.0, formula_pos.1, None)?;
                s.text_bytes += inline_text(d);
            }
            rt::LABELSST => {
                if len < 10 {
                    return Err(bad("LABELSST 记录过短"));
                }
                let i = u32_at(d, 6).unwrap_or(u32::MAX) as usize;
                if let Some(&bytes) = sst.get(i) {
                    value(&mut s, row, col, None)?;
                    s.text_bytes += bytes;
                }
            }
            rt::MULRK => {
                if len < 6 {
                    return Err(bad("MULRK 记录过短"));
                }
                let last = u16_at(d, len - 2).unwrap_or(0);
                if last < col || len != 6 + 6 * usize::from(last - col + 1) {
                    return Err(bad("MULRK 记录长度无效"));
                }
                for k in 0..=(last - col) {
                    let ixfe = u16_at(d, 4 + 6 * usize::from(k));
                    value(&mut s, row, col + k, ixfe)?;
                }
            }
            rt::MERGECELLS => {
                let n = usize::from(u16_at(d, 0).ok_or_else(|| bad("MERGECELLS 记录过短"))?);
                if 2 + 8 * n > len {
                    return Err(bad("MERGECELLS 记录过短"));
                }
            }
            rt::FORMULA => {
                // calamine needs the 20 fixed bytes and the token count.
                if len < 22 {
                    return Err(bad("FORMULA 记录过短"));
                }
                formula_pos = (row, col);
                s.formulas.add(u32::from(row), u32::from(col));
                s.formula_cells += 1;
                if s.formula_cells > limits.max_cells {
                    return Err(too_large());
                }
                let special = d[12] == 0xFF && d[13] == 0xFF;
                match (special, d[6]) {
                    (false, _) => value(&mut s, row, col, u16_at(d, 4))?,
                    // String result: it follows in a STRING record.
                    (true, 0) => {}
                    (true, 1) | (true, 3) => value(&mut s, row, col, None)?,
                    (true, 2) if is_error_code(d[8]) => value(&mut s, row, col, None)?,
                    _ => return Err(bad("FORMULA 缓存值无效")),
                }
                // Replace the tokens by PtgInt 0: calamine's formula text
                // becomes "0" (cached values are all we read).
                if len >= 25 {
                    s.patches.push((r.data_pos + 20, vec![3, 0, 0x1E, 0, 0]));
                } else {
                    s.patches.push((r.data_pos + 20, vec![0, 0]));
                }
            }
            rt::EOF => break,
            _ => {}
        }
    }
    s.bytes_scanned = records.pos - pos;
    Ok(s)
}

/// BErr values calamine knows (MS-XLS 2.5.10).
fn is_error_code(e: u8) -> bool {
    matches!(e, 0x00 | 0x07 | 0x0F | 0x17 | 0x1D | 0x24 | 0x2A | 0x2B)
}

#[cfg(test)]
mod tests {
    use super::super::cfb::tests::build_cfb;
    use super::super::tests::all;
    use super::super::{
        CellValue, Limits, MergedRange, WorkbookError, WorkbookFormat, read_workbook,
    };
    use super::rt;
    use chrono::NaiveDateTime;
    use std::time::{Duration, Instant};

    const NORMAL: &[u8] = include_bytes!("../../../tests/fixtures/workbooks/reader/normal.xls");
    const CORNERS: &[u8] = include_bytes!("../../../tests/fixtures/workbooks/reader/corners.xls");

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut r = typ.to_le_bytes().to_vec();
        r.extend_from_slice(&(data.len() as u16).to_le_bytes());
        r.extend_from_slice(data);
        r
    }

    fn bof(dt: u16) -> Vec<u8> {
        let mut d = vec![0u8; 16];
        d[0..2].copy_from_slice(&0x0600u16.to_le_bytes());
        d[2..4].copy_from_slice(&dt.to_le_bytes());
        record(rt::BOF, &d)
    }

    fn number(row: u16, col: u16, xf: u16, v: f64) -> Vec<u8> {
        let mut d = Vec::new();
        for x in [row, col, xf] {
            d.extend_from_slice(&x.to_le_bytes());
        }
        d.extend_from_slice(&v.to_le_bytes());
        record(rt::NUMBER, &d)
    }

    fn label_sst(row: u16, col: u16, isst: u32) -> Vec<u8> {
        let mut d = Vec::new();
        for x in [row, col, 0] {
            d.extend_from_slice(&x.to_le_bytes());
        }
        d.extend_from_slice(&isst.to_le_bytes());
        record(rt::LABELSST, &d)
    }

    /// FORMULA with a cached number and the given token bytes.
    fn formula(row: u16, col: u16, cached: f64, rgce: &[u8]) -> Vec<u8> {
        let mut d = Vec::new();
        for x in [row, col, 0] {
            d.extend_from_slice(&x.to_le_bytes());
        }
        d.extend_from_slice(&cached.to_le_bytes());
        d.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // grbit, chn
        d.extend_from_slice(&(rgce.len() as u16).to_le_bytes());
        d.extend_from_slice(rgce);
        record(rt::FORMULA, &d)
    }

    /// A BIFF8 SST holding `strings` (UTF-16), split into SST + CONTINUE
    /// records of at most 8224 bytes the way Excel does: between strings,
    /// or inside a string's characters (on a character boundary, with a
    /// one-byte flag at the start of the CONTINUE).
    fn sst(strings: &[&str]) -> Vec<u8> {
        const MAX: usize = 8224;
        let mut parts: Vec<Vec<u8>> = Vec::new();
        let mut cur = Vec::new();
        cur.extend_from_slice(&(strings.len() as u32).to_le_bytes());
        cur.extend_from_slice(&(strings.len() as u32).to_le_bytes());
        for s in strings {
            let chars: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
            if cur.len() + 5 > MAX {
                parts.push(std::mem::take(&mut cur));
            }
            cur.extend_from_slice(&((chars.len() / 2) as u16).to_le_bytes());
            cur.push(1);
            let mut rest = chars.as_slice();
            loop {
                let room = (MAX - cur.len()) & !1;
                let n = room.min(rest.len());
                cur.extend_from_slice(&rest[..n]);
                rest = &rest[n..];
                if rest.is_empty() {
                    break;
                }
                parts.push(std::mem::replace(&mut cur, vec![1]));
            }
        }
        parts.push(cur);
        let mut out = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            out.extend(record(if i == 0 { rt::SST } else { rt::CONTINUE }, p));
        }
        out
    }

    /// A workbook stream: globals (BOF, XFs 0 = General, 1 = 0%, SST,
    /// BOUNDSHEETs, EOF) and one substream per sheet.
    fn workbook_stream(shared: &[&str], sheets: &[(&str, Vec<Vec<u8>>)]) -> Vec<u8> {
        let mut globals = bof(0x0005);
        for ifmt in [0u16, 9] {
            let mut xf = vec![0u8; 20];
            xf[2..4].copy_from_slice(&ifmt.to_le_bytes());
            globals.extend(record(rt::XF, &xf));
        }
        if !shared.is_empty() {
            globals.extend(sst(shared));
        }
        let mut boundsheet_at = Vec::new();
        for (name, _) in sheets {
            let units: Vec<u16> = name.encode_utf16().collect();
            let mut d = vec![0u8; 6];
            d.push(units.len() as u8);
            d.push(1);
            for u in units {
                d.extend_from_slice(&u.to_le_bytes());
            }
            boundsheet_at.push(globals.len() + 4);
            globals.extend(record(rt::BOUNDSHEET, &d));
        }
        globals.extend(record(rt::EOF, &[]));
        let mut stream = globals;
        for (i, (_, records)) in sheets.iter().enumerate() {
            let pos = stream.len() as u32;
            stream[boundsheet_at[i]..boundsheet_at[i] + 4].copy_from_slice(&pos.to_le_bytes());
            stream.extend(bof(0x0010));
            for r in records {
                stream.extend(r);
            }
            stream.extend(record(rt::EOF, &[]));
        }
        stream
    }

    fn xls(stream: &[u8]) -> Vec<u8> {
        build_cfb(&[("Workbook", stream)])
    }

    #[test]
    fn xlwt_workbook_reads_like_the_others() {
        let wb = read_workbook(NORMAL, &|n| n == "自查评分", &Limits::default()).unwrap();
        assert_eq!(wb.format, WorkbookFormat::Xls);
        assert_eq!(wb.sheet_names, ["自查评分", "说明"]);
        let s = &wb.sheets[0];
        let text = |t: &str| Some(CellValue::Text(t.into()));
        let num = |v: f64| {
            Some(CellValue::Number {
                value: v,
                percent_format: false,
            })
        };
        assert_eq!(s.get(0, 1).cloned(), text("杭州市某某区档案馆"));
        assert_eq!(s.get(1, 1).cloned(), num(330_102_001.0));
        assert_eq!(s.get(2, 1).cloned(), num(12.5));
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
        // xlwt stores no computed result for formulas (an empty string).
        assert_eq!(s.get(6, 1), None);
        assert_eq!(s.get(8, 0).cloned(), text("合并的标题"));
        assert_eq!(s.get(9, 0).cloned(), text("多行\n文字"));
        assert_eq!(
            s.merged(),
            [MergedRange {
                first_row: 8,
                first_col: 0,
                last_row: 8,
                last_col: 2
            }]
        );
    }

    #[test]
    fn corner_cells_are_refused_before_calamine_builds_its_grid() {
        // calamine would allocate 65536 × 256 cells (half a gigabyte).
        let err = read_workbook(CORNERS, &all, &Limits::default()).unwrap_err();
        assert_eq!(
            err,
            WorkbookError::XlsAreaTooLarge {
                sheet: "角落".into(),
                range: "A1:IV65536".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "工作表“角落”的使用区域过大（A1:IV65536）；请删除多余的行和列，或另存为 .xlsx 后再上传"
        );
    }

    #[test]
    fn crafted_workbook_with_shared_strings_and_percent() {
        let stream = workbook_stream(
            &["单位名称", "abc"],
            &[
                (
                    "表一",
                    vec![
                        label_sst(0, 0, 0),
                        number(0, 1, 1, 0.5),
                        number(1, 1, 0, 330_102_001.0),
                        label_sst(2, 0, 1),
                    ],
                ),
                ("表二", vec![number(0, 0, 0, 1.0)]),
            ],
        );
        // Small streams live in the mini stream; big ones do not.
        for bytes in [xls(&stream), xls(&[stream.clone(), vec![0; 5000]].concat())] {
            let wb = read_workbook(&bytes, &|n| n == "表一", &Limits::default()).unwrap();
            assert_eq!(wb.sheet_names, ["表一", "表二"]);
            let s = &wb.sheets[0];
            assert_eq!(s.get(0, 0), Some(&CellValue::Text("单位名称".into())));
            assert_eq!(
                s.get(0, 1),
                Some(&CellValue::Number {
                    value: 0.5,
                    percent_format: true
                })
            );
            assert_eq!(
                s.get(1, 1),
                Some(&CellValue::Number {
                    value: 330_102_001.0,
                    percent_format: false
                })
            );
            assert_eq!(s.get(2, 0), Some(&CellValue::Text("abc".into())));
        }
    }

    #[test]
    fn formula_text_bomb_is_neutralised() {
        // 2000 "insert 255 spaces" tokens after one operand: calamine would
        // insert half a million characters one at a time into the middle
        // of the formula text (minutes per record).
        let mut rgce = vec![0x1E, 1, 0]; // PtgInt 1
        for _ in 0..2000 {
            rgce.extend_from_slice(&[0x19, 0x40, 0x00, 0xFF]);
        }
        let cells: Vec<Vec<u8>> = (0..20).map(|r| formula(r, 0, 42.0, &rgce)).collect();
        let bytes = xls(&workbook_stream(&[], &[("表", cells)]));
        let started = Instant::now();
        let wb = read_workbook(&bytes, &all, &Limits::default()).unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(
            wb.sheets[0].get(19, 0),
            Some(&CellValue::Number {
                value: 42.0,
                percent_format: false
            })
        );
    }

    #[test]
    fn declared_dimensions_are_not_trusted() {
        // DIMENSIONS claiming 4 billion rows made calamine reserve memory
        // for them; the record is zeroed before calamine reads it.
        let mut dims = Vec::new();
        dims.extend_from_slice(&0u32.to_le_bytes());
        dims.extend_from_slice(&u32::MAX.to_le_bytes());
        dims.extend_from_slice(&0u16.to_le_bytes());
        dims.extend_from_slice(&256u16.to_le_bytes());
        dims.extend_from_slice(&0u16.to_le_bytes());
        let stream = workbook_stream(
            &[],
            &[(
                "表",
                vec![record(rt::DIMENSIONS, &dims), number(3, 3, 0, 9.0)],
            )],
        );
        let wb = read_workbook(&xls(&stream), &all, &Limits::default()).unwrap();
        assert_eq!(
            wb.sheets[0].get(3, 3),
            Some(&CellValue::Number {
                value: 9.0,
                percent_format: false
            })
        );
    }

    #[test]
    fn shared_string_copies_are_charged_before_calamine_makes_them() {
        let long = "长".repeat(30_000);
        let cells: Vec<Vec<u8>> = (0..400).map(|r| label_sst(r, 0, 0)).collect();
        let bytes = xls(&workbook_stream(&[&long], &[("表", cells)]));
        let err = read_workbook(&bytes, &all, &Limits::default()).unwrap_err();
        assert_eq!(err, WorkbookError::TooMuchText { limit: 32 << 20 });
    }

    #[test]
    fn overlapping_sheets_and_too_many_cells() {
        // Ten BOUNDSHEETs all pointing at one big sheet.
        let cells: Vec<Vec<u8>> = (0..2000).map(|r| number(r, 0, 0, 1.0)).collect();
        let mut stream = workbook_stream(&[], &[("表", cells)]);
        let sheet_pos = {
            // The sheet substream starts right after the globals' EOF.
            let eof = record(rt::EOF, &[]);
            let at = stream.windows(4).position(|w| w == eof.as_slice()).unwrap();
            (at + 4) as u32
        };
        let mut extra = Vec::new();
        for i in 0..10 {
            let mut d = sheet_pos.to_le_bytes().to_vec();
            d.extend_from_slice(&[0, 0, 1, 0, b'a' + i]);
            extra.extend(record(rt::BOUNDSHEET, &d));
        }
        // Insert the extra BOUNDSHEETs before the globals' EOF and shift
        // every position by their length.
        let eof_at = sheet_pos as usize - 4;
        let shift = extra.len() as u32;
        stream.splice(eof_at..eof_at, extra);
        let mut i = 0;
        while i + 4 <= eof_at + shift as usize {
            let typ = u16::from_le_bytes([stream[i], stream[i + 1]]);
            let len = u16::from_le_bytes([stream[i + 2], stream[i + 3]]) as usize;
            if typ == rt::BOUNDSHEET {
                let p = u32::from_le_bytes(stream[i + 4..i + 8].try_into().unwrap()) + shift;
                stream[i + 4..i + 8].copy_from_slice(&p.to_le_bytes());
            }
            i += 4 + len;
        }
        let err = read_workbook(&xls(&stream), &all, &Limits::default()).unwrap_err();
        assert!(
            matches!(err, WorkbookError::TooComplex(ref m) if m.contains("重叠")),
            "{err:?}"
        );

        let cells: Vec<Vec<u8>> = (0..300).map(|r| number(r, 0, 0, 1.0)).collect();
        let bytes = xls(&workbook_stream(&[], &[("表", cells)]));
        let limits = Limits {
            max_cells: 200,
            ..Limits::default()
        };
        let err = read_workbook(&bytes, &all, &limits).unwrap_err();
        assert_eq!(err.to_string(), "工作表“表”过大：超过 200 个非空单元格");
    }

    #[test]
    fn password_protected_xls() {
        let mut stream = bof(0x0005);
        stream.extend(record(rt::FILEPASS, &[1, 0, 1, 0]));
        stream.extend(record(rt::EOF, &[]));
        let err = read_workbook(&xls(&stream), &all, &Limits::default()).unwrap_err();
        assert_eq!(err, WorkbookError::Encrypted);
    }

    #[test]
    fn truncated_xls_is_corrupt() {
        let err = read_workbook(&NORMAL[..NORMAL.len() / 2], &all, &Limits::default()).unwrap_err();
        assert!(matches!(err, WorkbookError::Corrupt(_)), "{err:?}");
    }
}
