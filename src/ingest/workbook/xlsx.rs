//! xlsx / xlsm: our own reader over `zip` and `quick-xml`.
//!
//! Why not calamine (0.38, still used for .xls and by other code):
//!
//! * `Xlsx::new` reads `<sst uniqueCount="N">` in `xl/sharedStrings.xml`
//!   and calls `Vec::<String>::reserve(N)` before reading a single string.
//!   A 1.8 KB file declaring `uniqueCount="1000000000"` asks for 24 GB in one
//!   allocation; the allocation fails and the process aborts (SIGABRT), which
//!   no `catch_unwind` can contain, and the web server goes down with it.
//!   Upstream: tafia/calamine#684, "read_shared_strings reserves Vec<String>
//!   capacity from unbounded attacker-controlled uniqueCount"
//!   (<https://github.com/tafia/calamine/issues/684>, open, labelled
//!   `next_release`, when this reader was written). Its dense ranges abort
//!   the same way: tafia/calamine#693, "Range::from_sparse densifies without
//!   bound" (<https://github.com/tafia/calamine/issues/693>).
//! * It scored damaged files as if they were sound: it stops reading a part
//!   at the closing tag it wants, so the zip crate never reaches the end of
//!   the part where the CRC-32 is compared (a flipped bit silently changed a
//!   score); a shared-string cell whose index is `1E+15`, `-1`, `1.9`, ` 5`,
//!   `5abc`, `0x1` or 2^64 read string #0; malformed XML (a duplicated
//!   attribute) was accepted; 12.8 million empty `<c/>` took seconds.
//!
//! The rules here:
//!
//! * **No allocation is sized from a number the file declares.** `count`,
//!   `uniqueCount`, `<dimension>`, `spans` are never read. Memory grows only
//!   with what the bytes actually hold, each part's inflated size is bounded
//!   by the zip pre-scan (`detect::open_zip`), and the number of shared
//!   strings, cell formats, sheets, relationships, cells and cell elements
//!   is capped by [`Limits`].
//! * **Damaged files are refused, never scored.** Every part that is opened
//!   is inflated to its end and checked against its CRC-32 and size
//!   ([`CheckedPart`]) before it is parsed, so damage is reported as damage. XML must be well-formed:
//!   matching end tags, no duplicated attribute, no unknown entity, no DTD,
//!   nothing after the root element, nothing left open at the end. Cell
//!   values must be what a spreadsheet program writes (strict numbers,
//!   shared-string indexes in range, booleans 0/1), else the cell is named.
//! * **Not stricter than real files.** Excel, WPS, LibreOffice, openpyxl and
//!   rust_xlsxwriter files read as before (`tests/fixtures/workbooks`):
//!   namespace prefixes are ignored, cells and rows without `r` take the next
//!   position, part names are matched without regard to case.
//!
//! Dates, durations and percentages follow calamine 0.38 exactly (see
//! [`Styles`] and [`excel_datetime`]; `formats_read_as_calamine_reads_them`
//! and `fixtures_read_as_calamine_reads_them` compare the two readers),
//! because until now they came through calamine. Where we differ from
//! calamine on purpose:
//!
//! * `<t>` text is kept as written; calamine trims ASCII white space from a
//!   `<t>` without `xml:space="preserve"` (Excel and openpyxl add the
//!   attribute whenever the white space matters, so real files agree).
//! * Refused with the cell named, where calamine guessed: numbers outside
//!   XML's grammar (an untyped one became text), shared-string indexes that
//!   are not plain digits, booleans other than 0/1 (calamine also took
//!   `true`/`false`), `t="d"` values that are not ISO dates (text), a
//!   format index `s` that is not digits (format 0), an unknown `t`.
//! * Error cells keep any text (`#SPILL!`, `#CALC!`, …); calamine knew
//!   seven and refused the file for the others.
//! * A `<c>` whose `r` is outside the grid or names another row than its
//!   `<row>`, a row outside the grid: refused (calamine wrapped or took it).
//! * A sheet whose part is missing is refused only when it is wanted; a
//!   chart sheet reads as an empty sheet; the workbook part is found
//!   through `_rels/.rels`, else at `xl/workbook.xml`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{Cursor, Read};

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesStart, BytesText, Event};
use quick_xml::name::QName;
use quick_xml::{Reader as XmlReader, XmlVersion};
use zip::ZipArchive;

use super::detect::{CheckedPart, PartState};
use super::{
    CellValue, Limits, MergedRange, RecordBudget, SheetBuilder, TextBudget, Workbook,
    WorkbookError, WorkbookFormat, cell_problem, cell_ref, is_percent_format, parse_iso_datetime,
    short_name,
};
use crate::ingest::library_errors;

/// The Excel grid: rows 1..=1,048,576, columns A..=XFD.
const MAX_ROWS: u32 = 1 << 20;
const MAX_COLS: u32 = 1 << 14;

/// Element nesting deeper than this is refused. Real parts nest about ten
/// deep (extension lists included).
const MAX_DEPTH: usize = 128;

/// Reads the workbook in `zip`, an archive that passed the pre-scan
/// (`detect::open_zip`).
pub(super) fn read(
    zip: Archive<'_>,
    format: WorkbookFormat,
    wanted: &dyn Fn(&str) -> bool,
    merges: &dyn Fn(&str) -> bool,
    limits: &Limits,
) -> Result<Workbook, WorkbookError> {
    let mut pkg = Package::open(zip);
    let workbook_part = pkg.workbook_part(limits)?;
    let book = pkg.read_workbook(&workbook_part, limits)?;
    let rels = pkg
        .read_relationships(&rels_part_of(&workbook_part), limits)?
        .unwrap_or_default();
    let sheet_names: Vec<String> = book.sheets.iter().map(|s| s.name.clone()).collect();

    // Loaded when the first wanted sheet needs them.
    let mut strings: Option<SharedStrings> = None;
    let mut styles: Option<Styles> = None;
    let mut records = RecordBudget::new(limits);
    let mut budget = TextBudget::new(limits.max_text_bytes);
    let mut sheets = Vec::new();
    for (i, sheet) in book.sheets.iter().enumerate() {
        // A name listed twice (crafted files only) is read once.
        if !wanted(&sheet.name) || sheet_names[..i].contains(&sheet.name) {
            continue;
        }
        let strings = match &mut strings {
            Some(s) => &*s,
            None => strings.insert(pkg.read_shared_strings(&workbook_part, &rels, limits)?),
        };
        let styles = match &mut styles {
            Some(s) => &*s,
            None => styles.insert(pkg.read_styles(&workbook_part, &rels, limits)?),
        };
        let path = sheet_part(&workbook_part, &rels, sheet)?;
        let index = pkg.find(&path).ok_or_else(|| {
            WorkbookError::Corrupt(format!(
                "找不到工作表“{}”的部件“{}”",
                short_name(&sheet.name),
                short_name(&path)
            ))
        })?;
        let mut builder = SheetBuilder::new(&sheet.name, limits);
        let ctx = SheetContext {
            name: &sheet.name,
            strings,
            styles,
            date1904: book.date1904,
            keep_merges: merges(&sheet.name),
        };
        pkg.with_part(index, &path, |xml| {
            read_sheet(xml, &ctx, &mut builder, &mut records, &mut budget)
        })?;
        sheets.push(builder.finish());
    }
    Ok(Workbook {
        format,
        sheet_names,
        sheets,
    })
}

// ---------------------------------------------------------------------------
// The package: part names, relationships, the workbook part.

type Archive<'b> = ZipArchive<Cursor<&'b [u8]>>;

struct Package<'b> {
    zip: Archive<'b>,
    /// Part name as Excel compares them (lower case, `/` separators, no
    /// leading `/`) → entry index; `None` when two entries share the name.
    names: HashMap<String, Option<usize>>,
    /// The bytes of the part being parsed, reused from part to part.
    scratch: Vec<u8>,
}

/// A part's buffer starts at most this large and grows with what is
/// inflated; declared sizes are not trusted with an allocation.
const FIRST_PART_CAPACITY: u64 = 256 * 1024;

/// Inflates entry `index` into `out` (cleared first), read to its end and
/// checked against its CRC-32 and size.
fn inflate(
    zip: &mut Archive<'_>,
    index: usize,
    name: &str,
    out: &mut Vec<u8>,
) -> Result<(), WorkbookError> {
    out.clear();
    let mut part = CheckedPart::open(zip, index, name)?;
    let first = part.declared_size().min(FIRST_PART_CAPACITY);
    out.reserve(usize::try_from(first).unwrap_or(0));
    let read = part.read_to_end(out);
    match (read, part.state()) {
        (Ok(_), PartState::Sound) => Ok(()),
        (Err(e), _) => Err(part.damage_error(name).unwrap_or_else(|| {
            WorkbookError::Corrupt(format!(
                "部件“{}”无法解压（{}）",
                short_name(name),
                library_errors::io_text(&e)
            ))
        })),
        // `read_to_end` stops only at the end, where the state is decided.
        (Ok(_), _) => Err(part.damage_error(name).unwrap_or_else(|| {
            WorkbookError::Corrupt(format!("部件“{}”未读完", short_name(name)))
        })),
    }
}

struct Relationship {
    id: String,
    /// The last segment of the type URI ("worksheet", "sharedStrings"),
    /// the same for transitional and strict OOXML.
    kind: String,
    target: String,
    external: bool,
}

struct SheetEntry {
    name: String,
    rel_id: String,
}

struct WorkbookPart {
    sheets: Vec<SheetEntry>,
    date1904: bool,
}

fn part_key(name: &str) -> String {
    let name = name.replace('\\', "/");
    name.trim_start_matches('/').to_ascii_lowercase()
}

/// The folder of a part, with its trailing `/` ("xl/" for "xl/workbook.xml").
fn folder_of(part: &str) -> &str {
    match part.rfind('/') {
        Some(i) => part.get(..=i).unwrap_or_default(),
        None => "",
    }
}

/// "xl/workbook.xml" → "xl/_rels/workbook.xml.rels".
fn rels_part_of(part: &str) -> String {
    let folder = folder_of(part);
    let name = part.get(folder.len()..).unwrap_or_default();
    format!("{folder}_rels/{name}.rels")
}

/// Resolves a relationship target against the part that holds the
/// relationship: absolute (`/xl/x.xml`) or relative, with `.` and `..`
/// segments. `None` for a target that climbs above the package root.
fn resolve_target(source_part: &str, target: &str) -> Option<String> {
    let target = target.replace('\\', "/");
    let mut segments: Vec<&str> = Vec::new();
    let path = match target.strip_prefix('/') {
        Some(absolute) => absolute,
        None => {
            segments.extend(folder_of(source_part).split('/').filter(|s| !s.is_empty()));
            target.as_str()
        }
    };
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop()?;
            }
            s => segments.push(s),
        }
    }
    Some(segments.join("/"))
}

/// `%XX` escapes in a part name ("sheet%201.xml"), decoded; `None` if there
/// are none or they do not decode to text.
fn percent_decoded(name: &str) -> Option<String> {
    if !name.contains('%') {
        return None;
    }
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn sheet_part(
    workbook_part: &str,
    rels: &[Relationship],
    sheet: &SheetEntry,
) -> Result<String, WorkbookError> {
    let missing = || {
        WorkbookError::Corrupt(format!(
            "工作表“{}”的关系“{}”不存在",
            short_name(&sheet.name),
            short_name(&sheet.rel_id)
        ))
    };
    let rel = rels
        .iter()
        .find(|r| r.id == sheet.rel_id && !r.external)
        .ok_or_else(missing)?;
    resolve_target(workbook_part, &rel.target).ok_or_else(missing)
}

impl<'b> Package<'b> {
    fn open(zip: Archive<'b>) -> Self {
        let mut names: HashMap<String, Option<usize>> = HashMap::new();
        for (i, name) in zip.file_names().enumerate() {
            // A name that is not text cannot be a part we look for.
            let Ok(name) = name else { continue };
            if name.ends_with('/') {
                continue;
            }
            names
                .entry(part_key(&name))
                .and_modify(|slot| *slot = None)
                .or_insert(Some(i));
        }
        Package {
            zip,
            names,
            scratch: Vec::new(),
        }
    }

    /// The entry index of a part, looked up as Excel does (case-insensitive).
    fn find(&self, part: &str) -> Option<usize> {
        let key = part_key(part);
        match self.names.get(&key) {
            Some(slot) => *slot,
            None => percent_decoded(&key).and_then(|k| self.names.get(&k).copied().flatten()),
        }
    }

    /// Inflates a part whole, checks it against its CRC-32 and size, and
    /// runs `parse` over the sound bytes. Damage is found before any parser
    /// sees the part, so it is always reported as damage.
    ///
    /// The bytes are held at once rather than streamed: the pre-scan
    /// (`detect::open_zip`) has bounded every part's declared size, the
    /// zip crate inflates no further than that, and the buffer grows with
    /// the bytes actually inflated (it starts small, not at the declared
    /// size). Parsing a slice lets every event borrow from it instead of
    /// being copied through a reader and a buffer.
    fn with_part<T>(
        &mut self,
        index: usize,
        name: &str,
        parse: impl FnOnce(&mut Xml<'_>) -> Result<T, WorkbookError>,
    ) -> Result<T, WorkbookError> {
        let mut data = std::mem::take(&mut self.scratch);
        let inflated = inflate(&mut self.zip, index, name, &mut data);
        let parsed = inflated.and_then(|()| parse(&mut Xml::new(&data, name)));
        self.scratch = data;
        parsed
    }

    /// The workbook part: the officeDocument relationship of the package,
    /// else `xl/workbook.xml`.
    fn workbook_part(&mut self, limits: &Limits) -> Result<String, WorkbookError> {
        const DEFAULT: &str = "xl/workbook.xml";
        let rels = self.read_relationships("_rels/.rels", limits)?;
        let target = rels.iter().flatten().find_map(|r| {
            (r.kind == "officeDocument" && !r.external)
                .then(|| resolve_target("", &r.target))
                .flatten()
        });
        match target {
            Some(t) if self.find(&t).is_some() => Ok(t),
            _ if self.find(DEFAULT).is_some() => Ok(DEFAULT.to_string()),
            _ => Err(WorkbookError::Corrupt(
                "找不到工作簿部件（xl/workbook.xml）".to_string(),
            )),
        }
    }

    /// The relationships in a `.rels` part; `None` if the part is missing.
    fn read_relationships(
        &mut self,
        part: &str,
        limits: &Limits,
    ) -> Result<Option<Vec<Relationship>>, WorkbookError> {
        let Some(index) = self.find(part) else {
            return Ok(None);
        };
        // A real workbook has a few per sheet; the cap only stops absurd
        // counts.
        let limit = limits.max_sheets.saturating_mul(100);
        self.with_part(index, part, |xml| {
            let mut rels = Vec::new();
            loop {
                match xml.next()? {
                    Ev::Start { e, level: 2, .. } if local_name(&e) == "Relationship" => {
                        if rels.len() >= limit {
                            return Err(WorkbookError::TooComplex(format!(
                                "部件“{}”中的关系超过 {limit} 个",
                                short_name(part)
                            )));
                        }
                        let (Some(id), Some(kind), Some(target)) = (
                            xml.attr(&e, "Id")?,
                            xml.attr(&e, "Type")?,
                            xml.attr(&e, "Target")?,
                        ) else {
                            continue;
                        };
                        let external = xml.attr(&e, "TargetMode")?.as_deref() == Some("External");
                        rels.push(Relationship {
                            id: id.into_owned(),
                            kind: kind.rsplit('/').next().unwrap_or_default().to_string(),
                            target: target.into_owned(),
                            external,
                        });
                    }
                    Ev::Eof => return Ok(Some(rels)),
                    _ => {}
                }
            }
        })
    }

    /// Sheet names, their relationship ids and the date system.
    fn read_workbook(
        &mut self,
        part: &str,
        limits: &Limits,
    ) -> Result<WorkbookPart, WorkbookError> {
        let index = self
            .find(part)
            .ok_or_else(|| WorkbookError::Corrupt("找不到工作簿部件".to_string()))?;
        self.with_part(index, part, |xml| {
            let mut book = WorkbookPart {
                sheets: Vec::new(),
                date1904: false,
            };
            let mut in_sheets = false;
            loop {
                match xml.next()? {
                    Ev::Start { e, empty, level } => match (level, local_name(&e)) {
                        (2, "sheets") => in_sheets = !empty,
                        (3, "sheet") if in_sheets => {
                            if book.sheets.len() >= limits.max_sheets {
                                return Err(WorkbookError::TooManySheets {
                                    limit: limits.max_sheets,
                                });
                            }
                            let name = xml.attr(&e, "name")?.unwrap_or_default().into_owned();
                            if name.is_empty() {
                                return Err(xml.corrupt("工作表没有名称"));
                            }
                            match xml.attr(&e, "state")?.as_deref() {
                                None | Some("visible" | "hidden" | "veryHidden") => {}
                                Some(other) => {
                                    let msg = format!("工作表状态“{}”无效", short_name(other));
                                    return Err(xml.corrupt(&msg));
                                }
                            }
                            let rel_id = xml.attr_by_local_name(&e, "id")?.unwrap_or_default();
                            book.sheets.push(SheetEntry {
                                name,
                                rel_id: rel_id.into_owned(),
                            });
                        }
                        // `<x15:workbookPr>` in an extension list shares the
                        // name and has no date1904 (as calamine reads it).
                        (_, "workbookPr") => match xml.attr(&e, "date1904")?.as_deref() {
                            None => {}
                            Some("1" | "true") => book.date1904 = true,
                            Some("0" | "false") => book.date1904 = false,
                            Some(other) => {
                                let msg = format!("date1904 的值“{}”无效", short_name(other));
                                return Err(xml.corrupt(&msg));
                            }
                        },
                        _ => {}
                    },
                    Ev::End { level: 2 } => in_sheets = false,
                    Ev::Eof => return Ok(book),
                    _ => {}
                }
            }
        })
    }

    /// A part the workbook refers to by relationship type; where the
    /// relationship is missing, the usual name beside the workbook part
    /// (calamine looks only there).
    fn related_part(
        &self,
        workbook_part: &str,
        rels: &[Relationship],
        kind: &str,
        usual: &str,
    ) -> Option<(usize, String)> {
        let by_rel = rels
            .iter()
            .filter(|r| r.kind == kind && !r.external)
            .find_map(|r| resolve_target(workbook_part, &r.target));
        let path = by_rel.unwrap_or_else(|| format!("{}{usual}", folder_of(workbook_part)));
        self.find(&path).map(|i| (i, path))
    }

    fn read_shared_strings(
        &mut self,
        workbook_part: &str,
        rels: &[Relationship],
        limits: &Limits,
    ) -> Result<SharedStrings, WorkbookError> {
        let Some((index, path)) =
            self.related_part(workbook_part, rels, "sharedStrings", "sharedStrings.xml")
        else {
            return Ok(SharedStrings::default());
        };
        self.with_part(index, &path, |xml| read_shared_strings(xml, &path, limits))
    }

    fn read_styles(
        &mut self,
        workbook_part: &str,
        rels: &[Relationship],
        limits: &Limits,
    ) -> Result<Styles, WorkbookError> {
        let Some((index, path)) = self.related_part(workbook_part, rels, "styles", "styles.xml")
        else {
            return Ok(Styles::default());
        };
        self.with_part(index, &path, |xml| read_styles(xml, &path, limits))
    }
}

// ---------------------------------------------------------------------------
// Well-formed XML events.

/// A quick-xml reader over one part, already inflated and checked
/// ([`Package::with_part`]), adding what quick-xml leaves to its caller:
/// attribute syntax and duplicates, nesting depth, a single root element
/// with nothing after it, nothing left open at the end, known entities
/// only, no DTD. Events borrow from the part's bytes: nothing is copied
/// into a buffer first.
struct Xml<'d> {
    reader: XmlReader<&'d [u8]>,
    part: String,
    depth: usize,
    root: Root,
    /// Attributes of the last start tag, as positions in its
    /// `attributes_raw()`. Reused from tag to tag.
    attrs: Vec<AttrSpan>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Root {
    Before,
    Inside,
    After,
}

/// One event, already checked. `level` is the element's depth (the root
/// element is at level 1).
enum Ev<'e> {
    Start {
        e: BytesStart<'e>,
        empty: bool,
        level: usize,
    },
    End {
        level: usize,
    },
    Text(BytesText<'e>),
    /// A character or entity reference in text.
    Char(char),
    /// Comments, processing instructions, the XML declaration, white space
    /// outside the root.
    Other,
    Eof,
}

fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// An element's name without its namespace prefix (`x:c` → `c`). Names are
/// short; a plain scan beats a general string search here.
fn local_name<'a>(e: &'a BytesStart<'_>) -> &'a str {
    let name: &str = e.name().0;
    match name.bytes().rposition(|b| b == b':') {
        Some(i) => name.get(i + 1..).unwrap_or(name),
        None => name,
    }
}

impl<'d> Xml<'d> {
    fn new(data: &'d [u8], name: &str) -> Self {
        let mut reader = XmlReader::from_reader(data);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.check_comments = true;
        config.expand_empty_elements = false;
        config.allow_unmatched_ends = false;
        config.allow_dangling_amp = false;
        config.trim_text(false);
        Xml {
            reader,
            part: short_name(name),
            depth: 0,
            root: Root::Before,
            attrs: Vec::new(),
        }
    }

    /// A `Corrupt` error about this part at the current position.
    fn corrupt(&self, what: &str) -> WorkbookError {
        WorkbookError::Corrupt(format!(
            "部件“{}”有误：{what}（第 {} 字节处）",
            self.part,
            self.reader.buffer_position()
        ))
    }

    fn xml_error(&self, e: &quick_xml::Error) -> WorkbookError {
        let what = library_errors::xml(e);
        WorkbookError::Corrupt(format!(
            "部件“{}”不是有效的 XML：{what}（第 {} 字节处）",
            self.part,
            self.reader.error_position()
        ))
    }

    /// The next event. Start tags have their attributes checked and kept
    /// for [`Xml::attr`].
    fn next(&mut self) -> Result<Ev<'d>, WorkbookError> {
        let event = match self.reader.read_event() {
            Ok(event) => event,
            Err(e) => return Err(self.xml_error(&e)),
        };
        match event {
            Event::Start(e) => {
                self.open_element(&e)?;
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(self.corrupt("元素嵌套过深"));
                }
                Ok(Ev::Start {
                    e,
                    empty: false,
                    level: self.depth,
                })
            }
            Event::Empty(e) => {
                self.open_element(&e)?;
                if self.depth == 0 {
                    self.root = Root::After;
                }
                Ok(Ev::Start {
                    e,
                    empty: true,
                    level: self.depth + 1,
                })
            }
            Event::End(_) => {
                // quick-xml has matched it with its start tag.
                let level = self.depth;
                self.depth = self.depth.saturating_sub(1);
                if self.depth == 0 {
                    self.root = Root::After;
                }
                Ok(Ev::End { level })
            }
            Event::Text(t) => {
                if self.depth == 0 {
                    if !t.as_bytes().iter().all(|&b| is_xml_space(b)) {
                        return Err(self.corrupt("根元素之外有文字"));
                    }
                    return Ok(Ev::Other);
                }
                Ok(Ev::Text(t))
            }
            Event::CData(t) => {
                if self.depth == 0 {
                    return Err(self.corrupt("根元素之外有文字"));
                }
                Ok(Ev::Text(BytesText::from_escaped(t.into_inner())))
            }
            Event::GeneralRef(r) => {
                if self.depth == 0 {
                    return Err(self.corrupt("根元素之外有文字"));
                }
                match r.resolve_char_ref() {
                    Ok(Some(c)) => Ok(Ev::Char(c)),
                    Ok(None) => match quick_xml::escape::resolve_xml_entity(&r)
                        .and_then(|s| s.chars().next())
                    {
                        Some(c) => Ok(Ev::Char(c)),
                        None => {
                            let msg = format!("未知的实体“&{};”", short_name(&r));
                            Err(self.corrupt(&msg))
                        }
                    },
                    Err(e) => Err(self.xml_error(&e)),
                }
            }
            Event::DocType(_) => Err(self.corrupt("含有文档类型声明（DTD）")),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => Ok(Ev::Other),
            Event::Eof => {
                if self.root == Root::Before {
                    return Err(self.corrupt("没有根元素"));
                }
                if self.depth > 0 {
                    return Err(self.corrupt("文件在元素结束之前就结束了"));
                }
                Ok(Ev::Eof)
            }
        }
    }

    fn open_element(&mut self, e: &BytesStart<'_>) -> Result<(), WorkbookError> {
        if self.root == Root::After {
            return Err(self.corrupt("根元素之后还有内容"));
        }
        self.root = Root::Inside;
        if let Err(what) = scan_attributes(e.attributes_raw(), &mut self.attrs) {
            let msg = format!("元素 <{}> 的{what}", short_name(e.name().as_ref()));
            return Err(self.corrupt(&msg));
        }
        Ok(())
    }

    /// The attributes of `e`, which must be the element of the last
    /// [`Xml::next`]: (name, raw value), the value still escaped.
    fn attributes<'e>(&self, e: &'e BytesStart<'_>) -> impl Iterator<Item = (&'e str, &'e str)> {
        let raw = e.attributes_raw();
        self.attrs.iter().filter_map(move |a| {
            Some((raw.get(a.name.0..a.name.1)?, raw.get(a.value.0..a.value.1)?))
        })
    }

    /// The raw (still escaped) value of attribute `name` of `e`.
    fn raw_attr<'e>(&self, e: &'e BytesStart<'_>, name: &str) -> Option<&'e str> {
        self.attributes(e).find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The value of attribute `name`, entities resolved.
    fn attr<'e>(
        &self,
        e: &'e BytesStart<'_>,
        name: &str,
    ) -> Result<Option<Cow<'e, str>>, WorkbookError> {
        match self.raw_attr(e, name) {
            None => Ok(None),
            Some(raw) => self.unescape_attr(name, raw).map(Some),
        }
    }

    /// As [`Xml::attr`], matching `prefix:name` too (`r:id`).
    fn attr_by_local_name<'e>(
        &self,
        e: &'e BytesStart<'_>,
        local: &str,
    ) -> Result<Option<Cow<'e, str>>, WorkbookError> {
        let found = self.attributes(e).find_map(|(name, value)| {
            let name_local = name.rsplit(':').next().unwrap_or(name);
            (name_local == local).then_some(value)
        });
        match found {
            None => Ok(None),
            Some(value) => self.unescape_attr(local, value).map(Some),
        }
    }

    fn unescape_attr<'e>(&self, name: &str, raw: &'e str) -> Result<Cow<'e, str>, WorkbookError> {
        if !raw
            .bytes()
            .any(|b| matches!(b, b'&' | b'\t' | b'\r' | b'\n'))
        {
            return Ok(Cow::Borrowed(raw));
        }
        // The key is only carried along; a 'static one fits any lifetime.
        let attr = Attribute {
            key: QName("value"),
            value: Cow::Borrowed(raw),
        };
        attr.normalized_value(XmlVersion::Implicit1_0).map_err(|e| {
            let msg = format!(
                "属性 {} 的值无效（{}）",
                short_name(name),
                library_errors::xml(&e)
            );
            self.corrupt(&msg)
        })
    }
}

/// Where one attribute sits in a start tag's `attributes_raw()`: byte
/// offsets of its name and of its raw value, and the name's length and
/// first byte, compared first in the duplicate check.
#[derive(Debug, Clone, Copy)]
struct AttrSpan {
    name: (usize, usize),
    value: (usize, usize),
    key: usize,
}

/// Bytes that end an attribute name: white space, `=`, and the characters
/// no name may hold.
const NAME_END: [bool; 256] = {
    let mut table = [false; 256];
    let ends = b" \t\r\n=<>\"'&/";
    let mut i = 0;
    while i < ends.len() {
        table[ends[i] as usize] = true;
        i += 1;
    }
    table
};

/// Splits the attributes of a start tag (the text after its name) into
/// [`AttrSpan`]s, checking XML's syntax: white space before each attribute,
/// `name="value"` or `name='value'`, no `<` in a value, no name twice.
/// Called for every start tag, so it is written for speed: most tags have
/// no attributes or a few short ones.
fn scan_attributes(raw: &str, out: &mut Vec<AttrSpan>) -> Result<(), String> {
    out.clear();
    let b = raw.as_bytes();
    let mut i = 0;
    loop {
        let rest = b.get(i..).unwrap_or_default();
        let spaces = rest.iter().take_while(|&&c| is_xml_space(c)).count();
        if spaces == rest.len() {
            break;
        }
        if spaces == 0 {
            return Err("属性之间缺少空格".to_string());
        }
        i += spaces;
        let rest = b.get(i..).unwrap_or_default();
        let name_len = rest
            .iter()
            .position(|&c| NAME_END[usize::from(c)])
            .unwrap_or(rest.len());
        match rest.get(name_len) {
            Some(b'=' | b' ' | b'\t' | b'\r' | b'\n') if name_len > 0 => {}
            Some(b'=' | b' ' | b'\t' | b'\r' | b'\n') => return Err("属性名为空".to_string()),
            Some(_) => return Err("属性名无效".to_string()),
            None => return Err("属性缺少“=”".to_string()),
        }
        let name = (i, i + name_len);
        let first = rest.first().copied().unwrap_or(0);
        i += name_len;
        // `name="`, the usual case, without the general path.
        let quote = match b.get(i..i + 2) {
            Some([b'=', q @ (b'"' | b'\'')]) => {
                i += 2;
                *q
            }
            _ => {
                while b.get(i).copied().is_some_and(is_xml_space) {
                    i += 1;
                }
                if b.get(i) != Some(&b'=') {
                    return Err("属性缺少“=”".to_string());
                }
                i += 1;
                while b.get(i).copied().is_some_and(is_xml_space) {
                    i += 1;
                }
                match b.get(i) {
                    Some(&q @ (b'"' | b'\'')) => {
                        i += 1;
                        q
                    }
                    _ => return Err("属性值缺少引号".to_string()),
                }
            }
        };
        let rest = b.get(i..).unwrap_or_default();
        let len = match rest.iter().position(|&c| c == quote || c == b'<') {
            Some(len) if rest.get(len) == Some(&quote) => len,
            Some(_) => return Err("属性值含有“<”".to_string()),
            None => return Err("属性值未结束".to_string()),
        };
        out.push(AttrSpan {
            name,
            value: (i, i + len),
            key: (name_len << 8) | usize::from(first),
        });
        i += len + 1;
    }
    if out.len() > 1 {
        check_duplicates(b, out)?;
    }
    Ok(())
}

fn check_duplicates(b: &[u8], attrs: &[AttrSpan]) -> Result<(), String> {
    let name_of = |a: &AttrSpan| b.get(a.name.0..a.name.1).unwrap_or_default();
    // A few attributes are compared pairwise (length and first byte
    // first, the bytes only when those agree); many are sorted.
    let duplicate = if attrs.len() <= 16 {
        attrs.iter().enumerate().find_map(|(k, a)| {
            attrs
                .get(..k)?
                .iter()
                .any(|p| p.key == a.key && name_of(p) == name_of(a))
                .then(|| name_of(a))
        })
    } else {
        let mut names: Vec<&[u8]> = attrs.iter().map(name_of).collect();
        names.sort_unstable();
        names.windows(2).find_map(|w| match w {
            [a, b] if a == b => Some(*a),
            _ => None,
        })
    };
    match duplicate {
        Some(name) => Err(format!(
            "属性 {} 重复",
            short_name(&String::from_utf8_lossy(name))
        )),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------
// Text: rich text runs and Excel's `_xHHHH_` escapes.

/// Appends `s` to `out`, decoding Excel's `_xHHHH_` escapes (a UTF-16 code
/// unit in hex, as Excel writes control characters; `_x005F_` is an
/// escaped underscore). A surrogate pair of escapes makes one character; a
/// lone surrogate becomes U+FFFD. The same rules as calamine.
fn push_unescaped(out: &mut String, s: &str) {
    if !s.contains("_x") {
        out.push_str(s);
        return;
    }
    let mut rest = s;
    while let Some(at) = rest.find("_x") {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        match escape_unit(from) {
            Some(unit @ 0xD800..=0xDBFF) => {
                let after = from.get(7..).unwrap_or_default();
                match escape_unit(after) {
                    Some(low @ 0xDC00..=0xDFFF) => {
                        let c = 0x10000
                            + ((u32::from(unit) - 0xD800) << 10)
                            + (u32::from(low) - 0xDC00);
                        out.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                        rest = after.get(7..).unwrap_or_default();
                    }
                    _ => {
                        out.push(char::REPLACEMENT_CHARACTER);
                        rest = after;
                    }
                }
            }
            Some(unit) => {
                out.push(char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER));
                rest = from.get(7..).unwrap_or_default();
            }
            None => {
                out.push('_');
                rest = from.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
}

/// The code unit of an `_xHHHH_` escape at the start of `s`.
fn escape_unit(s: &str) -> Option<u16> {
    let b = s.as_bytes().get(..7)?;
    if !(b.starts_with(b"_x") && b.ends_with(b"_")) {
        return None;
    }
    let hex = b.get(2..6)?;
    if !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u16::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
}

/// Reads a string item (`<si>` or `<is>`, whose start tag at `level` was
/// just read) up to its end tag, appending its text to `out`: every `<t>`,
/// direct or inside `<r>` runs, except those of `<rPh>` phonetic runs. Text
/// is kept as written (white space included); `_xHHHH_` escapes are
/// decoded per `<t>`.
fn read_rich_text(
    xml: &mut Xml<'_>,
    level: usize,
    out: &mut String,
    scratch: &mut String,
) -> Result<(), WorkbookError> {
    let mut in_t: Option<usize> = None;
    let mut in_phonetic: Option<usize> = None;
    loop {
        match xml.next()? {
            Ev::Start { e, empty, level: l } => {
                if empty {
                    continue;
                }
                match local_name(&e) {
                    "rPh" if in_phonetic.is_none() => in_phonetic = Some(l),
                    "t" if in_phonetic.is_none() && in_t.is_none() => {
                        in_t = Some(l);
                        scratch.clear();
                    }
                    _ => {}
                }
            }
            Ev::Text(t) => {
                if in_t.is_some() {
                    scratch.push_str(&t.xml10_content());
                }
            }
            Ev::Char(c) => {
                if in_t.is_some() {
                    scratch.push(c);
                }
            }
            Ev::End { level: l } => {
                if in_t == Some(l) {
                    push_unescaped(out, scratch);
                    in_t = None;
                } else if in_phonetic == Some(l) {
                    in_phonetic = None;
                } else if l == level {
                    return Ok(());
                }
            }
            Ev::Other => {}
            Ev::Eof => return Err(xml.corrupt("字符串未结束")),
        }
    }
}

// ---------------------------------------------------------------------------
// Shared strings.

/// The shared string table, stored compactly: all text in one buffer and
/// the end offset of each entry.
#[derive(Default)]
struct SharedStrings {
    text: String,
    ends: Vec<u32>,
}

impl SharedStrings {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)? as usize;
        let start = match index.checked_sub(1) {
            Some(prev) => *self.ends.get(prev)? as usize,
            None => 0,
        };
        self.text.get(start..end)
    }
}

/// `count` and `uniqueCount` are never read: the table grows with the
/// `<si>` elements actually present, capped in number and in text.
fn read_shared_strings(
    xml: &mut Xml<'_>,
    part: &str,
    limits: &Limits,
) -> Result<SharedStrings, WorkbookError> {
    let mut table = SharedStrings::default();
    // The table's text is held once, whatever the cells do with it; it has
    // its own budget of the same size as the cells' text.
    let mut budget = TextBudget::new(limits.max_text_bytes);
    let mut scratch = String::new();
    loop {
        match xml.next()? {
            Ev::Start { e, empty, level: 2 } if local_name(&e) == "si" => {
                if table.len() >= limits.max_shared_strings {
                    return Err(WorkbookError::TooComplex(format!(
                        "部件“{}”中的共享字符串超过 {} 个",
                        short_name(part),
                        limits.max_shared_strings
                    )));
                }
                let before = table.text.len();
                if !empty {
                    read_rich_text(xml, 2, &mut table.text, &mut scratch)?;
                }
                budget.take(table.text.len() - before)?;
                let end =
                    u32::try_from(table.text.len()).map_err(|_| WorkbookError::TooMuchText {
                        limit: limits.max_text_bytes,
                    })?;
                table.ends.push(end);
            }
            Ev::Eof => return Ok(table),
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------
// Styles: per cell format (the `s` of a cell), percent and date.

const PERCENT: u8 = 1;
const DATE: u8 = 2;

/// Per cell format (`<cellXfs>` entry): percent and date flags.
#[derive(Default)]
struct Styles {
    flags: Vec<u8>,
}

impl Styles {
    fn flags(&self, index: usize) -> u8 {
        self.flags.get(index).copied().unwrap_or(0)
    }
}

fn read_styles(xml: &mut Xml<'_>, part: &str, limits: &Limits) -> Result<Styles, WorkbookError> {
    let too_many = |what: &str| {
        WorkbookError::TooComplex(format!(
            "部件“{}”中的{what}超过 {} 个",
            short_name(part),
            limits.max_styles
        ))
    };
    // numFmtId (as written) → format code.
    let mut custom: HashMap<String, String> = HashMap::new();
    let mut custom_count = 0usize;
    // The numFmtId of each cell format, as written.
    let mut xfs: Vec<Option<String>> = Vec::new();
    let mut in_num_fmts = false;
    let mut in_cell_xfs = false;
    loop {
        match xml.next()? {
            Ev::Start { e, empty, level } => match (level, local_name(&e)) {
                (2, "numFmts") => in_num_fmts = !empty,
                (2, "cellXfs") => in_cell_xfs = !empty,
                (3, "numFmt") if in_num_fmts => {
                    custom_count += 1;
                    if custom_count > limits.max_styles {
                        return Err(too_many("数字格式"));
                    }
                    if let (Some(id), Some(code)) =
                        (xml.attr(&e, "numFmtId")?, xml.attr(&e, "formatCode")?)
                    {
                        custom.insert(id.into_owned(), code.into_owned());
                    }
                }
                (3, "xf") if in_cell_xfs => {
                    if xfs.len() >= limits.max_styles {
                        return Err(too_many("单元格格式"));
                    }
                    xfs.push(xml.attr(&e, "numFmtId")?.map(Cow::into_owned));
                }
                _ => {}
            },
            Ev::End { level: 2 } => {
                in_num_fmts = false;
                in_cell_xfs = false;
            }
            Ev::Eof => break,
            _ => {}
        }
    }
    let flags = xfs
        .iter()
        .map(|id| {
            let Some(id) = id.as_deref() else { return 0 };
            let code = custom
                .get(id)
                .map(String::as_str)
                .or_else(|| parse_u32_digits(id).and_then(builtin_format_code));
            let percent = code.is_some_and(is_percent_format);
            let date = match custom.get(id) {
                Some(code) => date_kind_of_code(code),
                None => builtin_date_kind(id),
            } == DateKind::DateTime;
            (if percent { PERCENT } else { 0 }) | (if date { DATE } else { 0 })
        })
        .collect();
    Ok(Styles { flags })
}

/// Digits only (leading zeros allowed), fitting a u32: how calamine reads a
/// numFmtId to find a built-in format code.
fn parse_u32_digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.bytes().try_fold(0u32, |n, b| {
        n.checked_mul(10)?.checked_add(u32::from(b - b'0'))
    })
}

/// Built-in format codes that matter here (ECMA-376 18.8.30): the percent
/// ones. Others are neither percent nor read for dates (dates go by id).
fn builtin_format_code(id: u32) -> Option<&'static str> {
    match id {
        9 => Some("0%"),
        10 => Some("0.00%"),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateKind {
    Other,
    DateTime,
    /// `[h]:mm:ss` and the like: a duration, kept as a number.
    TimeDelta,
}

/// calamine 0.38 `formats::builtin_format_by_id`: built-in date formats,
/// by numFmtId exactly as written.
fn builtin_date_kind(id: &str) -> DateKind {
    match id {
        "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "22" | "45" | "47" => {
            DateKind::DateTime
        }
        // East Asian built-in formats (dates and clock times).
        "27" | "28" | "29" | "30" | "31" | "32" | "33" | "34" | "35" | "36" | "50" | "51"
        | "52" | "53" | "54" | "55" | "56" | "57" | "58" => DateKind::DateTime,
        "46" => DateKind::TimeDelta,
        _ => DateKind::Other,
    }
}

/// calamine 0.38 `formats::detect_custom_number_format`, rule for rule:
/// the first section only; quoted text, escaped characters and the
/// character after `_` or `*` skipped; a date/time letter outside brackets
/// makes a date; `[h]`, `[m]`, `[s]` (elapsed time) make a duration.
fn date_kind_of_code(format: &str) -> DateKind {
    let mut escaped = false;
    let mut is_quote = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut hms = false;
    let mut ap = false;
    for s in format.chars() {
        match (s, escaped, is_quote, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => is_quote = false,
            (_, _, true, _, _) => (),
            ('"', _, _, _, _) => is_quote = true,
            (';', ..) => return DateKind::Other,
            ('[', ..) => brackets += 1,
            (']', .., 1) if hms => return DateKind::TimeDelta,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return DateKind::DateTime,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return DateKind::DateTime;
            }
            _ => {
                if hms && s.eq_ignore_ascii_case(&prev) {
                    // still inside [hh], [mm], …
                } else {
                    hms = prev == '[' && matches!(s, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = s;
    }
    DateKind::Other
}

/// An Excel date serial as a date-time, exactly as `from_calamine` turns a
/// calamine date: serials outside Excel's calendar (0 ..= 9999-12-31, tested
/// before the 1904 shift) stay numbers; the 1904 system adds 1462 days;
/// serials below 60 get a day added (Excel's 1900 leap-year bug: serial 60
/// is the 29 February 1900 that never was); milliseconds are rounded.
fn excel_datetime(serial: f64, date1904: bool) -> Option<NaiveDateTime> {
    if !(serial.is_finite() && (0.0..2_958_466.0).contains(&serial)) {
        return None;
    }
    let days = if date1904 { serial + 1462.0 } else { serial };
    let days = if days >= 60.0 { days } else { days + 1.0 };
    let ms = (days * 86_400_000.0).round() as i64;
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_time(chrono::NaiveTime::MIN);
    epoch.checked_add_signed(TimeDelta::try_milliseconds(ms)?)
}

// ---------------------------------------------------------------------------
// Worksheets.

struct SheetContext<'s> {
    name: &'s str,
    strings: &'s SharedStrings,
    styles: &'s Styles,
    date1904: bool,
    keep_merges: bool,
}

impl SheetContext<'_> {
    fn bad_cell(&self, row: u32, col: u32, message: String) -> WorkbookError {
        WorkbookError::BadCell {
            sheet: short_name(self.name),
            cell: cell_ref(row, col),
            message,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CellType {
    Number,
    SharedString,
    FormulaString,
    InlineString,
    Bool,
    Error,
    Date,
}

/// Buffers for one cell's content, reused from cell to cell.
#[derive(Default)]
struct CellScratch {
    v: String,
    has_v: bool,
    inline: String,
    has_inline: bool,
    run: String,
}

/// A row number ("12") as a 0-based index inside the grid: digits, no
/// leading zero, 1..=1,048,576.
fn parse_row_number(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 7 || s.starts_with('0') {
        return None;
    }
    let n = parse_u32_digits(s)?;
    (1..=MAX_ROWS).contains(&n).then(|| n - 1)
}

/// "B12" → (11, 1), 0-based, inside the grid; letters in either case.
fn parse_cell_ref(s: &str) -> Option<(u32, u32)> {
    let letters = s.bytes().take_while(u8::is_ascii_alphabetic).count();
    if !(1..=3).contains(&letters) {
        return None;
    }
    let (col_text, row_text) = s.split_at(letters);
    let col = col_text.bytes().fold(0u32, |n, c| {
        n * 26 + u32::from(c.to_ascii_uppercase() - b'A') + 1
    });
    if col > MAX_COLS {
        return None;
    }
    Some((parse_row_number(row_text)?, col - 1))
}

/// "A1:C3" or "A1" as a merged range.
fn parse_range(s: &str) -> Option<MergedRange> {
    let (a, b) = match s.split_once(':') {
        Some((a, b)) => (parse_cell_ref(a)?, parse_cell_ref(b)?),
        None => {
            let a = parse_cell_ref(s)?;
            (a, a)
        }
    };
    Some(MergedRange {
        first_row: a.0.min(b.0),
        first_col: a.1.min(b.1),
        last_row: a.0.max(b.0),
        last_col: a.1.max(b.1),
    })
}

/// A shared string index: ASCII digits only (no sign, space, exponent or
/// fraction).
fn parse_index(s: &str) -> Option<usize> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.bytes().try_fold(0usize, |n, b| {
        n.checked_mul(10)?.checked_add(usize::from(b - b'0'))
    })
}

/// A number as XML Schema writes a double, finite: an optional sign,
/// digits with an optional fraction (at least one digit in all), an
/// optional exponent. No spaces, no `INF`/`NaN`, no hexadecimal.
fn parse_number(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits_from = i;
    let digits = |i: &mut usize| {
        let from = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - from
    };
    let int_digits = digits(&mut i);
    let mut plain = true;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        plain = false;
        i += 1;
        frac_digits = digits(&mut i);
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        plain = false;
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    // Whole numbers of up to 15 digits are exact as f64; skip the float
    // parser for them (most cells).
    if plain && int_digits <= 15 {
        let n = b
            .get(digits_from..)?
            .iter()
            .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
        let v = n as f64;
        return Some(if b.first() == Some(&b'-') { -v } else { v });
    }
    let v: f64 = s.parse().ok()?;
    v.is_finite().then_some(v)
}

/// Streams one worksheet: cells into `builder`, merged ranges where wanted.
/// Every `<row>` and `<c>` counts against `records`, empty ones too.
/// `<dimension>` and `spans` are ignored.
fn read_sheet(
    xml: &mut Xml<'_>,
    ctx: &SheetContext<'_>,
    builder: &mut SheetBuilder,
    records: &mut RecordBudget,
    budget: &mut TextBudget,
) -> Result<(), WorkbookError> {
    let mut scratch = CellScratch::default();
    let mut in_sheet_data = false;
    let mut in_merge_cells = false;
    // The row being read, and the last row seen (for rows without `r`).
    let mut row: Option<u32> = None;
    let mut last_row: Option<u32> = None;
    let mut next_col: u32 = 0;
    loop {
        match xml.next()? {
            Ev::Start { e, empty, level } => match (level, local_name(&e)) {
                (2, "sheetData") => in_sheet_data = !empty,
                (2, "mergeCells") => in_merge_cells = !empty,
                (3, "row") if in_sheet_data => {
                    records.tick(1)?;
                    let r = match xml.raw_attr(&e, "r") {
                        Some(r) => parse_row_number(r).ok_or_else(|| {
                            xml.corrupt(&format!("行号“{}”无效或超出表格范围", short_name(r)))
                        })?,
                        None => match last_row {
                            None => 0,
                            Some(r) if r + 1 < MAX_ROWS => r + 1,
                            Some(_) => return Err(xml.corrupt("行超出表格范围")),
                        },
                    };
                    last_row = Some(r);
                    next_col = 0;
                    row = (!empty).then_some(r);
                }
                (3, "c") if in_sheet_data => return Err(xml.corrupt("单元格不在行内")),
                (4, "c") => {
                    let Some(row) = row else { continue };
                    records.tick(1)?;
                    // Position, type and format, read before the cell's
                    // content replaces the attribute spans. They are taken
                    // as written: no writer escapes them.
                    let (mut r_attr, mut t_attr, mut s_attr) = (None, None, None);
                    for (name, value) in xml.attributes(&e) {
                        match name {
                            "r" => r_attr = Some(value),
                            "t" => t_attr = Some(value),
                            "s" => s_attr = Some(value),
                            _ => {}
                        }
                    }
                    let (r, c) = match r_attr {
                        Some(r) => {
                            let at = parse_cell_ref(r).ok_or_else(|| {
                                xml.corrupt(&format!(
                                    "单元格位置“{}”无效或超出表格范围",
                                    short_name(r)
                                ))
                            })?;
                            if at.0 != row {
                                return Err(xml.corrupt(&format!(
                                    "单元格“{}”不在它所在的第 {} 行",
                                    short_name(r),
                                    row + 1
                                )));
                            }
                            at
                        }
                        None if next_col < MAX_COLS => (row, next_col),
                        None => return Err(xml.corrupt("单元格超出表格范围")),
                    };
                    next_col = c + 1;
                    let kind = match t_attr {
                        None | Some("n") => CellType::Number,
                        Some("s") => CellType::SharedString,
                        Some("str") => CellType::FormulaString,
                        Some("inlineStr") => CellType::InlineString,
                        Some("b") => CellType::Bool,
                        Some("e") => CellType::Error,
                        Some("d") => CellType::Date,
                        Some(other) => {
                            return Err(ctx.bad_cell(
                                r,
                                c,
                                format!("单元格类型“{}”无效，文件可能已损坏", short_name(other)),
                            ));
                        }
                    };
                    let style = match s_attr {
                        None => None,
                        Some(s) => Some(parse_index(s).ok_or_else(|| {
                            ctx.bad_cell(
                                r,
                                c,
                                format!(
                                    "单元格格式编号无效（“{}”），文件可能已损坏",
                                    short_name(s)
                                ),
                            )
                        })?),
                    };
                    if empty {
                        continue;
                    }
                    read_cell_content(xml, level, &mut scratch)?;
                    if let Some(value) = cell_value(ctx, r, c, kind, style, &scratch, budget)? {
                        builder.push(r, c, value)?;
                    }
                }
                (3, "mergeCell") if in_merge_cells => {
                    let Some(reference) = xml.raw_attr(&e, "ref") else {
                        continue;
                    };
                    let range = parse_range(reference).ok_or_else(|| {
                        xml.corrupt(&format!("合并区域“{}”无效", short_name(reference)))
                    })?;
                    if ctx.keep_merges {
                        builder.push_merged(range)?;
                    }
                }
                _ => {}
            },
            Ev::End { level } => match level {
                2 => {
                    in_sheet_data = false;
                    in_merge_cells = false;
                }
                3 => row = None,
                _ => {}
            },
            Ev::Eof => return Ok(()),
            Ev::Text(_) | Ev::Char(_) | Ev::Other => {}
        }
    }
}

/// Reads a cell's children (its start tag at `level` was just read) up to
/// its end tag: the text of `<v>`, the text of `<is>`. `<f>` (the formula)
/// and anything else are walked over.
fn read_cell_content(
    xml: &mut Xml<'_>,
    level: usize,
    scratch: &mut CellScratch,
) -> Result<(), WorkbookError> {
    scratch.v.clear();
    scratch.has_v = false;
    scratch.inline.clear();
    scratch.has_inline = false;
    let mut in_v = false;
    loop {
        match xml.next()? {
            Ev::Start { e, empty, level: l } if l == level + 1 => match local_name(&e) {
                "v" => {
                    scratch.has_v = true;
                    in_v = !empty;
                }
                "is" => {
                    scratch.has_inline = true;
                    if !empty {
                        read_rich_text(xml, l, &mut scratch.inline, &mut scratch.run)?;
                    }
                }
                _ => {}
            },
            Ev::Text(t) if in_v => scratch.v.push_str(&t.xml10_content()),
            Ev::Char(c) if in_v => scratch.v.push(c),
            Ev::End { level: l } => {
                if l == level + 1 {
                    in_v = false;
                } else if l == level {
                    return Ok(());
                }
            }
            Ev::Eof => return Err(xml.corrupt("单元格未结束")),
            _ => {}
        }
    }
}

/// The value of a cell from its type, format and content; `None` for an
/// empty cell. Text is charged to the budget before it is copied.
fn cell_value(
    ctx: &SheetContext<'_>,
    row: u32,
    col: u32,
    kind: CellType,
    style: Option<usize>,
    cell: &CellScratch,
    budget: &mut TextBudget,
) -> Result<Option<CellValue>, WorkbookError> {
    let bad = |message: String| ctx.bad_cell(row, col, message);
    let text = |s: &str, budget: &mut TextBudget| -> Result<Option<CellValue>, WorkbookError> {
        if s.is_empty() {
            return Ok(None);
        }
        budget.take(s.len())?;
        Ok(Some(CellValue::Text(s.to_string())))
    };
    let v = cell.v.as_str();
    // An inline string, or (as calamine reads it) `<is>` in an untyped cell
    // without a value.
    if kind == CellType::InlineString
        || (kind == CellType::Number && cell.has_inline && !cell.has_v)
    {
        return text(&cell.inline, budget);
    }
    // `<v/>`, `<v></v>` or no `<v>`: an empty cell (openpyxl writes formulas
    // without a cached value so).
    if v.is_empty() {
        return Ok(None);
    }
    match kind {
        CellType::Number | CellType::InlineString => {
            let flags = ctx.styles.flags(style.unwrap_or(0));
            let value = parse_number(v)
                .ok_or_else(|| bad(format!("数值无效（“{}”），文件可能已损坏", short_name(v))))?;
            let number = CellValue::Number {
                value,
                percent_format: flags & PERCENT != 0,
            };
            // calamine applies a date format only to cells with an `s`. The
            // number is checked before a date format can turn it into a
            // date (4.9e-324 is not 1899-12-31); other numbers are checked
            // when the builder takes them.
            if style.is_some() && flags & DATE != 0 {
                if let Some(message) = cell_problem(&number) {
                    return Err(bad(message));
                }
                if let Some(d) = excel_datetime(value, ctx.date1904) {
                    return Ok(Some(CellValue::DateTime(d)));
                }
            }
            Ok(Some(number))
        }
        CellType::SharedString => {
            let index = parse_index(v).ok_or_else(|| {
                bad(format!(
                    "共享字符串编号无效（“{}”），文件可能已损坏",
                    short_name(v)
                ))
            })?;
            let s = ctx.strings.get(index).ok_or_else(|| {
                bad(format!(
                    "共享字符串编号 {index} 超出范围（共 {} 个），文件可能已损坏",
                    ctx.strings.len()
                ))
            })?;
            text(s, budget)
        }
        CellType::FormulaString => {
            let mut s = String::new();
            push_unescaped(&mut s, v);
            text(&s, budget)
        }
        CellType::Bool => match v {
            "0" => Ok(Some(CellValue::Bool(false))),
            "1" => Ok(Some(CellValue::Bool(true))),
            _ => Err(bad(format!(
                "逻辑值无效（“{}”），文件可能已损坏",
                short_name(v)
            ))),
        },
        CellType::Error => {
            budget.take(v.len())?;
            Ok(Some(CellValue::Error(v.to_string())))
        }
        CellType::Date => match parse_iso_datetime(v) {
            Some(d) => Ok(Some(CellValue::DateTime(d))),
            None => Err(bad(format!(
                "日期无效（“{}”），文件可能已损坏",
                short_name(v)
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    //! Crafted packages, built part by part with the zip writer.

    use super::super::tests::all;
    use super::super::{CellValue, Limits, MergedRange, WorkbookError, read_workbook};
    use super::*;
    use std::io::Write;
    use std::time::{Duration, Instant};
    use zip::write::SimpleFileOptions;

    const NS: &str = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;

    const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#;

    const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

    const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;

    /// Cell formats: 0 General, 1 percent (built-in 9), 2 date (built-in
    /// 14), 3 custom date, 4 custom percent, 5 duration, 6 custom text
    /// that only looks like a date.
    const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="4"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/><numFmt numFmtId="165" formatCode="0.0%"/><numFmt numFmtId="166" formatCode="[h]:mm"/><numFmt numFmtId="167" formatCode="&quot;day&quot;0"/></numFmts><cellXfs count="7"><xf numFmtId="0"/><xf numFmtId="9" applyNumberFormat="1"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="166"/><xf numFmtId="167"/></cellXfs></styleSheet>"#;

    fn workbook_xml(extra: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook {NS}>{extra}<sheets><sheet name="表1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        )
    }

    fn sheet_xml(sheet_data: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet {NS}><dimension ref="A1"/><sheetData>{sheet_data}</sheetData></worksheet>"#
        )
    }

    fn sst_xml(items: &[&str]) -> String {
        let mut s = format!(r#"<sst {NS} count="{0}" uniqueCount="{0}">"#, items.len());
        for item in items {
            s.push_str("<si>");
            s.push_str(item);
            s.push_str("</si>");
        }
        s.push_str("</sst>");
        s
    }

    /// An xlsx as a list of parts; any part can be replaced, removed or
    /// stored uncompressed before it is zipped.
    struct Pkg {
        parts: Vec<(String, Vec<u8>)>,
        stored: Vec<String>,
    }

    impl Pkg {
        fn new(sheet_data: &str) -> Self {
            Pkg {
                parts: vec![
                    ("[Content_Types].xml".into(), CONTENT_TYPES.into()),
                    ("_rels/.rels".into(), ROOT_RELS.into()),
                    ("xl/workbook.xml".into(), workbook_xml("").into()),
                    ("xl/_rels/workbook.xml.rels".into(), WORKBOOK_RELS.into()),
                    ("xl/styles.xml".into(), STYLES.into()),
                    (
                        "xl/sharedStrings.xml".into(),
                        sst_xml(&["<t>零</t>", "<t>一</t>"]).into(),
                    ),
                    (
                        "xl/worksheets/sheet1.xml".into(),
                        sheet_xml(sheet_data).into(),
                    ),
                ],
                stored: Vec::new(),
            }
        }

        fn set(mut self, name: &str, data: impl Into<Vec<u8>>) -> Self {
            let data = data.into();
            match self.parts.iter_mut().find(|(n, _)| n == name) {
                Some(part) => part.1 = data,
                None => self.parts.push((name.to_string(), data)),
            }
            self
        }

        fn remove(mut self, name: &str) -> Self {
            self.parts.retain(|(n, _)| n != name);
            self
        }

        fn stored(mut self, name: &str) -> Self {
            self.stored.push(name.to_string());
            self
        }

        fn build(&self) -> Vec<u8> {
            let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
            for (name, data) in &self.parts {
                let method = if self.stored.contains(name) {
                    zip::CompressionMethod::Stored
                } else {
                    zip::CompressionMethod::Deflated
                };
                let options = SimpleFileOptions::default().compression_method(method);
                zip.start_file(name.as_str(), options).unwrap();
                zip.write_all(data).unwrap();
            }
            zip.finish().unwrap().into_inner()
        }

        fn read(&self) -> Result<Workbook, WorkbookError> {
            read_workbook(&self.build(), &all, &Limits::default())
        }
    }

    fn number(value: f64) -> CellValue {
        CellValue::Number {
            value,
            percent_format: false,
        }
    }

    fn percent(value: f64) -> CellValue {
        CellValue::Number {
            value,
            percent_format: true,
        }
    }

    fn text(s: &str) -> CellValue {
        CellValue::Text(s.to_string())
    }

    fn datetime(s: &str) -> CellValue {
        CellValue::DateTime(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap())
    }

    /// ("表1!C3", message) of a `BadCell`.
    fn bad_cell(err: &WorkbookError) -> (String, &str) {
        match err {
            WorkbookError::BadCell {
                sheet,
                cell,
                message,
            } => (format!("{sheet}!{cell}"), message.as_str()),
            other => panic!("expected BadCell, got {other:?}"),
        }
    }

    fn corrupt(err: &WorkbookError) -> &str {
        match err {
            WorkbookError::Corrupt(m) => m.as_str(),
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }

    #[test]
    fn declared_counts_are_never_trusted() {
        // calamine reserves room for a billion strings here (24 GB) and the
        // process aborts; this test would not get to its end.
        let sst = format!(
            r#"<sst {NS} count="1000000000" uniqueCount="1000000000"><si><t>唯一</t></si></sst>"#
        );
        let wb = Pkg::new(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#)
            .set("xl/sharedStrings.xml", sst)
            .read()
            .unwrap();
        assert_eq!(wb.sheets[0].get(0, 0), Some(&text("唯一")));

        let sst =
            format!(r#"<sst {NS} uniqueCount="18446744073709551615"><si><t>x</t></si></sst>"#);
        let sheet = sheet_xml(r#"<row r="1" spans="1:16384"><c r="A1" t="s"><v>0</v></c></row>"#)
            .replace(
                r#"<dimension ref="A1"/>"#,
                r#"<dimension ref="A1:XFD1048576"/>"#,
            );
        let wb = Pkg::new("")
            .set("xl/sharedStrings.xml", sst)
            .set("xl/worksheets/sheet1.xml", sheet)
            .read()
            .unwrap();
        assert_eq!(wb.sheets[0].get(0, 0), Some(&text("x")));
    }

    #[test]
    fn shared_string_index_must_be_plain_digits() {
        for bad in [
            "1E+15",
            "-1",
            "1.9",
            " 5",
            "5abc",
            "0x1",
            "18446744073709551616",
            "+1",
            "5 ",
        ] {
            let data = format!(
                r#"<row r="3"><c r="B3" t="s"><v>0</v></c><c r="C3" t="s"><v>{bad}</v></c></row>"#
            );
            let err = Pkg::new(&data).read().unwrap_err();
            let (cell, message) = bad_cell(&err);
            assert_eq!(cell, "表1!C3", "{bad}");
            assert_eq!(
                message,
                format!("共享字符串编号无效（“{bad}”），文件可能已损坏"),
                "{bad}"
            );
        }
        let err = Pkg::new(r#"<row r="7"><c r="D7" t="s"><v>2</v></c></row>"#)
            .read()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "表1!D7：共享字符串编号 2 超出范围（共 2 个），文件可能已损坏"
        );
        // No shared strings part at all: every index is out of range.
        let err = Pkg::new(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#)
            .remove("xl/sharedStrings.xml")
            .read()
            .unwrap_err();
        assert_eq!(bad_cell(&err).0, "表1!A1");
        // Leading zeros are still digits.
        let wb = Pkg::new(r#"<row r="1"><c r="A1" t="s"><v>01</v></c></row>"#)
            .read()
            .unwrap();
        assert_eq!(wb.sheets[0].get(0, 0), Some(&text("一")));
    }

    #[test]
    fn a_flipped_byte_is_caught_by_the_crc() {
        let pkg = Pkg::new(r#"<row r="1"><c r="A1"><v>95</v></c></row>"#)
            .stored("xl/worksheets/sheet1.xml");
        let bytes = pkg.build();
        assert_eq!(
            read_workbook(&bytes, &all, &Limits::default())
                .unwrap()
                .sheets[0]
                .get(0, 0),
            Some(&number(95.0))
        );
        // 95 → 35: still well-formed, still a number; only the CRC knows.
        let at = bytes.windows(7).position(|w| w == b"<v>95</").unwrap() + 3;
        let mut damaged = bytes.clone();
        damaged[at] = b'3';
        let err = read_workbook(&damaged, &all, &Limits::default()).unwrap_err();
        assert_eq!(
            corrupt(&err),
            "部件“xl/worksheets/sheet1.xml”校验失败（CRC-32 不符），文件已损坏"
        );
        // A flip that also breaks the XML is reported as damage too.
        let at = bytes.windows(4).position(|w| w == b"<row").unwrap() + 1;
        let mut damaged = bytes.clone();
        damaged[at] = b'!';
        let err = read_workbook(&damaged, &all, &Limits::default()).unwrap_err();
        assert!(corrupt(&err).contains("CRC-32 不符"), "{err}");
        // So is a flip that makes a bad cell.
        let at = bytes.windows(7).position(|w| w == b"<v>95</").unwrap() + 3;
        let mut damaged = bytes.clone();
        damaged[at] = b'x';
        let err = read_workbook(&damaged, &all, &Limits::default()).unwrap_err();
        assert!(corrupt(&err).contains("CRC-32 不符"), "{err}");
    }

    #[test]
    fn damaged_small_parts_are_caught_too() {
        for part in [
            "xl/workbook.xml",
            "xl/sharedStrings.xml",
            "xl/styles.xml",
            "_rels/.rels",
        ] {
            let bytes = Pkg::new(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#)
                .stored(part)
                .build();
            // Change one letter inside a tag name everywhere it occurs in
            // the part: same length, still XML-shaped.
            let needle: &[u8] = match part {
                "xl/workbook.xml" => b"sheetId=\"1\"",
                "xl/sharedStrings.xml" => "零".as_bytes(),
                "xl/styles.xml" => b"numFmtId=\"9\"",
                _ => b"Id=\"rId1\"",
            };
            let at = bytes
                .windows(needle.len())
                .position(|w| w == needle)
                .unwrap();
            let mut damaged = bytes.clone();
            let last = at + needle.len() - 2;
            damaged[last] ^= 0x01;
            let err = read_workbook(&damaged, &all, &Limits::default()).unwrap_err();
            assert!(
                corrupt(&err).contains(&format!("部件“{part}”校验失败（CRC-32 不符）")),
                "{part}: {err}"
            );
        }
    }

    #[test]
    fn malformed_xml_is_refused() {
        let cases: &[(&str, &str)] = &[
            (
                r#"<row r="1"><c r="A1" r="B1"><v>1</v></c></row>"#,
                "属性 r 重复",
            ),
            (r#"<row r="1" r="2"/>"#, "属性 r 重复"),
            (
                r#"<row r="1"><c r="A1"><v>1</v></x></row>"#,
                "结束标签不匹配",
            ),
            (
                r#"<row r="1"><c r="A1"><v>1&nbsp;</v></c></row>"#,
                "未知的实体",
            ),
            (
                r#"<row r="1"><c r="A1" s=1><v>1</v></c></row>"#,
                "属性值缺少引号",
            ),
            (
                r#"<row r="1"><c r="A1"s="1"><v>1</v></c></row>"#,
                "属性之间缺少空格",
            ),
            (
                r#"<row r="1"><c r="A1" s="<"><v>1</v></c></row>"#,
                "属性值含有“<”",
            ),
        ];
        for (data, expected) in cases {
            let err = Pkg::new(data).read().unwrap_err();
            let message = corrupt(&err);
            assert!(message.contains("xl/worksheets/sheet1.xml"), "{message}");
            assert!(message.contains(expected), "{data}: {message}");
            assert!(message.contains("字节处"), "{message}");
        }
        let sheet = sheet_xml("");
        let unclosed = sheet.replace("</worksheet>", "");
        let after_root = format!("{sheet}<worksheet/>");
        let text_after_root = format!("{sheet}junk");
        let doctype = sheet.replace(
            "<worksheet ",
            "<!DOCTYPE worksheet [<!ENTITY x \"y\">]><worksheet ",
        );
        for (xml, expected) in [
            (unclosed, "文件在元素结束之前就结束了"),
            (after_root, "根元素之后还有内容"),
            (text_after_root, "根元素之外有文字"),
            (doctype, "DTD"),
            (String::new(), "没有根元素"),
        ] {
            let err = Pkg::new("")
                .set("xl/worksheets/sheet1.xml", xml)
                .read()
                .unwrap_err();
            assert!(corrupt(&err).contains(expected), "{err}");
        }
        // Malformed parts other than sheets are refused the same way.
        let err = Pkg::new("")
            .set(
                "xl/styles.xml",
                STYLES.replace(
                    r#"<xf numFmtId="0"/>"#,
                    r#"<xf numFmtId="0" numFmtId="9"/>"#,
                ),
            )
            .read()
            .unwrap_err();
        assert!(corrupt(&err).contains("xl/styles.xml"), "{err}");
        // Nesting is capped.
        let deep = format!("{}{}", "<x>".repeat(200), "</x>".repeat(200));
        let err = Pkg::new("")
            .set(
                "xl/worksheets/sheet1.xml",
                sheet_xml("").replace("<sheetData>", &deep),
            )
            .read()
            .unwrap_err();
        assert!(corrupt(&err).contains("嵌套过深"), "{err}");
    }

    #[test]
    fn numbers_must_be_what_a_spreadsheet_writes() {
        for bad in ["4.9e-324", "2.2e-308"] {
            let err = Pkg::new(&format!(r#"<row r="2"><c r="E2"><v>{bad}</v></c></row>"#))
                .read()
                .unwrap_err();
            let (cell, message) = bad_cell(&err);
            assert_eq!(cell, "表1!E2");
            assert!(message.starts_with("数值异常"), "{message}");
        }
        // A denormal with a date format is not turned into 1899-12-31.
        let err = Pkg::new(r#"<row r="2"><c r="E2" s="2"><v>4.9e-324</v></c></row>"#)
            .read()
            .unwrap_err();
        assert_eq!(bad_cell(&err).0, "表1!E2");
        for bad in [
            "1e400", "NaN", "INF", "-INF", " 1", "1 ", "0x10", "1,5", "1e", ".", "-", "1.2.3", "١",
        ] {
            let err = Pkg::new(&format!(r#"<row r="1"><c r="A1"><v>{bad}</v></c></row>"#))
                .read()
                .unwrap_err();
            let (cell, message) = bad_cell(&err);
            assert_eq!(cell, "表1!A1", "{bad}");
            assert!(
                message.starts_with("数值无效") || message.starts_with("数值过大"),
                "{bad}: {message}"
            );
        }
        let good = [
            ("0", 0.0),
            ("-0", 0.0),
            ("95", 95.0),
            ("+95", 95.0),
            ("007", 7.0),
            ("12.5", 12.5),
            (".5", 0.5),
            ("5.", 5.0),
            ("-1.25E+2", -125.0),
            ("330102001", 330_102_001.0),
            ("123456789012345678", 123_456_789_012_345_680.0),
            ("0.1", 0.1),
        ];
        for (v, expected) in good {
            let wb = Pkg::new(&format!(
                r#"<row r="1"><c r="A1" t="n"><v>{v}</v></c></row>"#
            ))
            .read()
            .unwrap();
            assert_eq!(wb.sheets[0].get(0, 0), Some(&number(expected)), "{v}");
        }
        for (v, expected) in [("1", true), ("0", false)] {
            let wb = Pkg::new(&format!(
                r#"<row r="1"><c r="A1" t="b"><v>{v}</v></c></row>"#
            ))
            .read()
            .unwrap();
            assert_eq!(wb.sheets[0].get(0, 0), Some(&CellValue::Bool(expected)));
        }
        for bad in ["true", "2", " 1"] {
            let err = Pkg::new(&format!(
                r#"<row r="1"><c r="A1" t="b"><v>{bad}</v></c></row>"#
            ))
            .read()
            .unwrap_err();
            assert!(bad_cell(&err).1.starts_with("逻辑值无效"), "{bad}");
        }
        let err = Pkg::new(r#"<row r="1"><c r="A1" t="x"><v>1</v></c></row>"#)
            .read()
            .unwrap_err();
        assert!(bad_cell(&err).1.starts_with("单元格类型“x”无效"));
        let err = Pkg::new(r#"<row r="1"><c r="A1" s="1x"><v>1</v></c></row>"#)
            .read()
            .unwrap_err();
        assert!(bad_cell(&err).1.starts_with("单元格格式编号无效"));
    }

    #[test]
    fn forbidden_characters_from_escapes_are_refused_with_the_cell() {
        let sst = sst_xml(&["<t>正常</t>", "<t>坏_x0000_字</t>"]);
        let pkg = Pkg::new(
            r#"<row r="4"><c r="A4" t="s"><v>0</v></c><c r="C4" t="s"><v>1</v></c></row>"#,
        )
        .set("xl/sharedStrings.xml", sst.clone());
        let err = pkg.read().unwrap_err();
        let (cell, message) = bad_cell(&err);
        assert_eq!(cell, "表1!C4");
        assert!(message.contains("不允许的字符"), "{message}");
        // An unused entry costs nothing.
        let wb = Pkg::new(r#"<row r="4"><c r="A4" t="s"><v>0</v></c></row>"#)
            .set("xl/sharedStrings.xml", sst)
            .read()
            .unwrap();
        assert_eq!(wb.sheets[0].get(3, 0), Some(&text("正常")));
        // Formula strings and inline strings are decoded the same way.
        for cell in [
            r#"<c r="B2" t="str"><f>A1</f><v>a_x0000_b</v></c>"#,
            r#"<c r="B2" t="inlineStr"><is><t>a_xFFFF_b</t></is></c>"#,
        ] {
            let err = Pkg::new(&format!(r#"<row r="2">{cell}</row>"#))
                .read()
                .unwrap_err();
            assert_eq!(bad_cell(&err).0, "表1!B2");
        }
    }

    #[test]
    fn escapes_and_rich_text() {
        let sst = sst_xml(&[
            // Runs with their formatting; a phonetic run and its properties.
            r#"<r><rPr><b/><sz val="11"/></rPr><t>杭州市</t></r><r><t xml:space="preserve"> 某某区 </t></r><rPh sb="0" eb="1"><t>ハンシュウ</t></rPh><phoneticPr fontId="1"/>"#,
            // Text kept as written, white space included, with or without
            // xml:space; entities and character references.
            "<t>  前后空格  </t>",
            "<t>A&amp;B &lt;C&gt; &#x4E2D;&#25991;</t>",
            // Excel's escapes: a line break, an escaped underscore, a
            // surrogate pair, a lone surrogate, a non-escape.
            "<t>一_x000D__x000A_二 _x005F_x0041_ _xD83D__xDCF7_ _xD800_ _x12_ _X0041_</t>",
            "",
            r#"<t/>"#,
            "<t><![CDATA[<不是标签>]]></t>",
            "<t>行1\r\n行2</t>",
        ]);
        let data = (1..=8)
            .map(|i| {
                format!(
                    r#"<row r="{i}"><c r="A{i}" t="s"><v>{}</v></c></row>"#,
                    i - 1
                )
            })
            .collect::<String>();
        let wb = Pkg::new(&data)
            .set("xl/sharedStrings.xml", sst)
            .read()
            .unwrap();
        let s = &wb.sheets[0];
        assert_eq!(s.get(0, 0), Some(&text("杭州市 某某区 ")));
        assert_eq!(s.get(1, 0), Some(&text("  前后空格  ")));
        assert_eq!(s.get(2, 0), Some(&text("A&B <C> 中文")));
        assert_eq!(
            s.get(3, 0),
            Some(&text("一\r\n二 _x0041_ \u{1F4F7} \u{FFFD} _x12_ _X0041_"))
        );
        assert_eq!(s.get(4, 0), None);
        assert_eq!(s.get(5, 0), None);
        assert_eq!(s.get(6, 0), Some(&text("<不是标签>")));
        assert_eq!(s.get(7, 0), Some(&text("行1\n行2")));

        let data = r#"<row r="1"><c r="A1" t="inlineStr"><is><r><t>内联</t></r><r><t>文字</t></r><rPh sb="0" eb="1"><t>x</t></rPh></is></c><c r="B1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c><c r="C1" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="D1" t="d"><v>2026-11-25T09:30:00</v></c></row>"#;
        let wb = Pkg::new(data).read().unwrap();
        let s = &wb.sheets[0];
        assert_eq!(s.get(0, 0), Some(&text("内联文字")));
        assert_eq!(s.get(0, 1), Some(&text("ab")));
        assert_eq!(s.get(0, 2), Some(&CellValue::Error("#DIV/0!".into())));
        assert_eq!(s.get(0, 3), Some(&datetime("2026-11-25 09:30:00")));
    }

    #[test]
    fn cells_and_rows_without_r_take_the_next_position() {
        let data = r#"<row><c><v>1</v></c><c><v>2</v></c><c r="E1"><v>5</v></c><c><v>6</v></c></row><row r="3"><c r="C3"><v>33</v></c><c><v>34</v></c></row><row><c><v>41</v></c></row><x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:c><x:v>51</x:v></x:c></x:row>"#;
        let wb = Pkg::new(data).read().unwrap();
        let s = &wb.sheets[0];
        assert_eq!(s.get(0, 0), Some(&number(1.0)));
        assert_eq!(s.get(0, 1), Some(&number(2.0)));
        assert_eq!(s.get(0, 4), Some(&number(5.0)));
        assert_eq!(s.get(0, 5), Some(&number(6.0)));
        assert_eq!(s.get(2, 2), Some(&number(33.0)));
        assert_eq!(s.get(2, 3), Some(&number(34.0)));
        assert_eq!(s.get(3, 0), Some(&number(41.0)));
        assert_eq!(s.get(4, 0), Some(&number(51.0)));
        assert_eq!(s.cell_count(), 8);

        // Positions outside the grid, or cells disagreeing with their row.
        for (data, expected) in [
            (
                r#"<row r="1"><c r="XFE1"><v>1</v></c></row>"#,
                "单元格位置“XFE1”无效",
            ),
            (r#"<row r="1048577"/>"#, "行号“1048577”无效"),
            (r#"<row r="0"/>"#, "行号“0”无效"),
            (
                r#"<row r="1"><c r="A0"><v>1</v></c></row>"#,
                "单元格位置“A0”无效",
            ),
            (
                r#"<row r="1"><c r="A01"><v>1</v></c></row>"#,
                "单元格位置“A01”无效",
            ),
            (
                r#"<row r="1"><c r="1A"><v>1</v></c></row>"#,
                "单元格位置“1A”无效",
            ),
            (
                r#"<row r="1"><c r="$A$1"><v>1</v></c></row>"#,
                "单元格位置“$A$1”无效",
            ),
            (
                r#"<row r="2"><c r="A1"><v>1</v></c></row>"#,
                "不在它所在的第 2 行",
            ),
            (r#"<row r="1048576"/><row/>"#, "行超出表格范围"),
            (
                r#"<row r="1"><c r="XFD1"/><c/></row>"#,
                "单元格超出表格范围",
            ),
            (r#"<c r="A1"><v>1</v></c>"#, "单元格不在行内"),
        ] {
            let err = Pkg::new(data).read().unwrap_err();
            assert!(corrupt(&err).contains(expected), "{data}: {err}");
        }
    }

    #[test]
    fn percent_and_date_formats() {
        let data = r#"<row r="1"><c r="A1" s="1"><v>0.85</v></c><c r="B1" s="4"><v>0.5</v></c><c r="C1" s="2"><v>46351.395833333336</v></c><c r="D1" s="3"><v>46351</v></c><c r="E1" s="5"><v>1.5</v></c><c r="F1" s="6"><v>3</v></c><c r="G1"><v>46351</v></c><c r="H1" s="2"><v>3000000</v></c><c r="I1" s="2"><v>-1</v></c><c r="J1" s="99"><v>7</v></c></row>"#;
        let wb = Pkg::new(data).read().unwrap();
        let s = &wb.sheets[0];
        assert_eq!(s.get(0, 0), Some(&percent(0.85)));
        assert_eq!(s.get(0, 1), Some(&percent(0.5)));
        assert_eq!(s.get(0, 2), Some(&datetime("2026-11-25 09:30:00")));
        assert_eq!(s.get(0, 3), Some(&datetime("2026-11-25 00:00:00")));
        // A duration, a text format with a "d" in quotes, no format, dates
        // outside Excel's calendar, a format index past the table.
        assert_eq!(s.get(0, 4), Some(&number(1.5)));
        assert_eq!(s.get(0, 5), Some(&number(3.0)));
        assert_eq!(s.get(0, 6), Some(&number(46351.0)));
        assert_eq!(s.get(0, 7), Some(&number(3_000_000.0)));
        assert_eq!(s.get(0, 8), Some(&number(-1.0)));
        assert_eq!(s.get(0, 9), Some(&number(7.0)));
    }

    #[test]
    fn dates_in_the_1900_and_1904_systems() {
        let data = r#"<row r="1"><c r="A1" s="2"><v>1</v></c><c r="B1" s="2"><v>59</v></c><c r="C1" s="2"><v>60</v></c><c r="D1" s="2"><v>61</v></c><c r="E1" s="2"><v>0.5</v></c><c r="F1" s="2"><v>44927</v></c></row>"#;
        let wb = Pkg::new(data).read().unwrap();
        let s = &wb.sheets[0];
        assert_eq!(s.get(0, 0), Some(&datetime("1900-01-01 00:00:00")));
        assert_eq!(s.get(0, 1), Some(&datetime("1900-02-28 00:00:00")));
        // Serial 60 is Excel's 29 February 1900, which never was.
        assert_eq!(s.get(0, 2), Some(&datetime("1900-02-28 00:00:00")));
        assert_eq!(s.get(0, 3), Some(&datetime("1900-03-01 00:00:00")));
        assert_eq!(s.get(0, 4), Some(&datetime("1899-12-31 12:00:00")));
        assert_eq!(s.get(0, 5), Some(&datetime("2023-01-01 00:00:00")));

        let wb = Pkg::new(data)
            .set(
                "xl/workbook.xml",
                workbook_xml(r#"<workbookPr date1904="1"/>"#),
            )
            .read()
            .unwrap();
        let s = &wb.sheets[0];
        assert_eq!(s.get(0, 0), Some(&datetime("1904-01-02 00:00:00")));
        assert_eq!(s.get(0, 5), Some(&datetime("2027-01-02 00:00:00")));
        let wb = Pkg::new(data)
            .set(
                "xl/workbook.xml",
                workbook_xml(r#"<workbookPr date1904="false"/>"#),
            )
            .read()
            .unwrap();
        assert_eq!(
            wb.sheets[0].get(0, 0),
            Some(&datetime("1900-01-01 00:00:00"))
        );
    }

    /// Dates, durations and percentages must come out exactly as they did
    /// through calamine (and `from_calamine`), for built-in formats and for
    /// custom format codes, in both date systems.
    #[test]
    fn formats_read_as_calamine_reads_them() {
        use calamine::Reader;
        let codes = [
            "General",
            "0",
            "0.00",
            "0%",
            "0.0%",
            "#,##0.00_);[Red](#,##0.00)",
            "@",
            "yyyy-mm-dd",
            "yyyy\"年\"m\"月\"d\"日\"",
            "[$-804]yyyy年m月d日",
            "[DBNum1][$-804]yyyy\"年\"m\"月\"d\"日\"",
            "yyyy/m/d h:mm",
            "h:mm AM/PM",
            "上午/下午h\"时\"mm\"分\"",
            "[h]:mm:ss",
            "[mm]:ss",
            "[s].000",
            "mm:ss.0",
            "[Red][<=100]0;0",
            "\"d\"0",
            "0\"天\"",
            "0_m",
            "0*d",
            "\\d0",
            "DD/MM/YY",
            "H:MM:SS;@",
            "#,##0\\ [$\\u20bd-46D]",
            "m\"M\"d\"D\";@",
            "ha/p\\\\m",
            "AM/PM",
            "a/p",
            "[>=100][Magenta][s].00",
            "[Blue]\\+[h]:mm;[Red]\\-[h]:mm",
            "0.00E+00",
            "# ?/?",
            "[$¥-804]#,##0.00",
            "e",
            "ggge\"年\"m\"月\"d\"日\"",
            "",
        ];
        let mut num_fmts = String::new();
        for (i, code) in codes.iter().enumerate() {
            let code = code
                .replace('&', "&amp;")
                .replace('"', "&quot;")
                .replace('<', "&lt;");
            num_fmts.push_str(&format!(
                r#"<numFmt numFmtId="{}" formatCode="{code}"/>"#,
                164 + i
            ));
        }
        // Built-in ids 0..=60 first, then every custom code, then ids as
        // oddly written as they may be.
        let mut ids: Vec<String> = (0..=60).map(|i| i.to_string()).collect();
        ids.extend((0..codes.len()).map(|i| (164 + i).to_string()));
        ids.extend(["014", "09", "x", "4294967296"].map(String::from));
        let xfs: String = ids
            .iter()
            .map(|id| format!(r#"<xf numFmtId="{id}"/>"#))
            .chain([r#"<xf/>"#.to_string()])
            .collect();
        let styles = format!(
            r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts>{num_fmts}</numFmts><cellXfs>{xfs}</cellXfs></styleSheet>"#
        );
        let values = [
            "0",
            "0.5",
            "1",
            "59",
            "59.999",
            "60",
            "60.5",
            "61",
            "1462",
            "45000.25",
            "46351.395833333336",
            "2958465.9999",
            "2958466",
            "-1",
            "-0.5",
            "1e10",
            "12",
        ];
        let mut data = String::new();
        for s in 0..=ids.len() {
            data.push_str(&format!(r#"<row r="{}">"#, s + 1));
            for (c, v) in values.iter().enumerate() {
                data.push_str(&format!(
                    r#"<c r="{}" s="{s}"><v>{v}</v></c>"#,
                    cell_ref(s as u32, c as u32)
                ));
            }
            data.push_str("</row>");
        }
        // And cells without a style at all.
        data.push_str(&format!(r#"<row r="{}">"#, ids.len() + 2));
        for (c, v) in values.iter().enumerate() {
            data.push_str(&format!(
                r#"<c r="{}"><v>{v}</v></c>"#,
                cell_ref(ids.len() as u32 + 1, c as u32)
            ));
        }
        data.push_str("</row>");
        for date1904 in [false, true] {
            let pr = if date1904 {
                r#"<workbookPr date1904="1"/>"#
            } else {
                ""
            };
            let bytes = Pkg::new(&data)
                .set("xl/styles.xml", styles.clone())
                .set("xl/workbook.xml", workbook_xml(pr))
                .build();
            let ours = read_workbook(&bytes, &all, &Limits::default()).unwrap();
            let ours = &ours.sheets[0];
            let mut xlsx = calamine::Xlsx::new(Cursor::new(bytes.as_slice())).unwrap();
            let mut cells = xlsx.worksheet_cells_reader("表1").unwrap();
            let percent: Vec<bool> = cells
                .styles()
                .iter()
                .map(|s| {
                    s.number_format
                        .as_ref()
                        .is_some_and(|f| is_percent_format(&f.format_code))
                })
                .collect();
            let mut compared = 0;
            while let Some((cell, style)) = cells.next_cell_with_style_id().unwrap() {
                let is_percent = percent.get(style).copied().unwrap_or(false);
                let mut budget = TextBudget::new(usize::MAX);
                let theirs =
                    super::super::from_calamine(cell.get_value(), is_percent, &mut budget).unwrap();
                let (r, c) = cell.get_position();
                assert_eq!(
                    ours.get(r, c),
                    theirs.as_ref(),
                    "row {r} col {c}, 1904: {date1904}"
                );
                compared += 1;
            }
            assert_eq!(compared, (ids.len() + 2) * values.len());
        }
    }

    #[test]
    fn excel_datetime_matches_calamine() {
        let mut seed = 1u64;
        let mut serials: Vec<f64> = vec![
            0.0,
            1.0,
            59.0,
            59.5,
            60.0,
            60.25,
            61.0,
            1461.0,
            1462.0,
            2_958_465.999_999,
            2_958_466.0,
            -1.0,
            -1e-9,
            1e-9,
        ];
        for _ in 0..20_000 {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            serials.push((seed >> 11) as f64 / (1u64 << 53) as f64 * 3_000_000.0 - 10.0);
        }
        for serial in serials {
            for date1904 in [false, true] {
                let dt = calamine::ExcelDateTime::new(
                    serial,
                    calamine::ExcelDateTimeType::DateTime,
                    date1904,
                );
                let in_calendar = (0.0..2_958_466.0).contains(&serial);
                let theirs = in_calendar.then(|| dt.as_datetime()).flatten();
                assert_eq!(
                    excel_datetime(serial, date1904),
                    theirs,
                    "{serial} {date1904}"
                );
            }
        }
    }

    #[test]
    fn parts_are_found_as_excel_finds_them() {
        // Absolute and relative targets with `..`, a workbook part not at
        // xl/workbook.xml, names in another case, backslashes, a chart sheet,
        // a hidden sheet, an unwanted sheet that is not even there.
        let workbook = format!(
            r#"<workbook {NS}><workbookPr/><sheets><sheet name="甲" sheetId="1" r:id="rId1"/><sheet name="图" sheetId="2" r:id="rId2"/><sheet name="乙" sheetId="3" state="hidden" r:id="rId3"/><sheet name="丙" sheetId="4" r:id="rId4"/><sheet name="A&amp;B" sheetId="5" r:id="rId5"/></sheets><definedNames><definedName name="x">甲!$A$1</definedName></definedNames></workbook>"#
        );
        let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/Book/Sheets/S1.XML"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/chartsheet" Target="../chart/c1.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="./sheets/../sheets/s2.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="sheets/missing.xml"/><Relationship Id="rId5" Type="http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet" Target="sheets\s3.xml"/><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="strings/sst.xml"/></Relationships>"#;
        let root_rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/book/main.xml"/></Relationships>"#;
        let bytes = Pkg::new("")
            .remove("xl/workbook.xml")
            .remove("xl/_rels/workbook.xml.rels")
            .remove("xl/worksheets/sheet1.xml")
            .remove("xl/sharedStrings.xml")
            .set("_rels/.rels", root_rels)
            .set(
                "[Content_Types].xml",
                CONTENT_TYPES.replace("/xl/workbook.xml", "/book/main.xml"),
            )
            .set("book/main.xml", workbook)
            .set("book/_rels/main.xml.rels", rels)
            .set("book/strings/sst.xml", sst_xml(&["<t>共享</t>"]))
            .set("book/sheets/s1.xml", sheet_xml(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#))
            .set("chart/c1.xml", r#"<chartsheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><drawing r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/></chartsheet>"#)
            .set("book/sheets/s2.xml", sheet_xml(r#"<row r="2"><c r="B2"><v>2</v></c></row>"#))
            .set("book/sheets/s3.xml", sheet_xml(r#"<row r="3"><c r="C3"><v>3</v></c></row>"#))
            .build();
        let wanted = |n: &str| n != "丙";
        let wb = read_workbook(&bytes, &wanted, &Limits::default()).unwrap();
        assert_eq!(wb.sheet_names, ["甲", "图", "乙", "丙", "A&B"]);
        let names: Vec<&str> = wb.sheets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["甲", "图", "乙", "A&B"]);
        assert_eq!(wb.sheets[0].get(0, 0), Some(&text("共享")));
        assert!(wb.sheets[1].is_empty());
        assert_eq!(wb.sheets[2].get(1, 1), Some(&number(2.0)));
        assert_eq!(wb.sheets[3].get(2, 2), Some(&number(3.0)));
        // A wanted sheet whose part is missing is an error.
        let err = read_workbook(&bytes, &all, &Limits::default()).unwrap_err();
        assert!(
            corrupt(&err).contains("找不到工作表“丙”的部件“book/sheets/missing.xml”"),
            "{err}"
        );

        // No package relationships: the usual place.
        let wb = Pkg::new(r#"<row r="1"><c r="A1"><v>1</v></c></row>"#)
            .remove("_rels/.rels")
            .read()
            .unwrap();
        assert_eq!(wb.sheets[0].get(0, 0), Some(&number(1.0)));
        // A sheet whose relationship is missing.
        let err = Pkg::new("")
            .set("xl/workbook.xml", workbook_xml("").replace("rId1", "rId7"))
            .read()
            .unwrap_err();
        assert!(corrupt(&err).contains("关系“rId7”不存在"), "{err}");
        // No styles part, no shared strings part: plain numbers.
        let wb = Pkg::new(r#"<row r="1"><c r="A1" s="1"><v>1</v></c></row>"#)
            .remove("xl/styles.xml")
            .remove("xl/sharedStrings.xml")
            .read()
            .unwrap();
        assert_eq!(wb.sheets[0].get(0, 0), Some(&number(1.0)));
    }

    #[test]
    fn merged_ranges_in_the_same_pass() {
        let sheet = sheet_xml(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#).replace(
            "</sheetData>",
            r#"</sheetData><mergeCells count="3"><mergeCell ref="A1:C1"/><mergeCell ref="E5:D2"/><mergeCell ref="F6"/></mergeCells>"#,
        );
        let bytes = Pkg::new("")
            .set("xl/worksheets/sheet1.xml", sheet.clone())
            .build();
        let wb = read_workbook(&bytes, &all, &Limits::default()).unwrap();
        assert_eq!(
            wb.sheets[0].merged(),
            [
                MergedRange {
                    first_row: 0,
                    first_col: 0,
                    last_row: 0,
                    last_col: 2
                },
                MergedRange {
                    first_row: 1,
                    first_col: 3,
                    last_row: 4,
                    last_col: 4
                },
            ]
        );
        let wb =
            super::super::read_workbook_with_merges(&bytes, &all, &|_| false, &Limits::default())
                .unwrap();
        assert!(wb.sheets[0].merged().is_empty());
        let bad = sheet.replace("E5:D2", "E5:D");
        let err = Pkg::new("")
            .set("xl/worksheets/sheet1.xml", bad)
            .read()
            .unwrap_err();
        assert!(corrupt(&err).contains("合并区域“E5:D”无效"), "{err}");
        let limits = Limits {
            max_merged: 1,
            ..Limits::default()
        };
        let err = read_workbook(&bytes, &all, &limits).unwrap_err();
        assert!(
            matches!(err, WorkbookError::TooManyMerged { .. }),
            "{err:?}"
        );
    }

    /// 12.8 million empty `<c/>` (51 MB of XML, a 43 KB zip): refused after
    /// `max_cell_records` (2,000,000) elements. calamine took 7.1 s of CPU
    /// over them. Release build on the project machine (2 cores, shared):
    /// refused after 0.11–0.17 s; 2 million `<c s="12" t="n" cm="1"/>` took
    /// 0.27–0.36 s, so the default of 2,000,000 stays. The assertion leaves
    /// room for debug builds.
    #[test]
    fn millions_of_empty_cells_are_refused_quickly() {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1));
        for (name, data) in [
            ("_rels/.rels", ROOT_RELS.to_string()),
            ("xl/workbook.xml", workbook_xml("")),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.to_string()),
        ] {
            zip.start_file(name, options).unwrap();
            zip.write_all(data.as_bytes()).unwrap();
        }
        zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
        zip.write_all(format!(r#"<worksheet {NS}><sheetData>"#).as_bytes())
            .unwrap();
        let row = format!("<row>{}</row>", "<c/>".repeat(16_000));
        for _ in 0..800 {
            zip.write_all(row.as_bytes()).unwrap();
        }
        zip.write_all(b"</sheetData></worksheet>").unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        assert!(bytes.len() < 1 << 20, "{} bytes", bytes.len());
        let started = Instant::now();
        let err = read_workbook(&bytes, &all, &Limits::default()).unwrap_err();
        let elapsed = started.elapsed();
        eprintln!("12.8 million <c/>: refused in {elapsed:?}");
        assert_eq!(err, WorkbookError::TooManyCellRecords { limit: 2_000_000 });
        assert!(elapsed < Duration::from_secs(30));
    }

    #[test]
    fn sheet_names_and_counts_are_capped() {
        let sheets: String = (1..=11)
            .map(|i| format!(r#"<sheet name="表{i}" sheetId="{i}" r:id="rId1"/>"#))
            .collect();
        let workbook = format!(r#"<workbook {NS}><sheets>{sheets}</sheets></workbook>"#);
        let limits = Limits {
            max_sheets: 10,
            ..Limits::default()
        };
        let bytes = Pkg::new("").set("xl/workbook.xml", workbook).build();
        let err = read_workbook(&bytes, &all, &limits).unwrap_err();
        assert_eq!(err, WorkbookError::TooManySheets { limit: 10 });

        let sst = sst_xml(&["<t>ab</t>"; 3]);
        let limits = Limits {
            max_text_bytes: 5,
            ..Limits::default()
        };
        let err = read_workbook(
            &Pkg::new("").set("xl/sharedStrings.xml", sst).build(),
            &all,
            &limits,
        )
        .unwrap_err();
        assert_eq!(err, WorkbookError::TooMuchText { limit: 5 });
    }

    /// Every xlsx fixture of the project (Excel-like files from openpyxl,
    /// LibreOffice resaves, rust_xlsxwriter) reads cell for cell as it did
    /// through calamine and `from_calamine`.
    #[test]
    fn fixtures_read_as_calamine_reads_them() {
        use calamine::Reader;
        let mut files = Vec::new();
        let mut folders = vec![std::path::PathBuf::from("tests/fixtures")];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|x| x == "xlsx" || x == "xlsm") {
                    files.push(path);
                }
            }
        }
        let mut compared = 0;
        for file in &files {
            let bytes = std::fs::read(file).unwrap();
            let Ok(mut xlsx) = calamine::Xlsx::new(Cursor::new(bytes.as_slice())) else {
                // Not a zip at all (broken-not-a-workbook.xlsx).
                assert!(read_workbook(&bytes, &all, &Limits::default()).is_err());
                continue;
            };
            let ours = read_workbook(&bytes, &all, &Limits::default()).unwrap();
            assert_eq!(ours.sheet_names, xlsx.sheet_names(), "{file:?}");
            for sheet in &ours.sheets {
                let mut cells = xlsx.worksheet_cells_reader(&sheet.name).unwrap();
                let percent: Vec<bool> = cells
                    .styles()
                    .iter()
                    .map(|s| {
                        s.number_format
                            .as_ref()
                            .is_some_and(|f| is_percent_format(&f.format_code))
                    })
                    .collect();
                let mut kept = 0;
                while let Some((cell, style)) = cells.next_cell_with_style_id().unwrap() {
                    let is_percent = percent.get(style).copied().unwrap_or(false);
                    let mut budget = TextBudget::new(usize::MAX);
                    let theirs =
                        super::super::from_calamine(cell.get_value(), is_percent, &mut budget)
                            .unwrap();
                    let (r, c) = cell.get_position();
                    assert_eq!(
                        sheet.get(r, c),
                        theirs.as_ref(),
                        "{file:?} {} {r} {c}",
                        sheet.name
                    );
                    kept += usize::from(theirs.is_some());
                }
                assert_eq!(sheet.cell_count(), kept, "{file:?} {}", sheet.name);
                compared += kept;
            }
        }
        assert!(
            files.len() >= 30 && compared > 10_000,
            "{} files, {compared} cells",
            files.len()
        );
    }

    #[test]
    fn helpers() {
        assert_eq!(
            resolve_target("xl/workbook.xml", "worksheets/sheet1.xml").as_deref(),
            Some("xl/worksheets/sheet1.xml")
        );
        assert_eq!(
            resolve_target("xl/workbook.xml", "/xl/a.xml").as_deref(),
            Some("xl/a.xml")
        );
        assert_eq!(
            resolve_target("xl/workbook.xml", "../a/./b.xml").as_deref(),
            Some("a/b.xml")
        );
        assert_eq!(resolve_target("xl/workbook.xml", "../../a.xml"), None);
        assert_eq!(
            resolve_target("", "xl/workbook.xml").as_deref(),
            Some("xl/workbook.xml")
        );
        assert_eq!(
            rels_part_of("xl/workbook.xml"),
            "xl/_rels/workbook.xml.rels"
        );
        assert_eq!(rels_part_of("workbook.xml"), "_rels/workbook.xml.rels");
        assert_eq!(
            percent_decoded("sheet%201.xml").as_deref(),
            Some("sheet 1.xml")
        );
        assert_eq!(percent_decoded("sheet%2.xml"), None);
        assert_eq!(parse_cell_ref("A1"), Some((0, 0)));
        assert_eq!(parse_cell_ref("xfd1048576"), Some((1_048_575, 16_383)));
        assert_eq!(parse_cell_ref("AAAA1"), None);
        assert_eq!(parse_cell_ref("A10485760"), None);
        assert_eq!(parse_cell_ref("A"), None);
        assert_eq!(parse_cell_ref("中1"), None);
        let mut attrs = Vec::new();
        assert!(scan_attributes(r#" a="1"  b='2' c = "3""#, &mut attrs).is_ok());
        assert_eq!(attrs.len(), 3);
        let many: String = (0..40).map(|i| format!(r#" a{i}="{i}""#)).collect();
        assert!(scan_attributes(&many, &mut attrs).is_ok());
        let dup = format!(r#"{many} a7="x""#);
        assert_eq!(
            scan_attributes(&dup, &mut attrs),
            Err("属性 a7 重复".to_string())
        );
        for bad in [r#" a"#, r#" a="1"#, r#" ="1""#, r#" a=1"#] {
            assert!(scan_attributes(bad, &mut attrs).is_err(), "{bad}");
        }
    }
}
