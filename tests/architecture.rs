//! The layering rules, kept by grep: each outside crate is named only by the
//! layer that owns it, and the pure core names no IO and reads no clock.
//! Test modules (`#[cfg(test)]` and below) may use anything.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// Each file's text above its test module, with its path relative to src/.
fn production_code() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("read source");
            // Above the test module, without comments (docs may name anything).
            let code: String = text
                .split("#[cfg(test)]")
                .next()
                .unwrap_or("")
                .lines()
                .filter(|line| !line.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            let relative = path
                .strip_prefix(&root)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            (relative, code)
        })
        .collect()
}

/// `needle` may appear only in files whose path starts with one of `allowed`.
fn only_in(needle: &str, allowed: &[&str]) -> Vec<String> {
    production_code()
        .into_iter()
        .filter(|(path, code)| {
            code.contains(needle) && !allowed.iter().any(|a| path.starts_with(a))
        })
        .map(|(path, _)| format!("{needle} in {path}"))
        .collect()
}

#[test]
fn each_outside_crate_stays_in_its_layer() {
    let mut violations = Vec::new();
    violations.extend(only_in("diesel", &["store/"]));
    violations.extend(only_in("calamine", &["ingest/"]));
    violations.extend(only_in("rust_xlsxwriter", &["reports/"]));
    violations.extend(only_in("handlebars", &["reports/"]));
    violations.extend(only_in("actix", &["web/", "cli/server.rs"]));
    assert!(
        violations.is_empty(),
        "layering broken:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_core_is_pure() {
    let mut violations = Vec::new();
    for (path, code) in production_code()
        .into_iter()
        .filter(|(p, _)| p.starts_with("domain/"))
    {
        for forbidden in [
            "std::fs",
            "std::net",
            "std::io",
            "Utc::now",
            "Local::now",
            "SystemTime",
            "utoipa",
            "serde_json",
            "toml::",
        ] {
            if code.contains(forbidden) {
                violations.push(format!("{forbidden} in {path}"));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "domain must stay pure:\n{}",
        violations.join("\n")
    );
}

#[test]
fn only_the_edges_read_the_clock() {
    let violations: Vec<String> = ["Utc::now", "Local::now", "SystemTime::now"]
        .iter()
        .flat_map(|needle| only_in(needle, &["web/", "cli/"]))
        .collect();
    assert!(
        violations.is_empty(),
        "the clock is read at the edge and passed in:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_rule_can_catch_a_violation() {
    // The scanner itself works: diesel is named in store/, so a rule that
    // allowed nowhere would report it.
    assert!(!only_in("diesel", &[]).is_empty());
}
