//! .xls workbooks — BIFF8 (Excel 97–2003, WPS, LibreOffice; stream
//! "Workbook") and BIFF5/BIFF7 (Excel 5.0/95; stream "Book") — read by our
//! own code, straight from the records.
//!
//! Why not calamine: its xls reader parses every sheet of the file as soon
//! as the file is opened, into dense grids over each sheet's bounding box
//! (two cells at A1 and IV65536 cost half a gigabyte); it reserves memory
//! for the dimensions the file declares; it expands formula tokens into text
//! (a few bytes of tokens become megabytes, quadratically); it copies a
//! shared string into every cell that names it; and it indexes file data
//! unchecked (a 3 KB BIFF5 file with one defined name panics in it). An
//! allocation failure aborts the whole server, which no `catch_unwind` can
//! contain, so guarding calamine meant re-walking every record the way it
//! would and patching the file first. We need far less than it does: the
//! cached value of each cell, a few formats, merges and sheet names. So the
//! record walk is now the reader.
//!
//! The rules this file keeps:
//!
//! * No allocation is sized from a number the file declares. Every count or
//!   length (record lengths, string lengths, SST counts, MULRK/MULBLANK
//!   spans, merge counts, sheet offsets) is checked against the bytes that
//!   remain before it is used; strings grow one decoded piece at a time;
//!   the shared string table grows one string at a time and ignores its
//!   declared counts; cells are stored sparsely through [`SheetBuilder`].
//! * Nothing that depends on the file can panic: bytes are read through
//!   `get`, never by indexing.
//! * A damaged file is refused, never half read: a record running past the
//!   stream, a string shorter than it says, a shared-string index outside
//!   the table, a formula whose text result is missing, a sheet without its
//!   end record. Where the cell is known the error names it.
//! * Every cell record, empty ones (BLANK, MULBLANK) included, is counted
//!   against [`RecordBudget`]; only the wanted sheets are walked.
//!
//! Values follow what calamine 0.38 produced, so that an uploaded workbook
//! scores the same as before: RK/MULRK decoding, cached formula results,
//! error texts ("#DIV/0!"), date detection from built-in format ids and
//! format codes (ported from calamine's `formats.rs`), the 1900/1904 date
//! systems and the conversion of serials to dates.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use encoding_rs::Encoding;

use super::cfb::CfbFile;
use super::{
    CellValue, Limits, MergedRange, RecordBudget, SheetBuilder, TextBudget, Workbook,
    WorkbookError, WorkbookFormat, cell_ref, is_percent_format, short_name,
};

/// BIFF record types (MS-XLS 2.3; the same ids in BIFF5).
mod rt {
    pub const FORMULA: u16 = 0x0006;
    pub const EOF: u16 = 0x000A;
    pub const DATEMODE: u16 = 0x0022;
    pub const FILEPASS: u16 = 0x002F;
    pub const CONTINUE: u16 = 0x003C;
    pub const CODEPAGE: u16 = 0x0042;
    pub const BOUNDSHEET: u16 = 0x0085;
    pub const MULRK: u16 = 0x00BD;
    pub const MULBLANK: u16 = 0x00BE;
    pub const RSTRING: u16 = 0x00D6;
    pub const XF: u16 = 0x00E0;
    pub const MERGECELLS: u16 = 0x00E5;
    pub const SST: u16 = 0x00FC;
    pub const LABELSST: u16 = 0x00FD;
    pub const BLANK: u16 = 0x0201;
    pub const NUMBER: u16 = 0x0203;
    pub const LABEL: u16 = 0x0204;
    pub const BOOLERR: u16 = 0x0205;
    pub const STRING: u16 = 0x0207;
    pub const ARRAY: u16 = 0x0221;
    pub const TABLE: u16 = 0x0236;
    pub const RK: u16 = 0x027E;
    pub const FORMAT: u16 = 0x041E;
    pub const SHRFMLA: u16 = 0x04BC;
    pub const BOF: u16 = 0x0809;
    /// BOF records of BIFF2, BIFF3 and BIFF4.
    pub const OLD_BOFS: [u16; 3] = [0x0009, 0x0209, 0x0409];
}

const SAVE_AS_XLSX: &str = "请在 Excel 或 WPS 中打开后另存为 .xlsx 再上传";

/// A BIFF5 workbook without a CODEPAGE record: its 8-bit strings are taken
/// as GBK. Uploads come from Chinese offices, and ASCII reads the same in
/// GBK as in any Windows code page.
const DEFAULT_CODE_PAGE: u16 = 936;

pub(super) fn read(
    bytes: &[u8],
    cfb: CfbFile,
    wanted: &dyn Fn(&str) -> bool,
    limits: &Limits,
) -> Result<Workbook, WorkbookError> {
    // Excel 97 and later write "Workbook"; Excel 5.0/95 wrote "Book".
    let name = if cfb.has_stream("Workbook") {
        "Workbook"
    } else {
        "Book"
    };
    let stream = cfb
        .stream(bytes, name)
        .map_err(|why| WorkbookError::Corrupt(format!("工作簿数据流有误（{why}）")))?
        .ok_or(WorkbookError::NotAWorkbook)?;
    let globals = read_globals(&stream, limits)?;

    let mut text = TextBudget::new(limits.max_text_bytes);
    let mut budget = RecordBudget::new(limits);
    // Stream ranges of the sheets walked so far: real sheets never overlap,
    // and crafted ones must not make us walk the same bytes again and again.
    let mut walked: Vec<(usize, usize)> = Vec::new();
    let mut sheet_names: Vec<String> = Vec::with_capacity(globals.sheets.len());
    let mut sheets = Vec::new();
    for sheet in &globals.sheets {
        // Excel forbids two sheets of one name; in a crafted file the first
        // counts, as in the ods reader.
        let keep = wanted(&sheet.name) && !sheet_names.contains(&sheet.name);
        sheet_names.push(sheet.name.clone());
        if !keep {
            continue;
        }
        let mut builder = SheetBuilder::new(&sheet.name, limits);
        // Chart, macro and module sheets hold no cells of their own.
        if sheet.kind == SheetKind::Worksheet {
            let start = sheet.pos;
            if walked.iter().any(|&(s, e)| (s..e).contains(&start)) {
                return Err(overlap());
            }
            let mut ctx = SheetContext {
                globals: &globals,
                sheet: &mut builder,
                text: &mut text,
                budget: &mut budget,
            };
            let end = ctx.read_sheet(&stream, start)?;
            if walked.iter().any(|&(s, e)| start < e && s < end) {
                return Err(overlap());
            }
            walked.push((start, end));
        }
        sheets.push(builder.finish());
    }
    Ok(Workbook {
        format: WorkbookFormat::Xls,
        sheet_names,
        sheets,
    })
}

fn overlap() -> WorkbookError {
    WorkbookError::TooComplex("工作表数据互相重叠".into())
}

fn bad(why: &str) -> WorkbookError {
    WorkbookError::Corrupt(format!("工作簿记录有误（{why}）"))
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([*s.first()?, *s.get(1)?]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(s))
}

fn f64_at(b: &[u8], at: usize) -> Option<f64> {
    let s: [u8; 8] = b.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(f64::from_le_bytes(s))
}

/// One record and the CONTINUE records right after it.
struct Record<'a> {
    typ: u16,
    data: &'a [u8],
    /// The CONTINUE records (headers included), each known to lie wholly
    /// inside the stream.
    cont: &'a [u8],
}

/// Walks the records of a stream from a position.
struct Records<'a> {
    stream: &'a [u8],
    pos: usize,
}

impl<'a> Records<'a> {
    fn new(stream: &'a [u8], pos: usize) -> Self {
        Records { stream, pos }
    }

    /// The next record, `None` at the end of the stream.
    fn next(&mut self) -> Result<Option<Record<'a>>, WorkbookError> {
        let rest = self.stream.get(self.pos..).unwrap_or_default();
        if rest.is_empty() {
            return Ok(None);
        }
        let (Some(typ), Some(len)) = (u16_at(rest, 0), u16_at(rest, 2)) else {
            return Err(bad("记录头不完整"));
        };
        let end = 4 + usize::from(len);
        let data = rest.get(4..end).ok_or_else(|| bad("记录长度超出数据流"))?;
        let mut cont_end = end;
        while u16_at(rest, cont_end) == Some(rt::CONTINUE) {
            let clen = u16_at(rest, cont_end + 2).ok_or_else(|| bad("续记录头不完整"))?;
            let next = cont_end + 4 + usize::from(clen);
            if next > rest.len() {
                return Err(bad("续记录长度超出数据流"));
            }
            cont_end = next;
        }
        let cont = rest.get(end..cont_end).unwrap_or_default();
        self.pos += cont_end;
        Ok(Some(Record { typ, data, cont }))
    }
}

/// A cursor over a record's data that moves on into its CONTINUE records.
struct Parts<'a> {
    cur: &'a [u8],
    rest: &'a [u8],
}

impl<'a> Parts<'a> {
    fn new(r: &Record<'a>) -> Self {
        Parts {
            cur: r.data,
            rest: r.cont,
        }
    }

    /// Moves to the next CONTINUE record; false if there is none.
    fn next_part(&mut self) -> bool {
        let Some(len) = u16_at(self.rest, 2) else {
            return false;
        };
        let end = 4 + usize::from(len);
        match (self.rest.get(4..end), self.rest.get(end..)) {
            (Some(data), Some(rest)) => {
                self.cur = data;
                self.rest = rest;
                true
            }
            _ => false,
        }
    }

    /// `n` bytes from the current part (structures are never split).
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, tail) = self.cur.split_at_checked(n)?;
        self.cur = tail;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }

    fn u16(&mut self) -> Option<u16> {
        u16_at(self.take(2)?, 0)
    }

    fn u32(&mut self) -> Option<u32> {
        u32_at(self.take(4)?, 0)
    }

    /// Skips `n` bytes, across parts; false if the record ends first.
    fn skip(&mut self, mut n: u64) -> bool {
        while n > 0 {
            if self.cur.is_empty() && !self.next_part() {
                return false;
            }
            let here = self.cur.len().min(usize::try_from(n).unwrap_or(usize::MAX));
            self.cur = self.cur.get(here..).unwrap_or_default();
            n -= here as u64;
        }
        true
    }

    /// The characters of a BIFF8 string (`XLUnicodeString` and relatives):
    /// `cch` characters, one byte each (the low byte of UTF-16) or two
    /// (UTF-16LE). When the characters run on into a CONTINUE record, that
    /// record starts with a fresh flag byte saying which. `None` if the
    /// record ends first or a two-byte character is cut in half.
    fn chars(&mut self, cch: usize, mut high_byte: bool, out: &mut String) -> Option<()> {
        let mut units: Vec<u16> = Vec::new();
        let mut left = cch;
        while left > 0 {
            if self.cur.is_empty() {
                if !self.next_part() {
                    return None;
                }
                high_byte = self.u8()? & 1 != 0;
            }
            let width = if high_byte { 2 } else { 1 };
            let n = (self.cur.len() / width).min(left);
            if n == 0 {
                return None;
            }
            let bytes = self.take(n * width)?;
            if high_byte {
                // chunks_exact(2): every chunk has two bytes.
                units.extend(
                    bytes
                        .chunks_exact(2)
                        .map(|c| u16::from_le_bytes([c[0], c[1]])),
                );
            } else {
                units.extend(bytes.iter().map(|&b| u16::from(b)));
            }
            left -= n;
        }
        out.extend(char::decode_utf16(units).map(|c| c.unwrap_or('\u{FFFD}')));
        Some(())
    }
}

/// BIFF version of the workbook (from the globals' BOF record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Biff {
    /// Excel 5.0/95: 8-bit strings in the workbook's code page, no SST.
    Biff5,
    /// Excel 97 and later: UTF-16 strings (or their low bytes), SST.
    Biff8,
}

/// How the 8-bit strings of a BIFF5 workbook are decoded.
#[derive(Clone, Copy)]
enum CodePage {
    /// Code page 1200 (UTF-16) announced for 8-bit strings: each byte is
    /// the character of that number, as in BIFF8's compressed strings.
    Latin1,
    Legacy(&'static Encoding),
}

impl CodePage {
    /// The code pages Excel and WPS write (Windows ANSI pages, DBCS pages
    /// for East Asia, the Mac pages Excel marks with 0x8000).
    fn from_id(id: u16) -> Option<CodePage> {
        use encoding_rs::*;
        Some(CodePage::Legacy(match id {
            1200 => return Some(CodePage::Latin1),
            // 367 is US-ASCII; 0x8001 is Windows 1252 in BIFF2–4.
            367 | 1252 | 0x8001 => WINDOWS_1252,
            874 => WINDOWS_874,
            932 => SHIFT_JIS,
            936 | 20936 => GBK,
            54936 => GB18030,
            949 => EUC_KR,
            950 => BIG5,
            1250 => WINDOWS_1250,
            1251 => WINDOWS_1251,
            1253 => WINDOWS_1253,
            1254 => WINDOWS_1254,
            1255 => WINDOWS_1255,
            1256 => WINDOWS_1256,
            1257 => WINDOWS_1257,
            1258 => WINDOWS_1258,
            10000 | 0x8000 => MACINTOSH,
            65001 => UTF_8,
            _ => return None,
        }))
    }

    fn decode(self, bytes: &[u8], out: &mut String) {
        match self {
            CodePage::Latin1 => out.extend(bytes.iter().map(|&b| char::from(b))),
            CodePage::Legacy(e) => out.push_str(&e.decode_without_bom_handling(bytes).0),
        }
    }
}

/// How strings are stored in this workbook.
#[derive(Clone, Copy)]
enum Strings {
    Biff5(CodePage),
    Biff8,
}

impl Strings {
    /// A string with a 16-bit character count (`XLUnicodeString` in BIFF8,
    /// a byte string in BIFF5), as in LABEL, RSTRING, STRING and FORMAT.
    fn long(self, p: &mut Parts<'_>) -> Option<String> {
        let cch = usize::from(p.u16()?);
        self.counted(p, cch)
    }

    /// A string with an 8-bit character count, as in BOUNDSHEET.
    fn short(self, p: &mut Parts<'_>) -> Option<String> {
        let cch = usize::from(p.u8()?);
        self.counted(p, cch)
    }

    fn counted(self, p: &mut Parts<'_>, cch: usize) -> Option<String> {
        let mut out = String::new();
        match self {
            Strings::Biff5(cp) => cp.decode(p.take(cch)?, &mut out),
            Strings::Biff8 => {
                // A STRING record of an empty text result may lack the flags
                // byte (calamine's OOM_alloc2.xls).
                if cch == 0 && p.cur.is_empty() {
                    return Some(out);
                }
                let flags = p.u8()?;
                p.chars(cch, flags & 1 != 0, &mut out)?;
            }
        }
        Some(out)
    }
}

/// calamine's classification of number formats (its `CellFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateKind {
    Other,
    DateTime,
    /// Elapsed time (`[h]:mm`): stays a number.
    TimeDelta,
}

/// What the XF record a cell points at says about its number format.
#[derive(Debug, Clone, Copy)]
struct CellFormat {
    date: DateKind,
    percent: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SheetKind {
    Worksheet,
    /// Macro sheet, chart sheet or VBA module: no cells are read.
    Other,
}

struct BoundSheet {
    name: String,
    pos: usize,
    kind: SheetKind,
}

/// The shared string table: all strings in one buffer, with the end of
/// each, so that a table of many short strings costs 4 bytes a string.
#[derive(Default)]
struct SharedStrings {
    text: String,
    ends: Vec<u32>,
}

impl SharedStrings {
    fn get(&self, i: u32) -> Option<&str> {
        let i = usize::try_from(i).ok()?;
        let end = usize::try_from(*self.ends.get(i)?).ok()?;
        let start = match i.checked_sub(1) {
            Some(prev) => usize::try_from(*self.ends.get(prev)?).ok()?,
            None => 0,
        };
        self.text.get(start..end)
    }

    fn len(&self) -> usize {
        self.ends.len()
    }
}

struct Globals {
    is_1904: bool,
    strings: Strings,
    /// Per XF record, in order.
    formats: Vec<CellFormat>,
    sheets: Vec<BoundSheet>,
    sst: SharedStrings,
}

impl Globals {
    fn format(&self, ixfe: u16) -> CellFormat {
        self.formats
            .get(usize::from(ixfe))
            .copied()
            .unwrap_or(CellFormat {
                date: DateKind::Other,
                percent: false,
            })
    }
}

/// The version from the workbook's first record, which must be its BOF.
fn biff_version(first: Option<&Record<'_>>) -> Result<Biff, WorkbookError> {
    let old = || {
        WorkbookError::WrongFileType(format!(
            "这是 Excel 2.x–4.0 时代的旧格式工作簿，本系统无法读取；{SAVE_AS_XLSX}"
        ))
    };
    let Some(r) = first else {
        return Err(bad("数据流为空"));
    };
    if rt::OLD_BOFS.contains(&r.typ) {
        return Err(old());
    }
    if r.typ != rt::BOF {
        return Err(bad("数据流不以 BOF 记录开头"));
    }
    let (Some(version), Some(dt)) = (u16_at(r.data, 0), u16_at(r.data, 2)) else {
        return Err(bad("BOF 记录过短"));
    };
    let biff = match version {
        0x0600 => Biff::Biff8,
        0x0500 => Biff::Biff5,
        0x0200 | 0x0300 | 0x0400 | 0x0002 | 0x0007 => return Err(old()),
        _ => {
            return Err(WorkbookError::WrongFileType(format!(
                "无法识别的 Excel 工作簿版本（0x{version:04X}）；{SAVE_AS_XLSX}"
            )));
        }
    };
    // 0x0005: workbook globals. A lone worksheet or chart is BIFF4-style.
    if dt != 0x0005 {
        return Err(old());
    }
    Ok(biff)
}

/// Reads the workbook globals: from the BOF to the first EOF.
fn read_globals(stream: &[u8], limits: &Limits) -> Result<Globals, WorkbookError> {
    let mut records = Records::new(stream, 0);
    let first = records.next()?;
    let biff = biff_version(first.as_ref())?;

    let mut is_1904 = false;
    let mut code_page: Option<u16> = None;
    // Kept as bytes until the code page is known (it may come late).
    let mut format_records: Vec<&[u8]> = Vec::new();
    let mut xf_formats: Vec<u16> = Vec::new();
    let mut sheet_records: Vec<&[u8]> = Vec::new();
    let mut sst = SharedStrings::default();
    loop {
        let Some(r) = records.next()? else {
            return Err(bad("工作簿全局记录没有结束标记"));
        };
        match r.typ {
            // The records after FILEPASS are encrypted (XOR or RC4), so
            // nothing can be read without the password.
            rt::FILEPASS => return Err(WorkbookError::Encrypted),
            rt::CODEPAGE => code_page = u16_at(r.data, 0),
            rt::DATEMODE => is_1904 = u16_at(r.data, 0) == Some(1),
            rt::FORMAT => format_records.push(r.data),
            rt::XF => xf_formats.push(u16_at(r.data, 2).ok_or_else(|| bad("XF 记录过短"))?),
            rt::BOUNDSHEET => {
                if sheet_records.len() >= limits.max_sheets {
                    return Err(WorkbookError::TooManySheets {
                        limit: limits.max_sheets,
                    });
                }
                sheet_records.push(r.data);
            }
            rt::SST if biff == Biff::Biff8 => sst = read_sst(&r, limits)?,
            rt::EOF => break,
            _ => {}
        }
    }

    let strings = match biff {
        Biff::Biff8 => Strings::Biff8,
        Biff::Biff5 => {
            let id = code_page.unwrap_or(DEFAULT_CODE_PAGE);
            Strings::Biff5(CodePage::from_id(id).ok_or_else(|| {
                WorkbookError::WrongFileType(format!(
                    "工作簿使用了无法识别的字符编码（代码页 {id}）；{SAVE_AS_XLSX}"
                ))
            })?)
        }
    };

    // Formats: calamine's rule for dates (only custom and locale-specific
    // ids may be redefined; a FORMAT record that cannot be read is passed
    // over), ours for percentages (any FORMAT record counts).
    let mut date_formats: Vec<(u16, DateKind)> = Vec::new();
    let mut percent_formats: Vec<(u16, bool)> = Vec::new();
    for data in format_records {
        let mut p = Parts {
            cur: data,
            rest: &[],
        };
        let (Some(ifmt), Some(code)) = (p.u16(), {
            match strings {
                // BIFF5 format codes have an 8-bit length.
                Strings::Biff5(_) => strings.short(&mut p),
                Strings::Biff8 => strings.long(&mut p),
            }
        }) else {
            continue;
        };
        if matches!(ifmt, 5..=8 | 23..=26 | 41..=44 | 63..=66 | 164..=382) {
            date_formats.push((ifmt, custom_format_kind(&code)));
        }
        percent_formats.push((ifmt, is_percent_format(&code)));
    }
    // The last definition of an id wins.
    let lookup = |list: &[(u16, DateKind)], ifmt: u16| {
        list.iter().rev().find(|(i, _)| *i == ifmt).map(|(_, k)| *k)
    };
    let formats = xf_formats
        .iter()
        .map(|&ifmt| CellFormat {
            date: lookup(&date_formats, ifmt).unwrap_or_else(|| builtin_format_kind(ifmt)),
            percent: percent_formats
                .iter()
                .rev()
                .find(|(i, _)| *i == ifmt)
                .map_or(matches!(ifmt, 9 | 10), |(_, p)| *p),
        })
        .collect();

    let mut sheets = Vec::with_capacity(sheet_records.len());
    for data in sheet_records {
        sheets.push(bound_sheet(data, strings, stream.len())?);
    }
    Ok(Globals {
        is_1904,
        strings,
        formats,
        sheets,
        sst,
    })
}

/// A BOUNDSHEET record: where the sheet's records start, its kind, its name.
fn bound_sheet(
    data: &[u8],
    strings: Strings,
    stream_len: usize,
) -> Result<BoundSheet, WorkbookError> {
    let mut p = Parts {
        cur: data,
        rest: &[],
    };
    let pos = p.u32().ok_or_else(|| bad("BOUNDSHEET 记录过短"))?;
    let _visibility = p.u8();
    let kind = match p.u8().ok_or_else(|| bad("BOUNDSHEET 记录过短"))? {
        0x00 => SheetKind::Worksheet,
        0x01 | 0x02 | 0x06 => SheetKind::Other,
        _ => return Err(bad("工作表类型无效")),
    };
    let mut name = strings
        .short(&mut p)
        .ok_or_else(|| bad("工作表名称不完整"))?;
    // calamine drops NUL characters from sheet names; so do we.
    name.retain(|c| c != '\0');
    let pos = usize::try_from(pos).unwrap_or(usize::MAX);
    if pos >= stream_len {
        return Err(bad("工作表位置超出数据流"));
    }
    Ok(BoundSheet { name, pos, kind })
}

/// The shared string table (BIFF8 SST and its CONTINUE records). Its two
/// counts are not trusted, nor even read: strings are read while bytes
/// remain, each as long as the bytes present allow.
fn read_sst(r: &Record<'_>, limits: &Limits) -> Result<SharedStrings, WorkbookError> {
    let short = || bad("共享字符串表不完整");
    let mut p = Parts::new(r);
    p.take(8).ok_or_else(short)?;
    let mut sst = SharedStrings::default();
    loop {
        // A string starts at a record boundary without a flag byte of its
        // own; empty CONTINUE records carry nothing.
        while p.cur.is_empty() {
            if !p.next_part() {
                return Ok(sst);
            }
        }
        if sst.len() >= limits.max_shared_strings {
            return Err(WorkbookError::TooComplex(format!(
                "共享字符串超过 {} 条",
                limits.max_shared_strings
            )));
        }
        let cch = usize::from(p.u16().ok_or_else(short)?);
        let flags = p.u8().ok_or_else(short)?;
        let runs = if flags & 0x8 != 0 {
            p.u16().ok_or_else(short)?
        } else {
            0
        };
        let ext = if flags & 0x4 != 0 {
            p.u32().ok_or_else(short)?
        } else {
            0
        };
        p.chars(cch, flags & 1 != 0, &mut sst.text)
            .ok_or_else(short)?;
        // Formatting runs (4 bytes each) and phonetic data follow the
        // characters and may run on into the next CONTINUE record.
        if !p.skip(u64::from(runs) * 4) || !p.skip(u64::from(ext)) {
            return Err(short());
        }
        let end = u32::try_from(sst.text.len()).map_err(|_| short())?;
        sst.ends.push(end);
    }
}

/// Everything a sheet's records are read into.
struct SheetContext<'g, 's> {
    globals: &'g Globals,
    sheet: &'s mut SheetBuilder,
    text: &'s mut TextBudget,
    budget: &'s mut RecordBudget,
}

impl SheetContext<'_, '_> {
    fn bad_cell(&self, row: u16, col: u16, message: &str) -> WorkbookError {
        WorkbookError::BadCell {
            sheet: short_name(&self.sheet.name),
            cell: cell_ref(u32::from(row), u32::from(col)),
            message: message.to_string(),
        }
    }

    fn bad_sheet(&self, why: &str) -> WorkbookError {
        WorkbookError::Corrupt(format!(
            "工作表“{}”的记录有误（{why}）",
            short_name(&self.sheet.name)
        ))
    }

    fn short(&self, what: &str) -> WorkbookError {
        self.bad_sheet(&format!("{what} 记录过短"))
    }

    fn push(&mut self, row: u16, col: u16, value: CellValue) -> Result<(), WorkbookError> {
        self.sheet.push(u32::from(row), u32::from(col), value)
    }

    /// A number in a cell with format `ixfe`: a date if the format is one
    /// and the serial lies in Excel's calendar, else a number.
    fn push_number(
        &mut self,
        row: u16,
        col: u16,
        ixfe: u16,
        value: f64,
    ) -> Result<(), WorkbookError> {
        let format = self.globals.format(ixfe);
        let cell = match (format.date == DateKind::DateTime)
            .then(|| excel_datetime(value, self.globals.is_1904))
            .flatten()
        {
            Some(d) => CellValue::DateTime(d),
            None => CellValue::Number {
                value,
                percent_format: format.percent,
            },
        };
        self.push(row, col, cell)
    }

    /// Text for a cell: charged to the budget; an empty string is no value.
    fn push_text(&mut self, row: u16, col: u16, s: String) -> Result<(), WorkbookError> {
        if s.is_empty() {
            return Ok(());
        }
        self.text.take(s.len())?;
        self.push(row, col, CellValue::Text(s))
    }

    fn push_error(&mut self, row: u16, col: u16, code: u8) -> Result<(), WorkbookError> {
        let text = error_text(code)
            .ok_or_else(|| self.bad_cell(row, col, "错误值代码无效，文件可能已损坏"))?;
        self.push(row, col, CellValue::Error(text.to_string()))
    }

    /// Walks one worksheet's records from its BOF to its EOF; returns the
    /// stream position after the EOF.
    fn read_sheet(&mut self, stream: &[u8], pos: usize) -> Result<usize, WorkbookError> {
        let mut records = Records::new(stream, pos);
        match records.next()? {
            Some(r) if r.typ == rt::BOF => {}
            _ => return Err(self.bad_sheet("工作表位置不是 BOF 记录")),
        }
        // Embedded charts are substreams of their own (BOF … EOF) inside
        // the sheet; their records are not the sheet's cells.
        let mut depth = 0usize;
        // A formula whose result is text: the text follows in a STRING
        // record (after SHRFMLA, ARRAY or TABLE when the formula has one).
        let mut text_result: Option<(u16, u16)> = None;
        loop {
            let Some(r) = records.next()? else {
                return Err(self.bad_sheet("工作表没有结束标记"));
            };
            if depth > 0 {
                match r.typ {
                    rt::BOF => depth += 1,
                    rt::EOF => depth -= 1,
                    _ => {}
                }
                continue;
            }
            if let Some((row, col)) = text_result {
                match r.typ {
                    rt::STRING | rt::SHRFMLA | rt::ARRAY | rt::TABLE => {}
                    _ => return Err(self.bad_cell(row, col, "公式的文字结果缺失，文件可能已损坏")),
                }
            }
            let d = r.data;
            let row = u16_at(d, 0).unwrap_or(0);
            let col = u16_at(d, 2).unwrap_or(0);
            let ixfe = u16_at(d, 4).unwrap_or(0);
            match r.typ {
                rt::BOF => depth += 1,
                rt::EOF => return Ok(records.pos),
                rt::NUMBER => {
                    let v = f64_at(d, 6).ok_or_else(|| self.short("NUMBER"))?;
                    self.budget.tick(1)?;
                    self.push_number(row, col, ixfe, v)?;
                }
                rt::RK => {
                    let rk = u32_at(d, 6).ok_or_else(|| self.short("RK"))?;
                    self.budget.tick(1)?;
                    self.push_number(row, col, ixfe, rk_value(rk))?;
                }
                rt::MULRK => {
                    // row, first column, (ixfe, rk) × n, last column
                    let n = span(d, 6).ok_or_else(|| self.bad_sheet("MULRK 记录长度与列数不符"))?;
                    self.budget.tick(u64::from(n))?;
                    self.sheet.check_room(u64::from(n))?;
                    for k in 0..n {
                        let at = 4 + 6 * usize::from(k);
                        let (Some(ixfe), Some(rk)) = (u16_at(d, at), u32_at(d, at + 2)) else {
                            return Err(self.short("MULRK"));
                        };
                        self.push_number(row, col.saturating_add(k), ixfe, rk_value(rk))?;
                    }
                }
                rt::BLANK => self.budget.tick(1)?,
                rt::MULBLANK => {
                    let n =
                        span(d, 2).ok_or_else(|| self.bad_sheet("MULBLANK 记录长度与列数不符"))?;
                    self.budget.tick(u64::from(n))?;
                }
                rt::LABEL | rt::RSTRING => {
                    self.budget.tick(1)?;
                    let mut p = Parts::new(&r);
                    p.take(6).ok_or_else(|| self.short("LABEL"))?;
                    let s = self.globals.strings.long(&mut p).ok_or_else(|| {
                        self.bad_cell(row, col, "单元格文字不完整，文件可能已损坏")
                    })?;
                    self.push_text(row, col, s)?;
                }
                rt::LABELSST => {
                    let i = u32_at(d, 6).ok_or_else(|| self.short("LABELSST"))?;
                    self.budget.tick(1)?;
                    let s = self.globals.sst.get(i).ok_or_else(|| {
                        self.bad_cell(row, col, "共享字符串编号超出范围，文件可能已损坏")
                    })?;
                    if !s.is_empty() {
                        // Charged before the copy is made.
                        self.text.take(s.len())?;
                        self.push(row, col, CellValue::Text(s.to_string()))?;
                    }
                }
                rt::BOOLERR => {
                    let (Some(&v), Some(&is_error)) = (d.get(6), d.get(7)) else {
                        return Err(self.short("BOOLERR"));
                    };
                    self.budget.tick(1)?;
                    match is_error {
                        0 => self.push(row, col, CellValue::Bool(v != 0))?,
                        1 => self.push_error(row, col, v)?,
                        _ => {
                            return Err(self.bad_cell(
                                row,
                                col,
                                "逻辑值或错误值无效，文件可能已损坏",
                            ));
                        }
                    }
                }
                rt::FORMULA => {
                    // row, col, ixfe, cached result (8), flags (2), chn (4),
                    // then the tokens, which are not read.
                    let result = d.get(6..14).ok_or_else(|| self.short("FORMULA"))?;
                    if d.len() < 20 {
                        return Err(self.short("FORMULA"));
                    }
                    self.budget.tick(1)?;
                    match *result {
                        [kind, _, v, _, _, _, 0xFF, 0xFF] => match kind {
                            0 => text_result = Some((row, col)),
                            1 => self.push(row, col, CellValue::Bool(v != 0))?,
                            2 => self.push_error(row, col, v)?,
                            // An empty text result: no value.
                            3 => {}
                            _ => {
                                return Err(self.bad_cell(
                                    row,
                                    col,
                                    "公式结果的类型无效，文件可能已损坏",
                                ));
                            }
                        },
                        _ => {
                            let v = f64_at(d, 6).ok_or_else(|| self.short("FORMULA"))?;
                            self.push_number(row, col, ixfe, v)?;
                        }
                    }
                }
                rt::STRING => {
                    let Some((row, col)) = text_result.take() else {
                        return Err(self.bad_sheet("STRING 记录前没有公式"));
                    };
                    let mut p = Parts::new(&r);
                    let s = self.globals.strings.long(&mut p).ok_or_else(|| {
                        self.bad_cell(row, col, "公式的文字结果不完整，文件可能已损坏")
                    })?;
                    self.push_text(row, col, s)?;
                }
                rt::MERGECELLS => {
                    let n = u16_at(d, 0).ok_or_else(|| self.short("MERGECELLS"))?;
                    let ranges = d.get(2..).unwrap_or_default();
                    if ranges.len() / 8 < usize::from(n) {
                        return Err(self.bad_sheet("MERGECELLS 记录长度与数量不符"));
                    }
                    self.sheet.check_merged_room(u64::from(n))?;
                    for m in ranges.chunks_exact(8).take(usize::from(n)) {
                        let (Some(r0), Some(r1), Some(c0), Some(c1)) =
                            (u16_at(m, 0), u16_at(m, 2), u16_at(m, 4), u16_at(m, 6))
                        else {
                            return Err(self.short("MERGECELLS"));
                        };
                        self.sheet.push_merged(MergedRange {
                            first_row: u32::from(r0.min(r1)),
                            first_col: u32::from(c0.min(c1)),
                            last_row: u32::from(r0.max(r1)),
                            last_col: u32::from(c0.max(c1)),
                        })?;
                    }
                }
                _ => {}
            }
        }
    }
}

/// The number of columns of a MULRK (`width` 6) or MULBLANK (`width` 2)
/// record: row, first column, `width` bytes per column, last column. The
/// declared last column must agree with the record's length.
fn span(d: &[u8], width: usize) -> Option<u16> {
    let first = u16_at(d, 2)?;
    let last = u16_at(d, d.len().checked_sub(2)?)?;
    let body = d.len().checked_sub(6)?;
    let n = u16::try_from(body / width).ok()?;
    (body % width == 0 && n > 0 && last >= first && last - first == n - 1).then_some(n)
}

/// An RK number (MS-XLS 2.5.217): 30 bits of either a signed integer or the
/// top of an IEEE double, possibly divided by 100.
fn rk_value(rk: u32) -> f64 {
    let div100 = rk & 1 != 0;
    let v = if rk & 2 != 0 {
        f64::from((rk as i32) >> 2)
    } else {
        f64::from_bits(u64::from(rk & 0xFFFF_FFFC) << 32)
    };
    if div100 { v / 100.0 } else { v }
}

/// Error values (BErr, MS-XLS 2.5.10) as calamine writes them.
fn error_text(code: u8) -> Option<&'static str> {
    Some(match code {
        0x00 => "#NULL!",
        0x07 => "#DIV/0!",
        0x0F => "#VALUE!",
        0x17 => "#REF!",
        0x1D => "#NAME?",
        0x24 => "#NUM!",
        0x2A => "#N/A",
        0x2B => "#DATA!",
        _ => return None,
    })
}

/// A date-time from an Excel serial, as calamine's `as_datetime`
/// computes it (day 60, the 29th of February 1900 that never was, and the
/// days before it are shifted by one). Serials outside Excel's calendar
/// (0 ..= 9999-12-31) are not dates.
fn excel_datetime(serial: f64, is_1904: bool) -> Option<NaiveDateTime> {
    if !(serial.is_finite() && (0.0..2_958_466.0).contains(&serial)) {
        return None;
    }
    let f = if is_1904 { serial + 1462.0 } else { serial };
    let f = if f >= 60.0 { f } else { f + 1.0 };
    let ms = (f * 86_400_000.0).round() as i64;
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_time(NaiveTime::MIN);
    epoch.checked_add_signed(TimeDelta::try_milliseconds(ms)?)
}

/// Built-in number formats that are dates or times (calamine's
/// `builtin_format_by_code`).
fn builtin_format_kind(ifmt: u16) -> DateKind {
    match ifmt {
        14..=22 | 27..=36 | 45 | 47 | 50..=58 => DateKind::DateTime,
        46 => DateKind::TimeDelta,
        _ => DateKind::Other,
    }
}

/// Is a format code a date, an elapsed time or neither? Ported from
/// calamine's `detect_custom_number_format` (MIT licence): the first date
/// or time letter outside quotes, brackets and escapes decides, `[h]`,
/// `[m]` or `[s]` make an elapsed time, and only the first section counts.
fn custom_format_kind(code: &str) -> DateKind {
    let mut escaped = false;
    let mut is_quote = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut hms = false;
    let mut ap = false;
    for s in code.chars() {
        match (s, escaped, is_quote, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => is_quote = false,
            (_, _, true, _, _) => (),
            ('"', _, _, _, _) => is_quote = true,
            (';', ..) => return DateKind::Other,
            ('[', ..) => brackets = brackets.saturating_add(1),
            (']', .., 1) if hms => return DateKind::TimeDelta,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return DateKind::DateTime,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return DateKind::DateTime;
            }
            _ => {
                if !(hms && s.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(s, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = s;
    }
    DateKind::Other
}
#[cfg(test)]
mod tests {
    use super::super::cfb::CfbFile;
    use super::super::cfb::tests::build_cfb;
    use super::super::tests::all;
    use super::super::{
        CellValue, Limits, MergedRange, WorkbookError, WorkbookFormat, read_workbook,
    };
    use super::rt;
    use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
    use std::time::{Duration, Instant};

    const NORMAL: &[u8] = include_bytes!("../../../tests/fixtures/workbooks/reader/normal.xls");
    const CORNERS: &[u8] = include_bytes!("../../../tests/fixtures/workbooks/reader/corners.xls");
    /// xls files written by LibreOffice (see tests/fixtures/workbooks).
    const LIBREOFFICE: [(&str, &[u8]); 7] = [
        (
            "resaved/agency-2012.xls",
            include_bytes!("../../../tests/fixtures/workbooks/resaved/agency-2012.xls"),
        ),
        (
            "resaved/community-2012.xls",
            include_bytes!("../../../tests/fixtures/workbooks/resaved/community-2012.xls"),
        ),
        (
            "resaved/community-2013.xls",
            include_bytes!("../../../tests/fixtures/workbooks/resaved/community-2013.xls"),
        ),
        (
            "resaved/digital-2012.xls",
            include_bytes!("../../../tests/fixtures/workbooks/resaved/digital-2012.xls"),
        ),
        (
            "lo-broken-many.xls",
            include_bytes!("../../../tests/fixtures/workbooks/lo-broken-many.xls"),
        ),
        (
            "lo-clean-digital2012.xls",
            include_bytes!("../../../tests/fixtures/workbooks/lo-clean-digital2012.xls"),
        ),
        (
            "lo-messy-02-values.xls",
            include_bytes!("../../../tests/fixtures/workbooks/lo-messy-02-values.xls"),
        ),
    ];

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut r = typ.to_le_bytes().to_vec();
        r.extend_from_slice(&(data.len() as u16).to_le_bytes());
        r.extend_from_slice(data);
        r
    }

    fn bof_version(version: u16, dt: u16) -> Vec<u8> {
        let mut d = vec![0u8; if version == 0x0600 { 16 } else { 8 }];
        d[0..2].copy_from_slice(&version.to_le_bytes());
        d[2..4].copy_from_slice(&dt.to_le_bytes());
        record(rt::BOF, &d)
    }

    fn bof(dt: u16) -> Vec<u8> {
        bof_version(0x0600, dt)
    }

    /// row, column, XF index, then `rest`.
    fn cell(typ: u16, row: u16, col: u16, xf: u16, rest: &[u8]) -> Vec<u8> {
        let mut d = Vec::new();
        for x in [row, col, xf] {
            d.extend_from_slice(&x.to_le_bytes());
        }
        d.extend_from_slice(rest);
        record(typ, &d)
    }

    fn number(row: u16, col: u16, xf: u16, v: f64) -> Vec<u8> {
        cell(rt::NUMBER, row, col, xf, &v.to_le_bytes())
    }

    fn label_sst(row: u16, col: u16, isst: u32) -> Vec<u8> {
        cell(rt::LABELSST, row, col, 0, &isst.to_le_bytes())
    }

    /// A BIFF8 LABEL (UTF-16).
    fn label(row: u16, col: u16, s: &str) -> Vec<u8> {
        let units: Vec<u16> = s.encode_utf16().collect();
        let mut rest = (units.len() as u16).to_le_bytes().to_vec();
        rest.push(1);
        rest.extend(units.iter().flat_map(|u| u.to_le_bytes()));
        cell(rt::LABEL, row, col, 0, &rest)
    }

    /// FORMULA with the given 8 result bytes and token bytes.
    fn formula_raw(row: u16, col: u16, xf: u16, result: [u8; 8], rgce: &[u8]) -> Vec<u8> {
        let mut rest = result.to_vec();
        rest.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // grbit, chn
        rest.extend_from_slice(&(rgce.len() as u16).to_le_bytes());
        rest.extend_from_slice(rgce);
        cell(rt::FORMULA, row, col, xf, &rest)
    }

    /// FORMULA with a cached number and the given token bytes.
    fn formula(row: u16, col: u16, cached: f64, rgce: &[u8]) -> Vec<u8> {
        formula_raw(row, col, 0, cached.to_le_bytes(), rgce)
    }

    /// Cached formula results other than numbers: kind 0 text (in a STRING
    /// record next), 1 bool, 2 error, 3 empty text.
    fn special(kind: u8, value: u8) -> [u8; 8] {
        [kind, 0, value, 0, 0, 0, 0xFF, 0xFF]
    }

    /// A BIFF8 STRING record (a formula's text result).
    fn string8(s: &str) -> Vec<u8> {
        let units: Vec<u16> = s.encode_utf16().collect();
        let mut d = (units.len() as u16).to_le_bytes().to_vec();
        d.push(1);
        d.extend(units.iter().flat_map(|u| u.to_le_bytes()));
        record(rt::STRING, &d)
    }

    fn rk_int(v: i32) -> u32 {
        ((v << 2) as u32) | 2
    }

    fn mulrk(row: u16, first: u16, rks: &[u32], last: u16) -> Vec<u8> {
        let mut d = Vec::new();
        d.extend_from_slice(&row.to_le_bytes());
        d.extend_from_slice(&first.to_le_bytes());
        for rk in rks {
            d.extend_from_slice(&0u16.to_le_bytes());
            d.extend_from_slice(&rk.to_le_bytes());
        }
        d.extend_from_slice(&last.to_le_bytes());
        record(rt::MULRK, &d)
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

    /// BOUNDSHEET data after the position: visibility, kind, BIFF8 name.
    fn sheet8(name: &str, kind: u8) -> Vec<u8> {
        let units: Vec<u16> = name.encode_utf16().collect();
        let mut d = vec![0, kind, units.len() as u8, 1];
        d.extend(units.iter().flat_map(|u| u.to_le_bytes()));
        d
    }

    /// BOUNDSHEET data after the position for BIFF5: an 8-bit name.
    fn sheet5(name: &[u8]) -> Vec<u8> {
        let mut d = vec![0, 0, name.len() as u8];
        d.extend_from_slice(name);
        d
    }

    /// A workbook stream: globals (BOF, XFs 0 = General, 1 = "0%",
    /// 2 = built-in date 14, 3 = elapsed time 46; then `extra` records;
    /// BOUNDSHEETs, EOF) and one substream per sheet.
    fn stream_with(version: u16, extra: &[Vec<u8>], sheets: &[(Vec<u8>, Vec<Vec<u8>>)]) -> Vec<u8> {
        let mut globals = bof_version(version, 0x0005);
        for ifmt in [0u16, 9, 14, 46] {
            let mut xf = vec![0u8; if version == 0x0600 { 20 } else { 16 }];
            xf[2..4].copy_from_slice(&ifmt.to_le_bytes());
            globals.extend(record(rt::XF, &xf));
        }
        for r in extra {
            globals.extend(r);
        }
        let mut boundsheet_at = Vec::new();
        for (meta, _) in sheets {
            let mut d = vec![0u8; 4];
            d.extend_from_slice(meta);
            boundsheet_at.push(globals.len() + 4);
            globals.extend(record(rt::BOUNDSHEET, &d));
        }
        globals.extend(record(rt::EOF, &[]));
        let mut stream = globals;
        for (i, (_, records)) in sheets.iter().enumerate() {
            let pos = stream.len() as u32;
            stream[boundsheet_at[i]..boundsheet_at[i] + 4].copy_from_slice(&pos.to_le_bytes());
            stream.extend(bof_version(version, 0x0010));
            for r in records {
                stream.extend(r);
            }
            stream.extend(record(rt::EOF, &[]));
        }
        stream
    }

    fn workbook_stream(shared: &[&str], sheets: &[(&str, Vec<Vec<u8>>)]) -> Vec<u8> {
        let extra = if shared.is_empty() {
            vec![]
        } else {
            vec![sst(shared)]
        };
        let sheets: Vec<_> = sheets
            .iter()
            .map(|(n, r)| (sheet8(n, 0), r.clone()))
            .collect();
        stream_with(0x0600, &extra, &sheets)
    }

    fn xls(stream: &[u8]) -> Vec<u8> {
        build_cfb(&[("Workbook", stream)])
    }

    fn num(v: f64) -> Option<CellValue> {
        Some(CellValue::Number {
            value: v,
            percent_format: false,
        })
    }

    fn text(t: &str) -> Option<CellValue> {
        Some(CellValue::Text(t.into()))
    }

    fn read(bytes: &[u8]) -> Result<super::super::Workbook, WorkbookError> {
        read_workbook(bytes, &all, &Limits::default())
    }

    #[test]
    fn xlwt_workbook_reads_like_the_others() {
        let wb = read_workbook(NORMAL, &|n| n == "自查评分", &Limits::default()).unwrap();
        assert_eq!(wb.format, WorkbookFormat::Xls);
        assert_eq!(wb.sheet_names, ["自查评分", "说明"]);
        let s = &wb.sheets[0];
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

    /// calamine refused this file (it would have built a dense grid of
    /// 65536 × 256 cells); read sparsely, it is two cells.
    #[test]
    fn corner_cells_read_without_a_dense_grid() {
        let wb = read(CORNERS).unwrap();
        let s = &wb.sheets[0];
        assert_eq!(s.name, "角落");
        assert_eq!(s.cell_count(), 2);
        assert_eq!(s.get(0, 0).cloned(), text("A1"));
        assert_eq!(s.get(65535, 255).cloned(), text("IV65536"));
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
            assert_eq!(s.get(0, 0).cloned(), text("单位名称"));
            assert_eq!(
                s.get(0, 1),
                Some(&CellValue::Number {
                    value: 0.5,
                    percent_format: true
                })
            );
            assert_eq!(s.get(1, 1).cloned(), num(330_102_001.0));
            assert_eq!(s.get(2, 0).cloned(), text("abc"));
        }
    }

    #[test]
    fn formula_tokens_are_never_read() {
        // 2000 "insert 255 spaces" tokens after one operand: calamine
        // inserted half a million characters one at a time into the middle
        // of the formula text (minutes per record). Only cached values are
        // read here.
        let mut rgce = vec![0x1E, 1, 0]; // PtgInt 1
        for _ in 0..2000 {
            rgce.extend_from_slice(&[0x19, 0x40, 0x00, 0xFF]);
        }
        let cells: Vec<Vec<u8>> = (0..20).map(|r| formula(r, 0, 42.0, &rgce)).collect();
        let bytes = xls(&workbook_stream(&[], &[("表", cells)]));
        let started = Instant::now();
        let wb = read(&bytes).unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(wb.sheets[0].get(19, 0).cloned(), num(42.0));
    }

    #[test]
    fn formula_results_of_every_kind() {
        let cells = vec![
            formula_raw(0, 0, 0, special(1, 1), &[]),
            formula_raw(0, 1, 0, special(2, 0x07), &[]),
            formula_raw(0, 2, 0, special(3, 0), &[]),
            formula_raw(0, 3, 0, special(0, 0), &[]),
            string8("文字结果"),
            // A shared formula's SHRFMLA comes between FORMULA and STRING.
            formula_raw(0, 4, 0, special(0, 0), &[]),
            record(rt::SHRFMLA, &[0; 10]),
            string8("共享"),
            formula_raw(0, 5, 1, 0.25f64.to_le_bytes(), &[]),
        ];
        let wb = read(&xls(&workbook_stream(&[], &[("表", cells)]))).unwrap();
        let s = &wb.sheets[0];
        assert_eq!(s.get(0, 0), Some(&CellValue::Bool(true)));
        assert_eq!(s.get(0, 1), Some(&CellValue::Error("#DIV/0!".into())));
        assert_eq!(s.get(0, 2), None, "an empty text result is no value");
        assert_eq!(s.get(0, 3).cloned(), text("文字结果"));
        assert_eq!(s.get(0, 4).cloned(), text("共享"));
        assert_eq!(
            s.get(0, 5),
            Some(&CellValue::Number {
                value: 0.25,
                percent_format: true
            })
        );
    }

    #[test]
    fn formula_text_result_without_its_string_record_is_refused() {
        for after in [vec![number(5, 0, 0, 1.0)], vec![]] {
            let mut cells = vec![formula_raw(1, 1, 0, special(0, 0), &[])];
            cells.extend(after);
            let err = read(&xls(&workbook_stream(&[], &[("表", cells)]))).unwrap_err();
            assert_eq!(
                err,
                WorkbookError::BadCell {
                    sheet: "表".into(),
                    cell: "B2".into(),
                    message: "公式的文字结果缺失，文件可能已损坏".into()
                }
            );
        }
        // A STRING record with no formula before it.
        let err = read(&xls(&workbook_stream(&[], &[("表", vec![string8("x")])]))).unwrap_err();
        assert!(
            matches!(err, WorkbookError::Corrupt(ref m) if m.contains("STRING")),
            "{err:?}"
        );
        // A cached result of an unknown kind.
        let cells = vec![formula_raw(0, 0, 0, special(9, 0), &[])];
        let err = read(&xls(&workbook_stream(&[], &[("表", cells)]))).unwrap_err();
        assert!(
            matches!(err, WorkbookError::BadCell { ref cell, .. } if cell == "A1"),
            "{err:?}"
        );
    }

    #[test]
    fn booleans_and_error_values() {
        let cells = vec![
            cell(rt::BOOLERR, 0, 0, 0, &[1, 0]),
            cell(rt::BOOLERR, 0, 1, 0, &[0, 0]),
            cell(rt::BOOLERR, 0, 2, 0, &[0x2A, 1]),
            cell(rt::BOOLERR, 0, 3, 0, &[0x1D, 1]),
        ];
        let wb = read(&xls(&workbook_stream(&[], &[("表", cells)]))).unwrap();
        let s = &wb.sheets[0];
        assert_eq!(s.get(0, 0), Some(&CellValue::Bool(true)));
        assert_eq!(s.get(0, 1), Some(&CellValue::Bool(false)));
        assert_eq!(s.get(0, 2), Some(&CellValue::Error("#N/A".into())));
        assert_eq!(s.get(0, 3), Some(&CellValue::Error("#NAME?".into())));

        for bad in [[0x99, 1], [0, 7]] {
            let cells = vec![cell(rt::BOOLERR, 3, 2, 0, &bad)];
            let err = read(&xls(&workbook_stream(&[], &[("表", cells)]))).unwrap_err();
            assert!(
                matches!(err, WorkbookError::BadCell { ref cell, .. } if cell == "C4"),
                "{err:?}"
            );
        }
    }

    #[test]
    fn rk_and_mulrk_numbers() {
        let float_rk = (1.5f64.to_bits() >> 32) as u32; // exact in 30 bits
        let cells = vec![
            cell(rt::RK, 0, 0, 0, &rk_int(-7).to_le_bytes()),
            cell(rt::RK, 0, 1, 0, &(rk_int(12345) | 1).to_le_bytes()), // ÷100
            cell(rt::RK, 0, 2, 0, &float_rk.to_le_bytes()),
            mulrk(1, 2, &[rk_int(1), rk_int(2), rk_int(3)], 4),
        ];
        let wb = read(&xls(&workbook_stream(&[], &[("表", cells)]))).unwrap();
        let s = &wb.sheets[0];
        assert_eq!(s.get(0, 0).cloned(), num(-7.0));
        assert_eq!(s.get(0, 1).cloned(), num(123.45));
        assert_eq!(s.get(0, 2).cloned(), num(1.5));
        assert_eq!(s.get(1, 2).cloned(), num(1.0));
        assert_eq!(s.get(1, 4).cloned(), num(3.0));
        assert_eq!(s.cell_count(), 6);
    }

    #[test]
    fn mulrk_span_that_lies_is_refused() {
        // Two values, but the last column says ten.
        for record in [
            mulrk(0, 0, &[rk_int(1), rk_int(2)], 9),
            mulrk(0, 5, &[rk_int(1), rk_int(2)], 0),
            mulrk(0, 0, &[], 0),
        ] {
            let err = read(&xls(&workbook_stream(&[], &[("表", vec![record])]))).unwrap_err();
            assert!(
                matches!(err, WorkbookError::Corrupt(ref m) if m.contains("MULRK")),
                "{err:?}"
            );
        }
    }

    #[test]
    fn empty_cells_count_against_the_record_budget() {
        let mut d = vec![0u8; 4];
        d.extend(std::iter::repeat_n(0u8, 2 * 200));
        d.extend_from_slice(&199u16.to_le_bytes());
        let cells = vec![record(rt::MULBLANK, &d), cell(rt::BLANK, 1, 0, 0, &[])];
        let bytes = xls(&workbook_stream(&[], &[("表", cells)]));
        let wb = read(&bytes).unwrap();
        assert!(wb.sheets[0].is_empty());
        let limits = Limits {
            max_cell_records: 200,
            ..Limits::default()
        };
        let err = read_workbook(&bytes, &all, &limits).unwrap_err();
        assert_eq!(err, WorkbookError::TooManyCellRecords { limit: 200 });
    }

    #[test]
    fn declared_dimensions_are_not_trusted() {
        // DIMENSIONS claiming 4 billion rows made calamine reserve memory
        // for them; it is not read at all now.
        let mut dims = Vec::new();
        dims.extend_from_slice(&0u32.to_le_bytes());
        dims.extend_from_slice(&u32::MAX.to_le_bytes());
        dims.extend_from_slice(&0u16.to_le_bytes());
        dims.extend_from_slice(&256u16.to_le_bytes());
        dims.extend_from_slice(&0u16.to_le_bytes());
        let stream = workbook_stream(
            &[],
            &[("表", vec![record(0x0200, &dims), number(3, 3, 0, 9.0)])],
        );
        let wb = read(&xls(&stream)).unwrap();
        assert_eq!(wb.sheets[0].get(3, 3).cloned(), num(9.0));
    }

    #[test]
    fn shared_string_copies_are_charged_before_they_are_made() {
        let long = "长".repeat(30_000);
        let cells: Vec<Vec<u8>> = (0..400).map(|r| label_sst(r, 0, 0)).collect();
        let bytes = xls(&workbook_stream(&[&long], &[("表", cells)]));
        let err = read(&bytes).unwrap_err();
        assert_eq!(err, WorkbookError::TooMuchText { limit: 32 << 20 });
    }

    #[test]
    fn shared_string_index_outside_the_table_names_the_cell() {
        let cells = vec![label_sst(0, 0, 0), label_sst(6, 3, 2)];
        let bytes = xls(&workbook_stream(&["一", "二"], &[("自查评分", cells)]));
        let err = read(&bytes).unwrap_err();
        assert_eq!(
            err,
            WorkbookError::BadCell {
                sheet: "自查评分".into(),
                cell: "D7".into(),
                message: "共享字符串编号超出范围，文件可能已损坏".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "自查评分!D7：共享字符串编号超出范围，文件可能已损坏"
        );
    }

    /// The SST's counts claim 2^31 strings; there is one. Nothing is
    /// reserved from the claim: the table is what the bytes hold.
    #[test]
    fn shared_string_counts_are_not_trusted() {
        let mut table = sst(&["唯一"]);
        table[4..8].copy_from_slice(&u32::MAX.to_le_bytes()); // cstTotal
        table[8..12].copy_from_slice(&(1u32 << 31).to_le_bytes()); // cstUnique
        let sheets = vec![(sheet8("表", 0), vec![label_sst(0, 0, 0)])];
        let wb = read(&xls(&stream_with(0x0600, &[table], &sheets))).unwrap();
        assert_eq!(wb.sheets[0].get(0, 0).cloned(), text("唯一"));
    }

    /// A string split by a CONTINUE record changes from one-byte to
    /// two-byte characters at the boundary; a rich string's formatting runs
    /// and phonetic data run on across the next boundary.
    #[test]
    fn continue_records_inside_shared_strings() {
        let mut first = Vec::new();
        first.extend_from_slice(&3u32.to_le_bytes());
        first.extend_from_slice(&3u32.to_le_bytes());
        // String 0: 6 characters, starting compressed: "abc" here…
        first.extend_from_slice(&6u16.to_le_bytes());
        first.push(0);
        first.extend_from_slice(b"abc");
        // …and "中文字" in UTF-16 after the flag byte of the CONTINUE.
        let mut second = vec![1];
        second.extend("中文字".encode_utf16().flat_map(u16::to_le_bytes));
        // String 1: rich (2 runs) with 6 bytes of phonetic data, "粗体".
        second.extend_from_slice(&2u16.to_le_bytes());
        second.push(0x1 | 0x4 | 0x8);
        second.extend_from_slice(&2u16.to_le_bytes());
        second.extend_from_slice(&6u32.to_le_bytes());
        second.extend("粗体".encode_utf16().flat_map(u16::to_le_bytes));
        second.extend_from_slice(&[0; 5]); // the runs start here…
        let mut third = vec![0; 3]; // …and end here (no flag byte),
        third.extend_from_slice(&[0; 6]); // then the phonetic data.
        // String 2, compressed, after an empty CONTINUE.
        let mut fourth = 2u16.to_le_bytes().to_vec();
        fourth.push(0);
        fourth.extend_from_slice(b"ok");
        let table = [
            record(rt::SST, &first),
            record(rt::CONTINUE, &second),
            record(rt::CONTINUE, &third),
            record(rt::CONTINUE, &[]),
            record(rt::CONTINUE, &fourth),
        ]
        .concat();
        let cells = vec![label_sst(0, 0, 0), label_sst(1, 0, 1), label_sst(2, 0, 2)];
        let sheets = vec![(sheet8("表", 0), cells)];
        let wb = read(&xls(&stream_with(
            0x0600,
            std::slice::from_ref(&table),
            &sheets,
        )))
        .unwrap();
        let s = &wb.sheets[0];
        assert_eq!(s.get(0, 0).cloned(), text("abc中文字"));
        assert_eq!(s.get(1, 0).cloned(), text("粗体"));
        assert_eq!(s.get(2, 0).cloned(), text("ok"));

        // The same table cut short inside the runs: refused, not read.
        let cut = [record(rt::SST, &first), record(rt::CONTINUE, &second)].concat();
        let err = read(&xls(&stream_with(0x0600, &[cut], &sheets))).unwrap_err();
        assert!(
            matches!(err, WorkbookError::Corrupt(ref m) if m.contains("共享字符串")),
            "{err:?}"
        );
        // A two-byte character cut in half by a record boundary.
        let mut odd = first.clone();
        odd[8..10].copy_from_slice(&3u16.to_le_bytes());
        odd[10] = 1;
        odd.truncate(11);
        odd.extend_from_slice(&[0x41, 0, 0x42]);
        let halves = [
            record(rt::SST, &odd),
            record(rt::CONTINUE, &[1, 0, 0x43, 0]),
        ]
        .concat();
        let err = read(&xls(&stream_with(0x0600, &[halves], &sheets))).unwrap_err();
        assert!(matches!(err, WorkbookError::Corrupt(_)), "{err:?}");
    }

    #[test]
    fn dates_in_the_1900_and_1904_systems() {
        let cells = vec![
            number(0, 0, 2, 46_351.395_833_333_33),
            number(1, 0, 2, 0.0),
            number(2, 0, 3, 1.5), // [h]:mm:ss: an elapsed time stays a number
            number(3, 0, 2, 3_000_000.0), // past 9999-12-31: a number
        ];
        let at =
            |d: NaiveDate, ms: i64| d.and_hms_opt(0, 0, 0).unwrap() + TimeDelta::milliseconds(ms);
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();

        let sheets = vec![(sheet8("表", 0), cells.clone())];
        let wb = read(&xls(&stream_with(0x0600, &[], &sheets))).unwrap();
        let s = &wb.sheets[0];
        assert_eq!(
            s.get(0, 0),
            Some(&CellValue::DateTime(at(ymd(2026, 11, 25), 34_200_000)))
        );
        // Serial 0 is calamine's 1899-12-31.
        assert_eq!(
            s.get(1, 0),
            Some(&CellValue::DateTime(at(ymd(1899, 12, 31), 0)))
        );
        assert_eq!(s.get(2, 0).cloned(), num(1.5));
        assert_eq!(s.get(3, 0).cloned(), num(3_000_000.0));

        let datemode = record(rt::DATEMODE, &1u16.to_le_bytes());
        let wb = read(&xls(&stream_with(0x0600, &[datemode], &sheets))).unwrap();
        let s = &wb.sheets[0];
        assert_eq!(
            s.get(0, 0),
            Some(&CellValue::DateTime(at(ymd(2030, 11, 26), 34_200_000)))
        );
        assert_eq!(
            s.get(1, 0),
            Some(&CellValue::DateTime(at(ymd(1904, 1, 1), 0)))
        );
    }

    #[test]
    fn custom_formats_decide_dates_and_percentages() {
        let format = |ifmt: u16, code: &str| {
            let mut d = ifmt.to_le_bytes().to_vec();
            d.extend_from_slice(&(code.len() as u16).to_le_bytes());
            d.push(0);
            d.extend_from_slice(code.as_bytes());
            record(rt::FORMAT, &d)
        };
        let xf = |ifmt: u16| {
            let mut d = vec![0u8; 20];
            d[2..4].copy_from_slice(&ifmt.to_le_bytes());
            record(rt::XF, &d)
        };
        let extra = vec![
            format(164, "yyyy\"年\"m\"月\"d\"日\""),
            format(165, "0.0%"),
            format(166, "\"得分\"0.00"),
            xf(164), // XF 4
            xf(165), // XF 5
            xf(166), // XF 6
        ];
        let cells = vec![
            number(0, 0, 4, 46_351.0),
            number(0, 1, 5, 0.855),
            number(0, 2, 6, 12.0),
            number(0, 3, 99, 7.0), // an XF index past the table: General
        ];
        let sheets = vec![(sheet8("表", 0), cells)];
        let wb = read(&xls(&stream_with(0x0600, &extra, &sheets))).unwrap();
        let s = &wb.sheets[0];
        let day = NaiveDate::from_ymd_opt(2026, 11, 25)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        assert_eq!(s.get(0, 0), Some(&CellValue::DateTime(day)));
        assert_eq!(
            s.get(0, 1),
            Some(&CellValue::Number {
                value: 0.855,
                percent_format: true
            })
        );
        assert_eq!(s.get(0, 2).cloned(), num(12.0));
        assert_eq!(s.get(0, 3).cloned(), num(7.0));
    }

    #[test]
    fn chart_sheets_hold_no_cells() {
        let sheets = vec![
            (sheet8("图表", 2), vec![number(0, 0, 0, 1.0)]),
            (sheet8("表", 0), vec![number(0, 0, 0, 2.0)]),
        ];
        let wb = read(&xls(&stream_with(0x0600, &[], &sheets))).unwrap();
        assert_eq!(wb.sheet_names, ["图表", "表"]);
        assert!(wb.sheet("图表").unwrap().is_empty());
        assert_eq!(wb.sheet("表").unwrap().get(0, 0).cloned(), num(2.0));
    }

    /// An embedded chart inside a sheet is a substream of its own; its
    /// records are not the sheet's cells.
    #[test]
    fn embedded_chart_substreams_are_skipped() {
        let cells = vec![
            number(0, 0, 0, 1.0),
            bof(0x0020),
            number(5, 5, 0, 99.0),
            record(rt::EOF, &[]),
            number(1, 0, 0, 2.0),
        ];
        let wb = read(&xls(&workbook_stream(&[], &[("表", cells)]))).unwrap();
        let s = &wb.sheets[0];
        assert_eq!(s.cell_count(), 2);
        assert_eq!(s.get(5, 5), None);
    }

    /// A BIFF5 (Excel 5.0/95) workbook: stream "Book", 8-bit strings in
    /// the code page of its CODEPAGE record (GBK when it has none).
    #[test]
    fn biff5_workbook_reads() {
        let gbk = |s: &str| encoding_rs::GBK.encode(s).0.into_owned();
        let label5 = |row: u16, col: u16, s: &str| {
            let b = gbk(s);
            let mut rest = (b.len() as u16).to_le_bytes().to_vec();
            rest.extend_from_slice(&b);
            cell(rt::LABEL, row, col, 0, &rest)
        };
        let mut string5 = (4u16).to_le_bytes().to_vec();
        string5.extend_from_slice(&gbk("结果"));
        let mut format5 = 164u16.to_le_bytes().to_vec();
        format5.push(10);
        format5.extend_from_slice(b"yyyy-mm-dd");
        let mut xf5 = vec![0u8; 16];
        xf5[2..4].copy_from_slice(&164u16.to_le_bytes());
        let cells = vec![
            label5(0, 0, "单位名称"),
            label5(0, 1, "杭州市某某区档案馆"),
            number(1, 1, 0, 330_102_001.0),
            cell(rt::RK, 2, 1, 1, &(rk_int(85) | 1).to_le_bytes()),
            number(3, 1, 4, 46_351.0),
            formula_raw(4, 1, 0, special(0, 0), &[]),
            record(rt::STRING, &string5),
        ];
        for code_page in [Some(936u16), None] {
            let mut extra = vec![record(rt::FORMAT, &format5), record(rt::XF, &xf5)];
            if let Some(cp) = code_page {
                extra.insert(0, record(rt::CODEPAGE, &cp.to_le_bytes()));
            }
            let sheets = vec![(sheet5(&gbk("自查评分")), cells.clone())];
            let stream = stream_with(0x0500, &extra, &sheets);
            let wb = read(&build_cfb(&[("Book", &stream)])).unwrap();
            assert_eq!(wb.sheet_names, ["自查评分"]);
            let s = &wb.sheets[0];
            assert_eq!(s.get(0, 0).cloned(), text("单位名称"));
            assert_eq!(s.get(0, 1).cloned(), text("杭州市某某区档案馆"));
            assert_eq!(s.get(1, 1).cloned(), num(330_102_001.0));
            assert_eq!(
                s.get(2, 1),
                Some(&CellValue::Number {
                    value: 0.85,
                    percent_format: true
                })
            );
            let day = NaiveDate::from_ymd_opt(2026, 11, 25)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap();
            assert_eq!(s.get(3, 1), Some(&CellValue::DateTime(day)));
            assert_eq!(s.get(4, 1).cloned(), text("结果"));
        }

        // Windows 1252 text when the workbook says so.
        let cp = record(rt::CODEPAGE, &1252u16.to_le_bytes());
        let cells = vec![cell(rt::LABEL, 0, 0, 0, &[4, 0, b'c', b'a', b'f', 0xE9])];
        let stream = stream_with(0x0500, &[cp], &[(sheet5(b"Sheet1"), cells.clone())]);
        let wb = read(&build_cfb(&[("Book", &stream)])).unwrap();
        assert_eq!(wb.sheets[0].get(0, 0).cloned(), text("café"));

        // A code page we cannot decode is refused, not guessed.
        let cp = record(rt::CODEPAGE, &437u16.to_le_bytes());
        let stream = stream_with(0x0500, &[cp], &[(sheet5(b"Sheet1"), cells)]);
        let err = read(&build_cfb(&[("Book", &stream)])).unwrap_err();
        assert!(
            matches!(err, WorkbookError::WrongFileType(ref m) if m.contains("代码页 437") && m.contains("另存为 .xlsx")),
            "{err:?}"
        );
    }

    /// calamine 0.38 panics on this 3 KB file: a BIFF5 BOF and one
    /// defined name whose formula claims more bytes than it has ("range
    /// end index 13 out of range for slice of length 11"). Defined names
    /// are not read here; the stream simply ends without its EOF record.
    #[test]
    fn biff5_defined_name_that_lies() {
        let mut name = vec![0u8; 14];
        name[3] = 0; // no characters
        name[4..6].copy_from_slice(&11u16.to_le_bytes()); // 11 bytes of tokens
        name.push(0x3A); // PtgRef3d, which needs 17 bytes in BIFF5
        name.extend_from_slice(&[0; 10]);
        let stream = [bof_version(0x0500, 0x0005), record(0x0018, &name)].concat();
        let bytes = build_cfb(&[("Book", &stream)]);
        assert!(bytes.len() < 4096);
        let err = read(&bytes).unwrap_err();
        assert!(
            matches!(err, WorkbookError::Corrupt(ref m) if m.contains("结束标记")),
            "{err:?}"
        );

        // With its EOF the same globals are a workbook without sheets.
        let stream = [stream, record(rt::EOF, &[])].concat();
        let wb = read(&build_cfb(&[("Book", &stream)])).unwrap();
        assert!(wb.sheet_names.is_empty());
    }

    #[test]
    fn older_and_unknown_versions_are_refused_with_advice() {
        let biff4 = record(0x0409, &[0, 0, 0x10, 0, 0, 0]);
        for stream in [
            biff4,
            bof_version(0x0400, 0x0005),
            bof_version(0x0500, 0x0010),
        ] {
            let err = read(&build_cfb(&[("Book", &stream)])).unwrap_err();
            assert_eq!(
                err.to_string(),
                "这是 Excel 2.x–4.0 时代的旧格式工作簿，本系统无法读取；请在 Excel 或 WPS 中打开后另存为 .xlsx 再上传"
            );
        }
        let err = read(&xls(&bof_version(0x0123, 0x0005))).unwrap_err();
        assert!(err.to_string().contains("0x0123"), "{err}");
    }

    #[test]
    fn record_lengths_past_the_stream_end_are_refused() {
        // In a sheet: a NUMBER claiming 200 bytes with 14 left.
        let mut stream = workbook_stream(&[], &[("表", vec![number(0, 0, 0, 1.0)])]);
        let at = stream.len() - 4 - 18; // the NUMBER's header
        assert_eq!(&stream[at..at + 2], &rt::NUMBER.to_le_bytes());
        stream[at + 2..at + 4].copy_from_slice(&200u16.to_le_bytes());
        let err = read(&xls(&stream)).unwrap_err();
        assert!(
            matches!(err, WorkbookError::Corrupt(ref m) if m.contains("超出数据流")),
            "{err:?}"
        );
        // In the globals, and a CONTINUE running past the end.
        let short = [bof(0x0005), vec![0x85, 0, 0xFF, 0xFF, 1, 2]].concat();
        assert!(matches!(read(&xls(&short)), Err(WorkbookError::Corrupt(_))));
        let cont = [bof(0x0005), record(rt::EOF, &[]), vec![0x3C, 0, 9, 0, 1]].concat();
        assert!(matches!(read(&xls(&cont)), Err(WorkbookError::Corrupt(_))));
        // A sheet position past the stream, and one not at a BOF.
        let mut stream = workbook_stream(&[], &[("表", vec![])]);
        let eof = record(rt::EOF, &[]);
        let bs = stream
            .windows(2)
            .position(|w| w == rt::BOUNDSHEET.to_le_bytes())
            .unwrap();
        stream[bs + 4..bs + 8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            read(&xls(&stream)),
            Err(WorkbookError::Corrupt(_))
        ));
        stream[bs + 4..bs + 8].copy_from_slice(&2u32.to_le_bytes());
        assert!(matches!(
            read(&xls(&stream)),
            Err(WorkbookError::Corrupt(_))
        ));
        // A sheet without its EOF.
        let mut stream = workbook_stream(&[], &[("表", vec![number(0, 0, 0, 1.0)])]);
        assert!(stream.ends_with(&eof));
        stream.truncate(stream.len() - eof.len());
        let err = read(&xls(&stream)).unwrap_err();
        assert!(
            matches!(err, WorkbookError::Corrupt(ref m) if m.contains("结束标记")),
            "{err:?}"
        );
    }

    #[test]
    fn overlapping_sheets_and_too_many_cells() {
        // Eleven BOUNDSHEETs all pointing at one big sheet.
        let cells: Vec<Vec<u8>> = (0..2000).map(|r| number(r, 0, 0, 1.0)).collect();
        let mut sheets = vec![(sheet8("表", 0), cells)];
        for i in 0..10u8 {
            sheets.push((sheet8(&char::from(b'a' + i).to_string(), 0), vec![]));
        }
        let mut stream = stream_with(0x0600, &[], &sheets);
        let mut first_pos = None;
        let mut i = 0;
        while i + 4 <= stream.len() {
            let typ = u16::from_le_bytes([stream[i], stream[i + 1]]);
            let len = u16::from_le_bytes([stream[i + 2], stream[i + 3]]) as usize;
            if typ == rt::BOUNDSHEET {
                let p = first_pos
                    .get_or_insert_with(|| stream[i + 4..i + 8].to_vec())
                    .clone();
                stream[i + 4..i + 8].copy_from_slice(&p);
            }
            if typ == rt::EOF {
                break;
            }
            i += 4 + len;
        }
        let err = read(&xls(&stream)).unwrap_err();
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
    fn cell_rules_apply_to_xls_too() {
        let cells = vec![label(2, 1, "有\0空字符")];
        let err = read(&xls(&workbook_stream(&[], &[("表", cells)]))).unwrap_err();
        assert!(
            matches!(err, WorkbookError::BadCell { ref cell, .. } if cell == "B3"),
            "{err:?}"
        );
        let cells = vec![number(0, 0, 0, f64::NAN)];
        let err = read(&xls(&workbook_stream(&[], &[("表", cells)]))).unwrap_err();
        assert!(
            matches!(err, WorkbookError::BadCell { ref cell, .. } if cell == "A1"),
            "{err:?}"
        );
    }

    #[test]
    fn merged_cells_are_read_and_counted() {
        let mut d = 2u16.to_le_bytes().to_vec();
        for x in [0u16, 1, 0, 2, 5, 3, 4, 1] {
            d.extend_from_slice(&x.to_le_bytes());
        }
        let cells = vec![record(rt::MERGECELLS, &d)];
        let bytes = xls(&workbook_stream(&[], &[("表", cells)]));
        let wb = read(&bytes).unwrap();
        assert_eq!(
            wb.sheets[0].merged(),
            [
                MergedRange {
                    first_row: 0,
                    first_col: 0,
                    last_row: 1,
                    last_col: 2
                },
                MergedRange {
                    first_row: 3,
                    first_col: 1,
                    last_row: 5,
                    last_col: 4
                }
            ]
        );
        let limits = Limits {
            max_merged: 1,
            ..Limits::default()
        };
        assert!(matches!(
            read_workbook(&bytes, &all, &limits),
            Err(WorkbookError::TooManyMerged { .. })
        ));
        // A count the record cannot hold.
        let mut lie = d.clone();
        lie[0..2].copy_from_slice(&3u16.to_le_bytes());
        let cells = vec![record(rt::MERGECELLS, &lie)];
        let err = read(&xls(&workbook_stream(&[], &[("表", cells)]))).unwrap_err();
        assert!(
            matches!(err, WorkbookError::Corrupt(ref m) if m.contains("MERGECELLS")),
            "{err:?}"
        );
    }

    #[test]
    fn password_protected_xls() {
        let mut stream = bof(0x0005);
        stream.extend(record(rt::FILEPASS, &[1, 0, 1, 0]));
        stream.extend(record(rt::EOF, &[]));
        let err = read(&xls(&stream)).unwrap_err();
        assert_eq!(err, WorkbookError::Encrypted);
    }

    #[test]
    fn truncated_xls_is_corrupt() {
        let err = read(&NORMAL[..NORMAL.len() / 2]).unwrap_err();
        assert!(matches!(err, WorkbookError::Corrupt(_)), "{err:?}");
    }

    /// Random damage to the record stream of a LibreOffice workbook (the
    /// container rebuilt intact around it) ends in an error or a workbook,
    /// never a panic.
    #[test]
    fn damaged_record_streams_never_panic() {
        let (_, bytes) = LIBREOFFICE[3];
        let cfb = CfbFile::open(bytes).unwrap();
        let stream = cfb.stream(bytes, "Workbook").unwrap().unwrap();
        let mut seed = 11u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize
        };
        for _ in 0..300 {
            let mut s = stream.clone();
            for _ in 0..1 + next() % 6 {
                let at = next() % s.len();
                s[at] = next() as u8;
            }
            if next() % 4 == 0 {
                s.truncate(next() % s.len() + 1);
            }
            let _ = read(&xls(&s));
        }
    }

    /// A sheet's name, cells and merges.
    type SheetView = (String, Vec<(u32, u32, CellValue)>, Vec<MergedRange>);

    /// calamine's view of an xls, converted the way `from_calamine` did:
    /// every sheet's non-empty cells (percent flags are not known to
    /// calamine, so they are compared as false) and merges.
    fn calamine_view(bytes: &[u8]) -> Vec<SheetView> {
        use calamine::{Data, Reader, Xls};
        let mut xls = Xls::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = Vec::new();
        for name in xls.sheet_names() {
            let range = xls.worksheet_range(&name).unwrap();
            let (r0, c0) = range.start().unwrap_or((0, 0));
            let mut cells = Vec::new();
            for (r, c, d) in range.used_cells() {
                let number = |value: f64| CellValue::Number {
                    value,
                    percent_format: false,
                };
                let v = match d {
                    Data::Int(i) => number(*i as f64),
                    Data::Float(f) => number(*f),
                    Data::String(s) if s.is_empty() => continue,
                    Data::String(s) => CellValue::Text(s.clone()),
                    Data::Bool(b) => CellValue::Bool(*b),
                    Data::Error(e) => CellValue::Error(e.to_string()),
                    Data::DateTime(dt) => {
                        let serial = dt.as_f64();
                        match (dt.is_datetime() && (0.0..2_958_466.0).contains(&serial))
                            .then(|| dt.as_datetime())
                            .flatten()
                        {
                            Some(d) => CellValue::DateTime(d),
                            None => number(serial),
                        }
                    }
                    other => panic!("unexpected {other:?}"),
                };
                cells.push((r0 + r as u32, c0 + c as u32, v));
            }
            cells.sort_by_key(|&(r, c, _)| (r, c));
            let mut merged: Vec<MergedRange> = xls
                .merge_cells_by_sheet_name(&name)
                .unwrap()
                .iter()
                .map(|d| MergedRange {
                    first_row: d.start.0,
                    first_col: d.start.1,
                    last_row: d.end.0,
                    last_col: d.end.1,
                })
                .filter(|m| m.first_row != m.last_row || m.first_col != m.last_col)
                .collect();
            merged.sort();
            merged.dedup();
            out.push((name, cells, merged));
        }
        out
    }

    /// Every xls fixture reads to exactly what calamine read (while it
    /// is still a dependency, it serves as the reference).
    #[test]
    fn same_values_as_calamine_on_every_fixture() {
        let mut files = vec![("reader/normal.xls", NORMAL)];
        files.extend(LIBREOFFICE);
        for (name, bytes) in files {
            let ours = read(bytes).unwrap();
            let theirs = calamine_view(bytes);
            let names: Vec<&String> = theirs.iter().map(|(n, _, _)| n).collect();
            assert_eq!(ours.sheet_names.iter().collect::<Vec<_>>(), names, "{name}");
            for (sheet, (_, cells, merged)) in ours.sheets.iter().zip(&theirs) {
                let mine: Vec<(u32, u32, CellValue)> = sheet
                    .rows()
                    .flat_map(|(r, cells)| {
                        cells.iter().map(move |(c, v)| {
                            let v = match v {
                                CellValue::Number { value, .. } => CellValue::Number {
                                    value: *value,
                                    percent_format: false,
                                },
                                other => other.clone(),
                            };
                            (r, *c, v)
                        })
                    })
                    .collect();
                assert_eq!(&mine, cells, "{name}: {}", sheet.name);
                assert_eq!(sheet.merged(), merged.as_slice(), "{name}: {}", sheet.name);
            }
        }
    }

    /// Reading speed against calamine. Run with
    /// `cargo test --release --lib xls_reading_speed -- --ignored --nocapture`.
    #[test]
    #[ignore = "measurement; run in release mode"]
    fn xls_reading_speed() {
        use calamine::{Reader, Xls};
        use std::hint::black_box;
        let (_, resaved) = LIBREOFFICE[3];
        for (name, bytes) in [
            ("reader/normal.xls", NORMAL),
            ("resaved/digital-2012.xls", resaved),
        ] {
            let started = Instant::now();
            for _ in 0..1000 {
                black_box(read(black_box(bytes)).unwrap());
            }
            let ours = started.elapsed();
            let started = Instant::now();
            for _ in 0..1000 {
                let mut xls = Xls::new(std::io::Cursor::new(black_box(bytes))).unwrap();
                for sheet in xls.sheet_names() {
                    let range = xls.worksheet_range(&sheet).unwrap();
                    black_box(range.used_cells().count());
                }
            }
            let theirs = started.elapsed();
            println!("{name} ×1000: ours {ours:?}, calamine {theirs:?}");
        }
    }
}
