//! `serve --demo`: the demonstration district on an empty database.

use serde_json::Value;

use nianjian::ingest::workbook::Limits;
use nianjian::service::{Clock, Env, demo};

use crate::helpers::TestApp;

#[actix_web::test]
async fn the_demo_fills_an_empty_database_once() {
    let app = TestApp::spawn_empty().await;
    let limits = Limits::default();
    let env = Env {
        catalog: &app.catalog,
        limits: &limits,
        clock: Clock::at(chrono::Utc::now()),
        plausibility: &nianjian::domain::plausibility::DEFAULT_RULES,
    };
    let summary = demo::populate(&mut app.conn(), env).expect("demo");
    assert!(summary.is_some(), "an empty database is filled");
    assert!(
        demo::populate(&mut app.conn(), env)
            .expect("second run")
            .is_none(),
        "a database with data is left alone"
    );

    let response = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"username": "inspector", "password": demo::DEMO_PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 200);
    let token: Value = response.json().await.expect("json");
    let token = token["token"].as_str().expect("token").to_string();

    let (status, units) = app.get(Some(&token), "/api/v1/units").await;
    assert_eq!(status, 200, "{units}");
    let units = units["items"].as_array().expect("units");
    let communities = units.iter().filter(|u| u["kind"] == "社区").count();
    assert_eq!(communities, 52);
    assert!(
        (35..=45).contains(&(units.len() - communities)),
        "{}",
        units.len()
    );
    let mut streets: Vec<&str> = units.iter().filter_map(|u| u["street"].as_str()).collect();
    streets.sort();
    streets.dedup();
    assert_eq!(streets.len(), 6);

    for (year, submitted) in [(2011, units.len()), (2012, units.len() - 1)] {
        let (status, list) = app
            .get(Some(&token), &format!("/api/v1/assessments?year={year}"))
            .await;
        assert_eq!(status, 200);
        let items = list["items"].as_array().expect("items");
        assert_eq!(
            items.len(),
            submitted,
            "{year}: one unit never submits in 2012"
        );
        assert!(
            items.iter().any(|i| i["reviewed"] == true),
            "{year}: some assessments reviewed on site"
        );
        let tiers: std::collections::BTreeSet<String> = items
            .iter()
            .map(|i| i["tier"]["code"].as_str().unwrap_or("none").to_string())
            .collect();
        assert!(tiers.len() >= 3, "{year}: a spread of tiers, got {tiers:?}");
    }

    let (status, counts) = app
        .get(Some(&token), "/api/v1/rectifications/counts?year=2012")
        .await;
    assert_eq!(status, 200, "{counts}");
    // Every state of the lifecycle has something in it.
    for state in ["open", "submitted", "verified", "returned", "waived"] {
        assert!(
            counts[state].as_u64().unwrap_or(0) > 0,
            "{state} in {counts}"
        );
    }
    let (status, list) = app
        .get(
            Some(&token),
            "/api/v1/rectifications?year=2012&state=verified",
        )
        .await;
    assert_eq!(status, 200);
    assert!(!list["items"].as_array().expect("items").is_empty());
}
