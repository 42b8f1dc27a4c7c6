//! Who may call what: every route of `src/web/routes.rs` against every kind
//! of caller, driven by one table. Adding a route means adding a row here;
//! `the_table_covers_every_registered_route` fails until one is added.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::helpers::{Book, TestApp, full_marks, registered_routes, roster_xlsx};

/// What a caller gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum E {
    /// 2xx.
    Y,
    /// 403 with an error body.
    N,
    /// 401 with an error body.
    U,
}
use E::{N, U, Y};

/// The callers, in the order of each row's expectations.
const CALLERS: [&str; 7] = [
    "no token",
    "admin",
    "inspector",
    "leader",
    "unit A",
    "unit B",
    "street A",
];

const CODE_A: &str = "330102301";
const CODE_B: &str = "330102302";
/// Unit A's street; unit B is on another ([`STREET_B`]).
const STREET_A: &str = "小营街道";
const STREET_B: &str = "潮鸣街道";

#[derive(Clone, Copy, Debug)]
enum Body {
    None,
    Json(&'static str),
    /// Multipart: this unit's own workbook, byte for byte its current one.
    Workbook(Unit),
    /// Multipart: a roster of one new unit.
    Roster,
    /// Multipart: one 佐证材料 file for item A1 of 2012.
    Evidence,
    /// Multipart: an authoring workbook of a new draft, community@2099.
    Draft,
}

#[derive(Clone, Copy, Debug)]
enum Unit {
    A,
    B,
}

struct Row {
    method: &'static str,
    /// The route as registered (full path).
    route: &'static str,
    /// The request path; `{sub_a}`, `{asm_b}`, `{code_a}`, `{sample}`,
    /// `{flag}`, `{user}` … are filled in from the fixtures.
    path: &'static str,
    body: Body,
    /// no token, admin, inspector, leader, unit A, unit B, street A (the
    /// street officer of unit A's street).
    expect: [E; 7],
}

const fn row(
    method: &'static str,
    route: &'static str,
    path: &'static str,
    body: Body,
    expect: [E; 7],
) -> Row {
    Row {
        method,
        route,
        path,
        body,
        expect,
    }
}

/// Anyone signed in.
const SIGNED_IN: [E; 7] = [U, Y, Y, Y, Y, Y, Y];
/// The bureau, leaders, unit A and its street (a record of unit A).
const READ_A: [E; 7] = [U, Y, Y, Y, Y, N, Y];
/// The bureau, leaders and unit B (a record of unit B, on another street).
const READ_B: [E; 7] = [U, Y, Y, Y, N, Y, N];
/// Admins and inspectors.
const BUREAU: [E; 7] = [U, Y, Y, N, N, N, N];
/// The bureau and leaders: the district's results and checklists.
const READERS: [E; 7] = [U, Y, Y, Y, N, N, N];
/// District statistics: the bureau, leaders, and a street officer (its
/// street's only, whatever it asks).
const STATS: [E; 7] = [U, Y, Y, Y, N, N, Y];
/// Admins only.
const ADMIN: [E; 7] = [U, Y, N, N, N, N, N];
/// Not under /api/v1: open to everyone.
const PUBLIC: [E; 7] = [Y, Y, Y, Y, Y, Y, Y];

const V1: &str = "/api/v1";

#[rustfmt::skip]
const TABLE: &[Row] = &[
    row("GET", "/healthz", "/healthz", Body::None, PUBLIC),
    row("GET", "/readyz", "/readyz", Body::None, PUBLIC),
    row("GET", "/metrics", "/metrics", Body::None, PUBLIC),
    row("GET", "/api/openapi.json", "/api/openapi.json", Body::None, PUBLIC),
    row("POST", "/api/v1/session", "/api/v1/session", Body::Json(r#"{"username":"admin","password":"juanzong-2012"}"#), PUBLIC),
    // Each caller ends a session of its own, signed in for this row only.
    row("DELETE", "/api/v1/session", "/api/v1/session", Body::None, SIGNED_IN),
    row("GET", "/api/v1/me", "/api/v1/me", Body::None, SIGNED_IN),
    // The same bytes as the unit's current submission: recognised, nothing changes.
    row("POST", "/api/v1/submissions", "/api/v1/submissions", Body::Workbook(Unit::A), [U, Y, Y, N, Y, N, Y]),
    row("POST", "/api/v1/submissions", "/api/v1/submissions", Body::Workbook(Unit::B), [U, Y, Y, N, N, Y, N]),
    row("GET", "/api/v1/submissions/{id}", "/api/v1/submissions/{sub_a}", Body::None, READ_A),
    row("GET", "/api/v1/submissions/{id}", "/api/v1/submissions/{sub_b}", Body::None, READ_B),
    row("GET", "/api/v1/submissions/{id}/file", "/api/v1/submissions/{sub_a}/file", Body::None, READ_A),
    row("GET", "/api/v1/submissions/{id}/file", "/api/v1/submissions/{sub_b}/file", Body::None, READ_B),
    // 初审 before the bureau's review (a reviewed upload is not first-checked).
    row("POST", "/api/v1/submissions/{id}/first-check", "/api/v1/submissions/{sub_a}/first-check", Body::Json(r#"{"decision":"accept"}"#), [U, N, N, N, N, N, Y]),
    row("POST", "/api/v1/submissions/{id}/first-check", "/api/v1/submissions/{sub_b}/first-check", Body::Json(r#"{"decision":"accept"}"#), [U, N, N, N, N, N, N]),
    row("POST", "/api/v1/submissions/{id}/reviews", "/api/v1/submissions/{sub_a}/reviews", Body::Json(r#"{"kind":"spot","note":"现场抽查，无改分"}"#), BUREAU),
    row("POST", "/api/v1/submissions/{id}/reviews", "/api/v1/submissions/{sub_b}/reviews", Body::Json(r#"{"kind":"spot","note":"现场抽查，无改分"}"#), BUREAU),
    row("GET", "/api/v1/assessments", "/api/v1/assessments?year=2012", Body::None, SIGNED_IN),
    row("GET", "/api/v1/assessments", "/api/v1/assessments?year=2012&unit={code_a}", Body::None, READ_A),
    row("GET", "/api/v1/assessments", "/api/v1/assessments?year=2012&unit={code_b}", Body::None, READ_B),
    row("GET", "/api/v1/assessments/{id}", "/api/v1/assessments/{asm_a}", Body::None, READ_A),
    row("GET", "/api/v1/assessments/{id}", "/api/v1/assessments/{asm_b}", Body::None, READ_B),
    row("GET", "/api/v1/rescore", "/api/v1/rescore?year=2012&checklist=community@2013", Body::None, READERS),
    row("GET", "/api/v1/units", "/api/v1/units", Body::None, SIGNED_IN),
    row("POST", "/api/v1/units", "/api/v1/units", Body::Json(r#"{"code":"330102399","name":"新建社区","kind":"社区","street":"小营街道"}"#), ADMIN),
    row("POST", "/api/v1/units/import", "/api/v1/units/import", Body::Roster, ADMIN),
    row("GET", "/api/v1/units/{code}", "/api/v1/units/{code_a}", Body::None, READ_A),
    row("GET", "/api/v1/units/{code}", "/api/v1/units/{code_b}", Body::None, READ_B),
    row("GET", "/api/v1/units/{code}/history", "/api/v1/units/{code_a}/history", Body::None, READ_A),
    row("GET", "/api/v1/units/{code}/history", "/api/v1/units/{code_b}/history", Body::None, READ_B),
    row("POST", "/api/v1/units/{code}/evidence", "/api/v1/units/{code_a}/evidence", Body::Evidence, [U, Y, Y, N, Y, N, Y]),
    row("POST", "/api/v1/units/{code}/evidence", "/api/v1/units/{code_b}/evidence", Body::Evidence, [U, Y, Y, N, N, Y, N]),
    row("GET", "/api/v1/units/{code}/evidence", "/api/v1/units/{code_a}/evidence?year=2012", Body::None, READ_A),
    row("GET", "/api/v1/units/{code}/evidence", "/api/v1/units/{code_b}/evidence?year=2012", Body::None, READ_B),
    row("GET", "/api/v1/units/{code}/evidence/{id}", "/api/v1/units/{code_a}/evidence/{item_evidence_a}", Body::None, READ_A),
    row("GET", "/api/v1/campaigns", "/api/v1/campaigns", Body::None, SIGNED_IN),
    row("POST", "/api/v1/campaigns", "/api/v1/campaigns", Body::Json(r#"{"year":2016,"checklists":[{"unit_kind":"社区","checklist":"community@2013"}]}"#), ADMIN),
    row("GET", "/api/v1/campaigns/{year}", "/api/v1/campaigns/2012", Body::None, SIGNED_IN),
    row("PATCH", "/api/v1/campaigns/{year}", "/api/v1/campaigns/2012", Body::Json(r#"{"closed":false}"#), ADMIN),
    // An inspector may change the rectification period, and nothing else.
    row("PATCH", "/api/v1/campaigns/{year}", "/api/v1/campaigns/2012", Body::Json(r#"{"rectify_days":20}"#), BUREAU),
    // Publishing first (admin), so that there is a publication to read.
    row("POST", "/api/v1/campaigns/{year}/publication", "/api/v1/campaigns/2012/publication", Body::None, ADMIN),
    row("GET", "/api/v1/campaigns/{year}/publication", "/api/v1/campaigns/2012/publication", Body::None, READERS),
    row("GET", "/api/v1/checklists", "/api/v1/checklists", Body::None, SIGNED_IN),
    row("GET", "/api/v1/checklists/{reference}/template", "/api/v1/checklists/community@2013/template", Body::None, SIGNED_IN),
    row("POST", "/api/v1/checklists", "/api/v1/checklists", Body::Draft, ADMIN),
    row("GET", "/api/v1/checklists/{reference}", "/api/v1/checklists/community@2099", Body::None, READERS),
    row("GET", "/api/v1/checklists/{reference}/workbook", "/api/v1/checklists/community@2099/workbook", Body::None, READERS),
    row("POST", "/api/v1/checklists/{reference}/publish", "/api/v1/checklists/community@2099/publish", Body::None, ADMIN),
    row("POST", "/api/v1/samples", "/api/v1/samples", Body::Json(r#"{"year":2012,"count":1,"seed":7}"#), BUREAU),
    row("GET", "/api/v1/samples", "/api/v1/samples?year=2012", Body::None, BUREAU),
    row("GET", "/api/v1/samples/{id}", "/api/v1/samples/{sample}", Body::None, BUREAU),
    // 互查: units A and B in one group by hand (A reviews B, B reviews A).
    row("PUT", "/api/v1/campaigns/{year}/peer-groups", "/api/v1/campaigns/2012/peer-groups", Body::Json(r#"{"groups":[{"units":["330102301","330102302"]}]}"#), BUREAU),
    // Everyone reads the groups it is concerned with (a unit its own).
    row("GET", "/api/v1/campaigns/{year}/peer-groups", "/api/v1/campaigns/2012/peer-groups", Body::None, SIGNED_IN),
    // Unit B is assigned to unit A; nobody else records A's 互查 of B.
    row("POST", "/api/v1/campaigns/{year}/peer-reviews", "/api/v1/campaigns/2012/peer-reviews", Body::Json(r#"{"unit":"330102302","note":"互查无改分"}"#), [U, N, N, N, Y, N, N]),
    row("GET", "/api/v1/campaigns/{year}/peer-reviews/figures", "/api/v1/campaigns/2012/peer-reviews/figures", Body::None, READERS),
    row("GET", "/api/v1/flags", "/api/v1/flags?year=2012", Body::None, BUREAU),
    // {flag}: an unresolved flag, looked up anew for each caller.
    row("POST", "/api/v1/flags/{id}/resolve", "/api/v1/flags/{flag}/resolve", Body::Json(r#"{"resolution":"已电话核实"}"#), BUREAU),
    row("GET", "/api/v1/rectifications", "/api/v1/rectifications?year=2012", Body::None, SIGNED_IN),
    row("GET", "/api/v1/rectifications", "/api/v1/rectifications?year=2012&unit={code_a}", Body::None, READ_A),
    row("GET", "/api/v1/rectifications", "/api/v1/rectifications?year=2012&unit={code_b}", Body::None, READ_B),
    row("GET", "/api/v1/rectifications/counts", "/api/v1/rectifications/counts?year=2012", Body::None, SIGNED_IN),
    row("GET", "/api/v1/rectifications/counts", "/api/v1/rectifications/counts?year=2012&unit={code_a}", Body::None, READ_A),
    row("GET", "/api/v1/rectifications/counts", "/api/v1/rectifications/counts?year=2012&unit={code_b}", Body::None, READ_B),
    row("GET", "/api/v1/rectifications/{id}", "/api/v1/rectifications/{rect_a}", Body::None, READ_A),
    row("GET", "/api/v1/rectifications/{id}", "/api/v1/rectifications/{rect_b}", Body::None, READ_B),
    row("PATCH", "/api/v1/rectifications/{id}", "/api/v1/rectifications/{rect_a}", Body::Json(r#"{"due":"2013-06-28","note":"延期"}"#), BUREAU),
    // {open_a} / {submitted_a}: an order of unit A in that state, looked up
    // anew for each caller (the submit row leaves orders for the verify row).
    row("POST", "/api/v1/rectifications/{id}/actions", "/api/v1/rectifications/{open_a}/actions", Body::Json(r#"{"action":"submit","note":"已整改"}"#), [U, Y, Y, N, Y, N, N]),
    row("POST", "/api/v1/rectifications/{id}/actions", "/api/v1/rectifications/{open_b}/actions", Body::Json(r#"{"action":"submit","note":"已整改"}"#), [U, Y, Y, N, N, Y, N]),
    row("POST", "/api/v1/rectifications/{id}/actions", "/api/v1/rectifications/{submitted_a}/actions", Body::Json(r#"{"action":"verify","note":"验收合格"}"#), BUREAU),
    row("GET", "/api/v1/rectifications/{id}/evidence/{evidence_id}", "/api/v1/rectifications/{rect_a}/evidence/{evidence_a}", Body::None, READ_A),
    row("GET", "/api/v1/reports/district", "/api/v1/reports/district?year=2012", Body::None, STATS),
    row("GET", "/api/v1/reports/district.xlsx", "/api/v1/reports/district.xlsx?year=2012", Body::None, STATS),
    row("GET", "/api/v1/reports/district.html", "/api/v1/reports/district.html?year=2012", Body::None, STATS),
    // A district's own accounts never read the city's summary (the city's do: api::districts).
    row("GET", "/api/v1/city/summary", "/api/v1/city/summary?year=2012", Body::None, [U, N, N, N, N, N, N]),
    row("GET", "/api/v1/city/summary.xlsx", "/api/v1/city/summary.xlsx?year=2012", Body::None, [U, N, N, N, N, N, N]),
    // Another street's statistics: not for street A's officer.
    row("GET", "/api/v1/reports/district", "/api/v1/reports/district?year=2012&street=%E6%BD%AE%E9%B8%A3%E8%A1%97%E9%81%93", Body::None, READERS),
    row("GET", "/api/v1/units/{code}/card.html", "/api/v1/units/{code_a}/card.html?year=2012", Body::None, READ_A),
    row("GET", "/api/v1/units/{code}/card.html", "/api/v1/units/{code_b}/card.html?year=2012", Body::None, READ_B),
    row("GET", "/api/v1/units/{code}/notice.{format}", "/api/v1/units/{code_a}/notice.html?year=2012", Body::None, READ_A),
    row("GET", "/api/v1/units/{code}/notice.{format}", "/api/v1/units/{code_b}/notice.xlsx?year=2012", Body::None, READ_B),
    // Reviewed above: the self-assessment beside the newest review.
    row("GET", "/api/v1/units/{code}/comparison", "/api/v1/units/{code_a}/comparison", Body::None, READ_A),
    row("GET", "/api/v1/units/{code}/comparison", "/api/v1/units/{code_b}/comparison", Body::None, READ_B),
    row("GET", "/api/v1/units/{code}/comparison.xlsx", "/api/v1/units/{code_a}/comparison.xlsx", Body::None, READ_A),
    row("GET", "/api/v1/audit", "/api/v1/audit", Body::None, BUREAU),
    // Everyone's own reminders.
    row("GET", "/api/v1/reminders", "/api/v1/reminders", Body::None, SIGNED_IN),
    row("POST", "/api/v1/reminders/seen", "/api/v1/reminders/seen", Body::None, SIGNED_IN),
    // The daily digest's delivery log.
    row("GET", "/api/v1/deliveries", "/api/v1/deliveries", Body::None, ADMIN),
    row("GET", "/api/v1/users", "/api/v1/users", Body::None, ADMIN),
    row("POST", "/api/v1/users", "/api/v1/users", Body::Json(r#"{"username":"newcomer","password":"juanzong-2012","role":"leader"}"#), ADMIN),
    row("PATCH", "/api/v1/users/{id}", "/api/v1/users/{user}", Body::Json(r#"{"disabled":false}"#), ADMIN),
    row("DELETE", "/api/v1/users/{id}/sessions", "/api/v1/users/{user}/sessions", Body::None, ADMIN),
];

#[test]
fn the_table_covers_every_registered_route() {
    let registered: BTreeSet<(String, String)> = registered_routes().into_iter().collect();
    let tabled: BTreeSet<(String, String)> = TABLE
        .iter()
        .map(|r| (r.method.to_string(), r.route.to_string()))
        .collect();
    let missing: Vec<_> = registered.difference(&tabled).collect();
    let stale: Vec<_> = tabled.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "routes in src/web/routes.rs without a row in the access table: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "rows in the access table for routes src/web/routes.rs does not register: {stale:?}"
    );
    for r in TABLE {
        // Rows name a route and a concrete path that fits it.
        let base = r.path.split('?').next().unwrap_or(r.path);
        let route_parts: Vec<&str> = r.route.split('/').collect();
        let path_parts: Vec<&str> = base.split('/').collect();
        assert_eq!(
            route_parts.len(),
            path_parts.len(),
            "{} vs {}",
            r.route,
            r.path
        );
        for (a, b) in route_parts.iter().zip(&path_parts) {
            assert!(fits(a, b), "{} vs {}", r.route, r.path);
        }
        // Everything under /api/v1 but signing in needs a token.
        if r.route.starts_with(V1) && !(r.method == "POST" && r.route == "/api/v1/session") {
            assert_eq!(
                r.expect[0], U,
                "{} {} must be 401 without a token",
                r.method, r.path
            );
        }
    }
}

/// Whether a path segment fits a route segment, `{…}` matching any text
/// ("notice.{format}" fits "notice.html"; "{code_a}" fits "{code}").
fn fits(pattern: &str, text: &str) -> bool {
    match pattern.strip_prefix('{') {
        Some(rest) => {
            let after = rest.split_once('}').map_or("", |(_, a)| a);
            (1..=text.len())
                .filter(|&i| text.is_char_boundary(i))
                .any(|i| fits(after, &text[i..]))
        }
        None => match (pattern.chars().next(), text.chars().next()) {
            (None, None) => true,
            (Some(p), Some(t)) if p == t => fits(&pattern[p.len_utf8()..], &text[t.len_utf8()..]),
            _ => false,
        },
    }
}

/// The records the table's paths point at.
pub(crate) struct Fixture {
    pub(crate) app: TestApp,
    /// In the order of [`CALLERS`].
    pub(crate) tokens: [Option<String>; 7],
    workbooks: BTreeMap<&'static str, Vec<u8>>,
    values: BTreeMap<&'static str, String>,
}

/// A community that earns full marks but on five self-scored items (five
/// rectification orders), with 5 full-time and 40 part-time archivists,
/// implausible for a community: the upload carries two flags to resolve.
fn flagged_workbook(app: &TestApp, code: &str, name: &str, street: &str) -> Vec<u8> {
    let checklist = app.catalog.get("community@2013").expect("checklist");
    let mut answers = full_marks(checklist);
    for (code, tenths) in [("A12", 10), ("B5", 0), ("C2", 5), ("D5", 5), ("F6", 0)] {
        answers.self_scores.insert(
            code.into(),
            nianjian::domain::ItemAnswer::Points(nianjian::domain::Points(tenths * 10)),
        );
    }
    for (key, value) in [("fulltime_staff", 5), ("parttime_staff", 40)] {
        answers.inputs.insert(
            key.into(),
            nianjian::domain::InputValue::Number(nianjian::domain::Decimal::from_int(value)),
        );
    }
    app.workbook_with(
        &Book {
            code,
            name,
            street,
            ..Book::default()
        },
        answers,
    )
}

async fn fixture() -> Fixture {
    fixture_on(TestApp::spawn().await, "").await
}

/// The table's fixture on a server (or a district of one), its two units'
/// names starting with `label` (小营巷社区 → 西湖小营巷社区) so that a
/// district's answers can be told from another's.
pub(crate) async fn fixture_on(app: TestApp, label: &str) -> Fixture {
    let inspector = app.login("inspector").await;
    let admin = app.login("admin").await;
    let mut workbooks = BTreeMap::new();
    let mut values = BTreeMap::new();
    for (key, code, name, street) in [
        ("a", CODE_A, "小营巷社区", STREET_A),
        ("b", CODE_B, "葵巷社区", STREET_B),
    ] {
        let name = &format!("{label}{name}");
        let bytes = flagged_workbook(&app, code, name, street);
        let (status, body) = app
            .upload(&inspector, &format!("{name}.xlsx"), bytes.clone())
            .await;
        assert_eq!(status, 200, "{body}");
        assert!(
            body["flags"].as_array().expect("flags").len() >= 2,
            "{body}"
        );
        workbooks.insert(key, bytes);
        let (sub, asm) = match key {
            "a" => ("sub_a", "asm_a"),
            _ => ("sub_b", "asm_b"),
        };
        values.insert(sub, body["submission_id"].to_string());
        values.insert(asm, body["assessment_id"].to_string());
    }
    values.insert("code_a", CODE_A.into());
    values.insert("code_b", CODE_B.into());
    app.add_unit_user("unit_a", CODE_A);
    app.add_unit_user("unit_b", CODE_B);
    app.add_street_user("street_a", STREET_A);
    let (status, spare) = app
        .post(
            Some(&admin),
            "/api/v1/users",
            json!({"username": "spare", "password": "juanzong-2012", "role": "leader"}),
        )
        .await;
    assert_eq!(status, 200, "{spare}");
    values.insert("user", spare["id"].to_string());
    let (status, sample) = app
        .post(
            Some(&inspector),
            "/api/v1/samples",
            json!({"year": 2012, "count": 1, "seed": 1}),
        )
        .await;
    assert_eq!(status, 200, "{sample}");
    values.insert("sample", sample["id"].to_string());
    let tokens = [
        None,
        Some(admin),
        Some(inspector.clone()),
        Some(app.login("leader").await),
        Some(app.login("unit_a").await),
        Some(app.login("unit_b").await),
        Some(app.login("street_a").await),
    ];

    // Rectification orders: one of each unit; unit A answers one of its own
    // with an evidence file.
    for (key, code) in [("rect_a", CODE_A), ("rect_b", CODE_B)] {
        let (status, orders) = app
            .get(
                Some(&inspector),
                &format!("/api/v1/rectifications?year=2012&unit={code}"),
            )
            .await;
        assert_eq!(status, 200, "{orders}");
        assert_eq!(
            orders["items"].as_array().map(Vec::len),
            Some(5),
            "{orders}"
        );
        values.insert(key, orders["items"][0]["id"].to_string());
    }
    let form = reqwest::multipart::Form::new()
        .text("action", "submit")
        .text("note", "已补齐")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.4 evidence".to_vec())
                .file_name("整改照片.pdf"),
        );
    let response = app
        .client
        .post(app.url(&format!(
            "/api/v1/rectifications/{}/actions",
            values["rect_a"]
        )))
        .bearer_auth(tokens[4].as_deref().expect("unit A"))
        .multipart(form)
        .send()
        .await
        .expect("submit with evidence");
    assert_eq!(response.status(), 200);
    let answered: Value = response.json().await.expect("json");
    let evidence = answered["events"]
        .as_array()
        .expect("events")
        .iter()
        .find_map(|e| e["evidence"][0]["id"].as_i64())
        .unwrap_or_else(|| panic!("evidence in {answered}"));
    values.insert("evidence_a", evidence.to_string());
    let (status, attached) = app
        .post_form(
            tokens[4].as_deref(),
            &format!("/api/v1/units/{CODE_A}/evidence"),
            &[("year", "2012"), ("item", "A1")],
            vec![("制度汇编.pdf".into(), b"%PDF-1.4 rules".to_vec())],
        )
        .await;
    assert_eq!(status, 200, "{attached}");
    values.insert("item_evidence_a", attached["items"][0]["id"].to_string());
    Fixture {
        app,
        tokens,
        workbooks,
        values,
    }
}

impl Fixture {
    async fn path(&self, template: &str) -> String {
        let mut path = template.to_string();
        for (key, value) in &self.values {
            path = path.replace(&format!("{{{key}}}"), value);
        }
        for (key, code, state) in [
            ("{open_a}", CODE_A, "open"),
            ("{open_b}", CODE_B, "open"),
            ("{submitted_a}", CODE_A, "submitted"),
        ] {
            if path.contains(key) {
                let (status, orders) = self
                    .app
                    .get(
                        self.tokens[2].as_deref(),
                        &format!("/api/v1/rectifications?year=2012&unit={code}&state={state}"),
                    )
                    .await;
                assert_eq!(status, 200, "{orders}");
                let id = orders["items"][0]["id"]
                    .as_i64()
                    .unwrap_or_else(|| panic!("an order of {code} left {state}: {orders}"));
                path = path.replace(key, &id.to_string());
            }
        }
        if path.contains("{flag}") {
            let (status, flags) = self
                .app
                .get(
                    self.tokens[2].as_deref(),
                    "/api/v1/flags?year=2012&open=true",
                )
                .await;
            assert_eq!(status, 200, "{flags}");
            let id = flags["items"][0]["id"]
                .as_i64()
                .expect("an unresolved flag left for the next caller");
            path = path.replace("{flag}", &id.to_string());
        }
        assert!(!path.contains('{'), "unfilled placeholder in {path}");
        path
    }

    async fn call(&self, row: &Row, token: Option<&str>) -> (String, u16, Value) {
        let path = self.path(row.path).await;
        let (status, body) = self.send(row, &path, token).await;
        (path, status, body)
    }

    async fn send(&self, row: &Row, path: &str, token: Option<&str>) -> (u16, Value) {
        let app = &self.app;
        let method = reqwest::Method::from_bytes(row.method.as_bytes()).expect("method");
        match row.body {
            Body::Workbook(unit) => {
                let key = match unit {
                    Unit::A => "a",
                    Unit::B => "b",
                };
                app.post_files(
                    token,
                    path,
                    vec![("自查表.xlsx".into(), self.workbooks[key].clone())],
                )
                .await
            }
            Body::Roster => {
                let roster = roster_xlsx(&[["330102398", "名册社区", "社区", "湖滨街道", "", ""]]);
                app.post_files(token, path, vec![("名册.xlsx".into(), roster)])
                    .await
            }
            Body::Evidence => {
                app.post_form(
                    token,
                    path,
                    &[("year", "2012"), ("item", "A1"), ("note", "会议记录")],
                    vec![("会议记录.pdf".into(), b"%PDF-1.4 minutes".to_vec())],
                )
                .await
            }
            Body::Draft => {
                let loaded = app.catalog.loaded("community@2013").expect("checklist");
                let mut raw: nianjian::domain::checklist::RawChecklist =
                    toml::from_str(&loaded.source).expect("checklist file");
                raw.version = "2099".into();
                let bytes = nianjian::reports::authoring::write_authoring(&raw).expect("workbook");
                app.post_form(token, path, &[], vec![("细则2099.xlsx".into(), bytes)])
                    .await
            }
            Body::Json(text) => {
                let body: Value = serde_json::from_str(text).expect("row body is JSON");
                app.send(method, token, path, body).await
            }
            Body::None => {
                let mut request = app.client.request(method, app.url(path));
                if let Some(t) = token {
                    request = request.bearer_auth(t);
                }
                let response = request.send().await.expect("request");
                let status = response.status().as_u16();
                let text = response.text().await.unwrap_or_default();
                // A page or a download is kept as text, for what it shows.
                (
                    status,
                    serde_json::from_str(&text).unwrap_or(Value::String(text)),
                )
            }
        }
    }
}

#[actix_web::test]
async fn every_route_answers_each_caller_as_the_table_says() {
    let f = fixture().await;
    let wrong = table_answers(&f, |_| None).await;
    assert!(
        wrong.is_empty(),
        "{} of the access table's answers are wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Every row of the table as every caller of the fixture: what differs
/// from the table, and whatever `also` finds wrong in a 2xx answer's text.
pub(crate) async fn table_answers(
    f: &Fixture,
    also: impl Fn(&str) -> Option<String>,
) -> Vec<String> {
    let usernames = [
        None,
        Some("admin"),
        Some("inspector"),
        Some("leader"),
        Some("unit_a"),
        Some("unit_b"),
        Some("street_a"),
    ];
    let mut wrong = Vec::new();
    for row in TABLE {
        for (caller, expected) in row.expect.iter().enumerate() {
            // Ending a session: sign in afresh, so the other rows keep their tokens.
            let fresh = match (row.method, row.route, usernames[caller]) {
                ("DELETE", "/api/v1/session", Some(user)) => Some(f.app.login(user).await),
                _ => None,
            };
            let token = fresh.as_deref().or(f.tokens[caller].as_deref());
            let (path, status, body) = f.call(row, token).await;
            let ok = match expected {
                Y => (200..300).contains(&status),
                N => status == 403 && body["error"].is_string(),
                U => status == 401 && body["error"].is_string(),
            };
            if !ok {
                wrong.push(format!(
                    "{} {} as {}: expected {:?}, got {status} {}",
                    row.method, path, CALLERS[caller], expected, body
                ));
            }
            let text = match &body {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            if (200..300).contains(&status)
                && let Some(problem) = also(&text)
            {
                wrong.push(format!(
                    "{} {} as {}: {problem}",
                    row.method, path, CALLERS[caller]
                ));
            }
        }
    }
    wrong
}

#[actix_web::test]
async fn a_unit_sees_only_its_own_unit() {
    let f = fixture().await;
    let unit_a = f.tokens[4].as_deref();
    let inspector = f.tokens[2].as_deref();

    let (status, all) = f.app.get(inspector, "/api/v1/assessments?year=2012").await;
    assert_eq!(status, 200);
    assert_eq!(all["items"].as_array().map(Vec::len), Some(2), "{all}");

    let (status, own) = f.app.get(unit_a, "/api/v1/assessments?year=2012").await;
    assert_eq!(status, 200, "{own}");
    let codes: Vec<&str> = own["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["unit"]["code"].as_str())
        .collect();
    assert_eq!(codes, [CODE_A], "unit A's list holds unit A only");

    let (status, body) = f
        .app
        .get(
            unit_a,
            &format!("/api/v1/assessments?year=2012&unit={CODE_B}"),
        )
        .await;
    assert_eq!(status, 403, "unit A asking for unit B's list: {body}");

    let (status, units) = f.app.get(unit_a, "/api/v1/units").await;
    assert_eq!(status, 200);
    let codes: Vec<&str> = units["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|u| u["code"].as_str())
        .collect();
    assert_eq!(codes, [CODE_A], "unit A's roster holds unit A only");

    let (status, orders) = f.app.get(unit_a, "/api/v1/rectifications?year=2012").await;
    assert_eq!(status, 200, "{orders}");
    let units: Vec<&str> = orders["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|o| o["unit"].as_str())
        .collect();
    assert_eq!(units, [CODE_A; 5], "unit A's rectification orders only");

    // The template is always pre-filled with the caller's own unit.
    let response = f
        .app
        .client
        .get(f.app.url(&format!(
            "/api/v1/checklists/community@2013/template?unit={CODE_B}"
        )))
        .bearer_auth(unit_a.expect("token"))
        .send()
        .await
        .expect("template");
    assert_eq!(response.status(), 200);
    let disposition = response
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        disposition.contains("%E5%B0%8F%E8%90%A5%E5%B7%B7"),
        "named after 小营巷社区, not 葵巷社区: {disposition}"
    );

    // A unit cannot upload another unit's workbook: refused, nothing stored.
    let other = flagged_workbook(&f.app, CODE_B, "葵巷社区", STREET_B);
    let (status, body) = f.app.upload(unit_a.expect("token"), "b.xlsx", other).await;
    assert_eq!(status, 403, "{body}");
    let (_, history) = f
        .app
        .get(inspector, &format!("/api/v1/units/{CODE_B}/history"))
        .await;
    assert_eq!(
        history["items"].as_array().map(Vec::len),
        Some(1),
        "{history}"
    );
}

/// A street officer (街道档案员) reads its street's units only: the lists
/// are its street's whatever it asks, another street is 403, and it
/// uploads for its street's units only.
#[actix_web::test]
async fn a_street_officer_sees_only_its_street() {
    let f = fixture().await;
    let street = f.tokens[6].as_deref();
    let inspector = f.tokens[2].as_deref();
    let codes = |list: &Value, key: &str| -> Vec<String> {
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|i| i.pointer(key).and_then(Value::as_str).map(str::to_string))
            .collect()
    };

    let (_, me) = f.app.get(street, "/api/v1/me").await;
    assert_eq!(
        (me["role"].as_str(), me["street"].as_str()),
        (Some("street"), Some(STREET_A)),
        "{me}"
    );
    for path in [
        "/api/v1/assessments?year=2012".to_string(),
        format!("/api/v1/assessments?year=2012&street={STREET_A}"),
        "/api/v1/assessments?year=2012&sort=total".to_string(),
    ] {
        let (status, list) = f.app.get(street, &path).await;
        assert_eq!(status, 200, "{path}: {list}");
        assert_eq!(codes(&list, "/unit/code"), [CODE_A], "{path}: {list}");
        assert_eq!(list["total"], 1, "{path}: {list}");
    }
    // The inspector asked the same first: a kept page is not the officer's.
    let (_, all) = f.app.get(inspector, "/api/v1/assessments?year=2012").await;
    assert_eq!(all["total"], 2, "{all}");
    let (status, body) = f
        .app
        .get(
            street,
            &format!("/api/v1/assessments?year=2012&street={STREET_B}"),
        )
        .await;
    assert_eq!(status, 403, "another street's list: {body}");

    let (status, units) = f.app.get(street, "/api/v1/units").await;
    assert_eq!(status, 200);
    assert_eq!(codes(&units, "/code"), [CODE_A], "{units}");
    let (status, orders) = f.app.get(street, "/api/v1/rectifications?year=2012").await;
    assert_eq!(status, 200, "{orders}");
    assert_eq!(codes(&orders, "/unit"), [CODE_A; 5], "{orders}");
    let (status, orders) = f
        .app
        .get(
            street,
            &format!("/api/v1/rectifications?year=2012&street={STREET_B}"),
        )
        .await;
    assert_eq!(status, 403, "{orders}");

    // The district report is the street's: unit A only, titled with it.
    let (status, report) = f
        .app
        .get(street, "/api/v1/reports/district?year=2012")
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["street"], STREET_A, "{report}");
    let shown: Vec<&str> = report["units"]
        .as_array()
        .expect("units")
        .iter()
        .filter_map(|u| u["code"].as_str())
        .collect();
    assert_eq!(shown, [CODE_A], "{report}");

    // Unit B's workbook, from street A's officer: refused, nothing stored.
    let other = flagged_workbook(&f.app, CODE_B, "葵巷社区", STREET_B);
    let (status, body) = f.app.upload(street.expect("token"), "b.xlsx", other).await;
    assert_eq!(status, 403, "{body}");
    let (_, history) = f
        .app
        .get(inspector, &format!("/api/v1/units/{CODE_B}/history"))
        .await;
    assert_eq!(
        history["items"].as_array().map(Vec::len),
        Some(1),
        "{history}"
    );
}

/// Writes that change nothing a list or report shows: signing in and out.
const UNSEEN_WRITES: &[(&str, &str)] = &[
    ("POST", "/api/v1/session"),
    ("DELETE", "/api/v1/session"),
    ("DELETE", "/api/v1/users/{id}/sessions"),
    // Looking at one's reminders changes what nobody else sees.
    ("POST", "/api/v1/reminders/seen"),
];

/// Every writing route of the table, once, by the first caller it allows:
/// each moves the data version (数据版本) that other servers' caches and
/// ETags follow, but signing in and out, which move nothing. A new write
/// site that forgot to record itself fails here.
#[actix_web::test]
async fn every_write_moves_the_data_version_and_sign_ins_do_not() {
    let f = fixture().await;
    let usernames = [
        "",
        "admin",
        "inspector",
        "leader",
        "unit_a",
        "unit_b",
        "street_a",
    ];
    let mut wrong = Vec::new();
    // (A row nobody may call, such as another street's first check, writes nothing.)
    for row in TABLE
        .iter()
        .filter(|r| r.method != "GET" && r.expect.contains(&Y))
    {
        let caller = row
            .expect
            .iter()
            .position(|e| *e == Y)
            .expect("someone may write");
        let fresh = match (row.method, row.route) {
            ("DELETE", "/api/v1/session") => Some(f.app.login(usernames[caller]).await),
            _ => None,
        };
        let token = fresh.as_deref().or(f.tokens[caller].as_deref());
        let before = f.app.data_version();
        let (path, status, body) = if row.route == "/api/v1/users/{id}" {
            // The table re-enables an enabled account (nothing changes):
            // disabling it does change the list of accounts.
            let path = f.path(row.path).await;
            let body = json!({"disabled": true});
            let (status, body) = f.app.send(reqwest::Method::PATCH, token, &path, body).await;
            (path, status, body)
        } else {
            f.call(row, token).await
        };
        assert!(
            (200..300).contains(&status),
            "{} {path}: {status} {body}",
            row.method
        );
        let after = f.app.data_version();
        let unseen = UNSEEN_WRITES.contains(&(row.method, row.route));
        if unseen != (after == before) {
            wrong.push(format!("{} {path}: version {before} → {after}", row.method));
        }
    }
    assert!(
        wrong.is_empty(),
        "wrong data versions:\n{}",
        wrong.join("\n")
    );
}
