//! The web pages through a browser-like client (a cookie store, forms
//! posted as a browser posts them) against the real server on a random
//! port with a fresh database: SQLite, or PostgreSQL when
//! NIANJIAN_TEST_DATABASE=postgres://… is set.
//!
//! The inspector's and admin's pages (progress, a unit with its review
//! form, bulk upload, samples, the rectification board, users, roster,
//! campaigns), the unit archivist's pages, CSRF, roles and escaping.

mod client;
mod crawl;
mod deliveries;
mod districts;
mod peer;
mod publication;
mod versions;

use std::collections::BTreeMap;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{Book, PASSWORD, TestApp, full_marks, roster_xlsx};
use client::{Browser, field_value, sign_in, urlencoded};
use nianjian::domain::{ItemAnswer, Points, score};

// --------------------------------------------------------------- set-up

const UNIT: &str = "330102301";
const UNIT_NAME: &str = "小营巷社区";
const TOP: &str = "省级示范档案室";
const SECOND: &str = "省级规范化档案室";

/// Full marks on community@2013, 2012.
fn excellent_book(app: &TestApp) -> Vec<u8> {
    let checklist = app.catalog.get("community@2013").expect("checklist");
    app.workbook_with(&Book::default(), full_marks(checklist))
}

/// Full marks but item `code` at `points` (tenths).
fn book_lowering(app: &TestApp, code: &str, points: i32) -> Vec<u8> {
    let checklist = app.catalog.get("community@2013").expect("checklist");
    let mut answers = full_marks(checklist);
    answers
        .self_scores
        .insert(code.into(), ItemAnswer::Points(Points(points * 10)));
    app.workbook_with(&Book::default(), answers)
}

/// A workbook of the campaign's version with C1 at 1.3, off its 0.5 step.
fn off_step_book(app: &TestApp) -> Vec<u8> {
    book_lowering(app, "C1", 13)
}

/// Uploads through the API as the inspector (opens 2012 and the unit).
async fn upload_as_inspector(app: &TestApp, bytes: Vec<u8>) -> Value {
    let token = app.login("inspector").await;
    let (status, body) = app.upload(&token, "小营巷社区.xlsx", bytes).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Opens 2012 with community@2013 for 社区 through the API.
async fn open_2012(app: &TestApp) {
    let admin = app.login("admin").await;
    let (status, body) = app
        .post(
            Some(&admin),
            "/api/v1/campaigns",
            json!({"year": 2012, "checklists": [{"unit_kind": "社区", "checklist": "community@2013"}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn campaign_count(app: &TestApp) -> usize {
    let token = app.login("admin").await;
    let (_, body) = app.get(Some(&token), "/api/v1/campaigns").await;
    body["items"].as_array().map_or(0, Vec::len)
}

// ---------------------------------------------------------------- tests

#[actix_web::test]
async fn inspector_and_admin_open_every_page() {
    let app = TestApp::spawn().await;
    let uploaded = upload_as_inspector(&app, book_lowering(&app, "C3", 0)).await;
    let submission = uploaded["submission_id"].as_i64().expect("submission");
    app.add_community("330102302", "大学路社区").await;

    for who in ["inspector", "admin"] {
        let (b, home) = sign_in(&app, who).await;
        home.assert(
            200,
            &["年检进度", "2012 年度", "小营街道", UNIT_NAME, "大学路社区"],
        );
        assert!(
            home.url.ends_with("/inspect"),
            "{who} lands on {}",
            home.url
        );
        // The district total: two units on the roster, one submitted.
        assert!(home.html.contains("全区"));
        b.get("/inspect?year=2012&state=missing")
            .await
            .assert(200, &["大学路社区", "未提交"]);
        let only_submitted = b.get("/inspect?year=2012&state=submitted").await;
        only_submitted.assert(200, &[UNIT_NAME]);
        assert!(!only_submitted.html.contains("大学路社区"));

        let unit = b.get(&format!("/inspect/units/{UNIT}?year=2012")).await;
        unit.assert(
            200,
            &[
                UNIT_NAME,
                "条目得分",
                "人财物投入",
                "保存复核并重新计分",
                &format!("/api/v1/submissions/{submission}/file"),
                &format!("/dashboard/units/{UNIT}?year=2012"),
                &format!("/api/v1/units/{UNIT}/notice.html?year=2012"),
                "历年自查",
            ],
        );
        assert_eq!(unit.by_id("tier"), SECOND);
        // The links work with the session cookie.
        let (status, _, bytes) = b
            .bytes(&format!("/api/v1/submissions/{submission}/file"))
            .await;
        assert_eq!(status, 200);
        assert!(bytes.starts_with(b"PK"));
        let notice = b
            .get(&format!("/api/v1/units/{UNIT}/notice.html?year=2012"))
            .await;
        notice.assert(200, &["整改通知书"]);
        b.get(&format!("/dashboard/units/{UNIT}?year=2012"))
            .await
            .assert(200, &[UNIT_NAME]);

        b.get("/inspect/upload")
            .await
            .assert(200, &["批量上传", "dry_run", "multipart/form-data"]);
        b.get("/inspect/samples")
            .await
            .assert(200, &["抽取样本", "历次抽查"]);
        let board = b.get("/inspect/rectifications").await;
        board.assert(200, &["整改督办", "C3", "待整改", "免于整改"]);
        let id = board
            .html
            .split("/inspect/rectifications/")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("an order link")
            .to_string();
        b.get(&format!("/inspect/rectifications/{id}"))
            .await
            .assert(200, &["办理过程", "根据考核结果下达整改"]);
        b.get("/dashboard").await.assert(200, &["2012"]);

        if who == "admin" {
            b.get("/admin")
                .await
                .assert(200, &["管理", "账号", "名册单位", "最近的操作"]);
            b.get("/admin/users")
                .await
                .assert(200, &["添加账号", "inspector", "leader", "检查员"]);
            b.get("/admin/units")
                .await
                .assert(200, &["导入名册", "添加单位", UNIT, "大学路社区"]);
            b.get(&format!("/admin/units?edit={UNIT}"))
                .await
                .assert(200, &[&format!("修改单位 {UNIT}"), "value=\"小营街道\""]);
            b.get("/admin/deliveries")
                .await
                .assert(200, &["提醒投递记录", "没有投递记录"]);
            b.get("/admin/campaigns").await.assert(
                200,
                &[
                    "开启新的年度",
                    "2012 年度",
                    "community@2013",
                    "value=\"2013\"",
                ],
            );
        } else {
            for path in [
                "/admin",
                "/admin/users",
                "/admin/units",
                "/admin/campaigns",
                "/admin/deliveries",
            ] {
                assert_eq!(b.get(path).await.status, 403, "inspector on {path}");
            }
        }
    }
}

#[actix_web::test]
async fn a_review_through_the_form_changes_the_tier_shown() {
    let app = TestApp::spawn().await;
    upload_as_inspector(&app, excellent_book(&app)).await;
    let (b, _) = sign_in(&app, "inspector").await;
    let page = b.get(&format!("/inspect/units/{UNIT}?year=2012")).await;
    page.assert(200, &["尚未复核"]);
    assert_eq!(page.by_id("tier"), TOP);
    let csrf = page.csrf();
    let submission = field_value(&page.html, "submission").expect("submission field");

    // What the review should come to, computed independently.
    let checklist = app.catalog.get("community@2013").expect("checklist");
    let mut overrides = BTreeMap::new();
    overrides.insert("C3".to_string(), ItemAnswer::Points(Points(0)));
    let expected = score(checklist, &full_marks(checklist), &overrides)
        .tier
        .map_or("未达标".to_string(), |t| t.name);
    assert_ne!(expected, TOP);

    let done = b
        .post(
            &format!("/inspect/units/{UNIT}?year=2012"),
            &[
                ("csrf", &csrf),
                ("submission", &submission),
                ("kind", "spot"),
                ("note", "现场抽查"),
                ("item:C3", "0"),
                ("reason:C3", "未见安全检查记录"),
                ("item:A1", ""),
                ("reason:A1", ""),
            ],
        )
        .await;
    done.assert(200, &["复核已保存", "未见安全检查记录", "现场抽查", "抽查"]);
    assert!(done.url.contains(&format!("/inspect/units/{UNIT}")));
    assert_eq!(done.by_id("tier"), expected);
    assert_eq!(done.by_id("self-tier"), TOP);
    assert!(!done.html.contains("尚未复核"));
    // The progress page shows the unit as reviewed.
    b.get("/inspect?year=2012&state=reviewed")
        .await
        .assert(200, &[UNIT_NAME, "已复核", &expected]);
}

#[actix_web::test]
async fn a_bad_review_keeps_what_was_typed_and_shows_the_error() {
    let app = TestApp::spawn().await;
    upload_as_inspector(&app, excellent_book(&app)).await;
    let (b, _) = sign_in(&app, "inspector").await;
    let page = b.get(&format!("/inspect/units/{UNIT}?year=2012")).await;
    let csrf = page.csrf();
    let submission = field_value(&page.html, "submission").expect("submission field");
    let fields = [
        ("csrf", csrf.as_str()),
        ("submission", submission.as_str()),
        ("kind", "mutual"),
        ("note", "互查意见：档案盒<未编号>"),
        ("item:C3", "99"),
        ("reason:C3", "现场<b>核查</b>"),
        ("input:room_area", "12"),
        ("input_reason:room_area", "实测面积"),
    ];
    let refused = b
        .post(&format!("/inspect/units/{UNIT}?year=2012"), &fields)
        .await;
    refused.assert(
        400,
        &[
            "class=\"error\"",
            "条目 C3",
            "name=\"item:C3\" value=\"99\"",
            "name=\"reason:C3\" value=\"现场&lt;b&gt;核查&lt;/b&gt;\"",
            "name=\"input:room_area\" value=\"12\"",
            "name=\"input_reason:room_area\" value=\"实测面积\"",
            "互查意见：档案盒&lt;未编号&gt;",
            "<option value=\"mutual\" selected>",
            "尚未复核",
        ],
    );
    assert_eq!(refused.by_id("tier"), TOP);

    // A reason without a score is caught before anything is stored.
    let refused = b
        .post(
            &format!("/inspect/units/{UNIT}?year=2012"),
            &[
                ("csrf", &csrf),
                ("submission", &submission),
                ("kind", "spot"),
                ("reason:C3", "只写了理由"),
            ],
        )
        .await;
    refused.assert(400, &["没有填写复核分", "value=\"只写了理由\""]);
    let after = b.get(&format!("/inspect/units/{UNIT}?year=2012")).await;
    after.assert(200, &["尚未复核"]);
    assert_eq!(after.by_id("tier"), TOP);
}

/// The ids of the orders on a board page, in their order.
fn order_ids(html: &str) -> Vec<i64> {
    html.split("<tr id=\"order-")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect()
}

#[actix_web::test]
async fn rectifications_are_verified_and_returned_through_the_board() {
    let app = TestApp::spawn().await;
    // Two shortfalls: C3 and A3.
    let checklist = app.catalog.get("community@2013").expect("checklist");
    let mut answers = full_marks(checklist);
    answers
        .self_scores
        .insert("C3".into(), ItemAnswer::Points(Points(0)));
    answers
        .self_scores
        .insert("A3".into(), ItemAnswer::Points(Points(50)));
    upload_as_inspector(&app, app.workbook_with(&Book::default(), answers)).await;
    app.add_unit_user("xyx", UNIT);
    let unit = app.login("xyx").await;
    let (_, list) = app
        .get(Some(&unit), "/api/v1/rectifications?year=2012")
        .await;
    let ids: Vec<i64> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_i64())
        .collect();
    assert!(ids.len() >= 2, "{list}");
    for id in &ids {
        let (status, body) = app
            .post(
                Some(&unit),
                &format!("/api/v1/rectifications/{id}/actions"),
                json!({"action": "submit", "note": "已整改"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    let (b, _) = sign_in(&app, "inspector").await;
    let board = b
        .get("/inspect/rectifications?year=2012&state=submitted")
        .await;
    board.assert(200, &["已提交", "验收销号", "退回重改"]);
    assert_eq!(order_ids(&board.html).len(), ids.len());
    let csrf = board.csrf();
    let (first, second) = (ids[0], ids[1]);

    // Verify one.
    let verified = b
        .post(
            &format!("/inspect/rectifications/{first}"),
            &[
                ("csrf", &csrf),
                ("action", "verify"),
                ("note", "现场验收合格"),
                ("recheck_points", ""),
                ("year", "2012"),
                ("state", "submitted"),
            ],
        )
        .await;
    verified.assert(200, &["已销号"]);
    assert!(verified.url.contains("state=submitted"), "{}", verified.url);
    assert!(!order_ids(&verified.html).contains(&first));

    // Returning without a note is refused on the board, what was typed kept.
    let refused = b
        .post(
            &format!("/inspect/rectifications/{second}"),
            &[
                ("csrf", &csrf),
                ("action", "return"),
                ("note", "  "),
                ("recheck_points", "abc"),
                ("year", "2012"),
            ],
        )
        .await;
    refused.assert(400, &["class=\"error\"", "复查分应为数字", "value=\"abc\""]);
    let refused = b
        .post(
            &format!("/inspect/rectifications/{second}"),
            &[
                ("csrf", &csrf),
                ("action", "return"),
                ("note", ""),
                ("year", "2012"),
            ],
        )
        .await;
    refused.assert(400, &["须写明理由", "整改督办"]);
    // A wrong state is a conflict, shown on the page.
    let conflict = b
        .post(
            &format!("/inspect/rectifications/{first}"),
            &[
                ("csrf", &csrf),
                ("action", "waive"),
                ("note", "x"),
                ("year", "2012"),
            ],
        )
        .await;
    conflict.assert(409, &["已销号"]);

    // Return it with a note, from the order's own page.
    let order = b.get(&format!("/inspect/rectifications/{second}")).await;
    order.assert(200, &["已整改", "退回重改"]);
    let returned = b
        .post(
            &format!("/inspect/rectifications/{second}"),
            &[
                ("csrf", &order.csrf()),
                ("action", "return"),
                ("note", "照片不清晰，请补充"),
                ("from", "order"),
            ],
        )
        .await;
    returned.assert(200, &["已退回", "照片不清晰，请补充"]);
    assert!(
        returned
            .url
            .contains(&format!("/inspect/rectifications/{second}"))
    );
    assert_eq!(returned.by_id("state"), "已退回");

    let all = b.get("/inspect/rectifications?year=2012").await;
    all.assert(200, &["已销号", "已退回"]);
    let (_, detail) = app
        .get(Some(&unit), &format!("/api/v1/rectifications/{first}"))
        .await;
    assert_eq!(detail["state"], "verified");
}

#[actix_web::test]
async fn a_roster_is_imported_through_the_admin_page() {
    let app = TestApp::spawn().await;
    let (b, _) = sign_in(&app, "admin").await;
    let page = b.get("/admin/units").await;
    let csrf = page.csrf();
    let roster = roster_xlsx(&[
        [
            "330102401",
            "湖滨社区",
            "社区",
            "湖滨街道",
            "王芳",
            "87001234",
        ],
        ["330102402", "清波门社区", "社区", "清波街道", "", ""],
    ]);
    let done = b
        .post_multipart(
            "/admin/units/import",
            &[("csrf", &csrf)],
            vec![("名册.xlsx".into(), roster.clone())],
        )
        .await;
    done.assert(
        200,
        &[
            "名册已导入：新增 2 个",
            "湖滨社区",
            "清波门社区",
            "87001234",
        ],
    );
    // Again: nothing new.
    b.post_multipart(
        "/admin/units/import",
        &[("csrf", &csrf)],
        vec![("名册.xlsx".into(), roster)],
    )
    .await
    .assert(200, &["新增 0 个", "未变 2 个"]);

    // A roster with a problem imports nothing and names the cell.
    let broken = roster_xlsx(&[
        ["330102403", "南山社区", "社区", "", "", ""],
        ["330102404", "", "社区", "", "", ""],
    ]);
    let refused = b
        .post_multipart(
            "/admin/units/import",
            &[("csrf", &csrf)],
            vec![("名册.xlsx".into(), broken)],
        )
        .await;
    refused.assert(422, &["未导入任何单位", "名册!B4", "单位名称"]);
    assert!(!b.get("/admin/units").await.html.contains("南山社区"));

    // One unit edited by the form.
    let saved = b
        .post(
            "/admin/units",
            &[
                ("csrf", &csrf),
                ("code", "330102402"),
                ("name", "清波门社区"),
                ("kind", "社区"),
                ("street", "清波街道"),
                ("contact_person", "李明"),
                ("contact_phone", "87005678"),
            ],
        )
        .await;
    saved.assert(200, &["已保存单位信息", "清波门社区", "李明", "87005678"]);
    // Missing a name: the form comes back as typed.
    let refused = b
        .post(
            "/admin/units",
            &[
                ("csrf", &csrf),
                ("code", "330102405"),
                ("name", ""),
                ("kind", "社区"),
                ("street", "新街道"),
            ],
        )
        .await;
    refused.assert(
        400,
        &["不能为空", "value=\"330102405\"", "value=\"新街道\""],
    );

    // The inspector's progress page sees the roster.
    let (inspector, _) = sign_in(&app, "inspector").await;
    inspector
        .get("/inspect")
        .await
        .assert(200, &["湖滨社区", "湖滨街道", "清波街道"]);
}

#[actix_web::test]
async fn a_campaign_is_opened_and_changed_through_the_admin_page() {
    let app = TestApp::spawn().await;
    let (b, _) = sign_in(&app, "admin").await;
    let page = b.get("/admin/campaigns").await;
    page.assert(200, &["还没有开启任何年度", "checklist:社区"]);
    let csrf = page.csrf();
    let opened = b
        .post(
            "/admin/campaigns",
            &[
                ("csrf", &csrf),
                ("year", "2013"),
                ("deadline", "2013-06-30"),
                ("rectify_days", "45"),
                ("checklist:社区", "community@2013"),
                ("checklist:机关", "agency@2012"),
                ("checklist:学校", ""),
            ],
        )
        .await;
    opened.assert(
        200,
        &[
            "已开启新的年度年检",
            "2013-06-30",
            "45 天",
            "社区：《社区档案工作考核细则（2013版）》",
            "机关：《机关、企事业单位、学校档案工作考核细则（2012版）》",
        ],
    );
    let token = app.login("admin").await;
    let (status, campaign) = app.get(Some(&token), "/api/v1/campaigns/2013").await;
    assert_eq!(status, 200);
    assert_eq!(campaign["deadline"], "2013-06-30");
    assert_eq!(campaign["rectify_days"], 45);

    // The same year again: 409, the form as typed.
    let refused = b
        .post(
            "/admin/campaigns",
            &[
                ("csrf", &csrf),
                ("year", "2013"),
                ("deadline", "2013-07-31"),
                ("checklist:社区", "community@2013"),
            ],
        )
        .await;
    refused.assert(409, &["已存在", "value=\"2013-07-31\""]);
    // A checklist that does not apply: 400.
    let refused = b
        .post(
            "/admin/campaigns",
            &[
                ("csrf", &csrf),
                ("year", "2014"),
                ("checklist:社区", "agency@2012"),
            ],
        )
        .await;
    refused.assert(400, &["不适用于单位类型", "value=\"2014\""]);
    assert_eq!(campaign_count(&app).await, 1);

    // Change the deadline, then close and reopen.
    let changed = b
        .post(
            "/admin/campaigns/2013",
            &[
                ("csrf", &csrf),
                ("op", "save"),
                ("deadline", "2013-07-15"),
                ("rectify_days", "30"),
                ("checklist:社区", "community@2013"),
            ],
        )
        .await;
    changed.assert(200, &["已保存年度年检的设置", "2013-07-15", "30 天"]);
    let bad = b
        .post(
            "/admin/campaigns/2013",
            &[("csrf", &csrf), ("op", "save"), ("deadline", "7月15日")],
        )
        .await;
    bad.assert(400, &["截止日期应为 YYYY-MM-DD", "value=\"7月15日\""]);
    b.post("/admin/campaigns/2013", &[("csrf", &csrf), ("op", "close")])
        .await
        .assert(200, &["年度年检已关闭", "已结束", "重新开放"]);
    let (_, campaign) = app.get(Some(&token), "/api/v1/campaigns/2013").await;
    assert_eq!(campaign["closed"], true);
    b.post(
        "/admin/campaigns/2013",
        &[("csrf", &csrf), ("op", "reopen")],
    )
    .await
    .assert(200, &["年度年检已重新开放"]);
}

#[actix_web::test]
async fn users_are_added_and_disabled_through_the_admin_page() {
    let app = TestApp::spawn().await;
    app.add_community(UNIT, UNIT_NAME).await;
    let (b, _) = sign_in(&app, "admin").await;
    let csrf = b.get("/admin/users").await.csrf();
    let added = b
        .post(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("username", "xyx"),
                ("password", PASSWORD),
                ("role", "unit"),
                ("unit", UNIT),
                ("email", "xyx@example.gov.cn"),
            ],
        )
        .await;
    added.assert(
        200,
        &["已添加账号", "xyx", UNIT, "value=\"xyx@example.gov.cn\""],
    );
    let refused = b
        .post(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("username", "zhang"),
                ("password", "short"),
                ("role", "inspector"),
                ("unit", ""),
            ],
        )
        .await;
    refused.assert(
        400,
        &[
            "密码至少 8 位",
            "value=\"zhang\"",
            "<option value=\"inspector\" selected>",
        ],
    );
    assert!(!refused.html.contains("short"));
    // The new account signs in, then is disabled and cannot.
    sign_in(&app, "xyx").await;
    let id = added
        .html
        .split("action=\"/admin/users/")
        .filter_map(|s| s.split('"').next()?.parse::<i64>().ok())
        .max()
        .expect("a user form");
    b.post(
        &format!("/admin/users/{id}"),
        &[("csrf", &csrf), ("op", "disable")],
    )
    .await
    .assert(200, &["账号已停用", "已停用"]);
    // Told so, with its right password.
    let (status, body) = app
        .post(
            None,
            "/api/v1/session",
            json!({"username": "xyx", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"].as_str().is_some_and(|e| e.contains("已停用")),
        "{body}"
    );
    b.post(
        &format!("/admin/users/{id}"),
        &[("csrf", &csrf), ("op", "enable")],
    )
    .await
    .assert(200, &["账号已启用"]);
    // The digest's address is changed on the list, and checked.
    b.post(
        &format!("/admin/users/{id}"),
        &[
            ("csrf", &csrf),
            ("op", "email"),
            ("email", "archive@example.gov.cn"),
        ],
    )
    .await
    .assert(200, &["提醒邮箱已保存", "value=\"archive@example.gov.cn\""]);
    b.post(
        &format!("/admin/users/{id}"),
        &[
            ("csrf", &csrf),
            ("op", "email"),
            ("email", "archive at example"),
        ],
    )
    .await
    .assert(400, &["不是有效的电子邮箱地址"]);
    // Signed in twice (a browser, a token): 强制下线 ends both.
    let (other, _) = sign_in(&app, "xyx").await;
    let token = app.login_with("xyx", PASSWORD).await;
    let listed = b.get("/admin/users").await;
    listed.assert(200, &["强制下线", "value=\"end_sessions\""]);
    b.post(
        &format!("/admin/users/{id}"),
        &[("csrf", &csrf), ("op", "end_sessions")],
    )
    .await
    .assert(200, &["该账号已在所有设备上退出登录"]);
    assert_eq!(app.get(Some(&token), "/api/v1/units").await.0, 401);
    let page = other.get("/unit").await;
    assert!(
        page.html.contains("name=\"password\"") && !page.html.contains("xyx"),
        "the browser is sent to sign in: {}",
        page.status
    );
}

#[actix_web::test]
async fn a_plausibility_flag_is_counted_on_the_progress_page_and_resolved_on_the_units() {
    let app = TestApp::spawn().await;
    // The roster calls the unit otherwise than its workbook: a flag.
    app.add_community(UNIT, "小营巷社区居委会").await;
    upload_as_inspector(&app, excellent_book(&app)).await;
    let (b, home) = sign_in(&app, "inspector").await;
    // The progress page counts it beside the unit; the text is on the unit's page.
    home.assert(
        200,
        &["待核实的数据提示 1 条", "只看有提示的单位", "1 条</a>"],
    );
    assert!(!home.html.contains("不一致"), "flags are folded per unit");
    b.get("/inspect?year=2012&flagged=1")
        .await
        .assert(200, &["小营巷社区", "共 1 条"]);
    let page = b.get(&format!("/inspect/units/{UNIT}?year=2012")).await;
    page.assert(
        200,
        &["数据提示", "与名册“小营巷社区居委会”不一致", "记录核实结果"],
    );
    let id = page
        .html
        .split("action=\"/inspect/flags/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a resolve form")
        .to_string();
    let csrf = page.csrf();
    let path = format!("/inspect/flags/{id}");
    let form = |resolution: &'static str| {
        [
            ("csrf", csrf.clone()),
            ("resolution", resolution.to_string()),
            ("unit", UNIT.to_string()),
            ("year", "2012".to_string()),
        ]
    };
    let pairs = |f: &[(&'static str, String); 4]| -> Vec<(&'static str, String)> { f.to_vec() };
    let refused = pairs(&form("  "));
    let refused: Vec<(&str, &str)> = refused.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.post(&path, &refused)
        .await
        .assert(400, &["请写明核实结果", "不一致"]);
    let done = pairs(&form("名册为全称，无误"));
    let done: Vec<(&str, &str)> = done.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.post(&path, &done)
        .await
        .assert(200, &["已记录核实结果", "已核实：名册为全称，无误"]);
    assert!(
        !b.get("/inspect?year=2012")
            .await
            .html
            .contains("待核实的数据提示")
    );
    let again = pairs(&form("再次"));
    let again: Vec<(&str, &str)> = again.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.post(&path, &again).await.assert(409, &["已核实"]);
}

#[actix_web::test]
async fn samples_are_drawn_through_the_page() {
    let app = TestApp::spawn().await;
    upload_as_inspector(&app, excellent_book(&app)).await;
    app.add_community("330102302", "大学路社区").await;
    let (b, _) = sign_in(&app, "inspector").await;
    let page = b.get("/inspect/samples").await;
    page.assert(200, &["还没有抽查记录", "value=\"2012\""]);
    let csrf = page.csrf();
    let drawn = b
        .post(
            "/inspect/samples",
            &[
                ("csrf", &csrf),
                ("year", "2012"),
                ("count", "1"),
                ("percent", ""),
                ("seed", "42"),
                ("note", "第一轮抽查"),
            ],
        )
        .await;
    drawn.assert(200, &["已抽取样本", "第一轮抽查", "<code>42</code>"]);
    let refused = b
        .post(
            "/inspect/samples",
            &[
                ("csrf", &csrf),
                ("year", "2012"),
                ("count", "2"),
                ("percent", "10"),
                ("seed", "x"),
                ("note", "第二轮"),
            ],
        )
        .await;
    refused.assert(400, &["随机种子应为数字", "value=\"10\"", "第二轮"]);
    let refused = b
        .post(
            "/inspect/samples",
            &[
                ("csrf", &csrf),
                ("year", "2012"),
                ("count", "2"),
                ("percent", "10"),
            ],
        )
        .await;
    refused.assert(400, &["二者选一"]);
}

#[actix_web::test]
async fn a_bulk_upload_lists_each_file() {
    let app = TestApp::spawn().await;
    let (b, _) = sign_in(&app, "inspector").await;
    let csrf = b.get("/inspect/upload").await.csrf();
    let good = excellent_book(&app);
    let broken = off_step_book(&app);
    // A dry run stores nothing.
    let dry = b
        .post_multipart(
            "/inspect/upload",
            &[("csrf", &csrf), ("dry_run", "1")],
            vec![("good.xlsx".into(), good.clone())],
        )
        .await;
    dry.assert(200, &["试运行结果（未保存）", UNIT_NAME, TOP]);
    let token = app.login("inspector").await;
    let (_, list) = app.get(Some(&token), "/api/v1/assessments?year=2012").await;
    assert_eq!(list["items"].as_array().map_or(0, Vec::len), 0);

    let done = b
        .post_multipart(
            "/inspect/upload",
            &[("csrf", &csrf)],
            vec![
                ("good.xlsx".into(), good),
                ("broken-off-step.xlsx".into(), broken.clone()),
            ],
        )
        .await;
    done.assert(
        200,
        &[
            "已接收 <strong>1</strong> 份",
            "未接收 <strong>1</strong> 份",
            UNIT_NAME,
            TOP,
            "自查评分!",
            "broken-off-step.xlsx",
        ],
    );
    // Only refused files: the status of the refusal.
    b.post_multipart(
        "/inspect/upload",
        &[("csrf", &csrf)],
        vec![("broken-off-step.xlsx".into(), broken)],
    )
    .await
    .assert(422, &["自查评分!"]);
    // No file chosen.
    b.post_multipart("/inspect/upload", &[("csrf", &csrf)], Vec::new())
        .await
        .assert(400, &["请选择要上传的自查表"]);
}

#[actix_web::test]
async fn a_form_without_its_csrf_field_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    upload_as_inspector(&app, excellent_book(&app)).await;
    let (b, _) = sign_in(&app, "admin").await;
    let page = b.get(&format!("/inspect/units/{UNIT}?year=2012")).await;
    let submission = field_value(&page.html, "submission").expect("submission");

    let before = campaign_count(&app).await;
    let refused = b
        .post(
            "/admin/campaigns",
            &[("year", "2020"), ("checklist:社区", "community@2013")],
        )
        .await;
    assert_eq!(refused.status, 403);
    let wrong = b
        .post(
            "/admin/campaigns",
            &[
                ("csrf", "0123456789abcdef0123456789abcdef"),
                ("year", "2020"),
                ("checklist:社区", "community@2013"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 403);
    assert_eq!(campaign_count(&app).await, before);

    let refused = b
        .post(
            &format!("/inspect/units/{UNIT}?year=2012"),
            &[
                ("submission", &submission),
                ("kind", "spot"),
                ("item:C3", "0"),
                ("reason:C3", "x"),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);
    let page = b.get(&format!("/inspect/units/{UNIT}?year=2012")).await;
    page.assert(200, &["尚未复核"]);
    assert_eq!(page.by_id("tier"), TOP);

    let refused = b
        .post(
            "/admin/users",
            &[
                ("username", "mallory"),
                ("password", PASSWORD),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert!(!b.get("/admin/users").await.html.contains("mallory"));

    let refused = b
        .post_multipart(
            "/admin/units/import",
            &[],
            vec![(
                "名册.xlsx".into(),
                roster_xlsx(&[["330109999", "伪造社区", "社区", "", "", ""]]),
            )],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert!(!b.get("/admin/units").await.html.contains("伪造社区"));
}

#[actix_web::test]
async fn leaders_and_units_are_refused_these_pages() {
    let app = TestApp::spawn().await;
    upload_as_inspector(&app, book_lowering(&app, "C3", 0)).await;
    app.add_unit_user("xyx", UNIT);
    app.add_street_user("jd", "小营街道");
    let pages = [
        "/inspect".to_string(),
        format!("/inspect/units/{UNIT}?year=2012"),
        "/inspect/upload".into(),
        "/inspect/samples".into(),
        "/inspect/rectifications".into(),
        "/inspect/rectifications/1".into(),
        "/admin".into(),
        "/admin/users".into(),
        "/admin/units".into(),
        "/admin/campaigns".into(),
    ];
    // Each role's own pages are the others' refusals.
    for (who, path) in [
        ("leader", "/street"),
        ("xyx", "/street"),
        ("xyx", "/street/checks/1"),
        ("jd", "/unit"),
        ("jd", "/unit/rectifications"),
    ] {
        let (b, _) = sign_in(&app, who).await;
        let got = b.get(path).await;
        assert_eq!(got.status, 403, "{who} on {path}");
    }
    for who in ["leader", "xyx", "jd"] {
        let (b, home) = sign_in(&app, who).await;
        let csrf = home.csrf();
        for path in &pages {
            let got = b.get(path).await;
            assert_eq!(got.status, 403, "{who} on {path}");
            assert!(got.html.contains("无权访问"), "{who} on {path}");
        }
        for path in [
            "/admin/campaigns",
            "/admin/users",
            "/inspect/samples",
            "/inspect/rectifications/1",
        ] {
            let got = b
                .post(
                    path,
                    &[
                        ("csrf", &csrf),
                        ("year", "2030"),
                        ("count", "1"),
                        ("action", "waive"),
                        ("note", "x"),
                    ],
                )
                .await;
            assert_eq!(got.status, 403, "{who} posts {path}");
        }
    }
    assert_eq!(campaign_count(&app).await, 1);
    // Not signed in: to the login page.
    let anonymous = Browser::new(&app);
    let got = anonymous.get("/inspect/samples").await;
    assert!(
        got.url.contains("/login?next=/inspect/samples"),
        "{}",
        got.url
    );
}

#[actix_web::test]
async fn a_unit_named_like_a_script_is_escaped() {
    let app = TestApp::spawn().await;
    let name = "<script>alert(1)</script>";
    let bytes = app.workbook_with(
        &Book {
            name,
            street: "<b>街道</b>",
            ..Book::default()
        },
        full_marks(app.catalog.get("community@2013").expect("checklist")),
    );
    upload_as_inspector(&app, bytes).await;
    let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;";
    let (b, _) = sign_in(&app, "admin").await;
    for path in [
        "/inspect".to_string(),
        format!("/inspect/units/{UNIT}?year=2012"),
        "/admin/units".into(),
        format!("/admin/units?edit={UNIT}"),
        "/admin".into(),
    ] {
        let got = b.get(&path).await;
        got.assert(200, &[escaped]);
        assert!(!got.html.contains("<script>"), "{path} has a raw script");
        assert!(!got.html.contains("<b>街道"), "{path} has raw markup");
    }
}

// ----------------------------------------------------- the unit's pages

#[actix_web::test]
async fn a_unit_downloads_its_template_uploads_and_answers_an_order() {
    let app = TestApp::spawn().await;
    open_2012(&app).await;
    app.add_community(UNIT, UNIT_NAME).await;
    app.add_unit_user("xyx", UNIT);
    let (b, home) = sign_in(&app, "xyx").await;
    home.assert(
        200,
        &[
            UNIT_NAME,
            "2012 年度年检",
            "/unit/template?year=2012",
            // The checklist by its title, and what each tier asks for, before any upload.
            "《社区档案工作考核细则（2013版）》",
            "各等级的申报条件",
            TOP,
            "总分不低于",
            "还没有上传本年度的自查表",
        ],
    );
    assert!(!home.html.contains("community@2013"), "no code names");
    assert!(home.url.ends_with("/unit"), "{}", home.url);

    let (status, disposition, template) = b.bytes("/unit/template?year=2012").await;
    assert_eq!(status, 200);
    assert!(template.starts_with(b"PK"));
    assert!(disposition.contains("attachment"), "{disposition}");

    // A filled workbook: its score and tier.
    let csrf = home.csrf();
    let filled = book_lowering(&app, "C3", 0);
    let result = b
        .post_multipart(
            "/unit/upload",
            &[("csrf", &csrf)],
            vec![("自查表.xlsx".into(), filled)],
        )
        .await;
    result.assert(200, &["上传结果", "C3"]);
    assert_eq!(result.by_id("tier"), SECOND);
    assert!(result.by_id("total").parse::<f64>().is_ok());

    // A broken one: every problem with its cell.
    let refused = b
        .post_multipart(
            "/unit/upload",
            &[("csrf", &csrf)],
            vec![("broken-off-step.xlsx".into(), off_step_book(&app))],
        )
        .await;
    refused.assert(422, &["未保存", "自查评分!"]);

    // Last year's template (community@2012, with a mistake of its own):
    // one message naming both versions and where the right one is.
    let last_year = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/workbooks/broken-off-step.xlsx"),
    )
    .expect("fixture");
    let wrong = b
        .post_multipart(
            "/unit/upload",
            &[("csrf", &csrf)],
            vec![("去年的自查表.xlsx".into(), last_year)],
        )
        .await;
    wrong.assert(
        409,
        &[
            "按考核细则《社区档案工作考核细则（2012版）》（community@2012）填写",
            "使用《社区档案工作考核细则（2013版）》（community@2013）",
            "/unit/template?year=2012",
        ],
    );
    assert!(
        !wrong.html.contains("自查评分!D"),
        "no cell errors of the other version"
    );

    // Home, later: the upload that counts with its score, the way to its
    // card, and each order with its own 答复 button; the history links too.
    let later = b.get("/unit").await;
    later.assert(
        200,
        &[
            "已上传：自查表.xlsx",
            SECOND,
            "成绩单与得分说明",
            &format!("/dashboard/units/{UNIT}?year=2012"),
            "需要答复",
            "待整改",
            ">答复</a>",
        ],
    );
    let card = b.get(&format!("/dashboard/units/{UNIT}?year=2012")).await;
    card.assert(200, &[UNIT_NAME, SECOND]);
    // The home's count and the default list agree.
    let orders = b.get("/unit/rectifications").await;
    orders.assert(200, &["整改事项", "待整改", ">答复</a>"]);
    let listed = orders.html.matches(">答复</a>").count();
    assert_eq!(later.html.matches(">答复</a>").count(), listed);
    b.get("/unit/rectifications?year=2012")
        .await
        .assert(200, &["2012 年度的全部事项"]);
    let id = orders.first_unit_order();
    let order = b.get(&format!("/unit/rectifications/{id}")).await;
    order.assert(200, &["提交整改情况"]);
    let evidence = b"%PDF-1.4 evidence".to_vec();
    let answered = b
        .post_multipart(
            &format!("/unit/rectifications/{id}"),
            &[("csrf", &order.csrf()), ("note", "已补充安全检查记录")],
            vec![("检查记录.pdf".into(), evidence.clone())],
        )
        .await;
    answered.assert(
        200,
        &["已提交整改情况", "已补充安全检查记录", "检查记录.pdf"],
    );
    assert_eq!(answered.by_id("state"), "已提交");
    let link = answered
        .html
        .split("href=\"")
        .find(|s| s.contains("/evidence/"))
        .and_then(|s| s.split('"').next())
        .expect("evidence link")
        .to_string();
    let (status, _, bytes) = b.bytes(&link).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, evidence);

    // Without the CSRF field nothing is answered.
    let refused = b
        .post_multipart(
            &format!("/unit/rectifications/{id}"),
            &[("note", "再次提交")],
            vec![("又一份.pdf".into(), b"%PDF-1.4".to_vec())],
        )
        .await;
    assert_eq!(refused.status, 403);

    // The inspector sees it submitted on the board, opens it with its
    // evidence, and verifies it with re-check points: the tier rises.
    let (inspector, _) = sign_in(&app, "inspector").await;
    inspector
        .get("/inspect/rectifications?year=2012&state=submitted")
        .await
        .assert(200, &[UNIT_NAME, "验收销号"]);
    // The unit's own orders, from its page: the board narrowed to it.
    let own = inspector
        .get(&format!("/inspect/rectifications?year=2012&unit={UNIT}"))
        .await;
    own.assert(200, &["只看单位 330102301", UNIT_NAME, "共 "]);
    inspector
        .get(&format!("/inspect/units/{UNIT}?year=2012"))
        .await
        .assert(
            200,
            &[&format!(
                "/inspect/rectifications?year=2012&amp;unit={UNIT}"
            )],
        );
    let page = inspector
        .get(&format!("/inspect/rectifications/{id}"))
        .await;
    page.assert(200, &["检查记录.pdf", "已补充安全检查记录", "复查分"]);
    let verified = inspector
        .post(
            &format!("/inspect/rectifications/{id}"),
            &[
                ("csrf", &page.csrf()),
                ("action", "verify"),
                ("note", "复查合格"),
                ("recheck_points", "3"),
                ("from", "order"),
            ],
        )
        .await;
    verified.assert(200, &["已销号", "复查合格", TOP]);
    assert_eq!(verified.by_id("state"), "已销号");
    let unit_page = inspector
        .get(&format!("/inspect/units/{UNIT}?year=2012"))
        .await;
    unit_page.assert(200, &["复查", "已复核"]);
    assert_eq!(unit_page.by_id("tier"), TOP);
    assert_eq!(unit_page.by_id("self-tier"), SECOND);
}

#[test]
fn forms_are_encoded_as_a_browser_does() {
    assert_eq!(
        urlencoded(&[("a b", "1&2"), ("c", "不适用")]),
        "a+b=1%262&c=%E4%B8%8D%E9%80%82%E7%94%A8"
    );
    assert_eq!(
        field_value("<input name=\"csrf\" value=\"abc\">", "csrf").as_deref(),
        Some("abc")
    );
}

#[actix_web::test]
async fn a_unit_answers_an_order_with_a_note_and_no_file() {
    let app = TestApp::spawn().await;
    upload_as_inspector(&app, book_lowering(&app, "C3", 0)).await;
    app.add_unit_user("xiaoying", "330102301");
    let (b, _) = sign_in(&app, "xiaoying").await;
    let orders = b.get("/unit/rectifications?year=2012").await;
    let id = orders.first_unit_order();
    let order = b.get(&format!("/unit/rectifications/{id}")).await;
    let answered = b
        .post_multipart(
            &format!("/unit/rectifications/{id}"),
            &[("csrf", &order.csrf()), ("note", "已编制并报批")],
            Vec::new(),
        )
        .await;
    answered.assert(200, &["已提交整改情况", "已编制并报批"]);
    assert_eq!(answered.by_id("state"), "已提交");
}

// ------------------------------------------------- reports, flash, return

/// `&` as it stands in an attribute.
fn attr(href: &str) -> String {
    href.replace('&', "&amp;")
}

const STREET_QUERY: &str = "street=%E5%B0%8F%E8%90%A5%E8%A1%97%E9%81%93";

#[actix_web::test]
async fn report_downloads_are_linked_for_the_bureau_and_leaders() {
    let app = TestApp::spawn().await;
    upload_as_inspector(&app, book_lowering(&app, "C3", 0)).await;
    let district_xlsx = "/api/v1/reports/district.xlsx?year=2012";
    let district_html = "/api/v1/reports/district.html?year=2012";
    let street_xlsx = format!("{district_xlsx}&{STREET_QUERY}");
    let street_html = format!("{district_html}&{STREET_QUERY}");
    for who in ["inspector", "admin", "leader"] {
        let (b, _) = sign_in(&app, who).await;
        let dashboard = b.get("/dashboard?year=2012").await;
        dashboard.assert(
            200,
            &[
                "统计报表",
                "id=\"downloads\"",
                "报表下载",
                &attr(district_xlsx),
                &attr(district_html),
                &attr(&street_xlsx),
                &attr(&street_html),
                "class=\"appbar noprint\"",
            ],
        );
        // The bar's layout is in the style sheet, which hides it (and the
        // downloads) in print.
        assert!(!dashboard.html.contains("style=\"display:flex"), "{who}");
        assert!(
            dashboard
                .html
                .contains(".noprint { display: none !important; }")
        );

        // Each link works with the session cookie.
        for href in [district_xlsx, street_xlsx.as_str()] {
            let (status, disposition, bytes) = b.bytes(href).await;
            assert_eq!(status, 200, "{who} downloads {href}");
            assert!(bytes.starts_with(b"PK"), "{who}: {href} is a workbook");
            assert!(disposition.contains(".xlsx"), "{disposition}");
        }
        for href in [district_html, street_html.as_str()] {
            b.get(href).await.assert(200, &["2012 年度"]);
        }

        let street = b
            .get("/dashboard/streets/%E5%B0%8F%E8%90%A5%E8%A1%97%E9%81%93?year=2012")
            .await;
        street.assert(200, &[&attr(&street_xlsx), &attr(&street_html)]);
        assert!(
            !street.html.contains("<details>"),
            "a street page lists no other streets"
        );

        let card = b.get(&format!("/dashboard/units/{UNIT}?year=2012")).await;
        let notice = format!("/api/v1/units/{UNIT}/notice.xlsx?year=2012");
        card.assert(
            200,
            &[
                UNIT_NAME,
                &notice,
                &format!("/api/v1/units/{UNIT}/notice.html?year=2012"),
                &format!("/api/v1/units/{UNIT}/card.html?year=2012"),
            ],
        );
        let (status, _, bytes) = b.bytes(&notice).await;
        assert_eq!(status, 200, "{who} downloads the notice");
        assert!(bytes.starts_with(b"PK"));

        if who == "leader" {
            assert_eq!(b.get("/inspect?year=2012").await.status, 403);
        } else {
            b.get("/inspect?year=2012").await.assert(
                200,
                &[
                    "id=\"reports\"",
                    &attr(district_xlsx),
                    &attr(&street_xlsx),
                    &attr(&street_html),
                    "/dashboard?year=2012",
                ],
            );
        }
    }
    // A unit reads no district statistics, and gets no links to them.
    app.add_unit_user("xyx", UNIT);
    let (b, home) = sign_in(&app, "xyx").await;
    assert!(!home.html.contains("district.xlsx"));
    assert_eq!(b.get("/dashboard?year=2012").await.status, 403);
    assert_eq!(b.bytes(district_xlsx).await.0, 403);
}

#[actix_web::test]
async fn only_known_flash_codes_show_a_message() {
    let app = TestApp::spawn().await;
    let crafted = "请立即将保证金汇入以下账户";
    let encoded = "%E8%AF%B7%E7%AB%8B%E5%8D%B3%E5%B0%86%E4%BF%9D%E8%AF%81%E9%87%91%E6%B1%87%E5%85%A5%E4%BB%A5%E4%B8%8B%E8%B4%A6%E6%88%B7";
    let anonymous = Browser::new(&app);
    let login = anonymous.get(&format!("/login?flash={encoded}")).await;
    login.assert(200, &["登录"]);
    assert!(!login.html.contains(crafted));
    assert!(!login.html.contains("class=\"flash\""));
    anonymous
        .get("/login?flash=logged-out")
        .await
        .assert(200, &["class=\"flash\"", "已退出登录"]);

    let (b, _) = sign_in(&app, "inspector").await;
    for path in [
        "/inspect",
        "/inspect/samples",
        "/inspect/upload",
        "/dashboard",
    ] {
        let got = b.get(&format!("{path}?flash={encoded}")).await;
        assert!(!got.html.contains(crafted), "{path} shows the crafted text");
    }
    b.get("/inspect?flash=flag-resolved")
        .await
        .assert(200, &["已记录核实结果"]);
    // Signing out says so, by its code.
    let home = b.get("/inspect").await;
    let out = b.post("/logout", &[("csrf", &home.csrf())]).await;
    out.assert(200, &["已退出登录"]);
    assert!(out.url.ends_with("/login?flash=logged-out"), "{}", out.url);
}

#[actix_web::test]
async fn signing_in_again_returns_only_to_pages_a_browser_can_open() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let location = |r: &reqwest::Response| {
        r.headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    // A page (GET): back to it.
    let r = client
        .get(app.url("/inspect/samples?year=2012"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login?next=/inspect/samples%3Fyear%3D2012");
    // A form (POST-only address), session gone: back to the page it was on.
    let post = |referer: Option<String>| {
        let mut request = client
            .post(app.url("/inspect/flags/1"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Cookie", "nj_session=expired-or-revoked")
            .body("csrf=x&resolution=y");
        if let Some(r) = referer {
            request = request.header("Referer", r);
        }
        request.send()
    };
    let r = post(Some(app.url("/inspect?year=2012")))
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login?next=/inspect%3Fyear%3D2012");
    for referer in [
        None,
        Some("http://evil.example/inspect".to_string()),
        Some(app.url("//evil.example/")),
        Some(app.url("/login?next=/inspect")),
    ] {
        let r = post(referer.clone()).await.expect("post");
        assert_eq!(location(&r), "/login", "referer {referer:?}");
    }

    // `next` leading off the site is dropped: the form keeps nothing of it
    // and signing in lands on the role's page.
    let b = Browser::new(&app);
    let form = b.get("/login?next=/%09/evil.example").await;
    assert_eq!(field_value(&form.html, "next").as_deref(), Some(""));
    let token = field_value(&form.html, "login_csrf").expect("login csrf");
    let home = b
        .post(
            "/login",
            &[
                ("username", "inspector"),
                ("password", PASSWORD),
                ("next", "/\t/evil.example"),
                ("login_csrf", &token),
            ],
        )
        .await;
    assert_eq!(home.status, 200);
    assert!(home.url.starts_with(&app.address), "{}", home.url);
    assert!(home.url.ends_with("/inspect"), "{}", home.url);
    // A path on the site is followed.
    let b = Browser::new(&app);
    let form = b.get("/login?next=/inspect/samples").await;
    let token = field_value(&form.html, "login_csrf").expect("login csrf");
    let back = b
        .post(
            "/login",
            &[
                ("username", "inspector"),
                ("password", PASSWORD),
                ("next", "/inspect/samples"),
                ("login_csrf", &token),
            ],
        )
        .await;
    assert!(back.url.ends_with("/inspect/samples"), "{}", back.url);
}

#[actix_web::test]
async fn the_evidence_form_keeps_the_note_when_its_files_are_refused() {
    let limit = 256 * 1024;
    let app = TestApp::spawn_with(nianjian::web::Settings {
        max_upload_bytes: limit,
        ..nianjian::web::Settings::default()
    })
    .await;
    let book = book_lowering(&app, "C3", 0);
    assert!(book.len() < limit, "the workbook fits the limit");
    upload_as_inspector(&app, book).await;
    app.add_unit_user("xyx", UNIT);
    let (b, _) = sign_in(&app, "xyx").await;
    let orders = b.get("/unit/rectifications?year=2012").await;
    let id = orders.first_unit_order();
    let path = format!("/unit/rectifications/{id}");
    let order = b.get(&path).await;
    let csrf = order.csrf();
    let note = "已补充<制度>文件";
    let kept = "已补充&lt;制度&gt;文件</textarea>";

    // Eleven files: refused, the note kept, nothing answered.
    let files = (1..=11)
        .map(|i| (format!("照片{i}.jpg"), vec![0xFFu8, 0xD8, 0xFF]))
        .collect();
    let refused = b
        .post_multipart(&path, &[("csrf", &csrf), ("note", note)], files)
        .await;
    refused.assert(400, &["class=\"error\"", "最多上传 10 份佐证材料", kept]);
    assert_eq!(refused.by_id("state"), "待整改");

    // A file over the limit: the same.
    let refused = b
        .post_multipart(
            &path,
            &[("csrf", &csrf), ("note", note)],
            vec![("扫描件.pdf".into(), vec![b'%'; limit + 1])],
        )
        .await;
    refused.assert(413, &["class=\"error\"", "扫描件.pdf", "MB 的上限", kept]);
    assert_eq!(refused.by_id("state"), "待整改");

    // An expired form: refused, the note kept.
    let refused = b
        .post_multipart(
            &path,
            &[("csrf", "0123456789abcdef0123456789abcdef"), ("note", note)],
            vec![("照片.jpg".into(), vec![1, 2, 3])],
        )
        .await;
    refused.assert(403, &["表单已过期", kept]);
    // A file before the CSRF field is refused before it is read.
    let form = Form::new()
        .part("file", Part::bytes(vec![1u8, 2, 3]).file_name("照片.jpg"))
        .text("csrf", csrf.clone())
        .text("note", note);
    let response = b
        .client
        .post(format!("{}{path}", b.base))
        .multipart(form)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(b.get(&path).await.by_id("state"), "待整改");

    // Ten files are accepted.
    let files = (1..=10)
        .map(|i| (format!("照片{i}.jpg"), vec![0xFFu8, 0xD8, i]))
        .collect();
    let answered = b
        .post_multipart(&path, &[("csrf", &csrf), ("note", note)], files)
        .await;
    answered.assert(200, &["已提交整改情况", "照片10.jpg"]);
    assert_eq!(answered.by_id("state"), "已提交");
}

#[actix_web::test]
async fn a_unit_attaches_evidence_and_the_inspector_sees_it_beside_the_item() {
    let app = TestApp::spawn().await;
    open_2012(&app).await;
    app.add_community(UNIT, UNIT_NAME).await;
    app.add_unit_user("xyx", UNIT);
    let (b, home) = sign_in(&app, "xyx").await;
    // Before the year's upload there is nothing to attach to.
    home.assert(200, &["上传本年度自查表后，可以为各条目上传佐证材料"]);
    let filled = book_lowering(&app, "C3", 0);
    b.post_multipart(
        "/unit/upload",
        &[("csrf", &home.csrf())],
        vec![("自查表.xlsx".into(), filled)],
    )
    .await
    .assert(200, &["上传结果"]);

    let home = b.get("/unit").await;
    home.assert(200, &["佐证材料", "还没有上传佐证材料", "上传佐证材料"]);
    let pdf = b"%PDF-1.4 \xe5\x88\xb6\xe5\xba\xa6".to_vec();
    let done = b
        .post_multipart(
            "/unit/evidence",
            &[
                ("csrf", &home.csrf()),
                ("year", "2012"),
                ("item", "C3"),
                ("note", "档案库房照片"),
            ],
            vec![("库房照片.pdf".into(), pdf.clone())],
        )
        .await;
    done.assert(
        200,
        &["佐证材料已上传", "条目 C3", "库房照片.pdf", "档案库房照片"],
    );

    // A wrong item is refused on the same page, in Chinese, and nothing is kept.
    let refused = b
        .post_multipart(
            "/unit/evidence",
            &[("csrf", &done.csrf()), ("year", "2012"), ("item", "Z9")],
            vec![("其他.pdf".into(), b"x".to_vec())],
        )
        .await;
    refused.assert(400, &["中没有条目 Z9"]);
    assert!(!refused.html.contains("其他.pdf"));

    let (inspector, _) = sign_in(&app, "inspector").await;
    let page = inspector
        .get(&format!("/inspect/units/{UNIT}?year=2012"))
        .await;
    page.assert(200, &["单位上传的佐证材料", "库房照片.pdf"]);
    let link = page
        .html
        .split("href=\"")
        .find(|s| s.contains("/evidence/"))
        .and_then(|s| s.split('"').next())
        .expect("evidence link")
        .to_string();
    let (status, _, bytes) = inspector.bytes(&link).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, pdf);
}

#[actix_web::test]
async fn people_meet_pages_not_json_off_the_beaten_path() {
    let app = TestApp::spawn().await;
    upload_as_inspector(&app, excellent_book(&app)).await;
    let b = Browser::new(&app);
    // An unknown page.
    let missing = b.get("/no/such/page").await;
    missing.assert(404, &["找不到", "页面不存在", "返回首页"]);
    // A report link opened without a session: sign in, then back to it.
    let card = format!("/api/v1/units/{UNIT}/card.html?year=2012");
    let bounced = b.get(&card).await;
    assert!(bounced.url.contains("/login?next="), "{}", bounced.url);
    bounced.assert(200, &["登录"]);
    let (b, _) = sign_in(&app, "inspector").await;
    let signed_in = b
        .post(
            "/login",
            &[
                ("username", "inspector"),
                ("password", PASSWORD),
                ("next", &card),
            ],
        )
        .await;
    let _ = signed_in;
    let opened = b.get(&card).await;
    opened.assert(200, &[UNIT_NAME]);
    // A bad year on a report link: a page saying what is wrong.
    let bad = b.get("/api/v1/reports/district.html?year=abc").await;
    assert_eq!(bad.status, 400, "{}", bad.html);
    assert!(bad.html.contains("<h1>无法完成</h1>"), "{}", bad.html);
    assert!(!bad.html.trim_start().starts_with('{'));
    // Scripts still get JSON.
    let (status, body) = app.get(None, &card).await;
    assert_eq!(status, 401);
    assert!(body["error"].is_string());
}

/// 逐项对比 as a page: last year beside this year, what changed marked,
/// linked from the unit's page; another unit's archivist is refused.
#[actix_web::test]
async fn a_unit_compares_this_year_with_last_on_a_page() {
    let app = TestApp::spawn().await;
    let inspector = app.login("inspector").await;
    for (year, points) in [(2011, 0), (2012, 300)] {
        let mut answers = full_marks(app.catalog.get("community@2013").expect("checklist"));
        answers
            .self_scores
            .insert("C3".into(), ItemAnswer::Points(Points(points)));
        let bytes = app.workbook_with(
            &Book {
                year,
                ..Book::default()
            },
            answers,
        );
        let (status, body) = app.upload(&inspector, "a.xlsx", bytes).await;
        assert_eq!(status, 200, "{body}");
    }
    app.add_unit_user("xyx", UNIT);
    let (b, _) = sign_in(&app, "xyx").await;
    let path = format!("/dashboard/units/{UNIT}/compare");
    let got = b.get(&path).await;
    assert_eq!(got.status, 200, "{}", got.html);
    assert!(got.html.contains("小营巷社区 · 逐项对比"), "{}", got.html);
    let c3 = got
        .html
        .split("<tr data-item=\"C3\"")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .expect("C3's row");
    assert!(c3.contains("class=\"changed\""), "{c3}");
    assert!(c3.contains("+3"), "{c3}");
    assert!(
        got.html.contains("comparison.xlsx?a="),
        "the workbook of the same pair is linked"
    );
    let (status, _) = app
        .upload(
            &inspector,
            "b.xlsx",
            app.workbook(&Book {
                code: "330102302",
                name: "葵巷社区",
                ..Book::default()
            }),
        )
        .await;
    assert_eq!(status, 200);
    app.add_unit_user("other", "330102302");
    let (b, _) = sign_in(&app, "other").await;
    assert_eq!(b.get(&path).await.status, 403);
}

#[actix_web::test]
async fn a_refused_first_check_keeps_the_notes_typed() {
    let app = TestApp::spawn().await;
    let upload = upload_as_inspector(&app, book_lowering(&app, "C3", 0)).await;
    let submission = upload["submission_id"].as_i64().expect("submission");
    app.add_street_user("jd", "小营街道");
    let (b, _) = sign_in(&app, "jd").await;
    let path = format!("/street/checks/{submission}");
    let sheet = b.get(&path).await;
    sheet.assert(200, &["name=\"item:C3\" value=\"\""]);
    let csrf = sheet.csrf();
    // A decision no button sends (an old form, a hand-made request).
    let refused = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("decision", "maybe"),
                ("item:C3", "档案柜数量与台账不符"),
                ("note", "请补充照片"),
            ],
        )
        .await;
    refused.assert(
        400,
        &[
            "decision 应为 accept",
            "name=\"item:C3\" value=\"档案柜数量与台账不符\"",
            ">请补充照片</textarea>",
        ],
    );
}

#[actix_web::test]
async fn the_bell_counts_new_reminders_until_they_are_read() {
    let app = TestApp::spawn().await;
    upload_as_inspector(&app, book_lowering(&app, "C3", 0)).await;
    app.add_unit_user("xyx", UNIT);
    let (b, home) = sign_in(&app, "xyx").await;
    let count = home.by_id("bell");
    assert!(count.contains("提醒"), "{count}");
    assert!(
        home.html.contains("<span class=\"count\">"),
        "a count on the bell"
    );
    let list = b.get("/reminders").await;
    list.assert(
        200,
        &[
            "年度年检已开启",
            "新下达",
            "未读",
            "href=\"/unit/rectifications\"",
        ],
    );
    let csrf = list.csrf();
    let read = b.post("/reminders/seen", &[("csrf", &csrf)]).await;
    read.assert(200, &["提醒已全部标为已读", "上次查看", "新下达"]);
    assert!(
        !read.html.contains("<span class=\"count\">"),
        "no count once read"
    );
    assert!(!read.html.contains("· 未读"));
    // Without the form's token nothing is marked.
    let refused = b.post("/reminders/seen", &[]).await;
    assert_eq!(refused.status, 403);
    // The archivist gives the digest's address itself; a typo comes back as typed.
    let bad = b
        .post("/reminders/email", &[("csrf", &csrf), ("email", "dangan@")])
        .await;
    bad.assert(400, &["不是有效的电子邮箱地址", "value=\"dangan@\""]);
    let saved = b
        .post(
            "/reminders/email",
            &[("csrf", &csrf), ("email", "dangan@example.gov.cn")],
        )
        .await;
    saved.assert(200, &["提醒邮箱已保存", "value=\"dangan@example.gov.cn\""]);
    let (status, mine) = app
        .get(Some(&app.login("xyx").await), "/api/v1/reminders")
        .await;
    assert_eq!(
        (status, mine["email"].as_str()),
        (200, Some("dangan@example.gov.cn"))
    );
}
