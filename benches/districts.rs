//! `cargo bench --bench districts`: many districts (区县) on one PostgreSQL
//! database and one release server, as a city runs them.
//!
//! A fresh database gets `BENCH_DISTRICTS` districts (default 90: the first
//! is the database's own tables, registered with `--first`; the others are
//! added as a city adds them, each its own schema), and `BENCH_UNITS_EACH`
//! units' 2012 workbooks stored in every district (default 100, in-process).
//! Then it reports:
//! - adding a district (schema, migrations, checklists): mean and slowest;
//! - the release server's start-up with every district registered;
//! - the paged list under load, side by side in one run: 64 connections
//!   asking `GET /api/v1/assessments?year=2012&per_page=20&page=N` for
//!   `BENCH_SECONDS` (default 10) all in the first district, then each
//!   request in the next district of all of them (every request's
//!   connection pointed at another schema): requests per second, p50, p99;
//! - the database's size and the server's peak memory (VmHWM).
//!
//! `NIANJIAN_BENCH_DATABASE` and `BENCH_KEEP` as for the province bench.

mod common;

use std::time::{Duration, Instant};

use common::server::{Database, Load, Server, env_number};
use nianjian::ingest::checklists::Catalog;
use nianjian::service::districts::{self, Kind, NewDistrict};
use nianjian::service::{self, Clock};
use nianjian::store::{DatabaseUrl, Db};

/// The districts' codes, the first one's first.
fn codes(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("33{:04}", 100 + i)).collect()
}

/// Registers every district, with the bench's account and `units` units
/// each; answers the time each district took to add.
fn prepare(url: &str, count: usize, units: usize) -> Vec<Duration> {
    let db = Db::open(&DatabaseUrl::parse(url).expect("url"), 4).expect("open database");
    let catalog = Catalog::embedded().expect("catalog");
    let clock = Clock::at(chrono::Utc::now());
    service::checklists::sync(&mut db.get().expect("conn"), &catalog, clock).expect("sync");
    let mut added = Vec::new();
    for (i, code) in codes(count).iter().enumerate() {
        let new = NewDistrict::checked(code, &format!("第{}区", i + 1), Kind::District, i == 0)
            .expect("district");
        let start = Instant::now();
        let district = districts::add(&db, &catalog, &new, clock).expect("add");
        if i > 0 {
            added.push(start.elapsed());
        }
        let theirs = districts::in_district(&db, Some(&district.code)).expect("its pool");
        common::server::add_bench_account(&mut theirs.get().expect("conn"));
        common::fill(&theirs, 0..units, &[2012]);
        if (i + 1) % 10 == 0 {
            eprintln!("  ({} districts ready)", i + 1);
        }
    }
    added
}

/// 64 connections over `tokens` in turn (one token: one district).
async fn load(address: &str, tokens: &[String], seconds: u64, pages: usize) -> Load {
    let (address, tokens) = (address.to_string(), tokens.to_vec());
    common::server::load(64, seconds, move |c, n| {
        let n = c * 7 + n;
        let page = n / tokens.len() % pages + 1;
        let url = format!("{address}/api/v1/assessments?year=2012&per_page=20&page={page}");
        (url, tokens[n % tokens.len()].clone())
    })
    .await
}

fn main() {
    let count = env_number("BENCH_DISTRICTS", 90).max(2);
    let units = env_number("BENCH_UNITS_EACH", 100).max(20);
    let seconds = env_number("BENCH_SECONDS", 10) as u64;
    let database = Database::fresh("nianjian_bench_districts", false);
    println!("districts: {count} districts × {units} units on PostgreSQL, one server");
    let prepared = Instant::now();
    let added = prepare(&database.url, count, units);
    let mean = added.iter().sum::<Duration>() / added.len() as u32;
    let slowest = added.iter().max().copied().unwrap_or_default();
    println!(
        "  adding a district  mean {:.0} ms, slowest {:.0} ms ({} added; all filled in {:.0} s)",
        mean.as_secs_f64() * 1000.0,
        slowest.as_secs_f64() * 1000.0,
        added.len(),
        prepared.elapsed().as_secs_f64()
    );
    println!(
        "  database size      {:.0} MiB",
        database.size() as f64 / 1_048_576.0
    );
    let system = actix_web::rt::System::new();
    system.block_on(async {
        let started = Instant::now();
        let server = Server::start(&database.url).await;
        println!(
            "  server start       {:.1} s to answer, {count} districts registered",
            started.elapsed().as_secs_f64()
        );
        let client = reqwest::Client::new();
        let mut tokens = Vec::new();
        for code in codes(count) {
            tokens.push(common::server::token(&client, &server.address, Some(&code)).await);
        }
        let pages = units / 20;
        for (label, tokens) in [
            ("one district", &tokens[..1]),
            ("every district in turn", &tokens[..]),
        ] {
            let result = load(&server.address, tokens, seconds, pages).await;
            println!(
                "  list page of 20 ({label}), 64 connections, {seconds} s: {}",
                result.line()
            );
        }
        println!("  server peak memory (VmHWM) {:.0} MiB", server.peak_mib());
    });
}
