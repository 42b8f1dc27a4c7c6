//! `nianjian backup` and `nianjian restore` (issue 14): a restored database
//! is the original row for row and byte for byte, reports the same, holds
//! exactly what was committed before a backup taken during an import, and
//! a damaged archive or a database in use is refused, leaving nothing.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use nianjian::domain::InputValue;
use nianjian::domain::random::SplitMix64;
use nianjian::ingest::checklists::Catalog;
use nianjian::reports::template::{Prefill, self_check_template};
use nianjian::service::demo;

fn nianjian(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nianjian"))
        .args(args)
        .env_remove("NIANJIAN_DATABASE")
        .output()
        .expect("run nianjian")
}

fn ok(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/workbooks")
}

/// The clean fixture workbooks, imported into a new database at `db`.
fn filled(db: &Path) {
    let clean: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("clean-"))
        })
        .collect();
    assert!(clean.len() >= 3, "fixtures: {clean:?}");
    let mut args = vec!["import", "--database", s(db)];
    args.extend(clean.iter().map(|p| s(p)));
    ok(&nianjian(&args));
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    r: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn connect(db: &Path) -> SqliteConnection {
    let mut conn = SqliteConnection::establish(s(db)).expect("open");
    conn.batch_execute("PRAGMA busy_timeout = 10000;")
        .expect("busy timeout");
    conn
}

/// Every table's rows, each written out with SQLite's quote() (a blob as
/// its hex), sorted: two databases with equal dumps hold the same data.
fn dump(db: &Path) -> BTreeMap<String, Vec<String>> {
    let mut conn = connect(db);
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .load(&mut conn)
    .expect("tables");
    let mut out = BTreeMap::new();
    for t in tables {
        let columns: Vec<Name> =
            diesel::sql_query(format!("SELECT name FROM pragma_table_info('{}')", t.name))
                .load(&mut conn)
                .expect("columns");
        let row = columns
            .iter()
            .map(|c| format!("quote(\"{}\")", c.name))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let mut rows: Vec<String> =
            diesel::sql_query(format!("SELECT {row} AS r FROM \"{}\"", t.name))
                .load::<Row>(&mut conn)
                .expect("rows")
                .into_iter()
                .map(|r| r.r)
                .collect();
        rows.sort();
        out.insert(t.name, rows);
    }
    out
}

fn count(db: &Path, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(&mut connect(db))
        .expect("count")
        .n
}

/// Stored files as (key, content), by key.
fn stored_files(db: &Path) -> BTreeMap<String, Vec<u8>> {
    use nianjian::store::schema::stored_files::dsl::*;
    stored_files
        .select((sha256, content))
        .load::<(String, Vec<u8>)>(&mut connect(db))
        .expect("stored files")
        .into_iter()
        .collect()
}

fn report_html(db: &Path, out: &Path) -> String {
    ok(&nianjian(&[
        "report",
        "--database",
        s(db),
        "--year",
        "2012",
        "--html",
        s(out),
    ]));
    std::fs::read_to_string(out).expect("report")
}

/// The names in `dir`, to see that nothing was left behind.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A filled database `a.db` in `dir` and its backup `a.zip`.
fn backed_up(dir: &Path) -> (PathBuf, PathBuf) {
    let original = dir.join("a.db");
    filled(&original);
    let archive = dir.join("a.zip");
    ok(&nianjian(&[
        "backup",
        "--database",
        s(&original),
        "-o",
        s(&archive),
    ]));
    (original, archive)
}

#[test]
fn a_restored_database_is_the_original() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (original, archive) = backed_up(dir.path());

    let target = dir.path().join("restored").join("b.db");
    std::fs::create_dir(target.parent().unwrap()).expect("mkdir");
    let out = nianjian(&["restore", s(&archive), "--database", s(&target)]);
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("单位 4 个，自查表 4 份"));
    // Only the database: no temporary file, no -wal or -shm beside it.
    assert_eq!(listing(target.parent().unwrap()), ["b.db"]);

    assert_eq!(dump(&original), dump(&target));
    let files = stored_files(&original);
    assert_eq!(files.len(), 4);
    assert_eq!(files, stored_files(&target));
    assert_eq!(
        report_html(&original, &dir.path().join("a.html")),
        report_html(&target, &dir.path().join("b.html"))
    );
}

#[test]
fn restore_into_a_database_in_use_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (original, archive) = backed_up(dir.path());
    let before = dump(&original);

    let out = nianjian(&["restore", s(&archive), "--database", s(&original)]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("已有数据"), "{stderr}");
    assert_eq!(dump(&original), before);
    assert_eq!(listing(dir.path()), ["a.db", "a.zip"]);

    // A database that was only migrated (a fresh start of the service) is
    // empty and takes the restore, its write-ahead log folded away.
    let fresh = dir.path().join("fresh.db");
    ok(&nianjian(&[
        "report",
        "--database",
        s(&fresh),
        "--year",
        "2012",
    ]));
    ok(&nianjian(&[
        "restore",
        s(&archive),
        "--database",
        s(&fresh),
    ]));
    assert_eq!(dump(&fresh), before);
}

#[test]
fn postgres_is_pointed_to_pg_dump() {
    let out = nianjian(&[
        "backup",
        "--database",
        "postgres://u@127.0.0.1:1/x",
        "-o",
        "never.zip",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump -Fc"));
    assert!(!Path::new("never.zip").exists());
}

/// An archive's entries, by name.
type Entries = BTreeMap<String, Vec<u8>>;

/// The archive's entries, by name.
fn entries(archive: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(archive).expect("open")).expect("zip");
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).expect("entry");
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("read");
            (entry.name().expect("name").to_string(), bytes)
        })
        .collect()
}

fn write_archive(path: &Path, entries: &BTreeMap<String, Vec<u8>>) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).expect("create"));
    for (name, bytes) in entries {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("entry");
        zip.write_all(bytes).expect("write");
    }
    zip.finish().expect("finish");
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    nianjian::ingest::checklists::hex(&sha2::Sha256::digest(bytes))
}

/// The manifest as JSON, changed by `edit`.
fn edit_manifest(
    entries: &mut BTreeMap<String, Vec<u8>>,
    edit: impl FnOnce(&mut serde_json::Value),
) {
    let manifest = entries.get_mut("manifest.json").expect("manifest");
    let mut json: serde_json::Value = serde_json::from_slice(manifest).expect("json");
    edit(&mut json);
    *manifest = serde_json::to_vec(&json).expect("json");
}

/// The database entry changed by `sql`, with the manifest's hash of it
/// made to match: only the content checks can tell.
fn with_database_changed(
    dir: &Path,
    good: &BTreeMap<String, Vec<u8>>,
    sql: &str,
) -> BTreeMap<String, Vec<u8>> {
    let scratch = dir.join("scratch.db");
    std::fs::write(&scratch, &good["database.sqlite3"]).expect("write");
    connect(&scratch).batch_execute(sql).expect("change");
    let bytes = std::fs::read(&scratch).expect("read");
    std::fs::remove_file(&scratch).expect("remove");
    let mut entries = good.clone();
    let (sha, size) = (sha256_hex(&bytes), bytes.len());
    entries.insert("database.sqlite3".into(), bytes);
    edit_manifest(&mut entries, |m| {
        m["database"]["sha256"] = sha.into();
        m["database"]["size"] = size.into();
    });
    entries
}

#[test]
fn a_damaged_archive_is_refused_and_leaves_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (original, archive) = backed_up(dir.path());
    let good = entries(&archive);
    let key = stored_files(&original)
        .keys()
        .next()
        .expect("a file")
        .clone();

    let mut flipped = good.clone();
    let db = flipped.get_mut("database.sqlite3").expect("database");
    let middle = db.len() / 2;
    db[middle] ^= 0xff;
    let mut counted = good.clone();
    edit_manifest(&mut counted, |m| m["tables"]["units"] = 5.into());
    let mut unlisted = good.clone();
    edit_manifest(&mut unlisted, |m| {
        m["stored_files"].as_array_mut().expect("list").remove(0);
    });
    let mut future = good.clone();
    edit_manifest(&mut future, |m| m["format"] = 99.into());
    let mut no_manifest = good.clone();
    no_manifest.remove("manifest.json");

    let cases: Vec<(&str, Entries, String)> = vec![
        (
            "flipped byte",
            flipped,
            "database.sqlite3 与清单不符".into(),
        ),
        (
            "emptied stored file",
            with_database_changed(
                dir.path(),
                &good,
                &format!("UPDATE stored_files SET content = x'' WHERE sha256 = '{key}'"),
            ),
            format!("存储文件 {key} 的内容与清单不符"),
        ),
        (
            "deleted unit",
            with_database_changed(
                dir.path(),
                &good,
                "PRAGMA foreign_keys = OFF; DELETE FROM units WHERE id = (SELECT max(id) FROM units)",
            ),
            "表 units 有 3 行，清单为 4 行".into(),
        ),
        (
            "edited count",
            counted,
            "表 units 有 4 行，清单为 5 行".into(),
        ),
        ("unlisted file", unlisted, "不在清单中".into()),
        ("newer format", future, "备份格式版本 99".into()),
        ("no manifest", no_manifest, "缺少 manifest.json".into()),
    ];
    let target_dir = dir.path().join("target");
    std::fs::create_dir(&target_dir).expect("mkdir");
    let target = target_dir.join("b.db");
    for (what, entries, expected) in cases {
        let damaged = dir.path().join("damaged.zip");
        write_archive(&damaged, &entries);
        let out = nianjian(&["restore", s(&damaged), "--database", s(&target)]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(stderr.contains(&expected), "{what}: {stderr}");
        assert!(
            listing(&target_dir).is_empty(),
            "{what}: {:?}",
            listing(&target_dir)
        );
    }

    // A truncated archive (a copy cut short) is no zip at all.
    let bytes = std::fs::read(&archive).expect("read");
    let cut = dir.path().join("cut.zip");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let out = nianjian(&["restore", s(&cut), "--database", s(&target)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(listing(&target_dir).is_empty());
}

const BULK: usize = 240;

/// `BULK` community workbooks of distinct units, written into `dir`.
fn many_workbooks(dir: &Path) {
    let catalog = Catalog::embedded().expect("catalog");
    let checklist = catalog.get("community@2012").expect("community@2012");
    let mut rng = SplitMix64::new(7);
    let mut answers = demo::answers(checklist, 0.9, &mut rng);
    answers
        .inputs
        .insert("loss_incident".into(), InputValue::YesNo(false));
    for n in 0..BULK {
        let code = format!("3301029{n:05}");
        let bytes = self_check_template(
            checklist,
            &Prefill {
                unit_name: Some(format!("第{n}社区")),
                unit_code: Some(code.clone()),
                unit_kind: Some("社区".into()),
                street: Some("小营街道".into()),
                year: Some(2012),
                target_tier: None,
                answers: Some(answers.clone()),
            },
        )
        .expect("workbook");
        std::fs::write(dir.join(format!("{code}.xlsx")), bytes).expect("write");
    }
}

#[test]
fn a_backup_during_a_bulk_import_holds_what_was_committed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let books = dir.path().join("books");
    std::fs::create_dir(&books).expect("mkdir");
    many_workbooks(&books);
    let db = dir.path().join("live.db");
    // The schema first, so the import below is only adding.
    ok(&nianjian(&[
        "report",
        "--database",
        s(&db),
        "--year",
        "2012",
    ]));

    let mut import = Command::new(env!("CARGO_BIN_EXE_nianjian"))
        .args(["import", "--database", s(&db), s(&books)])
        .env_remove("NIANJIAN_DATABASE")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("import");
    // Back up as soon as the first group is committed (not timed: waits
    // for the data, however long it takes).
    while count(&db, "SELECT count(*) AS n FROM submissions") == 0 {
        assert!(
            import.try_wait().expect("wait").is_none(),
            "import ended early"
        );
        std::thread::yield_now();
    }
    let archive = dir.path().join("during.zip");
    ok(&nianjian(&[
        "backup",
        "--database",
        s(&db),
        "-o",
        s(&archive),
    ]));
    assert!(import.wait().expect("import").success());

    let restored = dir.path().join("restored.db");
    ok(&nianjian(&[
        "restore",
        s(&archive),
        "--database",
        s(&restored),
    ]));
    let taken = count(&restored, "SELECT count(*) AS n FROM submissions");
    eprintln!("the backup holds {taken} of {BULK} submissions");
    assert!(taken > 0 && taken <= BULK as i64, "{taken}");
    assert_eq!(
        count(&db, "SELECT count(*) AS n FROM submissions"),
        BULK as i64
    );

    // Every submission restored has its file and its assessment.
    for orphan in [
        "SELECT count(*) AS n FROM submissions s WHERE NOT EXISTS (SELECT 1 FROM stored_files f WHERE f.sha256 = s.file_sha256)",
        "SELECT count(*) AS n FROM submissions s WHERE NOT EXISTS (SELECT 1 FROM assessments a WHERE a.submission_id = s.id)",
        "SELECT count(*) AS n FROM assessments a WHERE NOT EXISTS (SELECT 1 FROM submissions s WHERE s.id = a.submission_id)",
    ] {
        assert_eq!(count(&restored, orphan), 0, "{orphan}");
    }
    // What the backup holds is what the live database held then: a prefix
    // of its submissions, each row and each file as it is now.
    let now = dump(&db);
    let then = dump(&restored);
    for table in ["submissions", "assessments", "units"] {
        for row in &then[table] {
            assert!(now[table].contains(row), "{table}: {row}");
        }
    }
    let max_id = count(&restored, "SELECT max(id) AS n FROM submissions");
    assert_eq!(max_id, taken, "submission ids 1..={taken}, no gaps");
    let live_files = stored_files(&db);
    for (key, content) in stored_files(&restored) {
        assert_eq!(live_files.get(&key), Some(&content), "{key}");
    }
}

#[test]
fn scheduled_backups_keep_the_newest() {
    use nianjian::service::{Clock, backup};
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("a.db");
    filled(&db);
    let folder = dir.path().join("backups");
    std::fs::create_dir(&folder).expect("mkdir");
    std::fs::write(folder.join("notes.txt"), "not a backup").expect("write");
    let at = |hour| {
        Clock::at(
            chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
                .expect("date")
                .and_hms_opt(hour, 0, 0)
                .expect("time")
                .and_utc(),
        )
    };
    for hour in [1, 2, 3] {
        backup::scheduled(s(&db), &folder, 2, at(hour)).expect("backup");
    }
    assert_eq!(
        listing(&folder),
        [
            "nianjian-20261206T020000Z.njbak",
            "nianjian-20261206T030000Z.njbak",
            "notes.txt"
        ]
    );
    let restored = dir.path().join("b.db");
    let newest = folder.join("nianjian-20261206T030000Z.njbak");
    ok(&nianjian(&[
        "restore",
        s(&newest),
        "--database",
        s(&restored),
    ]));
    assert_eq!(dump(&db), dump(&restored));
}

#[test]
fn serve_refuses_a_backup_folder_that_is_not_there() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing");
    let out = nianjian(&[
        "serve",
        "--database",
        s(&dir.path().join("a.db")),
        "--backup-dir",
        s(&missing),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("备份目录"));
    assert!(listing(dir.path()).is_empty());
}

/// Starts `args`, waits until a temporary `.part` file shows in `dir` (or
/// the command ends), then kills it (SIGKILL on Unix).
fn killed_midway(args: &[&str], dir: &Path) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nianjian"))
        .args(args)
        .env_remove("NIANJIAN_DATABASE")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start");
    while child.try_wait().expect("wait").is_none()
        && !listing(dir).iter().any(|n| n.ends_with(".part"))
    {
        std::thread::yield_now();
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_killed_backup_or_restore_leaves_no_partial_file_under_the_real_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("a.db");
    filled(&db);
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).expect("mkdir");
    let archive = out_dir.join("a.zip");
    killed_midway(
        &["backup", "--database", s(&db), "-o", s(&archive)],
        &out_dir,
    );
    // Absent, or whole: then it restores.
    if !archive.exists() {
        ok(&nianjian(&[
            "backup",
            "--database",
            s(&db),
            "-o",
            s(&archive),
        ]));
    }

    let restore_dir = dir.path().join("restore");
    std::fs::create_dir(&restore_dir).expect("mkdir");
    let target = restore_dir.join("b.db");
    killed_midway(
        &["restore", s(&archive), "--database", s(&target)],
        &restore_dir,
    );
    if target.exists() {
        assert_eq!(dump(&target), dump(&db), "a restored file is whole");
    } else {
        ok(&nianjian(&[
            "restore",
            s(&archive),
            "--database",
            s(&target),
        ]));
        assert_eq!(dump(&target), dump(&db));
    }
}
