//! 初审: a street officer first-checks its units' uploads before the
//! bureau reviews them; a returned upload is fixed and uploaded again.

use serde_json::{Value, json};

use crate::helpers::{Book, TestApp};

const CODE: &str = "330102301";

async fn street_with_upload() -> (TestApp, String, String, i64) {
    let app = TestApp::spawn().await;
    let (inspector, body) = app.inspector_uploads_default().await;
    app.add_unit_user("unit", CODE);
    app.add_street_user("officer", "小营街道");
    let officer = app.login("officer").await;
    let submission = body["submission_id"].as_i64().expect("submission id");
    (app, inspector, officer, submission)
}

fn path(submission: i64) -> String {
    format!("/api/v1/submissions/{submission}/first-check")
}

#[actix_web::test]
async fn a_returned_upload_is_fixed_uploaded_again_and_reviewed() {
    let (app, inspector, officer, first) = street_with_upload().await;
    let unit = app.login("unit").await;

    let (status, checked) = app
        .post(
            Some(&officer),
            &path(first),
            json!({"decision": "return", "items": [
                {"item": "A4", "note": "专职档案员人数与花名册不符"},
                {"item": "B1", "note": "  "}
            ]}),
        )
        .await;
    assert_eq!(status, 200, "{checked}");
    assert_eq!(checked["decision"], "returned");
    assert_eq!(checked["decision_label"], "已退回修改");
    // Blank notes are dropped; the officer is named.
    assert_eq!(
        checked["items"],
        json!([{"item": "A4", "note": "专职档案员人数与花名册不符"}])
    );
    assert_eq!(checked["checked_by"], "officer");

    // The unit reads the notes on its upload.
    let (status, seen) = app
        .get(Some(&unit), &format!("/api/v1/submissions/{first}"))
        .await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(seen["first_check"]["decision"], "returned", "{seen}");
    assert_eq!(seen["first_check"]["items"][0]["item"], "A4");

    // Fixed and uploaded again: a new upload, waiting for its own check.
    let fixed = app.workbook(&Book {
        seed: 2,
        ..Book::default()
    });
    let (status, again) = app.upload(&unit, "小营巷社区（修改）.xlsx", fixed).await;
    assert_eq!(status, 200, "{again}");
    let second = again["submission_id"].as_i64().expect("id");
    assert_ne!(second, first);
    let (_, fresh) = app
        .get(Some(&inspector), &format!("/api/v1/submissions/{second}"))
        .await;
    assert_eq!(fresh["first_check"], Value::Null, "{fresh}");

    // The replaced upload is not checked again.
    let (status, body) = app
        .post(Some(&officer), &path(first), json!({"decision": "accept"}))
        .await;
    assert_eq!(status, 409, "{body}");

    let (status, accepted) = app
        .post(
            Some(&officer),
            &path(second),
            json!({"decision": "accept", "note": "已按意见修改"}),
        )
        .await;
    assert_eq!(status, 200, "{accepted}");
    assert_eq!(accepted["decision_label"], "初审通过");

    // The bureau reviews; after that there is no first check.
    let (status, reviewed) = app
        .post(
            Some(&inspector),
            &format!("/api/v1/submissions/{second}/reviews"),
            json!({"kind": "spot", "note": "现场抽查，无改分"}),
        )
        .await;
    assert_eq!(status, 200, "{reviewed}");
    let (status, body) = app
        .post(Some(&officer), &path(second), json!({"decision": "accept"}))
        .await;
    assert_eq!(status, 409, "{body}");

    // Every decision is in the audit log.
    let (_, audit) = app
        .get(Some(&inspector), "/api/v1/audit?per_page=1000")
        .await;
    let checks = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["action"] == "submission.first_check")
        .count();
    assert_eq!(checks, 2, "{audit}");
}

#[actix_web::test]
async fn a_first_check_says_what_is_wrong_with_it() {
    let (app, _, officer, submission) = street_with_upload().await;
    for (body, status, words) in [
        (json!({"decision": "return"}), 400, "请写明意见"),
        (
            json!({"decision": "return", "items": [{"item": "Z9", "note": "?"}]}),
            400,
            "条目“Z9”不在",
        ),
        (
            json!({"decision": "maybe"}),
            400,
            "accept（初审通过）或 return",
        ),
    ] {
        let (got, answer) = app.post(Some(&officer), &path(submission), body).await;
        assert_eq!(got, status, "{answer}");
        let message = answer["error"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{message}");
    }
    let (got, answer) = app
        .post(Some(&officer), &path(9999), json!({"decision": "accept"}))
        .await;
    assert_eq!(got, 404, "{answer}");
    // Nothing was recorded by the refusals.
    let (_, seen) = app
        .get(Some(&officer), &format!("/api/v1/submissions/{submission}"))
        .await;
    assert_eq!(seen["first_check"], Value::Null, "{seen}");
}

#[actix_web::test]
async fn a_street_officer_needs_a_street_on_the_roster() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    for (body, words) in [
        (
            json!({"username": "s1", "password": "juanzong-2012", "role": "street", "street": "没有这个街道"}),
            "花名册中没有街道“没有这个街道”",
        ),
        (
            json!({"username": "s2", "password": "juanzong-2012", "role": "street"}),
            "必须指定街道",
        ),
        (
            json!({"username": "s3", "password": "juanzong-2012", "role": "leader", "street": "小营街道"}),
            "只有街道档案员账号可以绑定街道",
        ),
    ] {
        let (status, answer) = app.post(Some(&admin), "/api/v1/users", body).await;
        assert_eq!(status, 400, "{answer}");
        let message = answer["error"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{message}");
    }
    let inspector = app.login("inspector").await;
    let (status, _) = app
        .upload(&inspector, "a.xlsx", app.workbook(&Book::default()))
        .await;
    assert_eq!(status, 200);
    let (status, made) = app
        .post(
            Some(&admin),
            "/api/v1/users",
            json!({"username": "s4", "password": "juanzong-2012", "role": "street", "street": "小营街道"}),
        )
        .await;
    assert_eq!(status, 200, "{made}");
    assert_eq!(made["role"], "street");
    assert_eq!(made["street"], "小营街道");
    assert_eq!(made["unit"], Value::Null);
}
