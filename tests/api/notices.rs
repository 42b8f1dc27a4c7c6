//! 整改通知书 over HTTP: numbered per year in the order the bureau issues
//! them, the number kept on every later print, the bureau's name, address
//! and telephone from the settings, drafts for readers before issue.

use futures_util::future::join_all;

use nianjian::reports::bureau::Bureau;
use nianjian::web::Settings;

use crate::helpers::{Book, TestApp};

const UNITS: [(&str, &str); 3] = [
    ("330102301", "小营巷社区"),
    ("330102302", "葵巷社区"),
    ("330102303", "长明寺巷社区"),
];

async fn app() -> TestApp {
    let bureau = Bureau::new(
        "杭州市上城区档案局",
        Some("杭州市上城区示范路 1 号"),
        Some("0571-87000000"),
        None,
    )
    .expect("bureau");
    TestApp::spawn_with(Settings {
        bureau,
        ..Settings::default()
    })
    .await
}

/// Uploads a middling self-check (orders to rectify) for each unit.
async fn upload_all(app: &TestApp, token: &str, units: &[(&str, &str)], year: i32) {
    for (n, (code, name)) in units.iter().enumerate() {
        let book = Book {
            code,
            name,
            year,
            quality: 0.6,
            seed: n as u64 + 1,
            ..Book::default()
        };
        let (status, body) = app
            .upload(token, &format!("{code}.xlsx"), app.workbook(&book))
            .await;
        assert_eq!(status, 200, "{body}");
    }
}

async fn notice(app: &TestApp, token: &str, code: &str, year: i32) -> String {
    let (status, _, bytes) = app
        .get_bytes(
            token,
            &format!("/api/v1/units/{code}/notice.html?year={year}"),
        )
        .await;
    let page = String::from_utf8(bytes).expect("utf-8");
    assert_eq!(status, 200, "{page}");
    page
}

fn number(year: i32, n: i32) -> String {
    format!("<p class=\"number\">上城区档案局整改字〔{year}〕第 {n} 号</p>")
}

#[actix_web::test]
async fn notices_are_numbered_per_year_in_issue_order_and_keep_their_number() {
    let app = app().await;
    let inspector = app.login("inspector").await;
    let leader = app.login("leader").await;
    upload_all(&app, &inspector, &UNITS, 2012).await;
    app.add_unit_user("kuixiang", UNITS[1].0);
    let unit = app.login("kuixiang").await;

    // Before the bureau issues it, the unit and a leader read a draft, and
    // reading it takes no number.
    for token in [&unit, &leader] {
        let draft = notice(&app, token, UNITS[1].0, 2012).await;
        assert!(draft.contains("（未签发：档案局签发时编号）"), "{draft}");
        assert!(!draft.contains("整改字〔"));
    }
    // The bureau issues in its own order: 葵巷 first, then 小营巷.
    let first = notice(&app, &inspector, UNITS[1].0, 2012).await;
    assert!(first.contains(&number(2012, 1)), "{first}");
    assert!(first.contains("<td class=\"seq\">1</td>"), "orders listed");
    assert!(first.contains("<p class=\"bureau\">杭州市上城区档案局</p>"));
    assert!(first.contains("联系地址：杭州市上城区示范路 1 号"));
    assert!(first.contains("0571-87000000"));
    assert!(first.contains("<div class=\"seal\">（盖章）</div>"));
    let second = notice(&app, &inspector, UNITS[0].0, 2012).await;
    assert!(second.contains(&number(2012, 2)), "{second}");
    // Printed again, by anyone: the same number and date of issue.
    for token in [&inspector, &unit, &leader] {
        let again = notice(&app, token, UNITS[1].0, 2012).await;
        assert!(again.contains(&number(2012, 1)), "{again}");
        let date = |p: &str| {
            p.split("<p class=\"date\">")
                .nth(1)
                .and_then(|r| r.split("</p>").next())
                .map(str::to_string)
        };
        assert_eq!(date(&again), date(&first));
        assert!(date(&again).is_some_and(|d| d.ends_with('日') && d.contains('年')));
    }
    assert!(
        notice(&app, &inspector, UNITS[2].0, 2012)
            .await
            .contains(&number(2012, 3))
    );

    // The workbook carries the same number, issuer and contact.
    let (status, _, bytes) = app
        .get_bytes(
            &inspector,
            &format!("/api/v1/units/{}/notice.xlsx?year=2012", UNITS[0].0),
        )
        .await;
    assert_eq!(status, 200);
    let text = sheet_text(&bytes);
    for wanted in [
        "上城区档案局整改字〔2012〕第 2 号",
        "杭州市上城区档案局",
        "（盖章）",
        "联系地址：杭州市上城区示范路 1 号",
        "联系电话：0571-87000000",
    ] {
        assert!(text.iter().any(|t| t == wanted), "{wanted} in {text:?}");
    }

    // Another year counts from 1 again.
    upload_all(&app, &inspector, &UNITS[2..], 2011).await;
    let earlier = notice(&app, &inspector, UNITS[2].0, 2011).await;
    assert!(earlier.contains(&number(2011, 1)), "{earlier}");

    // Issuing is in the audit log.
    let (status, log) = app.get(Some(&inspector), "/api/v1/audit?limit=1000").await;
    assert_eq!(status, 200, "{log}");
    let issued = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["action"] == "issue_notice")
        .count();
    assert_eq!(issued, 4, "{log}");
}

#[actix_web::test]
async fn concurrent_first_prints_give_distinct_numbers() {
    let app = app().await;
    let inspector = app.login("inspector").await;
    let units: Vec<(String, String)> = (0..6)
        .map(|n| (format!("3301024{n:02}"), format!("测试{n}社区")))
        .collect();
    let borrowed: Vec<(&str, &str)> = units
        .iter()
        .map(|(c, n)| (c.as_str(), n.as_str()))
        .collect();
    upload_all(&app, &inspector, &borrowed, 2012).await;
    // Every unit twice at once: six numbers, each unit keeping one.
    let pages = join_all(
        borrowed
            .iter()
            .chain(borrowed.iter())
            .map(|(code, _)| notice(&app, &inspector, code, 2012)),
    )
    .await;
    let numbers: Vec<String> = pages
        .iter()
        .map(|p| {
            p.split("第 ")
                .nth(1)
                .and_then(|r| r.split(" 号").next())
                .expect("a number")
                .to_string()
        })
        .collect();
    assert_eq!(numbers[..6], numbers[6..], "a unit's two prints agree");
    let mut distinct: Vec<i32> = numbers[..6].iter().map(|n| n.parse().expect("n")).collect();
    distinct.sort_unstable();
    assert_eq!(distinct, [1, 2, 3, 4, 5, 6]);
}

/// Every text cell of the notice workbook's first sheet.
fn sheet_text(bytes: &[u8]) -> Vec<String> {
    use calamine::Reader;
    let mut book =
        calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).expect("sheet");
    range
        .cells()
        .filter_map(|(_, _, c)| match c {
            calamine::Data::String(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}
