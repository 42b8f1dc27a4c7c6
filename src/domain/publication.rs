//! A year's results as published (年度结果发布): a snapshot of every unit's
//! current result and the district figures, written in one canonical,
//! versioned form, its sha256 and a short fingerprint people can read off
//! a printed 通报. Pure: the service gathers the snapshot and stores it.
//!
//! The form is text, one `name=length:value` field per line (as the audit
//! chain's), units ordered by code and figures by scope and label, every
//! number exact (points in their canonical decimal form, counts as
//! integers). The same results give the same bytes whatever order they
//! were gathered in.

use sha2::{Digest, Sha256};

use super::Points;

/// Which form of the snapshot the hash covers; a new form gets a new tag.
pub const FORM: &str = "nianjian-publication-v1";

/// Where a unit's result stands: a tier (by code), below every tier, or
/// not decided yet (an inspector item still pending).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Standing {
    Tier(String),
    /// 未达标.
    None,
    /// 待定: provisional, no tier yet.
    Provisional,
}

impl Standing {
    /// As stored and hashed: the tier code, `none` or `provisional` (the
    /// words of the assessments list's `tier` filter).
    pub fn word(&self) -> &str {
        match self {
            Standing::Tier(code) => code,
            Standing::None => "none",
            Standing::Provisional => "provisional",
        }
    }

    pub fn parse(word: &str) -> Standing {
        match word {
            "none" => Standing::None,
            "provisional" => Standing::Provisional,
            code => Standing::Tier(code.to_string()),
        }
    }
}

/// What a correction compares: the total and the standing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub total: Points,
    pub standing: Standing,
}

impl Outcome {
    /// "85.5 / 省级规范化" style, with the tier named by `tier_name`.
    pub fn describe(this: Option<&Outcome>, tier_name: impl Fn(&str) -> String) -> String {
        match this {
            None => "无结果".to_string(),
            Some(o) => {
                let standing = match &o.standing {
                    Standing::Tier(code) => tier_name(code),
                    Standing::None => "未达标".to_string(),
                    Standing::Provisional => "待定".to_string(),
                };
                format!("总分 {}，{standing}", o.total)
            }
        }
    }
}

/// A unit's current result as published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitResult {
    /// `id@version` of the checklist it was scored under.
    pub checklist: String,
    pub total: Points,
    pub standing: Standing,
    pub reviewed: bool,
    pub assessment_id: i64,
}

impl UnitResult {
    pub fn outcome(&self) -> Outcome {
        Outcome {
            total: self.total,
            standing: self.standing.clone(),
        }
    }
}

/// One unit of the roster and its result (none: nothing submitted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitEntry {
    pub code: String,
    pub name: String,
    pub street: Option<String>,
    pub kind: String,
    pub result: Option<UnitResult>,
}

/// One line of the district figures: a group (the district, a kind, a
/// street) and its counts as the district report shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FigureLine {
    /// `district`, `kind` or `street`.
    pub scope: String,
    pub label: String,
    pub units: usize,
    pub submitted: usize,
    pub not_submitted: usize,
    pub no_tier: usize,
    /// Per tier code: units at this tier or above (the bureau's count).
    pub tiers: Vec<(String, usize)>,
}

/// What a publication freezes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub year: i32,
    pub units: Vec<UnitEntry>,
    pub figures: Vec<FigureLine>,
}

fn put(out: &mut String, name: &str, value: Option<&str>) {
    match value {
        Some(v) => out.push_str(&format!("{name}={}:{v}\n", v.len())),
        None => out.push_str(&format!("{name}=-\n")),
    }
}

/// A unit's lines of the canonical form; a stored snapshot holds this
/// block exactly when the unit's row is as published.
pub fn unit_block(unit: &UnitEntry) -> String {
    let mut out = String::new();
    put(&mut out, "unit", Some(&unit.code));
    put(&mut out, "name", Some(&unit.name));
    put(&mut out, "street", unit.street.as_deref());
    put(&mut out, "kind", Some(&unit.kind));
    match &unit.result {
        None => put(&mut out, "result", None),
        Some(r) => {
            put(&mut out, "result", Some("yes"));
            put(&mut out, "checklist", Some(&r.checklist));
            put(&mut out, "total", Some(&r.total.to_string()));
            put(&mut out, "standing", Some(r.standing.word()));
            put(
                &mut out,
                "reviewed",
                Some(if r.reviewed { "yes" } else { "no" }),
            );
            put(&mut out, "assessment", Some(&r.assessment_id.to_string()));
        }
    }
    out
}

fn figure_block(line: &FigureLine) -> String {
    let mut out = String::new();
    put(&mut out, "figure", Some(&line.scope));
    put(&mut out, "label", Some(&line.label));
    for (name, n) in [
        ("units", line.units),
        ("submitted", line.submitted),
        ("not_submitted", line.not_submitted),
        ("no_tier", line.no_tier),
    ] {
        put(&mut out, name, Some(&n.to_string()));
    }
    let mut tiers = line.tiers.clone();
    tiers.sort();
    for (code, n) in &tiers {
        put(&mut out, "tier", Some(code));
        put(&mut out, "at_or_above", Some(&n.to_string()));
    }
    out
}

/// The canonical form: the form tag, the year, the units by code, the
/// figures by scope and label.
pub fn canonical(snapshot: &Snapshot) -> String {
    let mut units: Vec<&UnitEntry> = snapshot.units.iter().collect();
    units.sort_by(|a, b| a.code.cmp(&b.code));
    let mut figures: Vec<&FigureLine> = snapshot.figures.iter().collect();
    figures.sort_by(|a, b| (&a.scope, &a.label).cmp(&(&b.scope, &b.label)));
    let mut out = String::new();
    put(&mut out, "form", Some(FORM));
    put(&mut out, "year", Some(&snapshot.year.to_string()));
    put(&mut out, "units", Some(&units.len().to_string()));
    for u in units {
        out.push_str(&unit_block(u));
    }
    put(&mut out, "figures", Some(&figures.len().to_string()));
    for f in figures {
        out.push_str(&figure_block(f));
    }
    out
}

/// sha256 of the canonical bytes, lowercase hex.
pub fn hash(canonical: &str) -> String {
    let digest = Sha256::digest(canonical.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The first 16 hex digits in groups of four: `3f2a-9c1e-77b0-12d4`.
pub fn fingerprint(sha256: &str) -> String {
    let head: Vec<char> = sha256.chars().take(16).collect();
    head.chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The unit codes a stored canonical form names, in its order.
pub fn codes_in(canonical: &str) -> Vec<String> {
    canonical
        .lines()
        .filter_map(|l| l.strip_prefix("unit="))
        .filter_map(|v| v.split_once(':').map(|(_, code)| code.to_string()))
        .collect()
}

/// What differs between a stored snapshot and one rebuilt from the stored
/// rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// The unit's row no longer says what the snapshot says (or the unit
    /// is in one and not the other).
    Unit(String),
    /// Something outside the units' rows (the year, the figures).
    Rest,
}

/// Where `rows` (the units as stored beside the snapshot) and the stored
/// canonical text disagree; empty when the units all match. Figures are
/// not stored as rows: they are covered by the hash alone.
pub fn compare_units(stored: &str, rows: &[UnitEntry]) -> Vec<Mismatch> {
    let mut found = Vec::new();
    let mut row_codes: Vec<&str> = Vec::new();
    let mut sorted: Vec<&UnitEntry> = rows.iter().collect();
    sorted.sort_by(|a, b| a.code.cmp(&b.code));
    for row in sorted {
        row_codes.push(&row.code);
        if !stored.contains(&unit_block(row)) {
            found.push(Mismatch::Unit(row.code.clone()));
        }
    }
    for code in codes_in(stored) {
        if !row_codes.contains(&code.as_str()) {
            found.push(Mismatch::Unit(code));
        }
    }
    found
}

/// A unit whose current result is not its published one as corrected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drift {
    pub code: String,
    /// Published, then as each correction left it.
    pub expected: Option<Outcome>,
    pub current: Option<Outcome>,
}

/// Compares the current results with the published ones as corrected
/// since (`corrections` oldest first: unit code, its result after).
/// Units are compared by code; the drifts come out in code order.
pub fn drifts(
    published: &[(String, Option<Outcome>)],
    corrections: &[(String, Option<Outcome>)],
    current: &[(String, Option<Outcome>)],
) -> Vec<Drift> {
    use std::collections::BTreeMap;
    let mut expected: BTreeMap<&str, Option<&Outcome>> = BTreeMap::new();
    for (code, o) in published.iter().chain(corrections) {
        expected.insert(code, o.as_ref());
    }
    let now: BTreeMap<&str, Option<&Outcome>> = current
        .iter()
        .map(|(c, o)| (c.as_str(), o.as_ref()))
        .collect();
    let mut codes: Vec<&str> = expected.keys().chain(now.keys()).copied().collect();
    codes.sort_unstable();
    codes.dedup();
    codes
        .into_iter()
        .filter_map(|code| {
            let e = expected.get(code).copied().flatten();
            let c = now.get(code).copied().flatten();
            (e != c).then(|| Drift {
                code: code.to_string(),
                expected: e.cloned(),
                current: c.cloned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(code: &str, total: i32, tier: Option<&str>) -> UnitEntry {
        UnitEntry {
            code: code.into(),
            name: format!("{code} 社区"),
            street: Some("小营街道".into()),
            kind: "社区".into(),
            result: Some(UnitResult {
                checklist: "community@2013".into(),
                total: Points(total),
                standing: tier.map_or(Standing::None, |t| Standing::Tier(t.into())),
                reviewed: false,
                assessment_id: 7,
            }),
        }
    }

    fn snapshot() -> Snapshot {
        Snapshot {
            year: 2012,
            units: vec![
                unit("C0001", 8550, Some("city")),
                unit("C0002", 9000, Some("province")),
                UnitEntry {
                    result: None,
                    ..unit("C0003", 0, None)
                },
            ],
            figures: vec![
                FigureLine {
                    scope: "district".into(),
                    label: "全区".into(),
                    units: 3,
                    submitted: 2,
                    not_submitted: 1,
                    no_tier: 0,
                    tiers: vec![("city".into(), 2), ("province".into(), 1)],
                },
                FigureLine {
                    scope: "street".into(),
                    label: "小营街道".into(),
                    units: 3,
                    submitted: 2,
                    not_submitted: 1,
                    no_tier: 0,
                    tiers: vec![("province".into(), 1), ("city".into(), 2)],
                },
            ],
        }
    }

    #[test]
    fn the_form_is_fixed_and_exact() {
        let text = canonical(&snapshot());
        assert!(text.starts_with(
            "form=23:nianjian-publication-v1\nyear=4:2012\nunits=1:3\nunit=5:C0001\n"
        ));
        assert!(text.contains("total=4:85.5\nstanding=4:city\nreviewed=2:no\n"));
        assert!(text.contains(
            "unit=5:C0003\nname=12:C0003 社区\nstreet=12:小营街道\nkind=6:社区\nresult=-\n"
        ));
        assert_eq!(hash(&text).len(), 64);
    }

    #[test]
    fn every_field_changes_the_hash() {
        let base = snapshot();
        let h = hash(&canonical(&base));
        type Change = fn(&mut Snapshot);
        let cases: &[(&str, Change)] = &[
            ("year", |s| s.year = 2013),
            ("code", |s| s.units[0].code = "C0009".into()),
            ("name", |s| s.units[0].name.push('x')),
            ("street", |s| s.units[0].street = None),
            ("kind", |s| s.units[0].kind = "机关".into()),
            ("result", |s| s.units[0].result = None),
            ("checklist", |s| {
                s.units[0].result.as_mut().unwrap().checklist = "community@2012".into()
            }),
            ("total", |s| {
                s.units[0].result.as_mut().unwrap().total = Points(8551)
            }),
            ("standing", |s| {
                s.units[0].result.as_mut().unwrap().standing = Standing::Provisional
            }),
            ("reviewed", |s| {
                s.units[0].result.as_mut().unwrap().reviewed = true
            }),
            ("assessment", |s| {
                s.units[0].result.as_mut().unwrap().assessment_id = 8
            }),
            ("unit removed", |s| {
                s.units.pop();
            }),
            ("figure units", |s| s.figures[0].units = 4),
            ("figure submitted", |s| s.figures[0].submitted = 3),
            ("figure not submitted", |s| s.figures[0].not_submitted = 0),
            ("figure no tier", |s| s.figures[0].no_tier = 1),
            ("figure tier", |s| s.figures[0].tiers[0].1 = 3),
            ("figure label", |s| s.figures[1].label = "望江街道".into()),
            ("figure removed", |s| {
                s.figures.pop();
            }),
        ];
        for (name, change) in cases {
            let mut s = base.clone();
            change(&mut s);
            assert_ne!(hash(&canonical(&s)), h, "{name} is not covered");
        }
    }

    #[test]
    fn order_of_input_does_not_matter() {
        let base = snapshot();
        let mut shuffled = base.clone();
        shuffled.units.reverse();
        shuffled.figures.reverse();
        shuffled.figures[0].tiers.reverse();
        assert_eq!(canonical(&shuffled), canonical(&base));
    }

    #[test]
    fn text_cannot_pass_for_another_field() {
        let mut a = snapshot();
        a.units[0].name = "甲\nkind=6:社区".into();
        let mut b = snapshot();
        b.units[0].name = "甲".into();
        assert_ne!(hash(&canonical(&a)), hash(&canonical(&b)));
    }

    #[test]
    fn fingerprint_is_four_groups() {
        let cases = [
            (
                "3f2a9c1e77b012d4aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "3f2a-9c1e-77b0-12d4",
            ),
            (
                "0000000000000000ffffffffffffffffffffffffffffffffffffffffffffffff",
                "0000-0000-0000-0000",
            ),
        ];
        for (hash, expected) in cases {
            assert_eq!(fingerprint(hash), expected);
        }
    }

    #[test]
    fn rows_that_no_longer_match_are_named() {
        let s = snapshot();
        let stored = canonical(&s);
        assert_eq!(compare_units(&stored, &s.units), vec![]);
        let mut edited = s.units.clone();
        edited[1].result.as_mut().unwrap().total = Points(9900);
        assert_eq!(
            compare_units(&stored, &edited),
            vec![Mismatch::Unit("C0002".into())]
        );
        let mut removed = s.units.clone();
        removed.remove(2);
        assert_eq!(
            compare_units(&stored, &removed),
            vec![Mismatch::Unit("C0003".into())]
        );
    }

    fn outcome(total: i32, standing: Standing) -> Option<Outcome> {
        Some(Outcome {
            total: Points(total),
            standing,
        })
    }

    #[test]
    fn current_results_follow_publication_and_corrections() {
        let city = || Standing::Tier("city".into());
        let published = vec![
            ("A".to_string(), outcome(8000, city())),
            ("B".to_string(), outcome(7000, Standing::None)),
            ("C".to_string(), None),
        ];
        let corrections = vec![
            ("B".to_string(), outcome(7500, Standing::None)),
            ("B".to_string(), outcome(8100, city())),
        ];
        type Case = (
            &'static str,
            Vec<(String, Option<Outcome>)>,
            Vec<&'static str>,
        );
        let cases: Vec<Case> = vec![
            (
                "in step",
                vec![
                    ("A".into(), outcome(8000, city())),
                    ("B".into(), outcome(8100, city())),
                    ("C".into(), None),
                ],
                vec![],
            ),
            (
                "total edited",
                vec![
                    ("A".into(), outcome(9000, city())),
                    ("B".into(), outcome(8100, city())),
                ],
                vec!["A"],
            ),
            (
                "tier edited, new result without correction",
                vec![
                    ("A".into(), outcome(8000, Standing::Provisional)),
                    ("B".into(), outcome(8100, city())),
                    ("C".into(), outcome(6000, Standing::None)),
                ],
                vec!["A", "C"],
            ),
            (
                "a result gone",
                vec![("B".into(), outcome(8100, city()))],
                vec!["A"],
            ),
        ];
        for (name, current, expected) in cases {
            let found: Vec<String> = drifts(&published, &corrections, &current)
                .into_iter()
                .map(|d| d.code)
                .collect();
            assert_eq!(found, expected, "{name}");
        }
    }
}
