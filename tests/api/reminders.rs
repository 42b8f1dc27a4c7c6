//! 提醒: each account's reminders follow where its work stands, and the
//! bell counts those that arose since it last looked.

use serde_json::{Value, json};

use crate::helpers::TestApp;

fn kinds(view: &Value) -> Vec<String> {
    view["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["kind"].as_str().expect("kind").to_string())
        .collect()
}

fn text_of<'a>(view: &'a Value, kind: &str) -> &'a str {
    view["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == kind)
        .and_then(|i| i["text"].as_str())
        .unwrap_or_else(|| panic!("no {kind} in {view}"))
}

#[actix_web::test]
async fn reminders_follow_the_work_and_the_bell_counts_the_unread() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    // An upload below full marks opens 2012 and raises orders.
    let (inspector, _) = app.inspector_uploads_default().await;
    // A second community on the roster has not uploaded; the deadline is in 3 days.
    app.add_community("330102302", "大学路社区").await;
    let deadline =
        (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive() + chrono::Duration::days(3);
    let (status, body) = app
        .send(
            reqwest::Method::PATCH,
            Some(&admin),
            "/api/v1/campaigns/2012",
            json!({"deadline": deadline.format("%Y-%m-%d").to_string()}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    app.add_unit_user("xyx", "330102301");
    app.add_unit_user("dxl", "330102302");
    let unit = app.login("xyx").await;
    let (status, mine) = app.get(Some(&unit), "/api/v1/reminders").await;
    assert_eq!(status, 200, "{mine}");
    let got = kinds(&mine);
    assert!(got.contains(&"campaign_opened".to_string()), "{mine}");
    assert!(got.contains(&"order_raised".to_string()), "{mine}");
    assert!(
        !got.contains(&"deadline_soon".to_string()),
        "it uploaded: {mine}"
    );
    assert_eq!(
        mine["unread"],
        mine["items"].as_array().unwrap().len(),
        "never looked"
    );
    assert!(
        text_of(&mine, "order_raised").starts_with("新下达"),
        "{mine}"
    );

    // The unit that has not uploaded is told of the deadline; so is the bureau, counted.
    let late = app.login("dxl").await;
    let (_, theirs) = app.get(Some(&late), "/api/v1/reminders").await;
    assert!(
        text_of(&theirs, "deadline_soon").contains("还有 3 天截止")
            && text_of(&theirs, "deadline_soon").contains("本单位尚未上传"),
        "{theirs}"
    );
    assert!(
        !kinds(&theirs).contains(&"order_raised".to_string()),
        "not its orders: {theirs}"
    );
    let (_, bureau) = app.get(Some(&inspector), "/api/v1/reminders").await;
    assert!(
        text_of(&bureau, "deadline_soon").contains("还有 1 个单位未上传"),
        "{bureau}"
    );

    // Looked: nothing unread, the list stays.
    let (status, seen) = app
        .post(Some(&unit), "/api/v1/reminders/seen", json!({}))
        .await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(seen["unread"], 0);
    assert_eq!(
        seen["items"],
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let mut i = i.clone();
                i["unread"] = json!(false);
                i
            })
            .collect::<Value>()
    );
    // The unit answers an order: the bureau is told it waits for checking.
    let (_, orders) = app
        .get(Some(&unit), "/api/v1/rectifications?year=2012")
        .await;
    let order = orders["items"][0]["id"].as_i64().expect("an order");
    let (status, body) = app
        .post(
            Some(&unit),
            &format!("/api/v1/rectifications/{order}/actions"),
            json!({"action": "submit", "note": "已整改"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, bureau) = app.get(Some(&inspector), "/api/v1/reminders").await;
    assert_eq!(
        text_of(&bureau, "evidence_submitted"),
        "1 项整改已提交，等待验收销号"
    );
    let (_, again) = app.get(Some(&late), "/api/v1/reminders").await;
    assert!(
        again["unread"].as_u64().unwrap() > 0,
        "another account's count is its own"
    );
}
