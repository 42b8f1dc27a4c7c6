//! Who is calling: `Authorization: Bearer TOKEN`, looked up per request.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use crate::service::{Actor, ServiceError, accounts};

use super::error::messages;
use super::{ApiError, AppState};

/// The signed-in caller.
#[derive(Clone, Debug)]
pub struct Auth(pub Actor);

/// The bearer token of a request, if any.
pub fn bearer(req: &HttpRequest) -> Option<String> {
    let header = req.headers().get("Authorization")?.to_str().ok()?;
    let (scheme, token) = header.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// The caller's address, as this server sees it: behind a reverse proxy,
/// the proxy's own, unless `[http] trusted_proxy` lets `X-Forwarded-For`
/// name the client (see [`super::secure::client_address`]).
pub fn address(req: &HttpRequest) -> Option<String> {
    let state = req.app_data::<web::Data<AppState>>();
    super::secure::client_address(req, state.map(|s| s.settings.as_ref()))
}

impl FromRequest for Auth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Auth, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = super::tenant::State::extract(req);
        // Pages link to downloads (files, reports): a GET may be signed in by
        // the session cookie. Writes need the bearer token, so a cookie can
        // never be ridden by another site into changing anything.
        let reads = matches!(
            *req.method(),
            actix_web::http::Method::GET | actix_web::http::Method::HEAD
        );
        let token = bearer(req).or_else(|| {
            reads
                .then(|| req.cookie(super::pages::session::SESSION_COOKIE))
                .flatten()
                .map(|c| c.value().to_string())
        });
        // The revalidating middleware may have found the caller already.
        let viewed = req
            .extensions()
            .get::<super::revalidate::Viewed>()
            .filter(|v| token.as_deref() == Some(v.credential.as_str()))
            .map(|v| v.actor.clone());
        Box::pin(async move {
            if let Some(actor) = viewed {
                return Ok(Auth(actor));
            }
            let state = state.await?;
            let Some(token) = token else {
                return Err(ServiceError::Unauthenticated(messages::SIGN_IN_FIRST.into()).into());
            };
            let actor = state
                .run(move |conn, env| accounts::actor_for_token(conn, &token, env.clock))
                .await?;
            Ok(Auth(actor))
        })
    }
}
