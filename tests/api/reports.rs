//! District reports against the database: a small district is built through
//! the real upload and review endpoints, then the xlsx (over HTTP and from
//! `nianjian report`) is opened with calamine and the HTML dashboard read,
//! and every figure checked against numbers worked out by hand from the
//! workbooks sent and against GET /api/v1/assessments.
//!
//! The district, all communities on community@2013 with full marks except
//! where said (B3 gives 2 points from 40 ㎡, 1.5 from 30, 1 from 20; B12 one
//! point per computer and scanner present; min_inputs room_area 20 / 30 / 40
//! for 市级规范化 / 省级规范化 / 省级示范):
//!
//! | unit | street | 2011 | 2012 |
//! | --- | --- | --- | --- |
//! | 301 小营巷社区 | 小营 | 35 ㎡: 99.5 省级规范化 | 50 ㎡: 100.0 省级示范 |
//! | 302 葵巷社区 | 小营 | 25 ㎡: 99.0 市级规范化 | 50 ㎡ (100.0 省级示范), superseded by 25 ㎡: 99.0 市级规范化 |
//! | 303 长明寺巷社区 | 小营 | 15 ㎡: 98.0 未达标 | 50 ㎡: 100.0 省级示范, applied for it; review measures 35 ㎡: 99.5 省级规范化 |
//! | 304 湖滨社区 | 湖滨 | 50 ㎡: 100.0 省级示范 | 50 ㎡ with a loss incident: 100.0, vetoed, 未达标 |
//! | 305 `<script>…` | 湖滨 | — | 15 ㎡ and no computer: 97.0 未达标 |
//! | 306 `=HYPERLINK(…)` | 湖滨 | — | 25 ㎡: 99.0 市级规范化 |
//! | 307 定安社区 (roster only) | 湖滨 | — | — |

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Range, Reader};
use serde_json::{Value, json};

use nianjian::domain::{Decimal, InputValue};

use crate::helpers::{Book, TestApp, full_marks, roster_xlsx};

const SCRIPT: &str = "<script>alert(1)</script>";
const FORMULA: &str = "=HYPERLINK(\"http://x\",\"y\")";
const XIAOYING: &str = "小营街道";
const HUBIN: &str = "湖滨街道";

/// One self-check as uploaded.
struct Sent {
    code: &'static str,
    name: &'static str,
    street: &'static str,
    year: i32,
    room_area: i64,
    computer: i64,
    loss_incident: bool,
    target: Option<&'static str>,
}

fn sent(code: &'static str, name: &'static str, street: &'static str, year: i32) -> Sent {
    Sent {
        code,
        name,
        street,
        year,
        room_area: 50,
        computer: 2,
        loss_incident: false,
        target: None,
    }
}

fn workbook(app: &TestApp, s: &Sent) -> Vec<u8> {
    let checklist = app.catalog.get("community@2013").expect("checklist");
    let mut answers = full_marks(checklist);
    let number = |n: i64| InputValue::Number(Decimal::from_int(n));
    answers
        .inputs
        .insert("room_area".into(), number(s.room_area));
    answers.inputs.insert("computer".into(), number(s.computer));
    answers
        .inputs
        .insert("loss_incident".into(), InputValue::YesNo(s.loss_incident));
    app.workbook_with(
        &Book {
            code: s.code,
            name: s.name,
            street: s.street,
            year: s.year,
            target: s.target,
            ..Book::default()
        },
        answers,
    )
}

async fn upload(app: &TestApp, token: &str, s: &Sent) -> Value {
    let (status, body) = app
        .upload(
            token,
            &format!("{}-{}.xlsx", s.code, s.year),
            workbook(app, s),
        )
        .await;
    assert_eq!(status, 200, "{} {}: {body}", s.code, s.year);
    body
}

/// Builds the district of the module comment; returns the inspector's token.
async fn district(app: &TestApp) -> String {
    let admin = app.login("admin").await;
    let token = app.login("inspector").await;
    let (status, body) = app
        .post_files(
            Some(&admin),
            "/api/v1/units/import",
            vec![(
                "名册.xlsx".into(),
                roster_xlsx(&[["330102307", "定安社区", "社区", HUBIN, "", ""]]),
            )],
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // 2011.
    for s in [
        Sent {
            room_area: 35,
            ..sent("330102301", "小营巷社区", XIAOYING, 2011)
        },
        Sent {
            room_area: 25,
            ..sent("330102302", "葵巷社区", XIAOYING, 2011)
        },
        Sent {
            room_area: 15,
            ..sent("330102303", "长明寺巷社区", XIAOYING, 2011)
        },
        sent("330102304", "湖滨社区", HUBIN, 2011),
    ] {
        upload(app, &token, &s).await;
    }

    // 2012.
    upload(
        app,
        &token,
        &sent("330102301", "小营巷社区", XIAOYING, 2012),
    )
    .await;
    let first = upload(app, &token, &sent("330102302", "葵巷社区", XIAOYING, 2012)).await;
    assert_eq!(first["tier"]["code"], "province-model", "{first}");
    let newer = upload(
        app,
        &token,
        &Sent {
            room_area: 25,
            ..sent("330102302", "葵巷社区", XIAOYING, 2012)
        },
    )
    .await;
    assert_ne!(first["submission_id"], newer["submission_id"]);
    let reviewed = upload(
        app,
        &token,
        &Sent {
            target: Some("province-model"),
            ..sent("330102303", "长明寺巷社区", XIAOYING, 2012)
        },
    )
    .await;
    assert_eq!(reviewed["tier"]["code"], "province-model", "{reviewed}");
    upload(
        app,
        &token,
        &Sent {
            loss_incident: true,
            ..sent("330102304", "湖滨社区", HUBIN, 2012)
        },
    )
    .await;
    upload(
        app,
        &token,
        &Sent {
            room_area: 15,
            computer: 0,
            ..sent("330102305", SCRIPT, HUBIN, 2012)
        },
    )
    .await;
    upload(
        app,
        &token,
        &Sent {
            room_area: 25,
            ..sent("330102306", FORMULA, HUBIN, 2012)
        },
    )
    .await;

    // The room measured on site: 35 ㎡, not 50.
    let id = reviewed["submission_id"].as_i64().expect("submission id");
    let (status, body) = app
        .post(
            Some(&token),
            &format!("/api/v1/submissions/{id}/reviews"),
            json!({"kind": "spot", "note": "现场抽查",
                   "inputs": [{"key": "room_area", "value": 35, "reason": "现场测量为35平方米"}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["tier"]["code"], "province-standard", "{body}");
    token
}

// ------------------------------------------------------------------ reading

fn open(bytes: &[u8]) -> calamine::Xlsx<Cursor<Vec<u8>>> {
    calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("an xlsx")
}

fn sheet(bytes: &[u8], name: &str) -> Range<Data> {
    open(bytes)
        .worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"))
}

fn text(range: &Range<Data>, row: usize, col: usize) -> String {
    match range.get((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// A number cell; None when the cell is empty.
fn number(range: &Range<Data>, row: usize, col: usize) -> Option<f64> {
    match range.get((row, col)) {
        Some(Data::Float(f)) => Some(*f),
        Some(Data::Int(i)) => Some(*i as f64),
        Some(Data::Empty) | None => None,
        Some(other) => panic!("({row}, {col}) is not a number: {other:?}"),
    }
}

fn count(range: &Range<Data>, row: usize, col: usize) -> usize {
    number(range, row, col).unwrap_or_else(|| panic!("({row}, {col}) is empty")) as usize
}

/// The first row at or below `from` whose first cell is `first` and which
/// holds every one of `names`; its columns by header.
fn header(
    range: &Range<Data>,
    from: usize,
    first: &str,
    names: &[&str],
) -> (usize, HashMap<String, usize>) {
    (from..range.height())
        .find(|&r| {
            text(range, r, 0) == first
                && names
                    .iter()
                    .all(|n| (0..range.width()).any(|c| text(range, r, c) == *n))
        })
        .map(|r| {
            let columns = (0..range.width())
                .map(|c| (text(range, r, c), c))
                .filter(|(t, _)| !t.is_empty())
                .collect();
            (r, columns)
        })
        .unwrap_or_else(|| panic!("no header {first} with {names:?}"))
}

/// The row below `from` whose cell in `col` is `key`.
fn row_of(range: &Range<Data>, from: usize, col: usize, key: &str) -> usize {
    (from + 1..range.height())
        .find(|&r| text(range, r, col) == key)
        .unwrap_or_else(|| panic!("no row {key}"))
}

/// A tier-count row of 总览 as written: units, submitted, not submitted,
/// no tier, then per tier (市级规范化, 省级规范化, 省级示范) cumulative, exact
/// and last year's cumulative.
#[derive(Debug, PartialEq)]
struct Counts {
    units: usize,
    submitted: usize,
    not_submitted: usize,
    no_tier: usize,
    cumulative: [usize; 3],
    exact: [usize; 3],
    last_cumulative: [usize; 3],
}

const SHORT: [&str; 3] = ["市级规范化", "省级规范化", "省级示范"];

fn counts_row(range: &Range<Data>, row: usize, col: &HashMap<String, usize>) -> Counts {
    let at = |name: &str| count(range, row, col[name]);
    let per_tier = |prefix: &str| SHORT.map(|s| at(&prefix.replace('X', s)));
    Counts {
        units: at("单位数"),
        submitted: at("已提交"),
        not_submitted: at("未提交"),
        no_tier: at("未达标"),
        cumulative: per_tier("达到X及以上"),
        exact: per_tier("其中仅X"),
        last_cumulative: per_tier("上年达到X及以上"),
    }
}

/// 2012, the whole district (= the communities).
fn district_counts() -> Counts {
    Counts {
        units: 7,
        submitted: 6,
        not_submitted: 1,
        // 304 vetoed, 305 below every minimum.
        no_tier: 2,
        // 302 and 306 exactly 市级规范化, 303 (reviewed) 省级规范化, 301 省级示范.
        cumulative: [4, 2, 1],
        exact: [2, 1, 1],
        // 2011: 302 市级, 301 省级规范化, 304 省级示范; 303 none.
        last_cumulative: [3, 2, 1],
    }
}

fn street_counts(street: &str) -> Counts {
    match street {
        XIAOYING => Counts {
            units: 3,
            submitted: 3,
            not_submitted: 0,
            no_tier: 0,
            cumulative: [3, 2, 1],
            exact: [1, 1, 1],
            last_cumulative: [2, 1, 0],
        },
        _ => Counts {
            units: 4,
            submitted: 3,
            not_submitted: 1,
            no_tier: 2,
            cumulative: [1, 0, 0],
            exact: [1, 0, 0],
            last_cumulative: [1, 1, 1],
        },
    }
}

/// A unit's row of 单位明细: code, name, total, self total, tier.
type UnitRow = (
    &'static str,
    &'static str,
    Option<f64>,
    Option<f64>,
    &'static str,
);

/// Per unit in 2012, by hand.
fn expected_units() -> Vec<UnitRow> {
    vec![
        (
            "330102301",
            "小营巷社区",
            Some(100.0),
            Some(100.0),
            "省级示范档案室",
        ),
        (
            "330102302",
            "葵巷社区",
            Some(99.0),
            Some(99.0),
            "市级规范化档案室",
        ),
        (
            "330102303",
            "长明寺巷社区",
            Some(99.5),
            Some(100.0),
            "省级规范化档案室",
        ),
        ("330102304", "湖滨社区", Some(100.0), Some(100.0), "未达标"),
        ("330102305", SCRIPT, Some(97.0), Some(97.0), "未达标"),
        (
            "330102306",
            FORMULA,
            Some(99.0),
            Some(99.0),
            "市级规范化档案室",
        ),
        ("330102307", "定安社区", None, None, "未提交"),
    ]
}

const SENTENCE: &str = "7 个社区中，省级示范 1 个、省级规范化 2 个、市级规范化 4 个";

/// Checks 总览, 单位明细, 申报与认定 and 人财物投入 of a district workbook
/// against the figures worked out by hand and the API's assessments.
fn check_workbook(bytes: &[u8], assessments: &[Value]) {
    // 总览: the sentence, the counts by kind and by street, both cumulative and exact.
    let overview = sheet(bytes, "总览");
    assert!(
        (0..overview.height()).any(|r| text(&overview, r, 0) == format!("{SENTENCE}。")),
        "the bureau's sentence"
    );
    let (kinds, col) = header(&overview, 0, "类别", &["单位数", "其中仅省级示范"]);
    assert_eq!(text(&overview, kinds + 1, 0), "社区");
    assert_eq!(counts_row(&overview, kinds + 1, &col), district_counts());
    assert_eq!(text(&overview, kinds + 2, 0), "合计");
    assert_eq!(counts_row(&overview, kinds + 2, &col), district_counts());
    let (streets, col) = header(&overview, kinds, "街道", &["单位数"]);
    for street in [XIAOYING, HUBIN] {
        let row = row_of(&overview, streets, 0, street);
        assert_eq!(
            counts_row(&overview, row, &col),
            street_counts(street),
            "{street}"
        );
    }
    let total = row_of(&overview, streets, 0, "合计");
    assert_eq!(counts_row(&overview, total, &col), district_counts());

    // 单位明细: one row per roster unit, the reviewed figures where reviewed,
    // exactly what GET /api/v1/assessments says.
    let units = sheet(bytes, "单位明细");
    let (head, col) = header(
        &units,
        0,
        "单位代码",
        &[
            "单位名称",
            "总分",
            "自评总分",
            "是否复核",
            "等级",
            "申报等级",
            "是否达到",
        ],
    );
    let codes: Vec<String> = (head + 1..units.height())
        .map(|r| text(&units, r, 0))
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        codes,
        expected_units()
            .iter()
            .map(|u| u.0.to_string())
            .collect::<Vec<_>>()
    );
    for (code, name, total, self_total, tier) in expected_units() {
        let row = row_of(&units, head, 0, code);
        assert_eq!(text(&units, row, col["单位名称"]), name, "{code}");
        assert_eq!(number(&units, row, col["总分"]), total, "{code} 总分");
        assert_eq!(
            number(&units, row, col["自评总分"]),
            self_total,
            "{code} 自评总分"
        );
        assert_eq!(text(&units, row, col["等级"]), tier, "{code} 等级");
        let api = assessments.iter().find(|a| a["unit"]["code"] == code);
        match api {
            Some(a) => {
                assert_eq!(number(&units, row, col["总分"]), a["total"].as_f64());
                assert_eq!(
                    number(&units, row, col["自评总分"]),
                    a["self_total"].as_f64()
                );
                assert_eq!(
                    text(&units, row, col["等级"]),
                    a["tier"]["name"].as_str().unwrap_or("未达标"),
                    "{code}"
                );
                assert_eq!(
                    text(&units, row, col["是否复核"]),
                    if a["reviewed"] == true { "是" } else { "否" },
                    "{code}"
                );
            }
            None => assert_eq!(tier, "未提交", "{code} has no assessment"),
        }
    }
    // The reviewed unit applied for 省级示范 and, reviewed, did not reach it.
    let reviewed = row_of(&units, head, 0, "330102303");
    assert_eq!(text(&units, reviewed, col["申报等级"]), "省级示范档案室");
    assert_eq!(text(&units, reviewed, col["是否达到"]), "否");
    assert_eq!(text(&units, reviewed, col["是否复核"]), "是");

    // 申报与认定: self 100.0 against reviewed 99.5.
    let claims = sheet(bytes, "申报与认定");
    let (head, col) = header(&claims, 0, "单位代码", &["自评总分", "核定总分", "差额"]);
    let row = row_of(&claims, head, 0, "330102303");
    assert_eq!(number(&claims, row, col["自评总分"]), Some(100.0));
    assert_eq!(number(&claims, row, col["核定总分"]), Some(99.5));
    assert_eq!(number(&claims, row, col["差额"]), Some(0.5));

    // 人财物投入: the reviewed room (35 ㎡, not the 50 reported), the newest
    // submission's (25, not the superseded 50): 50+25+35+50+15+25.
    let inputs = sheet(bytes, "人财物投入");
    let (head, col) = header(
        &inputs,
        0,
        "类别",
        &[
            "项目",
            "填报单位数",
            "合计",
            "平均",
            "中位数",
            "是/有（个）",
            "覆盖率(%)",
        ],
    );
    let stats = |label: &str| {
        let row = row_of(&inputs, head, col["项目"], label);
        let get = |name: &str| number(&inputs, row, col[name]);
        (
            get("填报单位数"),
            text(&inputs, row, col["合计"]),
            get("平均"),
            get("中位数"),
            get("是/有（个）"),
            get("覆盖率(%)"),
        )
    };
    assert_eq!(
        stats("档案室面积"),
        (Some(6.0), "200".into(), Some(33.33), Some(30.0), None, None)
    );
    // Computers: 2 each, none at 305: five of six units have one.
    assert_eq!(
        stats("计算机"),
        (
            Some(6.0),
            "10".into(),
            Some(1.67),
            Some(2.0),
            Some(5.0),
            Some(83.33)
        )
    );
    assert_eq!(
        stats("扫描仪"),
        (
            Some(6.0),
            "6".into(),
            Some(1.0),
            Some(1.0),
            Some(6.0),
            Some(100.0)
        )
    );
    // A percentage is not summed.
    assert_eq!(
        stats("存量档案数字化率"),
        (Some(6.0), "—".into(), Some(100.0), Some(100.0), None, None)
    );
    // The veto's fact: one unit in six.
    let loss = stats("年度内发生档案损毁、丢失或泄密事件");
    assert_eq!((loss.4, loss.5), (Some(1.0), Some(16.67)));
}

async fn assessments(app: &TestApp, token: &str, year: i32) -> Vec<Value> {
    let (status, body) = app
        .get(Some(token), &format!("/api/v1/assessments?year={year}"))
        .await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().expect("items").clone()
}

/// The cells of the table row whose first cell is `label`, tags stripped.
fn html_row(page: &str, label: &str) -> Vec<String> {
    let start = page
        .match_indices("<tr")
        .map(|(at, _)| at)
        .find(|&at| {
            let row = &page[at..at + page[at..].find("</tr>").expect("row end")];
            let first = row.find("<td").map(|td| &row[td..]);
            first.is_some_and(|td| {
                let inner = &td[td.find('>').expect("td") + 1..];
                strip(&inner[..inner.find("</td>").expect("td end")]) == label
            })
        })
        .unwrap_or_else(|| panic!("no row {label}"));
    let row = &page[start..start + page[start..].find("</tr>").expect("row end")];
    row.split("<td")
        .skip(1)
        .map(|td| {
            let inner = &td[td.find('>').expect("td") + 1..];
            strip(&inner[..inner.find("</td>").unwrap_or(inner.len())])
        })
        .collect()
}

fn strip(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A tier-table row as the dashboard shows it: units, submitted, then per
/// tier from the highest: cumulative, last year's (with the change), exact;
/// then 未达标 and 未提交.
fn shown(label: &str, c: &Counts) -> Vec<String> {
    let mut cells = vec![
        label.to_string(),
        c.units.to_string(),
        c.submitted.to_string(),
    ];
    for t in (0..3).rev() {
        cells.push(c.cumulative[t].to_string());
        let change = c.cumulative[t] as i64 - c.last_cumulative[t] as i64;
        cells.push(match change {
            0 => c.last_cumulative[t].to_string(),
            d if d > 0 => format!("{} +{d}", c.last_cumulative[t]),
            d => format!("{} {d}", c.last_cumulative[t]),
        });
        cells.push(c.exact[t].to_string());
    }
    cells.push(c.no_tier.to_string());
    cells.push(c.not_submitted.to_string());
    cells
}

fn check_dashboard(page: &str) {
    assert!(page.contains(&format!("<li>{SENTENCE}</li>")), "sentence");
    assert!(
        page.contains("与 2011 年度相比（两年均参加年检的单位），升级 2 个、持平 1 个、降级 1 个")
    );
    assert_eq!(html_row(page, "社区"), shown("社区", &district_counts()));
    assert_eq!(html_row(page, "合计"), shown("合计", &district_counts()));
    for street in [XIAOYING, HUBIN] {
        assert_eq!(
            html_row(page, street),
            shown(street, &street_counts(street))
        );
    }
    for (value, label) in [
        ("7", "参加年检单位"),
        ("1", "达到省级示范及以上"),
        ("2", "达到省级规范化及以上"),
        ("4", "达到市级规范化及以上"),
        ("2", "未达标"),
    ] {
        assert!(
            page.contains(&format!(
                "<div class=\"n\">{value}</div><div class=\"l\">{label}</div>"
            )),
            "figure {label} = {value}"
        );
    }
    // 人财物投入: the reviewed room; percentages not summed.
    assert_eq!(
        html_row(page, "档案室面积（平方米）")[3..6],
        ["200", "33.33", "30"]
    );
    assert_eq!(html_row(page, "存量档案数字化率（%）")[3], "—");
    assert!(!page.contains("<script"), "no script at all");
}

// -------------------------------------------------------------------- tests

#[actix_web::test]
async fn the_district_workbook_counts_what_the_database_holds() {
    let app = TestApp::spawn().await;
    let token = district(&app).await;
    let now = assessments(&app, &token, 2012).await;
    assert_eq!(
        now.len(),
        6,
        "one current assessment per unit that submitted"
    );

    let (status, content_type, bytes) = app
        .get_bytes(&token, "/api/v1/reports/district.xlsx?year=2012")
        .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert!(content_type.contains("spreadsheetml"), "{content_type}");
    check_workbook(&bytes, &now);

    // A leader reads the same; a street's workbook counts that street only.
    let leader = app.login("leader").await;
    let (status, _, street) = app
        .get_bytes(
            &leader,
            &format!("/api/v1/reports/district.xlsx?year=2012&street={XIAOYING}"),
        )
        .await;
    assert_eq!(status, 200);
    let overview = sheet(&street, "总览");
    let (head, col) = header(&overview, 0, "类别", &["单位数"]);
    assert_eq!(
        counts_row(&overview, head + 1, &col),
        street_counts(XIAOYING)
    );
    let units = sheet(&street, "单位明细");
    let (head, _) = header(&units, 0, "单位代码", &["总分"]);
    let codes: Vec<String> = (head + 1..units.height())
        .map(|r| text(&units, r, 0))
        .collect();
    assert_eq!(codes, ["330102301", "330102302", "330102303"]);

    // Last year as its own report: 2011's figures, 2011's sentence.
    let (status, _, last) = app
        .get_bytes(&token, "/api/v1/reports/district.xlsx?year=2011")
        .await;
    assert_eq!(status, 200);
    let overview = sheet(&last, "总览");
    let (head, col) = header(&overview, 0, "类别", &["单位数"]);
    let at = |name: &str| count(&overview, head + 1, col[name]);
    assert_eq!(
        (at("单位数"), at("已提交"), at("未提交"), at("未达标")),
        (7, 4, 3, 1)
    );
    assert_eq!(
        SHORT.map(|s| at(&format!("达到{s}及以上"))),
        [3, 2, 1],
        "2011 cumulative"
    );
    assert_eq!(SHORT.map(|s| at(&format!("其中仅{s}"))), [1, 1, 1]);
}

#[actix_web::test]
async fn the_dashboard_shows_the_same_counts() {
    let app = TestApp::spawn().await;
    let token = district(&app).await;
    let (status, content_type, bytes) = app
        .get_bytes(&token, "/api/v1/reports/district.html?year=2012")
        .await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    check_dashboard(&String::from_utf8(bytes).expect("utf-8"));

    // The JSON model says the same.
    let (status, model) = app
        .get(Some(&token), "/api/v1/reports/district?year=2012")
        .await;
    assert_eq!(status, 200, "{model}");
    assert_eq!(model["total"]["cumulative"], json!([4, 2, 1]));
    assert_eq!(model["total"]["exact"], json!([2, 1, 1]));
    assert_eq!(model["total"]["not_submitted"], 1);
    assert_eq!(model["total"]["no_tier"], 2);
}

#[actix_web::test]
async fn hostile_unit_names_stay_inert() {
    let app = TestApp::spawn().await;
    let token = district(&app).await;

    // xlsx: strings, never formulas.
    let (_, _, bytes) = app
        .get_bytes(&token, "/api/v1/reports/district.xlsx?year=2012")
        .await;
    let mut book = open(&bytes);
    for name in ["单位明细", "申报与认定", "升降级"] {
        let formulas = book.worksheet_formula(name).expect("formulas");
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "no formula in {name}"
        );
    }
    let units = sheet(&bytes, "单位明细");
    let (head, col) = header(&units, 0, "单位代码", &["单位名称"]);
    for (code, name) in [("330102305", SCRIPT), ("330102306", FORMULA)] {
        let row = row_of(&units, head, 0, code);
        assert_eq!(
            units.get((row, col["单位名称"])),
            Some(&Data::String(name.into())),
            "{code}"
        );
    }
    let transitions = sheet(&bytes, "升降级");
    assert!(
        transitions
            .used_cells()
            .any(|(_, _, c)| matches!(c, Data::String(s) if s.contains(FORMULA))),
        "the transition lists name the unit, as text"
    );

    // HTML: the street page lists the units, the card names the unit; escaped.
    let escaped_script = "&lt;script&gt;alert(1)&lt;/script&gt;";
    let escaped_formula = "&#x3D;HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)";
    for path in [
        format!("/api/v1/reports/district.html?year=2012&street={HUBIN}"),
        "/api/v1/units/330102305/card.html?year=2012".to_string(),
        "/api/v1/units/330102306/card.html?year=2012".to_string(),
    ] {
        let (status, _, bytes) = app.get_bytes(&token, &path).await;
        assert_eq!(status, 200, "{path}");
        let page = String::from_utf8(bytes).expect("utf-8");
        assert!(!page.contains("<script"), "{path}: no script element");
        assert!(!page.contains(FORMULA), "{path}: quotes escaped");
        assert!(
            page.contains(escaped_script) || page.contains(escaped_formula),
            "{path} names the unit, escaped"
        );
    }
    let (_, _, street) = app
        .get_bytes(
            &token,
            &format!("/api/v1/reports/district.html?year=2012&street={HUBIN}"),
        )
        .await;
    let street = String::from_utf8(street).expect("utf-8");
    assert!(street.contains(escaped_script) && street.contains(escaped_formula));
}

#[actix_web::test]
async fn the_command_line_report_reads_the_same_database() {
    let app = TestApp::spawn().await;
    let token = district(&app).await;
    let now = assessments(&app, &token, 2012).await;
    let (status, _, http) = app
        .get_bytes(&token, "/api/v1/reports/district.xlsx?year=2012")
        .await;
    assert_eq!(status, 200);

    // Another process on the same database (SQLite file or PostgreSQL),
    // away from the working tree's checklists: the built-in ones are the
    // server's.
    let dir = tempfile::tempdir().expect("tempdir");
    let (xlsx, html) = (dir.path().join("汇总.xlsx"), dir.path().join("看板.html"));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_nianjian"))
        .current_dir(dir.path())
        .args([
            "report",
            "--database",
            &app.database_arg(),
            "--year",
            "2012",
        ])
        .arg("--xlsx")
        .arg(&xlsx)
        .arg("--html")
        .arg(&html)
        .output()
        .expect("runs nianjian");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains(SENTENCE), "{stdout}");
    assert!(stdout.contains("已提交 6，未提交 1，未达标 2"), "{stdout}");

    let cli = std::fs::read(&xlsx).expect("the workbook was written");
    check_workbook(&cli, &now);
    // Every sheet as the server gave it, the time of writing aside.
    let (mut a, mut b) = (open(&http), open(&cli));
    assert_eq!(a.sheet_names(), b.sheet_names());
    for name in a.sheet_names() {
        let (x, y) = (
            a.worksheet_range(&name).expect("sheet"),
            b.worksheet_range(&name).expect("sheet"),
        );
        assert_eq!(x.get_size(), y.get_size(), "{name}");
        for ((r, c, left), (_, _, right)) in x.used_cells().zip(y.used_cells()) {
            if !left.to_string().contains("生成时间") {
                assert_eq!(left, right, "{name} ({r}, {c})");
            }
        }
    }
    check_dashboard(&std::fs::read_to_string(&html).expect("the page was written"));
}

/// (units assessed, units losing, points lost in hundredths) per
/// (checklist, item) of 失分分析.
type LostSums = std::collections::BTreeMap<(String, String), (u64, u64, i64)>;

fn hundredths(v: &Value) -> i64 {
    (v.as_f64().expect("points") * 100.0).round() as i64
}

fn lost_of(model: &Value) -> LostSums {
    model["lost"]
        .as_array()
        .expect("lost")
        .iter()
        .map(|l| {
            (
                (
                    l["checklist"].as_str().expect("checklist").to_string(),
                    l["code"].as_str().expect("code").to_string(),
                ),
                (
                    l["units"].as_u64().expect("units"),
                    l["units_losing"].as_u64().expect("losing"),
                    hundredths(&l["points_lost"]),
                ),
            )
        })
        .collect()
}

/// 失分分析 sums the items of units nobody reviewed in the database and
/// lists the reviewed unit's one by one; either way it equals the sums over
/// every current assessment's items, and a street's report sums its own units.
#[actix_web::test]
async fn lost_points_sum_every_current_assessment_of_the_scope() {
    let app = TestApp::spawn().await;
    let token = district(&app).await;
    let now = assessments(&app, &token, 2012).await;
    assert!(
        now.iter().any(|a| a["reviewed"] == true),
        "one unit reviewed"
    );
    let mut district_sums = LostSums::new();
    let mut street_sums = LostSums::new();
    for a in &now {
        let id = a["assessment_id"].as_i64().expect("assessment id");
        let (status, detail) = app
            .get(Some(&token), &format!("/api/v1/assessments/{id}"))
            .await;
        assert_eq!(status, 200, "{detail}");
        let checklist = a["checklist"].as_str().expect("checklist");
        let in_street = a["unit"]["street"] == XIAOYING;
        for item in detail["items"].as_array().expect("items") {
            if item["applicable"] != true {
                continue;
            }
            let lost = hundredths(&item["max"]) - hundredths(&item["points"]);
            let key = (
                checklist.to_string(),
                item["code"].as_str().expect("code").to_string(),
            );
            for sums in [&mut district_sums]
                .into_iter()
                .chain(in_street.then_some(&mut street_sums))
            {
                let entry = sums.entry(key.clone()).or_default();
                entry.0 += 1;
                if lost > 0 {
                    entry.1 += 1;
                    entry.2 += lost;
                }
            }
        }
    }
    // The model lists only items where points were lost.
    let losing =
        |sums: LostSums| -> LostSums { sums.into_iter().filter(|(_, s)| s.2 > 0).collect() };
    let (status, model) = app
        .get(Some(&token), "/api/v1/reports/district?year=2012")
        .await;
    assert_eq!(status, 200, "{model}");
    assert!(!lost_of(&model).is_empty(), "some unit lost points");
    assert_eq!(lost_of(&model), losing(district_sums));
    let (status, model) = app
        .get(
            Some(&token),
            &format!("/api/v1/reports/district?year=2012&street={XIAOYING}"),
        )
        .await;
    assert_eq!(status, 200, "{model}");
    assert_eq!(lost_of(&model), losing(street_sums));
}

/// Uploads a community of `street` that lost every point of its first
/// `lost` self-scored items (an order each).
async fn upload_losing(app: &TestApp, token: &str, code: &str, street: &str, lost: usize) {
    use nianjian::domain::{ItemAnswer, Points, Rule};
    let checklist = app.catalog.get("community@2013").expect("checklist");
    let mut answers = full_marks(checklist);
    for item in checklist
        .items
        .iter()
        .filter(|i| matches!(i.rule, Rule::SelfScored { .. }))
        .take(lost)
    {
        answers
            .self_scores
            .insert(item.code.clone(), ItemAnswer::Points(Points(0)));
    }
    let book = Book {
        code,
        name: "整改社区",
        street,
        year: 2012,
        ..Book::default()
    };
    let (status, body) = app
        .upload(
            token,
            &format!("{code}.xlsx"),
            app.workbook_with(&book, answers),
        )
        .await;
    assert_eq!(status, 200, "{code}: {body}");
}

#[actix_web::test]
async fn the_dashboard_counts_the_orders_as_the_full_report_lists_them() {
    use nianjian::reports::html::Html;
    use nianjian::reports::model::DASHBOARD_OVERDUE;
    use nianjian::service::report_cache::ReportCache;
    use nianjian::service::{Actor, Clock, Env, reports};

    let app = TestApp::spawn().await;
    let token = app.login("inspector").await;
    for (code, street) in [
        ("330102311", XIAOYING),
        ("330102312", XIAOYING),
        ("330102313", HUBIN),
        ("330102314", HUBIN),
    ] {
        upload_losing(&app, &token, code, street, 10).await;
    }
    // Every state, overdue ones (open and returned, due on different
    // past days) among them, more than the district's page lists.
    let (status, list) = app
        .get(
            Some(&token),
            "/api/v1/rectifications?year=2012&per_page=200",
        )
        .await;
    assert_eq!(status, 200, "{list}");
    let mut ids: Vec<i64> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|o| o["id"].as_i64().expect("id"))
        .collect();
    ids.sort_unstable();
    assert!(ids.len() >= 40, "{} orders", ids.len());
    for (i, &id) in ids.iter().enumerate() {
        let step = i % 9;
        if matches!(step, 0..=3 | 5 | 6) {
            let due = format!("2012-12-{:02}", 3 + i % 20);
            let (status, body) = app
                .send(
                    reqwest::Method::PATCH,
                    Some(&token),
                    &format!("/api/v1/rectifications/{id}"),
                    json!({"due": due, "note": "调整期限"}),
                )
                .await;
            assert_eq!(status, 200, "{body}");
        }
        let actions: &[&str] = match step {
            5 => &["submit"],
            6 => &["submit", "return"],
            7 => &["submit", "verify"],
            8 => &["waive"],
            _ => &[],
        };
        for action in actions {
            let (status, body) = app
                .post(
                    Some(&token),
                    &format!("/api/v1/rectifications/{id}/actions"),
                    json!({"action": action, "note": "核查"}),
                )
                .await;
            assert_eq!(status, 200, "{action} {id}: {body}");
        }
    }

    let limits = nianjian::ingest::workbook::Limits::default();
    let env = Env {
        catalog: &app.catalog,
        limits: &limits,
        clock: Clock::at(chrono::Utc::now()),
        plausibility: &nianjian::domain::plausibility::DEFAULT_RULES,
    };
    let actor = Actor::command_line();
    let html = Html::new(None).expect("templates");
    let mut conn = app.conn();
    let whole = reports::district(&mut conn, env, &actor, 2012, None).expect("report");
    let count = |r: &nianjian::reports::model::DistrictReport, key: &str| {
        r.order_counts.get(key).copied().unwrap_or(0)
    };
    for state in ["open", "submitted", "verified", "returned", "waived"] {
        assert!(
            count(&whole, state) > 0,
            "{state}: {:?}",
            whole.order_counts
        );
    }
    assert!(
        count(&whole, "overdue") > DASHBOARD_OVERDUE,
        "{:?}",
        whole.order_counts
    );

    let mut totals = Vec::new();
    for street in [None, Some(XIAOYING), Some(HUBIN)] {
        let full = reports::district(&mut conn, env, &actor, 2012, street).expect("report");
        let dashboard =
            reports::district_dashboard(&mut conn, env, &actor, 2012, street).expect("dashboard");
        assert!(
            dashboard.orders.len() < full.orders.len(),
            "{street:?}: only the overdue orders listed are read"
        );
        assert!(dashboard.orders.iter().all(|o| o.days_overdue > 0));
        assert_eq!(
            html.dashboard(&dashboard).expect("page"),
            html.dashboard(&full).expect("page"),
            "{street:?}: the same page"
        );
        assert_eq!(dashboard, full.into_dashboard_part(), "{street:?}");
        totals.push(count(&dashboard, "total"));
    }
    // The street filter applies to the counts: each street has its own.
    assert_eq!(totals[0], totals[1] + totals[2], "{totals:?}");
    assert!(totals[1] > 0 && totals[2] > 0, "{totals:?}");

    // The workbook still lists every order, also after the dashboard's
    // gather was kept for the same data version.
    let cache = ReportCache::default();
    reports::district_page(&mut conn, env, &actor, (&html, &cache), 2012, None).expect("page");
    let file =
        reports::district_workbook(&mut conn, env, &actor, &cache, 2012, None).expect("workbook");
    let ledger = sheet(&file.bytes, "整改台账");
    let (head, _) = header(&ledger, 0, "编号", &["单位代码", "整改要求"]);
    assert_eq!(ledger.height() - head - 1, whole.orders.len());
}
