//! 佐证材料: a unit attaches files to an item of its year's self-check;
//! the inspector sees them beside the item; they come back byte for byte
//! and are never served as a page.

use serde_json::Value;

use crate::helpers::{Book, TestApp, full_marks};

const CODE: &str = "330102301";
const OTHER: &str = "330102302";

async fn uploaded(app: &TestApp) -> (String, String, Value) {
    let inspector = app.login("inspector").await;
    let checklist = app.catalog.get("community@2013").expect("checklist");
    let bytes = app.workbook_with(&Book::default(), full_marks(checklist));
    let (status, body) = app.upload(&inspector, "自查表.xlsx", bytes).await;
    assert_eq!(status, 200, "{body}");
    app.add_unit_user("unit_a", CODE);
    let unit = app.login("unit_a").await;
    (inspector, unit, body)
}

#[actix_web::test]
async fn attached_files_show_beside_their_item_and_come_back_byte_for_byte() {
    let app = TestApp::spawn().await;
    let (inspector, unit, upload) = uploaded(&app).await;
    let pdf = b"%PDF-1.4 \xe5\x88\xb6\xe5\xba\xa6".to_vec();
    let html = b"<script>alert(1)</script>".to_vec();
    let (status, body) = app
        .post_form(
            Some(&unit),
            &format!("/api/v1/units/{CODE}/evidence"),
            &[("year", "2012"), ("item", "A1"), ("note", "制度汇编")],
            vec![
                ("制度汇编.pdf".into(), pdf.clone()),
                ("说明.html".into(), html.clone()),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let items = body["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{body}");
    assert_eq!(items[0]["item"], "A1");
    assert_eq!(items[0]["file_name"], "制度汇编.pdf");
    assert_eq!(items[0]["note"], "制度汇编");

    // The inspector sees them on the item.
    let id = upload["assessment_id"].as_i64().expect("assessment id");
    let (status, detail) = app
        .get(Some(&inspector), &format!("/api/v1/assessments/{id}"))
        .await;
    assert_eq!(status, 200, "{detail}");
    let a1 = detail["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["code"] == "A1")
        .expect("A1");
    let names: Vec<&str> = a1["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["file_name"].as_str())
        .collect();
    assert_eq!(names, ["制度汇编.pdf", "说明.html"]);

    // Listed for the year; every file back byte for byte, never as a page.
    let (status, listed) = app
        .get(
            Some(&inspector),
            &format!("/api/v1/units/{CODE}/evidence?year=2012"),
        )
        .await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["items"], body["items"]);
    for (entry, bytes) in items.iter().zip([pdf, html]) {
        let response = app
            .client
            .get(app.url(&format!("/api/v1/units/{CODE}/evidence/{}", entry["id"])))
            .bearer_auth(&inspector)
            .send()
            .await
            .expect("download");
        assert_eq!(response.status(), 200);
        let headers = response.headers().clone();
        assert_eq!(headers["content-type"], "application/octet-stream");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(response.bytes().await.expect("bytes").to_vec(), bytes);
    }
    // Another unit's path does not reach it.
    let (status, _) = app
        .get(
            Some(&inspector),
            &format!("/api/v1/units/{OTHER}/evidence/{}", items[0]["id"]),
        )
        .await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn refusals_say_what_is_wrong_and_store_nothing() {
    let app = TestApp::spawn().await;
    let (_, unit, _) = uploaded(&app).await;
    let admin = app.login("admin").await;
    app.add_community(OTHER, "葵巷社区").await;
    // A unit with nothing uploaded for the year.
    let (status, body) = app
        .post_form(
            Some(&admin),
            &format!("/api/v1/units/{OTHER}/evidence"),
            &[("year", "2012"), ("item", "A1")],
            vec![("a.pdf".into(), b"x".to_vec())],
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        body["error"],
        "2012 年度还没有上传自查表，请先上传自查表，再上传佐证材料"
    );
    type Case<'a> = (
        &'a [(&'a str, &'a str)],
        Vec<(String, Vec<u8>)>,
        u16,
        &'a str,
    );
    let cases: [Case<'_>; 4] = [
        (
            &[("year", "2012"), ("item", "Z9")],
            vec![("a.pdf".into(), b"x".to_vec())],
            400,
            "考核细则“社区档案工作考核细则（2013版）”中没有条目 Z9",
        ),
        (
            &[("year", "2012"), ("item", "A1")],
            Vec::new(),
            400,
            "请选择要上传的佐证材料文件",
        ),
        (
            &[("year", "2012"), ("item", "A1")],
            vec![("空.pdf".into(), Vec::new())],
            400,
            "文件“空.pdf”是空的",
        ),
        (
            &[("year", "2099"), ("item", "A1")],
            vec![("a.pdf".into(), b"x".to_vec())],
            404,
            "",
        ),
    ];
    for (fields, files, want, message) in cases {
        let (status, body) = app
            .post_form(
                Some(&unit),
                &format!("/api/v1/units/{CODE}/evidence"),
                fields,
                files,
            )
            .await;
        assert_eq!(status, want, "{fields:?}: {body}");
        if !message.is_empty() {
            assert_eq!(body["error"], message, "{fields:?}");
        }
    }
    // A unit may not attach to another unit's items.
    let (status, _) = app
        .post_form(
            Some(&unit),
            &format!("/api/v1/units/{OTHER}/evidence"),
            &[("year", "2012"), ("item", "A1")],
            vec![("a.pdf".into(), b"x".to_vec())],
        )
        .await;
    assert_eq!(status, 403);
    let (status, listed) = app
        .get(
            Some(&unit),
            &format!("/api/v1/units/{CODE}/evidence?year=2012"),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        listed["items"].as_array().map(Vec::len),
        Some(0),
        "{listed}"
    );
}
