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
