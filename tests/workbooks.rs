//! Workbooks written by other tools, scored by the real binary and compared item by
//! item with an independent implementation of the contract.
//!
//! The fixtures in `tests/fixtures/workbooks/` were written by openpyxl and
//! LibreOffice in layouts of their own (see the README there), and
//! `expected.json` holds what `oracle.py` — a second reading of the contract,
//! written without looking at `src/` — makes of each of them. This test needs
//! neither Python nor LibreOffice: it runs
//!
//! ```text
//! nianjian score --json --checklists checklists <every fixture>
//! ```
//!
//! once and compares each element of the answer with its expected one. Scored
//! workbooks must agree on unit, year, checklist, raw, applicable_max, total,
//! tier, grade, the vetoes' inputs, every item's code / max / points /
//! applicable, target_tier and whether there are gaps (gap and message texts are
//! free). Refused workbooks must name the same set of (sheet, cell) pairs.
//!
//! To regenerate the fixtures: `python3 tests/fixtures/workbooks/make_fixtures.py`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

/// Fixture name prefixes this test owns; other files in the folder belong to other tests.
const GROUPS: [&str; 4] = ["clean-", "messy-", "lo-", "broken-"];

struct Run {
    expected: Vec<Value>,
    actual: Vec<Value>,
    exit_code: Option<i32>,
    stderr: String,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/workbooks")
}

/// One call of the binary with every fixture, shared by the tests below.
fn run() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = fixtures();
        let text = std::fs::read_to_string(dir.join("expected.json")).expect("read expected.json");
        let expected: Vec<Value> = serde_json::from_str(&text).expect("parse expected.json");
        let files: Vec<PathBuf> = expected.iter().map(|e| dir.join(name_of(e))).collect();
        let out = Command::new(env!("CARGO_BIN_EXE_nianjian"))
            .arg("score")
            .arg("--json")
            .arg("--checklists")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("checklists"))
            .args(&files)
            .output()
            .expect("run nianjian score");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let actual: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout of `nianjian score --json` is not one JSON array ({e}).\nstdout:\n{}\nstderr:\n{stderr}",
                String::from_utf8_lossy(&out.stdout)
            )
        });
        assert_eq!(
            actual.len(),
            expected.len(),
            "one element per file expected ({} files); stderr:\n{stderr}",
            expected.len()
        );
        Run { expected, actual, exit_code: out.status.code(), stderr }
    })
}

fn name_of(v: &Value) -> &str {
    v["file"].as_str().expect("a file name")
}

// ----------------------------------------------------------------------------- comparison

const EPS: f64 = 1e-9;

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// Points and totals are JSON numbers with at most one decimal.
fn one_decimal(x: f64) -> bool {
    ((x * 10.0).round() - x * 10.0).abs() < 1e-6
}

struct Diff<'a> {
    lines: Vec<String>,
    exp: &'a Value,
    act: &'a Value,
}

impl<'a> Diff<'a> {
    fn new(exp: &'a Value, act: &'a Value) -> Self {
        Diff {
            lines: Vec::new(),
            exp,
            act,
        }
    }

    fn same(&mut self, field: &str, exp: &Value, act: &Value) {
        if exp != act {
            self.lines
                .push(format!("{field}: expected {exp}, got {act}"));
        }
    }

    fn field(&mut self, path: &str) {
        let (e, a) = (pointer(self.exp, path), pointer(self.act, path));
        self.same(path, &e, &a);
    }

    fn number(&mut self, field: &str, exp: &Value, act: &Value) {
        match (num(exp), num(act)) {
            (Some(e), Some(a)) => {
                if (e - a).abs() > EPS {
                    self.lines.push(format!("{field}: expected {e}, got {a}"));
                } else if !one_decimal(a) {
                    self.lines
                        .push(format!("{field}: {a} has more than one decimal"));
                }
            }
            _ => self.same(field, exp, act),
        }
    }
}

fn pointer(v: &Value, path: &str) -> Value {
    v.pointer(&format!("/{}", path.replace('.', "/")))
        .cloned()
        .unwrap_or(Value::Null)
}

fn errors_of(v: &Value) -> BTreeSet<(Option<String>, Option<String>)> {
    v["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["sheet"].as_str().map(str::to_owned),
                        e["cell"].as_str().map(str::to_owned),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn show(pair: &(Option<String>, Option<String>)) -> String {
    format!(
        "({}, {})",
        pair.0.as_deref().unwrap_or("null"),
        pair.1.as_deref().unwrap_or("null")
    )
}

fn compare(exp: &Value, act: &Value) -> Vec<String> {
    let mut d = Diff::new(exp, act);
    let name = name_of(exp);
    match act["file"].as_str() {
        Some(f) if f.ends_with(name) => {}
        other => d
            .lines
            .push(format!("file: expected …/{name}, got {other:?}")),
    }
    d.field("ok");
    if exp["ok"] != act["ok"] {
        if let Some(errors) = act["errors"].as_array() {
            for e in errors {
                d.lines.push(format!("  reported: {e}"));
            }
        }
        if exp["ok"] == Value::Bool(false) {
            for pair in errors_of(exp) {
                d.lines
                    .push(format!("  expected problem at {}", show(&pair)));
            }
        }
        return d.lines;
    }
    if exp["ok"] == Value::Bool(false) {
        let (e, a) = (errors_of(exp), errors_of(act));
        for missing in e.difference(&a) {
            let msg = exp["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|x| {
                    (x["sheet"].as_str(), x["cell"].as_str())
                        == (missing.0.as_deref(), missing.1.as_deref())
                })
                .map(|x| x["message"].to_string())
                .unwrap_or_default();
            d.lines.push(format!(
                "problem not reported at {} (oracle: {msg})",
                show(missing)
            ));
        }
        for extra in a.difference(&e) {
            let msg = act["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|x| {
                    (x["sheet"].as_str(), x["cell"].as_str())
                        == (extra.0.as_deref(), extra.1.as_deref())
                })
                .map(|x| x["message"].to_string())
                .unwrap_or_default();
            d.lines
                .push(format!("unexpected problem at {} ({msg})", show(extra)));
        }
        return d.lines;
    }

    for f in [
        "unit.code",
        "unit.name",
        "unit.kind",
        "unit.street",
        "year",
        "checklist",
    ] {
        d.field(f);
    }
    for f in ["raw", "applicable_max", "total"] {
        d.number(f, &exp[f], &act[f]);
    }
    d.field("tier.code");
    d.field("tier.name");
    if exp["tier"].is_null() != act["tier"].is_null() {
        d.same("tier", &exp["tier"], &act["tier"]);
    }
    d.field("grade");
    let inputs = |v: &Value| -> Vec<Value> {
        v["vetoes"]
            .as_array()
            .map(|a| a.iter().map(|x| x["input"].clone()).collect())
            .unwrap_or_default()
    };
    d.same(
        "vetoes[].input",
        &Value::from(inputs(exp)),
        &Value::from(inputs(act)),
    );
    if !act["vetoes"].is_array() {
        d.lines
            .push(format!("vetoes: expected a list, got {}", act["vetoes"]));
    }
    d.field("target_tier");
    let gaps = |v: &Value| v["gaps"].as_array().map(|g| !g.is_empty());
    match (gaps(exp), gaps(act)) {
        (Some(e), Some(a)) if e == a => {}
        (e, a) => d.lines.push(format!(
            "gaps: expected {}, got {} ({})",
            if e == Some(true) { "some" } else { "none" },
            match a {
                Some(true) => "some",
                Some(false) => "none",
                None => "no list",
            },
            act["gaps"]
        )),
    }

    let empty = Vec::new();
    let (ei, ai) = (
        exp["items"].as_array().unwrap_or(&empty),
        act["items"].as_array().unwrap_or(&empty),
    );
    if ei.len() != ai.len() {
        d.lines.push(format!(
            "items: expected {} items, got {}",
            ei.len(),
            ai.len()
        ));
    }
    for (k, (e, a)) in ei.iter().zip(ai).enumerate() {
        let code = e["code"].as_str().unwrap_or("?");
        d.same(&format!("items[{k}].code"), &e["code"], &a["code"]);
        d.number(&format!("item {code} max"), &e["max"], &a["max"]);
        d.number(&format!("item {code} points"), &e["points"], &a["points"]);
        d.same(
            &format!("item {code} applicable"),
            &e["applicable"],
            &a["applicable"],
        );
    }
    d.lines
}

fn check_group(prefix: &str) {
    let run = run();
    let mut report = Vec::new();
    let mut checked = 0;
    for (exp, act) in run.expected.iter().zip(&run.actual) {
        if !name_of(exp).starts_with(prefix) {
            continue;
        }
        checked += 1;
        let lines = compare(exp, act);
        if !lines.is_empty() {
            report.push(format!("{}:\n    {}", name_of(exp), lines.join("\n    ")));
        }
    }
    assert!(checked > 0, "no {prefix}* fixture in expected.json");
    assert!(
        report.is_empty(),
        "{} of {checked} {prefix}* workbooks differ from expected.json (the oracle's reading of the contract):\n\n{}\n\nstderr:\n{}",
        report.len(),
        report.join("\n\n"),
        run.stderr
    );
}

// ----------------------------------------------------------------------------- tests

#[test]
fn clean_workbooks_score_as_expected() {
    check_group("clean-");
}

#[test]
fn messy_workbooks_score_as_expected() {
    check_group("messy-");
}

#[test]
fn workbooks_written_by_libreoffice_as_ods_and_xls_score_as_expected() {
    check_group("lo-");
}

#[test]
fn broken_workbooks_are_refused_naming_the_right_cells() {
    check_group("broken-");
}

#[test]
fn one_call_refuses_the_invalid_and_still_scores_the_valid() {
    let run = run();
    assert_eq!(
        run.exit_code,
        Some(2),
        "some fixtures are invalid, so the exit code is 2; stderr:\n{}",
        run.stderr
    );
    for (exp, act) in run.expected.iter().zip(&run.actual) {
        if exp["ok"] == Value::Bool(true) {
            assert_eq!(
                act["ok"],
                Value::Bool(true),
                "{} was not scored: {act}",
                name_of(exp)
            );
            assert!(
                act["total"].is_number(),
                "{} has no total: {act}",
                name_of(exp)
            );
        } else {
            assert_eq!(
                act["ok"],
                Value::Bool(false),
                "{} was not refused: {act}",
                name_of(exp)
            );
            let errors = act["errors"].as_array().map(Vec::len).unwrap_or(0);
            assert!(
                errors > 0,
                "{} was refused without a problem listed: {act}",
                name_of(exp)
            );
        }
    }
}

#[test]
fn every_fixture_file_has_an_expected_result() {
    let run = run();
    let listed: BTreeSet<&str> = run.expected.iter().map(name_of).collect();
    let mut unlisted = Vec::new();
    for entry in std::fs::read_dir(fixtures()).expect("read the fixture folder") {
        let name = entry
            .expect("a folder entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if GROUPS.iter().any(|g| name.starts_with(g)) && !listed.contains(name.as_str()) {
            unlisted.push(name);
        }
    }
    assert!(
        unlisted.is_empty(),
        "fixtures missing from expected.json (rerun make_fixtures.py): {unlisted:?}"
    );
    for name in &listed {
        assert!(
            fixtures().join(name).is_file(),
            "expected.json lists {name}, which is not in the folder"
        );
    }
}

/// The JSON of `score --json` as outside scripts read it (contract §3),
/// kept as a snapshot: one scored workbook and one refused, file paths
/// made relative.
#[test]
fn score_json_is_as_snapshotted() {
    let dir = fixtures();
    let files = ["clean-community2013.xlsx", "broken-many.xlsx"];
    let out = Command::new(env!("CARGO_BIN_EXE_nianjian"))
        .arg("score")
        .arg("--json")
        .arg("--checklists")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("checklists"))
        .args(files.iter().map(|f| dir.join(f)))
        .output()
        .expect("run nianjian score");
    let text = String::from_utf8(out.stdout)
        .expect("utf-8")
        .replace(&format!("{}/", dir.display()), "");
    let value: Value = serde_json::from_str(&text).expect("json");
    insta::assert_snapshot!(
        "score_json",
        serde_json::to_string_pretty(&value).expect("pretty")
    );
}
