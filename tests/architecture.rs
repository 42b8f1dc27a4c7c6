//! The layering rules, kept by grep: each outside crate is named only by the
//! layer that owns it, the pure core names no IO and reads no clock, and the
//! service modules import one another without a circle.
//! Test modules (`#[cfg(test)]` and below) may use anything.

use std::collections::{BTreeMap, BTreeSet};
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

/// Files that are test modules of their own (`#[cfg(test)] mod tests;` in
/// the file beside or above them): test code throughout.
fn test_module_files(files: &[PathBuf]) -> BTreeSet<PathBuf> {
    let mut found = BTreeSet::new();
    for path in files {
        let text = std::fs::read_to_string(path).expect("read source");
        let dir = if path
            .file_name()
            .is_some_and(|n| n == "mod.rs" || n == "lib.rs")
        {
            path.parent().expect("in a folder").to_path_buf()
        } else {
            path.with_extension("")
        };
        let mut lines = text.lines().map(str::trim);
        while let Some(line) = lines.next() {
            if line != "#[cfg(test)]" {
                continue;
            }
            let Some(next) = lines.next() else { break };
            let declared = next
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub ")
                .strip_prefix("mod ")
                .and_then(|rest| rest.strip_suffix(';'));
            if let Some(name) = declared {
                found.insert(dir.join(format!("{name}.rs")));
                found.insert(dir.join(name).join("mod.rs"));
            }
        }
    }
    found
}

/// Each file's text above its test module, with its path relative to src/.
fn production_code() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let tests = test_module_files(&files);
    files
        .into_iter()
        .filter(|path| !tests.contains(path))
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

/// The service modules named in `code`: `super::x` and `crate::service::x`,
/// and each name at the top level of `super::{x, y::z}`. A glob import
/// (`super::*`) would hide which modules are used: refused.
fn service_references(code: &str, modules: &BTreeSet<String>) -> Result<BTreeSet<String>, String> {
    let mut found = BTreeSet::new();
    for prefix in ["super::", "crate::service::"] {
        for (at, _) in code.match_indices(prefix) {
            let rest = &code[at + prefix.len()..];
            let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                // Up to the matching brace; entries split at the top level.
                let (mut depth, mut start, mut entries) = (0, 0, Vec::new());
                for (i, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => {
                            entries.push(&group[start..i]);
                            break;
                        }
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            entries.push(&group[start..i]);
                            start = i + 1;
                        }
                        _ => {}
                    }
                }
                entries
            } else {
                vec![rest]
            };
            for name in names {
                let name = name.trim_start();
                if name.starts_with('*') {
                    return Err(format!(
                        "a glob import `{prefix}*` hides which modules are used"
                    ));
                }
                let ident: String = name
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if modules.contains(&ident) {
                    found.insert(ident);
                }
            }
        }
    }
    Ok(found)
}

/// Which service modules each one imports, from their code by name.
fn service_graph(
    modules: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .iter()
        .map(|(name, code)| {
            service_references(code, &names)
                .map(|uses| (name.clone(), uses))
                .map_err(|e| format!("service/{name}.rs: {e}"))
        })
        .collect()
}

/// A circle of imports, as `a → b → a`, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<&'a str>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| *n == node) {
            let mut cycle: Vec<String> = path[start..].iter().map(|n| n.to_string()).collect();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, done, path) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node);
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut done, &mut Vec::new()))
}

/// The service modules (every `src/service/*.rs` but `mod.rs`) with their
/// production code.
fn service_modules() -> BTreeMap<String, String> {
    production_code()
        .into_iter()
        .filter_map(|(path, code)| {
            let file = path.strip_prefix("service/")?;
            let name = file.strip_suffix(".rs")?;
            (name != "mod").then(|| (name.to_string(), code))
        })
        .collect()
}

#[test]
fn service_modules_import_no_circle() {
    let modules = service_modules();
    // Sub-modules would read `super::` as their parent: the check would
    // need to learn that first.
    assert!(
        modules.keys().all(|name| !name.contains('/')),
        "src/service has sub-directories; teach this check about them"
    );
    let graph = service_graph(&modules).unwrap_or_else(|e| panic!("{e}"));
    // The reader sees the imports that are there (a plain path, a name in
    // a group), so an empty graph cannot pass for a clean one.
    assert!(graph["reviews"].contains("assessments"), "{graph:?}");
    assert!(graph["reports"].contains("rectifications"), "{graph:?}");
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "service modules import each other in a circle: {}",
            cycle.join(" → ")
        );
    }
}

#[test]
fn the_circle_check_catches_a_circle() {
    let fake = |files: &[(&str, &str)]| -> BTreeMap<String, String> {
        files
            .iter()
            .map(|(name, code)| (name.to_string(), code.to_string()))
            .collect()
    };
    let mut modules = fake(&[
        (
            "a",
            "use super::b::thing;\nuse super::{Actor, ServiceResult};",
        ),
        ("b", "use super::{Env, audit, c::{self, X}};"),
        ("c", "fn f() { crate::service::a::g(); }"),
        ("audit", "use super::Actor;\nuse crate::store::queries::a;"),
    ]);
    let graph = service_graph(&modules).expect("no globs");
    assert_eq!(
        graph["b"],
        BTreeSet::from(["audit".to_string(), "c".to_string()])
    );
    assert!(graph["audit"].is_empty(), "another crate's `a` is not ours");
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    // Without c's call back to a, no circle.
    modules.insert("c".into(), "fn f() { super::audit::g(); }".into());
    assert_eq!(
        find_cycle(&service_graph(&modules).expect("no globs")),
        None
    );
    // A module that imports itself is a circle of one.
    modules.insert("c".into(), "use super::c;".into());
    assert_eq!(
        find_cycle(&service_graph(&modules).expect("no globs")),
        Some(vec!["c".into(), "c".into()])
    );
    // A glob import is refused rather than read as nothing.
    modules.insert("c".into(), "use super::*;".into());
    assert!(service_graph(&modules).is_err());
}
