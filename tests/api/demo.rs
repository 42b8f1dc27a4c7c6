//! `serve --demo`: the demonstration district on an empty database.

use nianjian::ingest::workbook::Limits;
use std::collections::BTreeSet;

use nianjian::service::{Actor, Clock, Env, demo, flags, rectifications, roster};

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

    let token = app.login_with("inspector", demo::DEMO_PASSWORD).await;

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

    // 2012's 互查: the 52 communities in nine groups drawn from seed 2012,
    // nobody reviewing its own street; the first group has reviewed.
    let (status, plan) = app
        .get(Some(&token), "/api/v1/campaigns/2012/peer-groups")
        .await;
    assert_eq!(status, 200, "{plan}");
    assert_eq!(
        (plan["seed"].as_u64(), plan["cross_street"].as_bool()),
        (Some(2012), Some(true))
    );
    let groups = plan["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 9);
    let grouped: usize = groups
        .iter()
        .map(|g| g["units"].as_array().unwrap().len())
        .sum();
    assert_eq!(grouped, 52);
    let done = |g: &serde_json::Value| {
        g["reviews"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["total"].is_number())
            .count()
    };
    assert!(done(&groups[0]) >= 4, "{}", groups[0]);
    assert_eq!(groups[1..].iter().map(done).sum::<usize>(), 0);

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
        let mut community_tiers = std::collections::BTreeMap::new();
        for i in items.iter().filter(|i| i["unit"]["kind"] == "社区") {
            *community_tiers
                .entry(i["tier"]["code"].as_str().unwrap_or("none").to_string())
                .or_insert(0) += 1;
        }
        if year == 2011 {
            // The end-of-2011 figures of 上城区's communities, as exact tiers.
            let expected: std::collections::BTreeMap<String, i32> = [
                ("city-standard", 28),
                ("none", 5),
                ("province-model", 6),
                ("province-standard", 13),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
            assert_eq!(community_tiers, expected);
        }
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

/// A fixed "today" for the demo: deterministic for a given day.
fn demo_clock() -> Clock {
    Clock::at(
        chrono::NaiveDate::from_ymd_opt(2025, 6, 18)
            .and_then(|d| d.and_hms_opt(2, 0, 0))
            .expect("a date")
            .and_utc(),
    )
}

/// A demo district filled as of `demo_clock`.
async fn fresh_demo() -> TestApp {
    let app = TestApp::spawn_empty().await;
    let limits = Limits::default();
    let env = Env {
        catalog: &app.catalog,
        limits: &limits,
        clock: demo_clock(),
        plausibility: &nianjian::domain::plausibility::DEFAULT_RULES,
    };
    demo::populate(&mut app.conn(), env).expect("demo");
    app
}

#[actix_web::test]
async fn a_fresh_demo_flags_only_what_it_planted() {
    let app = fresh_demo().await;
    let actor = Actor::command_line();
    let units = roster::list(&mut app.conn(), &actor).expect("units").len();
    let names: Vec<&str> = demo::PLANTED.iter().map(|(unit, ..)| *unit).collect();
    let mut flagged = BTreeSet::new();
    for year in [2011, 2012] {
        for flag in flags::list(&mut app.conn(), &actor, year, false).expect("flags") {
            assert_eq!(year, 2012, "2011 has no year before it: {flag:?}");
            assert!(
                names.contains(&flag.unit_name.as_str()),
                "only planted figures are flagged: {flag:?}"
            );
            flagged.insert(flag.unit_name);
        }
    }
    // Each planted slip is caught, and nothing else: well under 5% of units.
    assert_eq!(flagged.len(), demo::PLANTED.len(), "{flagged:?}");
    assert!(
        flagged.len() * 100 < units * 5,
        "{} of {units}",
        flagged.len()
    );
    let messages: Vec<String> = flags::list(&mut app.conn(), &actor, 2012, false)
        .expect("flags")
        .into_iter()
        .map(|f| f.message)
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("计算机 由 ") && m.contains("变为 40 台，较上年增加")),
        "{messages:?}"
    );
}

#[actix_web::test]
async fn a_fresh_demo_is_dated_from_today() {
    let app = fresh_demo().await;
    let actor = Actor::command_line();
    let today = demo_clock().today;
    let orders = rectifications::list(
        &mut app.conn(),
        &actor,
        &rectifications::Filter {
            year: Some(2012),
            ..Default::default()
        },
        today,
    )
    .expect("orders");
    let due = |o: &rectifications::RectificationItem| {
        chrono::NaiveDate::parse_from_str(&o.due, "%Y-%m-%d").expect("a date")
    };
    let count = |f: &dyn Fn(&rectifications::RectificationItem) -> bool| {
        orders.iter().filter(|o| f(o)).count()
    };
    let active =
        |o: &rectifications::RectificationItem| matches!(o.state.as_str(), "open" | "returned");
    let due_soon = count(&|o| active(o) && due(o) >= today);
    let overdue = count(&|o| o.overdue);
    let closed = count(&|o| matches!(o.state.as_str(), "verified" | "waived"));
    eprintln!(
        "{} orders: {due_soon} open and due, {overdue} overdue, {closed} closed",
        orders.len()
    );
    assert!(due_soon > 0, "open orders due in the days ahead");
    assert!(overdue > 0, "a few orders overdue");
    assert!(
        overdue * 10 < orders.len(),
        "only a few overdue: {overdue} of {}",
        orders.len()
    );
    let late = orders.iter().map(|o| o.days_overdue).max().unwrap_or(0);
    assert!(late <= 60, "overdue by days, not years: {late}");
    assert!(
        closed * 2 > orders.len(),
        "most closed: {closed} of {}",
        orders.len()
    );
    let far: Vec<_> = orders
        .iter()
        .filter(|o| !matches!(o.state.as_str(), "verified" | "waived"))
        .filter(|o| (due(o) - today).num_days().abs() > 90)
        .map(|o| (o.id, o.state.clone(), o.due.clone(), o.origin_year))
        .collect();
    assert!(
        far.is_empty(),
        "every active order is due around today: {far:?}"
    );
    // The current campaign's deadline lies shortly before today.
    let campaign = nianjian::service::campaigns::by_year(&mut app.conn(), 2012).expect("2012");
    let deadline = campaign.deadline.expect("a deadline");
    assert!(
        (1..=60).contains(&(today - deadline).num_days()),
        "{deadline}"
    );
    // The same today gives the same demo.
    let again = fresh_demo().await;
    let orders_again = rectifications::list(
        &mut again.conn(),
        &actor,
        &rectifications::Filter {
            year: Some(2012),
            ..Default::default()
        },
        today,
    )
    .expect("orders");
    let summary = |list: &[rectifications::RectificationItem]| {
        list.iter()
            .map(|o| {
                (
                    o.unit.clone(),
                    o.title.clone(),
                    o.state.clone(),
                    o.due.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(summary(&orders), summary(&orders_again));
}
