//! Pages sign in with a cookie: the session token (the same tokens the API
//! uses) in an HttpOnly, SameSite=Lax cookie. Every form carries a CSRF
//! token derived from the session, which another site cannot read; the
//! login form, before any session exists, uses a double-submit cookie.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use sha2::{Digest, Sha256};

use crate::ingest::checklists::hex;
use crate::service::{Actor, ServiceError, accounts};
use crate::web::{ApiError, AppState};

pub const SESSION_COOKIE: &str = "nj_session";
pub const LOGIN_CSRF_COOKIE: &str = "nj_login";

/// The CSRF token of a session.
pub fn csrf_for(session: &str) -> String {
    hex(&Sha256::digest(
        format!("nianjian-csrf|{session}").as_bytes(),
    ))[..32]
        .to_string()
}

/// Constant-time comparison of two tokens.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub fn session_cookie(token: &str, hours: i64) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::hours(hours))
        .finish()
}

pub fn expired(name: &'static str) -> Cookie<'static> {
    let mut c = Cookie::build(name, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish();
    c.make_removal();
    c
}

pub fn login_cookie(value: &str) -> Cookie<'static> {
    Cookie::build(LOGIN_CSRF_COOKIE, value.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(CookieDuration::hours(2))
        .finish()
}

/// A random token for the login form.
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    // Falling back to time-derived bytes only weakens login CSRF, never sessions.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes = nanos.to_le_bytes();
    }
    hex(&bytes)
}

/// The signed-in viewer of a page: the account and its session's CSRF token.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub actor: Actor,
    pub csrf: String,
    pub token: String,
    /// Reminders that arose since the account last looked (the bell).
    pub unread: usize,
}

impl Viewer {
    /// A form's CSRF field must match the session's.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), ApiError> {
        match sent {
            Some(s) if same(s, &self.csrf) => Ok(()),
            _ => Err(ServiceError::Forbidden("表单已过期，请刷新页面后重试".into()).into()),
        }
    }
}

/// Not signed in: pages send the browser to the login page.
#[derive(Debug)]
pub struct SignInFirst {
    /// Where to return afterwards (a path on this site), if anywhere.
    pub next: Option<String>,
}

impl std::fmt::Display for SignInFirst {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("请先登录")
    }
}

impl actix_web::ResponseError for SignInFirst {
    fn status_code(&self) -> actix_web::http::StatusCode {
        actix_web::http::StatusCode::SEE_OTHER
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        let location = match &self.next {
            Some(next) => {
                let next: String = next
                    .bytes()
                    .map(|b| {
                        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
                            char::from(b).to_string()
                        } else {
                            format!("%{b:02X}")
                        }
                    })
                    .collect();
                format!("/login?next={next}")
            }
            None => "/login".to_string(),
        };
        actix_web::HttpResponse::SeeOther()
            .insert_header(("Location", location))
            .cookie(expired(SESSION_COOKIE))
            .finish()
    }
}

/// Looks up the session cookie's account; `None` when absent or expired.
pub async fn viewer_of(req: &HttpRequest) -> Option<Viewer> {
    let token = req.cookie(SESSION_COOKIE)?.value().to_string();
    let base = req.app_data::<web::Data<AppState>>()?.clone();
    let state = base.of_request(req).await.ok()?;
    let lookup = token.clone();
    let (actor, unread) = state
        .run(move |conn, env| {
            let actor = accounts::actor_for_token(conn, &lookup, env.clock)?;
            let unread = crate::service::reminders::unread(conn, env, &actor);
            Ok((actor, unread))
        })
        .await
        .ok()?;
    Some(Viewer {
        actor,
        csrf: csrf_for(&token),
        token,
        unread,
    })
}

/// A path to return to after signing in, if it stays on this site: it starts
/// with one `/` (not `//`, which is another host), holds only visible ASCII
/// (no control characters, no white space — browsers drop a tab or newline
/// and `/\t/evil.example` becomes `//evil.example` — nothing beyond ASCII)
/// and no backslash (read as `/` by browsers), and is not the login page.
pub fn safe_path(next: &str) -> Option<&str> {
    let ok = next.len() <= 2048
        && next.starts_with('/')
        && !next.starts_with("//")
        && next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
        && !next.starts_with("/login");
    ok.then_some(next)
}

/// The page a form was sent from (its Referer), when it is on this site.
fn referer_path(req: &HttpRequest) -> Option<String> {
    let referer = req
        .headers()
        .get(actix_web::http::header::REFERER)?
        .to_str()
        .ok()?;
    let rest = referer
        .strip_prefix("http://")
        .or_else(|| referer.strip_prefix("https://"))?;
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, "/"),
    };
    let host = req
        .headers()
        .get(actix_web::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))?;
    if !authority.eq_ignore_ascii_case(host) {
        return None;
    }
    let path = path.split('#').next().unwrap_or_default();
    safe_path(path).map(str::to_string)
}

/// Where to return after signing in again: the page asked for when it was a
/// GET; for a form (a POST-only address, which a browser cannot open again)
/// the page the form was on, else nowhere (the role's own page).
fn return_to(req: &HttpRequest) -> Option<String> {
    use actix_web::http::Method;
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        req.uri()
            .path_and_query()
            .and_then(|p| safe_path(p.as_str()))
            .map(str::to_string)
    } else {
        referer_path(req)
    }
}

impl FromRequest for Viewer {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Viewer, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match viewer_of(&req).await {
                Some(v) => Ok(v),
                None => Err(SignInFirst {
                    next: return_to(&req),
                }
                .into()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_tokens_differ_per_session_and_compare_exactly() {
        let a = csrf_for("session-a");
        let b = csrf_for("session-b");
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(same(&a, &csrf_for("session-a")));
        assert!(!same(&a, &b));
        assert!(!same(&a, &a[..31]));
    }

    #[test]
    fn only_paths_on_this_site_are_returned_to() {
        for good in [
            "/",
            "/inspect?year=2012&street=%E5%B0%8F%E8%90%A5",
            "/dashboard/streets/%E5%B0%8F%E8%90%A5%E8%A1%97%E9%81%93?year=2012",
            "/unit/rectifications/12",
        ] {
            assert_eq!(safe_path(good), Some(good), "{good:?}");
        }
        for bad in [
            "",
            "evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "//evil.example",
            "///evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/ /evil.example",
            "/\u{3000}/evil.example",
            "/\u{a0}/evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\\/evil.example",
            "/\u{7f}/evil.example",
            "\t/inspect",
            "/login",
            "/login?next=/inspect",
            "/小营街道",
        ] {
            assert_eq!(safe_path(bad), None, "{bad:?}");
        }
        assert_eq!(safe_path(&format!("/{}", "a".repeat(4096))), None);
    }
}
