//! The audit log's hash chain (审计日志防篡改链): each entry carries the
//! sha256 of its own fields and of the entry before it, so an entry changed,
//! removed or slipped in afterwards shows as the first link that no longer
//! holds. Pure: the store writes the hashes, the service reads them back.

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

/// The hash the first entry chains onto.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Which form of the fields the hash covers; a new form gets a new tag.
const FORM: &str = "nianjian-audit-v1";

/// The fields of one entry that the hash covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fields<'a> {
    /// Place in the chain, 1 for the first entry.
    pub seq: i64,
    /// UTC; the hash covers microseconds (what both databases keep).
    pub at: NaiveDateTime,
    pub user_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<&'a str>,
    pub detail: &'a str,
}

/// The time as the hash sees it: what survives a round trip through
/// SQLite or PostgreSQL (microseconds), so stored entries hash the same.
pub fn stored_time(at: NaiveDateTime) -> NaiveDateTime {
    let micros = at.and_utc().timestamp_micros();
    chrono::DateTime::from_timestamp_micros(micros).map_or(at, |t| t.naive_utc())
}

/// The canonical serialisation: a form tag, then each field as
/// `name=length:value` (or `name=-` when absent) on its own line, then the
/// previous hash. Lengths make it unambiguous whatever the text holds.
pub fn canonical(fields: &Fields<'_>, prev_hash: &str) -> String {
    let mut out = String::new();
    let mut put = |name: &str, value: Option<&str>| match value {
        Some(v) => out.push_str(&format!("{name}={}:{v}\n", v.len())),
        None => out.push_str(&format!("{name}=-\n")),
    };
    put("form", Some(FORM));
    put("seq", Some(&fields.seq.to_string()));
    let at = stored_time(fields.at)
        .format("%Y-%m-%dT%H:%M:%S%.6f")
        .to_string();
    put("at", Some(&at));
    put("user_id", fields.user_id.map(|u| u.to_string()).as_deref());
    put("actor", Some(fields.actor));
    put("action", Some(fields.action));
    put("entity", Some(fields.entity));
    put("entity_id", fields.entity_id);
    put("detail", Some(fields.detail));
    put("prev", Some(prev_hash));
    out
}

/// sha256 of the canonical form, lowercase hex.
pub fn hash(fields: &Fields<'_>, prev_hash: &str) -> String {
    let digest = Sha256::digest(canonical(fields, prev_hash).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// One stored entry as the check reads it; the link columns are absent
/// on a row written around the service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored<'a> {
    pub id: i64,
    pub fields: Fields<'a>,
    pub prev_hash: Option<&'a str>,
    pub hash: Option<&'a str>,
}

/// The chain's head as last written: how many entries, and the last hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head<'a> {
    pub seq: i64,
    pub hash: &'a str,
}

/// What is wrong where the chain first breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Break {
    /// The entry carries no hash: written around the service.
    Unchained { id: i64 },
    /// The entry does not follow the one before it: an entry between them
    /// was deleted, or inserted, or the order changed.
    Link {
        id: i64,
        expected_seq: i64,
        seq: i64,
    },
    /// The entry's own fields no longer give its hash: its content changed.
    Content { id: i64 },
    /// The last entries are gone: the head counts more than are stored.
    Tail {
        last_id: Option<i64>,
        stored: i64,
        expected: i64,
    },
}

/// Walks the entries in order (by id) and returns the first break, if
/// any; `head` is the chain's recorded end.
pub fn check(entries: &[Stored<'_>], head: &Head<'_>) -> Result<(), Break> {
    let mut expected_seq = 1;
    let mut prev = GENESIS;
    for entry in entries {
        let (Some(prev_hash), Some(own)) = (entry.prev_hash, entry.hash) else {
            return Err(Break::Unchained { id: entry.id });
        };
        if entry.fields.seq != expected_seq || prev_hash != prev {
            return Err(Break::Link {
                id: entry.id,
                expected_seq,
                seq: entry.fields.seq,
            });
        }
        if hash(&entry.fields, prev_hash) != own {
            return Err(Break::Content { id: entry.id });
        }
        expected_seq += 1;
        prev = own;
    }
    if head.seq != expected_seq - 1 || head.hash != prev {
        return Err(Break::Tail {
            last_id: entries.last().map(|e| e.id),
            stored: expected_seq - 1,
            expected: head.seq,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    fn fields(seq: i64, detail: &'static str) -> Fields<'static> {
        Fields {
            seq,
            at: at("2026-12-06 08:00:00.123456"),
            user_id: Some(1),
            actor: "管理员",
            action: "unit.create",
            entity: "unit",
            entity_id: Some("7"),
            detail,
        }
    }

    #[test]
    fn canonical_form_is_length_prefixed_and_fixed() {
        let mut f = fields(3, "第一街道社区");
        f.entity_id = None;
        assert_eq!(
            canonical(&f, GENESIS),
            format!(
                "form=17:nianjian-audit-v1\nseq=1:3\nat=26:2026-12-06T08:00:00.123456\n\
                 user_id=1:1\nactor=9:管理员\naction=11:unit.create\nentity=4:unit\n\
                 entity_id=-\ndetail=18:第一街道社区\nprev=64:{GENESIS}\n"
            )
        );
    }

    #[test]
    fn every_field_changes_the_hash() {
        let base = fields(1, "a");
        let h = hash(&base, GENESIS);
        assert_eq!(h.len(), 64);
        assert_eq!(h, hash(&base.clone(), GENESIS), "deterministic");
        let mut variants: Vec<(&str, Fields<'static>)> = Vec::new();
        let mut v = base.clone();
        v.seq = 2;
        variants.push(("seq", v));
        let mut v = base.clone();
        v.at = at("2026-12-06 08:00:00.123457");
        variants.push(("at", v));
        let mut v = base.clone();
        v.user_id = None;
        variants.push(("user_id", v));
        let mut v = base.clone();
        v.actor = "管理员 ";
        variants.push(("actor", v));
        let mut v = base.clone();
        v.action = "unit.update";
        variants.push(("action", v));
        let mut v = base.clone();
        v.entity = "user";
        variants.push(("entity", v));
        let mut v = base.clone();
        v.entity_id = None;
        variants.push(("entity_id", v));
        let mut v = base.clone();
        v.detail = "b";
        variants.push(("detail", v));
        for (name, variant) in variants {
            assert_ne!(hash(&variant, GENESIS), h, "{name} is not covered");
        }
        assert_ne!(hash(&base, &"1".repeat(64)), h, "prev is not covered");
    }

    #[test]
    fn shifting_text_between_fields_changes_the_hash() {
        let mut a = fields(1, "b\nentity_id=-");
        a.entity_id = None;
        let mut b = fields(1, "b");
        b.entity_id = None;
        b.actor = "管理员\ndetail=1:b";
        assert_ne!(hash(&a, GENESIS), hash(&b, GENESIS));
    }

    #[test]
    fn time_is_kept_to_the_microsecond() {
        let fine = at("2026-12-06 08:00:00.123456789");
        assert_eq!(stored_time(fine), at("2026-12-06 08:00:00.123456"));
        let mut f = fields(1, "a");
        f.at = fine;
        let mut g = f.clone();
        g.at = stored_time(fine);
        assert_eq!(hash(&f, GENESIS), hash(&g, GENESIS));
    }

    /// A valid chain of `details`, as (fields, prev, hash).
    fn chain(details: &[&'static str]) -> Vec<(Fields<'static>, String, String)> {
        let mut prev = GENESIS.to_string();
        let mut out = Vec::new();
        for (n, d) in details.iter().enumerate() {
            let f = fields(n as i64 + 1, d);
            let h = hash(&f, &prev);
            out.push((f, prev.clone(), h.clone()));
            prev = h;
        }
        out
    }

    fn stored<'a>(rows: &'a [(Fields<'static>, String, String)]) -> Vec<Stored<'a>> {
        rows.iter()
            .enumerate()
            .map(|(n, (f, p, h))| Stored {
                id: n as i64 + 10,
                fields: f.clone(),
                prev_hash: Some(p),
                hash: Some(h),
            })
            .collect()
    }

    #[test]
    fn the_first_break_is_named() {
        let rows = chain(&["a", "b", "c", "d"]);
        let head_hash = rows[3].2.clone();
        let head = Head {
            seq: 4,
            hash: &head_hash,
        };
        type Tamper = fn(&mut Vec<Stored<'_>>);
        let cases: [(&str, Tamper, Result<(), Break>); 7] = [
            ("intact", |_| {}, Ok(())),
            (
                "detail changed",
                |s| s[1].fields.detail = "B",
                Err(Break::Content { id: 11 }),
            ),
            (
                "time changed",
                |s| s[2].fields.at = at("2027-01-01 00:00:00"),
                Err(Break::Content { id: 12 }),
            ),
            (
                "one deleted",
                |s| {
                    s.remove(1);
                },
                Err(Break::Link {
                    id: 12,
                    expected_seq: 2,
                    seq: 3,
                }),
            ),
            (
                "first deleted",
                |s| {
                    s.remove(0);
                },
                Err(Break::Link {
                    id: 11,
                    expected_seq: 1,
                    seq: 2,
                }),
            ),
            (
                "written around the service",
                |s| {
                    let mut extra = s[0].clone();
                    extra.id = 11;
                    extra.prev_hash = None;
                    extra.hash = None;
                    s.insert(1, extra);
                },
                Err(Break::Unchained { id: 11 }),
            ),
            (
                "last deleted",
                |s| {
                    s.pop();
                },
                Err(Break::Tail {
                    last_id: Some(12),
                    stored: 3,
                    expected: 4,
                }),
            ),
        ];
        for (name, tamper, expected) in cases {
            let mut entries = stored(&rows);
            tamper(&mut entries);
            assert_eq!(check(&entries, &head), expected, "{name}");
        }
    }

    #[test]
    fn an_empty_log_is_intact_at_genesis() {
        let head = Head {
            seq: 0,
            hash: GENESIS,
        };
        assert_eq!(check(&[], &head), Ok(()));
    }
}
