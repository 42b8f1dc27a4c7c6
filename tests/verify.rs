//! Proof of records: `nianjian verify` passes on a log written by the
//! service and names the exact entry once a row is changed, deleted or
//! slipped in with SQL; old entries are chained once when migrating; many
//! concurrent writers leave a valid chain. On a temporary SQLite file, or
//! on a fresh PostgreSQL database when NIANJIAN_TEST_DATABASE holds a
//! postgres:// URL.

use std::process::Output;

use diesel::connection::SimpleConnection;

use nianjian::service::audit::{self, AuditQuery, Entity};
use nianjian::service::listing::PageRequest;
use nianjian::service::verify::verify_audit_chain;
use nianjian::service::{Actor, Clock, ServiceError};
use nianjian::store::{self, DatabaseUrl, Db, DbConn};

#[path = "support/pg_database.rs"]
mod pg_database;

/// A database of its own for one test; a PostgreSQL one is dropped after.
struct TestDb {
    text: String,
    url: DatabaseUrl,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDb {
    fn new(tag: &str) -> TestDb {
        let admin = std::env::var("NIANJIAN_TEST_DATABASE")
            .ok()
            .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"));
        match admin {
            Some(admin) => {
                let name = format!("nianjian_verify_{tag}_{}", std::process::id());
                pg_database::create(&admin, &name);
                let text = pg_database::with_database(&admin, &name);
                TestDb {
                    url: DatabaseUrl::parse(&text).expect("url"),
                    text,
                    _dir: None,
                    postgres: Some((admin, name)),
                }
            }
            None => {
                let dir = tempfile::tempdir().expect("tempdir");
                let path = dir.path().join("nianjian.db");
                TestDb {
                    text: path.display().to_string(),
                    url: DatabaseUrl::Sqlite(path),
                    _dir: Some(dir),
                    postgres: None,
                }
            }
        }
    }

    fn nianjian(&self, args: &[&str]) -> Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_nianjian"))
            .args(args)
            .args(["--database", &self.text])
            .env_remove("NIANJIAN_DATABASE")
            .env("NIANJIAN_PASSWORD", "verify-test-password")
            .env("NIANJIAN_LOG", "warn")
            .output()
            .expect("run nianjian")
    }

    /// `nianjian verify`: its exit code and what it printed.
    fn verify(&self) -> (i32, String) {
        let out = self.nianjian(&["verify"]);
        (
            out.status.code().expect("exit code"),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    fn sql(&self, statements: &str) {
        let mut conn = store::establish(&self.url).expect("connect");
        conn.batch_execute(statements).expect("run SQL");
    }

    /// Entry ids, oldest first, as the service lists them.
    fn ids(&self) -> Vec<i64> {
        let db = Db::open(&self.url, 1).expect("open");
        let mut conn = db.get().expect("conn");
        let paging = PageRequest {
            page: 1,
            per_page: 100_000,
        };
        let page = audit::list(
            &mut conn,
            &Actor::command_line(),
            &AuditQuery::default(),
            paging,
        )
        .expect("list");
        let mut ids: Vec<i64> = page.items.iter().map(|e| e.id).collect();
        ids.reverse();
        ids
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.postgres {
            pg_database::drop(admin, name);
        }
    }
}

/// The database after importing the fixture workbooks (accepted and
/// refused uploads) and adding two accounts.
fn filled(tag: &str) -> TestDb {
    let db = TestDb::new(tag);
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/workbooks");
    // Some fixtures are broken on purpose: exit 2, their refusals audited.
    let import = db.nianjian(&["import", fixtures]);
    assert!(matches!(import.status.code(), Some(0 | 2)), "{import:?}");
    for (name, role) in [("zhang", "inspector"), ("li", "leader")] {
        let out = db.nianjian(&["user", "add", "--username", name, "--role", role]);
        assert!(out.status.success(), "{out:?}");
    }
    // A street officer (contract §3: `--role street --street NAME`).
    let out = db.nianjian(&[
        "user",
        "add",
        "--username",
        "wang",
        "--role",
        "street",
        "--street",
        "小营街道",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("街道档案员，街道 小营街道"),
        "{out:?}"
    );
    let out = db.nianjian(&[
        "user",
        "add",
        "--username",
        "zhao",
        "--role",
        "street",
        "--street",
        "没有的街道",
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("花名册中没有街道“没有的街道”"),
        "{out:?}"
    );
    db
}

#[test]
fn an_untouched_log_verifies() {
    let db = filled("intact");
    let ids = db.ids();
    assert!(ids.len() > 10, "the import is audited: {ids:?}");
    let (code, text) = db.verify();
    assert_eq!(code, 0, "{text}");
    assert!(
        text.starts_with(&format!("审计日志完好：共 {} 条记录，链尾哈希 ", ids.len())),
        "{text}"
    );
}

#[test]
fn a_changed_entry_is_named() {
    let db = filled("changed");
    let ids = db.ids();
    let target = ids[ids.len() / 2];
    db.sql(&format!(
        "UPDATE audit_log SET detail = detail || '（改）' WHERE id = {target}"
    ));
    let (code, text) = db.verify();
    assert_eq!(code, 2, "{text}");
    assert!(text.contains(&format!("编号 {target} 的记录（")), "{text}");
    assert!(text.contains("内容被修改"), "{text}");
}

#[test]
fn a_deleted_entry_is_named_by_the_one_after_it() {
    let db = filled("deleted");
    let ids = db.ids();
    let (gone, next) = (ids[3], ids[4]);
    db.sql(&format!("DELETE FROM audit_log WHERE id = {gone}"));
    let (code, text) = db.verify();
    assert_eq!(code, 2, "{text}");
    assert!(text.contains(&format!("编号 {next} 的记录（")), "{text}");
    assert!(text.contains("它之前的记录被删除"), "{text}");
}

#[test]
fn a_deleted_last_entry_is_noticed() {
    let db = filled("tail");
    let ids = db.ids();
    let last = ids[ids.len() - 1];
    db.sql(&format!("DELETE FROM audit_log WHERE id = {last}"));
    let (code, text) = db.verify();
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains(&format!("编号 {} 的记录（", ids[ids.len() - 2])),
        "{text}"
    );
    assert!(text.contains("它之后的 1 条记录被删除"), "{text}");
}

#[test]
fn an_entry_inserted_with_sql_is_named() {
    let db = filled("inserted");
    db.sql(
        "INSERT INTO audit_log (at, actor, action, entity, detail) \
         VALUES ('2026-12-01 00:00:00', '某人', 'unit.update', 'unit', '补写')",
    );
    let ids = db.ids();
    let (code, text) = db.verify();
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains(&format!("编号 {} 的记录（", ids[ids.len() - 1])),
        "{text}"
    );
    assert!(text.contains("没有防篡改哈希"), "{text}");
}

#[test]
fn entries_from_before_the_chain_are_chained_once() {
    let db = filled("backfill");
    let before = db.ids().len();
    // As a database migrated from before the chain: no hashes at all.
    db.sql(
        "UPDATE audit_log SET seq = NULL, prev_hash = NULL, hash = NULL; \
         UPDATE audit_chain SET seq = 0, backfilled = FALSE, \
         hash = '0000000000000000000000000000000000000000000000000000000000000000'",
    );
    let (code, text) = db.verify();
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(&format!("共 {before} 条记录")), "{text}");
    // Once only: a hash removed afterwards is a finding, not filled in again.
    let first = db.ids()[0];
    db.sql(&format!(
        "UPDATE audit_log SET hash = NULL WHERE id = {first}"
    ));
    let (code, text) = db.verify();
    assert_eq!(code, 2, "{text}");
    assert!(text.contains(&format!("编号 {first} 的记录（")), "{text}");
}

#[test]
fn concurrent_writers_leave_one_chain() {
    let test = TestDb::new("concurrent");
    let db = Db::open(&test.url, 8).expect("open");
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let db = db.clone();
            std::thread::spawn(move || {
                let mut conn = db.get().expect("conn");
                for n in 0..25 {
                    store::write(&mut conn, |conn: &mut DbConn| {
                        audit::record(
                            conn,
                            &Actor::command_line(),
                            Clock::at(chrono::Utc::now()),
                            "unit.update",
                            Entity::Unit(t),
                            format!("线程 {t} 第 {n} 次"),
                        )
                    })
                    .expect("audited write");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("writer");
    }
    let mut conn = db.get().expect("conn");
    let report = verify_audit_chain(&mut conn, &Actor::command_line())
        .map_err(|e: ServiceError| e.to_string())
        .expect("verify");
    assert_eq!(report.finding, None);
    assert_eq!(report.entries, 200);
}
