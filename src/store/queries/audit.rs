use diesel::prelude::*;

use crate::domain::audit_chain::{self, Fields};
use crate::domain::data_version;
use crate::store::models::{AuditRow, NewAudit};
use crate::store::schema::{audit_chain as head, audit_log};
use crate::store::{DbConn, StoreError, StoreResult};

/// Appends an entry to the hash chain. The first statement moves the
/// chain's head, which locks it (a row lock on PostgreSQL, the write lock
/// on SQLite) until the caller's transaction ends: a concurrent writer
/// waits and then chains onto this entry, never onto the same predecessor.
/// Returns the new entry's id.
pub fn append(conn: &mut DbConn, entry: &NewAudit<'_>) -> StoreResult<i64> {
    crate::store::savepoint(conn, |conn| {
        let (seq, prev) = move_head(conn, std::slice::from_ref(entry))?;
        let at = audit_chain::stored_time(entry.at);
        let hash = entry_hash(entry, seq, at, &prev);
        let insert = diesel::insert_into(audit_log::table)
            .values((
                audit_log::at.eq(at),
                audit_log::user_id.eq(entry.user_id),
                audit_log::actor.eq(entry.actor),
                audit_log::action.eq(entry.action),
                audit_log::entity.eq(entry.entity),
                audit_log::entity_id.eq(entry.entity_id.as_deref()),
                audit_log::detail.eq(&entry.detail),
                audit_log::seq.eq(seq),
                audit_log::prev_hash.eq(&prev),
                audit_log::hash.eq(&hash),
            ))
            .returning(audit_log::id);
        let id: i64 = crate::on_backend!(&mut *conn, |c| insert.get_result(c))?;
        diesel::update(head::table.find(1))
            .set(head::hash.eq(&hash))
            .execute(conn)?;
        Ok(id)
    })
}

/// Moves the chain's head on by one place per entry (taking its lock) and
/// the data versions the entries' actions move, each once; gives the head's
/// new place and the hash the first new entry chains onto.
fn move_head(conn: &mut DbConn, entries: &[NewAudit<'_>]) -> StoreResult<(i64, String)> {
    let moved = diesel::update(head::table.find(1))
        .set(head::seq.eq(head::seq + entries.len() as i64))
        .execute(conn)?;
    if moved != 1 {
        return Err(StoreError::NotFound);
    }
    let mut scopes: Vec<data_version::Scope> = Vec::new();
    for entry in entries {
        for scope in data_version::moved_by(entry.action) {
            if !scopes.contains(scope) {
                scopes.push(*scope);
            }
        }
    }
    crate::store::queries::versions::bump(conn, &scopes)?;
    Ok(head::table
        .find(1)
        .select((head::seq, head::hash))
        .first(conn)?)
}

/// The hash of `entry` at place `seq`, chained onto `prev`.
fn entry_hash(entry: &NewAudit<'_>, seq: i64, at: chrono::NaiveDateTime, prev: &str) -> String {
    audit_chain::hash(
        &Fields {
            seq,
            at,
            user_id: entry.user_id,
            actor: entry.actor,
            action: entry.action,
            entity: entry.entity,
            entity_id: entry.entity_id.as_deref(),
            detail: &entry.detail,
        },
        prev,
    )
}

/// Appends many entries in one statement, chained in memory from the
/// head: the head moves first (taking its lock, as [`append`] does), the
/// hashes are computed here, the entries go in with one insert and the head
/// takes the last hash. The entries get ids in the order given (one
/// writer holds the head), so the chain reads in id order as before.
pub fn append_all(conn: &mut DbConn, entries: &[NewAudit<'_>]) -> StoreResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let n = entries.len() as i64;
    let (last, mut prev) = move_head(conn, entries)?;
    let mut rows = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let seq = last - n + 1 + i as i64;
        let at = audit_chain::stored_time(entry.at);
        let hash = entry_hash(entry, seq, at, &prev);
        rows.push((
            audit_log::at.eq(at),
            audit_log::user_id.eq(entry.user_id),
            audit_log::actor.eq(entry.actor),
            audit_log::action.eq(entry.action),
            audit_log::entity.eq(entry.entity),
            audit_log::entity_id.eq(entry.entity_id.as_deref()),
            audit_log::detail.eq(&entry.detail),
            audit_log::seq.eq(seq),
            audit_log::prev_hash.eq(prev),
            audit_log::hash.eq(hash.clone()),
        ));
        prev = hash;
    }
    // 10 columns: 3,000 rows keep a statement under either backend's bind limit.
    for chunk in rows.chunks(3_000) {
        let insert = diesel::insert_into(audit_log::table).values(chunk);
        crate::on_backend!(&mut *conn, |c| insert.execute(c))?;
    }
    diesel::update(head::table.find(1))
        .set(head::hash.eq(&prev))
        .execute(conn)?;
    Ok(())
}

/// Takes the chain's head for the rest of the caller's transaction
/// (PostgreSQL; SQLite's writer already holds its one write lock): what
/// publishing a year and recording a result take turns on, so a result
/// stored while a year is being published is seen by one or the other.
pub fn lock_head(conn: &mut DbConn) -> StoreResult<()> {
    if let DbConn::Postgres(c) = conn {
        head::table
            .find(1)
            .select(head::seq)
            .for_update()
            .first::<i64>(c)?;
    }
    Ok(())
}

/// One entry, by id.
pub fn get(conn: &mut DbConn, id: i64) -> StoreResult<Option<AuditRow>> {
    Ok(audit_log::table
        .find(id)
        .select(AuditRow::as_select())
        .first(conn)
        .optional()?)
}

/// What the chain hashes of a stored entry, at place `seq`.
pub fn chain_fields(row: &AuditRow, seq: i64) -> Fields<'_> {
    Fields {
        seq,
        at: row.at,
        user_id: row.user_id,
        actor: &row.actor,
        action: &row.action,
        entity: &row.entity,
        entity_id: row.entity_id.as_deref(),
        detail: &row.detail,
    }
}

/// Once, right after the chain's migration: chains the entries written
/// before it, in id order, in one transaction with the mark that it is
/// done (a later row without a hash is then a finding, never filled in).
pub fn backfill_chain(conn: &mut DbConn) -> StoreResult<usize> {
    crate::store::write(conn, |conn| {
        let done: bool = head::table.find(1).select(head::backfilled).first(conn)?;
        if done {
            return Ok(0);
        }
        let (mut seq, mut prev): (i64, String) = head::table
            .find(1)
            .select((head::seq, head::hash))
            .first(conn)?;
        let rows: Vec<AuditRow> = audit_log::table
            .filter(audit_log::hash.is_null())
            .order(audit_log::id.asc())
            .select(AuditRow::as_select())
            .load(conn)?;
        for row in &rows {
            seq += 1;
            let hash = audit_chain::hash(&chain_fields(row, seq), &prev);
            diesel::update(audit_log::table.find(row.id))
                .set((
                    audit_log::seq.eq(seq),
                    audit_log::prev_hash.eq(&prev),
                    audit_log::hash.eq(&hash),
                ))
                .execute(conn)?;
            prev = hash;
        }
        diesel::update(head::table.find(1))
            .set((
                head::seq.eq(seq),
                head::hash.eq(&prev),
                head::backfilled.eq(true),
            ))
            .execute(conn)?;
        Ok(rows.len())
    })
}

/// The chain's recorded end: its last place and hash.
pub fn chain_head(conn: &mut DbConn) -> StoreResult<(i64, String)> {
    Ok(head::table
        .find(1)
        .select((head::seq, head::hash))
        .first(conn)?)
}

/// Every entry, oldest first, for the chain check.
pub fn all_in_order(conn: &mut DbConn) -> StoreResult<Vec<AuditRow>> {
    Ok(audit_log::table
        .select(AuditRow::as_select())
        .order(audit_log::id.asc())
        .load(conn)?)
}

/// Inside a read transaction: on PostgreSQL, makes the rest of it see one
/// snapshot (the head and the entries agree); SQLite's read transaction
/// already does.
pub fn one_snapshot(conn: &mut DbConn) -> StoreResult<()> {
    if let DbConn::Postgres(_) = conn {
        diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute(conn)?;
    }
    Ok(())
}

/// Which entries: one record's, and/or older than an id.
#[derive(Clone, Copy, Debug, Default)]
pub struct AuditFilter<'a> {
    pub entity: Option<&'a str>,
    pub entity_id: Option<&'a str>,
    pub before_id: Option<i64>,
}

fn filtered<'a>(filter: AuditFilter<'_>) -> audit_log::BoxedQuery<'a, crate::store::Backend> {
    let mut query = audit_log::table.into_boxed();
    if let Some(e) = filter.entity {
        query = query.filter(audit_log::entity.eq(e.to_string()));
    }
    if let Some(id) = filter.entity_id {
        query = query.filter(audit_log::entity_id.eq(id.to_string()));
    }
    if let Some(before) = filter.before_id {
        query = query.filter(audit_log::id.lt(before));
    }
    query
}

/// Newest first: `limit` entries after skipping `offset`.
pub fn list(
    conn: &mut DbConn,
    filter: AuditFilter<'_>,
    offset: i64,
    limit: i64,
) -> StoreResult<Vec<AuditRow>> {
    Ok(filtered(filter)
        .select(AuditRow::as_select())
        .order(audit_log::id.desc())
        .offset(offset)
        .limit(limit)
        .load(conn)?)
}

/// How many entries match.
pub fn count(conn: &mut DbConn, filter: AuditFilter<'_>) -> StoreResult<i64> {
    Ok(filtered(filter).count().get_result(conn)?)
}
