//! 全市汇总: the city bureau's accounts read every district's summary.

use actix_web::{HttpResponse, web};

use crate::reports::city::CitySummary;
use crate::service::districts;
use crate::web::ApiError;
use crate::web::api::reports::year_of;
use crate::web::auth::Auth;
use crate::web::error::ErrorBody;
use crate::web::tenant::State;

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct CityQuery {
    #[param(required = true)]
    pub year: Option<i32>,
}

/// The city summary: each district's units by tier (the same cumulative
/// counting as the district summary) and the city's total.
#[utoipa::path(get, path = "/api/v1/city/summary", tag = "reports", security(("bearer" = [])),
    params(CityQuery),
    responses((status = 200, description = "Districts × tiers and their sum", body = Object), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Only the city bureau's accounts", body = ErrorBody)))]
pub async fn summary(
    state: State,
    Auth(actor): Auth,
    query: crate::web::extract::Query<CityQuery>,
) -> Result<web::Json<CitySummary>, ApiError> {
    let year = year_of(query.into_inner().year)?;
    let home = state.district.clone();
    let summary = state
        .run_across(move |sources, env| {
            districts::city_summary(&actor, home.as_ref(), sources, env, Some(year))
        })
        .await?;
    Ok(web::Json(summary))
}

/// The city summary as a workbook of one sheet (全市汇总).
#[utoipa::path(get, path = "/api/v1/city/summary.xlsx", tag = "reports", security(("bearer" = [])),
    params(CityQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = crate::web::openapi::Binary),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn summary_workbook(
    state: State,
    Auth(actor): Auth,
    query: crate::web::extract::Query<CityQuery>,
) -> Result<HttpResponse, ApiError> {
    let year = year_of(query.into_inner().year)?;
    let home = state.district.clone();
    let (name, bytes) = state
        .run_across(move |sources, env| {
            districts::city_workbook(&actor, home.as_ref(), sources, env, year)
        })
        .await?;
    Ok(crate::web::download(&name, bytes))
}
