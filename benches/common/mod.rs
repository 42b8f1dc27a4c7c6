//! Shared by the benchmarks: a generated district's workbooks.

pub mod server;

use std::path::{Path, PathBuf};

use nianjian::domain::random::SplitMix64;
use nianjian::ingest::checklists::Catalog;
use nianjian::reports::template::{Prefill, self_check_template};
use nianjian::service::demo;

/// (kind, checklist) pairs the generated units cycle through.
const KINDS: [(&str, &str); 4] = [
    ("社区", "community@2013"),
    ("社区", "community@2012"),
    ("机关", "agency@2012"),
    ("学校", "agency@2012"),
];

pub const STREETS: [&str; 6] = [
    "清波街道",
    "湖滨街道",
    "小营街道",
    "南星街道",
    "紫阳街道",
    "望江街道",
];

/// The workbook of unit `n` for `year`: a unit keeps its kind, code and
/// checklist across years; quality varies.
pub fn workbook(catalog: &Catalog, n: usize, year: i32, rng: &mut SplitMix64) -> Vec<u8> {
    let (kind, reference) = KINDS[n % KINDS.len()];
    // One checklist per kind in a campaign: communities use community@2013.
    let reference = if kind == "社区" {
        "community@2013"
    } else {
        reference
    };
    let checklist = catalog.get(reference).expect("shipped checklist");
    let quality = rng.unit();
    let mut answers = demo::answers(checklist, quality, rng);
    for key in ["loss_incident", "refused_inspection"] {
        if answers.inputs.contains_key(key) {
            answers
                .inputs
                .insert(key.into(), nianjian::domain::InputValue::YesNo(false));
        }
    }
    let prefill = Prefill {
        unit_name: Some(format!("单位{n:05}")),
        unit_code: Some(format!("33{n:07}")),
        unit_kind: Some(kind.into()),
        street: Some(STREETS[n % STREETS.len()].into()),
        year: Some(year),
        target_tier: Some(checklist.tiers[n % checklist.tiers.len()].name.clone()),
        answers: Some(answers),
    };
    self_check_template(checklist, &prefill).expect("workbook")
}

/// Writes `count` workbooks for `year` into `dir`.
#[allow(dead_code)] // not every benchmark writes files
pub fn generate(dir: &Path, count: usize, year: i32) -> Vec<PathBuf> {
    let catalog = Catalog::embedded().expect("shipped checklists");
    let mut rng = SplitMix64::new(year as u64);
    (0..count)
        .map(|n| {
            let path = dir.join(format!("{n:05}.xlsx"));
            std::fs::write(&path, workbook(&catalog, n, year, &mut rng)).expect("write workbook");
            path
        })
        .collect()
}

/// Stores units `range` of a generated district for each of `years`
/// in-process, as the bureau's uploads (reading and scoring in parallel,
/// storing in groups). A unit's quality drifts from year to year, so the
/// reports see upgrades and downgrades.
#[allow(dead_code)] // not every benchmark fills a database
pub fn fill(db: &nianjian::store::Db, range: std::ops::Range<usize>, years: &[i32]) {
    use nianjian::ingest::workbook::Limits;
    use nianjian::service::{self, Actor, Clock, Env};
    use rayon::prelude::*;

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
    let units: Vec<usize> = range.collect();
    for &year in years {
        for chunk in units.chunks(500) {
            let prepared: Vec<_> = chunk
                .par_iter()
                .map(|&n| {
                    let mut rng = SplitMix64::new((n as u64) << 16 | year as u64);
                    let bytes = workbook(&catalog, n, year, &mut rng);
                    service::uploads::prepare(env, &format!("{n}-{year}.xlsx"), bytes)
                })
                .collect();
            for stored in service::uploads::commit_all(&mut conn, env, &actor, prepared, false) {
                stored.expect("store");
            }
        }
    }
}
