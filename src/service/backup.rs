//! Backups (备份) and restore (恢复) of an SQLite database: one archive
//! file with the database and a manifest of hashes ([`archive`]). Both
//! write to a temporary name beside their target and rename at the end, so
//! a killed run leaves either the old state or the complete new one.
//!
//! PostgreSQL is backed up with its own tools (`pg_dump -Fc`, see the
//! README); both functions refuse it with that advice.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::backup_archive::{
    self as archive, DATABASE_ENTRY, Digest256, FORMAT, Manifest, Reader, StoredFile,
};
use super::{Clock, ServiceError};
use crate::ingest::checklists::hex;
use crate::store::backup as sqlite;
use crate::store::{DatabaseUrl, StoreError, sqlite_path};

const POSTGRES_BACKUP: &str = "PostgreSQL 数据库请用 pg_dump 备份：pg_dump -Fc -f nianjian.dump 库名（上传的文件和证明材料都在数据库里，一并备份）；见 README 的“备份”一节";
const POSTGRES_RESTORE: &str = "PostgreSQL 数据库请用 pg_restore 恢复：pg_restore -d 空库名 nianjian.dump；见 README 的“备份”一节";

/// A damaged or unreadable archive: the command line exits 2.
fn damaged(what: impl std::fmt::Display) -> ServiceError {
    ServiceError::BadRequest(format!("备份文件有误，未恢复：{what}"))
}

/// The directory a file goes into ("." for a bare name).
fn directory_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Makes a rename in `dir` durable; where directories cannot be opened
/// (not on Unix) there is nothing to do.
fn sync_directory(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The database as `--database` names it; a malformed one is a bad argument.
fn parse(database: &str) -> Result<DatabaseUrl, ServiceError> {
    DatabaseUrl::parse(database).map_err(|e| ServiceError::BadRequest(e.to_string()))
}

/// Refuses, before a schedule starts, a database these backups cannot
/// take (PostgreSQL: pg_dump).
pub fn check_supported(database: &str) -> Result<(), ServiceError> {
    match parse(database)? {
        DatabaseUrl::Sqlite(_) => Ok(()),
        DatabaseUrl::Postgres(_) => Err(ServiceError::Conflict(POSTGRES_BACKUP.into())),
    }
}

/// Writes a backup of the database named `database` (as `--database`
/// takes it) to `output`, replacing `output` only when the new archive is
/// complete, and returns its manifest.
pub fn backup(database: &str, output: &Path, clock: Clock) -> Result<Manifest, ServiceError> {
    let url = parse(database)?;
    let source = sqlite_path(&url).ok_or_else(|| ServiceError::Conflict(POSTGRES_BACKUP.into()))?;
    if !source.is_file() {
        return Err(ServiceError::NotFound(format!(
            "数据库文件 {} 不存在",
            source.display()
        )));
    }
    let dir = directory_of(output);
    let work = tempfile::Builder::new()
        .prefix(".nianjian-backup-")
        .tempdir_in(&dir)?;
    let copy = work.path().join(DATABASE_ENTRY);
    sqlite::snapshot(source, &copy)?;
    let manifest = describe(&copy, clock)?;

    let mut part = tempfile::Builder::new()
        .prefix(".nianjian-backup-")
        .suffix(".part")
        .tempfile_in(&dir)?;
    archive::write(
        BufWriter::new(part.as_file_mut()),
        &manifest,
        &mut BufReader::new(File::open(&copy)?),
    )?;
    part.as_file().sync_all()?;
    part.persist(output).map_err(|e| e.error)?;
    sync_directory(&dir);
    Ok(manifest)
}

/// The manifest of a database copy.
fn describe(copy: &Path, clock: Clock) -> Result<Manifest, ServiceError> {
    let contents = sqlite::contents(copy)?;
    let stored_files = stored_files(copy)?.into_values().collect();
    let database =
        archive::copy_hashed(&mut BufReader::new(File::open(copy)?), &mut std::io::sink())?;
    Ok(Manifest {
        format: FORMAT,
        created_at: clock.now.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        nianjian_version: env!("CARGO_PKG_VERSION").to_string(),
        migration: contents.migration,
        database,
        tables: contents.rows,
        stored_files,
    })
}

/// Every stored file of a database, hashed, by key.
fn stored_files(path: &Path) -> Result<BTreeMap<String, StoredFile>, StoreError> {
    let mut files = BTreeMap::new();
    sqlite::for_each_stored_file(path, |key, content| {
        files.insert(
            key.to_string(),
            StoredFile {
                key: key.to_string(),
                sha256: hex(&Sha256::digest(content)),
                size: content.len() as u64,
            },
        );
    })?;
    Ok(files)
}

/// Restores the archive at `from` into the database named `database`, which must
/// be empty (absent, or holding no units, submissions or users). The
/// archive is checked in full before the database is put in place; a
/// damaged one is refused and leaves nothing behind.
pub fn restore(from: &Path, database: &str) -> Result<Manifest, ServiceError> {
    let url = parse(database)?;
    let target =
        sqlite_path(&url).ok_or_else(|| ServiceError::Conflict(POSTGRES_RESTORE.into()))?;
    refuse_in_use(target)?;
    let file = File::open(from)
        .map_err(|e| ServiceError::NotFound(format!("无法读取备份文件 {}：{e}", from.display())))?;
    let mut reader = Reader::open(BufReader::new(file)).map_err(damaged)?;
    let manifest = reader.manifest().map_err(damaged)?;

    let dir = directory_of(target);
    let mut part = tempfile::Builder::new()
        .prefix(".nianjian-restore-")
        .suffix(".part")
        .tempfile_in(&dir)?;
    let digest = reader
        .database(&mut BufWriter::new(part.as_file_mut()))
        .map_err(damaged)?;
    check_database(&digest, &manifest.database)?;
    part.as_file().sync_all()?;
    let checked = check_contents(part.path(), &manifest);
    remove_sidecars(part.path());
    checked?;

    // The target may be an empty database with a write-ahead log: fold
    // it in and remove it, so it cannot be replayed onto the new file.
    sqlite::checkpoint(target)?;
    remove_sidecars(target);
    part.persist(target).map_err(|e| e.error)?;
    sync_directory(&dir);
    Ok(manifest)
}

fn refuse_in_use(target: &Path) -> Result<(), ServiceError> {
    let used = sqlite::rows_in_use(target)?;
    if used.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = used.iter().map(|(t, n)| format!("{t} {n} 行")).collect();
    Err(ServiceError::Conflict(format!(
        "数据库 {} 已有数据（{}），恢复只写入空数据库；请指定一个新的数据库文件，或先把现有数据库移走",
        target.display(),
        rows.join("，")
    )))
}

fn check_database(found: &Digest256, listed: &Digest256) -> Result<(), ServiceError> {
    if found != listed {
        return Err(damaged(format!(
            "{DATABASE_ENTRY} 与清单不符（清单 sha256 {}、{} 字节，实际 {}、{} 字节）",
            listed.sha256, listed.size, found.sha256, found.size
        )));
    }
    Ok(())
}

/// Opens the restored copy and checks it against the manifest: structure,
/// migration, rows per table, every stored file.
fn check_contents(copy: &Path, manifest: &Manifest) -> Result<(), ServiceError> {
    let contents = sqlite::contents(copy).map_err(damaged)?;
    if contents.migration != manifest.migration {
        return Err(damaged(format!(
            "数据库迁移版本 {} 与清单的 {} 不符",
            contents.migration, manifest.migration
        )));
    }
    if let Some(problem) = first_difference(&manifest.tables, &contents.rows) {
        return Err(damaged(problem));
    }
    let found = stored_files(copy).map_err(damaged)?;
    let listed: BTreeMap<String, StoredFile> = manifest
        .stored_files
        .iter()
        .map(|f| (f.key.clone(), f.clone()))
        .collect();
    if let Some(problem) = stored_file_difference(&listed, &found) {
        return Err(damaged(problem));
    }
    Ok(())
}

/// The first table whose row count differs, in words.
fn first_difference(
    listed: &BTreeMap<String, i64>,
    found: &BTreeMap<String, i64>,
) -> Option<String> {
    let names: std::collections::BTreeSet<&String> = listed.keys().chain(found.keys()).collect();
    names
        .into_iter()
        .find_map(|name| match (listed.get(name), found.get(name)) {
            (Some(a), Some(b)) if a == b => None,
            (Some(a), Some(b)) => Some(format!("表 {name} 有 {b} 行，清单为 {a} 行")),
            (Some(_), None) => Some(format!("清单中的表 {name} 在数据库中不存在")),
            (None, _) => Some(format!("数据库中的表 {name} 不在清单中")),
        })
}

/// The first stored file that is missing, extra or changed, in words.
fn stored_file_difference(
    listed: &BTreeMap<String, StoredFile>,
    found: &BTreeMap<String, StoredFile>,
) -> Option<String> {
    let keys: std::collections::BTreeSet<&String> = listed.keys().chain(found.keys()).collect();
    keys.into_iter()
        .find_map(|key| match (listed.get(key), found.get(key)) {
            (Some(a), Some(b)) if a == b => None,
            (Some(a), Some(b)) => Some(format!(
                "存储文件 {key} 的内容与清单不符（清单 sha256 {}、{} 字节，实际 {}、{} 字节）",
                a.sha256, a.size, b.sha256, b.size
            )),
            (Some(_), None) => Some(format!("清单中的存储文件 {key} 在数据库中不存在")),
            (None, _) => Some(format!("数据库中的存储文件 {key} 不在清单中")),
        })
}

/// Removes SQLite's companion files of `path` (-wal, -shm, -journal).
fn remove_sidecars(path: &Path) {
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

/// The name a scheduled backup taken at `clock` gets: sortable by time.
pub fn scheduled_name(clock: Clock) -> String {
    format!(
        "{SCHEDULED_PREFIX}{}{SCHEDULED_SUFFIX}",
        clock.now.format("%Y%m%dT%H%M%SZ")
    )
}

const SCHEDULED_PREFIX: &str = "nianjian-";
const SCHEDULED_SUFFIX: &str = ".njbak";

/// Of the file names in a backup folder, the scheduled backups to remove so
/// that the newest `keep` remain; other files are never touched.
pub fn beyond_keep(names: &[String], keep: usize) -> Vec<String> {
    let mut ours: Vec<&String> = names
        .iter()
        .filter(|n| n.starts_with(SCHEDULED_PREFIX) && n.ends_with(SCHEDULED_SUFFIX))
        .collect();
    ours.sort();
    let excess = ours.len().saturating_sub(keep);
    ours.into_iter().take(excess).cloned().collect()
}

/// One scheduled backup into `dir`, then the oldest beyond `keep` removed
/// (at least the new one is always kept). Returns the new file.
pub fn scheduled(
    database: &str,
    dir: &Path,
    keep: usize,
    clock: Clock,
) -> Result<PathBuf, ServiceError> {
    let path = dir.join(scheduled_name(clock));
    backup(database, &path, clock)?;
    let names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    for old in beyond_keep(&names, keep.max(1)) {
        std::fs::remove_file(dir.join(old))?;
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(key: &str, sha: &str, size: u64) -> (String, StoredFile) {
        (
            key.to_string(),
            StoredFile {
                key: key.into(),
                sha256: sha.into(),
                size,
            },
        )
    }

    #[test]
    fn row_count_differences_name_the_table() {
        let listed = BTreeMap::from([("units".to_string(), 3), ("users".to_string(), 1)]);
        let cases = [
            (listed.clone(), None),
            (
                BTreeMap::from([("units".to_string(), 2), ("users".to_string(), 1)]),
                Some("表 units 有 2 行，清单为 3 行"),
            ),
            (
                BTreeMap::from([("units".to_string(), 3)]),
                Some("清单中的表 users 在数据库中不存在"),
            ),
            (
                BTreeMap::from([
                    ("units".to_string(), 3),
                    ("users".to_string(), 1),
                    ("x".to_string(), 0),
                ]),
                Some("数据库中的表 x 不在清单中"),
            ),
        ];
        for (found, expected) in cases {
            assert_eq!(first_difference(&listed, &found).as_deref(), expected);
        }
    }

    #[test]
    fn stored_file_differences_name_the_file() {
        let listed = BTreeMap::from([file("a", "a", 1), file("b", "b", 2)]);
        let cases = [
            (listed.clone(), None),
            (
                BTreeMap::from([file("a", "a", 1), file("b", "e3b0", 0)]),
                Some("存储文件 b 的内容与清单不符（清单 sha256 b、2 字节，实际 e3b0、0 字节）"),
            ),
            (
                BTreeMap::from([file("a", "a", 1)]),
                Some("清单中的存储文件 b 在数据库中不存在"),
            ),
            (
                BTreeMap::from([file("a", "a", 1), file("b", "b", 2), file("c", "c", 3)]),
                Some("数据库中的存储文件 c 不在清单中"),
            ),
        ];
        for (found, expected) in cases {
            assert_eq!(stored_file_difference(&listed, &found).as_deref(), expected);
        }
    }

    #[test]
    fn only_the_oldest_scheduled_backups_go() {
        let names = |list: &[&str]| list.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let folder = names(&[
            "nianjian-20261206T020000Z.njbak",
            "notes.txt",
            "nianjian-20261204T020000Z.njbak",
            ".nianjian-backup-x1.part",
            "nianjian-20261205T020000Z.njbak",
            "mine.njbak",
        ]);
        let cases: [(usize, &[&str]); 4] = [
            (3, &[]),
            (5, &[]),
            (2, &["nianjian-20261204T020000Z.njbak"]),
            (
                0,
                &[
                    "nianjian-20261204T020000Z.njbak",
                    "nianjian-20261205T020000Z.njbak",
                    "nianjian-20261206T020000Z.njbak",
                ],
            ),
        ];
        for (keep, expected) in cases {
            assert_eq!(beyond_keep(&folder, keep), names(expected), "keep {keep}");
        }
    }

    #[test]
    fn scheduled_names_sort_by_time() {
        let at = |h| {
            Clock::at(
                chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
                    .unwrap()
                    .and_hms_opt(h, 0, 0)
                    .unwrap()
                    .and_utc(),
            )
        };
        assert_eq!(scheduled_name(at(2)), "nianjian-20261206T020000Z.njbak");
        assert!(scheduled_name(at(9)) < scheduled_name(at(10)));
    }
}
