//! Proof of records (防篡改核验): recomputes the audit log's hash chain and
//! names the first entry that no longer matches; checks every publication
//! of a year's results (see [`super::publication::check`]).

use crate::domain::audit_chain::{self, Break, Head, Stored};
use crate::store::models::AuditRow;
use crate::store::{self, DbConn, queries};

use super::audit::action_label;
use super::publication::PublicationFinding;
use super::{Actor, ServiceResult};
use crate::ingest::checklists::Catalog;

/// Everything `nianjian verify` checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    pub chain: ChainReport,
    /// Publications checked.
    pub publications: usize,
    /// What no longer matches in them; empty when all hold.
    pub publication_findings: Vec<PublicationFinding>,
}

impl VerifyReport {
    pub fn intact(&self) -> bool {
        self.chain.finding.is_none() && self.publication_findings.is_empty()
    }
}

/// The audit chain and every publication (`catalog` names the tiers in
/// the findings).
pub fn verify_records(
    conn: &mut DbConn,
    catalog: &Catalog,
    actor: &Actor,
) -> ServiceResult<VerifyReport> {
    let chain = verify_audit_chain(conn, actor)?;
    let (publications, publication_findings) = super::publication::check(conn, catalog, actor)?;
    Ok(VerifyReport {
        chain,
        publications,
        publication_findings,
    })
}

/// The chain as checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainReport {
    /// Entries stored.
    pub entries: usize,
    /// The chain's recorded last hash: noted down elsewhere, it shows
    /// later whether the whole log was rewritten.
    pub head_hash: String,
    /// The first entry that no longer matches; none when intact.
    pub finding: Option<Finding>,
}

/// Where the chain first breaks, in Chinese.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The entry named (for a removed tail: the last one left, if any).
    pub id: Option<i64>,
    /// UTC, ISO 8601.
    pub at: Option<String>,
    pub action: Option<String>,
    /// What is wrong there.
    pub problem: String,
}

impl Finding {
    /// One line: which entry, when, what it did, what is wrong.
    pub fn describe(&self) -> String {
        match (self.id, &self.at, &self.action) {
            (Some(id), Some(at), Some(action)) => format!(
                "编号 {id} 的记录（{at}，{}：{action}）：{}",
                action_label(action),
                self.problem
            ),
            _ => self.problem.clone(),
        }
    }
}

/// Recomputes the whole chain in one snapshot of the database.
pub fn verify_audit_chain(conn: &mut DbConn, actor: &Actor) -> ServiceResult<ChainReport> {
    actor.require_bureau()?;
    let (head, rows) = store::read(conn, |conn| {
        queries::audit::one_snapshot(conn)?;
        let head = queries::audit::chain_head(conn)?;
        let rows = queries::audit::all_in_order(conn)?;
        Ok::<_, store::StoreError>((head, rows))
    })?;
    let stored: Vec<Stored<'_>> = rows.iter().map(stored).collect();
    let outcome = audit_chain::check(
        &stored,
        &Head {
            seq: head.0,
            hash: &head.1,
        },
    );
    Ok(ChainReport {
        entries: rows.len(),
        head_hash: head.1.clone(),
        finding: outcome.err().map(|b| finding(&rows, &b)),
    })
}

fn stored(row: &AuditRow) -> Stored<'_> {
    Stored {
        id: row.id,
        // An unchained row has no place; the check stops at it first.
        fields: queries::audit::chain_fields(row, row.seq.unwrap_or(0)),
        prev_hash: row.prev_hash.as_deref(),
        hash: row.hash.as_deref(),
    }
}

fn finding(rows: &[AuditRow], found: &Break) -> Finding {
    let (id, problem) = match *found {
        Break::Unchained { id } => (
            Some(id),
            "没有防篡改哈希：这条记录不是经由本系统写入的（直接插入数据库），或其哈希被抹去"
                .to_string(),
        ),
        Break::Link {
            id,
            expected_seq,
            seq,
        } => (
            Some(id),
            if seq > expected_seq {
                format!(
                    "它之前的记录被删除：它在链上是第 {seq} 条，前面应有 {} 条，现只有 {} 条",
                    seq - 1,
                    expected_seq - 1
                )
            } else {
                format!(
                    "它之前有记录被插入、删除或调换：它在链上是第 {seq} 条，接在它前面的记录与它记下的前一条不符"
                )
            },
        ),
        Break::Content { id } => (
            Some(id),
            "内容被修改：它的时间、操作人、操作、对象或详情与它的哈希不符".to_string(),
        ),
        Break::Tail {
            last_id,
            stored,
            expected,
        } if expected > stored => (
            last_id,
            if last_id.is_some() {
                format!(
                    "它之后的 {} 条记录被删除：链尾记着 {expected} 条，现只有 {stored} 条",
                    expected - stored
                )
            } else {
                format!("全部 {expected} 条记录被删除")
            },
        ),
        Break::Tail { last_id, .. } => (
            last_id,
            "链尾与这条最后的记录不符：链尾被改动，或其后有记录被删除后又补写".to_string(),
        ),
    };
    let row = id.and_then(|id| rows.iter().find(|r| r.id == id));
    Finding {
        id,
        at: row.map(|r| format!("{}Z", r.at.format("%Y-%m-%dT%H:%M:%S"))),
        action: row.map(|r| r.action.clone()),
        problem,
    }
}
