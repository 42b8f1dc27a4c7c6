//! Checklist files: `checklists/<id>/<version>.toml` in, validated
//! [`Checklist`]s out, each with a fingerprint of its content so a version
//! that was used can be kept from changing.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::domain::Checklist;
use crate::domain::checklist::RawChecklist;

/// One problem in one checklist file, at a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileProblem {
    pub file: String,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(key) => write!(f, "{}: {}: {}", self.file, key, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// A checklist with where it came from and a fingerprint of what it says.
#[derive(Clone, Debug)]
pub struct LoadedChecklist {
    pub checklist: Arc<Checklist>,
    /// The file as given (relative to the catalog root), for messages.
    pub file: String,
    /// sha256 of the file's content with comments and layout removed, so a
    /// comment fix is not a change but any changed value is.
    pub fingerprint: String,
    /// The file's text, kept so a database can store what it scored against.
    pub source: String,
}

/// Every checklist version known, by `id@version`.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    by_reference: BTreeMap<String, LoadedChecklist>,
}

impl Catalog {
    pub fn get(&self, reference: &str) -> Option<&Arc<Checklist>> {
        self.by_reference.get(reference).map(|l| &l.checklist)
    }

    pub fn loaded(&self, reference: &str) -> Option<&LoadedChecklist> {
        self.by_reference.get(reference)
    }

    pub fn iter(&self) -> impl Iterator<Item = &LoadedChecklist> {
        self.by_reference.values()
    }

    /// `id@version` of every checklist, sorted.
    pub fn references(&self) -> Vec<String> {
        self.by_reference.keys().cloned().collect()
    }

    pub fn is_empty(&self) -> bool {
        self.by_reference.is_empty()
    }

    /// Adds a version not known yet (one authored on the pages); a known
    /// reference keeps its first definition and `false` is returned.
    pub fn add(&mut self, loaded: LoadedChecklist) -> bool {
        let reference = loaded.checklist.reference();
        if self.by_reference.contains_key(&reference) {
            return false;
        }
        self.by_reference.insert(reference, loaded);
        true
    }

    /// Builds a catalog from (relative file name, text) pairs: every file is
    /// checked and every problem returned.
    pub fn from_sources<'a>(
        files: impl IntoIterator<Item = (String, &'a str)>,
    ) -> Result<Catalog, Vec<FileProblem>> {
        let mut catalog = Catalog::default();
        let mut problems = Vec::new();
        for (file, text) in files {
            match parse_file(&file, text) {
                Ok(loaded) => {
                    let reference = loaded.checklist.reference();
                    if let Some(previous) = catalog.by_reference.get(&reference) {
                        problems.push(FileProblem {
                            file: file.clone(),
                            key: None,
                            message: format!("{reference} 已在 {} 中定义", previous.file),
                        });
                    } else {
                        catalog.by_reference.insert(reference, loaded);
                    }
                }
                Err(mut found) => problems.append(&mut found),
            }
        }
        if problems.is_empty() {
            Ok(catalog)
        } else {
            Err(problems)
        }
    }

    /// Loads every `*/*.toml` under `dir`.
    pub fn load_dir(dir: &Path) -> Result<Catalog, Vec<FileProblem>> {
        let unreadable = |what: &Path, e: std::io::Error| FileProblem {
            file: what.display().to_string(),
            key: None,
            message: format!("无法读取：{e}"),
        };
        let mut files = Vec::new();
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| vec![unreadable(dir, e)])?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        entries.sort();
        for sub in entries {
            let mut tomls: Vec<_> = std::fs::read_dir(&sub)
                .map_err(|e| vec![unreadable(&sub, e)])?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            tomls.sort();
            for path in tomls {
                let text =
                    std::fs::read_to_string(&path).map_err(|e| vec![unreadable(&path, e)])?;
                let relative = path.strip_prefix(dir).unwrap_or(&path);
                files.push((relative.display().to_string(), text));
            }
        }
        if files.is_empty() {
            return Err(vec![FileProblem {
                file: dir.display().to_string(),
                key: None,
                message: "目录中没有考核细则文件（应为 <id>/<version>.toml）".into(),
            }]);
        }
        Catalog::from_sources(files.iter().map(|(f, t)| (f.clone(), t.as_str())))
    }

    /// The checklists shipped inside the binary (the repository's `checklists/`
    /// at build time), for use where no folder is at hand.
    pub fn embedded() -> Result<Catalog, Vec<FileProblem>> {
        Catalog::from_sources(
            EMBEDDED
                .iter()
                .map(|(file, text)| ((*file).to_string(), *text)),
        )
    }
}

include!(concat!(env!("OUT_DIR"), "/embedded_checklists.rs"));

/// Parses and validates one file; `file` is `<id>/<version>.toml`, which
/// must agree with the `id` and `version` inside.
pub fn parse_file(file: &str, text: &str) -> Result<LoadedChecklist, Vec<FileProblem>> {
    let (value, checklist) = parse_anywhere(file, text)?;
    let expected = format!("{}/{}.toml", checklist.id, checklist.version);
    let normalised = file.replace('\\', "/");
    if !normalised.ends_with(&expected) {
        return Err(vec![FileProblem {
            file: file.to_string(),
            key: None,
            message: format!(
                "文件位置应为 {expected}（id = \"{}\", version = \"{}\"）",
                checklist.id, checklist.version
            ),
        }]);
    }

    let canonical = toml::to_string(&value).unwrap_or_else(|_| text.to_string());
    let fingerprint = hex(&Sha256::digest(canonical.as_bytes()));
    Ok(LoadedChecklist {
        checklist: Arc::new(checklist),
        file: file.to_string(),
        fingerprint,
        source: text.to_string(),
    })
}

/// Parses and validates a draft kept anywhere (`nianjian rescore
/// --checklist FILE.toml`): the same checks, but its place is not that of
/// a catalog file, and it is never recorded.
pub fn parse_draft(file: &str, text: &str) -> Result<Checklist, Vec<FileProblem>> {
    parse_anywhere(file, text).map(|(_, checklist)| checklist)
}

/// The TOML table and the validated checklist, wherever the file lies.
fn parse_anywhere(file: &str, text: &str) -> Result<(toml::Table, Checklist), Vec<FileProblem>> {
    let problem = |key: Option<String>, message: String| FileProblem {
        file: file.to_string(),
        key,
        message,
    };
    let value: toml::Table = toml::from_str(text).map_err(|e| {
        let message = format!("不是有效的 TOML：{}{}", e.message(), location(text, &e));
        vec![problem(None, message)]
    })?;
    // Deserialised from the text itself (not from `value`), so that a wrong
    // type or a missing field comes with the place it was found.
    let raw: RawChecklist = toml::from_str(text).map_err(|e| {
        let message = format!("{}{}", e.message(), location(text, &e));
        vec![problem(key_at(text, e.span()), message)]
    })?;
    let checklist = Checklist::from_raw(raw).map_err(|found| {
        found
            .into_iter()
            .map(|p| problem(Some(p.key), p.message))
            .collect::<Vec<_>>()
    })?;
    Ok((value, checklist))
}

/// "（第 12 行第 3 列）" for where a TOML error was found, or nothing when
/// the error carries no place. Columns count characters, not bytes.
fn location(text: &str, error: &toml::de::Error) -> String {
    let Some(span) = error.span() else {
        return String::new();
    };
    let Some(before) = text.get(..span.start.min(text.len())) else {
        return String::new();
    };
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    format!("（第 {line} 行第 {column} 列）")
}

/// The key path at a byte offset of a TOML text, in the form validation
/// uses (`items[B1].max`, `inputs[room_area]`, `vetoes[0].input`): the
/// innermost key or value whose span holds `span.start`. An array element
/// is named by its `code` or `key` when it has one, else by its index.
/// `None` when the text does not parse or the place is the whole document.
fn key_at(text: &str, span: Option<std::ops::Range<usize>>) -> Option<String> {
    use toml::de::{DeTable, DeValue};

    /// The innermost match so far: (span length, path).
    type Best = Option<(usize, String)>;

    fn holds(outer: &std::ops::Range<usize>, at: &std::ops::Range<usize>) -> bool {
        (outer.start <= at.start && at.start < outer.end) || outer == at
    }

    fn consider(
        best: &mut Best,
        found: &std::ops::Range<usize>,
        at: &std::ops::Range<usize>,
        path: &str,
    ) {
        // Ties go to the deeper path, which is visited later.
        if !path.is_empty()
            && holds(found, at)
            && best.as_ref().is_none_or(|(len, _)| found.len() <= *len)
        {
            *best = Some((found.len(), path.to_string()));
        }
    }

    fn element_name(value: &DeValue<'_>, index: usize) -> String {
        if let DeValue::Table(table) = value {
            for field in ["code", "key"] {
                if let Some(DeValue::String(name)) = table.get(field).map(|v| v.get_ref())
                    && !name.is_empty()
                {
                    return name.to_string();
                }
            }
        }
        index.to_string()
    }

    fn walk(
        value: &toml::Spanned<DeValue<'_>>,
        path: &str,
        at: &std::ops::Range<usize>,
        best: &mut Best,
    ) {
        consider(best, &value.span(), at, path);
        match value.get_ref() {
            DeValue::Table(table) => {
                for (key, child) in table.iter() {
                    let child_path = if path.is_empty() {
                        key.get_ref().to_string()
                    } else {
                        format!("{path}.{}", key.get_ref())
                    };
                    consider(best, &key.span(), at, &child_path);
                    walk(child, &child_path, at, best);
                }
            }
            DeValue::Array(array) => {
                for (index, child) in array.iter().enumerate() {
                    let name = element_name(child.get_ref(), index);
                    walk(child, &format!("{path}[{name}]"), at, best);
                }
            }
            _ => {}
        }
    }

    let at = span?;
    let document = DeTable::parse(text).ok()?;
    let span = document.span();
    let root = toml::Spanned::new(span, DeValue::Table(document.into_inner()));
    let mut best = None;
    walk(&root, "", &at, &mut best);
    best.map(|(_, path)| path)
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
id = "mini"
version = "1"
title = "最小细则"
unit_kinds = ["社区"]
total = 4

[[categories]]
code = "A"
name = "组织"

[[items]]
code = "A1"
category = "A"
title = "分管领导"
max = 4
rule = "self"
"#;

    #[test]
    fn parses_a_file_at_its_place() {
        let loaded = parse_file("mini/1.toml", MINIMAL).unwrap();
        assert_eq!(loaded.checklist.reference(), "mini@1");
        assert_eq!(loaded.fingerprint.len(), 64);
    }

    #[test]
    fn refuses_a_file_in_the_wrong_place() {
        let err = parse_file("mini/2.toml", MINIMAL).unwrap_err();
        assert!(err[0].message.contains("mini/1.toml"), "{err:?}");
    }

    #[test]
    fn names_the_file_and_key() {
        let bad = MINIMAL.replace("total = 4", "total = 5");
        let err = parse_file("mini/1.toml", &bad).unwrap_err();
        assert_eq!(err[0].file, "mini/1.toml");
        assert_eq!(err[0].key.as_deref(), Some("total"));
        assert!(err[0].to_string().starts_with("mini/1.toml: total: "));
    }

    #[test]
    fn refuses_unknown_keys_and_bad_toml() {
        let typo = MINIMAL.replace("rule = \"self\"", "rule = \"self\"\nmaxx = 3");
        let err = parse_file("mini/1.toml", &typo).unwrap_err();
        assert!(err[0].message.contains("maxx"), "{err:?}");
        let broken = parse_file("mini/1.toml", "id = ").unwrap_err();
        assert!(broken[0].message.contains("TOML"), "{broken:?}");
    }

    #[test]
    fn type_errors_name_the_key_and_the_place() {
        // A missing field: the [[items]] entry it is missing from.
        let missing = MINIMAL.replace("max = 4\n", "");
        let err = parse_file("mini/1.toml", &missing).unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        assert_eq!(err[0].key.as_deref(), Some("items[A1]"), "{err:?}");
        assert!(err[0].message.contains("missing field `max`"), "{err:?}");
        assert!(err[0].message.contains("第 12 行第 1 列"), "{err:?}");
        assert!(
            err[0]
                .to_string()
                .starts_with("mini/1.toml: items[A1]: missing field `max`"),
            "{}",
            err[0]
        );

        // A value of the wrong type: the key itself, at the value.
        let wrong = MINIMAL.replace("max = 4", "max = \"四\"");
        let err = parse_file("mini/1.toml", &wrong).unwrap_err();
        assert_eq!(err[0].key.as_deref(), Some("items[A1].max"), "{err:?}");
        assert!(err[0].message.contains("第 16 行第 7 列"), "{err:?}");

        // An unknown key: named, at its own place.
        let typo = MINIMAL.replace("rule = \"self\"", "rule = \"self\"\nmaxx = 3");
        let err = parse_file("mini/1.toml", &typo).unwrap_err();
        assert_eq!(err[0].key.as_deref(), Some("items[A1].maxx"), "{err:?}");
        assert!(err[0].message.contains("第 18 行第 1 列"), "{err:?}");

        // A top-level value, and an element without a code (by index).
        let top = MINIMAL.replace("total = 4", "total = \"4\"");
        let err = parse_file("mini/1.toml", &top).unwrap_err();
        assert_eq!(err[0].key.as_deref(), Some("total"), "{err:?}");
        let nameless = MINIMAL.replace("code = \"A\"\n", "code = 1\n");
        let err = parse_file("mini/1.toml", &nameless).unwrap_err();
        assert_eq!(err[0].key.as_deref(), Some("categories[0].code"), "{err:?}");
    }

    #[test]
    fn syntax_errors_give_line_and_column() {
        let broken = MINIMAL.replace("title = \"分管领导\"", "title = 分管领导");
        let err = parse_file("mini/1.toml", &broken).unwrap_err();
        assert!(err[0].message.contains("TOML"), "{err:?}");
        assert!(err[0].message.contains("第 15 行第 9 列"), "{err:?}");
    }

    #[test]
    fn fingerprint_ignores_comments_but_not_values() {
        let a = parse_file("mini/1.toml", MINIMAL).unwrap().fingerprint;
        let commented = format!("# 注释\n{MINIMAL}\n# 结尾");
        let b = parse_file("mini/1.toml", &commented).unwrap().fingerprint;
        assert_eq!(a, b);
        let changed = MINIMAL.replace("分管领导", "分管领导明确");
        let c = parse_file("mini/1.toml", &changed).unwrap().fingerprint;
        assert_ne!(a, c);
    }

    #[test]
    fn refuses_the_same_version_twice() {
        let err = Catalog::from_sources([
            ("mini/1.toml".to_string(), MINIMAL),
            ("x/mini/1.toml".to_string(), MINIMAL),
        ])
        .unwrap_err();
        assert!(err[0].message.contains("已在"), "{err:?}");
    }

    #[test]
    fn shipped_checklists_are_valid() {
        let catalog = Catalog::embedded().unwrap_or_else(|problems| {
            panic!(
                "{}",
                problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
        for reference in [
            "community@2012",
            "community@2013",
            "agency@2012",
            "digital@2012",
        ] {
            assert!(catalog.get(reference).is_some(), "{reference} is shipped");
        }
    }
}
