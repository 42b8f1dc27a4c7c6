use crate::web::tenant::State;
use actix_web::web;

use crate::service::samples::{self, SampleRequest, SampleView};
use crate::web::ApiError;
use crate::web::api::{Items, PagingQuery, YearQuery};
use crate::web::auth::Auth;
use crate::web::error::ErrorBody;

/// Draws a spot-check sample (抽查): N units or P%, stratified by street and
/// tier, with a seed (given, or random and returned) stored for the record.
#[utoipa::path(post, path = "/api/v1/samples", tag = "samples", security(("bearer" = [])),
    request_body = SampleRequest,
    responses((status = 200, body = SampleView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    state: State,
    Auth(actor): Auth,
    body: crate::web::extract::Json<SampleRequest>,
) -> Result<web::Json<SampleView>, ApiError> {
    let request = body.into_inner();
    Ok(web::Json(
        state
            .run(move |conn, env| samples::create(conn, &actor, &request, env.clock))
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/samples", tag = "samples", security(("bearer" = [])),
    params(PagingQuery, YearQuery),
    responses((status = 200, body = Items<SampleView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    state: State,
    Auth(actor): Auth,
    query: crate::web::extract::Query<YearQuery>,
    paging: crate::web::extract::Query<PagingQuery>,
) -> Result<web::Json<Items<SampleView>>, ApiError> {
    let year = query.year;
    Items::page(
        state
            .run(move |conn, _| samples::list(conn, &actor, year))
            .await?,
        &paging,
    )
}

#[utoipa::path(get, path = "/api/v1/samples/{id}", tag = "samples", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = SampleView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    state: State,
    Auth(actor): Auth,
    id: web::Path<i64>,
) -> Result<web::Json<SampleView>, ApiError> {
    let id = id.into_inner();
    Ok(web::Json(
        state
            .run(move |conn, _| samples::get(conn, &actor, id))
            .await?,
    ))
}
