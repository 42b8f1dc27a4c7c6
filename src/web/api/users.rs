use crate::web::tenant::State;
use actix_web::web;
use serde::Deserialize;

use crate::service::Role;
use crate::service::accounts::{self, UserView};
use crate::web::ApiError;
use crate::web::api::{Items, PagingQuery};
use crate::web::auth::Auth;
use crate::web::error::ErrorBody;

#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    params(PagingQuery),
    responses((status = 200, body = Items<UserView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    state: State,
    Auth(actor): Auth,
    paging: crate::web::extract::Query<PagingQuery>,
) -> Result<web::Json<Items<UserView>>, ApiError> {
    Items::page(
        state
            .run(move |conn, env| accounts::list_users(conn, &actor, env.clock))
            .await?,
        &paging,
    )
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// One word (no white space inside).
    #[schema(
        pattern = r"^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000\ufffe\uffff]+[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub username: String,
    /// At least 8 characters.
    #[schema(min_length = 8)]
    pub password: String,
    pub role: Role,
    /// The unit's code, for a unit account.
    pub unit: Option<String>,
    /// The street's name, for a street officer (街道档案员).
    pub street: Option<String>,
    /// Where the account's daily digest of reminders goes (optional).
    pub email: Option<String>,
}

/// Creates an account (admin).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    request_body = NewUser,
    responses((status = 200, body = UserView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "The unit is not on the roster", body = ErrorBody),
        (status = 409, description = "The user name is taken", body = ErrorBody)))]
pub async fn create(
    state: State,
    Auth(actor): Auth,
    body: crate::web::extract::Json<NewUser>,
) -> Result<web::Json<UserView>, ApiError> {
    let u = body.into_inner();
    Ok(web::Json(
        state
            .run(move |conn, env| {
                let new = accounts::NewAccount {
                    username: &u.username,
                    password: &u.password,
                    role: u.role,
                    unit: u.unit.as_deref(),
                    street: u.street.as_deref(),
                    email: u.email.as_deref(),
                };
                accounts::add_account(conn, &actor, new, env.clock)
            })
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    pub disabled: Option<bool>,
    /// `true` lifts a lock of failed sign-ins (admins).
    #[serde(default)]
    pub unlock: bool,
    /// A new password (admin, or the account itself), at least 8 characters.
    #[schema(min_length = 8)]
    pub password: Option<String>,
    /// The address of the daily digest of reminders (admin, or the account
    /// itself); an empty string removes it.
    pub email: Option<String>,
}

/// Disables or enables an account, sets its password or e-mail address, or lifts its sign-in lock; all or nothing.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = UserChange,
    responses((status = 200, body = UserView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update(
    state: State,
    Auth(actor): Auth,
    req: actix_web::HttpRequest,
    id: web::Path<i64>,
    body: crate::web::extract::Json<UserChange>,
) -> Result<web::Json<UserView>, ApiError> {
    let id = id.into_inner();
    let UserChange {
        disabled,
        unlock,
        password,
        email,
    } = body.into_inner();
    let change = accounts::AccountChange {
        password,
        disabled,
        unlock,
        email,
    };
    let token = crate::web::auth::bearer(&req);
    Ok(web::Json(
        state
            .run(move |conn, env| {
                accounts::update_user(conn, &actor, id, &change, token.as_deref(), env.clock)
            })
            .await?,
    ))
}

/// Ends every session of an account (admin); an account may end its own
/// other sessions, keeping the one that asks.
#[utoipa::path(delete, path = "/api/v1/users/{id}/sessions", tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = UserView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn end_sessions(
    state: State,
    Auth(actor): Auth,
    req: actix_web::HttpRequest,
    id: web::Path<i64>,
) -> Result<web::Json<UserView>, ApiError> {
    let id = id.into_inner();
    let token = crate::web::auth::bearer(&req);
    Ok(web::Json(
        state
            .run(move |conn, env| {
                accounts::end_sessions(conn, &actor, id, token.as_deref(), env.clock)
            })
            .await?,
    ))
}
