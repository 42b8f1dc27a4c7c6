//! Entry points for the fuzz targets (`fuzz/`) and their replay test
//! (`tests/fuzz_replay.rs`): hostile bytes or text in, `Ok` or `Err` out.
//!
//! Each runs the same code an upload or a checklist file runs, and checks
//! what the answer promises. A broken promise panics (with the fuzzer's
//! panic hook, the process aborts and the input is kept):
//!
//! * a workbook that is read holds no cell the readers must refuse
//!   ([`workbook::cell_problem`]) and no more than the limits allow;
//! * every refusal is a Chinese message holding no library's English;
//! * a self-check reports at most [`self_check::MAX_PROBLEMS`] problems
//!   and one more that counts the rest.
//!
//! Panics inside the readers are turned into errors by their own guard;
//! the fuzz targets and the replay test install a panic hook that makes
//! those fail too. Hangs and allocations are for the fuzzer to catch
//! (`-timeout`, `-rss_limit_mb`), and for the replay test's address-space
//! limit in `.ci/run`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::archive::{self, ArchiveLimits, Entry};
use super::checklists::{self, Catalog};
use super::self_check::{self, Problem};
use super::workbook::{self, Limits, Workbook, WorkbookFormat};

/// The formats the workbook targets feed (xlsm goes with xlsx).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Ods,
    Xls,
}

impl Format {
    /// The format a target's name stands for (`xlsx`, `ods`, `xls`).
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "xlsx" => Some(Format::Xlsx),
            "ods" => Some(Format::Ods),
            "xls" => Some(Format::Xls),
            _ => None,
        }
    }

    fn holds(self, format: WorkbookFormat) -> bool {
        matches!(
            (self, format),
            (Format::Xlsx, WorkbookFormat::Xlsx | WorkbookFormat::Xlsm)
                | (Format::Ods, WorkbookFormat::Ods)
                | (Format::Xls, WorkbookFormat::Xls)
        )
    }
}

/// The catalog built into the binary, loaded once.
fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::embedded().unwrap_or_default())
}

/// Reads `bytes` as an upload is read: every sheet with its merges, then
/// as a self-check against the built-in checklists. Detection is part of
/// what is read: bytes of another format are read all the same, and
/// answer `Err` when they are a workbook of that other format.
pub fn read_workbook(format: Format, bytes: &[u8]) -> Result<(), String> {
    let limits = Limits::default();
    let book = read_checked(bytes, &limits)?;
    let wrong_format = !format.holds(book.format);
    self_check(bytes, &limits)?;
    if wrong_format {
        return Err(format!("{:?}", book.format));
    }
    Ok(())
}

/// Opens `bytes` as a bulk upload's zip of workbooks is opened (the
/// server's default limits), then reads each workbook it holds.
pub fn read_bulk_zip(bytes: &[u8]) -> Result<(), String> {
    let limits = ArchiveLimits::default();
    let mut budget = limits.max_total_bytes;
    let entries = archive::unpack("批量.zip", bytes, &limits, &mut budget).map_err(|e| {
        let message = e.to_string();
        assert_chinese(&message);
        message
    })?;
    let mut failed = None;
    for entry in &entries {
        match entry {
            Entry::Workbook { name, bytes } => {
                assert_clean_text(name);
                assert!(bytes.len() as u64 <= limits.max_entry_bytes + 1);
                let limits = Limits::default();
                if let Err(e) =
                    read_checked(bytes, &limits).and_then(|_| self_check(bytes, &limits))
                {
                    failed.get_or_insert(e);
                }
            }
            Entry::Refused { name, message } => {
                assert_clean_text(name);
                assert_chinese(message);
                failed.get_or_insert_with(|| message.clone());
            }
        }
    }
    failed.map_or(Ok(()), Err)
}

/// Loads `text` as the checklist file `fuzz/1.toml` (second edition and
/// its expression language included), and scores no answers against it
/// (every expression evaluated on missing inputs).
pub fn load_checklist(text: &str) -> Result<(), String> {
    let loaded = checklists::parse_file("fuzz/1.toml", text).map_err(|problems| {
        // TOML's own messages (syntax, types) are the library's; the
        // checklist's rules are ours and must be told in Chinese.
        // Their messages name the file's keys and values (`id`,
        // `version`, input keys), so they are held to Chinese, not to the
        // word rule of the workbook messages.
        if toml::from_str::<crate::domain::checklist::RawChecklist>(text).is_ok() {
            for p in &problems {
                assert!(has_cjk(&p.message), "not Chinese: {:?}", p.message);
                assert!(p.message.len() <= 4096);
            }
        }
        problems.first().map(|p| p.to_string()).unwrap_or_default()
    })?;
    let answers = crate::domain::Answers {
        unit_kind: loaded
            .checklist
            .unit_kinds
            .first()
            .cloned()
            .unwrap_or_default(),
        ..Default::default()
    };
    let _ = crate::domain::scoring::score(&loaded.checklist, &answers, &BTreeMap::new());
    Ok(())
}

/// The whole workbook, checked against what the readers promise.
fn read_checked(bytes: &[u8], limits: &Limits) -> Result<Workbook, String> {
    let book =
        workbook::read_workbook_with_merges(bytes, &|_| true, &|_| true, limits).map_err(|e| {
            let message = e.to_string();
            assert_chinese(&message);
            message
        })?;
    assert!(book.sheets.len() <= book.sheet_names.len());
    assert!(book.sheet_names.len() <= limits.max_sheets);
    for sheet in &book.sheets {
        assert!(sheet.cell_count() <= limits.max_cells);
        assert!(sheet.merged().len() <= limits.max_merged);
        for (_, cells) in sheet.rows() {
            for (_, value) in cells {
                assert!(
                    workbook::cell_problem(value).is_none(),
                    "a cell the readers must refuse was kept: {value:?}"
                );
            }
        }
    }
    Ok(book)
}

/// The workbook as a self-check (the upload's scoring path).
fn self_check(bytes: &[u8], limits: &Limits) -> Result<(), String> {
    match self_check::read_self_check(bytes, catalog(), limits) {
        Ok(_) => Ok(()),
        Err(problems) => {
            assert!(!problems.is_empty(), "refused without a reason");
            assert!(problems.len() <= self_check::MAX_PROBLEMS + 1);
            problems.iter().for_each(|p: &Problem| {
                assert_chinese(&p.message);
                if let Some(sheet) = &p.sheet {
                    assert_clean_text(sheet);
                }
            });
            Err(problems[0].to_string())
        }
    }
}

/// Text quoted from a file into an answer: no forbidden character.
fn assert_clean_text(text: &str) {
    assert!(
        crate::domain::text::first_forbidden_char(text).is_none(),
        "a forbidden character in {text:?}"
    );
}

/// A message for the clerk: Chinese, not too long, without English.
fn assert_chinese(message: &str) {
    assert!(has_cjk(message), "a message is not Chinese: {message:?}");
    assert!(
        message.len() <= 4096,
        "a message of {} bytes",
        message.len()
    );
    if let Some(words) = english_in(message) {
        panic!("a message holds English ({words}): {message:?}");
    }
}

fn has_cjk(s: &str) -> bool {
    s.chars()
        .any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c))
}

/// ASCII words a reader's Chinese message may hold: names of formats and
/// programs, units, and the technical names the readers use on purpose.
/// One list for the fuzz checks and `tests/hostile.rs`.
pub const READER_WORDS: &[&str] = &[
    "Excel",
    "WPS",
    "LibreOffice",
    "OpenDocument",
    "Word",
    "PowerPoint",
    "xlsx",
    "xlsm",
    "xls",
    "ods",
    "xlsb",
    "odt",
    "odp",
    "docx",
    "pptx",
    "doc",
    "ppt",
    "zip",
    "ZIP",
    "RAR",
    "gz",
    "CSV",
    "HTML",
    "XML",
    "MHT",
    "RTF",
    "PDF",
    "MB",
    "KB",
    "GB",
    "OLE",
    "FAT",
    "DIFAT",
    "CRC",
    "BIFF",
    "SST",
    "xml",
    "MULRK",
    "MULBLANK",
    "LABELSST",
    "BOUNDSHEET",
    "BOOLERR",
    "FORMULA",
    "LABEL",
    "NUMBER",
    "MERGECELLS",
    "STRING",
    "FILEPASS",
    "NAME",
    "BOF",
    "EOF",
    "XFE",
    "content",
    "styles",
    "workbook",
    "mimetype",
    "sharedStrings",
    "rels",
];

/// Further words a checklist problem may hold (it names the file's syntax).
const CHECKLIST_WORDS: &[&str] = &["DOCTYPE", "CDATA", "UTF", "TOML"];

/// An ASCII word of three or more letters (or a short English word) that
/// is not allowed, outside the “quoted” parts, `<tags>` and `${inputs}`
/// (those quote the file), as `tests/hostile.rs` looks for them.
fn english_in(message: &str) -> Option<String> {
    let mut outside = String::new();
    let (mut quoted, mut tag, mut input) = (0u32, false, false);
    for c in message.chars() {
        match c {
            '“' => quoted += 1,
            '”' => quoted = quoted.saturating_sub(1),
            '<' if quoted == 0 => tag = true,
            '>' if tag => tag = false,
            '{' if quoted == 0 && outside.ends_with('$') => input = true,
            '}' if input => input = false,
            _ if quoted == 0 && !tag && !input => outside.push(c),
            _ => outside.push(' '),
        }
    }
    // A run of ASCII holding anything but letters (`agency@2012`,
    // `second/1.toml`, `B2`) names something in the file; words are runs
    // of letters only, punctuation around them aside.
    let words: Vec<&str> = outside
        .split(|c: char| !c.is_ascii_graphic())
        .map(|t| t.trim_matches(|c: char| ",.;:!?()'\"".contains(c)))
        .filter(|t| t.chars().all(|c| c.is_ascii_alphabetic()))
        .filter(|w| w.len() >= 3 || ["at", "of", "is", "in", "to", "no", "or"].contains(w))
        .filter(|w| !READER_WORDS.contains(w) && !CHECKLIST_WORDS.contains(w))
        .filter(|w| !(w.len() <= 3 && w.chars().all(|c| c.is_ascii_uppercase())))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_is_found_outside_quotes_and_tags() {
        assert!(english_in("文件已损坏：Unexpected end of file").is_some());
        assert!(english_in("标签 <table:table> 没有结束").is_none());
        assert!(english_in("工作表“Sheet1”过大").is_none());
        assert!(english_in("自查评分!XFD1048576：数值无效").is_none());
        assert!(english_in("未知的考核细则；可用的有：agency@2012、community@2012").is_none());
        assert!(english_in("缺少“照片档案（张）”（代码 photos）一行").is_some());
    }

    #[test]
    fn the_fixtures_read_through_the_entry_points() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/workbooks");
        let clean = std::fs::read(format!("{dir}/clean-community2013.xlsx")).unwrap();
        assert_eq!(read_workbook(Format::Xlsx, &clean), Ok(()));
        assert!(read_workbook(Format::Ods, &clean).is_err());
        let broken = std::fs::read(format!("{dir}/broken-negative.xlsx")).unwrap();
        assert!(read_workbook(Format::Xlsx, &broken).is_err());
        assert!(read_bulk_zip(&clean).is_err());
        assert!(load_checklist("id = 1").is_err());
    }
}
