//! 提醒投递记录 on the pages: after a morning's round the admin reads each
//! digest's delivery, in Chinese, with a failed one's error and next try.

use nianjian::service::Clock;
use nianjian::service::digests;

use super::client::sign_in;
use crate::digests::{at, outbound};
use crate::helpers::TestApp;
use crate::receivers::{FakeSmtp, closed_url};

#[actix_web::test]
async fn the_delivery_log_shows_each_digest_and_why_one_failed() {
    let app = TestApp::spawn().await;
    app.inspector_uploads_default().await;
    let (admin, _) = sign_in(&app, "admin").await;
    let csrf = admin.get("/admin/users").await.csrf();
    let leader = admin
        .get("/admin/users")
        .await
        .html
        .split("action=\"/admin/users/")
        .nth(2)
        .and_then(|s| s.split('"').next())
        .map(String::from)
        .expect("a second account");
    admin
        .post(
            &format!("/admin/users/{leader}"),
            &[
                ("csrf", &csrf),
                ("op", "email"),
                ("email", "lingdao@example.gov.cn"),
            ],
        )
        .await
        .assert(200, &["提醒邮箱已保存"]);

    // Tomorrow at 08:00 (UTC+8): the mail goes, the robot is down.
    let smtp = FakeSmtp::start();
    let outbound = outbound(&smtp, closed_url());
    let day = Clock::at(chrono::Utc::now()).today + chrono::Duration::days(1);
    let db = app.db.clone();
    let round = actix_web::rt::task::spawn_blocking(move || {
        digests::tick(&db, &outbound, at(day, "08:00"))
    })
    .await
    .expect("joined")
    .expect("tick");
    assert_eq!((round.sent, round.failed), (1, 1), "{round:?}");

    let log = admin.get(&format!("/admin/deliveries?day={day}")).await;
    log.assert(
        200,
        &[
            "提醒投递记录",
            "lingdao@example.gov.cn",
            "已发送",
            "区档案局",
            "待重试",
            "无法送达群机器人：连接被拒绝",
            "群机器人",
            "/robot/send?…",
        ],
    );
    assert!(!log.html.contains("access_token"), "the token is not shown");
    // Another day has none.
    admin
        .get("/admin/deliveries?day=2000-01-01")
        .await
        .assert(200, &["没有投递记录"]);
}
