//! Spot-check samples (抽查): seeded, reproducible, stratified by street and
//! tier, the seed stored with the draw.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use nianjian::domain::{ItemAnswer, Points};

use crate::helpers::{Book, TestApp, full_marks, roster_xlsx};

/// A district of 12 communities in three streets. Four upload: two with full
/// marks (省级示范档案室), two that miss required item A1 (未达标); the rest
/// have not submitted (未提交). Every stratum has an even number of units.
/// Returns unit code → its stratum "街道 / 等级".
async fn district(app: &TestApp) -> BTreeMap<String, String> {
    let admin = app.login("admin").await;
    let streets = [
        ("小营街道", "3301023"),
        ("湖滨街道", "3301024"),
        ("清波街道", "3301025"),
    ];
    let mut rows: Vec<[String; 6]> = Vec::new();
    for (street, prefix) in streets {
        for n in 1..=4 {
            rows.push([
                format!("{prefix}{n:02}"),
                format!("{street}第{n}社区"),
                "社区".into(),
                street.into(),
                String::new(),
                String::new(),
            ]);
        }
    }
    let borrowed: Vec<[&str; 6]> = rows
        .iter()
        .map(|r| std::array::from_fn(|i| r[i].as_str()))
        .collect();
    let (status, result) = app
        .post_files(
            Some(&admin),
            "/api/v1/units/import",
            vec![("名册.xlsx".into(), roster_xlsx(&borrowed))],
        )
        .await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["created"], 12, "{result}");

    let checklist = app.catalog.get("community@2013").expect("checklist");
    let mut strata: BTreeMap<String, String> = rows
        .iter()
        .map(|r| (r[0].clone(), format!("{} / 未提交", r[3])))
        .collect();
    for (row, tier) in [
        (&rows[0], "省级示范档案室"),
        (&rows[1], "省级示范档案室"),
        (&rows[4], "未达标"),
        (&rows[5], "未达标"),
    ] {
        let mut answers = full_marks(checklist);
        if tier == "未达标" {
            answers
                .self_scores
                .insert("A1".into(), ItemAnswer::Points(Points(0)));
        }
        let bytes = app.workbook_with(
            &Book {
                code: &row[0],
                name: &row[1],
                street: &row[3],
                ..Book::default()
            },
            answers,
        );
        let (status, body) = app.upload(&admin, "a.xlsx", bytes).await;
        assert_eq!(status, 200, "{body}");
        let expected = (tier != "未达标").then_some(tier);
        assert_eq!(body["tier"]["name"].as_str(), expected, "{body}");
        strata.insert(row[0].clone(), format!("{} / {tier}", row[3]));
    }
    strata
}

fn codes(sample: &Value) -> Vec<String> {
    sample["units"]
        .as_array()
        .unwrap_or_else(|| panic!("units in {sample}"))
        .iter()
        .map(|u| u["code"].as_str().expect("code").to_string())
        .collect()
}

#[actix_web::test]
async fn the_same_seed_draws_the_same_units_in_the_same_order() {
    let app = TestApp::spawn().await;
    district(&app).await;
    let token = app.login("inspector").await;
    let draw = json!({"year": 2012, "count": 5, "seed": 2012, "note": "第一批抽查"});
    let (status, first) = app
        .post(Some(&token), "/api/v1/samples", draw.clone())
        .await;
    assert_eq!(status, 200, "{first}");
    let (status, again) = app.post(Some(&token), "/api/v1/samples", draw).await;
    assert_eq!(status, 200, "{again}");
    assert_ne!(first["id"], again["id"], "each draw is stored");
    assert_eq!(first["seed"], 2012);
    assert_eq!(again["seed"], 2012);
    assert_eq!(first["note"], "第一批抽查");
    assert_eq!(codes(&first).len(), 5);
    assert_eq!(
        first["units"], again["units"],
        "same seed, same units, same order"
    );

    let (status, other) = app
        .post(
            Some(&token),
            "/api/v1/samples",
            json!({"year": 2012, "count": 5, "seed": 7}),
        )
        .await;
    assert_eq!(status, 200);
    assert_ne!(codes(&other), codes(&first), "another seed, another sample");

    // Stored as drawn.
    let id = first["id"].as_i64().expect("id");
    let (status, stored) = app
        .get(Some(&token), &format!("/api/v1/samples/{id}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(stored, first);
    let (status, list) = app.get(Some(&token), "/api/v1/samples?year=2012").await;
    assert_eq!(status, 200);
    let listed = list["items"].as_array().expect("items");
    assert_eq!(listed.len(), 3);
    assert!(listed.contains(&first), "{list}");
    let (_, none) = app.get(Some(&token), "/api/v1/samples?year=2013").await;
    assert_eq!(none["items"].as_array().map(Vec::len), Some(0));
}

#[actix_web::test]
async fn counts_percents_and_strata() {
    let app = TestApp::spawn().await;
    let strata = district(&app).await;
    let token = app.login("inspector").await;

    // Half of every stratum (all of them have an even size).
    let (status, half) = app
        .post(
            Some(&token),
            "/api/v1/samples",
            json!({"year": 2012, "percent": 50, "seed": 99}),
        )
        .await;
    assert_eq!(status, 200, "{half}");
    assert_eq!(half["percent"], 50);
    assert_eq!(half["count"], Value::Null);
    let units = half["units"].as_array().expect("units");
    assert_eq!(units.len(), 6);
    let mut drawn: BTreeMap<String, usize> = BTreeMap::new();
    for u in units {
        let code = u["code"].as_str().expect("code");
        assert_eq!(
            u["stratum"].as_str(),
            strata.get(code).map(String::as_str),
            "{u}"
        );
        let street = u["street"].as_str().expect("street");
        assert!(
            u["stratum"]
                .as_str()
                .is_some_and(|s| s.starts_with(&format!("{street} / ")))
        );
        *drawn.entry(strata[code].clone()).or_default() += 1;
    }
    let mut sizes: BTreeMap<String, usize> = BTreeMap::new();
    for s in strata.values() {
        *sizes.entry(s.clone()).or_default() += 1;
    }
    let halves: BTreeMap<String, usize> = sizes.iter().map(|(s, n)| (s.clone(), n / 2)).collect();
    assert_eq!(drawn, halves, "proportional to each stratum");
    assert!(
        halves.contains_key("小营街道 / 省级示范档案室"),
        "{halves:?}"
    );

    // A count; more than there are gives everyone.
    let (_, five) = app
        .post(
            Some(&token),
            "/api/v1/samples",
            json!({"year": 2012, "count": 5, "seed": 99}),
        )
        .await;
    assert_eq!(codes(&five).len(), 5);
    assert_eq!(five["count"], 5);
    assert_eq!(five["percent"], Value::Null);
    let (_, all) = app
        .post(
            Some(&token),
            "/api/v1/samples",
            json!({"year": 2012, "count": 100, "seed": 1}),
        )
        .await;
    let mut everyone = codes(&all);
    everyone.sort();
    assert_eq!(everyone, strata.keys().cloned().collect::<Vec<_>>());
    // 25% of 12, rounded up.
    let (_, quarter) = app
        .post(
            Some(&token),
            "/api/v1/samples",
            json!({"year": 2012, "percent": 25, "seed": 3}),
        )
        .await;
    assert_eq!(codes(&quarter).len(), 3);

    // Without a seed: one is chosen, returned and stored.
    let (status, random) = app
        .post(
            Some(&token),
            "/api/v1/samples",
            json!({"year": 2012, "count": 4}),
        )
        .await;
    assert_eq!(status, 200, "{random}");
    let seed = random["seed"].as_u64().expect("a seed");
    assert!(seed < 1 << 53, "{seed}");
    let id = random["id"].as_i64().expect("id");
    let (_, stored) = app
        .get(Some(&token), &format!("/api/v1/samples/{id}"))
        .await;
    assert_eq!(stored["seed"], seed);
    // Drawing again with the returned seed reproduces it.
    let (_, replay) = app
        .post(
            Some(&token),
            "/api/v1/samples",
            json!({"year": 2012, "count": 4, "seed": seed}),
        )
        .await;
    assert_eq!(replay["units"], random["units"]);
}

#[actix_web::test]
async fn bad_requests_and_callers_are_refused() {
    let app = TestApp::spawn().await;
    district(&app).await;
    let token = app.login("inspector").await;
    let (status, sample) = app
        .post(
            Some(&token),
            "/api/v1/samples",
            json!({"year": 2012, "count": 2, "seed": 5}),
        )
        .await;
    assert_eq!(status, 200);
    for (what, body) in [
        (
            "neither count nor percent",
            json!({"year": 2012, "seed": 1}),
        ),
        (
            "both count and percent",
            json!({"year": 2012, "count": 2, "percent": 10, "seed": 1}),
        ),
        ("count 0", json!({"year": 2012, "count": 0})),
        ("percent 0", json!({"year": 2012, "percent": 0})),
        ("percent over 100", json!({"year": 2012, "percent": 101})),
        (
            "a seed of 2^53",
            json!({"year": 2012, "count": 2, "seed": 1u64 << 53}),
        ),
        ("a negative count", json!({"year": 2012, "count": -1})),
        ("no year", json!({"count": 2})),
    ] {
        let (status, answer) = app.post(Some(&token), "/api/v1/samples", body).await;
        assert_eq!(status, 400, "{what}: {answer}");
        assert!(answer["error"].is_string(), "{what}: {answer}");
    }

    app.add_unit_user("unit", "330102301");
    let id = sample["id"].as_i64().expect("id");
    for user in ["leader", "unit"] {
        let t = app.login(user).await;
        let (status, _) = app
            .post(
                Some(&t),
                "/api/v1/samples",
                json!({"year": 2012, "count": 2, "seed": 5}),
            )
            .await;
        assert_eq!(status, 403, "{user} draws");
        let (status, _) = app.get(Some(&t), "/api/v1/samples?year=2012").await;
        assert_eq!(status, 403, "{user} lists");
        let (status, _) = app.get(Some(&t), &format!("/api/v1/samples/{id}")).await;
        assert_eq!(status, 403, "{user} reads");
    }
    // Nothing was drawn by them.
    let (_, list) = app.get(Some(&token), "/api/v1/samples").await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    let (status, _) = app.get(Some(&token), "/api/v1/samples/999999").await;
    assert_eq!(status, 404);
}
