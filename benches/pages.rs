//! `cargo bench --bench pages`: the daily pages on a large district, over
//! HTTP against the real server (SQLite, release build): a generated
//! district of `BENCH_UNITS` units (default 5,000) with its year's
//! rectification orders, then each page as an inspector (and a unit) opens
//! it. For each page: median and worst of 9 requests on the server, and the
//! size of the page.
//!
//! The target: every page under 300 ms and under 300 KB with 5,000
//! units and 70,000 orders.

mod common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use nianjian::ingest::checklists::Catalog;
use nianjian::ingest::workbook::Limits;
use nianjian::service::{self, Actor, Clock, Env, Role};
use nianjian::store::{DatabaseUrl, Db};
use nianjian::web::{AppState, Application, Settings};

const PASSWORD: &str = "bench-password-1";

fn field(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no field {name}"));
    let rest = &html[at..];
    let value = &rest[rest.find("value=\"").expect("value") + 7..];
    value[..value.find('"').expect("end")].to_string()
}

async fn sign_in(base: &str, user: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let form = client
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("text");
    let token = field(&form, "login_csrf");
    let home = client
        .post(format!("{base}/login"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs([
                    ("username", user),
                    ("password", PASSWORD),
                    ("next", ""),
                    ("login_csrf", &token),
                ])
                .finish(),
        )
        .send()
        .await
        .expect("sign in");
    assert!(home.status().is_success(), "{user} signs in");
    client
}

async fn measure(client: &reqwest::Client, url: &str) -> (Duration, Duration, usize) {
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..9 {
        let start = Instant::now();
        let response = client.get(url).send().await.expect("get");
        assert!(
            response.status().is_success(),
            "{url}: {}",
            response.status()
        );
        size = response.bytes().await.expect("body").len();
        times.push(start.elapsed());
    }
    times.sort();
    (times[4], times[8], size)
}

fn main() {
    let units: usize = std::env::var("BENCH_UNITS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(5000);
    let dir = tempfile::tempdir().expect("tempdir");
    let url = DatabaseUrl::Sqlite(dir.path().join("pages.db"));
    let db = Db::open(&url, 8).expect("open database");
    let catalog = Catalog::embedded().expect("catalog");
    let limits = Limits::default();
    let env = Env {
        catalog: &catalog,
        limits: &limits,
        clock: Clock::at(chrono::Utc::now()),
        plausibility: &nianjian::domain::plausibility::DEFAULT_RULES,
    };
    service::checklists::sync(&mut db.get().expect("conn"), &catalog, env.clock).expect("sync");
    let started = Instant::now();
    common::fill(&db, 0..units, &[2011, 2012]);
    let admin = Actor::command_line();
    let mut conn = db.get().expect("conn");
    service::accounts::add_user(
        &mut conn,
        &admin,
        "inspector",
        PASSWORD,
        Role::Inspector,
        None,
        env.clock,
    )
    .expect("inspector");
    let unit_code = service::roster::list(&mut conn, &admin).expect("roster")[0]
        .code
        .clone();
    service::accounts::add_user(
        &mut conn,
        &admin,
        "unit",
        PASSWORD,
        Role::Unit,
        Some(&unit_code),
        env.clock,
    )
    .expect("unit account");
    let orders = service::rectifications::counts(
        &mut conn,
        &admin,
        &service::rectifications::Filter {
            year: Some(2012),
            ..Default::default()
        },
        env.clock.today,
    )
    .expect("counts")
    .total;
    drop(conn);
    eprintln!(
        "  ({units} units, 2 years, {orders} orders in 2012, stored in {:.0} s)",
        started.elapsed().as_secs_f64()
    );

    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let state = AppState::new(db, catalog.clone(), Settings::default()).expect("state");
    let app = Application::build(state, listener, 2).expect("app");
    let base = format!("http://127.0.0.1:{}", app.port());
    let system = actix_web::rt::System::new();
    system.block_on(async move {
        actix_web::rt::spawn(app.run_until_stopped());
        let inspector = sign_in(&base, "inspector").await;
        let unit = sign_in(&base, "unit").await;
        println!("pages on {units} units and {orders} orders (SQLite), median and worst of 9");
        println!(
            "  {:<48} {:>9} {:>9} {:>8}",
            "page", "median ms", "worst ms", "KiB"
        );
        let pages: Vec<(&reqwest::Client, String)> = vec![
            (&inspector, "/inspect?year=2012".into()),
            (&inspector, "/inspect?year=2012&page=40".into()),
            (
                &inspector,
                "/inspect?year=2012&q=%E7%A4%BE%E5%8C%BA&state=reviewed".into(),
            ),
            (&inspector, "/inspect/rectifications?year=2012".into()),
            (
                &inspector,
                "/inspect/rectifications?year=2012&overdue=1&page=3".into(),
            ),
            (
                &inspector,
                format!("/inspect/rectifications?year=2012&unit={unit_code}"),
            ),
            (&inspector, format!("/inspect/units/{unit_code}?year=2012")),
            (
                &inspector,
                "/api/v1/assessments?year=2012&per_page=100".into(),
            ),
            (
                &inspector,
                "/api/v1/rectifications?year=2012&per_page=100".into(),
            ),
            (&unit, "/unit".into()),
            (&unit, "/unit/rectifications".into()),
        ];
        for (client, path) in pages {
            let (median, worst, size) = measure(client, &format!("{base}{path}")).await;
            println!(
                "  {:<48} {:>9.0} {:>9.0} {:>8}",
                path,
                median.as_secs_f64() * 1000.0,
                worst.as_secs_f64() * 1000.0,
                size / 1024
            );
        }
    });
}
