//! Bulk import, set-based: a bulk upload stores the same rows as the same
//! files uploaded one by one; a file that fails while being stored does
//! not take its group down; the audit chain verifies after set-based groups.

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::Value;

use nianjian::service::Actor;
use nianjian::service::verify::verify_audit_chain;
use nianjian::store::DbConn;

use crate::helpers::{Book, TestApp};

/// A file's name and bytes.
type Named = (String, Vec<u8>);

/// Two units' 2011 workbooks (stored first, so that 2012 finds their
/// orders and last year's facts), then a 2012 bulk: nine units, the same
/// file twice, a 2011 file again, and a unit whose roster name differs.
fn files(app: &TestApp) -> (Vec<Named>, Vec<Named>) {
    let unit = |n: usize| format!("3301023{n:02}");
    let book = |code: &str, year: i32, seed: u64, quality: f64| {
        app.workbook(&Book {
            code,
            name: "测试社区",
            year,
            seed,
            quality,
            ..Book::default()
        })
    };
    let first: Vec<Named> = (1..=2)
        .map(|n| {
            (
                format!("2011-{n}.xlsx"),
                book(&unit(n), 2011, n as u64, 0.5),
            )
        })
        .collect();
    let mut bulk: Vec<Named> = (1..=9)
        .map(|n| {
            let quality = [0.4, 0.6, 0.8, 0.95][n % 4];
            (
                format!("2012-{n}.xlsx"),
                book(&unit(n), 2012, 10 + n as u64, quality),
            )
        })
        .collect();
    bulk.insert(4, bulk[2].clone());
    bulk.push(first[0].clone());
    bulk.push((
        "renamed.xlsx".into(),
        app.workbook(&Book {
            code: &unit(20),
            name: "测试社区",
            ..Book::default()
        }),
    ));
    (first, bulk)
}

/// Everything an upload writes, as comparable text (ids included: the
/// same history gives the same ids).
fn rows(app: &TestApp) -> Vec<String> {
    use nianjian::store::schema::*;
    let mut conn = app.conn();
    let c: &mut DbConn = &mut conn;
    let mut out = Vec::new();
    let mut add = |name: &str, rows: Vec<String>| {
        out.push(format!("{name}: {}", rows.len()));
        out.extend(rows.into_iter().map(|r| format!("{name} {r}")));
    };
    add(
        "unit",
        units::table
            .order(units::id)
            .select((units::id, units::code, units::name, units::street_id))
            .load::<(i64, String, String, Option<i64>)>(c)
            .expect("units")
            .into_iter()
            .map(|r| format!("{r:?}"))
            .collect(),
    );
    add(
        "submission",
        submissions::table
            .order(submissions::id)
            .select((
                submissions::id,
                submissions::unit_id,
                submissions::campaign_id,
                submissions::file_sha256,
                submissions::file_name,
                submissions::late,
                submissions::target_tier,
            ))
            .load::<(i64, i64, i64, String, String, bool, Option<String>)>(c)
            .expect("submissions")
            .into_iter()
            .map(|r| format!("{r:?}"))
            .collect(),
    );
    let mut inputs: Vec<String> = submission_inputs::table
        .select((
            submission_inputs::submission_id,
            submission_inputs::input_key,
            submission_inputs::value,
        ))
        .load::<(i64, String, String)>(c)
        .expect("inputs")
        .into_iter()
        .map(|r| format!("{r:?}"))
        .collect();
    inputs.sort();
    add("input", inputs);
    let mut answers: Vec<String> = submission_answers::table
        .select((
            submission_answers::submission_id,
            submission_answers::item_code,
            submission_answers::answer,
            submission_answers::remark,
        ))
        .load::<(i64, String, Option<String>, Option<String>)>(c)
        .expect("answers")
        .into_iter()
        .map(|r| format!("{r:?}"))
        .collect();
    answers.sort();
    add("answer", answers);
    add(
        "assessment",
        assessments::table
            .order(assessments::id)
            .select((
                assessments::id,
                assessments::submission_id,
                assessments::total,
                assessments::tier_code,
                assessments::gaps,
                assessments::vetoes,
                assessments::pending,
            ))
            .load::<(i64, i64, i32, Option<String>, String, String, String)>(c)
            .expect("assessments")
            .into_iter()
            .map(|r| format!("{r:?}"))
            .collect(),
    );
    add(
        "item",
        assessment_items::table
            .order((assessment_items::assessment_id, assessment_items::position))
            .select((
                assessment_items::assessment_id,
                assessment_items::item_code,
                assessment_items::points,
                assessment_items::detail,
            ))
            .load::<(i64, String, i32, Option<String>)>(c)
            .expect("items")
            .into_iter()
            .map(|r| format!("{r:?}"))
            .collect(),
    );
    add(
        "category",
        assessment_categories::table
            .order((
                assessment_categories::assessment_id,
                assessment_categories::position,
            ))
            .select((
                assessment_categories::assessment_id,
                assessment_categories::category_code,
                assessment_categories::points,
            ))
            .load::<(i64, String, i32)>(c)
            .expect("categories")
            .into_iter()
            .map(|r| format!("{r:?}"))
            .collect(),
    );
    add(
        "order",
        rectifications::table
            .order(rectifications::id)
            .select((
                rectifications::id,
                rectifications::unit_id,
                rectifications::campaign_id,
                rectifications::assessment_id,
                rectifications::finding_key,
                rectifications::state,
                rectifications::points_lost,
                rectifications::previous_id,
                rectifications::due,
            ))
            .load::<(
                i64,
                i64,
                i64,
                i64,
                String,
                String,
                i32,
                Option<i64>,
                chrono::NaiveDate,
            )>(c)
            .expect("orders")
            .into_iter()
            .map(|r| format!("{r:?}"))
            .collect(),
    );
    // Events of one order keep their order; across orders, ids may interleave differently.
    let mut events: Vec<String> = rectification_events::table
        .order(rectification_events::id)
        .select((
            rectification_events::rectification_id,
            rectification_events::action,
            rectification_events::from_state,
            rectification_events::to_state,
            rectification_events::note,
        ))
        .load::<(i64, String, Option<String>, String, String)>(c)
        .expect("events")
        .into_iter()
        .map(|r| format!("{r:?}"))
        .collect();
    events.sort();
    add("event", events);
    let mut flags: Vec<String> = plausibility_flags::table
        .select((
            plausibility_flags::submission_id,
            plausibility_flags::input_key,
            plausibility_flags::message,
        ))
        .load::<(i64, Option<String>, String)>(c)
        .expect("flags")
        .into_iter()
        .map(|r| format!("{r:?}"))
        .collect();
    flags.sort();
    add("flag", flags);
    add(
        "audit",
        audit_log::table
            .order(audit_log::id)
            .select((
                audit_log::action,
                audit_log::entity,
                audit_log::entity_id,
                audit_log::detail,
            ))
            .load::<(String, String, Option<String>, String)>(c)
            .expect("audit")
            .into_iter()
            .filter(|r| r.0 != "session.create")
            .map(|r| format!("{r:?}"))
            .collect(),
    );
    out
}

fn chain_intact(app: &TestApp) -> bool {
    let report = verify_audit_chain(&mut app.conn(), &Actor::command_line()).expect("verify");
    assert!(report.entries > 0);
    report.finding.is_none()
}

/// What a file's answer says, without what differs between two servers.
fn answer(file: &Value) -> String {
    format!(
        "{} {} {} {} {} {} {} {}",
        file["file"],
        file["ok"],
        file["status"],
        file["duplicate"],
        file["total"],
        file["tier"],
        file["flags"],
        file["submission_id"],
    )
}

#[actix_web::test]
async fn a_bulk_upload_stores_the_same_rows_as_the_files_one_by_one() {
    let bulk_app = TestApp::spawn().await;
    let single_app = TestApp::spawn().await;
    let (first, bulk) = files(&bulk_app);
    // The roster knows unit 20 under another name: a note flag.
    for app in [&bulk_app, &single_app] {
        let token = app.login("inspector").await;
        for (name, bytes) in &first {
            let (status, body) = app.upload(&token, name, bytes.clone()).await;
            assert_eq!(status, 200, "{body}");
        }
        app.conn()
            .batch_execute(
                "INSERT INTO units (code, name, kind, created_at, updated_at) \
                 VALUES ('330102320', '旧名社区', '社区', '2012-01-01 00:00:00', '2012-01-01 00:00:00')",
            )
            .expect("roster row");
    }

    let token = bulk_app.login("inspector").await;
    let (status, body) = bulk_app.upload_files(&token, bulk.clone(), "").await;
    assert_eq!(status, 200, "{body}");
    let bulk_answers: Vec<String> = body["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(answer)
        .collect();

    let token = single_app.login("inspector").await;
    let mut single_answers = Vec::new();
    for (name, bytes) in &bulk {
        let (_, body) = single_app.upload(&token, name, bytes.clone()).await;
        single_answers.push(answer(&body["files"][0]));
    }

    assert_eq!(bulk_answers, single_answers);
    assert_eq!(body["accepted"], 12, "{body}");
    assert_eq!(body["files"][4]["duplicate"], true, "the same file twice");
    assert_eq!(
        body["files"][10]["duplicate"], true,
        "last year's file again"
    );
    assert!(
        body["files"][11]["flags"].to_string().contains("旧名社区"),
        "{}",
        body["files"][11]
    );

    let (bulk_rows, single_rows) = (rows(&bulk_app), rows(&single_app));
    let carried = bulk_rows.iter().filter(|r| r.contains("\"carry\"")).count();
    assert!(carried > 0, "2011's orders are carried into 2012");
    assert!(
        bulk_rows
            .iter()
            .any(|r| r.starts_with("event: ") && r != "event: 0")
    );
    for (b, s) in bulk_rows.iter().zip(&single_rows) {
        assert_eq!(b, s);
    }
    assert_eq!(bulk_rows.len(), single_rows.len());
    assert!(chain_intact(&bulk_app));
}

/// Makes the store refuse a submission named `poison.xlsx`.
fn poison(app: &TestApp) {
    let mut conn = app.conn();
    let sql = match &mut *conn {
        DbConn::Sqlite(_) => {
            "CREATE TRIGGER poison BEFORE INSERT ON submissions \
             WHEN NEW.file_name = 'poison.xlsx' \
             BEGIN SELECT RAISE(ABORT, 'poisoned'); END;"
        }
        DbConn::Postgres(_) => {
            "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN \
               IF NEW.file_name = 'poison.xlsx' THEN RAISE EXCEPTION 'poisoned'; END IF; \
               RETURN NEW; END $$ LANGUAGE plpgsql; \
             CREATE TRIGGER poison BEFORE INSERT ON submissions \
               FOR EACH ROW EXECUTE FUNCTION poison();"
        }
    };
    conn.batch_execute(sql).expect("trigger");
}

#[actix_web::test]
async fn a_file_that_fails_while_stored_leaves_the_rest_of_its_group_stored() {
    let app = TestApp::spawn().await;
    let token = app.login("inspector").await;
    let book = |n: usize| {
        app.workbook(&Book {
            code: &format!("3301024{n:02}"),
            name: "测试社区",
            seed: n as u64,
            ..Book::default()
        })
    };
    // The year opened first, so that the whole bulk goes set-based.
    let (status, body) = app.upload(&token, "0.xlsx", book(0)).await;
    assert_eq!(status, 200, "{body}");
    poison(&app);
    let files: Vec<(String, Vec<u8>)> = (1..=6)
        .map(|n| {
            let name = if n == 3 {
                "poison.xlsx".into()
            } else {
                format!("{n}.xlsx")
            };
            (name, book(n))
        })
        .collect();
    let (status, body) = app.upload_files(&token, files, "").await;
    assert_eq!(status, 200, "{body}");
    let ok: Vec<bool> = body["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["ok"] == true)
        .collect();
    assert_eq!(ok, [true, true, false, true, true, true], "{body}");
    let (_, list) = app.get(Some(&token), "/api/v1/assessments?year=2012").await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(6));
    let accepted = {
        use nianjian::store::schema::audit_log;
        audit_log::table
            .filter(audit_log::action.eq("upload.accept"))
            .count()
            .get_result::<i64>(&mut *app.conn())
            .expect("count")
    };
    assert_eq!(accepted, 6);
    assert!(chain_intact(&app));
}

#[actix_web::test]
async fn files_read_while_groups_are_stored_are_answered_in_order() {
    use nianjian::ingest::workbook::Limits;
    use nianjian::service::upload_batch::{self, Incoming};
    use nianjian::service::{Clock, Env, uploads};
    let app = TestApp::spawn().await;
    // More than two groups, with an unreadable file in the second.
    let count = uploads::GROUP * 2 + 3;
    let files: Vec<Incoming> = (0..count)
        .map(|n| {
            let name = format!("{n}.xlsx");
            if n == uploads::GROUP + 1 {
                return Incoming::File {
                    name,
                    bytes: b"not a workbook".to_vec(),
                };
            }
            let bytes = app.workbook(&Book {
                code: &format!("33010{n:04}"),
                name: "测试社区",
                seed: n as u64,
                ..Book::default()
            });
            Incoming::File { name, bytes }
        })
        .collect();
    let limits = Limits::default();
    let env = Env {
        catalog: &app.catalog,
        limits: &limits,
        clock: Clock::at(chrono::Utc::now()),
        plausibility: &nianjian::domain::plausibility::DEFAULT_RULES,
    };
    let outcomes = upload_batch::upload(
        &mut app.conn(),
        env,
        &Actor::command_line(),
        files,
        Default::default(),
    );
    let names: Vec<String> = outcomes.iter().map(|o| o.file.clone()).collect();
    let expected: Vec<String> = (0..count).map(|n| format!("{n}.xlsx")).collect();
    assert_eq!(names, expected);
    let refused: Vec<usize> = (0..count).filter(|n| !outcomes[*n].accepted()).collect();
    assert_eq!(refused, [uploads::GROUP + 1]);
    let stored = {
        use nianjian::store::schema::submissions;
        submissions::table
            .count()
            .get_result::<i64>(&mut *app.conn())
            .expect("count")
    };
    assert_eq!(stored, count as i64 - 1);
    assert!(chain_intact(&app));
}

/// A group stored set-based (new units, an open year, new bytes) moves the
/// data version, as every other write does: other servers' caches and
/// every list's kept total follow it.
#[actix_web::test]
async fn a_set_based_group_moves_the_data_version() {
    let app = TestApp::spawn().await;
    let token = app.login("inspector").await;
    let book = |code: &'static str, seed: u64| {
        app.workbook(&crate::helpers::Book {
            code,
            name: code,
            seed,
            ..Default::default()
        })
    };
    // The year opened (a write of its own) before the group.
    let (status, body) = app.upload(&token, "0.xlsx", book("330102960", 1)).await;
    assert_eq!(status, 200, "{body}");
    let path = "/api/v1/assessments?year=2012";
    let (_, before) = app.get(Some(&token), path).await;
    let version = app.data_version();
    let group = vec![
        ("1.xlsx".to_string(), book("330102961", 2)),
        ("2.xlsx".to_string(), book("330102962", 3)),
        ("3.xlsx".to_string(), book("330102963", 4)),
    ];
    let (status, body) = app.upload_files(&token, group, "").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["accepted"], 3, "{body}");
    assert!(
        app.data_version() > version,
        "the set-based write moved nothing"
    );
    let (_, after) = app.get(Some(&token), path).await;
    assert_eq!(before["total"], 1);
    assert_eq!(after["total"], 4);
}

/// Assessments whose stored `is_current` flag differs from what it stands
/// for: the newest assessment of the newest submission of its unit in its
/// campaign (the definition the lists tested row by row before the flag).
fn current_flag_mismatches(app: &TestApp) -> Vec<(i64, bool)> {
    #[derive(QueryableByName)]
    struct Mismatch {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        is_current: bool,
    }
    let mut conn = app.conn();
    diesel::sql_query(
        "SELECT id, is_current FROM assessments \
         WHERE is_current <> (NOT EXISTS (SELECT 1 FROM assessments AS newer \
                                WHERE newer.submission_id = assessments.submission_id \
                                  AND newer.id > assessments.id) \
                          AND NOT EXISTS (SELECT 1 FROM submissions AS later \
                                WHERE later.unit_id = assessments.unit_id \
                                  AND later.campaign_id = assessments.campaign_id \
                                  AND later.id > assessments.submission_id)) \
         ORDER BY id",
    )
    .load::<Mismatch>(&mut *conn)
    .expect("mismatches")
    .into_iter()
    .map(|m| (m.id, m.is_current))
    .collect()
}

#[actix_web::test]
async fn the_stored_current_flag_follows_uploads_bulk_groups_and_reviews() {
    let app = TestApp::spawn().await;
    let token = app.login("inspector").await;
    let book = |code: &'static str, year: i32, seed: u64| {
        app.workbook(&crate::helpers::Book {
            code,
            name: code,
            year,
            seed,
            ..Default::default()
        })
    };
    let submission = |body: &Value| body["submission_id"].clone();
    let review = |id: Value| {
        let path = format!("/api/v1/submissions/{}/reviews", id.as_i64().expect("id"));
        let token = token.clone();
        let app = &app;
        async move {
            app.post(
                Some(&token),
                &path,
                serde_json::json!({"kind": "spot", "note": "抽查",
                    "items": [{"code": "F8", "points": 0.5, "reason": "编研成果仅一项"}]}),
            )
            .await
        }
    };

    // Last year, then this year twice for one unit (the second supersedes).
    let (_, last_year) = app
        .upload(&token, "a-2011.xlsx", book("330102970", 2011, 1))
        .await;
    let (_, first) = app
        .upload(&token, "a-1.xlsx", book("330102970", 2012, 2))
        .await;
    let (status, second) = app
        .upload(&token, "a-2.xlsx", book("330102970", 2012, 3))
        .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(current_flag_mismatches(&app), vec![]);

    // A review of the superseded submission stays out of the lists; a
    // review of the newest one becomes the unit's current result.
    let (status, old_review) = review(submission(&first)).await;
    assert_eq!(
        current_flag_mismatches(&app),
        vec![],
        "{status} {old_review}"
    );
    let (status, new_review) = review(submission(&second)).await;
    assert_eq!(status, 200, "{new_review}");
    assert_eq!(current_flag_mismatches(&app), vec![]);
    let (status, _) = review(submission(&last_year)).await;
    assert_eq!(status, 200);

    // A set-based group over new units and a unit with a current result.
    let group = vec![
        ("b.xlsx".to_string(), book("330102971", 2012, 4)),
        ("c.xlsx".to_string(), book("330102972", 2012, 5)),
        ("a-3.xlsx".to_string(), book("330102970", 2012, 6)),
    ];
    let (status, body) = app.upload_files(&token, group, "").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["accepted"], 3, "{body}");
    assert_eq!(current_flag_mismatches(&app), vec![]);

    // One current result per unit and year, and the list shows it.
    let (_, list) = app.get(Some(&token), "/api/v1/assessments?year=2012").await;
    assert_eq!(list["total"], 3, "{list}");
    let (_, list) = app.get(Some(&token), "/api/v1/assessments?year=2011").await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["reviewed"], true, "{list}");
}

/// On PostgreSQL a bulk upload leaves the tables it grew analyzed
/// (`store::statistics`): the reports read next plan on fresh statistics,
/// whether or not autovacuum runs. Nothing else here runs `ANALYZE`, so
/// `last_analyze` (manual analyses only) is empty without it.
#[actix_web::test]
async fn a_bulk_upload_on_postgresql_leaves_its_tables_analyzed() {
    #[derive(QueryableByName)]
    struct Analyzed {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        analyzed: bool,
    }
    let app = TestApp::spawn().await;
    if !matches!(*app.conn(), DbConn::Postgres(_)) {
        return;
    }
    let token = app.login("inspector").await;
    let group: Vec<(String, Vec<u8>)> = (0..3u64)
        .map(|i| {
            let code: &'static str = ["330102961", "330102962", "330102963"][i as usize];
            let book = app.workbook(&Book {
                code,
                name: code,
                seed: i + 1,
                ..Default::default()
            });
            (format!("{i}.xlsx"), book)
        })
        .collect();
    let analyzed = |app: &TestApp| -> Vec<(String, bool)> {
        diesel::sql_query(
            "SELECT relname::text AS name, last_analyze IS NOT NULL AS analyzed \
               FROM pg_stat_user_tables \
              WHERE schemaname = current_schema() \
                AND relname IN ('assessment_items', 'submission_answers') \
              ORDER BY relname",
        )
        .load::<Analyzed>(&mut *app.conn())
        .expect("statistics")
        .into_iter()
        .map(|a| (a.name, a.analyzed))
        .collect()
    };
    assert!(
        analyzed(&app).iter().all(|(_, a)| !a),
        "analyzed before any upload: {:?}",
        analyzed(&app)
    );
    let (status, body) = app.upload_files(&token, group, "").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["accepted"], 3, "{body}");
    let after = analyzed(&app);
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(after.iter().all(|(_, a)| *a), "{after:?}");
}
