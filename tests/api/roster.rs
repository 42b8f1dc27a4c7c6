//! The unit roster (名册): imported from a workbook (all rows or none),
//! edited one unit at a time, and filled by the bureau's first uploads.

use serde_json::{Value, json};

use crate::helpers::{Book, TestApp, roster_xlsx};

async fn units(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, body) = app.get(Some(token), "/api/v1/units").await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().expect("items").clone()
}

fn find<'a>(units: &'a [Value], code: &str) -> &'a Value {
    units
        .iter()
        .find(|u| u["code"] == code)
        .unwrap_or_else(|| panic!("unit {code} in {units:?}"))
}

async fn import(app: &TestApp, token: &str, rows: &[[&str; 6]]) -> (u16, Value) {
    app.post_files(
        Some(token),
        "/api/v1/units/import",
        vec![("名册.xlsx".into(), roster_xlsx(rows))],
    )
    .await
}

#[actix_web::test]
async fn a_roster_creates_then_updates_and_counts_the_unchanged() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let first = [
        [
            "330102301",
            "小营巷社区",
            "社区",
            "小营街道",
            "王芳",
            "0571-87001234",
        ],
        ["330102302", "葵巷社区", "社区", "小营街道", "", ""],
        ["330102001", "上城区教育局", "机关", "", "", ""],
    ];
    let (status, result) = import(&app, &admin, &first).await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(
        (&result["created"], &result["updated"], &result["unchanged"]),
        (&json!(3), &json!(0), &json!(0)),
        "{result}"
    );
    let listed = units(&app, &admin).await;
    assert_eq!(listed.len(), 3);
    let xiaoying = find(&listed, "330102301");
    assert_eq!(xiaoying["name"], "小营巷社区");
    assert_eq!(xiaoying["kind"], "社区");
    assert_eq!(xiaoying["street"], "小营街道");
    assert_eq!(xiaoying["contact_person"], "王芳");
    assert_eq!(xiaoying["contact_phone"], "0571-87001234");
    assert_eq!(find(&listed, "330102001")["street"], Value::Null);

    // Again: one renamed and moved, one as before, one new; the bureau's unit left out.
    let second = [
        [
            "330102301",
            "小营巷社区",
            "社区",
            "小营街道",
            "王芳",
            "0571-87001234",
        ],
        ["330102302", "葵巷社区居委会", "社区", "湖滨街道", "", ""],
        ["330102303", "长明寺巷社区", "社区", "小营街道", "", ""],
    ];
    let (status, result) = import(&app, &admin, &second).await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(
        (&result["created"], &result["updated"], &result["unchanged"]),
        (&json!(1), &json!(1), &json!(1)),
        "{result}"
    );
    let listed = units(&app, &admin).await;
    assert_eq!(listed.len(), 4, "a unit left out of a roster is kept");
    let kui = find(&listed, "330102302");
    assert_eq!(kui["name"], "葵巷社区居委会");
    assert_eq!(kui["street"], "湖滨街道");
    let (status, one) = app.get(Some(&admin), "/api/v1/units/330102303").await;
    assert_eq!(status, 200);
    assert_eq!(one["name"], "长明寺巷社区");

    // The same file once more changes nothing.
    let (_, result) = import(&app, &admin, &second).await;
    assert_eq!(
        (&result["created"], &result["updated"], &result["unchanged"]),
        (&json!(0), &json!(0), &json!(3)),
        "{result}"
    );
}

#[actix_web::test]
async fn a_roster_with_a_missing_name_names_the_cell_and_imports_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    // Title on row 1, header on row 2: the second unit (row 4) has no 单位名称 (column B).
    let rows = [
        ["330102301", "小营巷社区", "社区", "小营街道", "", ""],
        ["330102302", "", "社区", "小营街道", "", ""],
        ["330102303", "长明寺巷社区", "社区", "小营街道", "", ""],
    ];
    let (status, body) = import(&app, &admin, &rows).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"].is_string(), "{body}");
    let details = body["details"].as_array().expect("details");
    assert_eq!(details.len(), 1, "{body}");
    assert_eq!(details[0]["cell"], "名册!B4", "{body}");
    assert!(
        details[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("单位名称")),
        "{body}"
    );
    assert!(units(&app, &admin).await.is_empty(), "all rows or none");

    // An unknown kind of unit and a repeated code are refused the same way.
    let rows = [
        ["330102301", "小营巷社区", "社区", "", "", ""],
        ["330102304", "某某公司", "外星机构", "", "", ""],
        ["330102301", "小营巷社区", "社区", "", "", ""],
    ];
    let (status, body) = import(&app, &admin, &rows).await;
    assert_eq!(status, 422, "{body}");
    let cells: Vec<&str> = body["details"]
        .as_array()
        .expect("details")
        .iter()
        .filter_map(|d| d["cell"].as_str())
        .collect();
    assert_eq!(cells, ["名册!C4", "名册!A5"], "{body}");
    assert!(units(&app, &admin).await.is_empty());

    // Not a roster at all.
    let (status, body) = app
        .post_files(
            Some(&admin),
            "/api/v1/units/import",
            vec![("名册.xlsx".into(), app.workbook(&Book::default()))],
        )
        .await;
    assert_eq!(status, 422, "{body}");
}

#[actix_web::test]
async fn one_unit_is_created_then_updated() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let unit = json!({"code": "330102399", "name": "新建社区", "kind": "社区",
                      "street": "清波街道", "contact_person": "李明", "contact_phone": "87005678"});
    let (status, saved) = app.post(Some(&admin), "/api/v1/units", unit).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["code"], "330102399");
    assert_eq!(saved["street"], "清波街道");
    assert_eq!(saved["contact_person"], "李明");
    let (status, read) = app.get(Some(&admin), "/api/v1/units/330102399").await;
    assert_eq!(status, 200);
    assert_eq!(read, saved);

    let changed = json!({"code": "330102399", "name": "新建社区（更名）", "kind": "社区",
                         "street": "湖滨街道", "contact_person": null, "contact_phone": null});
    let (status, saved) = app.post(Some(&admin), "/api/v1/units", changed).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["name"], "新建社区（更名）");
    assert_eq!(saved["street"], "湖滨街道");
    assert_eq!(saved["contact_person"], Value::Null);
    let listed = units(&app, &admin).await;
    assert_eq!(listed.len(), 1, "updated, not added: {listed:?}");

    for bad in [
        json!({"code": "330102398", "name": " ", "kind": "社区", "street": null,
               "contact_person": null, "contact_phone": null}),
        json!({"code": "", "name": "无代码", "kind": "社区", "street": null,
               "contact_person": null, "contact_phone": null}),
        json!({"name": "缺字段"}),
    ] {
        let (status, body) = app.post(Some(&admin), "/api/v1/units", bad).await;
        assert_eq!(status, 400, "{body}");
    }
    assert_eq!(units(&app, &admin).await.len(), 1);
}

#[actix_web::test]
async fn the_bureaus_first_upload_creates_the_unit_with_its_street() {
    let app = TestApp::spawn().await;
    let inspector = app.login("inspector").await;
    assert!(units(&app, &inspector).await.is_empty());
    let (status, body) = app
        .upload(
            &inspector,
            "a.xlsx",
            app.workbook(&Book {
                code: "330102305",
                name: "大学路社区",
                street: "小营街道",
                ..Book::default()
            }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let listed = units(&app, &inspector).await;
    assert_eq!(listed.len(), 1);
    let unit = &listed[0];
    assert_eq!(unit["code"], "330102305");
    assert_eq!(unit["name"], "大学路社区");
    assert_eq!(unit["kind"], "社区");
    assert_eq!(unit["street"], "小营街道");
    let (status, one) = app.get(Some(&inspector), "/api/v1/units/330102305").await;
    assert_eq!(status, 200);
    assert_eq!(one["street"], "小营街道");

    // A unit account cannot create units by uploading: its unit must exist.
    let admin = app.login("admin").await;
    let (status, _) = app
        .post(
            Some(&admin),
            "/api/v1/users",
            json!({"username": "dxl", "password": "juanzong-2012", "role": "unit", "unit": "330102305"}),
        )
        .await;
    assert_eq!(status, 200);
    let unit_token = app.login("dxl").await;
    let (status, body) = app
        .upload(
            &unit_token,
            "other.xlsx",
            app.workbook(&Book {
                code: "330102306",
                name: "另一个社区",
                ..Book::default()
            }),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(units(&app, &inspector).await.len(), 1);
}
