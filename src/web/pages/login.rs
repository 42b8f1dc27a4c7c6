//! Signing in and out, and the landing redirect.

use crate::web::tenant::{Asked, State};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::service::accounts;

use super::session::{self, LOGIN_CSRF_COOKIE, SESSION_COOKIE, Viewer, viewer_of};
use super::{Done, Page, PageError, home_of, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(landing))
        .route("/login", web::get().to(form))
        .route("/login", web::post().to(submit))
        .route("/logout", web::post().to(logout));
}

async fn landing(state: State, req: HttpRequest) -> HttpResponse {
    match viewer_of(&req).await {
        Some(_) if super::is_city(&state) => see_other("/city", None),
        Some(v) => see_other(home_of(v.actor.role), None),
        None => see_other("/login", None),
    }
}

#[derive(Serialize)]
struct LoginForm {
    username: String,
    next: String,
    login_csrf: String,
    /// Where one server holds several districts: which one to sign in to.
    districts: Vec<crate::web::tenant::Choice>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
    flash: Option<String>,
}

/// Only paths on this site are followed after signing in (see [`session::safe_path`]).
fn safe_next(next: Option<&str>) -> String {
    next.and_then(session::safe_path)
        .unwrap_or_default()
        .to_string()
}

async fn form(
    state: State,
    req: HttpRequest,
    query: super::PageQuery<NextQuery>,
) -> Result<HttpResponse, PageError> {
    if let Some(v) = viewer_of(&req).await {
        return Ok(see_other(home_of(v.actor.role), None));
    }
    let token = session::random_token();
    let page = Page::new(
        "login",
        "登录",
        "/login",
        LoginForm {
            username: String::new(),
            next: safe_next(query.next.as_deref()),
            login_csrf: token.clone(),
            districts: state.district_choices(None).await,
        },
    )
    .flash(query.flash.clone());
    let mut response = page.render(&state, None)?;
    response.add_cookie(&session::login_cookie(&token)).ok();
    Ok(response)
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    login_csrf: String,
    #[serde(default)]
    district: String,
}

async fn submit(
    state: State,
    req: HttpRequest,
    form: super::PageForm<Credentials>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let cookie = req.cookie(LOGIN_CSRF_COOKIE).map(|c| c.value().to_string());
    let districts = state.district_choices(Some(&form.district)).await;
    let again = |message: &str, status: StatusCode| -> Result<HttpResponse, PageError> {
        let token = session::random_token();
        let mut response = Page::new(
            "login",
            "登录",
            "/login",
            LoginForm {
                username: form.username.clone(),
                next: safe_next(Some(&form.next)),
                login_csrf: token.clone(),
                districts: districts.clone(),
            },
        )
        .error(message.to_string(), status)
        .render(&state, None)?;
        response.add_cookie(&session::login_cookie(&token)).ok();
        Ok(response)
    };
    if !cookie.is_some_and(|c| !form.login_csrf.is_empty() && session::same(&c, &form.login_csrf)) {
        return again("登录页面已过期，请重新输入", StatusCode::FORBIDDEN);
    }
    let state = match state
        .for_district(Some(&form.district), Asked::SignIn)
        .await
    {
        Ok(state) => state,
        Err(e) => return again(&e.to_string(), StatusCode::BAD_REQUEST),
    };
    let hours = state.settings.token_hours;
    let (username, password) = (form.username.clone(), form.password.clone());
    let address = crate::web::auth::address(&req);
    let prefix = state.token_prefix();
    let result = state
        .run(move |conn, env| {
            let (address, prefix) = (address.as_deref(), prefix.as_deref());
            accounts::sign_in(
                conn, env.clock, &username, &password, hours, address, prefix,
            )
        })
        .await;
    match result {
        Ok(accounts::SignedIn { actor, token, .. }) => {
            let next = safe_next(Some(&form.next));
            let target = if next.is_empty() && super::is_city(&state) {
                "/city".to_string()
            } else if next.is_empty() {
                home_of(actor.role).to_string()
            } else {
                next
            };
            let mut response = see_other(&target, None);
            response
                .add_cookie(&session::session_cookie(&token, hours))
                .ok();
            response
                .add_cookie(&session::expired(LOGIN_CSRF_COOKIE))
                .ok();
            Ok(response)
        }
        Err(crate::web::ApiError::Service(crate::service::ServiceError::Unauthenticated(m))) => {
            again(&m, StatusCode::UNAUTHORIZED)
        }
        // A disabled account, told so on the sign-in form; a locked one too.
        Err(crate::web::ApiError::Service(crate::service::ServiceError::Forbidden(m))) => {
            again(&m, StatusCode::FORBIDDEN)
        }
        Err(crate::web::ApiError::Service(crate::service::ServiceError::Locked(m))) => {
            again(&m, StatusCode::TOO_MANY_REQUESTS)
        }
        Err(e) => Err(PageError(e)),
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    state: State,
    viewer: Viewer,
    form: super::PageForm<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    viewer.check_csrf(Some(&form.csrf))?;
    let token = viewer.token.clone();
    state
        .run(move |conn, _| accounts::revoke_token(conn, &token))
        .await?;
    let mut response = see_other("/login", Some(Done::LoggedOut));
    response.add_cookie(&session::expired(SESSION_COOKIE)).ok();
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn the_login_form_follows_only_paths_on_this_site() {
        assert_eq!(safe_next(Some("/inspect?year=2012")), "/inspect?year=2012");
        // `/login?next=/%09/evil.example` arrives decoded.
        for bad in [
            "/\t/evil.example",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            " /inspect",
        ] {
            assert_eq!(safe_next(Some(bad)), "", "{bad:?}");
        }
        assert_eq!(safe_next(None), "");
    }
}
