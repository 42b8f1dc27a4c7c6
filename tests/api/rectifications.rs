//! Rectification (整改) through the API: generation from uploads, the whole
//! lifecycle, illegal transitions, permissions, overdue, re-check points
//! and carry-over across two campaigns.

use reqwest::Method;
use serde_json::{Value, json};

use nianjian::domain::checklist::InputType;
use nianjian::domain::{Answers, Decimal, InputValue, ItemAnswer, Points, Rule};
use nianjian::reports::template::{Prefill, self_check_template};

use crate::helpers::TestApp;

/// A model unit's answers for a checklist: every self item at full marks,
/// every facility present, generous figures, no veto.
fn excellent(app: &TestApp, reference: &str) -> Answers {
    let checklist = app.catalog.get(reference).expect("checklist");
    let mut a = Answers::default();
    for input in &checklist.inputs {
        let value = match input.kind {
            InputType::YesNo => InputValue::YesNo(!matches!(
                input.key.as_str(),
                "loss_incident" | "refused_inspection"
            )),
            InputType::Percent => InputValue::Number(Decimal::from_int(100)),
            InputType::Integer => InputValue::Number(Decimal::from_int(5000)),
            InputType::Decimal => InputValue::Number(Decimal::from_int(60_000)),
            InputType::Choice => InputValue::Choice(input.options[0].clone()),
        };
        a.inputs.insert(input.key.clone(), value);
    }
    for item in &checklist.items {
        if let Rule::SelfScored { .. } = item.rule {
            a.self_scores
                .insert(item.code.clone(), ItemAnswer::Points(item.max));
        }
    }
    a
}

fn book(app: &TestApp, answers: Answers, year: i32, target: Option<&str>) -> Vec<u8> {
    let checklist = app.catalog.get("community@2013").expect("checklist");
    self_check_template(
        checklist,
        &Prefill {
            unit_name: Some("小营巷社区".into()),
            unit_code: Some("330102301".into()),
            unit_kind: Some("社区".into()),
            street: Some("小营街道".into()),
            year: Some(year),
            target_tier: target.map(str::to_string),
            answers: Some(answers),
        },
    )
    .expect("workbook")
}

fn lower(mut a: Answers, code: &str, points: i32) -> Answers {
    a.self_scores
        .insert(code.into(), ItemAnswer::Points(Points(points * 10)));
    a
}

async fn orders(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let (status, body) = app
        .get(Some(token), &format!("/api/v1/rectifications?{query}"))
        .await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().expect("items").clone()
}

fn find<'a>(items: &'a [Value], item: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["item"] == item)
        .unwrap_or_else(|| panic!("no order for {item} in {items:?}"))
}

async fn act(app: &TestApp, token: &str, id: i64, body: Value) -> (u16, Value) {
    app.post(
        Some(token),
        &format!("/api/v1/rectifications/{id}/actions"),
        body,
    )
    .await
}

#[actix_web::test]
async fn an_upload_orders_one_rectification_per_shortfall() {
    let app = TestApp::spawn().await;
    let inspector = app.login("inspector").await;
    let mut answers = lower(lower(excellent(&app, "community@2013"), "C3", 0), "A3", 5);
    answers.inputs.insert(
        "room_area".into(),
        InputValue::Number(Decimal::from_int(35)),
    );
    answers
        .inputs
        .insert("loss_incident".into(), InputValue::YesNo(true));
    let (status, body) = app
        .upload(
            &inspector,
            "a.xlsx",
            book(&app, answers, 2012, Some("省级示范档案室")),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let items = orders(&app, &inspector, "year=2012").await;
    // Contract fields.
    for i in &items {
        for field in ["id", "unit", "item", "state", "due", "overdue"] {
            assert!(i.get(field).is_some(), "{field} in {i}");
        }
        assert_eq!(i["unit"], "330102301");
        assert_eq!(i["state"], "open");
        assert_eq!(i["overdue"], false);
    }
    let c3 = find(&items, "C3");
    assert_eq!(c3["points_lost"], 3.0);
    assert!(c3["requirement"].as_str().is_some_and(|r| !r.is_empty()));
    assert_eq!(find(&items, "A3")["points_lost"], 0.5);
    // The veto and the room-area minimum of the tier applied for; the room
    // area item itself (a band) lost points too.
    assert!(
        items
            .iter()
            .any(|i| i["kind"] == "veto" && i["item"].is_null())
    );
    assert!(items.iter().any(|i| {
        i["kind"] == "gap"
            && i["title"]
                .as_str()
                .is_some_and(|t| t.contains("档案室面积"))
    }));
    // Exactly one order per key: no duplicates.
    let mut titles: Vec<&str> = items.iter().filter_map(|i| i["title"].as_str()).collect();
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), items.len());

    // The due date is the checklist's 30 days, moved off a weekend.
    let due = chrono::NaiveDate::parse_from_str(c3["due"].as_str().expect("due"), "%Y-%m-%d")
        .expect("date");
    let today = nianjian::service::Clock::at(chrono::Utc::now()).today;
    let days = (due - today).num_days();
    assert!((30..=32).contains(&days), "{days}");
    assert!(!matches!(
        chrono::Datelike::weekday(&due),
        chrono::Weekday::Sat | chrono::Weekday::Sun
    ));

    // The same bytes again order nothing new; a re-score updates the set.
    let before = items.len();
    let fixed = lower(excellent(&app, "community@2013"), "C3", 0);
    let (status, _) = app
        .upload(
            &inspector,
            "b.xlsx",
            book(&app, fixed, 2012, Some("省级示范档案室")),
        )
        .await;
    assert_eq!(status, 200);
    let after = orders(&app, &inspector, "year=2012").await;
    assert_eq!(
        after.len(),
        before,
        "nothing duplicated: closed ones stay listed"
    );
    assert_eq!(find(&after, "C3")["state"], "open", "still short");
    let a5 = find(&after, "A3");
    assert_eq!(
        a5["state"], "verified",
        "now full marks: closed automatically"
    );
    assert!(
        a5["closed_reason"]
            .as_str()
            .is_some_and(|r| r.contains("自动销号"))
    );
    assert!(
        after
            .iter()
            .filter(|i| i["kind"] == "veto")
            .all(|i| i["state"] == "verified")
    );
}

#[actix_web::test]
async fn the_whole_lifecycle_with_evidence_and_every_illegal_step() {
    let app = TestApp::spawn().await;
    let inspector = app.login("inspector").await;
    let answers = lower(lower(excellent(&app, "community@2013"), "C3", 0), "A3", 5);
    app.upload(&inspector, "a.xlsx", book(&app, answers, 2012, None))
        .await;
    app.add_unit_user("xiaoying", "330102301");
    let unit = app.login("xiaoying").await;
    let leader = app.login("leader").await;
    let items = orders(&app, &unit, "year=2012").await;
    let id = find(&items, "C3")["id"].as_i64().expect("id");
    let other = find(&items, "A3")["id"].as_i64().expect("id");

    // Illegal from open: verify and return are 409 for the bureau, 403 for the unit.
    for action in ["verify", "return"] {
        let (status, body) =
            act(&app, &inspector, id, json!({"action": action, "note": "x"})).await;
        assert_eq!(status, 409, "{action}: {body}");
        assert!(body["error"].is_string());
        let (status, _) = act(&app, &unit, id, json!({"action": action, "note": "x"})).await;
        assert_eq!(status, 403, "unit {action}");
    }
    let (status, _) = act(&app, &unit, id, json!({"action": "waive", "note": "x"})).await;
    assert_eq!(status, 403);
    let (status, _) = act(&app, &leader, id, json!({"action": "submit"})).await;
    assert_eq!(status, 403, "leaders read only");
    let (status, _) = act(&app, &unit, id, json!({"action": "fly"})).await;
    assert_eq!(status, 400);

    // The unit submits with evidence (multipart).
    let form = reqwest::multipart::Form::new()
        .text("action", "submit")
        .text("note", "已编制全宗卷，见照片")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"\x89PNG fake photo".to_vec()).file_name("全宗卷.png"),
        );
    let response = app
        .client
        .post(app.url(&format!("/api/v1/rectifications/{id}/actions")))
        .bearer_auth(&unit)
        .multipart(form)
        .send()
        .await
        .expect("submit");
    assert_eq!(response.status(), 200);
    let detail: Value = response.json().await.expect("json");
    assert_eq!(detail["state"], "submitted");
    let evidence = &detail["events"]
        .as_array()
        .expect("events")
        .last()
        .expect("event")["evidence"][0];
    assert_eq!(evidence["file_name"], "全宗卷.png");
    let evidence_id = evidence["id"].as_i64().expect("id");
    let file = app
        .client
        .get(app.url(&format!(
            "/api/v1/rectifications/{id}/evidence/{evidence_id}"
        )))
        .bearer_auth(&inspector)
        .send()
        .await
        .expect("download");
    assert_eq!(
        file.bytes().await.expect("bytes").as_ref(),
        b"\x89PNG fake photo"
    );

    // From submitted: submit and waive are 409.
    let (status, _) = act(&app, &unit, id, json!({"action": "submit"})).await;
    assert_eq!(status, 409);
    let (status, _) = act(
        &app,
        &inspector,
        id,
        json!({"action": "waive", "note": "x"}),
    )
    .await;
    assert_eq!(status, 409);
    // Return needs a note.
    let (status, _) = act(
        &app,
        &inspector,
        id,
        json!({"action": "return", "note": "  "}),
    )
    .await;
    assert_eq!(status, 400);
    let (status, body) = act(
        &app,
        &inspector,
        id,
        json!({"action": "return", "note": "全宗介绍缺分类方案"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "returned");
    let (status, body) = act(
        &app,
        &unit,
        id,
        json!({"action": "submit", "note": "已补分类方案"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["state"], "submitted");
    let (status, body) = act(
        &app,
        &inspector,
        id,
        json!({"action": "verify", "note": "现场核实"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["state"], "verified");
    // Verified is final.
    for action in ["submit", "verify", "return", "waive"] {
        let (status, _) = act(&app, &inspector, id, json!({"action": action, "note": "x"})).await;
        assert_eq!(status, 409, "{action} after verify");
    }
    let steps: Vec<&str> = body["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        steps,
        vec!["create", "submit", "return", "submit", "verify"]
    );
    assert!(body["events"][2]["actor"] == "inspector");

    // Waive needs a note; waived is final.
    let (status, _) = act(&app, &inspector, other, json!({"action": "waive"})).await;
    assert_eq!(status, 400);
    let (status, body) = act(
        &app,
        &inspector,
        other,
        json!({"action": "waive", "note": "该条目本年度不具备条件"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["state"], "waived");
    let (status, _) = act(&app, &unit, other, json!({"action": "submit"})).await;
    assert_eq!(status, 409);

    // Every transition is in the audit log, with its actor.
    let (_, log) = app
        .get(
            Some(&inspector),
            &format!("/api/v1/audit?entity=rectification&entity_id={id}"),
        )
        .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        vec![
            "rectification.verify",
            "rectification.submit",
            "rectification.return",
            "rectification.submit"
        ]
    );

    // Counts by state.
    let (_, counts) = app
        .get(Some(&inspector), "/api/v1/rectifications/counts?year=2012")
        .await;
    assert_eq!(counts["verified"], 1);
    assert_eq!(counts["waived"], 1);
    assert_eq!(counts["total"], 2);
}

#[actix_web::test]
async fn a_unit_answers_only_its_own_orders() {
    let app = TestApp::spawn().await;
    let inspector = app.login("inspector").await;
    app.upload(
        &inspector,
        "a.xlsx",
        book(
            &app,
            lower(excellent(&app, "community@2013"), "C3", 0),
            2012,
            None,
        ),
    )
    .await;
    let other = crate::helpers::Book {
        code: "330102302",
        name: "葵巷社区",
        ..crate::helpers::Book::default()
    };
    app.upload(&inspector, "b.xlsx", app.workbook(&other)).await;
    app.add_unit_user("kuixiang", "330102302");
    let stranger = app.login("kuixiang").await;
    let mine = orders(&app, &stranger, "year=2012").await;
    assert!(mine.iter().all(|i| i["unit"] == "330102302"));
    let (status, _) = app
        .get(
            Some(&stranger),
            "/api/v1/rectifications?year=2012&unit=330102301",
        )
        .await;
    assert_eq!(status, 403);
    let theirs = orders(&app, &inspector, "year=2012&unit=330102301").await;
    let id = find(&theirs, "C3")["id"].as_i64().expect("id");
    let (status, _) = act(&app, &stranger, id, json!({"action": "submit"})).await;
    assert_eq!(status, 403);
    let (status, _) = app
        .get(Some(&stranger), &format!("/api/v1/rectifications/{id}"))
        .await;
    assert_eq!(status, 403);
}

#[actix_web::test]
async fn overdue_follows_the_due_date() {
    let app = TestApp::spawn().await;
    let inspector = app.login("inspector").await;
    app.upload(
        &inspector,
        "a.xlsx",
        book(
            &app,
            lower(excellent(&app, "community@2013"), "C3", 0),
            2012,
            None,
        ),
    )
    .await;
    let id = find(&orders(&app, &inspector, "year=2012").await, "C3")["id"]
        .as_i64()
        .expect("id");
    let path = format!("/api/v1/rectifications/{id}");
    let patch = |due: &'static str| {
        app.send(
            Method::PATCH,
            Some(&inspector),
            &path,
            json!({"due": due, "note": "调整期限"}),
        )
    };
    let (status, body) = patch("2012-12-31").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["overdue"], true);
    assert!(body["days_overdue"].as_i64().is_some_and(|d| d > 300));
    let overdue = orders(&app, &inspector, "year=2012&overdue=true").await;
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0]["id"], id);
    let (_, body) = patch("2100-01-04").await;
    assert_eq!(body["overdue"], false);
    assert!(
        orders(&app, &inspector, "year=2012&overdue=true")
            .await
            .is_empty()
    );
    let (status, _) = patch("31/12/2012").await;
    assert_eq!(status, 400);
    // Submitted orders wait on the bureau: not overdue however late.
    patch("2012-12-31").await;
    act(&app, &inspector, id, json!({"action": "submit"})).await;
    assert!(
        orders(&app, &inspector, "year=2012&overdue=true")
            .await
            .is_empty()
    );
}

#[actix_web::test]
async fn recheck_points_lift_the_unit_into_a_higher_tier() {
    let app = TestApp::spawn().await;
    let inspector = app.login("inspector").await;
    // C3 is required for 省级示范 only: without it the unit stops at 省级规范化.
    let (_, body) = app
        .upload(
            &inspector,
            "a.xlsx",
            book(
                &app,
                lower(excellent(&app, "community@2013"), "C3", 0),
                2012,
                None,
            ),
        )
        .await;
    assert_eq!(body["tier"]["code"], "province-standard", "{body}");
    let id = find(&orders(&app, &inspector, "year=2012").await, "C3")["id"]
        .as_i64()
        .expect("id");
    act(
        &app,
        &inspector,
        id,
        json!({"action": "submit", "note": "代为提交"}),
    )
    .await;
    // Re-check points outside the item's range are refused, nothing changes.
    let (status, _) = act(
        &app,
        &inspector,
        id,
        json!({"action": "verify", "recheck_points": 3.5}),
    )
    .await;
    assert_eq!(status, 400);
    let (status, body) = act(
        &app,
        &inspector,
        id,
        json!({"action": "verify", "note": "复查合格", "recheck_points": 3}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let verify = body["events"]
        .as_array()
        .expect("events")
        .last()
        .expect("event")
        .clone();
    assert_eq!(verify["before_tier"], "省级规范化档案室");
    assert_eq!(verify["after_tier"], "省级示范档案室");
    assert!(verify["after_total"].as_f64() > verify["before_total"].as_f64());

    let (_, list) = app
        .get(Some(&inspector), "/api/v1/assessments?year=2012")
        .await;
    let current = &list["items"][0];
    assert_eq!(current["tier"]["code"], "province-model");
    assert_eq!(current["reviewed"], true);
    assert!(current["self_total"].as_f64() < current["total"].as_f64());
}

#[actix_web::test]
async fn open_orders_carry_into_the_next_year() {
    let app = TestApp::spawn().await;
    let inspector = app.login("inspector").await;
    // 2011: C3, A3, F1 and C1 short.
    let y2011 = ["C3", "A3", "F1", "C1"]
        .iter()
        .fold(excellent(&app, "community@2013"), |a, code| {
            lower(a, code, 0)
        });
    app.upload(&inspector, "2011.xlsx", book(&app, y2011, 2011, None))
        .await;
    let old = orders(&app, &inspector, "year=2011").await;
    let id = |items: &[Value], code| find(items, code)["id"].as_i64().expect("id");
    // The inspector verified F1 and waived C1 by hand.
    act(
        &app,
        &inspector,
        id(&old, "F1"),
        json!({"action": "submit"}),
    )
    .await;
    act(
        &app,
        &inspector,
        id(&old, "F1"),
        json!({"action": "verify", "note": "已整改"}),
    )
    .await;
    act(
        &app,
        &inspector,
        id(&old, "C1"),
        json!({"action": "waive", "note": "制度修订中"}),
    )
    .await;

    // 2012: C3 now full; A3 still short; F1 and C1 short again.
    let y2012 = ["A3", "F1", "C1"]
        .iter()
        .fold(excellent(&app, "community@2013"), |a, code| {
            lower(a, code, 0)
        });
    let (status, _) = app
        .upload(&inspector, "2012.xlsx", book(&app, y2012, 2012, None))
        .await;
    assert_eq!(status, 200);
    let new = orders(&app, &inspector, "year=2012").await;
    let old_after = orders(&app, &inspector, "year=2011").await;

    // C3 closed automatically with the reason.
    let c3 = find(&old_after, "C3");
    assert_eq!(c3["state"], "verified");
    assert!(
        c3["closed_reason"]
            .as_str()
            .is_some_and(|r| r.contains("2012"))
    );
    // A3 carried: the same order, now tracked in 2012, not repeated.
    let a5 = find(&new, "A3");
    assert_eq!(a5["id"].as_i64(), Some(id(&old, "A3")));
    assert_eq!(a5["origin_year"], 2011);
    assert_eq!(a5["year"], 2012);
    assert_eq!(new.iter().filter(|i| i["item"] == "A3").count(), 1);
    // F1 was verified but falls short again: a new order linked to the old.
    let f1 = find(&new, "F1");
    assert_ne!(f1["id"].as_i64(), Some(id(&old, "F1")));
    assert_eq!(f1["previous_id"].as_i64(), Some(id(&old, "F1")));
    assert_eq!(f1["state"], "open");
    // The waiver stands untouched in 2011; 2012 has its own order.
    assert_eq!(find(&old_after, "C1")["state"], "waived");
    assert_eq!(
        find(&new, "C1")["previous_id"].as_i64(),
        Some(id(&old, "C1"))
    );
}

/// A workbook of 小营巷社区 on the checklist `reference`.
fn book_on(app: &TestApp, reference: &str, answers: Answers, year: i32) -> Vec<u8> {
    app.workbook_with(
        &crate::helpers::Book {
            checklist: reference,
            year,
            ..crate::helpers::Book::default()
        },
        answers,
    )
}

fn short(reference: &str, app: &TestApp, codes: &[&str]) -> Answers {
    codes
        .iter()
        .fold(excellent(app, reference), |a, code| lower(a, code, 0))
}

/// Orders of one item, in whatever year they are tracked now.
/// Uploads a community@2013 workbook with full marks but `codes` (at 0).
async fn upload_short(app: &TestApp, token: &str, name: &str, codes: &[&str], year: i32) {
    let bytes = book_on(
        app,
        "community@2013",
        short("community@2013", app, codes),
        year,
    );
    let (status, body) = app.upload(token, name, bytes).await;
    assert_eq!(status, 200, "{name}: {body}");
}

async fn of_item(app: &TestApp, token: &str, years: &[i32], item: &str) -> Vec<Value> {
    let mut found = Vec::new();
    for year in years {
        found.extend(
            orders(app, token, &format!("year={year}"))
                .await
                .into_iter()
                .filter(|i| i["item"] == item),
        );
    }
    found
}

fn active(items: &[Value]) -> usize {
    items
        .iter()
        .filter(|i| ["open", "submitted", "returned"].contains(&i["state"].as_str().unwrap_or("")))
        .count()
}

#[actix_web::test]
async fn carry_over_matches_items_by_meaning_across_checklist_versions() {
    let app = TestApp::spawn().await;
    let inspector = app.login("inspector").await;
    // 2011 on community@2012, 2012 on community@2013 (as the demo runs them).
    // D1 and D3 read the same in both versions; A1 and A3 do not (2012's A3
    // is 文化程度, 2013's A3 the 网络图).
    let old_version = app.catalog.get("community@2012").expect("2012");
    let new_version = app.catalog.get("community@2013").expect("2013");
    for code in ["D1", "D3"] {
        assert_eq!(
            old_version.item(code).map(|i| &i.title),
            new_version.item(code).map(|i| &i.title),
            "{code}"
        );
    }
    for code in ["A1", "A3"] {
        assert_ne!(
            old_version.item(code).map(|i| &i.title),
            new_version.item(code).map(|i| &i.title),
            "{code}"
        );
    }
    let (status, body) = app
        .upload(
            &inspector,
            "2011.xlsx",
            book_on(
                &app,
                "community@2012",
                short("community@2012", &app, &["A1", "A3", "D1", "D3"]),
                2011,
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let old = orders(&app, &inspector, "year=2011").await;
    let id = |items: &[Value], code| find(items, code)["id"].as_i64().expect("id");

    // 2012: A1 and D3 full; A3 and D1 short.
    let (status, body) = app
        .upload(
            &inspector,
            "2012.xlsx",
            book_on(
                &app,
                "community@2013",
                short("community@2013", &app, &["A3", "D1"]),
                2012,
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let new = orders(&app, &inspector, "year=2012").await;
    let old_after = orders(&app, &inspector, "year=2011").await;

    // The same meaning: D1 carried (the same order), D3 closed as met.
    let d1 = find(&new, "D1");
    assert_eq!(d1["id"].as_i64(), Some(id(&old, "D1")));
    assert_eq!(d1["origin_year"], 2011);
    let d3 = find(&old_after, "D3");
    assert_eq!(d3["state"], "verified");
    assert!(
        d3["closed_reason"]
            .as_str()
            .is_some_and(|r| r.contains("2012"))
    );
    // Another meaning: the 2011 orders stay open in 2011, neither carried
    // nor closed as met, for an inspector to decide.
    for code in ["A1", "A3"] {
        let order = find(&old_after, code);
        assert_eq!(order["state"], "open", "{code}: {order}");
        assert_eq!(order["year"], 2011, "{code}");
        assert!(order["closed_reason"].is_null(), "{code}: {order}");
    }
    // 2013's A3 is a shortfall of its own: a new order, linked to nothing.
    let a3 = find(&new, "A3");
    assert_ne!(a3["id"].as_i64(), Some(id(&old, "A3")));
    assert!(a3["previous_id"].is_null(), "{a3}");
    assert_eq!(a3["origin_year"], 2012);
    assert!(
        a3["title"].as_str().is_some_and(|t| t.contains("网络图")),
        "{a3}"
    );
    assert!(new.iter().all(|i| i["item"] != "A1"), "A1 is full in 2012");
}

#[actix_web::test]
async fn re_scoring_an_earlier_year_orders_nothing_twice() {
    let app = TestApp::spawn().await;
    let inspector = app.login("inspector").await;
    upload_short(&app, &inspector, "2011.xlsx", &["A3"], 2011).await;
    upload_short(&app, &inspector, "2012.xlsx", &["A3"], 2012).await;
    let carried = of_item(&app, &inspector, &[2011, 2012], "A3").await;
    assert_eq!(carried.len(), 1, "{carried:?}");
    assert_eq!(carried[0]["year"], 2012);

    // 2011 re-scored (C3 short too now): its A3 was carried on, not ordered again.
    upload_short(&app, &inspector, "2011b.xlsx", &["A3", "C3"], 2011).await;
    let after = of_item(&app, &inspector, &[2011, 2012], "A3").await;
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0]["id"], carried[0]["id"]);
    assert_eq!(after[0]["state"], "open");
    // Nor when 2011 is re-scored with A3 full: the order is 2012's to follow.
    upload_short(&app, &inspector, "2011c.xlsx", &["C3"], 2011).await;
    let after = of_item(&app, &inspector, &[2011, 2012], "A3").await;
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0]["state"], "open");
}

#[actix_web::test]
async fn a_later_year_stored_first_is_not_ordered_twice() {
    let app = TestApp::spawn().await;
    let inspector = app.login("inspector").await;
    upload_short(&app, &inspector, "2012.xlsx", &["A3"], 2012).await;
    upload_short(&app, &inspector, "2011.xlsx", &["A3", "C3"], 2011).await;
    let a3 = of_item(&app, &inspector, &[2011, 2012], "A3").await;
    assert_eq!(active(&a3), 1, "{a3:?}");
    assert_eq!(a3[0]["year"], 2012);
    // 2011's own shortfalls are ordered as usual.
    assert_eq!(of_item(&app, &inspector, &[2011], "C3").await.len(), 1);
    // 2012 re-scored: still one order for A3.
    upload_short(&app, &inspector, "2012b.xlsx", &["A3", "F1"], 2012).await;
    let a3 = of_item(&app, &inspector, &[2011, 2012], "A3").await;
    assert_eq!(active(&a3), 1, "{a3:?}");
    assert_eq!(a3.len(), 1, "{a3:?}");
}

async fn patch_2012(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    app.send(Method::PATCH, Some(token), "/api/v1/campaigns/2012", body)
        .await
}

#[actix_web::test]
async fn an_inspector_changes_a_campaigns_rectification_period_and_nothing_else() {
    let app = TestApp::spawn().await;
    let inspector = app.login("inspector").await;
    let leader = app.login("leader").await;
    app.upload(
        &inspector,
        "a.xlsx",
        book(
            &app,
            lower(excellent(&app, "community@2013"), "C3", 0),
            2012,
            None,
        ),
    )
    .await;
    let (status, body) = patch_2012(&app, &inspector, json!({"rectify_days": 10})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rectify_days"], 10);
    // The open order's due date follows: ten days from today, off a weekend.
    let c3 = find(&orders(&app, &inspector, "year=2012").await, "C3").clone();
    let due = chrono::NaiveDate::parse_from_str(c3["due"].as_str().expect("due"), "%Y-%m-%d")
        .expect("date");
    let today = nianjian::service::Clock::at(chrono::Utc::now()).today;
    assert!((10..=12).contains(&(due - today).num_days()), "{c3}");

    // Anything else stays the admin's, alone or alongside.
    for body in [
        json!({"rectify_days": 20, "closed": true}),
        json!({"deadline": "2012-12-31"}),
        json!({"closed": true}),
    ] {
        let (status, answer) = patch_2012(&app, &inspector, body.clone()).await;
        assert_eq!(status, 403, "{body}: {answer}");
    }
    let (status, _) = patch_2012(&app, &leader, json!({"rectify_days": 20})).await;
    assert_eq!(status, 403, "leaders read only");
    let (_, campaign) = app.get(Some(&inspector), "/api/v1/campaigns/2012").await;
    assert_eq!(campaign["rectify_days"], 10);
    assert_eq!(campaign["closed"], false);
    assert!(campaign["deadline"].is_null(), "{campaign}");
}

#[actix_web::test]
async fn a_due_date_set_by_hand_skips_weekends_and_closed_orders_keep_theirs() {
    let app = TestApp::spawn().await;
    let inspector = app.login("inspector").await;
    app.upload(
        &inspector,
        "a.xlsx",
        book(
            &app,
            lower(excellent(&app, "community@2013"), "C3", 0),
            2012,
            None,
        ),
    )
    .await;
    let id = find(&orders(&app, &inspector, "year=2012").await, "C3")["id"]
        .as_i64()
        .expect("id");
    let path = format!("/api/v1/rectifications/{id}");
    // 2100-01-02 is a Saturday, 2100-01-03 a Sunday.
    for asked in ["2100-01-02", "2100-01-03"] {
        let (status, body) = app
            .send(
                Method::PATCH,
                Some(&inspector),
                &path,
                json!({"due": asked}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["due"], "2100-01-04", "{asked}");
    }
    act(&app, &inspector, id, json!({"action": "submit"})).await;
    let (status, _) = act(&app, &inspector, id, json!({"action": "verify"})).await;
    assert_eq!(status, 200);
    let (status, body) = app
        .send(
            Method::PATCH,
            Some(&inspector),
            &path,
            json!({"due": "2100-02-01"}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let (_, detail) = app.get(Some(&inspector), &path).await;
    assert_eq!(detail["due"], "2100-01-04");
}

#[actix_web::test]
async fn two_steps_at_once_on_one_order_one_wins_the_other_is_a_conflict() {
    let app = TestApp::spawn().await;
    let inspector = app.login("inspector").await;
    let admin = app.login("admin").await;
    let codes = ["A3", "C3", "F1", "C1", "D1", "D3"];
    app.upload(
        &inspector,
        "a.xlsx",
        book(&app, short("community@2013", &app, &codes), 2012, None),
    )
    .await;
    let items = orders(&app, &inspector, "year=2012").await;
    for code in codes {
        let id = find(&items, code)["id"].as_i64().expect("id");
        // Two submits, then two verifies, each pair sent together.
        for (action, note) in [("submit", ""), ("verify", "验收合格")] {
            let body = json!({"action": action, "note": note});
            let ((a, _), (b, _)) = futures_util::future::join(
                act(&app, &inspector, id, body.clone()),
                act(&app, &admin, id, body),
            )
            .await;
            let mut statuses = [a, b];
            statuses.sort_unstable();
            assert_eq!(statuses, [200, 409], "{code} {action}");
        }
        let (_, detail) = app
            .get(Some(&inspector), &format!("/api/v1/rectifications/{id}"))
            .await;
        let steps: Vec<&str> = detail["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert_eq!(steps, ["create", "submit", "verify"], "{code}");
    }
}
