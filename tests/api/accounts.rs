//! Accounts as a bureau runs them: a change is all or nothing, a new
//! password ends the other sessions, a disabled account is told so (only
//! with its right password), and every answer carries the headers that
//! keep pages from being framed or sniffed; and /readyz, which a balancer
//! asks before it sends traffic.

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp};

async fn patch(app: &TestApp, token: &str, id: i64, body: Value) -> (u16, Value) {
    app.send(
        reqwest::Method::PATCH,
        Some(token),
        &format!("/api/v1/users/{id}"),
        body,
    )
    .await
}

async fn sign_in(app: &TestApp, username: &str, password: &str) -> (u16, Value) {
    app.post(
        None,
        "/api/v1/session",
        json!({"username": username, "password": password}),
    )
    .await
}

#[actix_web::test]
async fn a_refused_change_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let leader = app.login("leader").await;
    let id = app.user_id(&admin, "leader").await;
    // Its own password, and enabling itself (an admin's call): refused whole.
    let (status, body) = patch(
        &app,
        &leader,
        id,
        json!({"password": "another-pass-1", "disabled": false}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        sign_in(&app, "leader", PASSWORD).await.0,
        200,
        "the old password still works"
    );
    assert_eq!(sign_in(&app, "leader", "another-pass-1").await.0, 401);
    // Its own password alone: allowed.
    let (status, body) = patch(&app, &leader, id, json!({"password": "another-pass-1"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["username"], "leader");
}

#[actix_web::test]
async fn a_new_password_ends_every_other_session() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let id = app.user_id(&admin, "inspector").await;
    let (first, second) = (app.login("inspector").await, app.login("inspector").await);
    // Changed by the account itself: the session that asked stays.
    let (status, body) = patch(&app, &first, id, json!({"password": "checker-new-1"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.get(Some(&first), "/api/v1/me").await.0, 200);
    assert_eq!(app.get(Some(&second), "/api/v1/me").await.0, 401);
    // Reset by an admin: every session of the account ends.
    let (status, body) = patch(&app, &admin, id, json!({"password": "checker-new-2"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.get(Some(&first), "/api/v1/me").await.0, 401);
    assert_eq!(
        app.get(Some(&admin), "/api/v1/me").await.0,
        200,
        "the admin's own stays"
    );
    assert_eq!(sign_in(&app, "inspector", "checker-new-2").await.0, 200);
}

#[actix_web::test]
async fn a_disabled_account_is_told_so_only_with_its_password() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let leader = app.login("leader").await;
    let id = app.user_id(&admin, "leader").await;
    let (status, body) = patch(&app, &admin, id, json!({"disabled": true})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        app.get(Some(&leader), "/api/v1/me").await.0,
        401,
        "its sessions end"
    );
    let (status, body) = sign_in(&app, "leader", PASSWORD).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"].as_str().is_some_and(|e| e.contains("已停用")),
        "{body}"
    );
    let (status, body) = sign_in(&app, "leader", "wrong-password").await;
    assert_eq!(status, 401, "{body}");
    assert!(
        !body.to_string().contains("停用"),
        "a guesser learns nothing: {body}"
    );
}

#[actix_web::test]
async fn every_answer_forbids_framing_and_sniffing() {
    let app = TestApp::spawn().await;
    let client = crate::helpers::client();
    for path in [
        "/healthz",
        "/login",
        "/api/v1/me",
        "/api/openapi.json",
        "/no-such-page",
    ] {
        let response = client.get(app.url(path)).send().await.expect("get");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert!(
            header("content-security-policy").contains("frame-ancestors 'none'"),
            "{path}"
        );
    }
}

#[actix_web::test]
async fn password_guessing_locks_the_account_until_an_admin_unlocks_it() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let id = app.user_id(&admin, "leader").await;
    for attempt in 1..=4 {
        let (status, body) = sign_in(&app, "leader", "guess-number-x").await;
        assert_eq!(status, 401, "attempt {attempt}: {body}");
    }
    let (status, body) = sign_in(&app, "leader", "guess-number-5").await;
    assert_eq!(status, 429, "{body}");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("登录失败次数过多")),
        "{body}"
    );
    // Locked: even the right password waits.
    assert_eq!(sign_in(&app, "leader", PASSWORD).await.0, 429);
    // Other accounts from the same address still sign in.
    assert_eq!(sign_in(&app, "inspector", PASSWORD).await.0, 200);
    let (_, users) = app.get(Some(&admin), "/api/v1/users").await;
    assert!(users.to_string().contains("locked_until"), "{users}");
    // Only an admin lifts it.
    let inspector = app.login("inspector").await;
    assert_eq!(
        patch(&app, &inspector, id, json!({"unlock": true})).await.0,
        403
    );
    let (status, body) = patch(&app, &admin, id, json!({"unlock": true})).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["locked_until"].is_null(), "{body}");
    assert_eq!(sign_in(&app, "leader", PASSWORD).await.0, 200);
}

#[actix_web::test]
async fn ready_means_the_database_answers_with_the_schema_this_binary_expects() {
    use diesel::RunQueryDsl;
    let app = TestApp::spawn().await;
    let (status, body) = app.get(None, "/readyz").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ready"], true);
    // A migration this binary has that the database lacks: not ready.
    let mut conn = app.conn();
    diesel::sql_query(
        "DELETE FROM __diesel_schema_migrations \
         WHERE version = (SELECT MAX(version) FROM __diesel_schema_migrations)",
    )
    .execute(&mut conn)
    .expect("forget a migration");
    drop(conn);
    let (status, body) = app.get(None, "/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["pending_migrations"], 1);
}

#[actix_web::test]
async fn a_weak_password_is_refused_with_every_reason() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let id = app.user_id(&admin, "leader").await;
    for (password, reasons) in [
        ("12345678", vec!["只有数字", "连续", "太常见"]),
        ("leader-2012", vec!["用户名"]),
        ("short1", vec!["至少 8 位"]),
    ] {
        let (status, body) = patch(&app, &admin, id, json!({ "password": password })).await;
        assert_eq!(status, 400, "{password}: {body}");
        let message = body["error"].as_str().unwrap_or_default();
        for reason in reasons {
            assert!(message.contains(reason), "{password}: {message}");
        }
        // Refused means unchanged: the old password still signs in.
        assert_eq!(sign_in(&app, "leader", PASSWORD).await.0, 200);
    }
    let (status, body) = app
        .post(
            Some(&admin),
            "/api/v1/users",
            json!({"username": "newcomer", "password": "newcomer1", "role": "leader"}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(sign_in(&app, "newcomer", "newcomer1").await.0, 401);
    // Who asks is checked before what is asked: not an admin, 403.
    let leader = app.login("leader").await;
    let (status, body) = app
        .post(
            Some(&leader),
            "/api/v1/users",
            json!({"username": "newcomer", "password": "short", "role": "leader"}),
        )
        .await;
    assert_eq!(status, 403, "{body}");
}

#[actix_web::test]
async fn an_admin_ends_every_session_of_an_account() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let first = app.login("leader").await;
    let second = app.login("leader").await;
    let id = app.user_id(&admin, "leader").await;
    let sessions = |list: &Value| {
        list["items"]
            .as_array()
            .and_then(|items| items.iter().find(|u| u["id"] == id))
            .map(|u| u["sessions"].clone())
    };
    let (_, list) = app.get(Some(&admin), "/api/v1/users").await;
    assert_eq!(sessions(&list), Some(json!(2)), "{list}");

    // Another account may not; the account itself ends only its others.
    let inspector = app.login("inspector").await;
    let path = format!("/api/v1/users/{id}/sessions");
    let (status, _) = app
        .send(
            reqwest::Method::DELETE,
            Some(&inspector),
            &path,
            Value::Null,
        )
        .await;
    assert_eq!(status, 403);
    let (status, body) = app
        .send(reqwest::Method::DELETE, Some(&first), &path, Value::Null)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sessions"], json!(1), "{body}");
    assert_eq!(app.get(Some(&first), "/api/v1/units").await.0, 200);
    assert_eq!(app.get(Some(&second), "/api/v1/units").await.0, 401);

    let (status, body) = app
        .send(reqwest::Method::DELETE, Some(&admin), &path, Value::Null)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sessions"], json!(0), "{body}");
    assert_eq!(app.get(Some(&first), "/api/v1/units").await.0, 401);
    let (_, audit) = app.get(Some(&admin), "/api/v1/audit").await;
    assert!(audit.to_string().contains("session.end_all"), "{audit}");
}
