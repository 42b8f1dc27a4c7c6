//! Which entry of the old version is which entry of the new one: by code
//! (or key), then by meaning — the same wording after normalising, then a
//! similar wording — so a renumbered item is shown as moved, not as
//! removed and added.

use std::collections::BTreeMap;

use crate::domain::text::fold_char;

/// A pair of positions: old only (removed), new only (added), or both.
pub(crate) type Pairing = (Option<usize>, Option<usize>);

/// Two wordings at least this similar (see [`similarity`]) are one item
/// re-worded, whatever their codes. 0.6 is difflib's customary "close
/// match": on the shipped checklists it joins "档案人员参加区档案局组织的业务培训
/// （新任人员半年内参加上岗培训）" to "档案人员参加区档案局组织的业务培训" (0.74) and
/// keeps apart items that merely share archive vocabulary (≤ 0.5).
pub const SIMILAR: f64 = 0.6;

/// Under the same code a lower bar holds: an item kept at its place and
/// re-worded usually keeps much of its wording ("库房、阅览、办公三室分开" for
/// "设立综合档案室，库房与办公、阅览分开或分区"). Below it the code was reused
/// for a different item: removed and added.
pub const SIMILAR_SAME_CODE: f64 = 0.3;

/// The wording as compared: full-width folded, white space and punctuation
/// dropped ("库房“八防”设施齐全（防盗、防火）" → "库房八防设施齐全防盗防火").
pub fn normalise(text: &str) -> Vec<char> {
    text.chars()
        .map(fold_char)
        .filter(|c| c.is_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The longest common subsequence's length, by rows (titles are short).
fn lcs(a: &[char], b: &[char]) -> usize {
    let mut row = vec![0usize; b.len() + 1];
    for x in a {
        let mut diagonal = 0;
        for (j, y) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if x == y {
                diagonal + 1
            } else {
                above.max(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// 2 × common characters / both lengths (difflib's ratio), in 0..=1, over
/// the normalised wordings; character-level because Chinese has no spaces.
pub fn similarity(a: &str, b: &str) -> f64 {
    normalised_similarity(&normalise(a), &normalise(b))
}

fn normalised_similarity(a: &[char], b: &[char]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let common = lcs(a, b) as f64;
    2.0 * common / (a.len() + b.len()) as f64
}

/// Pairs entries by each key in turn among those still unpaired (code,
/// then folded name, …); a key must be unique on both sides to pair.
pub(crate) fn by_keys<T>(old: &[T], new: &[T], keys: &[&dyn Fn(&T) -> String]) -> Vec<Pairing> {
    let lists = |entries: &[T]| -> Vec<Vec<String>> {
        entries
            .iter()
            .map(|e| keys.iter().map(|k| k(e)).collect())
            .collect()
    };
    by_key_lists(&lists(old), &lists(new))
}

/// As [`by_keys`], with each entry's keys given (in the order tried), for
/// entries whose old keys must first be translated.
pub(crate) fn by_key_lists(old: &[Vec<String>], new: &[Vec<String>]) -> Vec<Pairing> {
    let mut old_to_new: Vec<Option<usize>> = vec![None; old.len()];
    let mut taken = vec![false; new.len()];
    let rounds = old.iter().chain(new).map(Vec::len).max().unwrap_or(0);
    for round in 0..rounds {
        let free = |entries: &[Vec<String>], free: &dyn Fn(usize) -> bool| {
            let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            for (n, keys) in entries.iter().enumerate().filter(|(n, _)| free(*n)) {
                if let Some(k) = keys.get(round) {
                    by_key.entry(k.clone()).or_default().push(n);
                }
            }
            by_key
        };
        let free_new = free(new, &|j| !taken[j]);
        let free_old = free(old, &|i| old_to_new[i].is_none());
        for (k, olds) in free_old {
            if let (Some(news), [i]) = (free_new.get(&k), olds.as_slice())
                && let [j] = news.as_slice()
            {
                old_to_new[*i] = Some(*j);
                taken[*j] = true;
            }
        }
    }
    pairing(&old_to_new, new.len())
}

/// Items: the same code and wording; the same wording elsewhere (moved or
/// renumbered); then the most similar wordings first, above [`SIMILAR`]
/// (or [`SIMILAR_SAME_CODE`] under one code), the same code winning a tie.
pub(crate) fn by_wording<C: AsRef<str> + PartialEq, T: AsRef<str>>(
    old: &[(C, T)],
    new: &[(C, T)],
) -> Vec<Pairing> {
    let mut old_to_new: Vec<Option<usize>> = vec![None; old.len()];
    let mut taken = vec![false; new.len()];
    let mut candidates = Vec::new();
    let new_words: Vec<Vec<char>> = new.iter().map(|(_, t)| normalise(t.as_ref())).collect();
    for (i, (old_code, old_title)) in old.iter().enumerate() {
        let old_words = normalise(old_title.as_ref());
        for (j, (new_code, _)) in new.iter().enumerate() {
            let same_code = old_code == new_code;
            let score = normalised_similarity(&old_words, &new_words[j]);
            let bar = if same_code {
                SIMILAR_SAME_CODE
            } else {
                SIMILAR
            };
            if score >= bar {
                candidates.push((score, same_code, i, j));
            }
        }
    }
    // Identical wording first, then by similarity; same code, then order.
    candidates.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(b.1.cmp(&a.1))
            .then(a.2.cmp(&b.2))
            .then(a.3.cmp(&b.3))
    });
    for (_, _, i, j) in candidates {
        if old_to_new[i].is_none() && !taken[j] {
            old_to_new[i] = Some(j);
            taken[j] = true;
        }
    }
    pairing(&old_to_new, new.len())
}

/// Pairs in the new version's order (changed and added), then what was
/// removed in the old version's order.
fn pairing(old_to_new: &[Option<usize>], new_len: usize) -> Vec<Pairing> {
    let mut new_to_old = vec![None; new_len];
    for (i, j) in old_to_new.iter().enumerate() {
        if let Some(j) = j {
            new_to_old[*j] = Some(i);
        }
    }
    let mut out: Vec<Pairing> = new_to_old
        .iter()
        .enumerate()
        .map(|(j, i)| (*i, Some(j)))
        .collect();
    out.extend(
        old_to_new
            .iter()
            .enumerate()
            .filter(|(_, j)| j.is_none())
            .map(|(i, _)| (Some(i), None)),
    );
    out
}

/// One piece of a wording diff: kept, struck out or inserted.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "text", rename_all = "snake_case")]
pub enum Piece {
    Same(String),
    Deleted(String),
    Inserted(String),
}

/// A character-level diff of two wordings (Chinese has no words to split
/// on), adjacent pieces of one kind merged.
pub fn wording_diff(old: &str, new: &str) -> Vec<Piece> {
    let a: Vec<char> = old.chars().collect();
    let b: Vec<char> = new.chars().collect();
    // suffix[i][j] = LCS of a[i..], b[j..]
    let mut suffix = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            suffix[i][j] = if a[i] == b[j] {
                suffix[i + 1][j + 1] + 1
            } else {
                suffix[i + 1][j].max(suffix[i][j + 1])
            };
        }
    }
    let mut pieces: Vec<Piece> = Vec::new();
    let push = |pieces: &mut Vec<Piece>, piece: Piece| match (pieces.last_mut(), &piece) {
        (Some(Piece::Same(t)), Piece::Same(s))
        | (Some(Piece::Deleted(t)), Piece::Deleted(s))
        | (Some(Piece::Inserted(t)), Piece::Inserted(s)) => t.push_str(s),
        _ => pieces.push(piece),
    };
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            push(&mut pieces, Piece::Same(a[i].to_string()));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || suffix[i + 1][j] >= suffix[i][j + 1]) {
            // Struck text before the inserted text, as a reviewer reads it.
            push(&mut pieces, Piece::Deleted(a[i].to_string()));
            i += 1;
        } else {
            push(&mut pieces, Piece::Inserted(b[j].to_string()));
            j += 1;
        }
    }
    pieces
}
