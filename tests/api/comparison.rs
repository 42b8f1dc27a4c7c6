//! 逐项对比: two assessments of a unit side by side.

use serde_json::{Value, json};

use crate::helpers::{Book, TestApp, full_marks};

const CODE: &str = "330102301";

fn book(app: &TestApp, year: i32, lowered: &[(&str, i32)]) -> Vec<u8> {
    let checklist = app.catalog.get("community@2013").expect("checklist");
    let mut answers = full_marks(checklist);
    for (item, hundredths) in lowered {
        answers.self_scores.insert(
            (*item).into(),
            nianjian::domain::ItemAnswer::Points(nianjian::domain::Points(*hundredths)),
        );
    }
    app.workbook_with(
        &Book {
            year,
            ..Book::default()
        },
        answers,
    )
}

#[actix_web::test]
async fn this_year_beside_last_item_by_item() {
    let app = TestApp::spawn().await;
    let inspector = app.login("inspector").await;
    for (year, lowered) in [
        (2011, vec![("A12", 100), ("C2", 50)]),
        (2012, vec![("A12", 200), ("B5", 0)]),
    ] {
        let (status, body) = app
            .upload(
                &inspector,
                &format!("{year}.xlsx"),
                book(&app, year, &lowered),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, page) = app
        .get(
            Some(&inspector),
            &format!("/api/v1/units/{CODE}/comparison"),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let c = &page["comparison"];
    assert_eq!(c["a"]["year"], 2011, "{c}");
    assert_eq!(c["b"]["year"], 2012, "{c}");
    let changed: Vec<(&str, Value, Value, Value)> = c["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["changed"] == true)
        .map(|i| {
            (
                i["code"].as_str().unwrap_or_default(),
                i["points_a"].clone(),
                i["points_b"].clone(),
                i["change"].clone(),
            )
        })
        .collect();
    // A12 back to full marks, B5 lost, C2 back to full: nothing else moved.
    assert_eq!(
        changed,
        [
            ("A12", json!(1.0), json!(2.0), json!(1.0)),
            ("B5", json!(1.0), json!(0.0), json!(-1.0)),
            ("C2", json!(0.5), json!(1.0), json!(0.5)),
        ],
        "{c}"
    );
    assert_eq!(c["changed_items"], 3);
    assert_eq!(page["choices"].as_array().map(Vec::len), Some(2), "{page}");

    // The self-assessment beside a spot check that lowered an item.
    let (_, list) = app
        .get(
            Some(&inspector),
            &format!("/api/v1/assessments?year=2012&unit={CODE}"),
        )
        .await;
    let submission = list["items"][0]["submission_id"].as_i64().expect("id");
    let self_id = list["items"][0]["assessment_id"].as_i64().expect("id");
    let (status, reviewed) = app
        .post(
            Some(&inspector),
            &format!("/api/v1/submissions/{submission}/reviews"),
            json!({"kind": "spot", "note": "现场抽查", "items": [{"code": "D1", "points": 2, "reason": "两委材料未集中"}]}),
        )
        .await;
    assert_eq!(status, 200, "{reviewed}");
    let review_id = reviewed["assessment_id"].as_i64().expect("id");
    let (status, page) = app
        .get(
            Some(&inspector),
            &format!("/api/v1/units/{CODE}/comparison?a={self_id}&b={review_id}"),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let c = &page["comparison"];
    assert!(
        c["b"]["label"]
            .as_str()
            .unwrap_or_default()
            .contains("抽查（inspector"),
        "{c}"
    );
    let d1 = c["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["code"] == "D1")
        .expect("D1");
    assert_eq!(
        (d1["points_a"].clone(), d1["points_b"].clone()),
        (json!(4.0), json!(2.0))
    );
    assert_eq!(c["changed_items"], 1, "{c}");

    // The workbook of the same pair.
    let (status, content_type, bytes) = app
        .get_bytes(
            &inspector,
            &format!("/api/v1/units/{CODE}/comparison.xlsx?a={self_id}&b={review_id}"),
        )
        .await;
    assert_eq!(status, 200);
    assert!(content_type.contains("spreadsheetml"), "{content_type}");
    assert!(bytes.starts_with(b"PK"));

    // An assessment of another unit, or none at all: 404.
    let (status, other) = app
        .upload(
            &inspector,
            "b.xlsx",
            app.workbook(&Book {
                code: "330102302",
                name: "葵巷社区",
                ..Book::default()
            }),
        )
        .await;
    assert_eq!(status, 200, "{other}");
    let foreign = other["assessment_id"].as_i64().expect("id");
    for query in [format!("a={foreign}&b={review_id}"), "a=99999".to_string()] {
        let (status, body) = app
            .get(
                Some(&inspector),
                &format!("/api/v1/units/{CODE}/comparison?{query}"),
            )
            .await;
        assert_eq!(status, 404, "{query}: {body}");
    }
    let (status, body) = app
        .get(Some(&inspector), "/api/v1/units/330102302/comparison")
        .await;
    assert_eq!(status, 404, "one upload, nothing to compare: {body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("还没有可以对比"),
        "{body}"
    );
}
