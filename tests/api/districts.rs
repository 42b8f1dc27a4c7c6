//! Many districts on one server (PostgreSQL, one schema each): every route
//! as every role of each district answers as the access table says and
//! shows that district's data only; the city's accounts read the city
//! summary, which is the sum of the districts' own reports. SQLite keeps
//! one district and refuses another.

use serde_json::{Value, json};

use crate::access::{fixture_on, table_answers};
use crate::helpers::{Book, TestApp, full_marks};

/// The districts' labels, in the order of [`districts`]: the first
/// district (the database's own tables), then two added ones.
const LABELS: [&str; 3] = ["上城", "西湖", "余杭"];

/// The first district and two more on its database; none on SQLite,
/// after checking that SQLite refuses a second district in Chinese.
fn districts(first: &TestApp) -> Option<[TestApp; 2]> {
    match first.add_district("330106", "西湖区", false) {
        Ok(second) => {
            let third = first
                .add_district("330110", "余杭区", false)
                .expect("a third district");
            Some([second, third])
        }
        Err(e) => {
            assert!(first.db.url().is_sqlite(), "{e}");
            assert!(e.to_string().contains("SQLite 数据库只有一个区县"), "{e}");
            None
        }
    }
}

#[actix_web::test]
async fn every_route_as_every_role_of_each_district_answers_with_that_districts_data_only() {
    let first = TestApp::spawn().await;
    let Some([second, third]) = districts(&first) else {
        return;
    };
    // The first district last: its handle owns the server and the database.
    let fixtures = [
        (LABELS[1], fixture_on(second, LABELS[1]).await),
        (LABELS[2], fixture_on(third, LABELS[2]).await),
        (LABELS[0], fixture_on(first, LABELS[0]).await),
    ];
    for (own, f) in &fixtures {
        let others: Vec<&str> = LABELS.iter().copied().filter(|l| l != own).collect();
        let leaked = |text: &str| {
            others
                .iter()
                .find(|o| {
                    text.contains(&format!("{o}小营巷社区"))
                        || text.contains(&format!("{o}葵巷社区"))
                })
                .map(|o| format!("shows {o}'s units"))
        };
        let wrong = table_answers(f, leaked).await;
        assert!(
            wrong.is_empty(),
            "district {own}: {} answers are wrong:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
        // The check sees names: each district's own are there.
        let (status, units) = f.app.get(f.tokens[1].as_deref(), "/api/v1/units").await;
        assert_eq!(status, 200, "{units}");
        assert!(
            units.to_string().contains(&format!("{own}小营巷社区")),
            "{own}: {units}"
        );
    }
}

/// Uploads `count` communities of full marks (one tier each) to a district.
async fn communities(app: &TestApp, first_code: u32, count: u32, label: &str) {
    let inspector = app.login("inspector").await;
    let checklist = app.catalog.get("community@2013").expect("checklist");
    for i in 0..count {
        let code = (first_code + i).to_string();
        let name = format!("{label}{i}号社区");
        let bytes = app.workbook_with(
            &Book {
                code: &code,
                name: &name,
                street: "小营街道",
                ..Book::default()
            },
            full_marks(checklist),
        );
        let (status, body) = app.upload(&inspector, &format!("{name}.xlsx"), bytes).await;
        assert_eq!(status, 200, "{body}");
    }
}

#[actix_web::test]
async fn the_city_summary_is_the_sum_of_the_districts_own_reports() {
    let first = TestApp::spawn().await;
    let Some([second, third]) = districts(&first) else {
        return;
    };
    let city = first
        .add_district("3301", "杭州市", true)
        .expect("the city bureau");
    for (app, (code, count, label)) in [&first, &second, &third].into_iter().zip([
        (330102301, 1, "上城"),
        (330106301, 2, "西湖"),
        (330110301, 3, "余杭"),
    ]) {
        communities(app, code, count, label).await;
    }

    // Each district's own report, as its leader reads it.
    let mut own = Vec::new();
    for app in [&first, &second, &third] {
        let leader = app.login("leader").await;
        let (status, report) = app
            .get(Some(&leader), "/api/v1/reports/district?year=2012")
            .await;
        assert_eq!(status, 200, "{report}");
        own.push(report["total"].clone());
        // A district's leader is refused the city's summary.
        let (status, body) = app
            .get(Some(&leader), "/api/v1/city/summary?year=2012")
            .await;
        assert_eq!(status, 403, "{body}");
    }
    assert_eq!(
        own.iter().map(|t| t["units"].as_u64()).collect::<Vec<_>>(),
        [Some(1), Some(2), Some(3)],
        "each district holds its own units only"
    );

    let leader = city.login("leader").await;
    assert!(
        leader.starts_with("3301."),
        "a city token names the city: {leader}"
    );
    let (status, summary) = city
        .get(Some(&leader), "/api/v1/city/summary?year=2012")
        .await;
    assert_eq!(status, 200, "{summary}");
    let rows = summary["districts"].as_array().expect("districts");
    let names: Vec<&str> = rows.iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(
        names,
        ["西湖区", "余杭区"],
        "registered districts by code: {summary}"
    );
    let sum = |key: &str| -> u64 { own.iter().filter_map(|t| t[key].as_u64()).sum() };
    let sum_at = |i: usize| -> u64 { own.iter().filter_map(|t| t["cumulative"][i].as_u64()).sum() };
    // The first district is in the city's figures too once it is registered.
    let registered_only: u64 = own[1..].iter().filter_map(|t| t["units"].as_u64()).sum();
    assert_eq!(
        summary["total"]["units"].as_u64(),
        Some(registered_only),
        "{summary}"
    );
    assert!(sum("units") > registered_only);

    // Registering the first district by its code brings it in.
    register_first(&first);
    let (status, summary) = city
        .get(Some(&leader), "/api/v1/city/summary?year=2012")
        .await;
    assert_eq!(status, 200, "{summary}");
    let total = &summary["total"];
    for key in ["units", "submitted", "not_submitted", "no_tier"] {
        assert_eq!(total[key].as_u64(), Some(sum(key)), "{key}: {summary}");
    }
    let tiers = summary["tiers"].as_array().expect("tiers").len();
    assert!(tiers >= 2, "{summary}");
    for i in 0..tiers {
        assert_eq!(
            total["cumulative"][i].as_u64(),
            Some(sum_at(i)),
            "tier {i}: {summary}"
        );
    }
    assert_eq!(total["units"], json!(6));

    let response = city
        .client
        .get(city.url("/api/v1/city/summary.xlsx?year=2012"))
        .bearer_auth(&leader)
        .send()
        .await
        .expect("xlsx");
    assert_eq!(response.status(), 200);
    assert!(response.bytes().await.expect("bytes").starts_with(b"PK"));
}

fn register_first(first: &TestApp) {
    use nianjian::service::districts::{self, Kind, NewDistrict};
    let new = NewDistrict::checked("330102", "上城区", Kind::District, true).expect("checked");
    districts::add(
        &first.db,
        &first.catalog,
        &new,
        nianjian::service::Clock::at(chrono::Utc::now()),
    )
    .expect("the first district registered");
}

#[actix_web::test]
async fn an_unknown_district_is_refused_at_sign_in_and_its_tokens_are_not_sessions() {
    let first = TestApp::spawn().await;
    // A district in use before there were others goes on unchanged: its
    // sessions, its data.
    communities(&first, 330102301, 1, "上城").await;
    let before = first.login("admin").await;
    let Some([second, _third]) = districts(&first) else {
        return;
    };
    let (status, units) = first.get(Some(&before), "/api/v1/units").await;
    assert_eq!(status, 200, "{units}");
    assert!(units.to_string().contains("上城0号社区"), "{units}");
    let again = first.login("admin").await;
    assert!(
        !again.contains('.'),
        "the first district's tokens have no prefix: {again}"
    );
    let response = first
        .client
        .post(first.url("/api/v1/session"))
        .json(&json!({"username": "admin", "password": crate::helpers::PASSWORD, "district": "999999"}))
        .send()
        .await
        .expect("sign in");
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["error"].as_str().is_some_and(|e| e.contains("999999")),
        "{body}"
    );

    // A token of district 330106, its prefix changed, finds no session
    // anywhere: the prefix only routes.
    let token = second.login("admin").await;
    assert!(token.starts_with("330106."), "{token}");
    let secret = token.trim_start_matches("330106.");
    for forged in [
        format!("330110.{secret}"),
        format!("999999.{secret}"),
        secret.to_string(),
    ] {
        let (status, body) = first.get(Some(&forged), "/api/v1/units").await;
        assert_eq!(status, 401, "{forged}: {body}");
    }
    let (status, _) = second.get(Some(&token), "/api/v1/units").await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn readiness_counts_every_districts_pending_migrations() {
    let first = TestApp::spawn().await;
    let Some([second, _third]) = districts(&first) else {
        return;
    };
    let (status, body) = first.get(None, "/readyz").await;
    assert_eq!(
        (status, &body["pending_migrations"]),
        (200, &json!(0)),
        "{body}"
    );
    // One district's schema a migration behind: the server is not ready.
    {
        use diesel::connection::SimpleConnection;
        let mut conn = second.conn();
        conn.batch_execute(
            "DELETE FROM __diesel_schema_migrations
             WHERE version = (SELECT max(version) FROM __diesel_schema_migrations)",
        )
        .expect("forget the newest migration in 西湖区");
    }
    let (status, body) = first.get(None, "/readyz").await;
    assert_eq!(
        (status, &body["pending_migrations"]),
        (503, &json!(1)),
        "{body}"
    );
}
