use crate::web::tenant::State;
use actix_web::web;

use crate::service::assessments::{
    self, AssessmentDetail, AssessmentFilter, AssessmentSummary, HistoryEntry,
};
use crate::web::ApiError;
use crate::web::api::{Items, PagingQuery, SharedItems};
use crate::web::auth::Auth;
use crate::web::error::ErrorBody;
use crate::web::revalidate::Viewed;

/// The current assessment of each unit in a year (the reviewed one where an
/// inspector reviewed it), filtered, sorted and paged. A unit account sees
/// its own unit only.
#[utoipa::path(get, path = "/api/v1/assessments", tag = "assessments", security(("bearer" = [])),
    params(AssessmentFilter, PagingQuery),
    responses((status = 200, body = Items<AssessmentSummary>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    state: State,
    Auth(actor): Auth,
    viewed: Option<web::ReqData<Viewed>>,
    query: crate::web::extract::Query<AssessmentFilter>,
    paging: crate::web::extract::Query<PagingQuery>,
) -> Result<web::Json<SharedItems<AssessmentSummary>>, ApiError> {
    let filter = query.into_inner();
    let paging = paging.request()?;
    let version = viewed.map(|v| v.version);
    let lists = state.lists.clone();
    if let Some(page) =
        version.and_then(|v| assessments::kept_page(&actor, &filter, paging, v, &lists.pages))
    {
        return Ok(Items::shared(page));
    }
    Ok(Items::shared(
        state
            .run(move |conn, _| assessments::find(conn, &actor, &filter, paging, version, &lists))
            .await?,
    ))
}

/// One assessment in full: items, categories, facts, self-assessed and reviewed figures, reviews, flags.
#[utoipa::path(get, path = "/api/v1/assessments/{id}", tag = "assessments", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = AssessmentDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    state: State,
    Auth(actor): Auth,
    id: web::Path<i64>,
) -> Result<web::Json<AssessmentDetail>, ApiError> {
    let id = id.into_inner();
    Ok(web::Json(
        state
            .run(move |conn, env| assessments::detail(conn, env, &actor, id))
            .await?,
    ))
}

/// Every upload of a unit over the years, newest first, with self and current figures.
#[utoipa::path(get, path = "/api/v1/units/{code}/history", tag = "units", security(("bearer" = [])),
    params(PagingQuery, ("code" = String, Path)),
    responses((status = 200, body = Items<HistoryEntry>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn history(
    state: State,
    Auth(actor): Auth,
    code: web::Path<String>,
    paging: crate::web::extract::Query<PagingQuery>,
) -> Result<web::Json<Items<HistoryEntry>>, ApiError> {
    let code = code.into_inner();
    Items::page(
        state
            .run(move |conn, _| assessments::history(conn, &actor, &code))
            .await?,
        &paging,
    )
}
