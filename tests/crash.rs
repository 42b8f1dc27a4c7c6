//! A bulk import killed with SIGKILL leaves no half-written submission, and
//! importing the same directory again completes it, every file stored once.
//!
//! SQLite only: the kill test runs the real binary against a database file
//! (`nianjian import --database <tmp>/x.db <dir>`); on PostgreSQL the server
//! owns durability and the same transactions apply.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use rayon::prelude::*;

use nianjian::domain::random::SplitMix64;
use nianjian::domain::{Checklist, Rule};
use nianjian::ingest::checklists::Catalog;
use nianjian::reports::template::{Prefill, self_check_template};
use nianjian::service::demo;
use nianjian::store::{DatabaseUrl, Db, DbConn};

const FILES: usize = 300;
/// Checklists used, one per unit kind (a year's campaign has one per kind).
const CHECKLISTS: [&str; 2] = ["community@2013", "agency@2012"];

/// Filled workbooks of distinct units, half communities, half agencies.
fn generate(dir: &Path, catalog: &Catalog) -> Vec<PathBuf> {
    (0..FILES)
        .into_par_iter()
        .map(|n| {
            let checklist = catalog.get(CHECKLISTS[n % 2]).expect("checklist");
            let mut rng = SplitMix64::new(n as u64 + 1);
            let quality = rng.unit();
            let prefill = Prefill {
                unit_name: Some(format!("单位{n:04}")),
                unit_code: Some(format!("3301{n:05}")),
                unit_kind: Some(checklist.unit_kinds[0].clone()),
                street: Some(["小营街道", "湖滨街道", "清波街道"][n % 3].into()),
                year: Some(2012),
                target_tier: None,
                answers: Some(demo::answers(checklist, quality, &mut rng)),
            };
            let bytes = self_check_template(checklist, &prefill).expect("workbook");
            let path = dir.join(format!("{n:04}.xlsx"));
            std::fs::write(&path, bytes).expect("write workbook");
            path
        })
        .collect()
}

fn import_command(db: &Path, dir: &Path, work: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nianjian"));
    command
        .arg("import")
        .arg("--database")
        .arg(db)
        .arg(dir)
        // The built-in checklists, whatever the checkout holds.
        .current_dir(work)
        .env_remove("NIANJIAN_DATABASE")
        .env("RUST_LOG", "warn");
    command
}

/// Runs the import and kills it (SIGKILL) `delay` after it has printed
/// `after` more ✓ lines. Returns whether it was killed before it finished.
fn import_and_kill(db: &Path, dir: &Path, work: &Path, after: usize, delay: Duration) -> bool {
    let stderr = std::fs::File::create(work.join("stderr.log")).expect("log");
    let mut child = import_command(db, dir, work)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("run nianjian import");
    let stdout = child.stdout.take().expect("stdout");
    let mut seen = 0;
    let mut lines = BufReader::new(stdout).lines();
    let mut finished = true;
    for line in lines.by_ref() {
        let line = line.expect("utf-8 output");
        if line.starts_with('✓') && !line.contains("与已有自查表相同") {
            seen += 1;
        }
        if seen >= after {
            finished = false;
            break;
        }
    }
    std::thread::sleep(delay);
    child.kill().expect("kill");
    let status = child.wait().expect("wait");
    drop(lines);
    if finished {
        let log = std::fs::read_to_string(work.join("stderr.log")).unwrap_or_default();
        assert!(
            status.success(),
            "import failed before the kill: {status}\n{log}"
        );
    }
    !finished
}

#[derive(QueryableByName)]
struct Integrity {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

#[derive(QueryableByName)]
struct SubmissionCounts {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    checklist_reference: String,
    #[diesel(sql_type = Text)]
    file_sha256: String,
    #[diesel(sql_type = BigInt)]
    self_assessments: i64,
    #[diesel(sql_type = BigInt)]
    items: i64,
    #[diesel(sql_type = BigInt)]
    categories: i64,
    #[diesel(sql_type = BigInt)]
    inputs: i64,
    #[diesel(sql_type = BigInt)]
    answers: i64,
    #[diesel(sql_type = BigInt)]
    files: i64,
    #[diesel(sql_type = BigInt)]
    audited: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut SqliteConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

fn self_items(checklist: &Checklist) -> i64 {
    checklist
        .items
        .iter()
        .filter(|i| matches!(i.rule, Rule::SelfScored { .. }))
        .count() as i64
}

/// Checks the database is whole: integrity, and every submission complete.
/// Returns the sha256 of each submission's file.
fn check_whole(path: &Path, catalog: &Catalog) -> Vec<String> {
    let db = Db::open(&DatabaseUrl::Sqlite(path.to_path_buf()), 1).expect("open the database");
    let mut pooled = db.get().expect("conn");
    let DbConn::Sqlite(conn) = &mut *pooled else {
        unreachable!("an SQLite file")
    };
    let integrity: Vec<Integrity> = diesel::sql_query("PRAGMA integrity_check")
        .load(conn)
        .expect("integrity_check");
    let results: Vec<&str> = integrity
        .iter()
        .map(|r| r.integrity_check.as_str())
        .collect();
    assert_eq!(results, ["ok"], "PRAGMA integrity_check");
    assert_eq!(
        count(conn, "SELECT COUNT(*) AS n FROM pragma_foreign_key_check"),
        0,
        "foreign keys hold"
    );

    let rows: Vec<SubmissionCounts> = diesel::sql_query(
        "SELECT s.id, s.checklist_reference, s.file_sha256,
           (SELECT COUNT(*) FROM assessments a
              WHERE a.submission_id = s.id AND a.review_id IS NULL) AS self_assessments,
           (SELECT COUNT(*) FROM assessment_items i JOIN assessments a ON a.id = i.assessment_id
              WHERE a.submission_id = s.id AND a.review_id IS NULL) AS items,
           (SELECT COUNT(*) FROM assessment_categories c JOIN assessments a ON a.id = c.assessment_id
              WHERE a.submission_id = s.id AND a.review_id IS NULL) AS categories,
           (SELECT COUNT(*) FROM submission_inputs si WHERE si.submission_id = s.id) AS inputs,
           (SELECT COUNT(*) FROM submission_answers sa WHERE sa.submission_id = s.id) AS answers,
           (SELECT COUNT(*) FROM stored_files f WHERE f.sha256 = s.file_sha256) AS files,
           (SELECT COUNT(*) FROM audit_log l WHERE l.action = 'upload.accept'
              AND l.entity = 'submission' AND l.entity_id = CAST(s.id AS TEXT)) AS audited
         FROM submissions s ORDER BY s.id",
    )
    .load(conn)
    .expect("submissions");
    let mut wrong = Vec::new();
    for row in &rows {
        let checklist = catalog.get(&row.checklist_reference).expect("checklist");
        let expected = (
            1,
            checklist.items.len() as i64,
            checklist.categories.len() as i64,
            checklist.inputs.len() as i64,
            self_items(checklist),
            1,
            1,
        );
        let found = (
            row.self_assessments,
            row.items,
            row.categories,
            row.inputs,
            row.answers,
            row.files,
            row.audited,
        );
        if found != expected {
            wrong.push(format!(
                "submission {} ({}): (self assessments, items, categories, inputs, answers, \
                 files, audit entries) = {found:?}, expected {expected:?}",
                row.id, row.checklist_reference
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "half-written submissions:\n{}",
        wrong.join("\n")
    );

    // Nothing outside a submission: files, units, assessments, flags.
    for (what, sql) in [
        (
            "stored files no submission refers to",
            "SELECT COUNT(*) AS n FROM stored_files f
               WHERE NOT EXISTS (SELECT 1 FROM submissions s WHERE s.file_sha256 = f.sha256)
                 AND NOT EXISTS (SELECT 1 FROM rejected_uploads r WHERE r.file_sha256 = f.sha256)",
        ),
        (
            "units without a submission (units are created with their first one)",
            "SELECT COUNT(*) AS n FROM units u
               WHERE NOT EXISTS (SELECT 1 FROM submissions s WHERE s.unit_id = u.id)",
        ),
        (
            "assessments without a submission",
            "SELECT COUNT(*) AS n FROM assessments a
               WHERE NOT EXISTS (SELECT 1 FROM submissions s WHERE s.id = a.submission_id)",
        ),
        (
            "submissions of a file stored twice",
            "SELECT COUNT(*) AS n FROM (SELECT file_sha256 FROM submissions
               GROUP BY file_sha256 HAVING COUNT(*) > 1) AS twice",
        ),
        (
            "rejected uploads",
            "SELECT COUNT(*) AS n FROM rejected_uploads",
        ),
        (
            "campaigns other than 2012's",
            "SELECT COUNT(*) AS n FROM campaigns WHERE year <> 2012",
        ),
    ] {
        assert_eq!(count(conn, sql), 0, "{what}");
    }
    assert!(
        count(conn, "SELECT COUNT(*) AS n FROM campaigns") <= 1,
        "one campaign"
    );
    rows.into_iter().map(|r| r.file_sha256).collect()
}

#[test]
fn a_killed_bulk_import_leaves_whole_submissions_and_resumes() {
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path().join("workbooks");
    std::fs::create_dir(&dir).expect("dir");
    let catalog = Catalog::embedded().expect("checklists");
    let files = generate(&dir, &catalog);
    let digests: BTreeMap<String, PathBuf> = files
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p).expect("read");
            (nianjian::service::uploads::sha256(&bytes), p.clone())
        })
        .collect();
    assert_eq!(digests.len(), FILES, "every workbook distinct");
    let db = work.path().join("x.db");

    // Killed five times, each at another delay after a file was stored, so
    // the kill falls at different points of the next file's work (reading,
    // scoring, the transaction, the commit).
    const EACH: usize = 6;
    for (round, delay_ms) in [0u64, 3, 7, 12, 18].into_iter().enumerate() {
        let killed = import_and_kill(
            &db,
            &dir,
            work.path(),
            EACH,
            Duration::from_millis(delay_ms),
        );
        assert!(
            killed,
            "round {round}: the import finished before it could be killed"
        );
        let stored = check_whole(&db, &catalog);
        assert!(
            stored.len() >= EACH * (round + 1) && stored.len() < FILES,
            "round {round}: {} stored",
            stored.len()
        );
        for sha in &stored {
            assert!(
                digests.contains_key(sha),
                "a stored file that is not one of ours"
            );
        }
    }
    let before = check_whole(&db, &catalog).len();

    // Again, to the end: the files already stored are recognised, the rest stored.
    let output = import_command(&db, &dir, work.path())
        .output()
        .expect("run nianjian import");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with('✓')).collect();
    assert_eq!(lines.len(), FILES, "{stdout}");
    let duplicates = lines
        .iter()
        .filter(|l| l.contains("与已有自查表相同"))
        .count();
    assert_eq!(
        duplicates, before,
        "the files stored before the kill are recognised"
    );

    let stored = check_whole(&db, &catalog);
    assert_eq!(stored.len(), FILES);
    let distinct: BTreeSet<&String> = stored.iter().collect();
    assert_eq!(distinct.len(), FILES, "every file stored exactly once");
    assert_eq!(
        distinct.into_iter().cloned().collect::<BTreeSet<_>>(),
        digests.keys().cloned().collect::<BTreeSet<_>>(),
        "the stored files are the workbooks"
    );
    let db = Db::open(&DatabaseUrl::Sqlite(db), 1).expect("open");
    let mut pooled = db.get().expect("conn");
    let DbConn::Sqlite(conn) = &mut *pooled else {
        unreachable!()
    };
    assert_eq!(
        count(conn, "SELECT COUNT(*) AS n FROM stored_files"),
        FILES as i64
    );
    assert_eq!(count(conn, "SELECT COUNT(*) AS n FROM units"), FILES as i64);
}
