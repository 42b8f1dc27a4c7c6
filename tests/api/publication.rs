//! Publishing a year's results (年度结果发布): by the API and by `nianjian
//! publish`; the fingerprint on the dashboard, the district workbook and
//! the report card (and nothing before publication); a later upload logged
//! as a correction that `nianjian verify` accepts; a snapshot row, the
//! stored hash or a result edited with SQL named by `nianjian verify`.

use std::io::Cursor;

use calamine::{Data, Reader};
use diesel::connection::SimpleConnection;
use serde_json::{Value, json};

use crate::helpers::{Book, TestApp};

const CODE_A: &str = "330102301";
const CODE_B: &str = "330102302";
const PATH: &str = "/api/v1/campaigns/2012/publication";

/// Two communities of 2012 uploaded by the inspector.
async fn two_units() -> (TestApp, String, String) {
    let app = TestApp::spawn().await;
    let inspector = app.login("inspector").await;
    let admin = app.login("admin").await;
    for (code, name, seed) in [(CODE_A, "小营巷社区", 1), (CODE_B, "葵巷社区", 2)] {
        let bytes = app.workbook(&Book {
            code,
            name,
            seed,
            ..Book::default()
        });
        let (status, body) = app.upload(&inspector, &format!("{name}.xlsx"), bytes).await;
        assert_eq!(status, 200, "{body}");
    }
    (app, admin, inspector)
}

/// `nianjian verify` on the app's database: exit code and output.
fn verify(app: &TestApp) -> (i32, String) {
    nianjian(app, &["verify"])
}

fn nianjian(app: &TestApp, args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nianjian"))
        .current_dir(dir.path())
        .args(args)
        .args(["--database", &app.database_arg()])
        .env_remove("NIANJIAN_DATABASE")
        .env("NIANJIAN_LOG", "warn")
        .output()
        .expect("run nianjian");
    (
        out.status.code().expect("exit code"),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn sql(app: &TestApp, statements: &str) {
    app.conn().batch_execute(statements).expect("run SQL");
}

async fn text(app: &TestApp, token: &str, path: &str) -> String {
    let (status, _, bytes) = app.get_bytes(token, path).await;
    assert_eq!(status, 200, "{path}");
    String::from_utf8(bytes).expect("utf-8")
}

/// Every text cell of the district workbook's 总览 sheet, joined.
async fn overview_text(app: &TestApp, token: &str) -> String {
    let (status, _, bytes) = app
        .get_bytes(token, "/api/v1/reports/district.xlsx?year=2012")
        .await;
    assert_eq!(status, 200);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("an xlsx");
    let range = book.worksheet_range("总览").expect("总览");
    range
        .cells()
        .filter_map(|(_, _, c)| match c {
            Data::String(s) => Some(s.clone()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn current_total(app: &TestApp, token: &str, code: &str) -> f64 {
    let (status, list) = app
        .get(
            Some(token),
            &format!("/api/v1/assessments?year=2012&unit={code}"),
        )
        .await;
    assert_eq!(status, 200, "{list}");
    list["items"][0]["total"].as_f64().expect("total")
}

fn is_fingerprint(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 4
        && groups
            .iter()
            .all(|g| g.len() == 4 && g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[actix_web::test]
async fn published_results_carry_their_fingerprint_and_corrections() {
    let (app, admin, inspector) = two_units().await;
    let card_a = format!("/api/v1/units/{CODE_A}/card.html?year=2012");
    let card_b = format!("/api/v1/units/{CODE_B}/card.html?year=2012");
    let dashboard = "/api/v1/reports/district.html?year=2012";

    // Unpublished: nothing printed, nothing to read.
    assert!(!text(&app, &admin, dashboard).await.contains("本结果已于"));
    assert!(!text(&app, &admin, &card_a).await.contains("本结果已于"));
    assert!(!overview_text(&app, &admin).await.contains("本结果已于"));
    let (status, body) = app.get(Some(&admin), PATH).await;
    assert_eq!(status, 404, "{body}");

    let (status, published) = app.post(Some(&admin), PATH, json!({})).await;
    assert_eq!(status, 201, "{published}");
    let fingerprint = published["fingerprint"].as_str().expect("fingerprint");
    assert!(is_fingerprint(fingerprint), "{published}");
    assert_eq!(published["sha256"].as_str().map(str::len), Some(64));
    assert!(
        published["sha256"]
            .as_str()
            .unwrap()
            .starts_with(&fingerprint.replace('-', ""))
    );
    assert_eq!(published["units"], 2, "{published}");
    assert_eq!(published["results"], 2, "{published}");
    assert_eq!(published["corrections"], json!([]), "{published}");
    let line = format!(
        "本结果已于 {} 发布，指纹 {fingerprint}",
        published["published_on"].as_str().expect("date")
    );
    assert_eq!(published["line"], line.as_str());

    let (status, read) = app.get(Some(&app.login("leader").await), PATH).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["sha256"], published["sha256"]);

    for page in [dashboard, card_a.as_str(), card_b.as_str()] {
        let html = text(&app, &admin, page).await;
        assert!(html.contains(&line), "{page}");
        assert!(!html.contains("发布后更正"), "{page}");
    }
    assert!(overview_text(&app, &admin).await.contains(&line));
    let (code, out) = verify(&app);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("年度结果发布完好：共 1 次发布"), "{out}");

    // A new upload after publication: a correction, in the same breath.
    let before = current_total(&app, &admin, CODE_A).await;
    let mut seed = 10;
    loop {
        let bytes = app.workbook(&Book {
            code: CODE_A,
            name: "小营巷社区",
            seed,
            quality: 0.6,
            ..Book::default()
        });
        let (status, body) = app
            .upload(&inspector, "小营巷社区（更正）.xlsx", bytes)
            .await;
        assert_eq!(status, 200, "{body}");
        if current_total(&app, &admin, CODE_A).await != before {
            break;
        }
        seed += 1;
        assert!(seed < 20, "no workbook changed the total");
    }
    let after = current_total(&app, &admin, CODE_A).await;
    let (status, read) = app.get(Some(&admin), PATH).await;
    assert_eq!(status, 200, "{read}");
    let corrections = read["corrections"].as_array().expect("corrections");
    assert_eq!(corrections.len(), 1, "{read}");
    assert_eq!(corrections[0]["unit"], CODE_A);
    assert_eq!(corrections[0]["unit_name"], "小营巷社区");
    assert_eq!(corrections[0]["before"]["total"].as_f64(), Some(before));
    assert_eq!(corrections[0]["after"]["total"].as_f64(), Some(after));
    assert_eq!(corrections[0]["actor"], "inspector");
    assert_eq!(
        read["fingerprint"], fingerprint,
        "the publication is unchanged"
    );

    assert!(
        text(&app, &admin, dashboard)
            .await
            .contains(&format!("{line}；发布后更正 1 项"))
    );
    assert!(
        text(&app, &admin, &card_a)
            .await
            .contains("发布后更正 1 项")
    );
    assert!(!text(&app, &admin, &card_b).await.contains("发布后更正"));
    assert!(
        overview_text(&app, &admin)
            .await
            .contains("发布后更正 1 项")
    );
    let (code, out) = verify(&app);
    assert_eq!(code, 0, "{out}");

    // The audit log has both, chained like every entry.
    let (status, log) = app.get(Some(&admin), "/api/v1/audit?per_page=1000").await;
    assert_eq!(status, 200);
    let actions: Vec<&str> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"publication.publish"), "{actions:?}");
    assert!(actions.contains(&"publication.correct"), "{actions:?}");

    // A correction row changed, or one added, around the service: the
    // audit entry written with each correction does not bear it out.
    sql(
        &app,
        "UPDATE publication_corrections SET new_total = new_total + 100",
    );
    let (code, out) = verify(&app);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains(&format!("单位 {CODE_A} 的更正记录")), "{out}");
    sql(
        &app,
        "UPDATE publication_corrections SET new_total = new_total - 100",
    );
    assert_eq!(verify(&app).0, 0);
    sql(
        &app,
        &format!(
            "INSERT INTO publication_corrections (publication_id, unit_code, old_total, old_standing, \
             new_total, new_standing, assessment_id, user_id, actor, at, audit_id) \
             SELECT publication_id, '{CODE_B}', old_total, old_standing, new_total, new_standing, \
             assessment_id, user_id, actor, at, audit_id FROM publication_corrections"
        ),
    );
    let (code, out) = verify(&app);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains(&format!("单位 {CODE_B} 的更正记录")), "{out}");
}

#[actix_web::test]
async fn editing_published_or_current_results_with_sql_is_named() {
    let (app, admin, _) = two_units().await;
    let (status, published) = app.post(Some(&admin), PATH, json!({})).await;
    assert_eq!(status, 201, "{published}");
    let fingerprint = published["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_string();
    let id = published["id"].as_i64().expect("id");

    // A snapshot row.
    sql(
        &app,
        &format!(
            "UPDATE publication_units SET total = total + 100 \
             WHERE publication_id = {id} AND unit_code = '{CODE_B}'"
        ),
    );
    let (code, out) = verify(&app);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains(&format!(
            "2012 年度发布（编号 {id}，指纹 {fingerprint}）中 单位 {CODE_B} 的结果与发布时不符"
        )),
        "{out}"
    );
    assert!(
        out.starts_with("审计日志完好"),
        "the chain itself holds: {out}"
    );
    sql(
        &app,
        &format!(
            "UPDATE publication_units SET total = total - 100 \
             WHERE publication_id = {id} AND unit_code = '{CODE_B}'"
        ),
    );
    assert_eq!(verify(&app).0, 0);

    // The stored hash, and the snapshot with a hash to match it.
    let sha = published["sha256"].as_str().expect("sha");
    sql(
        &app,
        &format!(
            "UPDATE publications SET sha256 = '{}' WHERE id = {id}",
            "0".repeat(64)
        ),
    );
    let (code, out) = verify(&app);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("发布快照与记下的 sha256 不符"), "{out}");
    sql(
        &app,
        &format!("UPDATE publications SET sha256 = '{sha}' WHERE id = {id}"),
    );
    assert_eq!(verify(&app).0, 0);

    // The year a publication is of, which the printed line names.
    sql(
        &app,
        &format!("UPDATE publications SET year = 2013 WHERE id = {id}"),
    );
    let (code, out) = verify(&app);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("发布时间或年度与审计日志中发布时的记录不符"),
        "{out}"
    );
    sql(
        &app,
        &format!("UPDATE publications SET year = 2012 WHERE id = {id}"),
    );
    assert_eq!(verify(&app).0, 0);

    // A current result, with no correction.
    let (status, list) = app
        .get(
            Some(&admin),
            &format!("/api/v1/assessments?year=2012&unit={CODE_A}"),
        )
        .await;
    assert_eq!(status, 200);
    let assessment = list["items"][0]["assessment_id"].as_i64().expect("id");
    sql(
        &app,
        &format!("UPDATE assessments SET total = total + 250 WHERE id = {assessment}"),
    );
    let (code, out) = verify(&app);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains(&format!("单位 {CODE_A}（2012 年度）的当前结果")),
        "{out}"
    );
    assert!(out.contains("没有更正记录"), "{out}");
    assert!(!out.contains(CODE_B), "only the edited unit: {out}");
}

#[actix_web::test]
async fn the_command_line_publishes_and_a_year_may_be_published_again() {
    let (app, admin, _) = two_units().await;
    let (code, out) = nianjian(&app, &["publish", "--year", "2012"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("已发布 2012 年度结果"), "{out}");
    let (status, first) = app.get(Some(&admin), PATH).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["actor"], "命令行");
    assert!(
        out.contains(first["fingerprint"].as_str().unwrap()),
        "{out}"
    );

    let (status, second) = app.post(Some(&admin), PATH, json!({})).await;
    assert_eq!(status, 201, "{second}");
    assert_ne!(second["id"], first["id"]);
    // Nothing changed between: the same results give the same hash.
    assert_eq!(second["sha256"], first["sha256"]);
    assert_eq!(second["earlier"][0]["id"], first["id"], "{second}");
    let (code, out) = verify(&app);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("共 2 次发布"), "{out}");

    let (code, out) = nianjian(&app, &["publish", "--year", "1999"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("1999 年度尚未开始年检"), "{out}");
}

#[actix_web::test]
async fn only_an_admin_publishes_and_units_do_not_read_publications() {
    let (app, admin, inspector) = two_units().await;
    let (status, body) = app.post(Some(&inspector), PATH, json!({})).await;
    assert_eq!(status, 403, "{body}");
    let (status, body): (u16, Value) = app
        .post(
            Some(&admin),
            "/api/v1/campaigns/1999/publication",
            json!({}),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = app.post(Some(&admin), PATH, json!({})).await;
    assert_eq!(status, 201);
    app.add_unit_user("unit_a", CODE_A);
    let unit = app.login("unit_a").await;
    let (status, body) = app.get(Some(&unit), PATH).await;
    assert_eq!(status, 403, "{body}");
    // The unit reads the fingerprint on its own card.
    let card = text(
        &app,
        &unit,
        &format!("/api/v1/units/{CODE_A}/card.html?year=2012"),
    )
    .await;
    assert!(card.contains("本结果已于"), "{card}");
}
