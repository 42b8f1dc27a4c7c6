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
    pub next: String,
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
        let next: String = self
            .next
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        actix_web::HttpResponse::SeeOther()
            .insert_header(("Location", format!("/login?next={next}")))
            .cookie(expired(SESSION_COOKIE))
            .finish()
    }
}

/// Looks up the session cookie's account; `None` when absent or expired.
pub async fn viewer_of(req: &HttpRequest) -> Option<Viewer> {
    let token = req.cookie(SESSION_COOKIE)?.value().to_string();
    let state = req.app_data::<web::Data<AppState>>()?.clone();
    let lookup = token.clone();
    let actor = state
        .run(move |conn, env| accounts::actor_for_token(conn, &lookup, env.clock))
        .await
        .ok()?;
    Some(Viewer {
        actor,
        csrf: csrf_for(&token),
        token,
    })
}

impl FromRequest for Viewer {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Viewer, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match viewer_of(&req).await {
                Some(v) => Ok(v),
                None => {
                    let next = req
                        .uri()
                        .path_and_query()
                        .map_or("/".to_string(), |p| p.as_str().to_string());
                    Err(SignInFirst { next }.into())
                }
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
}
