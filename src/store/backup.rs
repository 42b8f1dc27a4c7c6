//! The SQLite side of backups (备份): a consistent copy of a live database
//! file with `VACUUM INTO`, and what a copy holds (tables, row counts,
//! stored files) so that a restore can check it before it goes in place.
//!
//! PostgreSQL has its own tool (`pg_dump -Fc`); nothing here speaks to it.

use std::collections::BTreeMap;
use std::path::Path;

use diesel::connection::{DefaultLoadingMode, SimpleConnection};
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::schema::stored_files;
use super::{Count, StoreError, StoreResult};

/// Tables that say whether a database is in use (a restore refuses one
/// that has any of their rows).
const IN_USE: [&str; 3] = ["units", "submissions", "users"];

/// Opens an SQLite file that must already exist; never creates one.
fn open_existing(path: &Path) -> StoreResult<SqliteConnection> {
    if !path.is_file() {
        return Err(StoreError::Connect(format!(
            "数据库文件 {} 不存在",
            path.display()
        )));
    }
    let mut conn = SqliteConnection::establish(&path.to_string_lossy())
        .map_err(|e| StoreError::Connect(e.to_string()))?;
    conn.batch_execute("PRAGMA busy_timeout = 10000;")
        .map_err(|e| StoreError::Connect(e.to_string()))?;
    Ok(conn)
}

/// Writes a consistent copy of the database at `source` to `target` (a
/// path that must not exist yet). `VACUUM INTO` reads in one transaction,
/// so writers go on meanwhile and the copy holds only committed work. The
/// copy is switched to a rollback journal: one self-contained file.
pub fn snapshot(source: &Path, target: &Path) -> StoreResult<()> {
    let mut conn = open_existing(source)?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(target.to_string_lossy().to_string())
        .execute(&mut conn)?;
    drop(conn);
    let mut copy = open_existing(target)?;
    copy.batch_execute("PRAGMA journal_mode = DELETE;")?;
    Ok(())
}

/// What a database file holds, as a backup's manifest records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contents {
    /// The last migration applied (diesel's version string).
    pub migration: String,
    /// Rows per table, by table name.
    pub rows: BTreeMap<String, i64>,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

fn tables(conn: &mut SqliteConnection) -> StoreResult<Vec<String>> {
    let names: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .load(conn)?;
    Ok(names.into_iter().map(|n| n.name).collect())
}

fn count(conn: &mut SqliteConnection, table: &str) -> StoreResult<i64> {
    // The name comes from sqlite_master; quoting keeps any name a name.
    let quoted = table.replace('"', "\"\"");
    let row: Count =
        diesel::sql_query(format!("SELECT count(*) AS n FROM \"{quoted}\"")).get_result(conn)?;
    Ok(row.n)
}

/// Checks the file's structure (`PRAGMA integrity_check`), then counts.
pub fn contents(path: &Path) -> StoreResult<Contents> {
    let mut conn = open_existing(path)?;
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = Text)]
        integrity_check: String,
    }
    let checks: Vec<Check> = diesel::sql_query("PRAGMA integrity_check").load(&mut conn)?;
    if checks.len() != 1 || checks[0].integrity_check != "ok" {
        let found: Vec<String> = checks.into_iter().map(|c| c.integrity_check).collect();
        return Err(StoreError::Connect(format!(
            "数据库文件已损坏：{}",
            found.join("；")
        )));
    }
    let mut rows = BTreeMap::new();
    for table in tables(&mut conn)? {
        let n = count(&mut conn, &table)?;
        rows.insert(table, n);
    }
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
        version: Option<String>,
    }
    let migration = if rows.contains_key("__diesel_schema_migrations") {
        diesel::sql_query("SELECT max(version) AS version FROM __diesel_schema_migrations")
            .get_result::<Version>(&mut conn)?
            .version
            .unwrap_or_default()
    } else {
        String::new()
    };
    Ok(Contents { migration, rows })
}

/// Calls `each` with every stored file's key and content, one at a time
/// (uploads can be large; they are never all in memory).
pub fn for_each_stored_file(path: &Path, mut each: impl FnMut(&str, &[u8])) -> StoreResult<()> {
    let mut conn = open_existing(path)?;
    let rows = stored_files::table
        .select((stored_files::sha256, stored_files::content))
        .order(stored_files::sha256)
        .load_iter::<(String, Vec<u8>), DefaultLoadingMode>(&mut conn)?;
    for row in rows {
        let (key, content) = row?;
        each(&key, &content);
    }
    Ok(())
}

/// The in-use tables that hold rows, with their counts; empty for a file
/// that does not exist or was only migrated.
pub fn rows_in_use(path: &Path) -> StoreResult<Vec<(String, i64)>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let mut conn = open_existing(path)?;
    let present = tables(&mut conn)?;
    let mut used = Vec::new();
    for table in IN_USE.iter().filter(|t| present.iter().any(|p| p == *t)) {
        let n = count(&mut conn, table)?;
        if n > 0 {
            used.push((table.to_string(), n));
        }
    }
    Ok(used)
}

/// Folds the write-ahead log of the database at `path` into the file and
/// empties it, so that no stale `-wal` can be replayed onto a file put in
/// its place. Nothing to do when the file does not exist.
pub fn checkpoint(path: &Path) -> StoreResult<()> {
    if !path.exists() {
        return Ok(());
    }
    let mut conn = open_existing(path)?;
    conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")?;
    Ok(())
}
