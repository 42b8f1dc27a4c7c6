//! 互查: 52 communities in 9 groups drawn from a seed; a unit reviews only
//! the units it was assigned; the bureau reads self, mutual and spot
//! figures side by side.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::helpers::{Book, TestApp, roster_xlsx};

const GROUPS: &str = "/api/v1/campaigns/2012/peer-groups";
const REVIEWS: &str = "/api/v1/campaigns/2012/peer-reviews";

fn draw(seed: u64) -> Value {
    json!({"draw": {"groups": 9, "seed": seed, "kind": "社区"}, "cross_street": true})
}

async fn put(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    app.send(reqwest::Method::PUT, Some(token), GROUPS, body)
        .await
}

fn code(unit: &Value) -> String {
    unit["code"].as_str().expect("code").to_string()
}

/// (reviewer, reviewed) codes of every group.
fn pairs(plan: &Value) -> Vec<(String, String)> {
    plan["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g["reviews"].as_array().expect("reviews").iter())
        .map(|r| (code(&r["reviewer"]), code(&r["reviewed"])))
        .collect()
}

/// 52 communities on six streets, as in the demo's district: 小营巷社区's
/// upload opens 2012, the roster adds the other 51.
async fn district(app: &TestApp) -> String {
    let (inspector, _) = app.inspector_uploads_default().await;
    let streets = [
        "小营街道",
        "湖滨街道",
        "清波街道",
        "望江街道",
        "紫阳街道",
        "南星街道",
    ];
    let rows: Vec<[String; 6]> = (1..52)
        .map(|n| {
            [
                format!("3301029{n:02}"),
                format!("第{n}社区"),
                "社区".to_string(),
                streets[n % streets.len()].to_string(),
                String::new(),
                String::new(),
            ]
        })
        .collect();
    let rows: Vec<[&str; 6]> = rows
        .iter()
        .map(|r| std::array::from_fn(|i| r[i].as_str()))
        .collect();
    let admin = app.login("admin").await;
    let (status, body) = app
        .post_files(
            Some(&admin),
            "/api/v1/units/import",
            vec![("名册.xlsx".into(), roster_xlsx(&rows))],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    inspector
}

async fn current_total(app: &TestApp, token: &str, unit: &str) -> Value {
    let (status, history) = app
        .get(Some(token), &format!("/api/v1/units/{unit}/history"))
        .await;
    assert_eq!(status, 200, "{history}");
    let entries = history
        .as_array()
        .unwrap_or_else(|| history["items"].as_array().expect("entries"));
    entries
        .iter()
        .find(|e| e["year"] == 2012 && e["current"] == true)
        .map(|e| e["total"].clone())
        .expect("a current 2012 upload")
}

#[actix_web::test]
async fn fifty_two_communities_in_nine_groups_review_only_their_assigned_units() {
    let app = TestApp::spawn().await;
    let inspector = district(&app).await;
    let leader = app.login("leader").await;

    let (status, plan) = put(&app, &inspector, draw(20121)).await;
    assert_eq!(status, 200, "{plan}");
    assert_eq!(plan["seed"], 20121);
    assert_eq!(plan["cross_street"], true);
    let groups = plan["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 9);
    let mut streets = BTreeMap::new();
    let mut members = BTreeSet::new();
    for g in groups {
        let units = g["units"].as_array().expect("units");
        assert!((5..=6).contains(&units.len()), "{g}");
        for u in units {
            assert!(members.insert(code(u)), "{u} in two groups");
            streets.insert(code(u), u["street"].clone());
        }
    }
    assert_eq!(members.len(), 52, "every community, once");
    let all = pairs(&plan);
    assert_eq!(all.len(), 52);
    let reviewed: BTreeSet<&String> = all.iter().map(|(_, b)| b).collect();
    assert_eq!(reviewed.len(), 52, "each reviewed once");
    for (a, b) in &all {
        assert_ne!(a, b);
        assert_ne!(streets[a], streets[b], "{a} reviews {b} of its own street");
    }

    // The same seed draws the same groups; another seed others.
    let (status, again) = put(&app, &inspector, draw(20121)).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["groups"], plan["groups"]);
    let (_, other) = put(&app, &inspector, draw(7)).await;
    assert_ne!(other["groups"], plan["groups"]);
    let (_, plan) = put(&app, &inspector, draw(20121)).await;
    assert_eq!(pairs(&plan), all);

    // Only inspectors form groups; a bad request says why in Chinese.
    let (status, _) = put(&app, &leader, draw(1)).await;
    assert_eq!(status, 403);
    let (status, body) = put(
        &app,
        &inspector,
        json!({"draw": {"groups": 30, "seed": 1, "kind": "社区"}}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("每组至少 2 个单位"),
        "{body}"
    );

    // The first group's first reviewer signs in as its unit.
    let first = &plan["groups"][0];
    let (reviewer, target) = (
        code(&first["reviews"][0]["reviewer"]),
        code(&first["reviews"][0]["reviewed"]),
    );
    app.add_unit_user("peer", &reviewer);
    let peer = app.login("peer").await;
    let (status, seen) = app.get(Some(&peer), GROUPS).await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(
        seen["groups"].as_array().unwrap().len(),
        1,
        "its own group only"
    );
    assert_eq!(seen["groups"][0]["number"], first["number"]);
    assert_eq!(
        seen["groups"][0]["stray"],
        Value::Null,
        "the bureau's figures stay the bureau's"
    );

    // A unit it was not assigned, itself, or a unit of another group: 403.
    let stranger = code(&plan["groups"][1]["units"][0]);
    for unit in [&stranger, &reviewer] {
        let (status, body) = app
            .post(Some(&peer), REVIEWS, json!({"unit": unit, "note": "越权"}))
            .await;
        assert_eq!(status, 403, "{unit}: {body}");
    }
    // Nor does the bureau record a peer's review.
    let (status, _) = app
        .post(Some(&inspector), REVIEWS, json!({"unit": target}))
        .await;
    assert_eq!(status, 403);

    // The reviewed unit uploads (as its archivist would, through the bureau here).
    let reviewed = &first["reviews"][0]["reviewed"];
    let book = Book {
        code: &target,
        name: reviewed["name"].as_str().unwrap(),
        street: reviewed["street"].as_str().unwrap(),
        ..Book::default()
    };
    let (status, body) = app
        .upload(&inspector, "互查对象.xlsx", app.workbook(&book))
        .await;
    assert_eq!(status, 200, "{body}");
    let before = current_total(&app, &inspector, &target).await;
    let (status, body) = app
        .post(
            Some(&peer),
            REVIEWS,
            json!({"unit": target, "items": [{"code": "F8", "points": 0.5}]}),
        )
        .await;
    assert_eq!(status, 400, "a change needs its reason: {body}");
    let (status, review) = app
        .post(
            Some(&peer),
            REVIEWS,
            json!({"unit": target, "note": "互查：编研成果偏少",
                   "items": [{"code": "F8", "points": 0.5, "reason": "编研成果仅一项"}]}),
        )
        .await;
    assert_eq!(status, 200, "{review}");
    assert_eq!(code(&review["reviewer"]), reviewer);
    let f8 = review["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "F8")
        .expect("F8");
    assert_eq!(f8["points"], 0.5);
    // Kept beside the unit's result, never instead of it.
    assert_eq!(current_total(&app, &inspector, &target).await, before);

    // Once a peer has reviewed, the groups stay.
    let (status, body) = put(&app, &inspector, draw(99)).await;
    assert_eq!(status, 409, "{body}");

    // The bureau's spot check of the same upload.
    let submission = review["submission_id"].as_i64().expect("submission");
    let (status, spot) = app
        .post(
            Some(&inspector),
            &format!("/api/v1/submissions/{submission}/reviews"),
            json!({"kind": "spot", "items": [{"code": "F8", "points": 1, "reason": "抽查"}]}),
        )
        .await;
    assert_eq!(status, 200, "{spot}");

    let (status, figures) = app
        .get(Some(&leader), &format!("{REVIEWS}/figures?unit={target}"))
        .await;
    assert_eq!(status, 200, "{figures}");
    let unit = &figures["units"][0];
    assert_eq!(unit["group"], first["number"]);
    assert_eq!(unit["mutual"][0]["total"], review["total"]);
    assert_eq!(unit["mutual"][0]["current_upload"], true);
    assert_eq!(unit["spot_total"], spot["total"], "{unit}");
    assert!(unit["self_total"].is_number());
    let row = unit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "F8")
        .expect("F8 row");
    assert_eq!(row["mutual_points"], json!([0.5]));
    assert_eq!(row["spot_points"], 1.0);

    // The group's stray: one unit compared, |mutual − spot|.
    let (_, plan) = app.get(Some(&inspector), GROUPS).await;
    let stray = &plan["groups"][0]["stray"];
    assert_eq!(stray["compared"], 1, "{stray}");
    let difference = (review["total"].as_f64().unwrap() - spot["total"].as_f64().unwrap()).abs();
    assert!(
        (stray["mean_difference"].as_f64().unwrap() - difference).abs() < 1e-9,
        "{stray}"
    );
    assert!(difference > 0.0, "the peer was harsher on F8");

    // A closed year takes no more 互查.
    let admin = app.login("admin").await;
    let (status, body) = app
        .send(
            reqwest::Method::PATCH,
            Some(&admin),
            "/api/v1/campaigns/2012",
            json!({"closed": true}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post(Some(&peer), REVIEWS, json!({"unit": target}))
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body["error"].as_str().unwrap().contains("已关闭"), "{body}");

    // Units and street officers do not read the figures.
    let (status, _) = app.get(Some(&peer), &format!("{REVIEWS}/figures")).await;
    assert_eq!(status, 403);
}

#[actix_web::test]
async fn groups_by_hand_name_every_problem_and_keep_streets_apart() {
    let app = TestApp::spawn().await;
    let inspector = district(&app).await;
    let (_, drawn) = put(&app, &inspector, draw(3)).await;
    // Two units of one street and one of another, by hand.
    let units: Vec<Value> = drawn["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["units"].as_array().unwrap().clone())
        .collect();
    let by_street = |street: &Value| -> Vec<String> {
        units
            .iter()
            .filter(|u| &u["street"] == street)
            .map(code)
            .collect()
    };
    let street_a = by_street(&units[0]["street"]);
    let other = units
        .iter()
        .find(|u| u["street"] != units[0]["street"])
        .unwrap();
    let (a1, a2, b) = (street_a[0].clone(), street_a[1].clone(), code(other));

    let (status, body) = put(
        &app,
        &inspector,
        json!({"groups": [{"units": [a1, a2, "不存在"]}, {"units": [a1]}], "cross_street": true}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let message = body["error"].as_str().unwrap();
    assert!(message.contains("不存在"), "{message}");
    assert!(message.contains("同时在第 1 组和第 2 组"), "{message}");

    // Same street side by side, nobody across: refused when asked apart.
    let (status, body) = put(
        &app,
        &inspector,
        json!({"groups": [{"units": [a1, a2]}], "cross_street": true}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("超过半数"),
        "{body}"
    );

    // Named reviews are kept as named.
    let (status, plan) = put(
        &app,
        &inspector,
        json!({"groups": [{"units": [a1, a2, b],
                           "reviews": [{"reviewer": b, "reviewed": a1}, {"reviewer": a1, "reviewed": b}]}]}),
    )
    .await;
    assert_eq!(status, 200, "{plan}");
    assert_eq!(plan["seed"], Value::Null);
    let mut got = pairs(&plan);
    got.sort();
    let mut want = vec![(b.clone(), a1.clone()), (a1.clone(), b.clone())];
    want.sort();
    assert_eq!(got, want);
}
