//! `cargo bench --bench province`: a city's or province's districts on one
//! PostgreSQL, filled through the real import path and read under load.
//!
//! A fresh database is filled with `BENCH_UNITS` units × `BENCH_YEARS`
//! years of generated workbooks by HTTP bulk uploads (`BENCH_BATCH` files
//! an upload) to the release `nianjian serve`, run as its own process so
//! that its memory is its own. Then it reports:
//! - import throughput: workbooks per second over the uploads (the
//!   workbooks are generated between uploads, outside the timing);
//! - the paged list under load: `GET /api/v1/assessments?year=…&page=N`
//!   (100 a page) on 64 connections for `BENCH_SECONDS`, twice: N cycling
//!   over the first 20 pages (which the server keeps after their first
//!   asking), then any page of the whole list in any of its five orders
//!   (mostly not kept): requests per second, p50 and p99;
//! - report times of the newest year on a freshly started server (cold)
//!   and again (warm): the dashboard (`district.html`) and the district
//!   workbook (`district.xlsx`);
//! - the database's size (`pg_database_size`) and the server's peak
//!   memory (`VmHWM` of /proc/PID/status) after the import and at the end.
//!
//! Knobs (environment):
//! - `BENCH_UNITS` units (default 50,000), `BENCH_YEARS` years ending in
//!   2012 (default 3), `BENCH_BATCH` files an upload (default 500),
//!   `BENCH_SECONDS` of load (default 20);
//! - `NIANJIAN_BENCH_DATABASE=postgres://…/db`: an admin URL (a fresh
//!   database `nianjian_bench_province` is created beside it and dropped at
//!   the end; `BENCH_KEEP=1` keeps it); default the local test server;
//! - `BENCH_REPORTS=0`: the lists only, no report times (a cold report of
//!   50,000 units takes minutes);
//! - `BENCH_REUSE=1`: the database a `BENCH_KEEP=1` run kept, as it is (no
//!   import; kept again), so that two builds are measured on one database
//!   back to back (`BENCH_UNITS` must be what it was filled with).
//!
//! Client and server share the machine's cores; the load's client is in
//! this process, the server in its own.

mod common;

use common::server::{Database, Load, Server, env_number};

use std::time::{Duration, Instant};

use rayon::prelude::*;
use reqwest::multipart::{Form, Part};

use nianjian::domain::random::SplitMix64;
use nianjian::ingest::checklists::Catalog;
use nianjian::service::{self, Clock};
use nianjian::store::{DatabaseUrl, Db};

const NEWEST: i32 = 2012;

/// Whether the kept database is measured again as it is (`BENCH_REUSE`).
fn reused() -> bool {
    std::env::var_os("BENCH_REUSE").is_some()
}

/// Migrations, checklists and the bench's account, in-process.
fn prepare(url: &str) {
    let db = Db::open(&DatabaseUrl::parse(url).expect("url"), 2).expect("open database");
    let catalog = Catalog::embedded().expect("catalog");
    let mut conn = db.get().expect("conn");
    let clock = Clock::at(chrono::Utc::now());
    service::checklists::sync(&mut conn, &catalog, clock).expect("sync");
    common::server::add_bench_account(&mut conn);
}

/// Uploads every year's workbooks, `batch` files an upload; the time spent
/// in uploads only.
async fn import(address: &str, token: &str, units: usize, years: &[i32], batch: usize) -> Duration {
    let catalog = Catalog::embedded().expect("catalog");
    // Idle connections dropped well before the server's keep-alive (5 s)
    // closes them: the next upload's workbooks take seconds to generate,
    // and a request sent on a connection the server is closing fails.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(3600))
        .pool_idle_timeout(Duration::from_secs(1))
        .build()
        .expect("client");
    let mut spent = Duration::ZERO;
    let all: Vec<usize> = (0..units).collect();
    for &year in years {
        for chunk in all.chunks(batch) {
            let files: Vec<(String, Vec<u8>)> = chunk
                .par_iter()
                .map(|&n| {
                    let mut rng = SplitMix64::new((n as u64) << 16 | year as u64);
                    let bytes = common::workbook(&catalog, n, year, &mut rng);
                    (format!("{n:06}-{year}.xlsx"), bytes)
                })
                .collect();
            let count = files.len();
            let mut form = Form::new();
            for (name, bytes) in files {
                form = form.part("file", Part::bytes(bytes).file_name(name));
            }
            let start = Instant::now();
            let response = client
                .post(format!("{address}/api/v1/submissions"))
                .bearer_auth(token)
                .multipart(form)
                .send()
                .await
                .expect("upload");
            let status = response.status();
            let body: serde_json::Value = response.json().await.expect("json");
            spent += start.elapsed();
            assert_eq!(status, 200, "{}", body["error"]);
            assert_eq!(
                body["accepted"].as_u64(),
                Some(count as u64),
                "every file stored: {body}"
            );
        }
        eprintln!(
            "  ({year}: {units} workbooks stored, {:.0} s in uploads so far)",
            spent.as_secs_f64()
        );
    }
    spent
}

/// Which pages the load asks for.
#[derive(Clone, Copy)]
enum Pages {
    /// The first 20 pages in code order, over and over (a busy morning's
    /// first screens; kept by the server after the first asking).
    Hot,
    /// Any page of the whole list, in any of the five orders: 500 pages ×
    /// 5 orders at 50,000 units, more than the server keeps.
    Spread { pages: usize },
}

impl Pages {
    /// The query of the `n`th request of a connection's run.
    fn query(self, n: usize) -> String {
        match self {
            Pages::Hot => format!("page={}", n % 20 + 1),
            Pages::Spread { pages } => {
                // A fixed scramble of n: every connection walks its own order.
                let mixed = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 16;
                let sort = ["code", "name", "street", "-total", "total"][(mixed % 5) as usize];
                let page = (mixed / 5) % pages.max(1) as u64 + 1;
                format!("page={page}&sort={sort}")
            }
        }
    }
}

/// 64 connections asking for pages of 100 of the newest year's results.
async fn load(address: &str, token: &str, connections: usize, seconds: u64, pages: Pages) -> Load {
    let (address, token) = (address.to_string(), token.to_string());
    common::server::load(connections, seconds, move |c, n| {
        // Each connection starts at its own place in the sequence.
        let query = pages.query(c * 7919 + n);
        let url = format!("{address}/api/v1/assessments?year={NEWEST}&per_page=100&{query}");
        (url, token.clone())
    })
    .await
}

/// One GET's time and size.
async fn timed(client: &reqwest::Client, token: &str, url: &str) -> (Duration, usize) {
    let start = Instant::now();
    let response = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("get");
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    let size = response.bytes().await.expect("body").len();
    (start.elapsed(), size)
}

fn main() {
    let units = env_number("BENCH_UNITS", 50_000);
    let year_count = env_number("BENCH_YEARS", 3).max(1);
    let batch = env_number("BENCH_BATCH", 500).max(1);
    let seconds = env_number("BENCH_SECONDS", 20) as u64;
    let connections = 64;
    let years: Vec<i32> = (0..year_count as i32).map(|i| NEWEST - i).rev().collect();

    let database = Database::fresh("nianjian_bench_province", reused());
    if !reused() {
        prepare(&database.url);
    }
    let files = units * years.len();
    println!(
        "province: {units} units × {} years ({}–{NEWEST}) on PostgreSQL, {batch} files an upload",
        years.len(),
        years[0]
    );
    let system = actix_web::rt::System::new();
    system.block_on(async {
        let server = Server::start(&database.url).await;
        let client = reqwest::Client::builder()
            .pool_idle_timeout(Duration::from_secs(1))
            .build()
            .expect("client");
        let token = common::server::token(&client, &server.address, None).await;
        if reused() {
            println!("  import          skipped: the kept database as it is");
        } else {
            let spent = import(&server.address, &token, units, &years, batch).await;
            println!(
                "  import          {files} workbooks in {:.1} s of uploads: {:.1} files/s",
                spent.as_secs_f64(),
                files as f64 / spent.as_secs_f64()
            );
        }
        let import_peak = server.peak_mib();
        println!("  database size   {:.0} MiB", database.size() as f64 / 1_048_576.0);

        for (label, pages) in [
            ("first 20 pages", Pages::Hot),
            (
                "any page, any order",
                Pages::Spread {
                    pages: units.div_ceil(100),
                },
            ),
        ] {
            let result = load(&server.address, &token, connections, seconds, pages).await;
            println!(
                "  assessment list page of 100 ({label}), {connections} connections, {seconds} s: {}",
                result.line()
            );
        }
        let load_peak = server.peak_mib();
        drop(server);
        if std::env::var("BENCH_REPORTS").is_ok_and(|v| v == "0") {
            println!("  reports         skipped (BENCH_REPORTS=0)");
            println!(
                "  server peak memory (VmHWM): {import_peak:.0} MiB after the import, {load_peak:.0} MiB after the load"
            );
            return;
        }

        // Reports from a freshly started server: nothing cached.
        let server = Server::start(&database.url).await;
        let token = common::server::token(&client, &server.address, None).await;
        for (label, path) in [
            ("dashboard", "district.html"),
            ("district xlsx", "district.xlsx"),
        ] {
            let url = format!("{}/api/v1/reports/{path}?year={NEWEST}", server.address);
            let (cold, size) = timed(&client, &token, &url).await;
            let (warm, _) = timed(&client, &token, &url).await;
            println!(
                "  {label:<15} cold {:>8.0} ms   warm {:>8.0} ms   {:.0} KiB",
                cold.as_secs_f64() * 1000.0,
                warm.as_secs_f64() * 1000.0,
                size as f64 / 1024.0
            );
        }
        println!(
            "  server peak memory (VmHWM): {import_peak:.0} MiB after the import, {load_peak:.0} MiB after the load, {:.0} MiB for the reports",
            server.peak_mib()
        );
    });
}
