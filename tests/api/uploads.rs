use serde_json::Value;

use crate::helpers::{Book, TestApp};

fn book<'a>() -> Book<'a> {
    Book::default()
}

#[actix_web::test]
async fn wrong_password_is_401_and_no_token_is_401() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .post(
            None,
            "/api/v1/session",
            serde_json::json!({"username": "admin", "password": "wrong-password"}),
        )
        .await;
    assert_eq!(status, 401);
    assert!(body["error"].is_string(), "{body}");
    let (status, _) = app.get(None, "/api/v1/assessments?year=2012").await;
    assert_eq!(status, 401);
    let (status, _) = app
        .get(Some("not-a-token"), "/api/v1/assessments?year=2012")
        .await;
    assert_eq!(status, 401);
}

#[actix_web::test]
async fn an_upload_is_scored_stored_and_listed() {
    let app = TestApp::spawn().await;
    let token = app.login("inspector").await;
    let bytes = app.workbook(&Book {
        target: Some("省级示范档案室"),
        ..book()
    });
    let (status, body) = app.upload(&token, "小营巷社区.xlsx", bytes).await;
    assert_eq!(status, 200, "{body}");
    // The contract's element: the score JSON plus a submission id.
    assert_eq!(body["ok"], true);
    assert_eq!(body["file"], "小营巷社区.xlsx");
    assert_eq!(body["unit"]["code"], "330102301");
    assert_eq!(body["checklist"], "community@2013");
    assert_eq!(body["target_tier"], "province-model");
    assert!(body["submission_id"].as_i64().is_some());
    assert_eq!(body["items"].as_array().map(Vec::len), Some(61));
    assert_eq!(body["files"][0]["submission_id"], body["submission_id"]);

    let (status, list) = app.get(Some(&token), "/api/v1/assessments?year=2012").await;
    assert_eq!(status, 200);
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(item["unit"]["name"], "小营巷社区");
    assert_eq!(item["unit"]["street"], "小营街道");
    assert_eq!(item["year"], 2012);
    assert_eq!(item["total"], body["total"]);
    assert_eq!(item["tier"], body["tier"]);
    assert_eq!(item["reviewed"], false);
    assert_eq!(item["submission_id"], body["submission_id"]);

    // The bureau's first upload of a year opened its campaign.
    let (status, campaign) = app.get(Some(&token), "/api/v1/campaigns/2012").await;
    assert_eq!(status, 200);
    assert_eq!(campaign["checklists"][0]["checklist"], "community@2013");
    assert_eq!(campaign["deadline"], Value::Null);
}

#[actix_web::test]
async fn an_invalid_workbook_is_422_with_cells_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let token = app.login("inspector").await;
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/workbooks/broken-off-step.xlsx"
    ))
    .expect("fixture");
    let (status, body) = app.upload(&token, "broken.xlsx", bytes).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"].is_string());
    let details = body["details"].as_array().expect("details");
    assert!(!details.is_empty());
    assert!(
        details
            .iter()
            .all(|d| d["cell"].as_str().is_some_and(|c| c.contains('!'))),
        "{details:?}"
    );
    assert_eq!(body["ok"], false);

    let mut conn = app.conn();
    assert_eq!(
        nianjian::store::queries::submissions::count(&mut conn).expect("count"),
        0
    );
    assert_eq!(
        nianjian::store::queries::assessments::count(&mut conn).expect("count"),
        0
    );
    let (_, list) = app.get(Some(&token), "/api/v1/assessments?year=2012").await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0));

    // Not a workbook at all: 422 too, with a message naming no cell.
    let (status, body) = app
        .upload(&token, "notes.xlsx", b"just some text".to_vec())
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["details"][0]["cell"], Value::Null);
}

#[actix_web::test]
async fn the_same_bytes_twice_are_recognised() {
    let app = TestApp::spawn().await;
    let token = app.login("inspector").await;
    let bytes = app.workbook(&book());
    let (_, first) = app.upload(&token, "a.xlsx", bytes.clone()).await;
    let (status, second) = app.upload(&token, "a-again.xlsx", bytes).await;
    assert_eq!(status, 200);
    assert_eq!(second["duplicate"], true);
    assert_eq!(second["submission_id"], first["submission_id"]);
    let mut conn = app.conn();
    assert_eq!(
        nianjian::store::queries::submissions::count(&mut conn).expect("count"),
        1
    );
}

#[actix_web::test]
async fn a_newer_upload_supersedes_and_history_keeps_both() {
    let app = TestApp::spawn().await;
    let token = app.login("inspector").await;
    let (_, first) = app
        .upload(
            &token,
            "v1.xlsx",
            app.workbook(&Book {
                quality: 0.5,
                ..book()
            }),
        )
        .await;
    let (_, second) = app
        .upload(
            &token,
            "v2.xlsx",
            app.workbook(&Book {
                quality: 0.95,
                seed: 2,
                ..book()
            }),
        )
        .await;
    assert_ne!(first["submission_id"], second["submission_id"]);

    let (_, list) = app.get(Some(&token), "/api/v1/assessments?year=2012").await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(list["items"][0]["submission_id"], second["submission_id"]);

    let (status, history) = app
        .get(Some(&token), "/api/v1/units/330102301/history")
        .await;
    assert_eq!(status, 200);
    let entries = history["items"].as_array().expect("items");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["submission_id"], second["submission_id"]);
    assert_eq!(entries[0]["current"], true);
    assert_eq!(entries[1]["current"], false);
    assert_eq!(entries[1]["superseded_by"], second["submission_id"]);

    // The superseded file is still kept, byte for byte.
    let id = first["submission_id"].as_i64().expect("id");
    let response = app
        .client
        .get(app.url(&format!("/api/v1/submissions/{id}/file")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("download");
    assert_eq!(response.status(), 200);
    let kept = response.bytes().await.expect("bytes");
    assert_eq!(
        kept.as_ref(),
        app.workbook(&Book {
            quality: 0.5,
            ..book()
        })
        .as_slice()
    );
}

#[actix_web::test]
async fn bulk_uploads_answer_per_file_and_store_the_valid_ones() {
    let app = TestApp::spawn().await;
    let token = app.login("inspector").await;
    let good_a = app.workbook(&book());
    let good_b = app.workbook(&Book {
        code: "330102302",
        name: "葵巷社区",
        seed: 3,
        ..book()
    });
    // The year's version with a score off its step: a cell error.
    let broken = {
        let checklist = app.catalog.get("community@2013").expect("checklist");
        let mut answers = crate::helpers::full_marks(checklist);
        answers.self_scores.insert(
            "C1".into(),
            nianjian::domain::ItemAnswer::Points(nianjian::domain::Points(130)),
        );
        app.workbook_with(
            &Book {
                code: "330102303",
                name: "东园社区",
                ..book()
            },
            answers,
        )
    };
    // Last year's template (community@2012, with a mistake of its own).
    let last_year = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/workbooks/broken-text-score.xlsx"
    ))
    .expect("fixture");
    let (status, body) = app
        .upload_files(
            &token,
            vec![
                ("a.xlsx".into(), good_a),
                ("broken.xlsx".into(), broken),
                ("b.xlsx".into(), good_b),
                ("last-year.xlsx".into(), last_year),
            ],
            "",
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let files = body["files"].as_array().expect("files");
    assert_eq!(files.len(), 4);
    assert_eq!(files[0]["ok"], true);
    assert_eq!(files[1]["ok"], false);
    assert_eq!(files[1]["status"], 422);
    assert!(files[1]["errors"][0]["cell"].is_string());
    assert_eq!(files[2]["ok"], true);
    // One message naming both versions, not a cell error per changed item.
    assert_eq!(files[3]["status"], 409, "{}", files[3]);
    let said = files[3].to_string();
    assert!(
        said.contains("community@2012")
            && said.contains("community@2013")
            && said.contains("/template"),
        "{said}"
    );
    assert_eq!(body["accepted"], 2);
    let (_, list) = app.get(Some(&token), "/api/v1/assessments?year=2012").await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2));
}

#[actix_web::test]
async fn a_zip_of_workbooks_is_a_bulk_upload() {
    use std::io::Write;
    let app = TestApp::spawn().await;
    let token = app.login("inspector").await;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (n, (code, name)) in [("330102301", "小营巷社区"), ("330102302", "葵巷社区")]
        .iter()
        .enumerate()
    {
        zip.start_file(
            format!("自查表/{name}.xlsx"),
            zip::write::SimpleFileOptions::default(),
        )
        .expect("entry");
        zip.write_all(&app.workbook(&Book {
            code,
            name,
            seed: n as u64,
            ..book()
        }))
        .expect("write");
    }
    zip.start_file("说明.txt", zip::write::SimpleFileOptions::default())
        .expect("entry");
    zip.write_all("不是工作簿".as_bytes()).expect("write");
    let bytes = zip.finish().expect("zip").into_inner();
    let (status, body) = app
        .upload_files(&token, vec![("2012年度.zip".into(), bytes)], "")
        .await;
    assert_eq!(status, 200, "{body}");
    let files = body["files"].as_array().expect("files");
    assert_eq!(files.len(), 2, "only the workbooks inside");
    assert_eq!(files[0]["file"], "自查表/小营巷社区.xlsx");
    assert!(files.iter().all(|f| f["ok"] == true));
}

#[actix_web::test]
async fn a_dry_run_scores_without_storing() {
    let app = TestApp::spawn().await;
    let token = app.login("inspector").await;
    let (status, body) = app
        .upload_files(
            &token,
            vec![("a.xlsx".into(), app.workbook(&book()))],
            "?dry_run=true",
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ok"], true);
    assert_eq!(body["submission_id"], Value::Null);
    assert!(body["total"].as_f64().is_some());
    let mut conn = app.conn();
    assert_eq!(
        nianjian::store::queries::submissions::count(&mut conn).expect("count"),
        0
    );
    let (status, _) = app.get(Some(&token), "/api/v1/campaigns/2012").await;
    assert_eq!(status, 404, "a dry run opens no campaign");
}

#[actix_web::test]
async fn uploads_over_the_limit_are_413() {
    let app = TestApp::spawn_with(nianjian::web::Settings {
        max_upload_bytes: 64 * 1024,
        max_bulk_bytes: 256 * 1024,
        ..nianjian::web::Settings::default()
    })
    .await;
    let token = app.login("inspector").await;
    let (status, body) = app.upload(&token, "big.xlsx", vec![0u8; 100 * 1024]).await;
    assert_eq!(status, 413, "{body}");
    // A body declared larger than any bulk upload is refused before it is read.
    let (status, _) = app.upload(&token, "huge.zip", vec![0u8; 400 * 1024]).await;
    assert_eq!(status, 413);

    // Chunked, so no length is declared: five files each under the file
    // limit, together over the bulk limit, are refused while read.
    let address = app.address.trim_start_matches("http://").to_string();
    let answer =
        actix_web::rt::task::spawn_blocking(move || chunked_upload(&address, &token, 5, 60 * 1024))
            .await
            .expect("raw request");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("合计"), "{answer}");
}

/// A multipart upload of `files` files of `size` bytes each, sent with
/// `Transfer-Encoding: chunked` over a plain socket; the answer's text.
fn chunked_upload(address: &str, token: &str, files: usize, size: usize) -> String {
    use std::io::{Read, Write};
    let boundary = "nianjian-test-boundary";
    let mut body = Vec::new();
    for n in 0..files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{n}.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(std::iter::repeat_n(b'x', size));
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .expect("timeout");
    let head = format!(
        "POST /api/v1/submissions HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).expect("head");
    for chunk in body.chunks(16 * 1024) {
        // The server may answer and stop reading before the end.
        if stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .is_err()
            || stream.write_all(chunk).is_err()
            || stream.write_all(b"\r\n").is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[actix_web::test]
async fn campaign_rules_for_units_deadlines_and_closing() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    // Open 2012 with a deadline already passed, for communities on community@2013.
    let (status, body) = app
        .post(
            Some(&admin),
            "/api/v1/campaigns",
            serde_json::json!({"year": 2012, "deadline": "2013-03-31",
                "checklists": [{"unit_kind": "社区", "checklist": "community@2013"},
                               {"unit_kind": "机关", "checklist": "agency@2012"}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app.upload(&admin, "a.xlsx", app.workbook(&book())).await;
    assert_eq!(status, 200);
    app.add_unit_user("xiaoying", "330102301");
    let unit = app.login("xiaoying").await;

    // Late, but accepted.
    let (status, body) = app
        .upload(&unit, "b.xlsx", app.workbook(&Book { seed: 9, ..book() }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["late"], true);

    // A workbook on another checklist version than the campaign's: refused.
    let (status, body) = app
        .upload(
            &unit,
            "c.xlsx",
            app.workbook(&Book {
                checklist: "community@2012",
                ..book()
            }),
        )
        .await;
    assert_eq!(status, 409, "{body}");

    // A community that calls itself an agency to be scored on the agency
    // checklist: refused, the roster decides its kind.
    let (status, body) = app
        .upload(
            &unit,
            "k.xlsx",
            app.workbook(&Book {
                checklist: "agency@2012",
                kind: "机关",
                ..book()
            }),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("单位类型"),
        "{body}"
    );

    // A year without a campaign: a unit cannot open it.
    let (status, _) = app
        .upload(
            &unit,
            "d.xlsx",
            app.workbook(&Book {
                year: 2013,
                ..book()
            }),
        )
        .await;
    assert_eq!(status, 409);

    // Closed: nobody uploads.
    let (status, _) = app
        .send(
            reqwest::Method::PATCH,
            Some(&admin),
            "/api/v1/campaigns/2012",
            serde_json::json!({"closed": true}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .upload(&admin, "e.xlsx", app.workbook(&Book { seed: 11, ..book() }))
        .await;
    assert_eq!(status, 409);
}
