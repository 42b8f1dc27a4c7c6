//! Two servers on one database, as behind a load balancer: a session made
//! on one works on the other, a write through one is in the other's next
//! report (its cache follows the data version), imports through both at
//! once lose nothing, and a checklist version authored on one is usable on
//! the other.

use reqwest::StatusCode;
use serde_json::json;

use crate::caching::{book, conditional};
use crate::helpers::{Book, TestApp};

#[actix_web::test]
async fn a_session_from_one_server_works_on_the_other() {
    let a = TestApp::spawn().await;
    let b = a.another_server().await;
    let token = a.login("leader").await;
    let (status, me) = b.get(Some(&token), "/api/v1/me").await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["username"], "leader", "{me}");
    // Signed out on B: gone on A too.
    let (status, _) = b
        .send(
            reqwest::Method::DELETE,
            Some(&token),
            "/api/v1/session",
            json!(null),
        )
        .await;
    assert!((200..300).contains(&status));
    let (status, _) = a.get(Some(&token), "/api/v1/me").await;
    assert_eq!(status, 401);
}

#[actix_web::test]
async fn a_write_through_one_is_in_the_others_next_report() {
    let a = TestApp::spawn().await;
    let b = a.another_server().await;
    let inspector = a.login("inspector").await;
    let leader = b.login("leader").await;
    a.upload(
        &inspector,
        "1.xlsx",
        a.workbook(&book("330102301", "小营巷社区", 1)),
    )
    .await;
    let path = "/api/v1/reports/district?year=2012";
    // B gathers and caches its report, and tags it.
    let (status, tag, _) = conditional(&b, &leader, path, None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, report) = b.get(Some(&leader), path).await;
    assert_eq!(report["total"]["submitted"], 1);
    let (status, _, _) = conditional(&b, &leader, path, tag.as_deref()).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);

    let (status, body) = a
        .upload(
            &inspector,
            "2.xlsx",
            a.workbook(&book("330102302", "葵巷社区", 2)),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _, _) = conditional(&b, &leader, path, tag.as_deref()).await;
    assert_eq!(status, StatusCode::OK, "B's tag moved with A's write");
    let (_, report) = b.get(Some(&leader), path).await;
    assert_eq!(report["total"]["submitted"], 2, "{}", report["total"]);
    let (status, _, xlsx) =
        conditional(&b, &leader, "/api/v1/reports/district.xlsx?year=2012", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(xlsx.starts_with(b"PK"));
}

#[actix_web::test]
async fn imports_of_one_year_through_both_at_once_lose_nothing() {
    let a = TestApp::spawn().await;
    let b = a.another_server().await;
    let token = a.login("inspector").await;
    let files = |server: &TestApp, from: u64| -> Vec<(String, Vec<u8>)> {
        (from..from + 6)
            .map(|n| {
                let code = format!("3301023{n:02}");
                let bytes = server.workbook(&book(&code, &format!("第{n}社区"), n));
                (format!("{code}.xlsx"), bytes)
            })
            .collect()
    };
    let (first, second) = (files(&a, 10), files(&b, 30));
    let (one, two) = futures_util::future::join(
        a.upload_files(&token, first, ""),
        b.upload_files(&token, second, ""),
    )
    .await;
    assert_eq!(one.0, 200, "{}", one.1);
    assert_eq!(two.0, 200, "{}", two.1);
    for server in [&a, &b] {
        let (status, list) = server
            .get(Some(&token), "/api/v1/assessments?year=2012&per_page=100")
            .await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(list["total"], 12, "{}", list["total"]);
    }
    // Every write audited once, on one chain.
    let (status, audit) = a.get(Some(&token), "/api/v1/audit?per_page=100").await;
    assert_eq!(status, 200, "{audit}");
    let accepted = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["action"] == "upload.accept")
        .count();
    assert_eq!(accepted, 12);
}

#[actix_web::test]
async fn a_checklist_version_authored_on_one_is_usable_on_the_other() {
    let a = TestApp::spawn().await;
    let b = a.another_server().await;
    let admin = a.login("admin").await;
    // B has read its catalog before the version exists.
    let (status, _) = b.get(Some(&admin), "/api/v1/checklists").await;
    assert_eq!(status, 200);

    let loaded = a.catalog.loaded("community@2013").expect("checklist");
    let mut raw: nianjian::domain::checklist::RawChecklist =
        toml::from_str(&loaded.source).expect("checklist file");
    raw.version = "2099".into();
    let authoring = nianjian::reports::authoring::write_authoring(&raw).expect("workbook");
    let (status, body) = a
        .post_form(
            Some(&admin),
            "/api/v1/checklists",
            &[],
            vec![("细则2099.xlsx".into(), authoring)],
        )
        .await;
    assert!((200..300).contains(&status), "{body}");
    let (status, body) = a
        .post(
            Some(&admin),
            "/api/v1/checklists/community@2099/publish",
            json!(null),
        )
        .await;
    assert!((200..300).contains(&status), "{body}");
    let (status, body) = a
        .post(
            Some(&admin),
            "/api/v1/campaigns",
            json!({"year": 2016, "checklists": [{"unit_kind": "社区", "checklist": "community@2099"}]}),
        )
        .await;
    assert!((200..300).contains(&status), "{body}");

    // A workbook of the new version, uploaded through B.
    let text = toml::to_string(&raw).expect("toml");
    let mut b_catalog = nianjian::ingest::checklists::Catalog::embedded().expect("catalog");
    b_catalog
        .add(nianjian::ingest::checklists::parse_file("community/2099.toml", &text).expect("2099"));
    let (status, body) = b
        .upload(
            &admin,
            "2099.xlsx",
            workbook_of(
                &b_catalog,
                &Book {
                    checklist: "community@2099",
                    year: 2016,
                    ..Book::default()
                },
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.to_string().contains("community@2099"), "{body}");
}

fn workbook_of(catalog: &nianjian::ingest::checklists::Catalog, book: &Book<'_>) -> Vec<u8> {
    let checklist = catalog.get(book.checklist).expect("checklist");
    let mut rng = nianjian::domain::random::SplitMix64::new(book.seed);
    let answers = nianjian::service::demo::answers(checklist, book.quality, &mut rng);
    nianjian::reports::template::self_check_template(
        checklist,
        &nianjian::reports::template::Prefill {
            unit_name: Some(book.name.into()),
            unit_code: Some(book.code.into()),
            unit_kind: Some(book.kind.into()),
            street: Some(book.street.into()),
            year: Some(book.year),
            target_tier: None,
            answers: Some(answers),
        },
    )
    .expect("workbook")
}
