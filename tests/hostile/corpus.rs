//! The hostile corpus: workbooks and archives that lie about their sizes or
//! are damaged, each made from a valid self-check workbook by one lie (see
//! `tests/hostile/README.md` for the list and why each file is there).
//!
//! Everything is generated here, with no external tool: zip containers and
//! compound files are written by the small writers below, so each header
//! field can be made to lie exactly where wanted. Large decompressed parts
//! (tens of MB) are never compressed whole: a part made of repeated pieces
//! is deflated piece by piece, each distinct piece once, and the raw deflate
//! streams are joined (every piece but the last ends on a sync flush, so
//! they concatenate into one valid stream).
//!
//! Bases: the xlsx is nianjian's own filled self-check workbook
//! (`self_check_template`, as a unit would upload it); the xls and ods are
//! `tests/fixtures/workbooks/resaved/community-2013.{xls,ods}`, the same
//! workbook saved again by LibreOffice. [`controls`] writes each base
//! through the same writers, so a hostile file differs from a workbook that
//! scores only by its lie.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use nianjian::domain::random::SplitMix64;
use nianjian::ingest::checklists::Catalog;
use nianjian::reports::template::{Prefill, self_check_template};
use nianjian::service::demo;

/// What `nianjian score` (and an upload) must make of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Refused: exit 2 / HTTP 422 (for an archive: nothing in it accepted).
    Refused,
    /// Refused, and one problem names this cell ("自查评分!F5").
    RefusedWithCell(&'static str),
    /// Read and scored, or refused: either is fine, never a crash.
    ReadOrRefused,
}

#[derive(Clone, Debug)]
pub struct HostileFile {
    pub path: PathBuf,
    /// One line: what the file is.
    pub what: &'static str,
    pub expect: Expect,
}

impl HostileFile {
    /// A zip of workbooks (a bulk upload), for the server only.
    pub fn is_archive(&self) -> bool {
        self.path.extension().is_some_and(|e| e == "zip")
    }

    pub fn name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// The cell of 单位名称's value in 基本情况, and of item A1's 自评分.
const UNIT_NAME_CELL: &str = "基本情况!B3";
const SCORE_CELL: &str = "自查评分!F5";

const MIB: usize = 1024 * 1024;

/// Writes the corpus into `dir` and lists it.
pub fn build(dir: &Path) -> Vec<HostileFile> {
    let mut out = Out::new(dir);
    xlsx_files(&mut out);
    xls_files(&mut out);
    ods_files(&mut out);
    archive_files(&mut out);
    out.files
}

/// Writes the valid bases, rebuilt by this module's own zip and compound
/// file writers, into `dir`: each must be scored.
pub fn controls(dir: &Path) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).expect("create the controls folder");
    let files = [
        ("control.xlsx", xlsx(&base_xlsx())),
        (
            "control.xls",
            cfb(&CfbSpec::new(workbook_stream(&base_biff()))),
        ),
        ("control.ods", ods(&base_ods())),
    ];
    files
        .into_iter()
        .map(|(name, bytes)| {
            let path = dir.join(name);
            std::fs::write(&path, bytes).expect("write a control");
            path
        })
        .collect()
}

struct Out {
    dir: PathBuf,
    files: Vec<HostileFile>,
}

impl Out {
    fn new(dir: &Path) -> Out {
        std::fs::create_dir_all(dir).expect("create the corpus folder");
        Out {
            dir: dir.to_path_buf(),
            files: Vec::new(),
        }
    }

    fn add(&mut self, name: &str, what: &'static str, expect: Expect, bytes: Vec<u8>) {
        let path = self.dir.join(name);
        assert!(
            !self.files.iter().any(|f| f.path == path),
            "two corpus files named {name}"
        );
        std::fs::write(&path, bytes).expect("write a corpus file");
        self.files.push(HostileFile { path, what, expect });
    }
}

// ============================================================================
// zip: a writer whose every header field can be patched afterwards
// ============================================================================

/// A zip entry as written: its data already compressed (or stored).
#[derive(Clone)]
struct ZipEntry {
    name: Vec<u8>,
    /// 0 stored, 8 deflated.
    method: u16,
    data: Vec<u8>,
    crc: u32,
    size: u64,
}

impl ZipEntry {
    fn deflated(name: &str, content: &[u8]) -> ZipEntry {
        ZipEntry::pieces(name, &[(content, 1)])
    }

    fn stored(name: &str, content: &[u8]) -> ZipEntry {
        ZipEntry {
            name: name.as_bytes().to_vec(),
            method: 0,
            data: content.to_vec(),
            crc: crc32fast::hash(content),
            size: content.len() as u64,
        }
    }

    /// Deflated content made of `(piece, times)` in order, each distinct
    /// piece compressed once.
    fn pieces(name: &str, pieces: &[(&[u8], usize)]) -> ZipEntry {
        let mut data = Vec::new();
        let mut crc = crc32fast::Hasher::new();
        let mut size = 0u64;
        for &(piece, times) in pieces {
            if times == 0 {
                continue;
            }
            let compressed = deflate_raw(piece, false);
            let mut one = crc32fast::Hasher::new();
            one.update(piece);
            for _ in 0..times {
                data.extend_from_slice(&compressed);
                crc.combine(&one);
            }
            size += piece.len() as u64 * times as u64;
        }
        data.extend_from_slice(&deflate_raw(b"", true));
        ZipEntry {
            name: name.as_bytes().to_vec(),
            method: 8,
            data,
            crc: crc.finalize(),
            size,
        }
    }
}

/// Raw deflate of `data`: ended by a sync flush (a non-final block on a
/// byte boundary, so another stream can follow) or finished.
fn deflate_raw(data: &[u8], finish: bool) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress, Status};
    let mut c = Compress::new(Compression::new(6), false);
    let flush = if finish {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    let mut out = Vec::with_capacity(data.len() / 8 + 4096);
    loop {
        if out.capacity() - out.len() < 4096 {
            out.reserve(out.capacity().max(4096));
        }
        let consumed = c.total_in() as usize;
        let status = c
            .compress_vec(&data[consumed..], &mut out, flush)
            .expect("deflate");
        let all_in = c.total_in() as usize == data.len();
        let room_left = out.capacity() - out.len() > 0;
        match status {
            Status::StreamEnd => break,
            _ if !finish && all_in && room_left => break,
            _ => {}
        }
    }
    out
}

/// A written zip and where its headers are, for patching.
struct Zip {
    bytes: Vec<u8>,
    local: Vec<usize>,
    central: Vec<usize>,
    eocd: usize,
}

impl Zip {
    fn put_u16(&mut self, at: usize, v: u16) {
        self.bytes[at..at + 2].copy_from_slice(&v.to_le_bytes());
    }

    fn put_u32(&mut self, at: usize, v: u32) {
        self.bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    fn index(&self, entries: &[ZipEntry], name: &str) -> usize {
        entries
            .iter()
            .position(|e| e.name == name.as_bytes())
            .unwrap_or_else(|| panic!("no part {name}"))
    }

    /// Where the data of entry `i` starts.
    fn data_at(&self, i: usize) -> usize {
        let at = self.local[i];
        let name_len = u16::from_le_bytes([self.bytes[at + 26], self.bytes[at + 27]]) as usize;
        at + 30 + name_len
    }
}

fn write_zip(entries: &[ZipEntry]) -> Zip {
    let mut bytes = Vec::new();
    let mut local = Vec::new();
    let put16 = |b: &mut Vec<u8>, v: u16| b.extend_from_slice(&v.to_le_bytes());
    let put32 = |b: &mut Vec<u8>, v: u32| b.extend_from_slice(&v.to_le_bytes());
    let flags = |e: &ZipEntry| -> u16 { if e.name.is_ascii() { 0 } else { 1 << 11 } };
    for e in entries {
        local.push(bytes.len());
        put32(&mut bytes, 0x0403_4b50);
        put16(&mut bytes, 20);
        put16(&mut bytes, flags(e));
        put16(&mut bytes, e.method);
        put16(&mut bytes, 0); // time
        put16(&mut bytes, 0x21); // 1980-01-01
        put32(&mut bytes, e.crc);
        put32(&mut bytes, e.data.len() as u32);
        put32(&mut bytes, e.size as u32);
        put16(&mut bytes, e.name.len() as u16);
        put16(&mut bytes, 0);
        bytes.extend_from_slice(&e.name);
        bytes.extend_from_slice(&e.data);
    }
    let cd_start = bytes.len();
    let mut central = Vec::new();
    for (e, &offset) in entries.iter().zip(&local) {
        central.push(bytes.len());
        put32(&mut bytes, 0x0201_4b50);
        put16(&mut bytes, 20);
        put16(&mut bytes, 20);
        put16(&mut bytes, flags(e));
        put16(&mut bytes, e.method);
        put16(&mut bytes, 0);
        put16(&mut bytes, 0x21);
        put32(&mut bytes, e.crc);
        put32(&mut bytes, e.data.len() as u32);
        put32(&mut bytes, e.size as u32);
        put16(&mut bytes, e.name.len() as u16);
        put16(&mut bytes, 0); // extra
        put16(&mut bytes, 0); // comment
        put16(&mut bytes, 0); // disk
        put16(&mut bytes, 0); // internal attributes
        put32(&mut bytes, 0); // external attributes
        put32(&mut bytes, offset as u32);
        bytes.extend_from_slice(&e.name);
    }
    let cd_size = bytes.len() - cd_start;
    let eocd = bytes.len();
    put32(&mut bytes, 0x0605_4b50);
    put16(&mut bytes, 0);
    put16(&mut bytes, 0);
    put16(&mut bytes, entries.len() as u16);
    put16(&mut bytes, entries.len() as u16);
    put32(&mut bytes, cd_size as u32);
    put32(&mut bytes, cd_start as u32);
    put16(&mut bytes, 0);
    Zip {
        bytes,
        local,
        central,
        eocd,
    }
}

/// The parts of a zip, in order.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a base zip");
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).expect("a base part");
            let mut data = Vec::new();
            f.read_to_end(&mut data).expect("read a base part");
            (f.name().expect("a part name").to_string(), data)
        })
        .collect()
}

// ============================================================================
// xlsx
// ============================================================================

type Parts = Vec<(String, Vec<u8>)>;

const BASIC_SHEET: &str = "xl/worksheets/sheet1.xml";
const SCORES_SHEET: &str = "xl/worksheets/sheet3.xml";
const SHARED_STRINGS: &str = "xl/sharedStrings.xml";
const WORKBOOK: &str = "xl/workbook.xml";
const WORKBOOK_RELS: &str = "xl/_rels/workbook.xml.rels";
const STYLES: &str = "xl/styles.xml";

/// nianjian's self-check workbook, filled as a unit would fill it.
fn base_xlsx() -> Parts {
    static BASE: OnceLock<Parts> = OnceLock::new();
    BASE.get_or_init(make_base_xlsx).clone()
}

fn make_base_xlsx() -> Parts {
    let catalog = Catalog::embedded().expect("the built-in checklists");
    let checklist = catalog.get("community@2013").expect("community@2013");
    let mut rng = SplitMix64::new(1);
    let mut answers = demo::answers(checklist, 0.9, &mut rng);
    for key in ["loss_incident", "refused_inspection"] {
        if answers.inputs.contains_key(key) {
            answers
                .inputs
                .insert(key.into(), nianjian::domain::InputValue::YesNo(false));
        }
    }
    let bytes = self_check_template(
        checklist,
        &Prefill {
            unit_name: Some("小营巷社区".into()),
            unit_code: Some("330102001".into()),
            unit_kind: Some("社区".into()),
            street: Some("小营街道".into()),
            year: Some(2012),
            target_tier: Some(checklist.tiers[0].name.clone()),
            answers: Some(answers),
        },
    )
    .expect("the self-check workbook");
    let parts = unzip(&bytes);
    let workbook = text(&parts, WORKBOOK);
    let order: Vec<usize> = ["基本情况", "人财物投入", "自查评分"]
        .iter()
        .map(|n| workbook.find(&format!("name=\"{n}\"")).expect("a sheet"))
        .collect();
    assert!(
        order.is_sorted(),
        "sheets 1-3 are 基本情况, 人财物投入, 自查评分"
    );
    parts
}

fn part<'p>(parts: &'p Parts, name: &str) -> &'p Vec<u8> {
    &parts
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no part {name}"))
        .1
}

fn text(parts: &Parts, name: &str) -> String {
    String::from_utf8(part(parts, name).clone()).expect("an XML part")
}

fn set(parts: &mut Parts, name: &str, content: Vec<u8>) {
    match parts.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = content,
        None => parts.push((name.to_string(), content)),
    }
}

/// The base with one part's text changed.
fn edited(name: &str, change: impl FnOnce(String) -> String) -> Parts {
    let mut parts = base_xlsx();
    let changed = change(text(&parts, name));
    set(&mut parts, name, changed.into_bytes());
    parts
}

/// `from` replaced once, and it must be there.
fn replace_once(s: &str, from: &str, to: &str) -> String {
    assert!(s.contains(from), "{from:?} not found");
    s.replacen(from, to, 1)
}

/// The whole `<c r="REF" …>…</c>` (or `<c r="REF" …/>`) element.
fn cell_span(xml: &str, reference: &str) -> (usize, usize) {
    let start = xml
        .find(&format!("<c r=\"{reference}\""))
        .unwrap_or_else(|| panic!("no cell {reference}"));
    let tag_end = start + xml[start..].find('>').expect("a cell tag") + 1;
    if xml[..tag_end].ends_with("/>") {
        return (start, tag_end);
    }
    let end = tag_end + xml[tag_end..].find("</c>").expect("a cell end") + 4;
    (start, end)
}

/// The cell's element with its `<v>` replaced.
fn with_value(xml: &str, reference: &str, value: &str) -> String {
    let (start, end) = cell_span(xml, reference);
    let cell = &xml[start..end];
    let v = cell.find("<v>").expect("a value") + 3;
    let v_end = cell.find("</v>").expect("a value end");
    let new = format!("{}{value}{}", &cell[..v], &cell[v_end..]);
    format!("{}{new}{}", &xml[..start], &xml[end..])
}

/// Before `</sheetData>`.
fn before_sheet_data_end(xml: &str, insert: &str) -> String {
    replace_once(xml, "</sheetData>", &format!("{insert}</sheetData>"))
}

fn xlsx(parts: &Parts) -> Vec<u8> {
    let entries: Vec<ZipEntry> = parts
        .iter()
        .map(|(n, d)| ZipEntry::deflated(n, d))
        .collect();
    write_zip(&entries).bytes
}

/// The base's parts as zip entries, one of them replaced by `entry`.
fn xlsx_with_entry(entry: ZipEntry) -> Vec<u8> {
    let name = String::from_utf8(entry.name.clone()).expect("a part name");
    let entries: Vec<ZipEntry> = base_xlsx()
        .iter()
        .map(|(n, d)| {
            if *n == name {
                entry.clone()
            } else {
                ZipEntry::deflated(n, d)
            }
        })
        .collect();
    write_zip(&entries).bytes
}

/// The base zipped with every part stored, and where each part's data is.
fn stored_xlsx() -> (Zip, Vec<ZipEntry>) {
    let entries: Vec<ZipEntry> = base_xlsx()
        .iter()
        .map(|(n, d)| ZipEntry::stored(n, d))
        .collect();
    (write_zip(&entries), entries)
}

/// The sheet split around `</sheetData>`: (head, tail).
fn split_sheet(parts: &Parts, name: &str) -> (String, String) {
    let xml = text(parts, name);
    let at = xml.find("</sheetData>").expect("sheetData");
    (xml[..at].to_string(), xml[at..].to_string())
}

fn xlsx_files(out: &mut Out) {
    use Expect::*;
    let sst = |count: &str| {
        xlsx(&edited(SHARED_STRINGS, |s| {
            let start = s.find("<sst ").expect("<sst");
            let end = start + s[start..].find('>').expect("sst tag");
            format!(
                "{}<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"{count}\" uniqueCount=\"{count}\"{}",
                &s[..start],
                &s[end..]
            )
        }))
    };
    out.add(
        "xlsx-sst-count-1e9.xlsx",
        "sharedStrings declares count and uniqueCount 1,000,000,000 (it holds ~300)",
        ReadOrRefused,
        sst("1000000000"),
    );
    out.add(
        "xlsx-sst-count-2e64.xlsx",
        "sharedStrings declares count and uniqueCount 2^64-1",
        ReadOrRefused,
        sst("18446744073709551615"),
    );

    let scores = |change: &dyn Fn(String) -> String| xlsx(&edited(SCORES_SHEET, change));
    out.add(
        "xlsx-dimension-whole-grid.xlsx",
        "自查评分 declares <dimension ref=\"A1:XFD1048576\">",
        ReadOrRefused,
        scores(&|s| {
            replace_once(
                &s,
                "<dimension ref=\"A1:G70\"/>",
                "<dimension ref=\"A1:XFD1048576\"/>",
            )
        }),
    );
    out.add(
        "xlsx-corner-cells.xlsx",
        "自查评分 holds cells at A1 and XFD1048576 (a dense grid would be 17 billion cells)",
        ReadOrRefused,
        scores(&|s| {
            before_sheet_data_end(
                &s,
                "<row r=\"1048576\"><c r=\"XFD1048576\"><v>1</v></c></row>",
            )
        }),
    );
    out.add(
        "xlsx-cell-beyond-columns.xlsx",
        "自查评分 row 1 holds a cell at XFE1, past the last column",
        Refused,
        scores(&|s| {
            let (_, end) = cell_span(&s, "G1");
            format!("{}<c r=\"XFE1\"><v>1</v></c>{}", &s[..end], &s[end..])
        }),
    );
    out.add(
        "xlsx-cell-beyond-rows.xlsx",
        "自查评分 holds a row and cell at A1048577, past the last row",
        Refused,
        scores(&|s| {
            before_sheet_data_end(
                &s,
                "<row r=\"1048577\"><c r=\"A1048577\"><v>1</v></c></row>",
            )
        }),
    );
    out.add(
        "xlsx-row-zero.xlsx",
        "自查评分 holds a row and cell at A0 (rows count from 1)",
        Refused,
        scores(&|s| {
            replace_once(
                &s,
                "<sheetData>",
                "<sheetData><row r=\"0\"><c r=\"A0\"><v>1</v></c></row>",
            )
        }),
    );
    out.add(
        "xlsx-row-spans.xlsx",
        "every row of 自查评分 declares spans=\"1:16384\"",
        ReadOrRefused,
        scores(&|s| s.replace("spans=\"1:7\"", "spans=\"1:16384\"")),
    );

    let styles = |from: &str, to: &str| {
        let (from, to) = (from.to_string(), to.to_string());
        xlsx(&edited(STYLES, move |s| {
            let start = s.find(&from).unwrap_or_else(|| panic!("no {from}"));
            let value = start + from.len();
            let end = value + s[value..].find('"').expect("a count");
            format!("{}{to}{}", &s[..value], &s[end..])
        }))
    };
    out.add(
        "xlsx-styles-cellxfs-count.xlsx",
        "styles.xml declares <cellXfs count=\"1000000000\">",
        ReadOrRefused,
        styles("<cellXfs count=\"", "1000000000"),
    );
    out.add(
        "xlsx-styles-numfmts-count.xlsx",
        "styles.xml declares <numFmts count=\"1000000000\">",
        ReadOrRefused,
        styles("<numFmts count=\"", "1000000000"),
    );
    out.add(
        "xlsx-styles-fonts-count.xlsx",
        "styles.xml declares <fonts count=\"4294967296\">",
        ReadOrRefused,
        styles("<fonts count=\"", "4294967296"),
    );
    out.add(
        "xlsx-mergecells-count.xlsx",
        "基本情况 declares <mergeCells count=\"1000000000\"> (it holds 2)",
        ReadOrRefused,
        xlsx(&edited(BASIC_SHEET, |s| {
            replace_once(
                &s,
                "<mergeCells count=\"2\">",
                "<mergeCells count=\"1000000000\">",
            )
        })),
    );
    {
        // 200,000 real merges of empty cells in 基本情况 (twice the
        // per-sheet limit), each distinct.
        let mut merges = String::with_capacity(200_000 * 28);
        for r in 1..=200_000u32 {
            merges.push_str(&format!("<mergeCell ref=\"E{r}:F{r}\"/>"));
        }
        out.add(
            "xlsx-200000-merges.xlsx",
            "基本情况 holds 200,000 real merged ranges",
            ReadOrRefused,
            xlsx(&edited(BASIC_SHEET, |s| {
                let s = replace_once(
                    &s,
                    "<mergeCells count=\"2\">",
                    "<mergeCells count=\"200002\">",
                );
                replace_once(&s, "</mergeCells>", &format!("{merges}</mergeCells>"))
            })),
        );
    }
    {
        let mut sheets = String::with_capacity(100_000 * 50);
        for i in 4..100_004u32 {
            sheets.push_str(&format!(
                "<sheet name=\"S{i}\" sheetId=\"{i}\" r:id=\"rId{i}\"/>"
            ));
        }
        out.add(
            "xlsx-100000-sheets.xlsx",
            "workbook.xml lists 100,000 <sheet> entries (their parts do not exist)",
            Refused,
            xlsx(&edited(WORKBOOK, |s| {
                replace_once(&s, "</sheets>", &format!("{sheets}</sheets>"))
            })),
        );
    }
    let rels_target = |target: &str| {
        let target = target.to_string();
        xlsx(&edited(WORKBOOK_RELS, move |s| {
            replace_once(
                &s,
                "Target=\"worksheets/sheet3.xml\"",
                &format!("Target=\"{target}\""),
            )
        }))
    };
    out.add(
        "xlsx-rels-self.xlsx",
        "the relationship of 自查评分 points at workbook.xml.rels itself",
        Refused,
        rels_target("_rels/workbook.xml.rels"),
    );
    out.add(
        "xlsx-rels-missing.xlsx",
        "the relationship of 自查评分 points at a part that is not there",
        Refused,
        rels_target("worksheets/sheet9.xml"),
    );
    out.add(
        "xlsx-rels-etc-passwd.xlsx",
        "the relationship of 自查评分 points at ../../../etc/passwd",
        Refused,
        rels_target("../../../etc/passwd"),
    );
    out.add(
        "xlsx-rels-absolute.xlsx",
        "the relationship of 自查评分 points at /etc/passwd",
        Refused,
        rels_target("/etc/passwd"),
    );

    // Shared-string indexes that are not indexes, in the cell of 单位名称.
    let sst_index: [(&str, &'static str, &str); 8] = [
        ("1e15", "单位名称 refers to shared string 1E+15", "1E+15"),
        ("minus-1", "单位名称 refers to shared string -1", "-1"),
        ("fraction", "单位名称 refers to shared string 1.9", "1.9"),
        ("space", "单位名称 refers to shared string \" 5\"", " 5"),
        ("suffix", "单位名称 refers to shared string 5abc", "5abc"),
        ("hex", "单位名称 refers to shared string 0x1", "0x1"),
        (
            "2e64",
            "单位名称 refers to shared string 2^64",
            "18446744073709551616",
        ),
        (
            "past-table",
            "单位名称 refers to shared string 100000 (the table holds ~300)",
            "100000",
        ),
    ];
    for (slug, what, index) in sst_index {
        out.add(
            &format!("xlsx-sst-index-{slug}.xlsx"),
            what,
            RefusedWithCell(UNIT_NAME_CELL),
            xlsx(&edited(BASIC_SHEET, |s| with_value(&s, "B3", index))),
        );
    }

    {
        // Stored parts, so that one changed byte is a changed character
        // only the CRC-32 can notice. Without that check both files would
        // be scored, with a wrong score or a wrong style.
        let (mut zip, entries) = stored_xlsx();
        let i = zip.index(&entries, SCORES_SHEET);
        let at = zip.data_at(i);
        let xml = std::str::from_utf8(&entries[i].data).expect("xml");
        let (start, end) = cell_span(xml, "F5");
        let one = xml[start..end].find("<v>1</v>").expect("F5 holds 1") + start + 3;
        zip.bytes[at + one] = b'0';
        out.add(
            "xlsx-crc-digit.xlsx",
            "自查评分!F5 changed from 1 to 0 after zipping (stored part, CRC-32 mismatch)",
            Refused,
            zip.bytes,
        );

        let (mut zip, entries) = stored_xlsx();
        let i = zip.index(&entries, BASIC_SHEET);
        let at = zip.data_at(i);
        let xml = std::str::from_utf8(&entries[i].data).expect("xml");
        let (start, _) = cell_span(xml, "B9");
        let s = xml[start..].find(" s=\"").expect("a style") + start + 4;
        zip.bytes[at + s] ^= 0x01;
        out.add(
            "xlsx-crc-bit-flip.xlsx",
            "one bit flipped in the cell of 基本情况 申报等级 after zipping (CRC-32 mismatch)",
            Refused,
            zip.bytes,
        );
    }

    out.add(
        "xlsx-duplicate-attribute.xlsx",
        "自查评分!F5 carries its r attribute twice (<c r=\"F5\" r=\"F6\">)",
        Refused,
        scores(&|s| replace_once(&s, "<c r=\"F5\"", "<c r=\"F5\" r=\"F6\"")),
    );
    out.add(
        "xlsx-unclosed-cell.xlsx",
        "自查评分!F5 is never closed (its </c> is missing)",
        Refused,
        scores(&|s| {
            let (_, end) = cell_span(&s, "F5");
            assert_eq!(&s[end - 4..end], "</c>");
            format!("{}{}", &s[..end - 4], &s[end..])
        }),
    );
    out.add(
        "xlsx-truncated-sheet.xlsx",
        "自查评分 ends inside <sheetData> (the rest of the part is missing)",
        Refused,
        scores(&|s| s[..s.find("</sheetData>").expect("sheetData")].to_string()),
    );
    out.add("xlsx-truncated-zip.xlsx", "the zip cut in half", Refused, {
        let bytes = xlsx(&base_xlsx());
        bytes[..bytes.len() / 2].to_vec()
    });

    let numbers: [(&str, &'static str, &str); 5] = [
        ("subnormal", "自查评分!F5 holds <v>4.9e-324</v>", "4.9e-324"),
        ("inf", "自查评分!F5 holds <v>inf</v>", "inf"),
        ("nan", "自查评分!F5 holds <v>NaN</v>", "NaN"),
        ("1e400", "自查评分!F5 holds <v>1e400</v>", "1e400"),
        (
            "minus-inf",
            "自查评分!F5 holds <v>-Infinity</v>",
            "-Infinity",
        ),
    ];
    for (slug, what, value) in numbers {
        out.add(
            &format!("xlsx-number-{slug}.xlsx"),
            what,
            RefusedWithCell(SCORE_CELL),
            scores(&|s| with_value(&s, "F5", value)),
        );
    }
    out.add(
        "xlsx-x0000-escape.xlsx",
        "the shared string of 单位名称 holds _x0000_ (an escaped NUL)",
        RefusedWithCell(UNIT_NAME_CELL),
        xlsx(&edited(SHARED_STRINGS, |s| {
            replace_once(&s, "<t>小营巷社区</t>", "<t>小营巷_x0000_社区</t>")
        })),
    );

    {
        // 782 rows of 16,384 empty <c/> after the last row: 12.8 million
        // cell elements, 51 MB of XML, about 100 KB zipped.
        let base = base_xlsx();
        let (head, tail) = split_sheet(&base, SCORES_SHEET);
        let mut row = String::from("<row>");
        row.push_str(&"<c/>".repeat(16_384));
        row.push_str("</row>");
        let entry = ZipEntry::pieces(
            SCORES_SHEET,
            &[
                (head.as_bytes(), 1),
                (row.as_bytes(), 782),
                (tail.as_bytes(), 1),
            ],
        );
        out.add(
            "xlsx-12m-empty-cells.xlsx",
            "自查评分 holds 12.8 million empty <c/> elements (51 MB of XML)",
            Refused,
            xlsx_with_entry(entry),
        );
    }
    {
        // 17 shared strings of 3 MiB: 51 MiB of text, about 50 KB zipped.
        let base = base_xlsx();
        let s = text(&base, SHARED_STRINGS);
        let end = s.find("</sst>").expect("</sst>");
        let a = vec![b'a'; MIB];
        let mut pieces: Vec<(&[u8], usize)> = vec![(&s.as_bytes()[..end], 1)];
        for _ in 0..17 {
            pieces.push((b"<si><t>", 1));
            pieces.push((&a, 3));
            pieces.push((b"</t></si>", 1));
        }
        pieces.push((b"</sst>", 1));
        out.add(
            "xlsx-sst-bomb.xlsx",
            "17 shared strings of 3 MiB each (51 MiB of text, a bomb)",
            Refused,
            xlsx_with_entry(ZipEntry::pieces(SHARED_STRINGS, &pieces)),
        );
    }
    {
        // One 3 MiB shared string referenced by every text cell of the
        // kept sheets: copied into each, about 1 GB.
        let mut parts = base_xlsx();
        let s = text(&parts, SHARED_STRINGS);
        let unique: usize = {
            let at = s.find("uniqueCount=\"").expect("uniqueCount") + 13;
            s[at..at + s[at..].find('"').expect("count")]
                .parse()
                .expect("a count")
        };
        let long = "长".repeat(MIB);
        let s = replace_once(&s, "</sst>", &format!("<si><t>{long}</t></si></sst>"));
        set(&mut parts, SHARED_STRINGS, s.into_bytes());
        for sheet in [BASIC_SHEET, "xl/worksheets/sheet2.xml", SCORES_SHEET] {
            let xml = text(&parts, sheet);
            let mut changed = String::with_capacity(xml.len());
            let mut rest = xml.as_str();
            while let Some(at) = rest.find("t=\"s\"><v>") {
                let v = at + 9;
                let end = v + rest[v..].find("</v>").expect("a value");
                changed.push_str(&rest[..v]);
                changed.push_str(&unique.to_string());
                rest = &rest[end..];
            }
            changed.push_str(rest);
            set(&mut parts, sheet, changed.into_bytes());
        }
        out.add(
            "xlsx-one-string-everywhere.xlsx",
            "every text cell refers to one 3 MiB shared string (about 1 GB if copied into each)",
            Refused,
            xlsx(&parts),
        );
    }
    {
        // 1,000,000 nested elements between two rows of 自查评分.
        let base = base_xlsx();
        let xml = text(&base, SCORES_SHEET);
        let (_, end) = {
            let start = xml.find("<row r=\"4\"").expect("row 4");
            let end = start + xml[start..].find("</row>").expect("row end") + 6;
            (start, end)
        };
        let open = "<x>".repeat(10_000);
        let close = "</x>".repeat(10_000);
        let entry = ZipEntry::pieces(
            SCORES_SHEET,
            &[
                (&xml.as_bytes()[..end], 1),
                (open.as_bytes(), 100),
                (close.as_bytes(), 100),
                (&xml.as_bytes()[end..], 1),
            ],
        );
        out.add(
            "xlsx-deep-nesting.xlsx",
            "1,000,000 nested elements between two rows of 自查评分",
            ReadOrRefused,
            xlsx_with_entry(entry),
        );
    }

    {
        let base = base_xlsx();
        let entries: Vec<ZipEntry> = base.iter().map(|(n, d)| ZipEntry::deflated(n, d)).collect();
        let mut zip = write_zip(&entries);
        let i = zip.index(&entries, SCORES_SHEET);
        let (at, csize, size) = (zip.local[i], entries[i].data.len(), entries[i].size);
        zip.put_u32(at + 18, csize as u32 / 2);
        zip.put_u32(at + 22, size as u32 * 3);
        out.add(
            "xlsx-local-central-disagree.xlsx",
            "the local header of 自查评分 declares other sizes than the central directory",
            ReadOrRefused,
            zip.bytes,
        );

        let mut zip = write_zip(&entries);
        let at = zip.central[i];
        zip.put_u32(at + 24, 4_000_000_000);
        out.add(
            "xlsx-central-4gb.xlsx",
            "the central directory declares 4 GB for 自查评分",
            Refused,
            zip.bytes,
        );

        let mut zip = write_zip(&entries);
        let at = zip.eocd;
        zip.put_u16(at + 8, u16::MAX);
        zip.put_u16(at + 10, u16::MAX);
        out.add(
            "xlsx-eocd-65535-entries.xlsx",
            "the end of central directory declares 65,535 entries (there are 12)",
            Refused,
            zip.bytes,
        );

        let mut dup = entries.clone();
        let j = dup
            .iter()
            .position(|e| e.name == SCORES_SHEET.as_bytes())
            .expect("sheet3");
        let other = edited(SCORES_SHEET, |s| with_value(&s, "F5", "0"));
        dup.push(ZipEntry::deflated(SCORES_SHEET, part(&other, SCORES_SHEET)));
        assert!(j < dup.len() - 1);
        out.add(
            "xlsx-duplicate-part.xlsx",
            "自查评分 is in the zip twice, with different scores",
            Refused,
            write_zip(&dup).bytes,
        );
    }

    {
        let mut parts = base_xlsx();
        let ct = text(&parts, "[Content_Types].xml");
        let ct = replace_once(
            &ct,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        );
        let ct = replace_once(
            &ct,
            "<Default Extension=\"xml\"",
            "<Default Extension=\"bin\" ContentType=\"application/vnd.ms-office.vbaProject\"/><Default Extension=\"xml\"",
        );
        set(&mut parts, "[Content_Types].xml", ct.into_bytes());
        let rels = text(&parts, WORKBOOK_RELS);
        let rels = replace_once(
            &rels,
            "</Relationships>",
            "<Relationship Id=\"rId99\" Type=\"http://schemas.microsoft.com/office/2006/relationships/vbaProject\" Target=\"vbaProject.bin\"/></Relationships>",
        );
        set(&mut parts, WORKBOOK_RELS, rels.into_bytes());
        // A macro project is a compound file; this one holds a stream of
        // source text that is never read, let alone run.
        let vba = cfb(&CfbSpec::new(
            b"Attribute VB_Name = \"ThisWorkbook\"\r\nSub Workbook_Open()\r\n  Shell \"calc.exe\"\r\nEnd Sub\r\n"
                .repeat(64),
        ));
        set(&mut parts, "xl/vbaProject.bin", vba);
        out.add(
            "xlsm-macro.xlsm",
            "an xlsm: vbaProject.bin and the macro-enabled content type (macros never run)",
            ReadOrRefused,
            xlsx(&parts),
        );
    }
}

// ============================================================================
// Compound files (CFB, version 3) and BIFF
// ============================================================================

const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const FREESECT: u32 = 0xFFFF_FFFF;
const FATSECT: u32 = 0xFFFF_FFFD;
const NOSTREAM: u32 = 0xFFFF_FFFF;
const SECTOR: usize = 512;

/// What goes into a compound file: a Workbook stream (regular sectors),
/// one small stream (the mini stream), and free sectors at the end.
struct CfbSpec {
    stream_name: &'static str,
    stream: Vec<u8>,
    small: Vec<u8>,
    free_sectors: usize,
}

impl CfbSpec {
    fn new(stream: Vec<u8>) -> CfbSpec {
        CfbSpec {
            stream_name: "Workbook",
            stream,
            // The size of the \x01Ole stream Excel writes.
            small: vec![0u8; 20],
            free_sectors: 0,
        }
    }
}

/// Where the structures of a written compound file are.
struct CfbLayout {
    bytes: Vec<u8>,
    /// Byte offset of each directory entry: root, the stream, the small one.
    dir_entries: [usize; 3],
    first_free_sector: u32,
    fat_sectors: Vec<u32>,
}

fn cfb(spec: &CfbSpec) -> Vec<u8> {
    cfb_layout(spec).bytes
}

fn cfb_layout(spec: &CfbSpec) -> CfbLayout {
    assert!(spec.stream.len() >= 4096, "the big stream lives in sectors");
    assert!(spec.small.len() < 4096);
    let sectors_of = |n: usize| n.div_ceil(SECTOR);
    let stream_sectors = sectors_of(spec.stream.len());
    let mini_sectors = spec.small.len().div_ceil(64);
    let mini_stream_len = mini_sectors * 64;
    let container_sectors = sectors_of(mini_stream_len);
    let minifat_sectors = sectors_of(mini_sectors * 4);
    let dir_sectors = 1; // three entries of four
    let before_fat =
        stream_sectors + container_sectors + minifat_sectors + dir_sectors + spec.free_sectors;
    let mut fat_count = 1;
    while fat_count * (SECTOR / 4) < before_fat + fat_count {
        fat_count += 1;
    }
    assert!(fat_count <= 109);
    let total = before_fat + fat_count;

    let mut fat = vec![FREESECT; fat_count * (SECTOR / 4)];
    let mut next = 0usize;
    let mut chain = |fat: &mut Vec<u32>, n: usize| -> u32 {
        let start = next;
        for i in 0..n {
            fat[start + i] = if i + 1 == n {
                ENDOFCHAIN
            } else {
                (start + i + 1) as u32
            };
        }
        next += n;
        start as u32
    };
    let stream_start = chain(&mut fat, stream_sectors);
    let container_start = chain(&mut fat, container_sectors);
    let minifat_start = chain(&mut fat, minifat_sectors);
    let dir_start = chain(&mut fat, dir_sectors);
    let first_free = next as u32;
    next += spec.free_sectors;
    let fat_sectors: Vec<u32> = (next..next + fat_count).map(|s| s as u32).collect();
    for &s in &fat_sectors {
        fat[s as usize] = FATSECT;
    }

    let mut bytes = vec![0u8; SECTOR * (1 + total)];
    let put16 = |b: &mut [u8], at: usize, v: u16| b[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put32 = |b: &mut [u8], at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    let sector_at = |s: u32| SECTOR * (1 + s as usize);

    // Header.
    bytes[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    put16(&mut bytes, 24, 0x003E);
    put16(&mut bytes, 26, 3);
    put16(&mut bytes, 28, 0xFFFE);
    put16(&mut bytes, 30, 9);
    put16(&mut bytes, 32, 6);
    put32(&mut bytes, 44, fat_count as u32);
    put32(&mut bytes, 48, dir_start);
    put32(&mut bytes, 56, 4096);
    put32(&mut bytes, 60, minifat_start);
    put32(&mut bytes, 64, minifat_sectors as u32);
    put32(&mut bytes, 68, ENDOFCHAIN);
    put32(&mut bytes, 72, 0);
    for i in 0..109 {
        let v = fat_sectors.get(i).copied().unwrap_or(FREESECT);
        put32(&mut bytes, 76 + 4 * i, v);
    }

    // Streams.
    let at = sector_at(stream_start);
    bytes[at..at + spec.stream.len()].copy_from_slice(&spec.stream);
    let at = sector_at(container_start);
    bytes[at..at + spec.small.len()].copy_from_slice(&spec.small);
    let at = sector_at(minifat_start);
    for i in 0..SECTOR / 4 {
        let v = if i + 1 < mini_sectors {
            (i + 1) as u32
        } else if i + 1 == mini_sectors {
            ENDOFCHAIN
        } else {
            FREESECT
        };
        put32(&mut bytes, at + 4 * i, v);
    }

    // Directory: root, the stream, the small stream; the rest unused.
    let dir = sector_at(dir_start);
    let entry = |bytes: &mut Vec<u8>,
                 i: usize,
                 name: &str,
                 typ: u8,
                 child: u32,
                 right: u32,
                 start: u32,
                 size: u64| {
        let at = dir + 128 * i;
        let units: Vec<u16> = name.encode_utf16().collect();
        for (k, u) in units.iter().enumerate() {
            put16(bytes, at + 2 * k, *u);
        }
        put16(bytes, at + 64, (2 * (units.len() + 1)) as u16);
        bytes[at + 66] = typ;
        bytes[at + 67] = 1; // black
        put32(bytes, at + 68, NOSTREAM);
        put32(bytes, at + 72, right);
        put32(bytes, at + 76, child);
        put32(bytes, at + 116, start);
        bytes[at + 120..at + 128].copy_from_slice(&size.to_le_bytes());
        at
    };
    let root = entry(
        &mut bytes,
        0,
        "Root Entry",
        5,
        1,
        NOSTREAM,
        container_start,
        mini_stream_len as u64,
    );
    let stream = entry(
        &mut bytes,
        1,
        spec.stream_name,
        2,
        NOSTREAM,
        2,
        stream_start,
        spec.stream.len() as u64,
    );
    let small = entry(
        &mut bytes,
        2,
        "\u{1}Ole",
        2,
        NOSTREAM,
        NOSTREAM,
        0,
        spec.small.len() as u64,
    );
    for i in 3..4 {
        let at = dir + 128 * i;
        put32(&mut bytes, at + 68, NOSTREAM);
        put32(&mut bytes, at + 72, NOSTREAM);
        put32(&mut bytes, at + 76, NOSTREAM);
    }

    // FAT.
    for (k, &s) in fat_sectors.iter().enumerate() {
        let at = sector_at(s);
        for i in 0..SECTOR / 4 {
            put32(&mut bytes, at + 4 * i, fat[k * (SECTOR / 4) + i]);
        }
    }
    CfbLayout {
        bytes,
        dir_entries: [root, stream, small],
        first_free_sector: first_free,
        fat_sectors,
    }
}

/// The Workbook stream of a (well-formed, small) compound file.
fn read_workbook_stream(bytes: &[u8]) -> Vec<u8> {
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    assert_eq!(u32_at(30) & 0xFFFF, 9, "512-byte sectors");
    let fat_count = u32_at(44) as usize;
    let sector = |s: u32| &bytes[SECTOR * (1 + s as usize)..SECTOR * (2 + s as usize)];
    let mut fat = Vec::new();
    for i in 0..fat_count {
        for c in sector(u32_at(76 + 4 * i)).chunks_exact(4) {
            fat.push(u32::from_le_bytes(c.try_into().expect("4 bytes")));
        }
    }
    let chain = |mut s: u32| {
        let mut out = Vec::new();
        while s < 0xFFFF_FFF0 {
            out.extend_from_slice(sector(s));
            s = fat[s as usize];
        }
        out
    };
    let dir = chain(u32_at(48));
    for e in dir.chunks_exact(128) {
        let len = u16::from_le_bytes([e[64], e[65]]) as usize;
        let units: Vec<u16> = e[..len.saturating_sub(2)]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        if String::from_utf16_lossy(&units) == "Workbook" {
            let start = u32::from_le_bytes(e[116..120].try_into().expect("4 bytes"));
            let size = u64::from_le_bytes(e[120..128].try_into().expect("8 bytes")) as usize;
            let mut data = chain(start);
            data.truncate(size);
            return data;
        }
    }
    panic!("no Workbook stream in the base xls")
}

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const BOUNDSHEET: u16 = 0x0085;
const SST: u16 = 0x00FC;
const LABELSST: u16 = 0x00FD;
const RK: u16 = 0x027E;
const NUMBER: u16 = 0x0203;
const MULRK: u16 = 0x00BD;
const MULBLANK: u16 = 0x00BE;
const DIMENSIONS: u16 = 0x0200;
const FILEPASS: u16 = 0x002F;
const NAME: u16 = 0x0018;

type Record = (u16, Vec<u8>);

/// A BIFF8 Workbook stream: the globals, then one substream per
/// BOUNDSHEET, in the same order. Offsets are recomputed when written.
#[derive(Clone)]
struct Biff {
    globals: Vec<Record>,
    sheets: Vec<Vec<Record>>,
}

fn records(stream: &[u8]) -> Vec<(usize, Record)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 4 <= stream.len() {
        let typ = u16::from_le_bytes([stream[at], stream[at + 1]]);
        let len = u16::from_le_bytes([stream[at + 2], stream[at + 3]]) as usize;
        let data = stream[at + 4..at + 4 + len].to_vec();
        out.push((at, (typ, data)));
        at += 4 + len;
    }
    out
}

fn base_biff() -> Biff {
    static BASE: OnceLock<Biff> = OnceLock::new();
    BASE.get_or_init(make_base_biff).clone()
}

fn make_base_biff() -> Biff {
    let bytes = include_bytes!("../fixtures/workbooks/resaved/community-2013.xls");
    let stream = read_workbook_stream(bytes);
    let all = records(&stream);
    let globals_end = all
        .iter()
        .position(|(_, (t, _))| *t == EOF)
        .expect("the globals' EOF");
    let globals: Vec<Record> = all[..=globals_end].iter().map(|(_, r)| r.clone()).collect();
    let starts: Vec<usize> = globals
        .iter()
        .filter(|(t, _)| *t == BOUNDSHEET)
        .map(|(_, d)| u32::from_le_bytes(d[..4].try_into().expect("4 bytes")) as usize)
        .collect();
    let mut sheets = Vec::new();
    for (k, &start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(stream.len());
        let sheet: Vec<Record> = all
            .iter()
            .filter(|(at, _)| (start..end).contains(at))
            .map(|(_, r)| r.clone())
            .collect();
        assert_eq!(
            sheet.first().map(|r| r.0),
            Some(BOF),
            "a sheet starts with BOF"
        );
        sheets.push(sheet);
    }
    let names: Vec<String> = globals
        .iter()
        .filter(|(t, _)| *t == BOUNDSHEET)
        .map(|(_, d)| {
            let n = d[6] as usize;
            assert_eq!(d[7], 1, "names stored as UTF-16");
            let units: Vec<u16> = d[8..8 + 2 * n]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        })
        .collect();
    assert_eq!(names, ["基本情况", "人财物投入", "自查评分"]);
    Biff { globals, sheets }
}

fn workbook_stream(biff: &Biff) -> Vec<u8> {
    let bytes_of = |recs: &[Record]| -> Vec<u8> {
        let mut out = Vec::new();
        for (t, d) in recs {
            out.extend_from_slice(&t.to_le_bytes());
            out.extend_from_slice(&(d.len() as u16).to_le_bytes());
            out.extend_from_slice(d);
        }
        out
    };
    let mut globals = biff.globals.clone();
    let mut offset = bytes_of(&globals).len();
    let mut k = 0;
    for (t, d) in &mut globals {
        if *t == BOUNDSHEET {
            d[..4].copy_from_slice(&(offset as u32).to_le_bytes());
            offset += bytes_of(&biff.sheets[k]).len();
            k += 1;
        }
    }
    let mut out = bytes_of(&globals);
    for sheet in &biff.sheets {
        out.extend_from_slice(&bytes_of(sheet));
    }
    out
}

fn cell_record(sheet: &mut [Record], typ: u16, row: u16, col: u16) -> &mut Record {
    sheet
        .iter_mut()
        .find(|(t, d)| {
            *t == typ && d.len() >= 4 && d[..2] == row.to_le_bytes() && d[2..4] == col.to_le_bytes()
        })
        .unwrap_or_else(|| panic!("no record {typ:#x} at ({row}, {col})"))
}

/// The base with one change to its records, in a compound file.
fn xls(change: impl FnOnce(&mut Biff)) -> Vec<u8> {
    let mut biff = base_biff();
    change(&mut biff);
    cfb(&CfbSpec::new(workbook_stream(&biff)))
}

/// A NUMBER record for (row, col) holding these IEEE bits.
fn number_record(row: u16, col: u16, xf: u16, bits: u64) -> Record {
    let mut d = Vec::new();
    d.extend_from_slice(&row.to_le_bytes());
    d.extend_from_slice(&col.to_le_bytes());
    d.extend_from_slice(&xf.to_le_bytes());
    d.extend_from_slice(&bits.to_le_bytes());
    (NUMBER, d)
}

fn xls_files(out: &mut Out) {
    use Expect::*;
    const BASIC: usize = 0;
    const SCORES: usize = 2;

    out.add(
        "xls-sst-unique-2e31.xls",
        "SST declares cstUnique 2^31-1 (it holds ~300 strings)",
        ReadOrRefused,
        xls(|b| {
            let sst = b.globals.iter_mut().find(|(t, _)| *t == SST).expect("SST");
            sst.1[4..8].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
        }),
    );
    out.add(
        "xls-sst-total-2e32.xls",
        "SST declares cstTotal and cstUnique 2^32-1",
        ReadOrRefused,
        xls(|b| {
            let sst = b.globals.iter_mut().find(|(t, _)| *t == SST).expect("SST");
            sst.1[..4].copy_from_slice(&u32::MAX.to_le_bytes());
            sst.1[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        }),
    );
    {
        // The length of F5's record in 自查评分 made to run past the end
        // of the stream (the stream is written, then the field patched).
        let mut stream = workbook_stream(&base_biff());
        let recs = records(&stream);
        let scores_start = recs
            .iter()
            .filter(|(_, (t, _))| *t == BOUNDSHEET)
            .nth(SCORES)
            .map(|(_, (_, d))| u32::from_le_bytes(d[..4].try_into().expect("4 bytes")) as usize)
            .expect("the third BOUNDSHEET");
        let at = recs
            .iter()
            .find(|(at, (t, d))| *at >= scores_start && *t == RK && d[..4] == [4, 0, 5, 0])
            .expect("F5")
            .0;
        assert!(stream.len() - at < 0xFFFF);
        stream[at + 2..at + 4].copy_from_slice(&0xFFFFu16.to_le_bytes());
        out.add(
            "xls-record-past-stream.xls",
            "the record of 自查评分!F5 declares 65,535 bytes, past the end of the stream",
            Refused,
            cfb(&CfbSpec::new(stream)),
        );
    }
    {
        // A BIFF5 workbook: BOF, then one NAME whose name and formula
        // lengths (255 and 65,535) lie about its 14 bytes.
        let mut stream = Vec::new();
        let mut push = |t: u16, d: &[u8]| {
            stream.extend_from_slice(&t.to_le_bytes());
            stream.extend_from_slice(&(d.len() as u16).to_le_bytes());
            stream.extend_from_slice(d);
        };
        push(BOF, &[0x00, 0x05, 0x05, 0x00, 0, 0, 0, 0]);
        push(
            NAME,
            &[
                0, 0, 0, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
            ],
        );
        stream.resize(4096, 0);
        out.add(
            "xls-biff5-name-lies.xls",
            "a BIFF5 BOF then one NAME record whose lengths lie (calamine panicked on it)",
            Refused,
            cfb(&CfbSpec {
                stream_name: "Book",
                ..CfbSpec::new(stream)
            }),
        );
    }
    out.add(
        "xls-dimensions-max.xls",
        "every DIMENSIONS declares 65,536 rows by 256 columns",
        ReadOrRefused,
        xls(|b| {
            for sheet in &mut b.sheets {
                let dim = sheet
                    .iter_mut()
                    .find(|(t, _)| *t == DIMENSIONS)
                    .expect("DIMENSIONS");
                dim.1[4..8].copy_from_slice(&65_536u32.to_le_bytes());
                dim.1[10..12].copy_from_slice(&256u16.to_le_bytes());
            }
        }),
    );
    out.add(
        "xls-dimensions-lie.xls",
        "every DIMENSIONS declares 2^32-1 rows by 65,535 columns",
        ReadOrRefused,
        xls(|b| {
            for sheet in &mut b.sheets {
                let dim = sheet
                    .iter_mut()
                    .find(|(t, _)| *t == DIMENSIONS)
                    .expect("DIMENSIONS");
                dim.1[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
                dim.1[10..12].copy_from_slice(&u16::MAX.to_le_bytes());
            }
        }),
    );
    out.add(
        "xls-mulrk-span.xls",
        "a MULRK in 自查评分 claims columns A..IQ (251 cells) but holds one",
        Refused,
        xls(|b| {
            let sheet = &mut b.sheets[SCORES];
            let mut d = Vec::new();
            d.extend_from_slice(&99u16.to_le_bytes());
            d.extend_from_slice(&0u16.to_le_bytes());
            d.extend_from_slice(&15u16.to_le_bytes());
            d.extend_from_slice(&((1u32 << 2) | 2).to_le_bytes()); // RK 1
            d.extend_from_slice(&250u16.to_le_bytes());
            let eof = sheet.len() - 1;
            sheet.insert(eof, (MULRK, d));
        }),
    );
    out.add(
        "xls-mulblank-span.xls",
        "a MULBLANK in 自查评分 claims its last column is 65,535",
        Refused,
        xls(|b| {
            let mb = b.sheets[SCORES]
                .iter_mut()
                .find(|(t, _)| *t == MULBLANK)
                .expect("MULBLANK");
            let n = mb.1.len();
            mb.1[n - 2..].copy_from_slice(&u16::MAX.to_le_bytes());
        }),
    );
    out.add(
        "xls-labelsst-past-table.xls",
        "the LABELSST of 单位名称 refers to string 16,777,215 (the table holds ~300)",
        RefusedWithCell(UNIT_NAME_CELL),
        xls(|b| {
            let r = cell_record(&mut b.sheets[BASIC], LABELSST, 2, 1);
            r.1[6..10].copy_from_slice(&0x00FF_FFFFu32.to_le_bytes());
        }),
    );
    for (slug, what, bits) in [
        (
            "nan",
            "自查评分!F5 is a NUMBER holding NaN",
            f64::NAN.to_bits(),
        ),
        (
            "inf",
            "自查评分!F5 is a NUMBER holding +infinity",
            f64::INFINITY.to_bits(),
        ),
        (
            "subnormal",
            "自查评分!F5 is a NUMBER holding 4.9e-324",
            1u64,
        ),
    ] {
        out.add(
            &format!("xls-number-{slug}.xls"),
            what,
            RefusedWithCell(SCORE_CELL),
            xls(|b| {
                let r = cell_record(&mut b.sheets[SCORES], RK, 4, 5);
                let xf = u16::from_le_bytes([r.1[4], r.1[5]]);
                *r = number_record(4, 5, xf, bits);
            }),
        );
    }
    out.add(
        "xls-boundsheet-past-end.xls",
        "the BOUNDSHEET of 自查评分 points 2 GB past the end of the stream",
        Refused,
        {
            let mut stream = workbook_stream(&base_biff());
            let at = records(&stream)
                .iter()
                .filter(|(_, (t, _))| *t == BOUNDSHEET)
                .nth(SCORES)
                .expect("the third BOUNDSHEET")
                .0;
            stream[at + 4..at + 8].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
            cfb(&CfbSpec::new(stream))
        },
    );
    out.add(
        "xls-filepass.xls",
        "a FILEPASS record after BOF (encrypted with a password)",
        Refused,
        xls(|b| {
            // RC4 encryption header, version 1.1, with a zero salt/verifier.
            let mut d = vec![1, 0, 1, 0, 1, 0];
            d.extend_from_slice(&[0u8; 48]);
            b.globals.insert(1, (FILEPASS, d));
        }),
    );

    // The container itself.
    let base_stream = workbook_stream(&base_biff());
    let layout = || cfb_layout(&CfbSpec::new(base_stream.clone()));
    {
        let mut l = layout();
        l.bytes[44..48].copy_from_slice(&0x8000_0000u32.to_le_bytes());
        out.add(
            "xls-fat-count-2e31.xls",
            "the header declares 2^31 FAT sectors",
            Refused,
            l.bytes,
        );
    }
    {
        // Enough free sectors that 237 FAT sectors are not more than the
        // file has; then a DIFAT chain of one sector that names itself.
        let l = cfb_layout(&CfbSpec {
            free_sectors: 240,
            ..CfbSpec::new(base_stream.clone())
        });
        let mut bytes = l.bytes;
        let difat = l.first_free_sector;
        let at = SECTOR * (1 + difat as usize);
        for i in 0..SECTOR / 4 - 1 {
            let fat = l.fat_sectors[i % l.fat_sectors.len()];
            bytes[at + 4 * i..at + 4 * i + 4].copy_from_slice(&fat.to_le_bytes());
        }
        bytes[at + SECTOR - 4..at + SECTOR].copy_from_slice(&difat.to_le_bytes());
        let fat_count = 109 + (SECTOR / 4 - 1) + 1;
        bytes[44..48].copy_from_slice(&(fat_count as u32).to_le_bytes());
        bytes[68..72].copy_from_slice(&difat.to_le_bytes());
        bytes[72..76].copy_from_slice(&2u32.to_le_bytes());
        for i in l.fat_sectors.len()..109 {
            let fat = l.fat_sectors[i % l.fat_sectors.len()];
            bytes[76 + 4 * i..80 + 4 * i].copy_from_slice(&fat.to_le_bytes());
        }
        out.add(
            "xls-difat-loop.xls",
            "a DIFAT chain whose sector names itself as the next one",
            Refused,
            bytes,
        );
    }
    {
        let mut l = layout();
        let at = l.dir_entries[1] + 120;
        l.bytes[at..at + 8].copy_from_slice(&0xFFFF_FFF0u64.to_le_bytes());
        out.add(
            "xls-stream-size-4gb.xls",
            "the directory entry of the Workbook stream declares 4 GB",
            Refused,
            l.bytes,
        );
    }
    {
        let mut l = layout();
        l.bytes[40..44].copy_from_slice(&0x0080_0000u32.to_le_bytes());
        out.add(
            "xls-directory-sectors-4gb.xls",
            "the header declares 8,388,608 directory sectors (4 GB of directory)",
            ReadOrRefused,
            l.bytes,
        );
    }
    {
        let mut l = layout();
        let at = l.dir_entries[0] + 120;
        l.bytes[at..at + 8].copy_from_slice(&0x7FFF_FFFFu64.to_le_bytes());
        out.add(
            "xls-mini-stream-size.xls",
            "the root entry declares a mini stream of 2 GB (it has one sector)",
            Refused,
            l.bytes,
        );
    }
}

// ============================================================================
// ods
// ============================================================================

const CONTENT: &str = "content.xml";

fn base_ods() -> Parts {
    unzip(include_bytes!(
        "../fixtures/workbooks/resaved/community-2013.ods"
    ))
}

/// `mimetype` first and stored, the rest deflated.
fn ods_entries(parts: &Parts) -> Vec<ZipEntry> {
    assert_eq!(parts[0].0, "mimetype");
    parts
        .iter()
        .map(|(n, d)| {
            if n == "mimetype" {
                ZipEntry::stored(n, d)
            } else {
                ZipEntry::deflated(n, d)
            }
        })
        .collect()
}

fn ods(parts: &Parts) -> Vec<u8> {
    write_zip(&ods_entries(parts)).bytes
}

fn ods_edited(change: impl FnOnce(String) -> String) -> Vec<u8> {
    let mut parts = base_ods();
    let content = change(text(&parts, CONTENT));
    set(&mut parts, CONTENT, content.into_bytes());
    ods(&parts)
}

/// The span of 自查评分's table in content.xml.
fn ods_table(content: &str, name: &str) -> (usize, usize) {
    let start = content
        .find(&format!("<table:table table:name=\"{name}\""))
        .unwrap_or_else(|| panic!("no table {name}"));
    let end = start + content[start..].find("</table:table>").expect("table end");
    (start, end)
}

/// The start tag of the row of item A1 in 自查评分 (row 5), and the
/// start tag of its sixth cell (F5).
fn ods_a1_row_and_score(content: &str) -> ((usize, usize), (usize, usize)) {
    let (table, end) = ods_table(content, "自查评分");
    let code = table + content[table..end].find("<text:p>A1</text:p>").expect("A1");
    let row = content[..code].rfind("<table:table-row").expect("row");
    let row_end = row + content[row..].find('>').expect("row tag") + 1;
    let mut at = row_end;
    let mut cell = (0, 0);
    for _ in 0..6 {
        let start = at + content[at..].find("<table:table-cell").expect("a cell");
        let tag_end = start + content[start..].find('>').expect("cell tag") + 1;
        cell = (start, tag_end);
        at = tag_end;
    }
    assert!(
        content[cell.0..cell.1].contains("office:value=\"1\""),
        "F5 holds 1"
    );
    ((row, row_end), cell)
}

fn ods_files(out: &mut Out) {
    use Expect::*;
    let score_cell = |change: &dyn Fn(&str) -> String| {
        ods_edited(|c| {
            let (_, (start, end)) = ods_a1_row_and_score(&c);
            format!("{}{}{}", &c[..start], change(&c[start..end]), &c[end..])
        })
    };
    let a1_row = |change: &dyn Fn(&str) -> String| {
        ods_edited(|c| {
            let ((start, end), _) = ods_a1_row_and_score(&c);
            format!("{}{}{}", &c[..start], change(&c[start..end]), &c[end..])
        })
    };
    let add_attr = |tag: &str, attr: &str| replace_once(tag, ">", &format!(" {attr}>"));

    out.add(
        "ods-rows-repeated-1e9.ods",
        "the row of item A1 (with content) repeated 1,000,000,000 times",
        Refused,
        a1_row(&|t| add_attr(t, "table:number-rows-repeated=\"1000000000\"")),
    );
    out.add(
        "ods-rows-repeated-negative.ods",
        "the row of item A1 repeated -1 times (not a count: read once, or refused)",
        ReadOrRefused,
        a1_row(&|t| add_attr(t, "table:number-rows-repeated=\"-1\"")),
    );
    out.add(
        "ods-columns-repeated-1e9.ods",
        "自查评分!F5 (with content) repeated over 1,000,000,000 columns",
        Refused,
        score_cell(&|t| add_attr(t, "table:number-columns-repeated=\"1000000000\"")),
    );
    out.add(
        "ods-empty-row-repeated-1e9.ods",
        "the empty rows after 自查评分's last item repeated 1,000,000,000 times",
        ReadOrRefused,
        ods_edited(|c| {
            let (table, end) = ods_table(&c, "自查评分");
            let at = table
                + c[table..end]
                    .find("table:number-rows-repeated=\"1048505\"")
                    .expect("the trailing rows");
            format!(
                "{}table:number-rows-repeated=\"1000000000\"{}",
                &c[..at],
                &c[at + "table:number-rows-repeated=\"1048505\"".len()..]
            )
        }),
    );
    out.add(
        "ods-invalid-row-30000.ods",
        "a row of item A1 with an invalid 自评分, repeated 30,000 times",
        Refused,
        ods_edited(|c| {
            let ((row, _), _) = ods_a1_row_and_score(&c);
            let row_end = row + c[row..].find("</table:table-row>").expect("row end") + 18;
            let bad = "<table:table-row table:number-rows-repeated=\"30000\">\
                <table:table-cell office:value-type=\"string\"><text:p>A1</text:p></table:table-cell>\
                <table:table-cell table:number-columns-repeated=\"4\"/>\
                <table:table-cell office:value-type=\"string\"><text:p>满分吧</text:p></table:table-cell>\
                <table:table-cell table:number-columns-repeated=\"16378\"/></table:table-row>";
            let c = format!("{}{bad}{}", &c[..row_end], &c[row_end..]);
            let (table, end) = ods_table(&c, "自查评分");
            let at = table
                + c[table..end]
                    .find("table:number-rows-repeated=\"1048505\"")
                    .expect("the trailing rows");
            format!(
                "{}table:number-rows-repeated=\"1018505\"{}",
                &c[..at],
                &c[at + "table:number-rows-repeated=\"1048505\"".len()..]
            )
        }),
    );
    out.add(
        "ods-duplicate-attribute.ods",
        "自查评分!F5 carries office:value twice",
        Refused,
        score_cell(&|t| {
            replace_once(
                t,
                "office:value=\"1\"",
                "office:value=\"1\" office:value=\"0\"",
            )
        }),
    );
    {
        let entries = ods_entries(&base_ods());
        let mut zip = write_zip(&entries);
        let i = zip.index(&entries, CONTENT);
        let crc = entries[i].crc ^ 0x0000_0100;
        let (local, central) = (zip.local[i], zip.central[i]);
        zip.put_u32(local + 14, crc);
        zip.put_u32(central + 16, crc);
        out.add(
            "ods-crc-flip.ods",
            "one bit flipped in the CRC-32 of content.xml (local header and central directory)",
            Refused,
            zip.bytes,
        );
    }
    for (slug, what, value) in [
        ("1e400", "自查评分!F5 holds office:value=\"1e400\"", "1e400"),
        ("nan", "自查评分!F5 holds office:value=\"NaN\"", "NaN"),
        (
            "subnormal",
            "自查评分!F5 holds office:value=\"4.9e-324\"",
            "4.9e-324",
        ),
    ] {
        out.add(
            &format!("ods-value-{slug}.ods"),
            what,
            RefusedWithCell(SCORE_CELL),
            score_cell(&|t| {
                replace_once(
                    t,
                    "office:value=\"1\"",
                    &format!("office:value=\"{value}\""),
                )
            }),
        );
    }
    out.add(
        "ods-spans-1e9.ods",
        "the title of 基本情况 spans 1,000,000,000 columns and rows",
        ReadOrRefused,
        ods_edited(|c| {
            let (table, end) = ods_table(&c, "基本情况");
            let at = table
                + c[table..end]
                    .find("table:number-columns-spanned=\"")
                    .expect("a merged title");
            let tag_end = at + c[at..].find('>').expect("tag end");
            let tag = &c[at..tag_end];
            let new = "table:number-columns-spanned=\"1000000000\" table:number-rows-spanned=\"1000000000\"";
            let old_end = tag
                .find("table:number-rows-spanned=\"")
                .map(|r| r + tag[r + 27..].find('"').expect("a value") + 28)
                .expect("rows spanned");
            format!("{}{new}{}", &c[..at], &c[at + old_end..])
        }),
    );
    out.add(
        "ods-covered-1e9.ods",
        "covered cells after the title of 自查评分 repeated 1,000,000,000 times",
        ReadOrRefused,
        ods_edited(|c| {
            let (table, end) = ods_table(&c, "自查评分");
            let at = table
                + c[table..end]
                    .find("<table:covered-table-cell table:number-columns-repeated=\"6\"")
                    .expect("covered cells");
            let old = "<table:covered-table-cell table:number-columns-repeated=\"6\"";
            format!(
                "{}<table:covered-table-cell table:number-columns-repeated=\"1000000000\"{}",
                &c[..at],
                &c[at + old.len()..]
            )
        }),
    );
    {
        // 1,000,000 nested spans inside the text of 自查评分!G5.
        let parts = base_ods();
        let c = text(&parts, CONTENT);
        let ((row, _), _) = ods_a1_row_and_score(&c);
        let at = row
            + c[row..]
                .find("<table:table-cell table:style-name=\"ce16\"/>")
                .expect("G5");
        let head = format!(
            "{}<table:table-cell office:value-type=\"string\"><text:p>",
            &c[..at]
        );
        let tail = format!(
            "</text:p></table:table-cell>{}",
            &c[at + "<table:table-cell table:style-name=\"ce16\"/>".len()..]
        );
        let open = "<text:span>".repeat(10_000);
        let close = "</text:span>".repeat(10_000);
        let mut entries = ods_entries(&parts);
        let i = entries
            .iter()
            .position(|e| e.name == CONTENT.as_bytes())
            .expect("content");
        entries[i] = ZipEntry::pieces(
            CONTENT,
            &[
                (head.as_bytes(), 1),
                (open.as_bytes(), 100),
                (close.as_bytes(), 100),
                (tail.as_bytes(), 1),
            ],
        );
        out.add(
            "ods-deep-nesting.ods",
            "1,000,000 nested <text:span> in 自查评分!G5",
            ReadOrRefused,
            write_zip(&entries).bytes,
        );
    }
}

// ============================================================================
// Archives (bulk uploads; the server test sends them, `score` does not)
// ============================================================================

fn archive_files(out: &mut Out) {
    use Expect::*;
    let valid = xlsx(&base_xlsx());
    {
        let zeros = vec![0u8; MIB];
        let last = vec![0u8; MIB - 1];
        let entries: Vec<ZipEntry> = (0..40)
            .map(|i| ZipEntry::pieces(&format!("{i}.xlsx"), &[(&zeros, 9), (&last, 1)]))
            .collect();
        let bytes = write_zip(&entries).bytes;
        assert!(bytes.len() < 1024 * 1024, "{}", bytes.len());
        out.add(
            "zip-amplification.zip",
            "40 entries named N.xlsx, each 10 MiB of zeros: 400 MiB from about 400 KB",
            Refused,
            bytes,
        );
    }
    {
        let mut rng = SplitMix64::new(7);
        let mut junk = |magic: &[u8]| {
            let mut b = magic.to_vec();
            for _ in 0..4000 {
                b.push((rng.next_u64() >> 56) as u8);
            }
            b
        };
        let entries = vec![
            ZipEntry::deflated("假的一.xlsx", &junk(b"PK\x03\x04")),
            ZipEntry::deflated("假的二.xls", &junk(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")),
            ZipEntry::deflated("假的三.ods", &junk(b"PK\x03\x04")),
        ];
        out.add(
            "zip-magic-junk.zip",
            "entries with a workbook's magic bytes followed by random junk",
            Refused,
            write_zip(&entries).bytes,
        );
    }
    out.add(
        "zip-nul-name.zip",
        "a valid workbook under an entry name holding U+0000",
        Refused,
        write_zip(&[ZipEntry::deflated("小营巷\u{0}社区.xlsx", &valid)]).bytes,
    );
    {
        let inner = write_zip(&[ZipEntry::deflated("小营巷社区.xlsx", &valid)]).bytes;
        out.add(
            "zip-in-zip.zip",
            "an archive whose entries are themselves archives (inner.zip, inner.xlsx)",
            Refused,
            write_zip(&[
                ZipEntry::deflated("inner.zip", &inner),
                ZipEntry::deflated("inner.xlsx", &inner),
            ])
            .bytes,
        );
    }
    {
        let mut padded = valid.clone();
        padded.resize(MIB, 0);
        let entries = vec![ZipEntry::deflated("小营巷社区.xlsx", &padded)];
        let mut zip = write_zip(&entries);
        let (local, central) = (zip.local[0], zip.central[0]);
        zip.put_u32(local + 22, 1024);
        zip.put_u32(central + 24, 1024);
        out.add(
            "zip-declared-1kb.zip",
            "an entry declared as 1 KB that inflates to 1 MiB",
            Refused,
            zip.bytes,
        );
    }
}
