//! 互查 on the pages: the bureau draws the groups, a unit fills in its
//! 互查 item by item, the bureau reads it beside the self-check.

use super::client::sign_in;
use crate::helpers::{Book, TestApp};

/// Four communities on two streets, uploaded by the inspector.
async fn four_communities(app: &TestApp) {
    let inspector = app.login("inspector").await;
    for (code, name, street) in [
        ("330102301", "小营巷社区", "小营街道"),
        ("330102302", "大学路社区", "小营街道"),
        ("330103301", "东坡路社区", "湖滨街道"),
        ("330103302", "青年路社区", "湖滨街道"),
    ] {
        let book = Book {
            code,
            name,
            street,
            ..Book::default()
        };
        let (status, body) = app
            .upload(&inspector, &format!("{name}.xlsx"), app.workbook(&book))
            .await;
        assert_eq!(status, 200, "{body}");
    }
}

#[actix_web::test]
async fn groups_are_drawn_and_a_unit_fills_in_its_peer_review_on_the_pages() {
    let app = TestApp::spawn().await;
    four_communities(&app).await;
    let (b, _) = sign_in(&app, "inspector").await;
    let page = b.get("/inspect/peer").await;
    page.assert(200, &["本年度尚未分组", "跨街道互查"]);
    let csrf = page.csrf();
    let draw = |groups: &'static str| {
        [
            ("csrf", csrf.clone()),
            ("year", "2012".to_string()),
            ("groups", groups.to_string()),
            ("kind", "社区".to_string()),
            ("seed", "5".to_string()),
            ("cross_street", "on".to_string()),
        ]
    };
    let fields = draw("9");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = b.post("/inspect/peer", &fields).await;
    refused.assert(400, &["每组至少 2 个单位", "value=\"9\""]);
    let fields = draw("2");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let formed = b.post("/inspect/peer", &fields).await;
    formed.assert(
        200,
        &["已分好互查组", "第1组", "第2组", "<code>5</code>", "未提交"],
    );

    app.add_unit_user("xyx", "330102301");
    let (unit, home) = sign_in(&app, "xyx").await;
    assert!(
        home.html.contains("href=\"/unit/peer\""),
        "the unit's menu links 互查"
    );
    let list = unit.get("/unit/peer").await;
    list.assert(200, &["本单位要查的单位", "查本单位的单位", "填写互查"]);
    let target = list
        .html
        .split("href=\"/unit/peer/")
        .nth(1)
        .and_then(|s| s.split('?').next())
        .expect("a unit to review")
        .to_string();
    assert!(target.starts_with("330103"), "across streets: {target}");
    let sheet = unit.get(&format!("/unit/peer/{target}?year=2012")).await;
    sheet.assert(200, &["对方自评", "name=\"points:F8\""]);
    let csrf = sheet.csrf();
    let path = format!("/unit/peer/{target}");
    let refused = unit
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("year", "2012"),
                ("points:F8", "0.5"),
                ("reason:F8", ""),
                ("note", "库房未见温湿度记录"),
            ],
        )
        .await;
    // Refused, and the form keeps what was typed.
    refused.assert(
        400,
        &[
            "须写明理由",
            "name=\"points:F8\" value=\"0.5\"",
            ">库房未见温湿度记录</textarea>",
        ],
    );
    let saved = unit
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("year", "2012"),
                ("points:F8", "0.5"),
                ("reason:F8", "编研成果仅一项"),
                ("points:A1", ""),
                ("note", "档案柜已上锁"),
            ],
        )
        .await;
    saved.assert(200, &["互查意见已提交", "重新填写"]);
    // Another unit's form is not this unit's to fill.
    let other = unit.get("/unit/peer/330102302?year=2012").await;
    assert_eq!(other.status, 403);

    let figures = b
        .get(&format!("/inspect/peer/figures?year=2012&unit={target}"))
        .await;
    figures.assert(200, &["小营巷社区互查", "data-item=\"F8\"", "未抽查"]);
    let desk = b.get("/inspect/peer?year=2012").await;
    desk.assert(200, &["尚无既有互查又有抽查的单位"]);
    // The unit's pages are not the bureau's, nor the bureau's the unit's.
    assert_eq!(unit.get("/inspect/peer").await.status, 403);
    assert_eq!(b.get("/unit/peer").await.status, 403);
}
