//! What schemathesis (`.ci/schemathesis`) found against the OpenAPI
//! document, kept here as plain tests: each answer is the documented one.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::TestApp;

/// A JSON body is an object, naming only the fields its operation has.
#[actix_web::test]
async fn json_bodies_are_objects_with_known_fields() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let cases = [
        (
            "/api/v1/campaigns",
            json!({"year": 2012, "rectify_day": 30}),
            "未知字段 rectify_day",
        ),
        ("/api/v1/samples", json!([2012, 5]), "JSON 对象"),
        (
            "/api/v1/users",
            json!({"username": "u", "password": "12345678", "role": "leader", "x": 1}),
            "未知字段 x",
        ),
    ];
    for (path, body, said) in cases {
        let (status, answer) = app.post(Some(&admin), path, body).await;
        assert_eq!(status, 400, "{path}: {answer}");
        assert!(
            answer["error"].as_str().unwrap_or_default().contains(said),
            "{path}: {answer}"
        );
    }
    // A campaign opened with everything it may carry.
    let (status, answer) = app
        .post(
            Some(&admin),
            "/api/v1/campaigns",
            json!({"year": 2012, "deadline": "2012-12-31", "closed": false, "rectify_days": 30, "checklists": []}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["rectify_days"], 30);
    // A rectification period out of 1–365 is refused when opening too.
    let (status, answer) = app
        .post(
            Some(&admin),
            "/api/v1/campaigns",
            json!({"year": 2013, "rectify_days": 0}),
        )
        .await;
    assert_eq!(status, 400, "{answer}");
}

/// `2012.0` is an integer in a query as in a body; a fraction is not.
#[actix_web::test]
async fn whole_numbers_are_integers_in_queries() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let (status, answer) = app
        .get(Some(&admin), "/api/v1/assessments?year=2012.0")
        .await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = app
        .get(Some(&admin), "/api/v1/assessments?year=2012.5")
        .await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap_or_default()
            .contains("应为整数"),
        "{answer}"
    );
}

/// Limits and values the document lists are the ones the server keeps.
#[actix_web::test]
async fn documented_limits_and_values_are_kept() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    for (path, status) in [
        ("/api/v1/audit?limit=1000", 200),
        ("/api/v1/audit?limit=1001", 400),
        ("/api/v1/audit?limit=0", 400),
        ("/api/v1/rectifications?year=2012&kind=item", 200),
        ("/api/v1/rectifications?year=2012&kind=other", 400),
        ("/api/v1/rectifications?year=2012&state=nope", 400),
        ("/api/v1/assessments", 400),
        // Ids out of i64 are refused as parameters out of range.
        ("/api/v1/submissions/9223372036854775808", 400),
        // The year before the smallest i32 is no overflow (was a 503).
        ("/api/v1/reports/district?year=-2147483648", 200),
    ] {
        let (got, answer) = app.get(Some(&admin), path).await;
        assert_eq!(got, status, "{path}: {answer}");
    }
}

/// A form field refused for its text rule does not leave the request
/// hanging (the field was still held while the rest of the body was read).
#[actix_web::test]
async fn a_refused_form_field_answers_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let form = reqwest::multipart::Form::new()
        .text("action", "verify")
        .text("note", "a\u{0}b")
        .text("recheck_points", "1");
    let response = tokio_timeout(
        app.client
            .post(app.url("/api/v1/rectifications/1/actions"))
            .bearer_auth(&admin)
            .multipart(form)
            .send(),
    )
    .await;
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("U+0000"),
        "{body}"
    );
    // And a form names only its own fields.
    let form = reqwest::multipart::Form::new()
        .text("action", "submit")
        .text("colour", "blue");
    let response = tokio_timeout(
        app.client
            .post(app.url("/api/v1/rectifications/1/actions"))
            .bearer_auth(&admin)
            .multipart(form)
            .send(),
    )
    .await;
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("colour"),
        "{body}"
    );
}

async fn tokio_timeout(
    request: impl std::future::Future<Output = reqwest::Result<reqwest::Response>>,
) -> reqwest::Response {
    actix_web::rt::time::timeout(Duration::from_secs(10), request)
        .await
        .expect("answered within 10 s")
        .expect("request")
}
