//! Operations over HTTP: `/metrics` counts requests by route pattern and
//! uploads, and shows the pool; cookies get `Secure` when configured or
//! when a trusted proxy says HTTPS; a trusted proxy's `X-Forwarded-For`
//! names the address the sign-in throttle counts, an untrusted one never.

use serde_json::json;

use nianjian::web::Settings;

use crate::helpers::{Book, TestApp};

async fn scrape(app: &TestApp) -> String {
    let response = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("scrape");
    assert_eq!(response.status(), 200);
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    response.text().await.expect("text")
}

/// The value of the sample line `name{labels}` (0 when absent).
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |v| v.parse().expect("a number"))
}

#[actix_web::test]
async fn metrics_count_requests_by_route_pattern_and_uploads() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    for code in ["330102301", "330102399", "x/../y"] {
        app.get(Some(&admin), &format!("/api/v1/units/{code}"))
            .await;
    }
    app.get(None, "/no/such/page").await;
    let good = app.workbook(&Book::default());
    assert_eq!(app.upload(&admin, "good.xlsx", good).await.0, 200);
    let (status, _) = app
        .upload(&admin, "broken.xlsx", b"not a workbook".to_vec())
        .await;
    assert_eq!(status, 422);

    let text = scrape(&app).await;
    let units = "nianjian_http_requests_total{method=\"GET\",route=\"/api/v1/units/{code}\"";
    let by_class: f64 = ["2xx", "4xx"]
        .iter()
        .map(|c| sample(&text, &format!("{units},status=\"{c}\"}}")))
        .sum();
    assert_eq!(by_class, 3.0, "{text}");
    assert_eq!(
        sample(
            &text,
            "nianjian_http_requests_total{method=\"POST\",route=\"/api/v1/session\",status=\"2xx\"}"
        ),
        1.0
    );
    // The path asked for never becomes a label.
    assert!(
        !text.contains("330102399") && !text.contains("/no/such"),
        "{text}"
    );
    assert!(
        sample(
            &text,
            "nianjian_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"4xx\"}"
        ) >= 1.0
    );
    assert_eq!(
        sample(
            &text,
            "nianjian_http_request_duration_seconds_count{route=\"/api/v1/units/{code}\"}"
        ),
        3.0
    );
    assert_eq!(
        sample(&text, "nianjian_uploads_total{outcome=\"accepted\"}"),
        1.0
    );
    assert_eq!(
        sample(&text, "nianjian_uploads_total{outcome=\"refused\"}"),
        1.0
    );
    assert_eq!(sample(&text, "nianjian_workbook_parse_failures_total"), 1.0);
    // The test server's pool holds 8.
    assert_eq!(sample(&text, "nianjian_db_pool_max_connections"), 8.0);
    let open = sample(&text, "nianjian_db_pool_connections{state=\"in_use\"}")
        + sample(&text, "nianjian_db_pool_connections{state=\"idle\"}");
    assert!((1.0..=8.0).contains(&open), "{text}");
    assert!(sample(&text, "process_start_time_seconds") > 1.7e9);
}

#[actix_web::test]
async fn metrics_can_be_turned_off() {
    let app = TestApp::spawn_with(Settings {
        metrics: false,
        ..Settings::default()
    })
    .await;
    let response = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 404);
}

/// The `Set-Cookie` lines of the login form, asked with `headers`.
async fn login_cookies(app: &TestApp, headers: &[(&str, &str)]) -> Vec<String> {
    let mut request = app.client.get(app.url("/login"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("login page");
    assert_eq!(response.status(), 200);
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_string())
        .collect();
    assert!(!cookies.is_empty(), "the login form sets its cookie");
    cookies
}

fn all_secure(cookies: &[String]) -> bool {
    cookies
        .iter()
        .all(|c| c.split(';').any(|p| p.trim() == "Secure"))
}

#[actix_web::test]
async fn cookies_are_secure_when_configured_or_when_a_trusted_proxy_says_https() {
    let https = [("X-Forwarded-Proto", "https")];
    let plain = TestApp::spawn().await;
    assert!(!all_secure(&login_cookies(&plain, &[]).await));
    // Anyone can write the header: without a trusted proxy it counts for nothing.
    let cookies = login_cookies(&plain, &https).await;
    assert!(cookies.iter().all(|c| !c.contains("Secure")), "{cookies:?}");

    let configured = TestApp::spawn_with(Settings {
        secure_cookies: true,
        ..Settings::default()
    })
    .await;
    assert!(all_secure(&login_cookies(&configured, &[]).await));

    let proxied = TestApp::spawn_with(Settings {
        trusted_proxy: true,
        ..Settings::default()
    })
    .await;
    assert!(all_secure(&login_cookies(&proxied, &https).await));
    assert!(!all_secure(
        &login_cookies(&proxied, &[("X-Forwarded-Proto", "http")]).await
    ));
    assert!(!all_secure(&login_cookies(&proxied, &[]).await));
}

/// Whether the sign-in throttle holds a record for `address`.
fn counted(app: &TestApp, address: &str) -> bool {
    nianjian::store::queries::users::throttle(&mut app.conn(), &format!("address:{address}"))
        .expect("throttle")
        .is_some()
}

async fn fail_sign_in(app: &TestApp, forwarded_for: &str) {
    let response = app
        .client
        .post(app.url("/api/v1/session"))
        .header("X-Forwarded-For", forwarded_for)
        .json(&json!({"username": "admin", "password": "wrong-password-1"}))
        .send()
        .await
        .expect("sign in");
    assert_eq!(response.status(), 401);
}

#[actix_web::test]
async fn the_throttle_believes_x_forwarded_for_only_behind_a_trusted_proxy() {
    let direct = TestApp::spawn().await;
    fail_sign_in(&direct, "203.0.113.7").await;
    assert!(counted(&direct, "127.0.0.1"));
    assert!(!counted(&direct, "203.0.113.7"));

    let proxied = TestApp::spawn_with(Settings {
        trusted_proxy: true,
        ..Settings::default()
    })
    .await;
    // The client wrote the first hop; the proxy appended the last.
    fail_sign_in(&proxied, "198.51.100.1, 203.0.113.7").await;
    assert!(counted(&proxied, "203.0.113.7"));
    assert!(!counted(&proxied, "198.51.100.1"));
    assert!(!counted(&proxied, "127.0.0.1"));
}
