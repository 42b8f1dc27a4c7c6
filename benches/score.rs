//! `cargo bench --bench score`: scores N generated workbooks (default 1,000,
//! `BENCH_FILES` to change) through the real CLI (`nianjian score --json`,
//! both cores), and compares with the floor: reading the same files' three
//! sheets with calamine alone, also on both cores. Best of three runs each.
//!
//! A second case does the same for a second-edition checklist whose
//! workbook has 60 deduction rows (12 `deduct` items of 5 defects each), so
//! the cost of reading counts row by row shows beside the shipped checklists.
//!
//! `BENCH_BASELINE=PATH` runs another build of the binary (say, one of
//! `main`) on the same files in the same rounds, so a change is measured
//! side by side with what it replaces. The three (or four) runs of a round
//! follow each other, so a busy machine slows them alike.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use calamine::Reader;
use rayon::prelude::*;

/// Best of `runs` rounds for each case; each round runs every case once,
/// in turn.
fn best_of_rounds<const N: usize>(
    runs: usize,
    mut cases: [&mut dyn FnMut() -> Duration; N],
) -> [Duration; N] {
    let mut best = [Duration::MAX; N];
    for _ in 0..runs {
        for (best, case) in best.iter_mut().zip(cases.iter_mut()) {
            *best = (*best).min(case());
        }
    }
    best
}

fn calamine_floor(files: &[PathBuf]) -> Duration {
    let start = Instant::now();
    let cells: usize = files
        .par_iter()
        .map(|path| {
            let bytes = std::fs::read(path).expect("read");
            let mut book =
                calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).expect("open");
            ["基本情况", "人财物投入", "自查评分"]
                .iter()
                .map(|s| book.worksheet_range(s).expect("sheet").used_cells().count())
                .sum::<usize>()
        })
        .sum();
    assert!(cells > files.len() * 100, "the floor read real content");
    start.elapsed()
}

fn cli(binary: &Path, dir: &Path, count: usize, checklists: Option<&Path>) -> Duration {
    let start = Instant::now();
    let mut command = Command::new(binary);
    command.arg("score");
    if let Some(checklists) = checklists {
        command.arg("--checklists").arg(checklists);
    }
    let output = command
        .arg("--json")
        .arg(dir)
        .output()
        .expect("run nianjian");
    let elapsed = start.elapsed();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(results.len(), count);
    assert!(results.iter().all(|r| r["ok"] == true));
    elapsed
}

/// A second-edition checklist with 60 deduction rows: 12 `deduct` items of
/// 5 defects (one counted once) and 8 `self` items, in two groups.
fn deduction_checklist() -> String {
    let mut toml = String::from(
        "id = \"deductions\"\nversion = \"1\"\ntitle = \"扣分细则（基准测试）\"\n\
         unit_kinds = [\"社区\"]\ntotal = 100\ndecimals = 2\n\n\
         [[inputs]]\nkey = \"has_plan\"\nlabel = \"有年度工作计划\"\ntype = \"yes_no\"\ngroup = \"其他\"\n\n\
         [[categories]]\ncode = \"A\"\nname = \"业务建设\"\n\n\
         [[categories]]\ncode = \"B\"\nname = \"基础管理\"\n\n\
         [[groups]]\ncode = \"AG\"\ncategory = \"A\"\ntitle = \"收集整理\"\n\n",
    );
    for n in 1..=12 {
        toml.push_str(&format!(
            "[[items]]\ncode = \"A{n}\"\ngroup = \"AG\"\ntitle = \"第 {n} 类档案收集齐全\"\nmax = 5\n\
             rule = \"deduct\"\nevidence = \"归档目录\"\ndeductions = [\
             {{ text = \"每缺一份\", points = 0.5 }}, {{ text = \"每份未编号\", points = 0.25 }}, \
             {{ text = \"每卷装订不规范\", points = 0.5 }}, {{ text = \"每处著录错误\", points = 0.25 }}, \
             {{ text = \"未编制目录\", points = 1, once = true }}]\n\n"
        ));
    }
    for n in 1..=8 {
        toml.push_str(&format!(
            "[[items]]\ncode = \"B{n}\"\ncategory = \"B\"\ntitle = \"管理要求 {n}\"\nmax = 5\nrule = \"self\"\n\n"
        ));
    }
    toml.push_str(
        "[[tiers]]\ncode = \"good\"\nname = \"良好档案室\"\nmin_total = 60\n\n\
         [[tiers]]\ncode = \"best\"\nname = \"优秀档案室\"\nmin_total = 90\n",
    );
    toml
}

/// Writes the checklist under `checklists` and `count` filled workbooks of
/// it under `dir`: counts mostly 0, now and then 1–3.
fn generate_deductions(checklists: &Path, dir: &Path, count: usize) -> Vec<PathBuf> {
    use nianjian::domain::random::SplitMix64;
    use nianjian::domain::{Answers, InputValue, ItemAnswer, Points, Rule};
    use nianjian::ingest::checklists::Catalog;
    use nianjian::reports::template::{Prefill, self_check_template};

    let toml = deduction_checklist();
    std::fs::create_dir_all(checklists.join("deductions")).expect("mkdir");
    std::fs::write(checklists.join("deductions/1.toml"), &toml).expect("write checklist");
    let catalog = Catalog::from_sources([("deductions/1.toml".to_string(), toml.as_str())])
        .expect("the benchmark checklist is valid");
    let checklist = catalog.get("deductions@1").expect("loaded");
    let mut rng = SplitMix64::new(60);
    (0..count)
        .map(|n| {
            let mut answers = Answers::default();
            answers
                .inputs
                .insert("has_plan".into(), InputValue::YesNo(rng.below(2) == 0));
            for item in &checklist.items {
                let answer = match &item.rule {
                    Rule::Deduct { deductions } => ItemAnswer::Counts(
                        deductions
                            .iter()
                            .map(|d| match (rng.below(5), d.once) {
                                (0, true) => 1,
                                (0, false) => 1 + rng.below(3) as u32,
                                _ => 0,
                            })
                            .collect(),
                    ),
                    _ => ItemAnswer::Points(Points(rng.below(11) as i32 * 50)),
                };
                answers.self_scores.insert(item.code.clone(), answer);
            }
            let prefill = Prefill {
                unit_name: Some(format!("单位{n:05}")),
                unit_code: Some(format!("33{n:07}")),
                unit_kind: Some("社区".into()),
                street: Some(common::STREETS[n % common::STREETS.len()].into()),
                year: Some(2024),
                target_tier: None,
                answers: Some(answers),
            };
            let path = dir.join(format!("{n:05}.xlsx"));
            let bytes = self_check_template(checklist, &prefill).expect("workbook");
            std::fs::write(&path, bytes).expect("write workbook");
            path
        })
        .collect()
}

fn report(
    label: &str,
    count: usize,
    floor: Duration,
    scored: Duration,
    baseline: Option<Duration>,
) -> f64 {
    let ratio = scored.as_secs_f64() / floor.as_secs_f64();
    let line = |what: &str, time: Duration| {
        println!(
            "  {what:<29}{:>8.3} s  {:>7.0} files/s",
            time.as_secs_f64(),
            count as f64 / time.as_secs_f64()
        );
    };
    println!("{label}");
    line("calamine read (floor)", floor);
    line("nianjian score --json (CLI)", scored);
    println!("  ratio CLI / floor            {ratio:>8.2}   (target ≤ 1.0)");
    if let Some(baseline) = baseline {
        line("baseline score --json", baseline);
        println!(
            "  ratio baseline / floor       {:>8.2}",
            baseline.as_secs_f64() / floor.as_secs_f64()
        );
    }
    ratio
}

fn main() {
    let count: usize = std::env::var("BENCH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir().expect("tempdir");
    let t = Instant::now();
    let files = common::generate(dir.path(), count, 2012);
    let bytes: u64 = files
        .iter()
        .map(|f| f.metadata().map(|m| m.len()).unwrap_or(0))
        .sum();
    eprintln!(
        "generated {count} workbooks ({:.1} MB) in {:.1} s",
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    // `BENCH_KEEP=DIR`: a copy of the workbooks to profile `score` on.
    if let Some(keep) = std::env::var_os("BENCH_KEEP") {
        let keep = PathBuf::from(keep);
        std::fs::create_dir_all(&keep).expect("mkdir BENCH_KEEP");
        for file in &files {
            let name = file.file_name().expect("file name");
            std::fs::copy(file, keep.join(name)).expect("copy to BENCH_KEEP");
        }
    }
    let second = tempfile::tempdir().expect("tempdir");
    let second_files = second.path().join("workbooks");
    std::fs::create_dir_all(&second_files).expect("mkdir");
    let checklists = second.path().join("checklists");
    let deduction_files = generate_deductions(&checklists, &second_files, count);

    let binary = Path::new(env!("CARGO_BIN_EXE_nianjian"));
    let baseline = std::env::var_os("BENCH_BASELINE").map(PathBuf::from);
    let run = |files: &[PathBuf], dir: &Path, checklists: Option<&Path>| {
        let mut floor = || calamine_floor(files);
        let mut scored = || cli(binary, dir, count, checklists);
        match &baseline {
            Some(old) => {
                let mut old = || cli(old, dir, count, checklists);
                let [f, s, o] = best_of_rounds(3, [&mut floor, &mut scored, &mut old]);
                (f, s, Some(o))
            }
            None => {
                let [f, s] = best_of_rounds(3, [&mut floor, &mut scored]);
                (f, s, None)
            }
        }
    };
    let (floor, scored, old) = run(&files, dir.path(), None);
    let (deduction_floor, deduction_scored, deduction_old) =
        run(&deduction_files, &second_files, Some(&checklists));
    println!("files                          {count} per case");
    let shipped = report("shipped checklists", count, floor, scored, old);
    let deductions = report(
        "second edition, 60 deduction rows",
        count,
        deduction_floor,
        deduction_scored,
        deduction_old,
    );
    println!(
        "60 deduction rows / shipped: CLI time {:.2}×, ratio to floor {:.2}×",
        deduction_scored.as_secs_f64() / scored.as_secs_f64(),
        deductions / shipped
    );
}
