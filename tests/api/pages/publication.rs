//! The admin publishes a year from its page (管理 › 年度年检 › 结果发布):
//! unpublished, the page says so and offers the button; published, it
//! shows the fingerprint line and lists the corrections made since.

use super::client::sign_in;
use crate::helpers::{Book, TestApp};

#[actix_web::test]
async fn an_admin_publishes_a_year_from_its_page() {
    let app = TestApp::spawn().await;
    let (inspector, _) = app.inspector_uploads_default().await;

    let (b, _) = sign_in(&app, "admin").await;
    let campaigns = b.get("/admin/campaigns").await;
    campaigns.assert(200, &["/admin/campaigns/2012/publication", "结果发布"]);
    let page = b.get("/admin/campaigns/2012/publication").await;
    page.assert(200, &["2012 年度的结果尚未发布", "发布 2012 年度结果"]);
    let csrf = page.csrf();
    let published = b
        .post("/admin/campaigns/2012/publication", &[("csrf", &csrf)])
        .await;
    published.assert(200, &["年度结果已发布", "本结果已于", "发布以来没有更正"]);
    let (status, read) = app
        .get(Some(&inspector), "/api/v1/campaigns/2012/publication")
        .await;
    assert_eq!(status, 200, "{read}");
    assert!(
        published
            .html
            .contains(read["line"].as_str().expect("line")),
        "{}",
        published.html
    );

    // Without the form's token nothing is published.
    let refused = b.post("/admin/campaigns/2012/publication", &[]).await;
    assert_ne!(refused.status, 200);
    let (_, again) = app
        .get(Some(&inspector), "/api/v1/campaigns/2012/publication")
        .await;
    assert_eq!(again["id"], read["id"]);

    // A leader does not publish; an unknown year has no page.
    let (leader, _) = sign_in(&app, "leader").await;
    assert_eq!(
        leader.get("/admin/campaigns/2012/publication").await.status,
        403
    );
    assert_eq!(b.get("/admin/campaigns/1999/publication").await.status, 404);

    // A later upload that changes the result shows as a correction.
    let bytes = app.workbook(&Book {
        quality: 0.5,
        seed: 9,
        ..Book::default()
    });
    let (status, body) = app.upload(&inspector, "小营巷社区（二）.xlsx", bytes).await;
    assert_eq!(status, 200, "{body}");
    let (_, read) = app
        .get(Some(&inspector), "/api/v1/campaigns/2012/publication")
        .await;
    assert_eq!(
        read["corrections"].as_array().map(Vec::len),
        Some(1),
        "{read}"
    );
    b.get("/admin/campaigns/2012/publication")
        .await
        .assert(200, &["发布后更正", "330102301", "小营巷社区"]);
}
