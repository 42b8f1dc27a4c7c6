use crate::web::tenant::State;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::service::ServiceError;
use crate::service::flags::{self, FlagItem};
use crate::web::ApiError;
use crate::web::api::{Items, PagingQuery};
use crate::web::auth::Auth;
use crate::web::error::ErrorBody;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct FlagQuery {
    #[param(required = true)]
    pub year: Option<i32>,
    /// Only flags not yet resolved.
    #[serde(default)]
    pub open: bool,
}

/// Plausibility flags on the year's current submissions (bureau only).
#[utoipa::path(get, path = "/api/v1/flags", tag = "flags", security(("bearer" = [])),
    params(PagingQuery, FlagQuery),
    responses((status = 200, body = Items<FlagItem>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    state: State,
    Auth(actor): Auth,
    query: crate::web::extract::Query<FlagQuery>,
    paging: crate::web::extract::Query<PagingQuery>,
) -> Result<web::Json<Items<FlagItem>>, ApiError> {
    let FlagQuery { year, open } = query.into_inner();
    let year = year.ok_or_else(|| ServiceError::BadRequest("请指定年度 year".into()))?;
    Items::page(
        state
            .run(move |conn, _| flags::list(conn, &actor, year, open))
            .await?,
        &paging,
    )
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    /// What the inspector found (核实结果).
    #[schema(min_length = 1)]
    pub resolution: String,
}

#[utoipa::path(post, path = "/api/v1/flags/{id}/resolve", tag = "flags", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Resolution,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn resolve(
    state: State,
    Auth(actor): Auth,
    id: web::Path<i64>,
    body: crate::web::extract::Json<Resolution>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let resolution = body.into_inner().resolution;
    state
        .run(move |conn, env| flags::resolve(conn, &actor, id, &resolution, env.clock))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
