//! `checklist diff` as people read it: the terminal text and the printable
//! document for community@2012 → community@2013 and for a second-edition
//! pair (insta snapshots, read as a reviewer would write them), the command
//! line, and the document printed to A4 by a real browser.
//!
//! The second-edition pair is yanbian-community@v1 as shipped and a v2 made
//! from it here (groups, choice, level, deduct, inspector, bonus, a `when`
//! veto, `requires`, decimals).
//!
//! The print check needs Debian's `chromium`; without it the test says so
//! and passes, unless `NIANJIAN_BROWSER_TESTS=required`.

#[path = "support/pdf.rs"]
mod pdf;

use std::process::Command;

use nianjian::domain::Checklist;
use nianjian::domain::checklist::diff::{Change, ChecklistDiff, ItemField, diff};
use nianjian::ingest::checklists::Catalog;
use nianjian::reports::checklist_diff::{diff_document, diff_fragment, diff_text};
use nianjian::reports::html::Html;
use pdf::{chromium_available, print_to_pdf};

fn shipped(reference: &str) -> Checklist {
    let catalog = Catalog::embedded().expect("shipped checklists");
    catalog.get(reference).expect(reference).as_ref().clone()
}

fn community() -> (Checklist, Checklist, ChecklistDiff) {
    let (old, new) = (shipped("community@2012"), shipped("community@2013"));
    let changes = diff(&old, &new);
    (old, new, changes)
}

fn edit(text: &str, edits: &[(&str, &str)]) -> String {
    let mut out = text.to_string();
    for (from, to) in edits {
        assert!(out.contains(from), "the v1 file holds {from:?}");
        out = out.replacen(from, to, 1);
    }
    out
}

/// yanbian-community v2, edited from v1: every second-edition construct
/// changes somewhere.
fn yanbian_v2() -> String {
    let v1 = include_str!("../checklists/yanbian-community/v1.toml");
    edit(
        v1,
        &[
            ("version = \"v1\"", "version = \"v2\""),
            (
                "（一、机构与组织管理）\"",
                "（一、机构与组织管理，2014年修订）\"\ndecimals = 2",
            ),
            (
                "options = [\"社区文书\", \"其他人员\"]",
                "options = [\"社区文书\", \"其他人员\", \"无\"]",
            ),
            (
                "title = \"确定了档案工作人员\"",
                "title = \"确定了专（兼）职档案工作人员\"",
            ),
            (
                "points = { \"社区文书\" = 3, \"其他人员\" = 1 }",
                "points = { \"社区文书\" = 3, \"其他人员\" = 1.5 }",
            ),
            ("code = \"A1b\"", "code = \"A1c\""),
            ("[\"范围不全（扣3分）\", 2],", "[\"范围不全（扣3分）\", 1],"),
            (
                "  { text = \"每缺一种档案\", points = 1 },",
                "  { text = \"每缺一种档案\", points = 1 },\n  { text = \"未建立档案集中管理台账\", points = 0.5, once = true },",
            ),
            (
                "rule = \"self\"\nassessed_by = \"inspector\"",
                "rule = \"self\"\nstep = 1",
            ),
            (
                "evidence = \"从档案的形成及收集效果",
                "evidence = \"从档案的收集效果",
            ),
            (
                "# ---------------------------------------------------------------- 验收",
                "[[items]]\ncode = \"J1\"\ncategory = \"A\"\nkind = \"bonus\"\n\
                 title = \"档案工作获县级以上表彰\"\nmax = 1\nrule = \"self\"\nstep = 1\n\n\
                 [[vetoes]]\nwhen = \"${archivist_role} == \\\"无\\\"\"\nreason = \"未确定档案工作人员\"\n",
            ),
            (
                "requires = \"points(A3) >= 3\"",
                "requires = \"points(A3) >= 4\"",
            ),
        ],
    )
}

/// A checklist folder with yanbian-community v1 and v2.
fn second_edition_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("yanbian-community");
    std::fs::create_dir_all(&folder).expect("folder");
    std::fs::write(
        folder.join("v1.toml"),
        include_str!("../checklists/yanbian-community/v1.toml"),
    )
    .expect("v1");
    std::fs::write(folder.join("v2.toml"), yanbian_v2()).expect("v2");
    dir
}

fn second_edition() -> (Checklist, Checklist, ChecklistDiff) {
    let dir = second_edition_dir();
    let catalog = Catalog::load_dir(dir.path()).unwrap_or_else(|p| panic!("{p:#?}"));
    let old = catalog
        .get("yanbian-community@v1")
        .expect("v1")
        .as_ref()
        .clone();
    let new = catalog
        .get("yanbian-community@v2")
        .expect("v2")
        .as_ref()
        .clone();
    let changes = diff(&old, &new);
    (old, new, changes)
}

fn html() -> Html {
    Html::new(None).expect("templates")
}

/// The document with its inlined style left out (the CSS is not the
/// document's content; report.css has its own checks).
fn without_style(page: &str) -> String {
    let start = page.find("<style>").expect("style") + "<style>".len();
    let end = page.find("</style>").expect("style end");
    format!("{}…{}", &page[..start], &page[end..])
}

#[test]
fn community_2012_to_2013_matches_items_by_meaning() {
    let (_, _, changes) = community();
    let pair = |old_code: &str| {
        changes.items.iter().find_map(|c| match c {
            Change::Changed { old, new, fields } if old.code == old_code => {
                Some((new.code.clone(), fields.clone()))
            }
            _ => None,
        })
    };
    // Same wording, new code: renumbered, not removed and added.
    let (code, fields) = pair("A3").expect("A3 matched");
    assert_eq!(code, "A7");
    assert!(!fields.iter().any(|f| matches!(f, ItemField::Title(_))));
    // Nearly the same wording (a parenthesis dropped): renumbered and re-worded.
    let (code, fields) = pair("A4").expect("A4 matched");
    assert_eq!(code, "A8");
    assert!(fields.iter().any(|f| matches!(f, ItemField::Title(_))));
    // A code reused for another item: the old one removed.
    assert!(
        changes
            .items
            .iter()
            .any(|c| matches!(c, Change::Removed(i) if i.code == "A2"))
    );
}

#[test]
fn community_2012_to_2013_as_text() {
    let (old, new, changes) = community();
    let text = diff_text(&changes, &old, &new);
    assert!(!text.contains("room_area"), "labels, not keys");
    insta::assert_snapshot!("community_2012_2013_text", text);
}

#[test]
fn community_2012_to_2013_as_document() {
    let (old, new, changes) = community();
    let page = diff_document(&html(), &changes, &old, &new).expect("renders");
    assert!(page.starts_with("<!doctype html>") || page.contains("\n<!doctype html>"));
    assert!(page.contains("@page { size: A4;"), "print style inlined");
    assert!(page.contains(".cl-diff del"), "the diff's classes inlined");
    insta::assert_snapshot!("community_2012_2013_document", without_style(&page));
}

#[test]
fn the_fragment_is_the_documents_body() {
    let (old, new, changes) = community();
    let fragment = diff_fragment(&html(), &changes, &old, &new).expect("renders");
    let page = diff_document(&html(), &changes, &old, &new).expect("renders");
    assert!(!fragment.contains("<html") && !fragment.contains("<head>"));
    assert!(
        fragment
            .trim_start()
            .starts_with("<section class=\"cl-diff\">")
    );
    assert!(
        page.contains(fragment.trim()),
        "the same body in the document"
    );
}

#[test]
fn second_edition_pair_as_text() {
    let (old, new, changes) = second_edition();
    insta::assert_snapshot!("yanbian_v1_v2_text", diff_text(&changes, &old, &new));
}

#[test]
fn the_same_version_says_so() {
    let old = shipped("community@2013");
    let changes = diff(&old, &old);
    assert!(changes.is_empty());
    assert!(diff_text(&changes, &old, &old).contains("两个版本内容相同，没有变更。"));
    let page = diff_document(&html(), &changes, &old, &old).expect("renders");
    assert!(page.contains("两个版本内容相同，没有变更。"));
}

#[test]
fn checklist_text_is_escaped_in_the_document() {
    let dir = second_edition_dir();
    let hostile = edit(
        &yanbian_v2(),
        &[(
            "title = \"档案工作获县级以上表彰\"",
            "title = \"<script>alert(1)</script>&表彰\"",
        )],
    );
    std::fs::write(dir.path().join("yanbian-community/v2.toml"), hostile).expect("v2");
    let catalog = Catalog::load_dir(dir.path()).unwrap_or_else(|p| panic!("{p:#?}"));
    let old = catalog.get("yanbian-community@v1").expect("v1");
    let new = catalog.get("yanbian-community@v2").expect("v2");
    let page = diff_document(&html(), &diff(old, new), old, new).expect("renders");
    assert!(!page.contains("<script>"), "no markup from the checklist");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;表彰"));
}

fn nianjian(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_nianjian"))
        .args(args)
        .env("NIANJIAN_LOG", "warn")
        .output()
        .expect("run nianjian")
}

#[test]
fn cli_prints_the_text_and_writes_the_document() {
    let out = tempfile::tempdir().expect("temp dir");
    let file = out.path().join("对照.html");
    let run = nianjian(&[
        "checklist",
        "diff",
        "community@2012",
        "community@2013",
        "--html",
        file.to_str().expect("path"),
    ]);
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    let stdout = String::from_utf8(run.stdout).expect("utf-8");
    let (old, new, changes) = community();
    assert_eq!(stdout, diff_text(&changes, &old, &new));
    assert!(stdout.contains("  A3 改为 A7（内容未变）\n"));
    let page = std::fs::read_to_string(&file).expect("document written");
    assert!(page.contains("考核细则变更对照"));
}

#[test]
fn cli_exits_zero_without_changes_and_two_for_an_unknown_version() {
    let same = nianjian(&["checklist", "diff", "community@2013", "community@2013"]);
    assert_eq!(same.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&same.stdout).contains("没有变更"));

    let unknown = nianjian(&["checklist", "diff", "community@2012", "community@2099"]);
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.contains("未知的考核细则 community@2099"), "{stderr}");
    assert!(unknown.stdout.is_empty());
}

#[test]
fn cli_reads_the_checklists_folder_given() {
    let dir = second_edition_dir();
    let run = nianjian(&[
        "checklist",
        "diff",
        "yanbian-community@v1",
        "yanbian-community@v2",
        "--checklists",
        dir.path().to_str().expect("path"),
    ]);
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    let (old, new, changes) = second_edition();
    assert_eq!(
        String::from_utf8(run.stdout).expect("utf-8"),
        diff_text(&changes, &old, &new)
    );
}

/// The page objects' bodies (`/Type /Page`, not `/Pages`), in file order.
fn page_objects(pdf: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(pdf);
    text.split("endobj")
        .filter(|o| {
            o.contains("/Type /Page\n") || o.contains("/Type /Page/") || o.contains("/Type /Page ")
        })
        .map(|o| o.split("stream").next().unwrap_or(o).to_string())
        .collect()
}

/// The numbers of `/MediaBox [x0 y0 x1 y1]`.
fn media_box(page: &str) -> Vec<f64> {
    let rest = page.split("/MediaBox").nth(1).expect("a MediaBox");
    let (open, close) = (rest.find('[').expect("["), rest.find(']').expect("]"));
    rest[open + 1..close]
        .split_whitespace()
        .map(|n| n.parse().expect("a number"))
        .collect()
}

#[test]
fn the_document_prints_on_a4_with_headers_on_every_page() {
    if !chromium_available("print the checklist diff to PDF") {
        return;
    }
    let (old, new, changes) = community();
    let page = diff_document(&html(), &changes, &old, &new).expect("renders");
    // A link in every table header: a repeated header prints it again,
    // so each page that continues a table carries the link.
    let head = "<th class=\"text\">对象</th>";
    assert!(page.contains(head));
    let marked = page.replace(
        head,
        "<th class=\"text\"><a href=\"https://marker.invalid/head\">对象</a></th>",
    );
    let pdf = print_to_pdf("checklist-diff-print", &marked, "community-2012-2013");
    let pages = page_objects(&pdf);
    eprintln!("community@2012 → 2013: {} A4 pages", pages.len());
    assert!(
        (4..=20).contains(&pages.len()),
        "a sane page count: {}",
        pages.len()
    );
    for (n, p) in pages.iter().enumerate() {
        let b = media_box(p);
        assert_eq!(b.len(), 4, "page {n}");
        assert!(
            (b[2] - b[0] - 595.0).abs() < 1.0 && (b[3] - b[1] - 842.0).abs() < 1.0,
            "page {n} is A4 (595×842 pt): {b:?}"
        );
    }
    let with_head = pages.iter().filter(|p| p.contains("/Annots")).count();
    eprintln!("{with_head} pages carry a table header");
    assert!(
        with_head + 1 >= pages.len(),
        "table headers repeat: {with_head} of {} pages carry one",
        pages.len()
    );
}
