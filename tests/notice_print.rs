//! The 整改通知书 printed by a real browser: headless Chromium prints the
//! rendered HTML to PDF and the pages are counted from the PDF itself.
//!
//! - 14 orders (with the longest requirement texts of community@2013) fit
//!   on one A4 page;
//! - 40 orders run onto more pages, and the signature (落款) stands on the
//!   last page together with the last rows, never alone.
//!
//! Needs Debian's `chromium`. Without it the tests say so and pass, unless
//! `NIANJIAN_BROWSER_TESTS=required` (set by `.ci/run`), where they fail.
//! The PDFs land in `target/tmp/notice-print/` to look at.
//!
//! Also an insta snapshot of the notice's HTML (`tests/snapshots/`).

#[path = "support/pdf.rs"]
mod pdf;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use nianjian::domain::Points;
use nianjian::ingest::checklists::Catalog;
use nianjian::reports::bureau::Bureau;
use nianjian::reports::html::Html;
use nianjian::reports::model::{Notice, NoticeIssue, OrderFacts, UnitCard, notice};
use pdf::{chromium_available, print_to_pdf};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a date")
}

/// A unit's card for 2012 with `n` open orders: the checklist's items with
/// the longest wording first (the notice is then as long as it gets).
fn card(n: usize) -> UnitCard {
    let catalog = Catalog::embedded().expect("shipped checklists");
    let checklist = catalog.get("community@2013").expect("community@2013");
    let mut items: Vec<_> = checklist
        .items
        .iter()
        .filter_map(|i| Some((i.code.clone(), i.title.clone(), i.requirement.clone()?)))
        .collect();
    items.sort_by_key(|(_, t, r)| std::cmp::Reverse(t.chars().count() + r.chars().count()));
    let orders = (0..n)
        .map(|k| {
            let (code, title, requirement) = items[k % items.len()].clone();
            OrderFacts {
                id: k as i64 + 1,
                unit_code: "330102301".into(),
                unit_name: "小营巷社区".into(),
                street: Some("小营街道".into()),
                item: Some(code),
                title,
                requirement,
                state: "open".into(),
                state_label: "待整改".into(),
                due: format!("2013-01-{:02}", 4 + k % 20),
                days_overdue: 0,
                origin_year: 2012,
            }
        })
        .collect();
    UnitCard {
        code: "330102301".into(),
        name: "小营巷社区".into(),
        kind: "社区".into(),
        street: "小营街道".into(),
        year: 2012,
        checklist: "community@2013".into(),
        checklist_title: checklist.title.clone(),
        total: Points(7250),
        self_total: Points(7800),
        raw: Points(7250),
        applicable_max: Points(10000),
        reviewed: true,
        tier: "市级规范化档案室".into(),
        grade: "合格".into(),
        target_tier: String::new(),
        categories: Vec::new(),
        tiers: Vec::new(),
        next_tier: None,
        next_tier_missing: Vec::new(),
        vetoes: Vec::new(),
        total_notes: Vec::new(),
        lost_items: Vec::new(),
        orders,
        generated_at: "2012-12-14 09:00".into(),
        publication: None,
    }
}

/// The notice of `n` orders, issued as 第 7 号 on 2012-12-14 by the demo bureau.
fn issued(n: usize) -> Notice {
    let issue = NoticeIssue {
        serial: 7,
        issued_on: date(2012, 12, 14),
    };
    notice(&Bureau::demo(), &card(n), Some(issue), date(2013, 3, 1))
}

/// The notice as HTML with link markers the PDF keeps (an annotation per
/// link, on the page where it lands): each row's 序号 and the issuer's name.
fn marked_html(notice: &Notice) -> String {
    let mut page = Html::new(None)
        .expect("templates")
        .notice(notice)
        .expect("renders");
    for line in &notice.lines {
        let n = line.number;
        let cell = format!("<td class=\"seq\">{n}</td>");
        assert!(page.contains(&cell), "row {n} in the page");
        page = page.replacen(
            &cell,
            &format!("<td class=\"seq\"><a href=\"https://marker.invalid/row-{n}\">{n}</a></td>"),
            1,
        );
    }
    let issuer = format!("<p class=\"bureau\">{}</p>", notice.bureau);
    assert!(page.contains(&issuer), "the signature in the page");
    page.replace(
        &issuer,
        &format!(
            "<p class=\"bureau\"><a href=\"https://marker.invalid/sign\">{}</a></p>",
            notice.bureau
        ),
    )
}

/// The objects of a PDF as Chromium writes it (dictionaries in the clear,
/// no object streams): number → the text before any stream data.
fn objects(pdf: &[u8]) -> BTreeMap<u32, String> {
    let mut found = BTreeMap::new();
    let marker = b" 0 obj";
    let mut at = 0;
    while let Some(pos) = find(&pdf[at..], marker).map(|p| p + at) {
        let start = pdf[..pos]
            .iter()
            .rposition(|b| !b.is_ascii_digit())
            .map_or(0, |p| p + 1);
        let body_start = pos + marker.len();
        let end = find(&pdf[body_start..], b"endobj").map_or(pdf.len(), |e| e + body_start);
        let body = &pdf[body_start..end];
        let body = find(body, b"stream").map_or(body, |s| &body[..s]);
        if let Ok(number) = std::str::from_utf8(&pdf[start..pos])
            .unwrap_or("")
            .parse::<u32>()
        {
            found.insert(number, String::from_utf8_lossy(body).into_owned());
        }
        at = end;
    }
    found
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The object numbers in `[1 0 R 2 0 R]` after `key` in `dict`.
fn refs(dict: &str, key: &str) -> Vec<u32> {
    let Some(from) = dict.find(key) else {
        return Vec::new();
    };
    let rest = &dict[from + key.len()..];
    let (open, close) = (rest.find('[').expect("["), rest.find(']').expect("]"));
    let words: Vec<&str> = rest[open + 1..close].split_whitespace().collect();
    words
        .chunks(3)
        .filter(|c| c.len() == 3 && c[2] == "R")
        .map(|c| c[0].parse().expect("object number"))
        .collect()
}

/// Per printed page, in order: the marker links on it (`row-7`, `sign`).
fn pages(pdf: &[u8]) -> Vec<Vec<String>> {
    let objects = objects(pdf);
    let tree = objects
        .values()
        .find(|o| o.contains("/Type /Pages"))
        .expect("a page tree");
    let kids = refs(tree, "/Kids");
    let count: usize = tree
        .split("/Count")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.trim_end_matches(">>").parse().ok())
        .expect("/Count");
    let leaves = objects
        .values()
        .filter(|o| {
            o.contains("/Type /Page\n") || o.contains("/Type /Page/") || o.contains("/Type /Page ")
        })
        .count();
    assert_eq!(kids.len(), count, "one level of pages, as Chromium writes");
    assert_eq!(leaves, count, "every /Type /Page object is a listed page");
    kids.iter()
        .map(|page| {
            let mut markers: Vec<String> = refs(&objects[page], "/Annots")
                .iter()
                .filter_map(|a| {
                    let annot = &objects[a];
                    let uri = annot.split("/URI (").nth(1)?.split(')').next()?;
                    uri.strip_prefix("https://marker.invalid/")
                        .map(str::to_string)
                })
                .collect();
            // Rows by number, the signature after them.
            markers.sort_by_key(|m| {
                m.strip_prefix("row-")
                    .map_or(u32::MAX, |n| n.parse().unwrap_or(0))
            });
            markers
        })
        .collect()
}

#[test]
fn fourteen_orders_print_on_one_a4_page() {
    if !chromium_available("print the notices to PDF") {
        return;
    }
    let notice = issued(14);
    assert_eq!(notice.lines.len(), 14);
    let pdf = print_to_pdf("notice-print", &marked_html(&notice), "notice-14");
    let pages = pages(&pdf);
    eprintln!("14 orders: {} page(s)", pages.len());
    assert_eq!(pages.len(), 1, "14 orders on one page: {pages:?}");
    let mut expected: Vec<String> = (1..=14).map(|n| format!("row-{n}")).collect();
    expected.push("sign".into());
    assert_eq!(pages[0], expected, "every row and the signature on page 1");
}

#[test]
fn forty_orders_continue_and_the_signature_stays_with_the_last_rows() {
    if !chromium_available("print the notices to PDF") {
        return;
    }
    let notice = issued(40);
    let pdf = print_to_pdf("notice-print", &marked_html(&notice), "notice-40");
    let pages = pages(&pdf);
    eprintln!(
        "40 orders: {} pages, rows per page {:?}",
        pages.len(),
        pages
            .iter()
            .map(|p| p.iter().filter(|m| m.starts_with("row-")).count())
            .collect::<Vec<_>>()
    );
    assert!(pages.len() > 1, "40 orders need more than one page");
    let last = pages.last().expect("pages");
    assert!(
        last.contains(&"sign".to_string()),
        "signature on the last page: {pages:?}"
    );
    for n in [39, 40] {
        assert!(
            last.contains(&format!("row-{n}")),
            "row {n} beside the signature: {pages:?}"
        );
    }
    // Each row printed once, in order across the pages; the signature once.
    let rows: Vec<String> = pages
        .iter()
        .flatten()
        .filter(|m| m.starts_with("row-"))
        .cloned()
        .collect();
    let expected: Vec<String> = (1..=40).map(|n| format!("row-{n}")).collect();
    assert_eq!(rows, expected);
    assert_eq!(pages.iter().flatten().filter(|m| *m == "sign").count(), 1);
    // Page 1 holds rows, not just the heading.
    assert!(
        pages[0].len() >= 10,
        "page 1 holds most of a page of rows: {pages:?}"
    );
}

/// The notice's HTML (the article; the inlined CSS is left out) as a snapshot.
#[test]
fn the_notice_html_reads_as_expected() {
    let notice = issued(3);
    let page = Html::new(None)
        .expect("templates")
        .notice(&notice)
        .expect("renders");
    let start = page.find("<article class=\"notice\">").expect("article");
    let end = page.find("</article>").expect("article end") + "</article>".len();
    insta::assert_snapshot!("notice_three_orders", &page[start..end]);
}
