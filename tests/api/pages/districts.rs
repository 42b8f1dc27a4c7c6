//! Signing in to one of several districts on the pages, and the city's
//! 全市汇总 page.

use super::client::{Browser, field_value, sign_in};
use crate::helpers::{Book, PASSWORD, TestApp, full_marks};

#[actix_web::test]
async fn the_login_page_asks_for_the_district_and_the_city_lands_on_its_summary() {
    let first = TestApp::spawn().await;
    let login = Browser::new(&first).get("/login").await;
    login.assert(200, &["登录"]);
    assert!(
        !login.html.contains("name=\"district\""),
        "one district: no choice"
    );
    let Ok(second) = first.add_district("330106", "西湖区", false) else {
        assert!(first.db.url().is_sqlite());
        return;
    };
    let city = first.add_district("3301", "杭州市", true).expect("city");
    let inspector = second.login("inspector").await;
    let checklist = second.catalog.get("community@2013").expect("checklist");
    let book = Book {
        code: "330106388",
        name: "西溪标记社区",
        street: "小营街道",
        ..Book::default()
    };
    let bytes = second.workbook_with(&book, full_marks(checklist));
    let (status, body) = second.upload(&inspector, "西溪标记社区.xlsx", bytes).await;
    assert_eq!(status, 200, "{body}");

    // The list appears once there is more than one: the first district by
    // the bureau's name, then the others by code.
    let login = Browser::new(&first).get("/login").await;
    login.assert(
        200,
        &[
            "name=\"district\"",
            "区档案局",
            "西湖区",
            "杭州市",
            "先选所在的区县",
        ],
    );

    // Signed in to 西湖区 through the form: its units, not the first's.
    let (browser, home) = sign_in(&second, "admin").await;
    assert!(home.url.ends_with("/inspect"), "{}", home.url);
    let units = browser.get("/api/v1/units").await;
    units.assert(200, &["西溪标记社区"]);

    // A district code nobody registered is told, on the form.
    let browser = Browser::new(&first);
    let form = browser.get("/login").await;
    let token = field_value(&form.html, "login_csrf").expect("csrf");
    browser
        .post(
            "/login",
            &[
                ("username", "admin"),
                ("password", PASSWORD),
                ("login_csrf", &token),
                ("district", "999999"),
            ],
        )
        .await
        .assert(400, &["没有代码为 999999 的区县"]);

    // The city's leader lands on the city's summary, and only the city's
    // pages are in its bar.
    let (city_leader, summary) = sign_in(&city, "leader").await;
    assert!(summary.url.ends_with("/city"), "{}", summary.url);
    summary.assert(
        200,
        &["全市汇总", "西湖区", "全市合计", "下载汇总表（Excel）"],
    );
    assert!(
        !summary.html.contains("href=\"/dashboard\""),
        "the city's accounts have no district of their own to read: {}",
        summary.html
    );
    let landing = city_leader.get("/").await;
    assert!(landing.url.ends_with("/city"), "{}", landing.url);
    // Each district's row opens that district's own dashboard.
    let year = summary
        .html
        .split("href=\"/city/districts/330106?year=")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a link to 西湖区's dashboard")
        .to_string();
    city_leader
        .get(&format!("/city/districts/330106?year={year}"))
        .await
        .assert(
            200,
            &[
                "2012 年度档案工作年检统计 · 西湖区",
                "统计范围：西湖区",
                "1 个社区中",
            ],
        );
    city_leader
        .get("/city/districts/999999")
        .await
        .assert(404, &["没有代码为 999999 的区县"]);
    // A district's own leader is refused the city's pages.
    let (district_leader, _) = sign_in(&second, "leader").await;
    district_leader
        .get("/city")
        .await
        .assert(403, &["全市汇总仅供市档案局的账号查看"]);
    district_leader
        .get("/city/districts/330106")
        .await
        .assert(403, &["全市汇总仅供市档案局的账号查看"]);
}
