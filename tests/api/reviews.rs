//! Reviews: an inspector overrides item scores or corrects facts, each with
//! a reason; the reviewed figures are what counts, the unit's own stay.

use serde_json::{Value, json};

use nianjian::domain::{ItemAnswer, Points};

use crate::helpers::{Book, TestApp, full_marks};

const CODE: &str = "330102301";

fn points(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("a number of points, got {value}"))
}

fn item<'a>(detail: &'a Value, code: &str) -> &'a Value {
    detail["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["code"] == code)
        .unwrap_or_else(|| panic!("item {code} in {detail}"))
}

fn tier_code(value: &Value) -> Value {
    value["tier"]["code"].clone()
}

/// Full marks, less 9.5 points on items no tier requires, spread so every
/// category keeps 80%: 90.5, just inside 省级示范档案室 (90).
fn just_above_model(app: &TestApp) -> Vec<u8> {
    let checklist = app.catalog.get("community@2013").expect("checklist");
    let mut answers = full_marks(checklist);
    for (code, tenths) in [
        ("B6", 0),
        ("B11", 0),
        ("C1", 5),
        ("D3", 15),
        ("D9", 15),
        ("E4", 5),
    ] {
        answers
            .self_scores
            .insert(code.into(), ItemAnswer::Points(Points(tenths * 10)));
    }
    app.workbook_with(&Book::default(), answers)
}

fn full_marks_workbook(app: &TestApp) -> Vec<u8> {
    let checklist = app.catalog.get("community@2013").expect("checklist");
    app.workbook_with(&Book::default(), full_marks(checklist))
}

async fn review(app: &TestApp, token: &str, submission: &Value, body: Value) -> (u16, Value) {
    let id = submission.as_i64().expect("submission id");
    app.post(
        Some(token),
        &format!("/api/v1/submissions/{id}/reviews"),
        body,
    )
    .await
}

#[actix_web::test]
async fn a_lowered_score_drops_the_tier_and_both_figures_are_kept() {
    let app = TestApp::spawn().await;
    let token = app.login("inspector").await;
    let (status, upload) = app.upload(&token, "a.xlsx", just_above_model(&app)).await;
    assert_eq!(status, 200, "{upload}");
    assert_eq!(points(&upload["total"]), 90.5);
    assert_eq!(tier_code(&upload), "province-model", "{upload}");
    let submission = upload["submission_id"].clone();

    // One point off F8: 89.5, below 90.
    let (status, reviewed) = review(
        &app,
        &token,
        &submission,
        json!({"kind": "spot", "note": "现场抽查",
               "items": [{"code": "F8", "points": 0.5, "reason": "编研成果仅一项"}]}),
    )
    .await;
    assert_eq!(status, 200, "{reviewed}");
    assert_eq!(points(&reviewed["total"]), 89.5);
    assert_eq!(tier_code(&reviewed), "province-standard");
    assert_eq!(points(&reviewed["self_total"]), 90.5);
    assert_eq!(reviewed["self_tier"]["code"], "province-model");
    assert_eq!(reviewed["reviewed"], true);

    // The list shows the reviewed figures, the unit's own beside them.
    let (status, list) = app.get(Some(&token), "/api/v1/assessments?year=2012").await;
    assert_eq!(status, 200);
    let entry = &list["items"][0];
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(entry["reviewed"], true);
    assert_eq!(points(&entry["total"]), 89.5);
    assert_eq!(tier_code(entry), "province-standard");
    assert_eq!(points(&entry["self_total"]), 90.5);
    assert_eq!(entry["submission_id"], submission);
    assert_eq!(entry["assessment_id"], reviewed["assessment_id"]);
    assert_ne!(entry["assessment_id"], upload["assessment_id"]);

    // The detail: per item, the unit's points and the reviewed ones, and why.
    let id = entry["assessment_id"].as_i64().expect("id");
    let (status, detail) = app
        .get(Some(&token), &format!("/api/v1/assessments/{id}"))
        .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(points(&detail["self_total"]), 90.5);
    assert_eq!(points(&detail["total"]), 89.5);
    let f8 = item(&detail, "F8");
    assert_eq!(points(&f8["self_points"]), 1.5);
    assert_eq!(points(&f8["points"]), 0.5);
    assert_eq!(f8["review_reason"], "编研成果仅一项");
    let d3 = item(&detail, "D3");
    assert_eq!(points(&d3["self_points"]), 1.5);
    assert_eq!(points(&d3["points"]), 1.5);
    assert_eq!(d3["review_reason"], Value::Null);
    let reviews = detail["reviews"].as_array().expect("reviews");
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0]["kind"], "spot");
    assert_eq!(reviews[0]["reviewer"], "inspector");
    assert_eq!(points(&reviews[0]["total"]), 89.5);

    // The self-assessment is unchanged.
    let self_id = upload["assessment_id"].as_i64().expect("id");
    let (_, original) = app
        .get(Some(&token), &format!("/api/v1/assessments/{self_id}"))
        .await;
    assert_eq!(points(&original["total"]), 90.5);
    assert_eq!(points(&item(&original, "F8")["points"]), 1.5);

    // A second review lowers a required item (D1); F8's override carries.
    let (status, second) = review(
        &app,
        &token,
        &submission,
        json!({"kind": "recheck",
               "items": [{"code": "D1", "points": 3, "reason": "归档范围不全"}]}),
    )
    .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(points(&second["total"]), 88.5);
    assert_eq!(
        tier_code(&second),
        "city-standard",
        "D1 is required for 省级规范化"
    );
    let f8 = item(&second, "F8");
    assert_eq!(
        points(&f8["points"]),
        0.5,
        "the first review's override carries"
    );
    assert_eq!(f8["review_reason"], "编研成果仅一项");
    let d1 = item(&second, "D1");
    assert_eq!(points(&d1["self_points"]), 4.0);
    assert_eq!(points(&d1["points"]), 3.0);
    assert_eq!(d1["review_reason"], "归档范围不全");
    assert_eq!(second["reviews"].as_array().map(Vec::len), Some(2));

    let (_, list) = app.get(Some(&token), "/api/v1/assessments?year=2012").await;
    assert_eq!(points(&list["items"][0]["total"]), 88.5);
    assert_eq!(list["items"][0]["assessment_id"], second["assessment_id"]);
    let (_, history) = app
        .get(Some(&token), &format!("/api/v1/units/{CODE}/history"))
        .await;
    assert_eq!(points(&history["items"][0]["self_total"]), 90.5);
    assert_eq!(points(&history["items"][0]["total"]), 88.5);
    assert_eq!(history["items"][0]["reviewed"], true);
}

#[actix_web::test]
async fn a_corrected_fact_rescores_the_items_that_use_it() {
    let app = TestApp::spawn().await;
    let token = app.login("inspector").await;
    let (status, upload) = app
        .upload(&token, "a.xlsx", full_marks_workbook(&app))
        .await;
    assert_eq!(status, 200, "{upload}");
    assert_eq!(points(&upload["total"]), 100.0);
    assert_eq!(tier_code(&upload), "province-model");

    // Measured on site: 25 m², not 50.
    let (status, reviewed) = review(
        &app,
        &token,
        &upload["submission_id"],
        json!({"kind": "spot",
               "inputs": [{"key": "room_area", "value": 25, "reason": "现场测量为 25 平方米"}]}),
    )
    .await;
    assert_eq!(status, 200, "{reviewed}");
    // B3 (bands on room_area: 40 → 2, 30 → 1.5, 20 → 1) falls to 1.
    let b3 = item(&reviewed, "B3");
    assert_eq!(points(&b3["self_points"]), 2.0);
    assert_eq!(points(&b3["points"]), 1.0);
    assert_eq!(points(&reviewed["total"]), 99.0);
    // 省级 tiers need 30 m² and more: only 市级规范化 (20 m²) is left.
    assert_eq!(tier_code(&reviewed), "city-standard");
    let room = reviewed["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .find(|i| i["key"] == "room_area")
        .expect("room_area");
    assert_eq!(
        room["value"].as_str().and_then(|v| v.parse::<f64>().ok()),
        Some(50.0)
    );
    assert_eq!(
        room["reviewed_value"]
            .as_str()
            .and_then(|v| v.parse::<f64>().ok()),
        Some(25.0),
        "{room}"
    );
    assert_eq!(room["review_reason"], "现场测量为 25 平方米");
}

#[actix_web::test]
async fn invalid_overrides_are_400_and_store_nothing() {
    let app = TestApp::spawn().await;
    let token = app.login("inspector").await;
    let (_, upload) = app
        .upload(&token, "a.xlsx", full_marks_workbook(&app))
        .await;
    let submission = upload["submission_id"].clone();
    let bad = [
        (
            "no reason",
            json!({"kind": "spot", "items": [{"code": "A12", "points": 1, "reason": ""}]}),
        ),
        (
            "a blank reason",
            json!({"kind": "spot", "items": [{"code": "A12", "points": 1, "reason": "  "}]}),
        ),
        (
            "the reason missing",
            json!({"kind": "spot", "items": [{"code": "A12", "points": 1}]}),
        ),
        (
            "above max",
            json!({"kind": "spot", "items": [{"code": "A1", "points": 1.5, "reason": "r"}]}),
        ),
        (
            "below zero",
            json!({"kind": "spot", "items": [{"code": "A12", "points": -1, "reason": "r"}]}),
        ),
        (
            "off the half-point step",
            json!({"kind": "spot", "items": [{"code": "A12", "points": 0.3, "reason": "r"}]}),
        ),
        (
            "not a number",
            json!({"kind": "spot", "items": [{"code": "A12", "points": "很多", "reason": "r"}]}),
        ),
        (
            "an unknown item",
            json!({"kind": "spot", "items": [{"code": "Z9", "points": 1, "reason": "r"}]}),
        ),
        (
            "不适用 on an item that is not optional",
            json!({"kind": "spot", "items": [{"code": "A1", "points": "不适用", "reason": "r"}]}),
        ),
        (
            "a fact without a reason",
            json!({"kind": "spot", "inputs": [{"key": "room_area", "value": 25, "reason": ""}]}),
        ),
        (
            "a fact that does not parse",
            json!({"kind": "spot", "inputs": [{"key": "room_area", "value": "很大", "reason": "r"}]}),
        ),
        (
            "a negative fact",
            json!({"kind": "spot", "inputs": [{"key": "room_area", "value": -5, "reason": "r"}]}),
        ),
        (
            "an unknown fact",
            json!({"kind": "spot", "inputs": [{"key": "no_such_input", "value": 1, "reason": "r"}]}),
        ),
        (
            "an unknown kind of review",
            json!({"kind": "rumour", "items": []}),
        ),
    ];
    for (what, body) in bad {
        let (status, answer) = review(&app, &token, &submission, body).await;
        assert_eq!(status, 400, "{what}: {answer}");
        assert!(answer["error"].is_string(), "{what}: {answer}");
    }
    // None of them left a review behind.
    let (_, list) = app.get(Some(&token), "/api/v1/assessments?year=2012").await;
    assert_eq!(list["items"][0]["reviewed"], false, "{list}");
    assert_eq!(list["items"][0]["assessment_id"], upload["assessment_id"]);

    // 不适用 on an optional item is fine: it leaves the applicable maximum.
    let (status, reviewed) = review(
        &app,
        &token,
        &submission,
        json!({"kind": "spot", "items": [{"code": "D6", "points": "不适用", "reason": "本社区无基建项目"}]}),
    )
    .await;
    assert_eq!(status, 200, "{reviewed}");
    assert_eq!(item(&reviewed, "D6")["applicable"], false);
    assert_eq!(item(&reviewed, "D6")["self_applicable"], true);
    assert_eq!(points(&reviewed["applicable_max"]), 98.5);
    assert_eq!(points(&reviewed["total"]), 100.0);
}

#[actix_web::test]
async fn reviewing_a_superseded_submission_is_409() {
    let app = TestApp::spawn().await;
    let token = app.login("inspector").await;
    let (_, first) = app.upload(&token, "v1.xlsx", just_above_model(&app)).await;
    let (_, second) = app
        .upload(&token, "v2.xlsx", full_marks_workbook(&app))
        .await;
    assert_ne!(first["submission_id"], second["submission_id"]);
    let body = json!({"kind": "spot", "items": [{"code": "F8", "points": 0.5, "reason": "r"}]});
    let (status, answer) = review(&app, &token, &first["submission_id"], body.clone()).await;
    assert_eq!(status, 409, "{answer}");
    assert!(answer["error"].is_string());
    let (status, answer) = review(&app, &token, &second["submission_id"], body).await;
    assert_eq!(status, 200, "{answer}");
    // A submission that does not exist: 404.
    let (status, _) = review(&app, &token, &json!(999_999), json!({"kind": "spot"})).await;
    assert_eq!(status, 404);
}
