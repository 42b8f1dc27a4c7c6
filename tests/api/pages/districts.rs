//! Signing in to one of several districts on the pages, and the city's
//! 全市汇总 page.

use super::client::{Browser, field_value, sign_in};
use crate::helpers::{PASSWORD, TestApp};

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
    second.add_community("330106388", "西溪标记社区").await;

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

    // The city's leader lands on the city's summary.
    let (_, summary) = sign_in(&city, "leader").await;
    assert!(summary.url.ends_with("/city"), "{}", summary.url);
    summary.assert(
        200,
        &["全市汇总", "西湖区", "全市合计", "下载汇总表（Excel）"],
    );
}
