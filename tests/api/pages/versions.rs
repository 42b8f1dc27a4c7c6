//! A new checklist version from the bureau's Excel draft to a decision,
//! through the pages as an admin uses them: export last year's version as
//! an authoring workbook, change points, wording, an item's rule and a tier
//! threshold as Excel would save them, import it as a draft, read the
//! changes, preview the district's 2012 results under it, publish.

use nianjian::domain::{ItemAnswer, Points, Rule, score};

use super::client::sign_in;
use super::open_2012;
use crate::helpers::{Book, TestApp, full_marks};
use crate::xlsx_edit::{Cell, at, edit};

const MODEL: &str = "省级示范档案室";
const STANDARD: &str = "省级规范化档案室";

#[actix_web::test]
async fn an_archivist_revises_the_checklist_in_excel_previews_and_publishes() {
    let app = TestApp::spawn().await;
    open_2012(&app).await;
    let old = app
        .catalog
        .get("community@2013")
        .expect("checklist")
        .clone();

    // 2012 under community@2013: one unit at full marks, one just above
    // the 省级示范 threshold of 90, one with two part-time keepers.
    let near = just_above_90(&old);
    let mut two_keepers = full_marks(&old);
    two_keepers.inputs.insert(
        "parttime_staff".into(),
        nianjian::domain::InputValue::Number(nianjian::domain::Decimal::from_int(2)),
    );
    let inspector = app.login("inspector").await;
    for (code, name, answers) in [
        ("330102301", "小营巷社区", full_marks(&old)),
        ("330102302", "葵巷社区", near.clone()),
        ("330102303", "东园社区", two_keepers),
    ] {
        let book = Book {
            code,
            name,
            ..Book::default()
        };
        let (status, body) = app
            .upload(
                &inspector,
                &format!("{name}.xlsx"),
                app.workbook_with(&book, answers),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    let (b, _) = sign_in(&app, "admin").await;
    let list = b.get("/admin/checklists").await;
    list.assert(200, &["community@2013", "已发布", "导入草稿"]);

    // Last year's version as an authoring workbook.
    let (status, disposition, workbook) =
        b.bytes("/admin/checklists/community@2013/workbook").await;
    assert_eq!(status, 200);
    assert!(disposition.contains(".xlsx"), "{disposition}");

    // The draft, edited as in Excel: a new version and title; A3 worth 1.5
    // and re-worded; A4 worth 1.5 (its band too), so the total stays 100;
    // A5's full marks from 2 part-time keepers instead of 3; 省级示范 from 92.
    let draft = edit(
        &workbook,
        &[
            at(
                &workbook,
                "基本信息",
                "项目",
                "版本",
                "内容",
                Cell::Text("2014"),
            ),
            at(
                &workbook,
                "基本信息",
                "项目",
                "标题",
                "内容",
                Cell::Text("社区档案工作考核细则（2014版）"),
            ),
            at(&workbook, "细则", "编号", "A3", "分值", Cell::Number("1.5")),
            at(
                &workbook,
                "细则",
                "编号",
                "A3",
                "考核内容",
                Cell::Text("建立社区档案工作网络，绘制并公布档案管理网络图"),
            ),
            at(&workbook, "细则", "编号", "A4", "分值", Cell::Number("1.5")),
            at(
                &workbook,
                "扣分与档次",
                "条目编号",
                "A4",
                "分值",
                Cell::Number("1.5"),
            ),
            at(
                &workbook,
                "扣分与档次",
                "条目编号",
                "A5",
                "内容",
                Cell::Number("2"),
            ),
            at(
                &workbook,
                "等级",
                "编号",
                "province-model",
                "最低总分",
                Cell::Number("92"),
            ),
        ],
    );

    // A mistake first: every problem by its cell, nothing saved.
    let broken = edit(
        &draft,
        &[at(
            &draft,
            "细则",
            "编号",
            "A3",
            "分值",
            Cell::Number("1.333"),
        )],
    );
    let page = b.get("/admin/checklists").await;
    let refused = b
        .post_multipart(
            "/admin/checklists",
            &[("csrf", &page.csrf())],
            vec![("社区细则2014.xlsx".into(), broken)],
        )
        .await;
    refused.assert(422, &["草稿未保存", "细则!F", "0.01"]);
    assert!(!refused.html.contains("community@2014"), "nothing saved");

    // The draft: its page, with what changed from 2013.
    let page = b.get("/admin/checklists").await;
    let saved = b
        .post_multipart(
            "/admin/checklists",
            &[("csrf", &page.csrf())],
            vec![("社区细则2014.xlsx".into(), draft)],
        )
        .await;
    saved.assert(
        200,
        &[
            "社区档案工作考核细则（2014版）",
            "草稿",
            "发布此版本",
            "与 community@2013 的修订对照",
        ],
    );
    assert!(
        saved
            .url
            .contains("/admin/checklists/community%402014?flash=draft-imported"),
        "{}",
        saved.url
    );
    let changes = inner(&saved.html, "diff-body", "</section>");
    for said in ["A3", "公布", "1.5", "A5", MODEL, "92"] {
        assert!(changes.contains(said), "修订对照 lacks {said}: {changes}");
    }
    // The printable document for the 审定会.
    let printable = b.get("/admin/checklists/community@2014/diff").await;
    printable.assert(
        200,
        &[
            "考核细则变更对照",
            "@page",
            "community@2013",
            "community@2014",
        ],
    );

    // The preview of 2012: the unit just above 90 drops to 省级规范化
    // because of the new threshold; full marks stay 省级示范; nothing stored.
    let before = app
        .get(Some(&inspector), "/api/v1/assessments?year=2012")
        .await;
    let preview = b
        .get("/admin/checklists/community@2014/preview?year=2012")
        .await;
    preview.assert(
        200,
        &[
            "等级变动表",
            "葵巷社区",
            "A4 配备专职档案员（2 → 1.5）",
            "A5",
        ],
    );
    let moved = inner(&preview.html, "moved", "</table>");
    assert!(moved.contains(&format!("{MODEL} → {STANDARD}")), "{moved}");
    assert!(!moved.contains("小营巷社区"), "full marks stay: {moved}");
    let counts = preview.by_id("preview-counts");
    assert!(counts.contains("共 3 个单位"), "{counts}");
    assert_eq!(
        before,
        app.get(Some(&inspector), "/api/v1/assessments?year=2012")
            .await,
        "a preview stores nothing"
    );

    // Published: frozen, offered to campaigns, recorded.
    let csrf = saved.csrf();
    let published = b
        .post(
            "/admin/checklists/community@2014/publish",
            &[("csrf", &csrf)],
        )
        .await;
    published.assert(200, &["已发布"]);
    assert!(!published.html.contains("发布此版本"));
    let again = app.get(None, "/api/v1/checklists").await;
    assert_eq!(again.0, 401);
    let admin = app.login("admin").await;
    let (status, view) = app
        .get(Some(&admin), "/api/v1/checklists/community@2014")
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["status"], "published");
    let (_, audit) = app.get(Some(&admin), "/api/v1/audit").await;
    let audit = audit.to_string();
    assert!(
        audit.contains("checklist.draft") && audit.contains("checklist.publish"),
        "{audit}"
    );
    // A published version cannot be replaced by a draft of the same number.
    let page = b.get("/admin/checklists").await;
    let (_, _, exported) = b.bytes("/admin/checklists/community@2014/workbook").await;
    let replaced = b
        .post_multipart(
            "/admin/checklists",
            &[("csrf", &page.csrf())],
            vec![("again.xlsx".into(), exported)],
        )
        .await;
    replaced.assert(409, &["已经存在并已发布"]);
}

/// The text of the element with this id up to `closing`, tags removed.
fn inner(html: &str, id: &str, closing: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}:\n{html}"));
    let end = at + html[at..].find(closing).expect("closing tag");
    let mut text = String::new();
    let mut in_tag = false;
    for c in html[at..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// Full marks on community@2013 lowered item by item (never a tier's
/// required item, nor A3/A4/A5 which the draft changes) until the total is
/// just above 90: still 省级示范 under 2013.
fn just_above_90(checklist: &nianjian::domain::Checklist) -> nianjian::domain::Answers {
    let required: Vec<&String> = checklist
        .tiers
        .iter()
        .flat_map(|t| &t.required_items)
        .collect();
    let mut answers = full_marks(checklist);
    for item in &checklist.items {
        if required.contains(&&item.code)
            || ["A3", "A4", "A5"].contains(&item.code.as_str())
            || !matches!(item.rule, Rule::SelfScored { .. })
        {
            continue;
        }
        let mut lower = answers.clone();
        lower
            .self_scores
            .insert(item.code.clone(), ItemAnswer::Points(Points(0)));
        let card = score(checklist, &lower, &Default::default());
        if card.total < Points(9050) || card.tier.as_ref().map(|t| t.name.as_str()) != Some(MODEL) {
            continue;
        }
        answers = lower;
        if card.total < Points(9150) {
            return answers;
        }
    }
    panic!("no way to 90–91.5 on {}", checklist.reference());
}
