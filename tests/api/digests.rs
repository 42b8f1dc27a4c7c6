//! 每日提醒摘要: a fake SMTP server and webhook receivers started here get
//! the expected digest on the expected day (the clock is the test's), each
//! day once; a receiver that hangs or is down delays nothing else, and a
//! failed delivery is logged and tried again after its wait.

use std::time::Duration;

use chrono::{NaiveDate, NaiveTime, TimeZone};
use nianjian::service::Clock;
use nianjian::service::digests::{self, Outbound, Security, Smtp, Tick};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::receivers::{FakeSmtp, FakeWebhook, closed_url};

/// The bureau's clock (UTC+8) at `day` `hh:mm`.
pub(crate) fn at(day: NaiveDate, time: &str) -> Clock {
    let local = day.and_time(NaiveTime::parse_from_str(time, "%H:%M").unwrap());
    let utc = chrono::Utc.from_utc_datetime(&(local - chrono::Duration::hours(8)));
    Clock::at(utc)
}

/// The fake mail server and a webhook, digests at 08:00.
pub(crate) fn outbound(smtp: &FakeSmtp, webhook: String) -> Outbound {
    Outbound {
        smtp: Some(Smtp {
            host: "127.0.0.1".into(),
            port: Some(smtp.port()),
            security: Security::None,
            username: None,
            password: None,
            from: "年检系统 <nianjian@example.gov.cn>".into(),
        }),
        webhook: Some(webhook),
        digest_at: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        site: Some("https://nianjian.example.gov.cn".into()),
        bureau: "杭州市上城区档案局".into(),
    }
}

/// One round, off the server's threads.
async fn tick(app: &TestApp, outbound: &Outbound, clock: Clock) -> Tick {
    let (db, outbound) = (app.db.clone(), outbound.clone());
    actix_web::rt::task::spawn_blocking(move || digests::tick(&db, &outbound, clock))
        .await
        .expect("joined")
        .expect("tick")
}

async fn set_email(app: &TestApp, token: &str, id: i64, email: &str) -> (u16, Value) {
    app.send(
        reqwest::Method::PATCH,
        Some(token),
        &format!("/api/v1/users/{id}"),
        json!({ "email": email }),
    )
    .await
}

/// The delivery log of `day`: (channel, recipient, status, attempts).
async fn log(app: &TestApp, admin: &str, day: NaiveDate) -> Vec<(String, String, String, i64)> {
    let (status, body) = app
        .get(Some(admin), &format!("/api/v1/deliveries?day={day}"))
        .await;
    assert_eq!(status, 200, "{body}");
    let mut rows: Vec<_> = body
        .as_array()
        .expect("log")
        .iter()
        .map(|d| {
            (
                d["channel"].as_str().unwrap().to_string(),
                d["recipient"].as_str().unwrap().to_string(),
                d["status"].as_str().unwrap().to_string(),
                d["attempts"].as_i64().unwrap(),
            )
        })
        .collect();
    rows.sort();
    rows
}

#[actix_web::test]
async fn the_digest_arrives_on_its_day_and_a_receiver_that_is_down_delays_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    // 小营巷社区 uploads (orders raised today); 大学路社区 has not.
    app.inspector_uploads_default().await;
    app.add_community("330102302", "大学路社区").await;
    let today = Clock::at(chrono::Utc::now()).today;
    let day = today + chrono::Duration::days(1);
    let deadline = today + chrono::Duration::days(8);
    let (status, body) = app
        .send(
            reqwest::Method::PATCH,
            Some(&admin),
            "/api/v1/campaigns/2012",
            json!({"deadline": deadline.to_string()}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // Addresses: by the admin, and by an account for itself; a bad one is refused.
    app.add_unit_user("xyx", "330102301");
    app.add_unit_user("dxl", "330102302");
    let xyx = app.login("xyx").await;
    let own = app.user_id(&admin, "xyx").await;
    let (status, body) = set_email(&app, &xyx, own, "xyx@example.gov.cn").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["email"], "xyx@example.gov.cn");
    let (status, body) = set_email(&app, &xyx, own, "不是邮箱").await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("不是有效的电子邮箱"),
        "{body}"
    );
    let dxl = app.user_id(&admin, "dxl").await;
    let (status, _) = set_email(&app, &xyx, dxl, "x@example.gov.cn").await;
    assert_eq!(status, 403, "only the admin sets another account's address");
    set_email(&app, &admin, dxl, "dxl@example.gov.cn").await;
    let leader = app.user_id(&admin, "leader").await;
    set_email(&app, &admin, leader, "leader@example.gov.cn").await;

    let smtp = FakeSmtp::start();
    let hook = FakeWebhook::holding();
    let out = outbound(&smtp, hook.url());

    // Before the hour nothing is composed; today (at 09:00) has nothing
    // due to be told: what happened today is told tomorrow morning.
    assert_eq!(tick(&app, &out, at(today, "07:59")).await, Tick::default());
    assert_eq!(tick(&app, &out, at(today, "09:00")).await, Tick::default());
    assert!(smtp.mails().is_empty());

    // Tomorrow at 08:00: three mails and the bureau's robot. The robot
    // hangs; the mails go meanwhile, and the service answers.
    let (db, o, clock) = (app.db.clone(), out.clone(), at(day, "08:00"));
    let round = std::thread::spawn(move || digests::tick(&db, &o, clock));
    // Within half the time limit the robot's attempt may take: the mails
    // did not wait for it.
    let mails = smtp.wait_for(3, nianjian::delivery::TIME_LIMIT / 2);
    assert_eq!(mails.len(), 3, "{mails:?}");
    hook.wait_for(1, Duration::from_secs(30));
    assert_eq!(hook.held(), 1, "the robot holds its answer");
    let (status, _) = app.get(Some(&xyx), "/api/v1/reminders").await;
    assert_eq!(status, 200, "answered while the robot hangs");
    let mut sent_while_held = Vec::new();
    for _ in 0..300 {
        sent_while_held = log(&app, &admin, day).await;
        if sent_while_held.iter().filter(|r| r.2 == "sent").count() == 3 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(hook.held(), 1, "still held: {sent_while_held:?}");
    assert_eq!(
        sent_while_held
            .iter()
            .map(|r| (r.0.as_str(), r.2.as_str()))
            .collect::<Vec<_>>(),
        [
            ("email", "sent"),
            ("email", "sent"),
            ("email", "sent"),
            ("webhook", "pending")
        ],
        "the mails are logged sent before the robot answers"
    );
    hook.release();
    let done = round.join().expect("round").expect("tick");
    assert_eq!(
        done,
        Tick {
            composed: 4,
            sent: 4,
            failed: 0
        }
    );

    // What each got.
    let date = day.format("%Y年%-m月%-d日").to_string();
    let mail_to = |to: &str| {
        mails
            .iter()
            .find(|m| m.to == [to])
            .unwrap_or_else(|| panic!("no mail to {to}: {mails:?}"))
    };
    let late = mail_to("dxl@example.gov.cn");
    assert_eq!(late.subject, format!("【年检提醒】{date}"));
    assert_eq!(late.from, "nianjian@example.gov.cn");
    assert!(late.body.starts_with("大学路社区：\n"), "{}", late.body);
    assert!(
        late.body.contains("2012 年度自查表还有 7 天截止") && late.body.contains("本单位尚未上传"),
        "{}",
        late.body
    );
    assert!(late.body.contains("2012 年度年检已开启"), "{}", late.body);
    assert!(
        late.body
            .contains("https://nianjian.example.gov.cn/reminders"),
        "{}",
        late.body
    );
    let done_unit = mail_to("xyx@example.gov.cn");
    assert!(done_unit.body.contains("新下达"), "{}", done_unit.body);
    assert!(
        !done_unit.body.contains("截止"),
        "it uploaded: {}",
        done_unit.body
    );
    let lead = mail_to("leader@example.gov.cn");
    assert!(lead.body.contains("年度年检已开启"), "{}", lead.body);
    let post = &hook.posts()[0];
    assert!(post.path.starts_with("/robot/send"), "{}", post.path);
    assert_eq!(post.json["msgtype"], "text");
    let content = post.json["text"]["content"].as_str().unwrap();
    assert!(content.starts_with("【年检提醒】"), "{content}");
    assert!(content.contains("杭州市上城区档案局："), "{content}");
    assert!(content.contains("还有 1 个单位未上传"), "{content}");
    assert_eq!(post.json["nianjian"]["day"], day.to_string());

    // The same day again, or on another server: nothing twice.
    assert_eq!(tick(&app, &out, at(day, "09:30")).await, Tick::default());
    assert_eq!(smtp.mails().len(), 3);
    assert_eq!(hook.posts().len(), 1);

    // A day before the deadline the robot is down: the mail still goes, the
    // robot's digest is logged failed and tried again after a minute.
    let eve = deadline - chrono::Duration::days(1);
    let down_url = closed_url();
    let down = outbound(&smtp, down_url.clone());
    let t = tick(&app, &down, at(eve, "08:00")).await;
    assert_eq!(
        t,
        Tick {
            composed: 2,
            sent: 1,
            failed: 1
        }
    );
    let mails = smtp.wait_for(4, Duration::from_secs(10));
    assert!(mails[3].body.contains("还有 1 天截止"), "{}", mails[3].body);
    let (_, entries) = app
        .get(Some(&admin), &format!("/api/v1/deliveries?day={eve}"))
        .await;
    let robot = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["channel"] == "webhook")
        .expect("the robot's delivery");
    assert_eq!(robot["status"], "pending");
    assert_eq!(robot["status_text"], "待重试");
    assert_eq!(robot["attempts"], 1);
    assert!(
        robot["last_error"]
            .as_str()
            .unwrap()
            .contains("无法送达群机器人：连接被拒绝"),
        "{robot}"
    );
    assert!(
        !robot["recipient"].as_str().unwrap().contains("token"),
        "the token is not shown: {robot}"
    );
    // Back up: not before its wait, then sent on the second attempt.
    let up = FakeWebhook::start();
    let back = outbound(&smtp, up.url());
    assert_eq!(tick(&app, &back, at(eve, "08:00")).await, Tick::default());
    let t = tick(&app, &back, at(eve, "08:02")).await;
    assert_eq!(t.sent, 1, "{t:?}");
    assert_eq!(up.posts().len(), 1);
    // The log shows the address it was composed for, without its query.
    let shown = match down_url.split_once('?') {
        Some((base, _)) => format!("{base}?…"),
        None => down_url.clone(),
    };
    assert_eq!(
        log(&app, &admin, eve).await,
        [
            (
                "email".into(),
                "dxl@example.gov.cn".into(),
                "sent".into(),
                1
            ),
            ("webhook".into(), shown, "sent".into(), 2),
        ]
    );

    // The log is the admin's.
    let (status, _) = app.get(Some(&xyx), "/api/v1/deliveries").await;
    assert_eq!(status, 403);
}

#[actix_web::test]
async fn a_robot_that_refuses_the_message_is_a_failed_delivery() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    app.inspector_uploads_default().await;
    let smtp = FakeSmtp::start();
    let refusing = FakeWebhook::refusing();
    let out = Outbound {
        smtp: None,
        ..outbound(&smtp, refusing.url())
    };
    // The campaign opened today is told tomorrow.
    let day = Clock::at(chrono::Utc::now()).today + chrono::Duration::days(1);
    let t = tick(&app, &out, at(day, "08:00")).await;
    assert_eq!(
        t,
        Tick {
            composed: 1,
            sent: 0,
            failed: 1
        }
    );
    let (_, entries) = app
        .get(Some(&admin), &format!("/api/v1/deliveries?day={day}"))
        .await;
    let error = entries[0]["last_error"].as_str().unwrap();
    assert!(error.contains("机器人拒收（errcode 310000）"), "{error}");
    // Without a mail server no mail is composed, addresses or not.
    assert_eq!(entries.as_array().unwrap().len(), 1, "{entries}");
}

/// Two servers on one database run their rounds at the same moment: the
/// day is composed once and each digest goes once.
#[actix_web::test]
async fn two_servers_compose_and_send_each_digest_once() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    app.inspector_uploads_default().await;
    for name in ["inspector", "leader", "admin"] {
        let id = app.user_id(&admin, name).await;
        let (status, body) = set_email(&app, &admin, id, &format!("{name}@example.gov.cn")).await;
        assert_eq!(status, 200, "{body}");
    }
    let other = app.another_server().await;
    let smtp = FakeSmtp::start();
    let hook = FakeWebhook::start();
    let out = outbound(&smtp, hook.url());
    let day = Clock::at(chrono::Utc::now()).today + chrono::Duration::days(1);
    let rounds: Vec<_> = [app.db.clone(), other.db.clone()]
        .into_iter()
        .map(|db| {
            let out = out.clone();
            std::thread::spawn(move || digests::tick(&db, &out, at(day, "08:00")))
        })
        .collect();
    let ticks: Vec<Tick> = rounds
        .into_iter()
        .map(|r| r.join().expect("round").expect("tick"))
        .collect();
    let composed: usize = ticks.iter().map(|t| t.composed).sum();
    let sent: usize = ticks.iter().map(|t| t.sent).sum();
    assert_eq!(
        composed, 4,
        "three mails and the robot, composed once: {ticks:?}"
    );
    assert_eq!(sent, 4, "{ticks:?}");
    assert_eq!(smtp.wait_for(4, Duration::from_secs(5)).len(), 3);
    assert_eq!(hook.posts().len(), 1);
}
