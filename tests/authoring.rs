//! The authoring workbook (考核细则编制表): `checklist export` writes a
//! checklist as sheets bureau staff edit, `checklist import` reads them
//! back into a checklist file.
//!
//! * Every shipped checklist and every fixture checklist comes back equal
//!   (the file as written and the validated model), and scores every
//!   fixture workbook exactly as the original does.
//! * Workbooks edited by hand (cells rewritten in the xlsx's sheet XML, as
//!   inline strings the way LibreOffice writes them): each problem named by
//!   its sheet and cell, all of them at once, nothing written.
//! * The command line: export, import, no overwrite, exit 2 on a bad file.
//! * Files re-saved by LibreOffice (xlsx, ods and xls, committed fixtures).
//! * Damaged bytes: an error, never a panic.

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use nianjian::domain::checklist::{Checklist, RawChecklist};
use nianjian::ingest::authoring::{AuthoringProblem, read_authoring};
use nianjian::ingest::checklists::Catalog;
use nianjian::ingest::workbook::Limits;
use nianjian::service::ServiceError;
use nianjian::service::authoring::{export, import};
use nianjian::service::scoring::{FileResult, score_workbook};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    root().join("tests/fixtures/authoring")
}

fn load(dir: &Path) -> Catalog {
    Catalog::load_dir(dir).unwrap_or_else(|p| panic!("{}: {p:?}", dir.display()))
}

/// The shipped checklists and the fixture ones, every `id@version` once.
fn all_checklists() -> Vec<(Catalog, String)> {
    let mut out = Vec::new();
    for dir in [root().join("checklists"), fixtures().join("checklists")] {
        let catalog = load(&dir);
        for reference in catalog.references() {
            out.push((catalog.clone(), reference));
        }
    }
    out
}

fn raw_of(catalog: &Catalog, reference: &str) -> RawChecklist {
    let loaded = catalog.loaded(reference).expect("known");
    toml::from_str(&loaded.source).expect("a valid file")
}

/// Raw checklists compared as the files they serialise to: every field,
/// in order, numbers as integers or decimals.
fn same_raw(a: &RawChecklist, b: &RawChecklist) -> bool {
    toml::to_string(a).unwrap() == toml::to_string(b).unwrap()
}

fn exported(catalog: &Catalog, reference: &str) -> Vec<u8> {
    export(catalog, reference).expect("export").bytes
}

fn read(bytes: &[u8]) -> Result<nianjian::ingest::authoring::Authored, Vec<AuthoringProblem>> {
    read_authoring("编制表.xlsx", bytes, &Limits::default())
}

#[test]
fn every_checklist_comes_back_equal() {
    let all = all_checklists();
    assert!(
        all.len() >= 8,
        "shipped and fixture checklists: {}",
        all.len()
    );
    for (catalog, reference) in &all {
        let original = raw_of(catalog, reference);
        let authored =
            read(&exported(catalog, reference)).unwrap_or_else(|p| panic!("{reference}: {p:#?}"));
        assert!(
            same_raw(&original, &authored.raw),
            "{reference}:\n{}\n---\n{}",
            toml::to_string(&original).unwrap(),
            authored.toml
        );
        let model = Checklist::from_raw(original).expect("valid");
        assert_eq!(*authored.loaded.checklist, model, "{reference}");
        // The file written is the checklist too.
        let again: RawChecklist = toml::from_str(&authored.toml).expect("the written file parses");
        assert!(same_raw(&again, &authored.raw), "{reference}");
        assert_eq!(authored.loaded.file, reference.replace('@', "/") + ".toml");
        // The same version to the service too: its fingerprint (values, not
        // layout or comments) is the original's, so a database that knows
        // the original takes the imported file as unchanged.
        let original_fingerprint = &catalog.loaded(reference).unwrap().fingerprint;
        assert_eq!(
            &authored.loaded.fingerprint, original_fingerprint,
            "{reference}"
        );
    }
}

/// Every fixture workbook (self-checks of tests/fixtures, in every format),
/// recursively.
fn workbooks(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("fixtures") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            workbooks(&path, out);
        } else if path
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| ["xlsx", "xls", "ods"].contains(&x))
        {
            out.push(path);
        }
    }
}

#[test]
fn imported_checklists_score_every_workbook_as_the_originals() {
    let shipped = load(&root().join("checklists"));
    let imported = Catalog::from_sources(shipped.references().into_iter().map(|reference| {
        let authored = read(&exported(&shipped, &reference)).expect("imports");
        let file = reference.replace('@', "/") + ".toml";
        (file, &*Box::leak(authored.toml.into_boxed_str()))
    }))
    .expect("imported files load");

    let mut files = Vec::new();
    workbooks(&root().join("tests/fixtures/workbooks"), &mut files);
    workbooks(&root().join("tests/fixtures/real-tables"), &mut files);
    files.sort();
    let limits = Limits::default();
    let mut scored = 0;
    for path in &files {
        let bytes = std::fs::read(path).expect("read");
        let name = path.display().to_string();
        let before = score_workbook(&bytes, &shipped, &limits);
        let after = score_workbook(&bytes, &imported, &limits);
        scored += usize::from(before.is_ok());
        let before = serde_json::to_string(&FileResult::new(name.clone(), before)).unwrap();
        let after = serde_json::to_string(&FileResult::new(name.clone(), after)).unwrap();
        assert_eq!(before, after, "{name}");
    }
    // Most fixtures score; the rest are refusals, which must agree too.
    assert!(scored >= 20, "{scored} of {} workbooks scored", files.len());
}

// ---------------------------------------------------------------------------
// Editing cells of an exported workbook

/// A new value for one cell.
#[derive(Clone, Copy)]
enum New {
    /// An inline string, as LibreOffice writes text.
    Text(&'static str),
    Number(&'static str),
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The parts of an xlsx, in zip order.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut parts = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).expect("entry");
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("read");
        parts.push((entry.name().expect("name").to_string(), data));
    }
    parts
}

fn rezip(parts: Vec<(String, Vec<u8>)>) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in parts {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        out.start_file(name, options).expect("start");
        out.write_all(&data).expect("write");
    }
    out.finish().expect("finish").into_inner()
}

fn part_text(parts: &[(String, Vec<u8>)], name: &str) -> String {
    let data = &parts.iter().find(|(n, _)| n == name).expect(name).1;
    String::from_utf8(data.clone()).unwrap()
}

/// Rewrites existing cells of an xlsx: `(sheet, "F12", value)`. Sheets are
/// found through workbook.xml's sheetId, which rust_xlsxwriter numbers as
/// its `sheetN.xml` parts.
fn edit(bytes: &[u8], edits: &[(&str, &str, New)]) -> Vec<u8> {
    let mut parts = unzip(bytes);
    let workbook = part_text(&parts, "xl/workbook.xml");
    for (sheet, cell, value) in edits {
        let at = workbook
            .find(&format!("<sheet name=\"{sheet}\""))
            .unwrap_or_else(|| panic!("sheet {sheet}"));
        let id_at = at + workbook[at..].find("sheetId=\"").unwrap() + 9;
        let id: String = workbook[id_at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let part = format!("xl/worksheets/sheet{id}.xml");
        let xml = part_text(&parts, &part);
        let start = xml
            .find(&format!("<c r=\"{cell}\""))
            .unwrap_or_else(|| panic!("{sheet}!{cell} is not written"));
        let tag_end = start + xml[start..].find('>').unwrap();
        let end = if xml.as_bytes()[tag_end - 1] == b'/' {
            tag_end + 1
        } else {
            start + xml[start..].find("</c>").unwrap() + 4
        };
        let new = match value {
            New::Text(t) => format!(
                "<c r=\"{cell}\" t=\"inlineStr\"><is><t>{}</t></is></c>",
                xml_escape(t)
            ),
            New::Number(n) => format!("<c r=\"{cell}\"><v>{n}</v></c>"),
        };
        let data = &mut parts.iter_mut().find(|(n, _)| *n == part).expect("part").1;
        *data = format!("{}{new}{}", &xml[..start], &xml[end..]).into_bytes();
    }
    rezip(parts)
}

/// Renames a sheet (in workbook.xml only, where names live).
fn rename_sheet(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    let mut parts = unzip(bytes);
    let workbook = part_text(&parts, "xl/workbook.xml");
    let renamed = workbook.replace(
        &format!("<sheet name=\"{from}\""),
        &format!("<sheet name=\"{to}\""),
    );
    assert_ne!(renamed, workbook, "sheet {from}");
    let data = &mut parts
        .iter_mut()
        .find(|(n, _)| n == "xl/workbook.xml")
        .unwrap()
        .1;
    *data = renamed.into_bytes();
    rezip(parts)
}

fn every_construct() -> (Catalog, Vec<u8>) {
    let catalog = load(&fixtures().join("checklists"));
    let bytes = exported(&catalog, "every-construct@2014");
    (catalog, bytes)
}

fn shown(problems: &[AuthoringProblem]) -> Vec<String> {
    problems.iter().map(ToString::to_string).collect()
}

// The fixture's rows (tests/fixtures/authoring/checklists/every-construct):
//   细则        row 2 A1 (choice) · 3 A2 (deduct) · 4 A3 (level) · 5 A4 · 6 B1 …
//               · 14 X1 (bonus, max 1) · 15 P1
//               columns A 编号 · B 类别 · F 分值 · G 评分方式
//   扣分与档次  rows 2–3 A1's options · 4–6 A2's deductions · 7–11 A3's levels
//               columns A 条目编号 · C 内容 · D 分值
//   等级        row 2 good · 3 best; column C 最低总分
//   基本信息    B3 版本
const CASES: &[(&str, &str, &str, New, &[&str])] = &[
    (
        "points not a multiple of 0.01",
        "扣分与档次",
        "D4",
        New::Number("0.005"),
        &["扣分与档次!D4：应为 0.01 的倍数，实际为 0.005"],
    ),
    (
        "an item's points not a multiple of 0.01",
        "细则",
        "F14",
        New::Text("1.005"),
        &[
            "细则!F14：应为 0.01 的倍数，实际为 1.005",
            // The domain's own follow-up: the value it could not take is 0.
            "细则!F14：分值应大于 0",
        ],
    ),
    (
        "a level worth more than its item",
        "扣分与档次",
        "D7",
        New::Number("3"),
        &["扣分与档次!D7：等级分值 3 超过条目分值 2"],
    ),
    (
        "unknown rule kind",
        "细则",
        "G2",
        New::Text("打分"),
        &[
            "细则!G2：“评分方式”不认识“打分”，应为 自评、是否、分档、每项计分、按比例、扣分、分级、选项、公式",
        ],
    ),
    (
        "unknown category",
        "细则",
        "B4",
        New::Text("Z"),
        &["细则!B4：未定义的类别“Z”"],
    ),
    (
        "duplicate item code",
        "细则",
        "A5",
        New::Text("A3"),
        &["细则!A5：重复的条目编号“A3”"],
    ),
    (
        "deduction for an unknown item",
        "扣分与档次",
        "A6",
        New::Text("X9"),
        &["扣分与档次!A6：条目编号“X9”不在“细则”中"],
    ),
    (
        "tier threshold not a number",
        "等级",
        "C3",
        New::Text("九十"),
        &["等级!C3：“最低总分”应为数值，实际为“九十”"],
    ),
    (
        "missing total",
        "基本信息",
        "B6",
        New::Text(""),
        &["基本信息!B6：“总分”未填写"],
    ),
    (
        "decimals not whole",
        "基本信息",
        "B7",
        New::Number("1.5"),
        &["基本信息!B7：“总分保留小数位数”应为不小于 0 的整数，实际为 1.5"],
    ),
    (
        "cap_total neither yes nor no",
        "基本信息",
        "B10",
        New::Text("也许"),
        &["基本信息!B10：“总分不超过满分”应填“是”或“否”，实际为“也许”"],
    ),
    (
        "missing version",
        "基本信息",
        "B3",
        New::Text(" "),
        &["基本信息!B3：“版本”未填写"],
    ),
];

#[test]
fn each_problem_is_named_by_its_cell() {
    let (_, bytes) = every_construct();
    for (what, sheet, cell, value, expected) in CASES {
        let problems = read(&edit(&bytes, &[(sheet, cell, *value)]))
            .map(|_| ())
            .expect_err(what);
        // Each of these is one mistake, reported once, at its cell.
        assert_eq!(shown(&problems), *expected, "{what}");
        assert!(problems.iter().all(|p| p.sheet == *sheet), "{what}");
    }
}

#[test]
fn every_problem_is_reported_at_once_and_nothing_is_written() {
    let (_, bytes) = every_construct();
    let picked = [0, 3, 6, 7, 11];
    let edits: Vec<(&str, &str, New)> = picked
        .iter()
        .map(|&n| (CASES[n].1, CASES[n].2, CASES[n].3))
        .collect();
    let bad = edit(&bytes, &edits);
    let problems = shown(&read(&bad).map(|_| ()).expect_err("invalid"));
    for &n in &picked {
        assert!(
            problems.contains(&CASES[n].4[0].to_string()),
            "{}: {problems:#?}",
            CASES[n].0
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("编制表.xlsx");
    std::fs::write(&file, &bad).unwrap();
    let out = dir.path().join("checklists");
    match import(&file, &out) {
        Err(ServiceError::Invalid(found)) => assert!(found.len() >= picked.len(), "{found:?}"),
        other => panic!("{other:?}"),
    }
    assert!(!out.exists(), "nothing is written while a problem exists");
}

#[test]
fn a_missing_sheet_or_column_is_named() {
    let (_, bytes) = every_construct();
    let renamed = rename_sheet(&bytes, "否决项", "否决");
    assert_eq!(
        shown(&read(&renamed).map(|_| ()).expect_err("a sheet is missing")),
        ["否决项：缺少工作表“否决项”"]
    );
    let no_column = edit(&bytes, &[("细则", "G1", New::Text("方式"))]);
    assert_eq!(
        shown(
            &read(&no_column)
                .map(|_| ())
                .expect_err("a column is missing")
        ),
        ["细则：找不到栏目行：缺少栏目“评分方式”"]
    );
}

#[test]
fn numbers_as_text_and_codes_as_numbers_are_read_as_meant() {
    let (catalog, bytes) = every_construct();
    let original = raw_of(&catalog, "every-construct@2014");
    let edited = edit(
        &bytes,
        &[
            // The version typed into a number cell, points typed as text.
            ("基本信息", "B3", New::Number("2014")),
            ("细则", "F2", New::Text(" 3 ")),
            ("扣分与档次", "D5", New::Text("０.５")),
        ],
    );
    let authored = read(&edited).unwrap_or_else(|p| panic!("{:#?}", shown(&p)));
    assert!(same_raw(&original, &authored.raw), "{}", authored.toml);
}

// ---------------------------------------------------------------------------
// Files re-saved by LibreOffice

#[test]
fn workbooks_resaved_by_libreoffice_import_equal() {
    let (catalog, _) = every_construct();
    let original = raw_of(&catalog, "every-construct@2014");
    for name in [
        "lo-every-construct.xlsx",
        "lo-every-construct.ods",
        "lo-every-construct.xls",
    ] {
        let bytes = std::fs::read(fixtures().join(name)).expect(name);
        let authored = read(&bytes).unwrap_or_else(|p| panic!("{name}: {:#?}", shown(&p)));
        assert!(
            same_raw(&original, &authored.raw),
            "{name}:\n{}",
            authored.toml
        );
    }
}

// ---------------------------------------------------------------------------
// Damaged bytes

#[test]
fn damaged_bytes_are_an_error_not_a_panic() {
    let (_, bytes) = every_construct();
    for len in (0..bytes.len()).step_by(97) {
        assert!(read(&bytes[..len]).is_err(), "truncated to {len} bytes");
    }
    // Flipped bytes anywhere: whatever comes back, it comes back.
    let mut seed: u64 = 0x2014;
    for _ in 0..300 {
        let mut damaged = bytes.clone();
        for _ in 0..4 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let at = (seed >> 33) as usize % damaged.len();
            damaged[at] ^= (seed >> 8) as u8 | 1;
        }
        let _ = read(&damaged);
    }
    let garbage = read(b"PK\x03\x04 not really a zip").expect_err("garbage");
    assert_eq!(garbage.len(), 1, "{garbage:?}");
    assert!(
        garbage[0].message.starts_with("编制表.xlsx："),
        "{garbage:?}"
    );
    let empty = read(b"").expect_err("empty");
    assert_eq!(shown(&empty), ["编制表.xlsx：文件为空"]);
}

// ---------------------------------------------------------------------------
// The command line

fn nianjian(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_nianjian"))
        .args(args)
        .output()
        .expect("run nianjian")
}

#[test]
fn cli_exports_imports_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("编制表.xlsx");
    let book_arg = book.to_str().unwrap();
    let fixture_dir = fixtures().join("checklists");
    let out = dir.path().join("out");
    let out_arg = out.to_str().unwrap();

    let exported = nianjian(&[
        "checklist",
        "export",
        "every-construct@2014",
        "-o",
        book_arg,
        "--checklists",
        fixture_dir.to_str().unwrap(),
    ]);
    assert!(exported.status.success(), "{exported:?}");

    let imported = nianjian(&["checklist", "import", book_arg, "-o", out_arg]);
    assert!(imported.status.success(), "{imported:?}");
    let stdout = String::from_utf8_lossy(&imported.stdout);
    assert!(stdout.starts_with("every-construct@2014\t"), "{stdout}");
    let written = out.join("every-construct/2014.toml");
    let text = std::fs::read_to_string(&written).expect("written");
    let catalog = load(&fixture_dir);
    let back: RawChecklist = toml::from_str(&text).unwrap();
    assert!(same_raw(&raw_of(&catalog, "every-construct@2014"), &back));
    // The folder written is a checklist folder like any other.
    assert!(load(&out).get("every-construct@2014").is_some());

    let again = nianjian(&["checklist", "import", book_arg, "-o", out_arg]);
    assert_eq!(again.status.code(), Some(2), "{again:?}");
    assert!(String::from_utf8_lossy(&again.stderr).contains("已存在，不会覆盖"));
    assert_eq!(std::fs::read_to_string(&written).unwrap(), text);

    let unknown = nianjian(&["checklist", "export", "nothing@1", "-o", book_arg]);
    assert_eq!(unknown.status.code(), Some(2), "{unknown:?}");
}

#[test]
fn cli_refuses_a_bad_workbook_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let (_, bytes) = every_construct();
    let bad = dir.path().join("bad.xlsx");
    std::fs::write(&bad, edit(&bytes, &[("细则", "G2", New::Text("打分"))])).unwrap();
    let garbage = dir.path().join("garbage.xlsx");
    std::fs::write(&garbage, b"not a workbook at all").unwrap();
    let out = dir.path().join("out");
    for (file, says) in [(&bad, "细则!G2："), (&garbage, "不是")] {
        let run = nianjian(&[
            "checklist",
            "import",
            file.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(run.status.code(), Some(2), "{run:?}");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(stderr.contains(says), "{stderr}");
        assert!(stderr.contains("未写入任何文件"), "{stderr}");
    }
    assert!(!out.exists());
}

// ---------------------------------------------------------------------------
// What people read: the workbook's sheets and the file written

/// Every sheet of a workbook as the project's reader sees it: a line per
/// row, `A1=value` per non-empty cell.
fn grid(bytes: &[u8]) -> String {
    use nianjian::ingest::values::shown;
    use nianjian::ingest::workbook::{cell_ref, read_workbook};
    let book = read_workbook(bytes, &|_| true, &Limits::default()).expect("readable");
    let mut out = String::new();
    for sheet in &book.sheets {
        out.push_str(&format!("== {}\n", sheet.name));
        for (row, cells) in sheet.rows() {
            let cells: Vec<String> = cells
                .iter()
                .map(|(col, v)| format!("{}={}", cell_ref(row, *col), shown(v)))
                .collect();
            out.push_str(&cells.join(" | "));
            out.push('\n');
        }
    }
    out
}

#[test]
fn the_workbook_and_the_file_read_well() {
    let (catalog, bytes) = every_construct();
    insta::assert_snapshot!("authoring_workbook_every_construct", grid(&bytes));
    let authored = read(&bytes).expect("imports");
    insta::assert_snapshot!("authoring_file_every_construct", authored.toml);
    // The names of the download and of the sheets.
    let download = export(&catalog, "every-construct@2014").unwrap();
    assert_eq!(
        download.file_name,
        "考核细则编制表-every-construct@2014.xlsx"
    );
}
