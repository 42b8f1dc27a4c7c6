//! Lists page, filter, search and sort on the server (contract §4).

use std::collections::BTreeSet;

use serde_json::Value;

use nianjian::service::demo;

use crate::helpers::TestApp;

async fn demo_app() -> (TestApp, String) {
    let app = TestApp::spawn_demo().await;
    let token = app.login_with("inspector", demo::DEMO_PASSWORD).await;
    (app, token)
}

fn codes(list: &Value, key: &str) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| match &i[key] {
            Value::String(s) => s.clone(),
            other => other["code"].as_str().expect("code").to_string(),
        })
        .collect()
}

#[actix_web::test]
async fn lists_are_paged_filtered_searched_and_sorted() {
    let (app, token) = demo_app().await;
    let (status, all) = app
        .get(Some(&token), "/api/v1/assessments?year=2012&per_page=1000")
        .await;
    assert_eq!(status, 200, "{all}");
    let total = all["total"].as_u64().expect("total") as usize;
    assert_eq!(codes(&all, "unit").len(), total);
    assert!(total > 25, "the demo has enough units to page: {total}");

    // Pages of 10 cover the list once, in order, each saying the total.
    let mut seen = Vec::new();
    for page in 1..=total.div_ceil(10) {
        let (status, list) = app
            .get(
                Some(&token),
                &format!("/api/v1/assessments?year=2012&per_page=10&page={page}"),
            )
            .await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(
            (
                list["total"].as_u64(),
                list["page"].as_u64(),
                list["per_page"].as_u64()
            ),
            (Some(total as u64), Some(page as u64), Some(10))
        );
        seen.extend(codes(&list, "unit"));
    }
    assert_eq!(seen, codes(&all, "unit"));

    // The default page holds at most 100.
    let (_, first) = app.get(Some(&token), "/api/v1/units").await;
    assert_eq!(first["per_page"], 100);
    assert!(first["items"].as_array().expect("items").len() <= 100);

    for bad in [
        "per_page=1001",
        "per_page=0",
        "page=0",
        "page=-3",
        "sort=bogus",
    ] {
        let (status, body) = app
            .get(
                Some(&token),
                &format!("/api/v1/assessments?year=2012&{bad}"),
            )
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
        let message = body["error"].as_str().expect("error");
        assert!(
            message
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{message}"
        );
    }

    // A street, a search and a sort.
    let street = all["items"][0]["unit"]["street"]
        .as_str()
        .expect("street")
        .to_string();
    let (_, by_street) = app
        .get(
            Some(&token),
            &format!(
                "/api/v1/assessments?year=2012&street={}&per_page=1000",
                urlencode(&street)
            ),
        )
        .await;
    let items = by_street["items"].as_array().expect("items");
    assert!(!items.is_empty() && items.len() < total);
    assert!(items.iter().all(|i| i["unit"]["street"] == street.as_str()));
    assert_eq!(by_street["total"].as_u64(), Some(items.len() as u64));

    let name = all["items"][3]["unit"]["name"]
        .as_str()
        .expect("name")
        .to_string();
    let word: String = name.chars().take(3).collect();
    let (_, found) = app
        .get(
            Some(&token),
            &format!("/api/v1/assessments?year=2012&q={}", urlencode(&word)),
        )
        .await;
    let names: Vec<&str> = found["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["unit"]["name"].as_str().expect("name"))
        .collect();
    assert!(names.contains(&name.as_str()), "{word}: {names:?}");
    assert!(names.iter().all(|n| n.contains(&word)), "{word}: {names:?}");

    let (_, by_total) = app
        .get(
            Some(&token),
            "/api/v1/assessments?year=2012&sort=total&per_page=1000",
        )
        .await;
    let totals: Vec<f64> = by_total["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["total"].as_f64().expect("total"))
        .collect();
    assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{totals:?}");

    let (_, unreviewed) = app
        .get(
            Some(&token),
            "/api/v1/assessments?year=2012&reviewed=false&per_page=1000",
        )
        .await;
    let (_, reviewed) = app
        .get(
            Some(&token),
            "/api/v1/assessments?year=2012&reviewed=true&per_page=1000",
        )
        .await;
    assert_eq!(
        unreviewed["total"].as_u64().unwrap() + reviewed["total"].as_u64().unwrap(),
        total as u64
    );
}

#[actix_web::test]
async fn orders_are_paged_and_narrowed_to_a_unit() {
    let (app, token) = demo_app().await;
    let (_, all) = app
        .get(
            Some(&token),
            "/api/v1/rectifications?year=2012&per_page=1000",
        )
        .await;
    let total = all["total"].as_u64().expect("total");
    let units: BTreeSet<String> = codes(&all, "unit").into_iter().collect();
    assert!(units.len() > 1);
    let unit = units.iter().next().expect("a unit");
    let (_, one) = app
        .get(
            Some(&token),
            &format!("/api/v1/rectifications?year=2012&unit={unit}&per_page=2"),
        )
        .await;
    let mine = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["unit"] == unit.as_str())
        .count();
    assert_eq!(one["total"].as_u64(), Some(mine as u64));
    assert!(codes(&one, "unit").iter().all(|u| u == unit));
    assert!(one["items"].as_array().expect("items").len() <= 2);

    let (_, page2) = app
        .get(
            Some(&token),
            "/api/v1/rectifications?year=2012&per_page=5&page=2",
        )
        .await;
    assert_eq!(page2["total"].as_u64(), Some(total));
    let ids: Vec<&Value> = all["items"].as_array().expect("items")[5..10]
        .iter()
        .map(|i| &i["id"])
        .collect();
    let got: Vec<&Value> = page2["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| &i["id"])
        .collect();
    assert_eq!(got, ids);
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Dates and ids depend on when and in what order a test runs.
fn stable(mut value: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (key, field) in map.iter_mut() {
                    if ["due", "uploaded_at", "at", "days_overdue"].contains(&key.as_str()) {
                        *field = Value::String("<依日期>".into());
                    } else {
                        walk(field);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut value);
    value
}

/// The list answers as scripts read them (contract §4), kept as snapshots.
#[actix_web::test]
async fn list_answers_are_as_snapshotted() {
    let app = TestApp::spawn().await;
    let token = app.login("inspector").await;
    let (status, _) = app
        .upload(
            &token,
            "自查表.xlsx",
            app.workbook(&crate::helpers::Book::default()),
        )
        .await;
    assert_eq!(status, 200);
    let (_, assessments) = app.get(Some(&token), "/api/v1/assessments?year=2012").await;
    insta::assert_snapshot!(
        "assessments_list",
        serde_json::to_string_pretty(&stable(assessments)).expect("json")
    );
    let (_, orders) = app
        .get(
            Some(&token),
            "/api/v1/rectifications?year=2012&per_page=1&page=2",
        )
        .await;
    insta::assert_snapshot!(
        "rectifications_page",
        serde_json::to_string_pretty(&stable(orders)).expect("json")
    );
}

/// Every page of `path` (which has no `page`), `per_page` at a time.
async fn page_through(app: &TestApp, token: &str, path: &str, per_page: usize) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut total = None;
    for page in 1.. {
        let (status, list) = app
            .get(
                Some(token),
                &format!("{path}&per_page={per_page}&page={page}"),
            )
            .await;
        assert_eq!(status, 200, "{path}: {list}");
        let items = list["items"].as_array().expect("items").clone();
        let said = list["total"].as_u64().expect("total") as usize;
        assert_eq!(*total.get_or_insert(said), said, "{path}: total stays");
        assert!(items.len() <= per_page);
        if items.is_empty() {
            break;
        }
        rows.extend(items);
    }
    assert_eq!(rows.len(), total.unwrap_or_default(), "{path}: total");
    rows
}

#[actix_web::test]
async fn paging_through_filtered_results_gives_each_once_in_order() {
    let (app, token) = demo_app().await;
    let (_, all) = app
        .get(Some(&token), "/api/v1/assessments?year=2012&per_page=1000")
        .await;
    let all = all["items"].as_array().expect("items").clone();
    let code = |i: &Value| i["unit"]["code"].as_str().expect("code").to_string();
    let street = all[0]["unit"]["street"]
        .as_str()
        .expect("street")
        .to_string();
    let kind = all[0]["unit"]["kind"].as_str().expect("kind").to_string();
    let total = |i: &Value| (i["total"].as_f64().expect("total") * 100.0).round() as i64;
    // (query, which rows, the order's key): each ends in the unit's code.
    type Keep = Box<dyn Fn(&Value) -> bool>;
    type Key = Box<dyn Fn(&Value) -> (String, i64, String)>;
    let cases: Vec<(String, Keep, Key)> = vec![
        (
            "sort=name".into(),
            Box::new(|_| true),
            Box::new(move |i| (i["unit"]["name"].as_str().unwrap().into(), 0, code(i))),
        ),
        (
            format!("street={}&sort=-total", urlencode(&street)),
            Box::new({
                let street = street.clone();
                move |i| i["unit"]["street"] == street.as_str()
            }),
            Box::new(move |i| (String::new(), total(i), code(i))),
        ),
        (
            format!("kind={}&sort=total&reviewed=false", urlencode(&kind)),
            Box::new(move |i| i["unit"]["kind"] == kind.as_str() && i["reviewed"] == false),
            Box::new(move |i| (String::new(), -total(i), code(i))),
        ),
        (
            "sort=street".into(),
            Box::new(|_| true),
            Box::new(move |i| {
                (
                    i["unit"]["street"].as_str().unwrap_or("").into(),
                    0,
                    code(i),
                )
            }),
        ),
    ];
    for (query, keep, key) in cases {
        let mut want: Vec<&Value> = all.iter().filter(|i| keep(i)).collect();
        want.sort_by_key(|i| key(i));
        assert!(!want.is_empty(), "{query}");
        let got = page_through(
            &app,
            &token,
            &format!("/api/v1/assessments?year=2012&{query}"),
            7,
        )
        .await;
        let codes = |rows: Vec<&Value>| rows.into_iter().map(code).collect::<Vec<_>>();
        assert_eq!(codes(got.iter().collect()), codes(want), "{query}");
    }
}

#[actix_web::test]
async fn paging_through_filtered_orders_gives_each_once_in_order() {
    let (app, token) = demo_app().await;
    let all = page_through(&app, &token, "/api/v1/rectifications?year=2012", 1000).await;
    assert!(all.len() > 20, "the demo raises orders: {}", all.len());
    // The list's order: overdue first, most days first, then due, then id.
    let key = |i: &Value| {
        (
            !i["overdue"].as_bool().expect("overdue"),
            -i["days_overdue"].as_i64().expect("days"),
            i["due"].as_str().expect("due").to_string(),
            i["id"].as_i64().expect("id"),
        )
    };
    assert!(all.windows(2).all(|w| key(&w[0]) < key(&w[1])));
    let first = &all[0];
    let street = first["street"].as_str().expect("street").to_string();
    let unit = first["unit"].as_str().expect("unit").to_string();
    let word: String = first["unit_name"]
        .as_str()
        .expect("name")
        .chars()
        .take(2)
        .collect();
    let state = first["state"].as_str().expect("state").to_string();
    type Keep = Box<dyn Fn(&Value) -> bool>;
    let cases: Vec<(String, Keep)> = vec![
        ("kind=item".into(), Box::new(|i| i["kind"] == "item")),
        (
            format!("street={}", urlencode(&street)),
            Box::new({
                let street = street.clone();
                move |i| i["street"] == street.as_str()
            }),
        ),
        (
            format!("state={state}&overdue=false"),
            Box::new({
                let state = state.clone();
                move |i| i["state"] == state.as_str() && i["overdue"] == false
            }),
        ),
        ("overdue=true".into(), Box::new(|i| i["overdue"] == true)),
        (
            format!("q={}", urlencode(&word)),
            Box::new({
                let word = word.clone();
                move |i| {
                    ["unit", "unit_name", "item", "title"]
                        .iter()
                        .any(|k| i[k].as_str().is_some_and(|t| t.contains(&word)))
                }
            }),
        ),
        (format!("unit={unit}&q=%25"), Box::new(|_| false)),
    ];
    let id = |i: &Value| i["id"].as_i64().expect("id");
    for (query, keep) in cases {
        let want: Vec<i64> = all.iter().filter(|i| keep(i)).map(id).collect();
        let got: Vec<i64> = page_through(
            &app,
            &token,
            &format!("/api/v1/rectifications?year=2012&{query}"),
            37,
        )
        .await
        .iter()
        .map(id)
        .collect();
        assert_eq!(got, want, "{query}");
    }
    // The counts say the same as the list.
    let (_, counts) = app
        .get(Some(&token), "/api/v1/rectifications/counts?year=2012")
        .await;
    assert_eq!(counts["total"].as_u64(), Some(all.len() as u64), "{counts}");
    let overdue = all.iter().filter(|i| i["overdue"] == true).count();
    assert_eq!(counts["overdue"].as_u64(), Some(overdue as u64), "{counts}");
    let open = all.iter().filter(|i| i["state"] == "open").count();
    assert_eq!(counts["open"].as_u64(), Some(open as u64), "{counts}");
}

/// The list's `total` is kept per filter until a write: a page asked again
/// says the same, and an upload (a new unit's result) moves it at once.
#[actix_web::test]
async fn a_lists_total_follows_every_write() {
    let app = TestApp::spawn().await;
    let token = app.login("inspector").await;
    let total = |list: &Value| list["total"].as_u64().expect("total");
    let upload = |code: &'static str, seed: u64| {
        app.workbook(&crate::helpers::Book {
            code,
            name: code,
            seed,
            ..Default::default()
        })
    };
    let (status, body) = app.upload(&token, "a.xlsx", upload("330102901", 1)).await;
    assert_eq!(status, 200, "{body}");
    let path = "/api/v1/assessments?year=2012&per_page=1";
    let (_, first) = app.get(Some(&token), path).await;
    assert_eq!(total(&first), 1);
    let (_, again) = app.get(Some(&token), path).await;
    assert_eq!(total(&again), 1);
    let (status, body) = app.upload(&token, "b.xlsx", upload("330102902", 2)).await;
    assert_eq!(status, 200, "{body}");
    let (_, after) = app.get(Some(&token), path).await;
    assert_eq!(total(&after), 2, "a kept count outlived a write");
    assert_eq!(after["items"].as_array().map(Vec::len), Some(1));

    // Pages are kept too: a review changes a row, not the count.
    let path = "/api/v1/assessments?year=2012&unit=330102902";
    let (_, before) = app.get(Some(&token), path).await;
    assert_eq!(before["items"][0]["reviewed"], false, "{before}");
    let submission = body["submission_id"].as_i64().expect("submission");
    let (status, reviewed) = app
        .post(
            Some(&token),
            &format!("/api/v1/submissions/{submission}/reviews"),
            serde_json::json!({"kind": "spot", "note": "抽查",
                "items": [{"code": "F8", "points": 0, "reason": "编研成果缺"}]}),
        )
        .await;
    assert_eq!(status, 200, "{reviewed}");
    let (_, after) = app.get(Some(&token), path).await;
    assert_eq!(
        after["items"][0]["reviewed"], true,
        "a kept page outlived a write"
    );
    assert_eq!(after["items"][0]["total"], reviewed["total"], "{after}");

    // A unit account asking the inspector's question, just kept (no write
    // between), gets its own unit only.
    app.add_unit_user("unit901", "330102901");
    let unit = app.login("unit901").await;
    let (_, all) = app.get(Some(&token), "/api/v1/assessments?year=2012").await;
    assert_eq!(total(&all), 2, "{all}");
    let (status, own) = app.get(Some(&unit), "/api/v1/assessments?year=2012").await;
    assert_eq!(status, 200, "{own}");
    assert_eq!(total(&own), 1, "{own}");
    assert_eq!(own["items"][0]["unit"]["code"], "330102901");
    // …and asking for another unit, kept for the inspector, is refused.
    let other = "/api/v1/assessments?year=2012&unit=330102902";
    let (status, _) = app.get(Some(&token), other).await;
    assert_eq!(status, 200);
    let (status, body) = app.get(Some(&unit), other).await;
    assert_eq!(status, 403, "{body}");
}

/// Deep pages are cut from the list's kept order and read by id; every
/// page so read equals the one the database cuts itself, in each order
/// and under filters, and a page past the end is empty.
#[actix_web::test]
async fn deep_pages_cut_from_the_kept_order_equal_the_databases_own() {
    use nianjian::service::assessments::{self, AssessmentFilter, ListCaches};
    use nianjian::service::listing::PageRequest;
    use nianjian::service::{Actor, freshness};

    let app = TestApp::spawn_demo().await;
    let conn = &mut app.conn();
    let version = freshness::data_version(conn).expect("version");
    let direct = ListCaches {
        deep_from: i64::MAX,
        ..ListCaches::default()
    };
    let deep = ListCaches {
        deep_from: 0,
        ..ListCaches::default()
    };
    let actor = Actor::command_line();
    let filters = [
        (None, None),
        (Some("小营街道"), None),
        (None, Some("none")),
        (Some("小营街道"), Some("municipal")),
    ];
    let mut pages_read = 0;
    for sort in ["code", "name", "street", "total", "-total"] {
        for (street, tier) in filters {
            let filter = AssessmentFilter {
                year: Some(2012),
                street: street.map(String::from),
                tier: tier.map(String::from),
                sort: Some(sort.into()),
                ..AssessmentFilter::default()
            };
            for per_page in [7, 25] {
                for page in 1..=12 {
                    let paging = PageRequest::new(Some(page), Some(per_page)).expect("paging");
                    let read = |caches: &ListCaches, conn: &mut _| {
                        let got =
                            assessments::find(conn, &actor, &filter, paging, Some(version), caches)
                                .expect("page");
                        let lines: Vec<(String, i64)> = got
                            .items
                            .iter()
                            .map(|a| (a.unit.code.clone(), a.assessment_id))
                            .collect();
                        (lines, got.total)
                    };
                    let want = read(&direct, conn);
                    assert_eq!(
                        read(&deep, conn),
                        want,
                        "{sort} {street:?} {tier:?} page {page} of {per_page}"
                    );
                    if want.0.is_empty() {
                        break; // past the end: the page after is as empty
                    }
                    pages_read += 1;
                }
            }
        }
    }
    assert!(pages_read > 60, "enough pages with rows: {pages_read}");
    assert!(
        deep.orders.weight() > 0,
        "the deep pages were cut from kept orders"
    );
    assert_eq!(direct.orders.weight(), 0, "the database cut the others");
}
