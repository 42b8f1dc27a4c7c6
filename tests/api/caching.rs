//! Conditional GETs and the report cache: lists and reports carry a weak
//! ETag; asking again with it is answered 304 with no body until something
//! is written, and the next report shows what was written.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH};
use serde_json::Value;

use crate::helpers::{Book, TestApp};

/// Lists and reports, as a leader reads them.
const PATHS: &[&str] = &[
    "/api/v1/assessments?year=2012",
    "/api/v1/rectifications?year=2012",
    "/api/v1/rectifications/counts?year=2012",
    "/api/v1/units",
    "/api/v1/reports/district?year=2012",
    "/api/v1/reports/district.xlsx?year=2012",
    "/api/v1/reports/district.html?year=2012",
    "/api/v1/units/330102301/card.html?year=2012",
];

/// Status, ETag and body of a GET, with `If-None-Match` when given.
pub async fn conditional(
    app: &TestApp,
    token: &str,
    path: &str,
    tag: Option<&str>,
) -> (StatusCode, Option<String>, Vec<u8>) {
    let mut request = app.client.get(app.url(path)).bearer_auth(token);
    if let Some(t) = tag {
        request = request.header(IF_NONE_MATCH, t);
    }
    let response = request.send().await.expect("get");
    let status = response.status();
    let etag = response
        .headers()
        .get(ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if status == StatusCode::OK || status == StatusCode::NOT_MODIFIED {
        assert_eq!(
            response
                .headers()
                .get(CACHE_CONTROL)
                .and_then(|v| v.to_str().ok()),
            Some("private, no-cache"),
            "{path}"
        );
    }
    let body = response.bytes().await.expect("body").to_vec();
    (status, etag, body)
}

pub fn book(code: &str, name: &str, seed: u64) -> Book<'static> {
    let code: &'static str = Box::leak(code.to_string().into_boxed_str());
    let name: &'static str = Box::leak(name.to_string().into_boxed_str());
    Book {
        code,
        name,
        seed,
        ..Book::default()
    }
}

#[actix_web::test]
async fn lists_and_reports_answer_304_until_something_is_written() {
    let app = TestApp::spawn().await;
    let inspector = app.login("inspector").await;
    let (status, body) = app
        .upload(
            &inspector,
            "a.xlsx",
            app.workbook(&book("330102301", "小营巷社区", 1)),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let leader = app.login("leader").await;

    let mut tags = Vec::new();
    for path in PATHS {
        let (status, tag, body) = conditional(&app, &leader, path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let tag = tag.unwrap_or_else(|| panic!("an ETag on {path}"));
        assert!(tag.starts_with("W/\""), "{path}: {tag}");
        assert!(!body.is_empty());
        let (again, same, body) = conditional(&app, &leader, path, Some(&tag)).await;
        assert_eq!(again, StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(same.as_deref(), Some(tag.as_str()), "{path}");
        assert!(body.is_empty(), "{path}: a 304 has no body");
        // Another caller's tag is not this one's.
        let (other, _, _) = conditional(&app, &inspector, path, Some(&tag)).await;
        assert_eq!(other, StatusCode::OK, "{path} as another caller");
        tags.push(tag);
    }

    // Signing in writes, but changes nothing shown: still 304.
    app.login("admin").await;
    let (status, _, _) = conditional(&app, &leader, PATHS[0], Some(&tags[0])).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);

    let (status, body) = app
        .upload(
            &inspector,
            "b.xlsx",
            app.workbook(&book("330102302", "葵巷社区", 2)),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    for (path, tag) in PATHS.iter().zip(&tags) {
        let (status, new_tag, _) = conditional(&app, &leader, path, Some(tag)).await;
        assert_eq!(status, StatusCode::OK, "{path} after an upload");
        assert_ne!(new_tag.as_deref(), Some(tag.as_str()), "{path}");
    }
    let (_, report) = app
        .get(Some(&leader), "/api/v1/reports/district?year=2012")
        .await;
    assert_eq!(report["total"]["submitted"], 2, "{}", report["total"]);
}

#[actix_web::test]
async fn a_revoked_session_gets_no_304() {
    let app = TestApp::spawn().await;
    let leader = app.login("leader").await;
    let (status, tag, _) = conditional(&app, &leader, "/api/v1/units", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .send(
            reqwest::Method::DELETE,
            Some(&leader),
            "/api/v1/session",
            Value::Null,
        )
        .await;
    assert!((200..300).contains(&status));
    let (status, _, _) = conditional(&app, &leader, "/api/v1/units", tag.as_deref()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
