//! `cargo bench --bench rescore`: the rescoring preview of a district of
//! `BENCH_UNITS` communities (default 5,000) on SQLite: their 2012
//! self-checks stored under community@2012 (every tenth reviewed on site,
//! an item and a fact changed), previewed under community@2013 —
//! `service::rescore::preview`, loading included. Best of three runs.
//!
//! The target: under 2 s for 5,000 units on two cores.

use std::time::{Duration, Instant};

use nianjian::domain::random::SplitMix64;
use nianjian::domain::{InputValue, Points};
use nianjian::ingest::checklists::Catalog;
use nianjian::ingest::workbook::Limits;
use nianjian::reports::template::{Prefill, self_check_template};
use nianjian::service::reviews::{InputOverride, ItemOverride, ReviewKind, ReviewRequest};
use nianjian::service::{self, Actor, Clock, Env, demo};
use nianjian::store::{DatabaseUrl, Db};
use rayon::prelude::*;

const STREETS: [&str; 6] = [
    "清波街道",
    "湖滨街道",
    "小营街道",
    "南星街道",
    "紫阳街道",
    "望江街道",
];

fn workbook(catalog: &Catalog, n: usize) -> Vec<u8> {
    let checklist = catalog.get("community@2012").expect("community@2012");
    let mut rng = SplitMix64::new(n as u64);
    let quality = 0.4 + 0.6 * rng.unit();
    let mut answers = demo::answers(checklist, quality, &mut rng);
    answers
        .inputs
        .insert("loss_incident".into(), InputValue::YesNo(false));
    let prefill = Prefill {
        unit_name: Some(format!("社区{n:05}")),
        unit_code: Some(format!("33{n:07}")),
        unit_kind: Some("社区".into()),
        street: Some(STREETS[n % STREETS.len()].into()),
        year: Some(2012),
        target_tier: None,
        answers: Some(answers),
    };
    self_check_template(checklist, &prefill).expect("workbook")
}

fn main() {
    let units: usize = std::env::var("BENCH_UNITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::open(&DatabaseUrl::Sqlite(dir.path().join("rescore.db")), 2).expect("db");
    let catalog = Catalog::embedded().expect("catalog");
    let limits = Limits::default();
    let env = Env {
        catalog: &catalog,
        limits: &limits,
        clock: Clock::at(chrono::Utc::now()),
        plausibility: &nianjian::domain::plausibility::DEFAULT_RULES,
    };
    let actor = Actor::command_line();
    let mut conn = db.get().expect("conn");
    service::checklists::sync(&mut conn, &catalog, env.clock).expect("sync");

    let filling = Instant::now();
    let all: Vec<usize> = (0..units).collect();
    let mut submissions = Vec::new();
    for chunk in all.chunks(500) {
        let prepared: Vec<_> = chunk
            .par_iter()
            .map(|&n| service::uploads::prepare(env, &format!("{n}.xlsx"), workbook(&catalog, n)))
            .collect();
        for stored in service::uploads::commit_all(&mut conn, env, &actor, prepared, false) {
            submissions.push(stored.expect("store"));
        }
    }
    let reviewed = submissions.iter().step_by(10).count();
    for stored in submissions.iter().step_by(10) {
        let request = ReviewRequest {
            kind: ReviewKind::Spot,
            note: "现场抽查".into(),
            items: vec![ItemOverride {
                code: "D3".into(),
                points: Some(serde_json::json!(1)),
                counts: None,
                reason: "编研材料不全".into(),
            }],
            inputs: vec![InputOverride {
                key: "room_area".into(),
                value: serde_json::json!(25),
                reason: "现场测量".into(),
            }],
        };
        service::reviews::review(
            &mut conn,
            env,
            &actor,
            stored.submission_id.expect("stored"),
            &request,
        )
        .expect("review");
    }
    eprintln!(
        "filled {units} communities ({reviewed} reviewed) in {:.1} s",
        filling.elapsed().as_secs_f64()
    );

    let new = catalog
        .get("community@2013")
        .expect("community@2013")
        .clone();
    let mut best: Option<Duration> = None;
    let mut preview = None;
    for _ in 0..3 {
        let start = Instant::now();
        let p = service::rescore::preview(&mut conn, env, &actor, 2012, &new).expect("preview");
        let took = start.elapsed();
        best = Some(best.map_or(took, |b| b.min(took)));
        preview = Some(p);
    }
    let p = preview.expect("a run");
    assert_eq!(p.counts.units, units);
    let moved_points: Points = p.units.iter().map(|u| u.delta).sum();
    println!(
        "rescore preview, {units} units (SQLite): {:.0} ms (best of 3); Σ Δ {moved_points}",
        best.expect("a run").as_secs_f64() * 1000.0
    );
}
