//! 互查: a campaign's mutual-review groups, the peers' reviews and the
//! figures beside the bureau's spot checks.

use crate::web::tenant::State;
use actix_web::web;
use serde::Deserialize;

use crate::service::peer_figures::FiguresView;
use crate::service::peer_reviews::{
    self, FormRequest, PeerReviewRequest, PeerReviewView, PlanView,
};
use crate::web::ApiError;
use crate::web::auth::Auth;
use crate::web::error::ErrorBody;

/// The groups of a year's campaign: every group for the bureau and
/// leaders, those holding a unit of its street for a street officer, its
/// own for a unit account.
#[utoipa::path(get, path = "/api/v1/campaigns/{year}/peer-groups", tag = "peer reviews", security(("bearer" = [])),
    params(("year" = i32, Path)),
    responses((status = 200, body = PlanView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn plan(
    state: State,
    Auth(actor): Auth,
    year: web::Path<i32>,
) -> Result<web::Json<PlanView>, ApiError> {
    let year = year.into_inner();
    Ok(web::Json(
        state
            .run(move |conn, env| peer_reviews::plan(conn, env, &actor, year))
            .await?,
    ))
}

/// Forms the groups, drawn with a seed or by hand, and so who reviews whom
/// (inspectors); replaces earlier groups until a peer has reviewed.
#[utoipa::path(put, path = "/api/v1/campaigns/{year}/peer-groups", tag = "peer reviews", security(("bearer" = [])),
    params(("year" = i32, Path)), request_body = FormRequest,
    responses((status = 200, body = PlanView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "A peer has already reviewed under the groups", body = ErrorBody)))]
pub async fn form(
    state: State,
    Auth(actor): Auth,
    year: web::Path<i32>,
    request: crate::web::extract::Json<FormRequest>,
) -> Result<web::Json<PlanView>, ApiError> {
    let (year, request) = (year.into_inner(), request.into_inner());
    Ok(web::Json(
        state
            .run(move |conn, env| peer_reviews::form(conn, env, &actor, year, &request))
            .await?,
    ))
}

/// A unit account's 互查 of a unit it was assigned; kept beside the
/// bureau's reviews, never the unit's result.
#[utoipa::path(post, path = "/api/v1/campaigns/{year}/peer-reviews", tag = "peer reviews", security(("bearer" = [])),
    params(("year" = i32, Path)), request_body = PeerReviewRequest,
    responses((status = 200, body = PeerReviewView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "Not a unit account, or not assigned to the unit", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The unit has not uploaded this year", body = ErrorBody)))]
pub async fn record(
    state: State,
    Auth(actor): Auth,
    year: web::Path<i32>,
    request: crate::web::extract::Json<PeerReviewRequest>,
) -> Result<web::Json<PeerReviewView>, ApiError> {
    let (year, request) = (year.into_inner(), request.into_inner());
    Ok(web::Json(
        state
            .run(move |conn, env| peer_reviews::record(conn, env, &actor, year, &request))
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FiguresQuery {
    /// One unit's code; every grouped unit when absent.
    pub unit: Option<String>,
}

/// 自查、互查、抽查 side by side per unit and item (bureau and leaders).
#[utoipa::path(get, path = "/api/v1/campaigns/{year}/peer-reviews/figures", tag = "peer reviews", security(("bearer" = [])),
    params(("year" = i32, Path), FiguresQuery),
    responses((status = 200, body = FiguresView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn figures(
    state: State,
    Auth(actor): Auth,
    year: web::Path<i32>,
    query: crate::web::extract::Query<FiguresQuery>,
) -> Result<web::Json<FiguresView>, ApiError> {
    let (year, unit) = (year.into_inner(), query.into_inner().unit);
    Ok(web::Json(
        state
            .run(move |conn, env| {
                crate::service::peer_figures::figures(conn, &actor, env, year, unit.as_deref())
            })
            .await?,
    ))
}
