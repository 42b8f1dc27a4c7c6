use actix_web::web;
use serde::Deserialize;

use crate::service::ServiceError;
use crate::service::assessments::{self, AssessmentDetail, AssessmentSummary, HistoryEntry};
use crate::web::api::Items;
use crate::web::auth::Auth;
use crate::web::error::ErrorBody;
use crate::web::{ApiError, AppState};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    #[param(required = true)]
    pub year: Option<i32>,
    /// A unit code: that unit only.
    pub unit: Option<String>,
}

/// The current assessment of each unit in a year (the reviewed one where an
/// inspector reviewed it). A unit account sees its own unit only.
#[utoipa::path(get, path = "/api/v1/assessments", tag = "assessments", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = Items<AssessmentSummary>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    Auth(actor): Auth,
    query: crate::web::extract::Query<ListQuery>,
) -> Result<web::Json<Items<AssessmentSummary>>, ApiError> {
    let ListQuery { year, unit } = query.into_inner();
    let year = year.ok_or_else(|| ServiceError::BadRequest("请指定年度 year".into()))?;
    let items = state
        .run(move |conn, _| assessments::list(conn, &actor, year, unit.as_deref()))
        .await?;
    Ok(Items::of(items))
}

/// One assessment in full: items, categories, facts, self-assessed and reviewed figures, reviews, flags.
#[utoipa::path(get, path = "/api/v1/assessments/{id}", tag = "assessments", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = AssessmentDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
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
    params(("code" = String, Path)),
    responses((status = 200, body = Items<HistoryEntry>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn history(
    state: web::Data<AppState>,
    Auth(actor): Auth,
    code: web::Path<String>,
) -> Result<web::Json<Items<HistoryEntry>>, ApiError> {
    let code = code.into_inner();
    Ok(Items::of(
        state
            .run(move |conn, _| assessments::history(conn, &actor, &code))
            .await?,
    ))
}
