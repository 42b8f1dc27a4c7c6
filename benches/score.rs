//! `cargo bench --bench score`: scores N generated workbooks (default 1,000,
//! `BENCH_FILES` to change) through the real CLI (`nianjian score --json`,
//! both cores), and compares with the floor: reading the same files' three
//! sheets with calamine alone, also on both cores. Best of three runs each.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use calamine::Reader;
use rayon::prelude::*;

fn best_of(runs: usize, mut run: impl FnMut() -> Duration) -> Duration {
    (0..runs).map(|_| run()).min().expect("at least one run")
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

fn cli(dir: &Path, count: usize) -> Duration {
    let start = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_nianjian"))
        .args(["score", "--json"])
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

    let floor = best_of(3, || calamine_floor(&files));
    let scored = best_of(3, || cli(dir.path(), count));
    let ratio = scored.as_secs_f64() / floor.as_secs_f64();
    println!("files                          {count}");
    println!(
        "calamine read (floor)          {:>8.3} s  {:>7.0} files/s",
        floor.as_secs_f64(),
        count as f64 / floor.as_secs_f64()
    );
    println!(
        "nianjian score --json (CLI)    {:>8.3} s  {:>7.0} files/s",
        scored.as_secs_f64(),
        count as f64 / scored.as_secs_f64()
    );
    println!("ratio CLI / floor              {ratio:>8.2}   (target ≤ 1.5)");
}
