//! The layering rules, kept by reading the source: each outside crate is
//! named only by the layer that owns it, the pure core names no IO and reads
//! no clock, our own layers point down only
//! (web, cli → service → ingest, store, reports, delivery → domain) and the service
//! modules import one another without a circle.
//!
//! Test modules (`#[cfg(test)] mod x { … }` and `#[cfg(test)] mod x;` with
//! its file) may use anything; the code around them is checked. Comments
//! never count. Paths are resolved: `use crate::a::…`, `crate::a::` inline,
//! `super::super::`, `self::`, groups `use crate::{a, b::{c, d}}`, and names
//! brought in by `use` then used as `name::…`.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;

// ---------------------------------------------------------------------------
// Reading the source

/// Every `.rs` file under `dir`, as (path relative to `root`, text).
fn read_tree(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            read_tree(root, &path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            let relative = path
                .strip_prefix(root)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            out.push((relative, std::fs::read_to_string(&path).expect("read")));
        }
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Writes `c` as blanks of the same byte length (a newline stays), so that
/// offsets and line numbers still match the file.
fn hide(out: &mut String, c: char) {
    if c == '\n' {
        out.push('\n');
    } else {
        out.extend(std::iter::repeat_n(' ', c.len_utf8()));
    }
}

/// `text` with its comments blanked and, unless `keep_literals`, the insides
/// of its string and char literals too (so that braces and paths in them do
/// not count).
fn blank(text: &str, keep_literals: bool) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let literal = |out: &mut String, ch: char| {
        if keep_literals {
            out.push(ch);
        } else {
            hide(out, ch);
        }
    };
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                hide(&mut out, c[i]);
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            // Block comments nest.
            let mut depth = 0;
            while i < c.len() {
                let pair = (c[i], c.get(i + 1).copied());
                if pair == ('/', Some('*')) || pair == ('*', Some('/')) {
                    depth += if pair.0 == '/' { 1 } else { -1 };
                    hide(&mut out, c[i]);
                    hide(&mut out, c[i + 1]);
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    hide(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if ch == '"' {
            // A string (its b or c prefix went out with the identifiers).
            out.push('"');
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' && i + 1 < c.len() {
                    literal(&mut out, c[i]);
                    i += 1;
                }
                literal(&mut out, c[i]);
                i += 1;
            }
            if i < c.len() {
                out.push('"');
                i += 1;
            }
        } else if is_ident_char(ch) && (i == 0 || !is_ident_char(c[i - 1])) {
            let start = i;
            while i < c.len() && is_ident_char(c[i]) {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            out.push_str(&word);
            // r"…", r#"…"#, br"…": a raw string, to the quote and as many #.
            let mut j = i;
            while j < c.len() && c[j] == '#' {
                j += 1;
            }
            if matches!(word.as_str(), "r" | "br" | "cr") && c.get(j) == Some(&'"') {
                let hashes = j - i;
                out.extend(&c[i..=j]);
                i = j + 1;
                while i < c.len() {
                    if c[i] == '"' && (1..=hashes).all(|h| c.get(i + h) == Some(&'#')) {
                        out.extend(&c[i..=i + hashes]);
                        i += hashes + 1;
                        break;
                    }
                    literal(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if ch == '\'' && next == Some('\\') {
            // An escaped char literal: '\'' '\\' '\u{7b}'.
            out.push('\'');
            i += 1;
            while i < c.len() && c[i] != '\'' {
                if c[i] == '\\' && i + 1 < c.len() {
                    literal(&mut out, c[i]);
                    i += 1;
                }
                literal(&mut out, c[i]);
                i += 1;
            }
            if i < c.len() {
                out.push('\'');
                i += 1;
            }
        } else if ch == '\'' && next.is_some() && c.get(i + 2) == Some(&'\'') {
            // A char literal '{'; anything else after ' is a lifetime or label.
            out.push('\'');
            literal(&mut out, c[i + 1]);
            out.push('\'');
            i += 3;
        } else {
            out.push(ch);
            i += 1;
        }
    }
    out
}

/// A cursor over blanked code, for the few shapes the checks need.
struct Cursor<'a> {
    code: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn skip_space(&mut self) {
        while self.code.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }
    /// Eats `word` (after blanks) when it stands whole there.
    fn eat(&mut self, word: &str) -> bool {
        self.skip_space();
        let end = self.at + word.len();
        let whole = self.code.get(self.at..end) == Some(word.as_bytes())
            && !(word.as_bytes()[0].is_ascii_alphabetic()
                && self
                    .code
                    .get(end)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_'));
        if whole {
            self.at = end;
        }
        whole
    }
    fn ident(&mut self) -> Option<String> {
        self.skip_space();
        let start = self.at;
        while self
            .code
            .get(self.at)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            self.at += 1;
        }
        (self.at > start).then(|| String::from_utf8_lossy(&self.code[start..self.at]).into())
    }
    /// From an opening bracket to just after its match.
    fn skip_group(&mut self, open: u8, close: u8) -> bool {
        let mut depth = 0;
        while let Some(&b) = self.code.get(self.at) {
            self.at += 1;
            if b == open {
                depth += 1;
            } else if b == close {
                depth -= 1;
                if depth == 0 {
                    return true;
                }
            }
        }
        false
    }
}

/// The test modules of blanked `code`: `#[cfg(test)]`, perhaps more
/// attributes and a visibility, `mod name` and then `;` or a block to its
/// matching brace. Their byte ranges, and the names of those that are files
/// of their own (`mod name;`). Other `#[cfg(test)]` items (a helper `fn`)
/// are not skipped: only modules are test code throughout.
fn test_modules(code: &str) -> (Vec<Range<usize>>, Vec<String>) {
    let (mut ranges, mut files) = (Vec::new(), Vec::new());
    let bytes = code.as_bytes();
    for (start, _) in code.match_indices('#') {
        let mut c = Cursor {
            code: bytes,
            at: start + 1,
        };
        let is_cfg_test = ["[", "cfg", "(", "test", ")", "]"].iter().all(|w| c.eat(w));
        if !is_cfg_test {
            continue;
        }
        loop {
            c.skip_space();
            if bytes.get(c.at..c.at + 2) != Some(b"#[") {
                break;
            }
            c.at += 1;
            c.skip_group(b'[', b']');
        }
        if c.eat("pub") {
            c.skip_space();
            if bytes.get(c.at) == Some(&b'(') {
                c.skip_group(b'(', b')');
            }
        }
        if !c.eat("mod") {
            continue;
        }
        let Some(name) = c.ident() else { continue };
        c.skip_space();
        match bytes.get(c.at) {
            Some(b';') => {
                ranges.push(start..c.at + 1);
                files.push(name);
            }
            Some(b'{') => {
                c.skip_group(b'{', b'}');
                ranges.push(start..c.at);
            }
            _ => {}
        }
    }
    (ranges, files)
}

/// `code` with the byte ranges blanked.
fn without(code: &str, ranges: &[Range<usize>]) -> String {
    let mut out = String::with_capacity(code.len());
    for (at, ch) in code.char_indices() {
        if ranges.iter().any(|r| r.contains(&at)) {
            hide(&mut out, ch);
        } else {
            out.push(ch);
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    Sep,
    Punct(char),
}

/// Identifiers, `::` and punctuation of blanked code, with their offsets.
fn tokens(code: &str) -> Vec<(Tok, usize)> {
    let mut out = Vec::new();
    let mut chars = code.char_indices().peekable();
    while let Some((at, ch)) = chars.next() {
        if ch.is_whitespace() {
            continue;
        }
        if is_ident_char(ch) || ch == '$' {
            let mut word = String::from(ch);
            while let Some(&(_, c)) = chars.peek().filter(|(_, c)| is_ident_char(*c)) {
                word.push(c);
                chars.next();
            }
            // `$crate` in a macro is the crate; other `$x` are no names.
            let word = word.strip_prefix('$').unwrap_or(&word).to_string();
            if !word.is_empty() && !word.starts_with(|c: char| c.is_ascii_digit()) {
                out.push((Tok::Ident(word), at));
            }
        } else if ch == ':' && chars.peek().is_some_and(|(_, c)| *c == ':') {
            chars.next();
            out.push((Tok::Sep, at));
        } else {
            out.push((Tok::Punct(ch), at));
        }
    }
    out
}

/// One name of a crate module or item a file uses, resolved to its path
/// from the crate root (`["store", "queries", "units", "get"]`).
#[derive(Debug, Clone)]
struct Ref {
    path: Vec<String>,
    /// `use x::*`: everything under `path`.
    glob: bool,
    line: usize,
}

impl Ref {
    /// The item named, without what follows a type (`Db::open` is `Db`):
    /// how the allow-list counts places.
    fn item(&self) -> String {
        let end = self
            .path
            .iter()
            .position(|s| s.starts_with(|c: char| c.is_ascii_uppercase()))
            .map_or(self.path.len(), |i| i + 1);
        let mut s = self.path[..end].join("::");
        if self.glob && end == self.path.len() {
            s.push_str(if s.is_empty() { "*" } else { "::*" });
        }
        s
    }

    fn shown(&self) -> String {
        let mut s = self.path.join("::");
        if self.glob {
            s.push_str(if s.is_empty() { "*" } else { "::*" });
        }
        s
    }
}

/// A leaf of a use tree: its path as written, the name it brings in.
struct UseLeaf {
    path: Vec<String>,
    alias: Option<String>,
    glob: bool,
    scope: Vec<String>,
    at: usize,
}

/// Reads a use tree from `toks[*i]` on, under `prefix`.
fn use_tree(
    toks: &[(Tok, usize)],
    i: &mut usize,
    prefix: Vec<String>,
    scope: &[String],
    out: &mut Vec<UseLeaf>,
) {
    let mut path = prefix;
    let at = toks.get(*i).map_or(0, |t| t.1);
    let leaf = |path: Vec<String>, alias, glob| UseLeaf {
        path,
        alias,
        glob,
        scope: scope.to_vec(),
        at,
    };
    if toks.get(*i).map(|t| &t.0) == Some(&Tok::Sep) {
        *i += 1; // `use ::std::…`
    }
    loop {
        match toks.get(*i).map(|t| &t.0) {
            Some(Tok::Ident(name)) => {
                path.push(name.clone());
                *i += 1;
                if toks.get(*i).map(|t| &t.0) == Some(&Tok::Sep) {
                    *i += 1;
                } else {
                    break;
                }
            }
            Some(Tok::Punct('{')) => {
                *i += 1;
                while let Some((tok, _)) = toks.get(*i) {
                    match tok {
                        Tok::Punct('}') => {
                            *i += 1;
                            return;
                        }
                        Tok::Punct(',') => *i += 1,
                        _ => {
                            let before = *i;
                            use_tree(toks, i, path.clone(), scope, out);
                            if *i == before {
                                *i += 1;
                            }
                        }
                    }
                }
                return;
            }
            Some(Tok::Punct('*')) => {
                *i += 1;
                out.push(leaf(path, None, true));
                return;
            }
            _ => return,
        }
    }
    // `a::{self}` is `a`.
    if path.len() > 1 && path.last().is_some_and(|s| s == "self") {
        path.pop();
    }
    let alias = if toks.get(*i).map(|t| &t.0) == Some(&Tok::Ident("as".into())) {
        *i += 1;
        let alias = match toks.get(*i).map(|t| &t.0) {
            Some(Tok::Ident(a)) if a != "_" => Some(a.clone()),
            _ => None,
        };
        *i += 1;
        alias
    } else {
        path.last().cloned()
    };
    out.push(leaf(path, alias, false));
}

/// What a path names from the crate root, if it starts at our crate:
/// `crate`, `self`, `super` (repeated), a child module, or a name brought in
/// by `use`. Paths into other crates give `None`.
fn resolve(
    segments: &[String],
    scope: &[String],
    aliases: &BTreeMap<String, Vec<String>>,
    children: &BTreeSet<String>,
) -> Option<Vec<String>> {
    let (head, mut rest) = segments.split_first()?;
    let mut base = match head.as_str() {
        // The binary names the library by its name.
        "crate" | "nianjian" => Vec::new(),
        "self" => scope.to_vec(),
        "super" => {
            let mut up = scope.to_vec();
            up.pop()?;
            while rest.first().is_some_and(|s| s == "super") {
                up.pop()?;
                rest = &rest[1..];
            }
            up
        }
        name if aliases.contains_key(name) => aliases[name].clone(),
        name if children.contains(name) => {
            let mut child = scope.to_vec();
            child.push(name.to_string());
            child
        }
        _ => return None,
    };
    base.extend(rest.iter().cloned());
    Some(base)
}

/// A production file of the crate, read for the rules.
#[derive(Debug)]
struct Source {
    /// Relative to src/, e.g. `web/api/reports.rs`.
    file: String,
    /// Its module path, e.g. `["web", "api", "reports"]`.
    module: Vec<String>,
    /// Comments and test modules blanked; literals kept (outside crates are
    /// checked by name, as before, literals included).
    code: String,
    /// The crate paths it names.
    refs: Vec<Ref>,
}

impl Source {
    /// `domain`, `ingest`, … ; the binary's main.rs is the command line.
    fn layer(&self) -> &str {
        if self.file == "main.rs" {
            return "cli";
        }
        self.module.first().map_or("", String::as_str)
    }
}

fn module_of(file: &str) -> Vec<String> {
    let stem = file.strip_suffix(".rs").unwrap_or(file);
    let mut module: Vec<String> = stem.split('/').map(String::from).collect();
    if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
        module.pop();
    }
    module
}

/// Reads each file (path relative to src/, text); files that are test
/// modules of their own, and everything under them, are left out.
fn analyse(files: &[(String, String)]) -> Vec<Source> {
    let mut test_paths: Vec<Vec<String>> = Vec::new();
    let mut read = Vec::new();
    for (file, text) in files {
        let module = module_of(file);
        let bare = blank(text, false);
        let (ranges, test_files) = test_modules(&bare);
        for name in test_files {
            let mut path = module.clone();
            path.push(name);
            test_paths.push(path);
        }
        let bare = without(&bare, &ranges);
        let code = without(&blank(text, true), &ranges);
        let refs = references(&bare, &module);
        read.push(Source {
            file: file.clone(),
            module,
            code,
            refs,
        });
    }
    read.retain(|s| !test_paths.iter().any(|t| s.module.starts_with(t)));
    read
}

/// The crate paths `code` (blanked) names, from inside `module`.
fn references(code: &str, module: &[String]) -> Vec<Ref> {
    let toks = tokens(code);
    let line = |at: usize| code[..at].matches('\n').count() + 1;
    let ident = |i: usize| match toks.get(i).map(|t| &t.0) {
        Some(Tok::Ident(s)) => Some(s.as_str()),
        _ => None,
    };
    let punct = |i: usize, p: char| toks.get(i).map(|t| &t.0) == Some(&Tok::Punct(p));

    // One pass for the module around each token (inline `mod x { … }`),
    // the child modules, the use trees and where they stand.
    let mut scopes: Vec<Vec<String>> = Vec::with_capacity(toks.len());
    let mut children = BTreeSet::new();
    let mut leaves = Vec::new();
    let mut in_use = vec![false; toks.len()];
    let (mut depth, mut open): (usize, Vec<(String, usize)>) = (0, Vec::new());
    let mut i = 0;
    while i < toks.len() {
        let scope: Vec<String> = module
            .iter()
            .cloned()
            .chain(open.iter().map(|(n, _)| n.clone()))
            .collect();
        if ident(i) == Some("mod")
            && let Some(name) = ident(i + 1)
        {
            children.insert(name.to_string());
            if punct(i + 2, '{') {
                // Its block starts at the brace below.
                open.push((name.to_string(), depth + 1));
            }
        }
        if ident(i) == Some("use") && (i == 0 || !matches!(toks[i - 1].0, Tok::Sep)) {
            let start = i;
            i += 1;
            use_tree(&toks, &mut i, Vec::new(), &scope, &mut leaves);
            for flag in &mut in_use[start..i.min(toks.len())] {
                *flag = true;
            }
            for _ in start..i.min(toks.len()) {
                scopes.push(scope.clone());
            }
            continue;
        }
        match toks[i].0 {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth = depth.saturating_sub(1);
                if open.last().is_some_and(|(_, d)| *d > depth) {
                    open.pop();
                }
            }
            _ => {}
        }
        scopes.push(scope);
        i += 1;
    }

    // Names brought in by `use`, resolved in turns: `use crate::service;`
    // lets a later `use service::x;` start from it.
    let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut refs = Vec::new();
    let mut pending: Vec<&UseLeaf> = leaves.iter().collect();
    loop {
        let before = pending.len();
        pending.retain(|leaf| {
            let Some(path) = resolve(&leaf.path, &leaf.scope, &aliases, &children) else {
                return true;
            };
            if let Some(alias) = &leaf.alias {
                aliases.insert(alias.clone(), path.clone());
            }
            refs.push(Ref {
                path,
                glob: leaf.glob,
                line: line(leaf.at),
            });
            false
        });
        if pending.len() == before {
            break;
        }
    }

    // Paths in the code: a name followed by `::`, not itself inside a path.
    let mut i = 0;
    while i < toks.len() {
        let starts = !in_use[i]
            && ident(i).is_some()
            && toks.get(i + 1).map(|t| &t.0) == Some(&Tok::Sep)
            && (i == 0 || toks[i - 1].0 != Tok::Sep);
        if !starts {
            i += 1;
            continue;
        }
        let at = toks[i].1;
        let mut segments = Vec::new();
        while let Some(name) = ident(i) {
            segments.push(name.to_string());
            if toks.get(i + 1).map(|t| &t.0) == Some(&Tok::Sep) && ident(i + 2).is_some() {
                i += 2;
            } else {
                break;
            }
        }
        if let Some(path) = resolve(&segments, &scopes[i], &aliases, &children) {
            refs.push(Ref {
                path,
                glob: false,
                line: line(at),
            });
        }
        i += 1;
    }
    refs
}

fn production_code() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    read_tree(&root, &root, &mut files);
    analyse(&files)
}

/// Files in memory, for the tests of the checks themselves.
fn fake(files: &[(&str, &str)]) -> Vec<Source> {
    let files: Vec<(String, String)> = files
        .iter()
        .map(|(f, t)| (f.to_string(), t.to_string()))
        .collect();
    analyse(&files)
}

// ---------------------------------------------------------------------------
// The rules, each over a set of sources, giving its violations

/// `needle` may appear only in files whose path starts with one of `allowed`.
fn only_in(sources: &[Source], needle: &str, allowed: &[&str]) -> Vec<String> {
    sources
        .iter()
        .filter(|s| s.code.contains(needle) && !allowed.iter().any(|a| s.file.starts_with(a)))
        .map(|s| format!("{needle} in {}", s.file))
        .collect()
}

fn outside_crates(sources: &[Source]) -> Vec<String> {
    let mut violations = Vec::new();
    violations.extend(only_in(sources, "diesel", &["store/"]));
    violations.extend(only_in(sources, "calamine", &["ingest/"]));
    violations.extend(only_in(sources, "rust_xlsxwriter", &["reports/"]));
    violations.extend(only_in(sources, "handlebars", &["reports/"]));
    violations.extend(only_in(sources, "lettre", &["delivery/"]));
    violations.extend(only_in(sources, "ureq", &["delivery/"]));
    violations.extend(only_in(sources, "actix", &["web/", "cli/server.rs"]));
    violations
}

fn impure_core(sources: &[Source]) -> Vec<String> {
    let mut violations = Vec::new();
    for s in sources.iter().filter(|s| s.layer() == "domain") {
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
            if s.code.contains(forbidden) {
                violations.push(format!("{forbidden} in {}", s.file));
            }
        }
    }
    violations
}

fn clock_off_the_edge(sources: &[Source]) -> Vec<String> {
    ["Utc::now", "Local::now", "SystemTime::now"]
        .iter()
        .flat_map(|needle| only_in(sources, needle, &["web/", "cli/"]))
        .collect()
}

/// Whether `r` names something under `module` (a glob over a module above
/// it counts: it may bring in anything there).
fn names(r: &Ref, module: &[&str]) -> bool {
    let under = r.path.len() >= module.len() && r.path.iter().zip(module).all(|(a, b)| a == b);
    let above =
        r.glob && r.path.len() < module.len() && r.path.iter().zip(module).all(|(a, b)| a == b);
    under || above
}

/// The modules a layer must not name, and why.
fn below_only(layer: &str) -> (&'static [&'static str], &'static str) {
    match layer {
        "domain" => (
            &[
                "ingest", "store", "reports", "delivery", "service", "web", "cli",
            ],
            "domain is the pure core and names no other layer",
        ),
        "ingest" | "store" | "reports" | "delivery" => (
            &["service", "web", "cli"],
            "ingest, store, reports and delivery lie below the service",
        ),
        "service" => (&["web", "cli"], "the service lies below web and cli"),
        _ => (&[], ""),
    }
}

/// The report modules that write files or pages: web and cli reach them
/// through the service, not directly.
const RENDERERS: [&str; 7] = [
    "authoring",
    "district_xlsx",
    "notice_xlsx",
    "html",
    "svg",
    "template",
    "checklist_diff",
];

/// Arrows pointing up: always violations.
fn upward(sources: &[Source]) -> Vec<String> {
    let mut violations = Vec::new();
    for s in sources {
        let (forbidden, why) = below_only(s.layer());
        for r in &s.refs {
            if let Some(m) = forbidden.iter().find(|m| names(r, &[**m])) {
                violations.push(format!(
                    "{}:{}: crate::{} names `{m}` — {why}",
                    s.file,
                    r.line,
                    r.shown()
                ));
            }
        }
    }
    violations
}

/// Where web or cli name `store` or a renderer, by file and path, with the
/// lines.
fn shortcuts(sources: &[Source]) -> BTreeMap<(String, String), Vec<usize>> {
    let mut found: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for s in sources
        .iter()
        .filter(|s| matches!(s.layer(), "web" | "cli"))
    {
        for r in &s.refs {
            let renderer = RENDERERS.iter().any(|m| names(r, &["reports", *m]));
            if names(r, &["store"]) || renderer {
                found
                    .entry((s.file.clone(), r.item()))
                    .or_default()
                    .push(r.line);
            }
        }
    }
    found
}

/// Web and cli past the service, to the store or a renderer: where an
/// entry of `allowed` (file, path, how many times) holds exactly, nothing;
/// anything more is new, anything less means the list can shrink.
fn shortcuts_beyond(sources: &[Source], allowed: &[(&str, &str, usize)]) -> Vec<String> {
    let found = shortcuts(sources);
    let mut violations = Vec::new();
    for ((file, path), lines) in &found {
        let lines_shown = lines
            .iter()
            .map(|l| format!("{file}:{l}"))
            .collect::<Vec<_>>()
            .join(", ");
        match allowed.iter().find(|(f, p, _)| f == file && p == path) {
            None => violations.push(format!(
                "{lines_shown}: crate::{path} — web and cli go through the service, not to the store or a renderer"
            )),
            Some((_, _, n)) if lines.len() > *n => violations.push(format!(
                "{lines_shown}: crate::{path} named {} times, {n} allowed — web and cli go through the service",
                lines.len()
            )),
            Some((_, _, n)) if lines.len() < *n => violations.push(format!(
                "{file}: crate::{path} is named {} times now, the allow-list says {n}: lower it",
                lines.len()
            )),
            Some(_) => {}
        }
    }
    for (file, path, _) in allowed {
        if !found.contains_key(&(file.to_string(), path.to_string())) {
            violations.push(format!(
                "{file}: crate::{path} is no longer named: remove it from the allow-list"
            ));
        }
    }
    violations
}

/// Where web and cli still reach past the service (file, path as resolved
/// from the crate root, how many times). The list only shrinks: a new
/// shortcut fails, and so does an entry that no longer holds.
const SHORTCUTS_TO_MOVE: &[(&str, &str, usize)] = &[
    // Infrastructure, not use cases: the command line opens the database
    // (parses --database, builds the pool) and turns a bad URL into exit 2.
    ("cli/server.rs", "store::DatabaseUrl", 2),
    ("cli/server.rs", "store::Db", 2),
    ("cli/server.rs", "store::StoreError", 3),
    // Infrastructure: AppState holds the pool and the compiled templates that
    // every request shares, and hands a connection to the service
    // (AppState::run); handlers pass the renderer on to service functions.
    ("web/mod.rs", "reports::html::Html", 3),
    ("web/mod.rs", "store::Db", 1),
    ("web/mod.rs", "store::DbConn", 1),
    // The pages' link scheme for the dashboard (which URL a street or unit
    // links to) is web's own knowledge, given to the renderer at start-up.
    ("web/pages/leader.rs", "reports::html::Links", 1),
];

/// Which service modules each one names: a module is a file under
/// `service/` (not `mod.rs`); a glob over the service itself (`super::*`)
/// would hide which modules are used, and is refused.
fn service_graph(sources: &[Source]) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let modules: BTreeSet<String> = sources
        .iter()
        .filter(|s| s.layer() == "service" && s.module.len() == 2)
        .map(|s| s.module[1].clone())
        .collect();
    let mut graph = BTreeMap::new();
    for s in sources.iter().filter(|s| s.layer() == "service") {
        let Some(name) = s.module.get(1) else {
            continue;
        };
        let uses: &mut BTreeSet<String> = graph.entry(name.clone()).or_default();
        for r in &s.refs {
            if r.glob && r.path.len() <= 1 && r.path.iter().all(|m| m == "service") {
                return Err(format!(
                    "{}:{}: a glob import `crate::{}` hides which service modules are used",
                    s.file,
                    r.line,
                    r.shown()
                ));
            }
            if r.path.first().is_some_and(|m| m == "service")
                && let Some(other) = r.path.get(1).filter(|m| modules.contains(*m))
                && other != name
            {
                uses.insert(other.clone());
            }
        }
    }
    Ok(graph)
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

fn service_circle(sources: &[Source]) -> Vec<String> {
    match service_graph(sources) {
        Err(e) => vec![e],
        Ok(graph) => find_cycle(&graph)
            .map(|cycle| {
                format!(
                    "service modules import each other in a circle: {}",
                    cycle.join(" → ")
                )
            })
            .into_iter()
            .collect(),
    }
}

/// Every rule, with the allow-list given.
fn all_rules(sources: &[Source], allowed: &[(&str, &str, usize)]) -> Vec<String> {
    let mut v = outside_crates(sources);
    v.extend(impure_core(sources));
    v.extend(clock_off_the_edge(sources));
    v.extend(upward(sources));
    v.extend(shortcuts_beyond(sources, allowed));
    v.extend(service_circle(sources));
    v
}

fn assert_none(violations: Vec<String>, what: &str) {
    assert!(violations.is_empty(), "{what}:\n{}", violations.join("\n"));
}

// ---------------------------------------------------------------------------
// The rules on our code

#[test]
fn each_outside_crate_stays_in_its_layer() {
    assert_none(outside_crates(&production_code()), "layering broken");
}

#[test]
fn the_core_is_pure() {
    assert_none(impure_core(&production_code()), "domain must stay pure");
}

#[test]
fn only_the_edges_read_the_clock() {
    assert_none(
        clock_off_the_edge(&production_code()),
        "the clock is read at the edge and passed in",
    );
}

#[test]
fn our_layers_point_down() {
    assert_none(
        upward(&production_code()),
        "arrows point down only: web, cli → service → ingest, store, reports → domain",
    );
}

#[test]
fn web_and_cli_go_through_the_service() {
    assert_none(
        shortcuts_beyond(&production_code(), SHORTCUTS_TO_MOVE),
        "web and cli reach the store and the renderers through the service \
         (SHORTCUTS_TO_MOVE in tests/architecture.rs lists the old places)",
    );
}

#[test]
fn service_modules_import_no_circle() {
    let sources = production_code();
    // Sub-modules would be files of their own modules: the graph would need
    // to learn whose they are first.
    assert!(
        sources
            .iter()
            .all(|s| s.layer() != "service" || s.module.len() <= 2),
        "src/service has sub-directories; teach this check about them"
    );
    let graph = service_graph(&sources).unwrap_or_else(|e| panic!("{e}"));
    // The reader sees the imports that are there (a plain path, a name in
    // a group), so an empty graph cannot pass for a clean one.
    assert!(graph["reviews"].contains("assessments"), "{graph:?}");
    assert!(graph["reports"].contains("rectifications"), "{graph:?}");
    assert_none(service_circle(&sources), "service modules");
}

// ---------------------------------------------------------------------------
// The checks themselves: each kind of violation, fed in memory, is caught

/// The violations of all rules in files given in memory (no allow-list).
fn caught(files: &[(&str, &str)]) -> Vec<String> {
    all_rules(&fake(files), &[])
}

#[test]
fn each_kind_of_violation_is_caught() {
    let cases: &[(&str, &str, &str)] = &[
        // (file, code, a piece of the message)
        (
            "web/api/x.rs",
            "use diesel::prelude::*;",
            "diesel in web/api/x.rs",
        ),
        (
            "service/x.rs",
            "fn f() { calamine::open(); }",
            "calamine in service/x.rs",
        ),
        (
            "web/x.rs",
            "use rust_xlsxwriter::Workbook;",
            "rust_xlsxwriter in web/x.rs",
        ),
        (
            "service/x.rs",
            "use handlebars::Handlebars;",
            "handlebars in service/x.rs",
        ),
        (
            "service/x.rs",
            "use actix_web::web;",
            "actix in service/x.rs",
        ),
        (
            "domain/x.rs",
            "fn f() { std::fs::read(\"a\"); }",
            "std::fs in domain/x.rs",
        ),
        (
            "domain/x.rs",
            "use serde_json::Value;",
            "serde_json in domain/x.rs",
        ),
        (
            "service/x.rs",
            "fn f() { chrono::Utc::now(); }",
            "Utc::now in service/x.rs",
        ),
        (
            "domain/x.rs",
            "use crate::ingest::values;",
            "domain/x.rs:1: crate::ingest::values",
        ),
        (
            "domain/x.rs",
            "use crate::store;",
            "crate::store names `store`",
        ),
        (
            "domain/a/b.rs",
            "fn f() { super::super::super::reports::x(); }",
            "crate::reports::x",
        ),
        (
            "domain/x.rs",
            "use crate::{number, service::Env};",
            "crate::service::Env",
        ),
        ("domain/x.rs", "use crate::web::*;", "crate::web::*"),
        (
            "domain/x.rs",
            "type T = crate::cli::CliError;",
            "crate::cli::CliError",
        ),
        (
            "ingest/x.rs",
            "use crate::service::Env;",
            "ingest/x.rs:1: crate::service::Env",
        ),
        (
            "store/x.rs",
            "fn f() { crate::web::g(); }",
            "store/x.rs:1: crate::web::g",
        ),
        (
            "reports/a/b.rs",
            "use super::super::super::cli;",
            "reports/a/b.rs:1: crate::cli",
        ),
        (
            "service/x.rs",
            "use super::super::web::AppState;",
            "service/x.rs:1: crate::web::AppState",
        ),
        (
            "service/x.rs",
            "use crate::{cli::{self, CliError}};",
            "crate::cli names `cli`",
        ),
        (
            "web/x.rs",
            "use crate::store::Db;",
            "web/x.rs:1: crate::store::Db",
        ),
        (
            "web/mod.rs",
            "fn f() { super::store::write(); }",
            "web/mod.rs:1: crate::store::write",
        ),
        (
            "web/api/x.rs",
            "fn f() { super::super::super::store::Db::open(); }",
            "crate::store::Db",
        ),
        (
            "cli/x.rs",
            "use crate::{service, store::{queries, Db}};",
            "crate::store::queries",
        ),
        (
            "cli/x.rs",
            "use crate::store;\nfn f() { store::queries::get(); }",
            "cli/x.rs:2: crate::store::queries::get",
        ),
        (
            "web/x.rs",
            "use crate::reports::html::Html;",
            "crate::reports::html::Html",
        ),
        (
            "web/x.rs",
            "use crate::reports;\nfn f() { reports::district_xlsx::district_xlsx(); }",
            "web/x.rs:2: crate::reports::district_xlsx",
        ),
        (
            "cli/x.rs",
            "use crate::reports::{model, template::self_check_template};",
            "crate::reports::template::self_check_template",
        ),
        (
            "main.rs",
            "fn main() { nianjian::store::open(); }",
            "main.rs:1: crate::store::open",
        ),
    ];
    for &(file, code, expected) in cases {
        let found = caught(&[(file, code)]);
        assert!(
            found.iter().any(|v| v.contains(expected)),
            "{file}: `{code}` should give “{expected}”, got {found:?}"
        );
    }
}

#[test]
fn what_is_allowed_passes() {
    let found = caught(&[
        ("store/x.rs", "use diesel::prelude::*;"),
        (
            "domain/x.rs",
            "use super::number::Points;\nuse crate::domain::text;",
        ),
        // A domain type named `store` or a string naming a layer is no path.
        (
            "domain/y.rs",
            "fn f(store: u8) -> &'static str { let _ = store; \"crate::store::x\" }",
        ),
        (
            "service/x.rs",
            "use crate::{domain, ingest, reports::template, store::Db};",
        ),
        (
            "web/x.rs",
            "use crate::service::{self, reports};\nfn f() { reports::district(); }",
        ),
        (
            "web/y.rs",
            "use crate::reports::model::DistrictReport;\nfn f() { crate::reports::ReportError::x(); }",
        ),
        ("cli/x.rs", "use crate::web::AppState;\nuse std::io::Write;"),
        (
            "web/z.rs",
            "// crate::store::Db in a comment\n/* use crate::store; */ fn f() {}",
        ),
    ]);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn code_after_a_test_module_is_still_checked() {
    let file = "\
use crate::domain::Points;

#[cfg(test)]
mod tests {
    use crate::store::Db; // test code may name anything
    const BRACES: &str = \"}}} {\";
    const CLOSE: char = '}';
    const RAW: &str = r#\"}\"#;
    /* } */
    // }
    fn f() { let _ = '\\''; }
}

fn after() { crate::store::write(); }
";
    let sources = fake(&[("web/x.rs", file)]);
    let shortcuts: Vec<String> = shortcuts(&sources)
        .into_iter()
        .map(|((f, p), lines)| format!("{f}:{lines:?}:{p}"))
        .collect();
    assert_eq!(shortcuts, ["web/x.rs:[14]:store::write"]);

    // A test module declared as a file: the file is left out, the rest of
    // the declaring file is still read.
    let sources = fake(&[
        (
            "domain/x/mod.rs",
            "#[cfg(test)]\npub(crate) mod tests;\nuse crate::store::Db;",
        ),
        ("domain/x/tests.rs", "use crate::store::Db;"),
        ("domain/x/tests/more.rs", "use crate::web::App;"),
    ]);
    let found = upward(&sources);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("domain/x/mod.rs:3:"), "{found:?}");

    // A test helper that is no module is code like any other.
    let found = caught(&[(
        "domain/x.rs",
        "#[cfg(test)]\nfn helper() { crate::store::open(); }",
    )]);
    assert!(
        found.iter().any(|v| v.contains("crate::store::open")),
        "{found:?}"
    );
}

#[test]
fn inline_modules_move_super() {
    // Inside `mod inner`, `super` is the file's module.
    let sources = fake(&[(
        "service/x.rs",
        "mod inner {\n    use super::super::reviews::Review;\n    fn f() { super::g(); }\n}\nuse super::audit;",
    )]);
    let paths: Vec<String> = sources[0].refs.iter().map(Ref::shown).collect();
    assert_eq!(
        paths,
        [
            "service::reviews::Review",
            "service::audit",
            "service::x::g"
        ]
    );
}

#[test]
fn the_allow_list_only_shrinks() {
    let sources = fake(&[(
        "web/x.rs",
        "use crate::store::queries;\nfn f() { queries::units::get(); crate::store::queries::units::get(); }",
    )]);
    let get = "store::queries::units::get";
    let exact = [("web/x.rs", "store::queries", 1), ("web/x.rs", get, 2)];
    assert_none(shortcuts_beyond(&sources, &exact), "listed exactly");
    // A new place fails.
    let fewer = [exact[0], ("web/x.rs", get, 1)];
    let found = shortcuts_beyond(&sources, &fewer);
    assert!(
        found.len() == 1 && found[0].contains("2 times, 1 allowed"),
        "{found:?}"
    );
    let unlisted = shortcuts_beyond(&sources, &exact[..1]);
    assert!(
        unlisted.len() == 1 && unlisted[0].contains("web/x.rs:2"),
        "{unlisted:?}"
    );
    // A place moved into the service must leave the list.
    let more = [exact[0], ("web/x.rs", get, 3)];
    let found = shortcuts_beyond(&sources, &more);
    assert!(
        found.len() == 1 && found[0].contains("lower it"),
        "{found:?}"
    );
    let gone = [exact[0], exact[1], ("web/y.rs", "store::Db", 1)];
    let found = shortcuts_beyond(&sources, &gone);
    assert!(
        found.len() == 1 && found[0].contains("remove it"),
        "{found:?}"
    );
}

#[test]
fn the_circle_check_catches_a_circle() {
    let mut files = vec![
        (
            "service/a.rs",
            "use super::b::thing;\nuse super::{Actor, ServiceResult};",
        ),
        ("service/b.rs", "use super::{Env, audit, c::{self, X}};"),
        ("service/c.rs", "fn f() { crate::service::a::g(); }"),
        (
            "service/audit.rs",
            "use super::Actor;\nuse crate::store::queries::a;",
        ),
        (
            "service/mod.rs",
            "pub mod a; pub mod b; pub mod c; pub mod audit;",
        ),
    ];
    let graph = service_graph(&fake(&files)).expect("no globs");
    assert_eq!(
        graph["b"],
        BTreeSet::from(["audit".to_string(), "c".to_string()])
    );
    assert!(graph["audit"].is_empty(), "another layer's `a` is not ours");
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    let found = caught(&files);
    assert!(
        found.iter().any(|v| v.contains("circle: a → b → c → a")),
        "{found:?}"
    );
    // Without c's call back to a, no circle.
    files[2] = ("service/c.rs", "fn f() { super::audit::g(); }");
    assert_eq!(
        find_cycle(&service_graph(&fake(&files)).expect("no globs")),
        None
    );
    // Through a name brought in first: `use crate::service;` then `service::a`.
    files[2] = (
        "service/c.rs",
        "use crate::service;\nfn f() { service::a::g(); }",
    );
    assert!(find_cycle(&service_graph(&fake(&files)).expect("no globs")).is_some());
    // A glob import is refused rather than read as nothing.
    files[2] = ("service/c.rs", "use super::*;");
    assert!(service_graph(&fake(&files)).is_err());
}

#[test]
fn literals_and_comments_keep_their_braces() {
    let text = "fn a() { let s = \"{\"; let c = '{'; let r = r##\"\"#{\"##; /* { /* } */ { */ }\n// {\nfn b<'a>(x: &'a str) {}";
    let bare = blank(text, false);
    assert_eq!(bare.len(), text.len());
    assert_eq!(bare.matches('{').count(), 2, "{bare}");
    assert_eq!(bare.matches('}').count(), 2, "{bare}");
    assert!(blank(text, true).contains("\"#{\""));
}
