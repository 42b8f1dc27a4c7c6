//! `cargo bench --bench reports`: the district summary of a generated
//! district over three years (2010–2012) on SQLite, at growing sizes
//! (default 1,250, 2,500 and 5,000 units; `BENCH_UNITS=a,b,c` to change;
//! `BENCH_DB=FILE` keeps the database for the next run, whose sizes must
//! not be smaller than the units it holds).
//!
//! For each size, best of three runs of each step:
//! - gather: the report model from the database (`service::reports::district`:
//!   current assessments of this and last year as stored, their items
//!   summed per item in SQL (a reviewed unit's read one by one),
//!   categories, inputs, rectification orders and their requirement texts);
//! - xlsx: the model written as the seven-sheet workbook;
//! - html: the model rendered as the leadership dashboard;
//! - xlsx cold / warm, dash cold / warm: the download and the dashboard as
//!   served, through the report cache (`service::report_cache`): cold with
//!   an empty cache (as after any write), warm with nothing written since.
//!
//! The targets: the xlsx under 2 s and the dashboard under 200 ms
//! for 5,000 units on two cores, cost growing linearly with the units.
//! `gather` is paid once by each download (xlsx or HTML) over HTTP.

mod common;

use std::time::{Duration, Instant};

use nianjian::ingest::checklists::Catalog;
use nianjian::ingest::workbook::Limits;
use nianjian::reports::district_xlsx::district_xlsx;
use nianjian::reports::html::Html;
use nianjian::service::report_cache::ReportCache;
use nianjian::service::{self, Actor, Clock, Env};
use nianjian::store::{DatabaseUrl, Db};

fn best_of<T>(runs: usize, mut run: impl FnMut() -> T) -> (Duration, T) {
    let mut best: Option<(Duration, T)> = None;
    for _ in 0..runs {
        let start = Instant::now();
        let value = run();
        let took = start.elapsed();
        if best.as_ref().is_none_or(|(b, _)| took < *b) {
            best = Some((took, value));
        }
    }
    best.expect("at least one run")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let sizes: Vec<usize> = std::env::var("BENCH_UNITS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1250, 2500, 5000]);
    let years = [2010, 2011, 2012];

    // BENCH_DB=FILE keeps the district in FILE and fills only the units it
    // lacks, so a second run (before and after a change) skips the fill.
    let dir = tempfile::tempdir().expect("tempdir");
    let url = DatabaseUrl::Sqlite(
        std::env::var_os("BENCH_DB")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| dir.path().join("reports.db")),
    );
    let db = Db::open(&url, 4).expect("open database");
    let catalog = Catalog::embedded().expect("catalog");
    let limits = Limits::default();
    let env = Env {
        catalog: &catalog,
        limits: &limits,
        clock: Clock::at(chrono::Utc::now()),
        plausibility: &nianjian::domain::plausibility::DEFAULT_RULES,
    };
    service::checklists::sync(&mut db.get().expect("conn"), &catalog, env.clock).expect("sync");
    let html = Html::new(None).expect("templates");
    let actor = Actor::command_line();

    println!("district summary of {years:?} (SQLite), best of 3");
    println!(
        "  {:>6}  {:>10}  {:>10}  {:>10}  {:>9}  {:>9}  {:>10}  {:>10}  {:>10}  {:>10}",
        "units",
        "gather ms",
        "xlsx ms",
        "html ms",
        "xlsx KiB",
        "html KiB",
        "xlsx cold",
        "xlsx warm",
        "dash cold",
        "dash warm"
    );
    let mut filled = nianjian::store::queries::units::list(&mut db.get().expect("conn"))
        .expect("units")
        .len();
    for &units in &sizes {
        if filled < units {
            let started = Instant::now();
            common::fill(&db, filled..units, &years);
            eprintln!(
                "  (units {filled}..{units} stored for 3 years in {:.0} s)",
                started.elapsed().as_secs_f64()
            );
            filled = units;
        }

        let mut conn = db.get().expect("conn");
        let (gather, report) = best_of(3, || {
            service::reports::district(&mut conn, env, &actor, 2012, None).expect("report")
        });
        assert_eq!(
            report.total.submitted + report.total.not_submitted,
            units,
            "every unit counted"
        );
        let (xlsx, bytes) = best_of(3, || district_xlsx(&report).expect("xlsx"));
        let (page_time, page) = best_of(3, || html.dashboard(&report).expect("html"));
        // As served: through the report cache, cold (a fresh cache, as
        // after any write) and warm (nothing written since).
        let download = |cache: &ReportCache| {
            service::reports::district_workbook(
                &mut db.get().expect("conn"),
                env,
                &actor,
                cache,
                2012,
                None,
            )
            .expect("xlsx")
        };
        let dashboard = |cache: &ReportCache| {
            service::reports::district_page(
                &mut db.get().expect("conn"),
                env,
                &actor,
                (&html, cache),
                2012,
                None,
            )
            .expect("dashboard")
        };
        let (xlsx_cold, _) = best_of(3, || download(&ReportCache::default()));
        let (page_cold, _) = best_of(3, || dashboard(&ReportCache::default()));
        let cache = ReportCache::default();
        download(&cache);
        let (xlsx_warm, _) = best_of(3, || download(&cache));
        let (page_warm, _) = best_of(3, || dashboard(&cache));
        println!(
            "  {:>6}  {:>10.0}  {:>10.0}  {:>10.1}  {:>9}  {:>9}  {:>10.0}  {:>10.1}  {:>10.0}  {:>10.1}",
            units,
            ms(gather),
            ms(xlsx),
            ms(page_time),
            bytes.len() / 1024,
            page.len() / 1024,
            ms(xlsx_cold),
            ms(xlsx_warm),
            ms(page_cold),
            ms(page_warm),
        );
    }
}
