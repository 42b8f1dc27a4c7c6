//! The OpenAPI document describes every route the server registers, and the
//! Swagger UI is served from the binary without any outside URL.

use serde_json::Value;

use crate::helpers::{TestApp, registered_routes};

const ERROR_BODY: &str = "#/components/schemas/ErrorBody";

async fn document(app: &TestApp) -> Value {
    let response = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .expect("openapi.json");
    assert_eq!(response.status(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let text = response.text().await.expect("body");
    serde_json::from_str(&text).expect("openapi.json is valid JSON")
}

#[actix_web::test]
async fn every_registered_route_is_documented_with_its_errors() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let version = doc["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3."), "{version}");
    let schema = &doc["components"]["schemas"]["ErrorBody"];
    assert!(schema["properties"]["error"].is_object(), "{schema}");
    assert!(schema["properties"]["details"].is_object(), "{schema}");
    assert!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"]
            .as_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("bearer")),
        "{}",
        doc["components"]["securitySchemes"]
    );

    let mut wrong = Vec::new();
    let mut checked = 0;
    for (method, path) in registered_routes() {
        // The JSON API is what the document describes; /healthz and the
        // document itself are outside it.
        if !path.starts_with("/api/v1/") {
            continue;
        }
        checked += 1;
        let operation = &doc["paths"][&path][method.to_lowercase()];
        if !operation.is_object() {
            wrong.push(format!("{method} {path}: not in the document"));
            continue;
        }
        let responses = operation["responses"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        if !responses.keys().any(|code| code.starts_with('2')) {
            wrong.push(format!("{method} {path}: no success response"));
        }
        let signing_in = method == "POST" && path == "/api/v1/session";
        if !signing_in {
            if !responses.contains_key("401") {
                wrong.push(format!("{method} {path}: no 401 response"));
            }
            let secured = operation["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            if !secured {
                wrong.push(format!("{method} {path}: no bearer security requirement"));
            }
        }
        // Path parameters are declared.
        for segment in path.split('/').filter(|s| s.starts_with('{')) {
            let name = segment.trim_matches(|c| c == '{' || c == '}');
            let declared = operation["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == name && p["in"] == "path"));
            if !declared {
                wrong.push(format!(
                    "{method} {path}: path parameter {name} not declared"
                ));
            }
        }
        for (code, response) in &responses {
            if code.starts_with('4') || code.starts_with('5') {
                let reference = &response["content"]["application/json"]["schema"]["$ref"];
                if reference != ERROR_BODY {
                    wrong.push(format!(
                        "{method} {path}: {code} does not answer ErrorBody ({response})"
                    ));
                }
            }
        }
    }
    assert!(checked >= 20, "only {checked} /api/v1 routes found");
    assert!(
        wrong.is_empty(),
        "{} problems with the OpenAPI document:\n{}",
        wrong.len(),
        wrong.join("\n")
    );

    // Nothing documented that the server does not serve.
    let registered: Vec<(String, String)> = registered_routes();
    let mut extra = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            let known = registered
                .iter()
                .any(|(m, p)| p == path && m.eq_ignore_ascii_case(method));
            if !known && method != "parameters" {
                extra.push(format!("{method} {path}"));
            }
        }
    }
    assert!(extra.is_empty(), "documented but not registered: {extra:?}");
}

#[actix_web::test]
async fn swagger_ui_is_served_without_outside_urls() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/api/docs/"))
        .send()
        .await
        .expect("docs");
    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("html");
    assert!(html.to_lowercase().contains("swagger"), "{html}");

    // Every script and stylesheet it loads is served here, none from outside.
    let mut assets = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for (at, _) in html.match_indices(attribute) {
            let rest = &html[at + attribute.len()..];
            let value = &rest[..rest.find('"').expect("attribute ends")];
            assets.push(value.to_string());
        }
    }
    assert!(!assets.is_empty(), "{html}");
    for asset in &assets {
        assert!(
            !asset.starts_with("http://")
                && !asset.starts_with("https://")
                && !asset.starts_with("//"),
            "the UI loads {asset} from outside"
        );
    }
    for asset in assets
        .iter()
        .filter(|a| a.ends_with(".js") || a.ends_with(".css"))
    {
        let url = app.url(&format!("/api/docs/{}", asset.trim_start_matches("./")));
        let response = app.client.get(&url).send().await.expect("asset");
        assert_eq!(response.status(), 200, "{url}");
        let text = response.text().await.expect("asset text");
        if asset.contains("initializer") {
            // The initializer points at our own document, not the petstore.
            assert!(!text.contains("petstore"), "{text}");
            for scheme in ["http://", "https://"] {
                assert!(
                    !text.contains(&format!("url: \"{scheme}"))
                        && !text.contains(&format!("\"url\":\"{scheme}")),
                    "the initializer loads a document from outside: {text}"
                );
            }
            assert!(text.contains("/api/docs/openapi.json"), "{text}");
        }
    }
    // The document the UI loads is served too.
    let (status, doc) = app.get(None, "/api/docs/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
}

/// Every operation documents the answers any request may get: 400 (the
/// text rule, parameters out of range), 500 and 503, each as ErrorBody.
#[actix_web::test]
async fn every_operation_documents_server_faults() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let mut missing = Vec::new();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            operations += 1;
            for status in ["400", "500", "503"] {
                let reference = &operation["responses"][status]["content"]["application/json"]["schema"]
                    ["$ref"];
                if reference != ERROR_BODY {
                    missing.push(format!("{method} {path}: {status}"));
                }
            }
            // A body read is a body that can be too large.
            if operation.get("requestBody").is_some() && !operation["responses"]["413"].is_object()
            {
                missing.push(format!("{method} {path}: 413"));
            }
        }
    }
    assert!(operations >= 40, "only {operations} operations");
    assert!(missing.is_empty(), "not documented: {missing:?}");
}

/// A method a documented path does not answer is 405, with `Allow` naming
/// exactly the methods the document lists for it.
#[actix_web::test]
async fn every_path_refuses_an_unknown_method_with_405() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let mut wrong = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let documented: std::collections::BTreeSet<String> = item
            .as_object()
            .expect("path item")
            .keys()
            .map(|m| m.to_uppercase())
            .collect();
        // Any value for the path's parameters: routing matches the shape.
        let concrete: String = path
            .split('/')
            .map(|segment| match (segment.find('{'), segment.find('}')) {
                (Some(open), Some(close)) => {
                    format!("{}1{}", &segment[..open], &segment[close + 1..])
                }
                _ => segment.to_string(),
            })
            .collect::<Vec<_>>()
            .join("/");
        let concrete = concrete.replace("notice.1", "notice.html");
        let others = ["GET", "POST", "PUT", "PATCH", "DELETE", "TRACE", "OPTIONS"]
            .into_iter()
            .filter(|m| !documented.contains(*m));
        for method in others {
            let response = app
                .client
                .request(
                    reqwest::Method::from_bytes(method.as_bytes()).expect("method"),
                    app.url(&concrete),
                )
                .send()
                .await
                .expect("request");
            let status = response.status().as_u16();
            let allow: std::collections::BTreeSet<String> = response
                .headers()
                .get("allow")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .split(',')
                .map(|m| m.trim().to_string())
                .filter(|m| !m.is_empty())
                .collect();
            if status != 405 || allow != documented {
                wrong.push(format!(
                    "{method} {concrete}: {status}, Allow {allow:?} (documented {documented:?})"
                ));
                continue;
            }
            let body: Value = response.json().await.expect("a JSON error body");
            if !body["error"].is_string() {
                wrong.push(format!("{method} {concrete}: body {body}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
