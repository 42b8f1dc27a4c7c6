//! Uploads at once: nothing lost, one current submission per unit, one
//! campaign per year — on SQLite and on PostgreSQL alike.

use futures_util::future::join_all;
use serde_json::Value;

use crate::helpers::{Book, TestApp};

const UPLOADS: usize = 8;

#[actix_web::test]
async fn concurrent_uploads_for_one_unit_are_all_kept_and_one_is_current() {
    let app = TestApp::spawn().await;
    let token = app.login("inspector").await;
    // Opened first, so the race is about the unit's submissions alone.
    let (status, _) = app
        .upload(&token, "first.xlsx", app.workbook(&Book::default()))
        .await;
    assert_eq!(status, 200);
    let books: Vec<Vec<u8>> = (0..UPLOADS)
        .map(|n| {
            app.workbook(&Book {
                seed: 100 + n as u64,
                quality: 0.5 + 0.05 * n as f64,
                ..Book::default()
            })
        })
        .collect();
    let answers = join_all(books.into_iter().enumerate().map(|(n, bytes)| {
        let name = format!("v{n}.xlsx");
        let app = &app;
        let token = &token;
        async move { app.upload(token, &name, bytes).await }
    }))
    .await;
    let mut ids = Vec::new();
    for (status, body) in &answers {
        assert_eq!(*status, 200, "every concurrent upload is stored: {body}");
        assert_eq!(body["duplicate"], false, "{body}");
        ids.push(body["submission_id"].as_i64().expect("submission id"));
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), UPLOADS, "every upload its own submission");

    let (status, history) = app
        .get(Some(&token), "/api/v1/units/330102301/history")
        .await;
    assert_eq!(status, 200);
    let entries = history["items"].as_array().expect("items");
    assert_eq!(entries.len(), UPLOADS + 1, "{history}");
    let listed: Vec<i64> = entries
        .iter()
        .map(|e| e["submission_id"].as_i64().expect("id"))
        .collect();
    let mut newest_first = listed.clone();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(listed, newest_first, "history is newest first, by id");
    for id in &ids {
        assert!(listed.contains(id), "submission {id} kept");
    }
    let current: Vec<&Value> = entries.iter().filter(|e| e["current"] == true).collect();
    assert_eq!(current.len(), 1, "exactly one current: {history}");
    assert_eq!(current[0]["submission_id"], listed[0], "the newest counts");
    for pair in entries.windows(2) {
        assert_eq!(
            pair[1]["superseded_by"], pair[0]["submission_id"],
            "{history}"
        );
    }

    let (_, list) = app.get(Some(&token), "/api/v1/assessments?year=2012").await;
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["submission_id"], listed[0]);

    // Rectification follows the current assessment: one active order per
    // item it lost points on, never two for the same item.
    let (status, orders) = app
        .get(
            Some(&token),
            "/api/v1/rectifications?year=2012&unit=330102301",
        )
        .await;
    assert_eq!(status, 200, "{orders}");
    let mut active: Vec<&str> = orders["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|o| ["open", "submitted", "returned"].contains(&o["state"].as_str().unwrap_or("")))
        .filter_map(|o| o["item"].as_str())
        .collect();
    active.sort_unstable();
    let count = active.len();
    active.dedup();
    assert_eq!(count, active.len(), "an item ordered twice: {orders}");
    let assessment = items[0]["assessment_id"].as_i64().expect("id");
    let (_, detail) = app
        .get(Some(&token), &format!("/api/v1/assessments/{assessment}"))
        .await;
    let mut lost: Vec<&str> = detail["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["applicable"] == true && i["points"].as_f64() < i["max"].as_f64())
        .filter_map(|i| i["code"].as_str())
        .collect();
    lost.sort_unstable();
    for item in &active {
        assert!(
            lost.contains(item),
            "an active order for {item}, which the current assessment does not lose on: {orders}"
        );
    }
    // (That every lost item has its order is checked without the race in
    // `successive_uploads_keep_orders_in_step_with_the_current_assessment`.)
}

/// The sequential counterpart of the race above: after each upload the
/// unit's active orders are exactly the items its current assessment loses
/// points on — also when an item recovers and then falls again.
#[actix_web::test]
async fn successive_uploads_keep_orders_in_step_with_the_current_assessment() {
    use nianjian::domain::{ItemAnswer, Points};
    let app = TestApp::spawn().await;
    let token = app.login("inspector").await;
    let checklist = app.catalog.get("community@2013").expect("checklist");
    // A12 lost, then full, then lost again; B5 lost throughout.
    for (n, a12) in [10, 20, 10].into_iter().enumerate() {
        let mut answers = crate::helpers::full_marks(checklist);
        answers
            .self_scores
            .insert("A12".into(), ItemAnswer::Points(Points(a12 * 10)));
        answers
            .self_scores
            .insert("B5".into(), ItemAnswer::Points(Points(0)));
        let bytes = app.workbook_with(&Book::default(), answers);
        let (status, body) = app.upload(&token, &format!("v{n}.xlsx"), bytes).await;
        assert_eq!(status, 200, "{body}");
        let (_, orders) = app
            .get(
                Some(&token),
                "/api/v1/rectifications?year=2012&unit=330102301",
            )
            .await;
        let mut active: Vec<&str> = orders["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|o| {
                ["open", "submitted", "returned"].contains(&o["state"].as_str().unwrap_or(""))
            })
            .filter_map(|o| o["item"].as_str())
            .collect();
        active.sort_unstable();
        let expected: &[&str] = if a12 < 20 { &["A12", "B5"] } else { &["B5"] };
        assert_eq!(
            active,
            expected,
            "after upload {} (A12 = {}): the active orders should be the items the current \
             assessment loses on: {orders}",
            n + 1,
            f64::from(a12) / 10.0
        );
    }
}

#[actix_web::test]
async fn concurrent_first_uploads_of_a_year_open_one_campaign() {
    let app = TestApp::spawn().await;
    let token = app.login("inspector").await;
    let codes: Vec<String> = (0..UPLOADS).map(|n| format!("3301023{n:02}")).collect();
    let names: Vec<String> = (0..UPLOADS).map(|n| format!("第{n}社区")).collect();
    let books: Vec<Vec<u8>> = (0..UPLOADS)
        .map(|n| {
            app.workbook(&Book {
                code: &codes[n],
                name: &names[n],
                year: 2013,
                seed: n as u64,
                // Half of them in a street nobody has named yet: streets race too.
                street: if n % 2 == 0 {
                    "小营街道"
                } else {
                    "湖滨街道"
                },
                ..Book::default()
            })
        })
        .collect();
    let answers = join_all(books.into_iter().enumerate().map(|(n, bytes)| {
        let name = format!("{n}.xlsx");
        let app = &app;
        let token = &token;
        async move { app.upload(token, &name, bytes).await }
    }))
    .await;
    for (status, body) in &answers {
        assert_eq!(
            *status, 200,
            "every concurrent first upload is stored: {body}"
        );
    }

    let (status, campaigns) = app.get(Some(&token), "/api/v1/campaigns").await;
    assert_eq!(status, 200);
    let years: Vec<&Value> = campaigns["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| &c["year"])
        .collect();
    assert_eq!(
        years,
        [&Value::from(2013)],
        "exactly one campaign: {campaigns}"
    );
    let (_, campaign) = app.get(Some(&token), "/api/v1/campaigns/2013").await;
    assert_eq!(
        campaign["checklists"],
        serde_json::json!([{"unit_kind": "社区", "checklist": "community@2013", "title": "社区档案工作考核细则（2013版）"}])
    );
    let (_, list) = app.get(Some(&token), "/api/v1/assessments?year=2013").await;
    let mut listed: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["unit"]["code"].as_str())
        .collect();
    listed.sort_unstable();
    assert_eq!(listed, codes.iter().map(String::as_str).collect::<Vec<_>>());
    let (_, units) = app.get(Some(&token), "/api/v1/units").await;
    assert_eq!(units["items"].as_array().map(Vec::len), Some(UPLOADS));
}
