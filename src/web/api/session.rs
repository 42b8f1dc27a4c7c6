use crate::web::tenant::State;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::service::{Role, accounts};
use crate::web::ApiError;
use crate::web::auth::{Auth, bearer};
use crate::web::error::ErrorBody;
use crate::web::tenant::Asked;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub username: String,
    pub password: String,
    /// The district's code (区县代码) where one server holds several;
    /// absent: the first district.
    #[serde(default)]
    pub district: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionAnswer {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// UTC, ISO 8601.
    pub expires_at: String,
    pub user: Me,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub username: String,
    pub role: Role,
    /// The unit's code, for a unit account.
    pub unit: Option<String>,
    /// The street's name, for a street officer (街道档案员).
    pub street: Option<String>,
}

/// Signs in and returns a bearer token.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = Login,
    responses((status = 200, body = SessionAnswer), (status = 401, description = "Wrong user name or password", body = ErrorBody),
        (status = 403, description = "The account is disabled (said only with its right password)", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins for the account or from the address: locked for a while", body = ErrorBody),
        (status = 404, description = "No district of the code `district` names", body = ErrorBody),
        (status = 400, body = ErrorBody)))]
pub async fn create(
    state: State,
    req: actix_web::HttpRequest,
    login: crate::web::extract::Json<Login>,
) -> Result<web::Json<SessionAnswer>, ApiError> {
    let login = login.into_inner();
    let state = state
        .for_district(login.district.as_deref(), Asked::SignIn)
        .await?;
    let prefix = state.token_prefix();
    let hours = state.settings.token_hours;
    let address = crate::web::auth::address(&req);
    let signed = state
        .run(move |conn, env| {
            let (name, password) = (&login.username, &login.password);
            let (address, prefix) = (address.as_deref(), prefix.as_deref());
            accounts::sign_in(conn, env.clock, name, password, hours, address, prefix)
        })
        .await?;
    let answer = SessionAnswer {
        token: signed.token,
        expires_at: format!("{}Z", signed.expires_at.format("%Y-%m-%dT%H:%M:%S")),
        user: Me {
            street: signed.actor.street_name().map(str::to_string),
            username: signed.actor.name,
            role: signed.actor.role,
            unit: signed.unit,
        },
    };
    Ok(web::Json(answer))
}

/// Ends the session of the token sent.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn delete(state: State, _auth: Auth, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    if let Some(token) = bearer(&req) {
        state
            .run(move |conn, _| accounts::revoke_token(conn, &token))
            .await?;
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "session", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(state: State, Auth(actor): Auth) -> Result<web::Json<Me>, ApiError> {
    let account = actor.clone();
    let unit = state
        .run(move |conn, _| accounts::unit_code(conn, &account))
        .await?;
    Ok(web::Json(Me {
        street: actor.street_name().map(str::to_string),
        username: actor.name,
        role: actor.role,
        unit,
    }))
}
