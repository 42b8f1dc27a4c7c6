use crate::web::tenant::State;
use actix_web::{HttpResponse, web};

use crate::service::campaigns::{self, CampaignChange, CampaignView, NewCampaign};
use crate::service::publishing::{self as publication, PublicationView};
use crate::web::ApiError;
use crate::web::api::{Items, PagingQuery};
use crate::web::auth::Auth;
use crate::web::error::ErrorBody;

#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns", security(("bearer" = [])),
    params(PagingQuery),
    responses((status = 200, body = Items<CampaignView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    state: State,
    _auth: Auth,
    paging: crate::web::extract::Query<PagingQuery>,
) -> Result<web::Json<Items<CampaignView>>, ApiError> {
    Items::page(state.run(|conn, _| campaigns::list(conn)).await?, &paging)
}

#[utoipa::path(get, path = "/api/v1/campaigns/{year}", tag = "campaigns", security(("bearer" = [])),
    params(("year" = i32, Path)),
    responses((status = 200, body = CampaignView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    state: State,
    _auth: Auth,
    year: web::Path<i32>,
) -> Result<web::Json<CampaignView>, ApiError> {
    let year = year.into_inner();
    Ok(web::Json(
        state
            .run(move |conn, _| {
                let row = campaigns::by_year(conn, year)?;
                campaigns::view(conn, &row)
            })
            .await?,
    ))
}

/// Opens a year's campaign (admin).
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "campaigns", security(("bearer" = [])),
    request_body = NewCampaign,
    responses((status = 200, body = CampaignView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, description = "The year already has a campaign", body = ErrorBody)))]
pub async fn create(
    state: State,
    Auth(actor): Auth,
    body: crate::web::extract::Json<NewCampaign>,
) -> Result<web::Json<CampaignView>, ApiError> {
    let (year, change) = body.into_inner().into_parts();
    Ok(web::Json(
        state
            .run(move |conn, env| {
                campaigns::create(conn, &actor, env.catalog, year, &change, env.clock)
            })
            .await?,
    ))
}

/// Sets a campaign's deadline, closes or reopens it, or sets a kind's checklist (admin); an
/// inspector may change its rectification period (`rectify_days`) alone.
#[utoipa::path(patch, path = "/api/v1/campaigns/{year}", tag = "campaigns", security(("bearer" = [])),
    params(("year" = i32, Path)), request_body = CampaignChange,
    responses((status = 200, body = CampaignView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update(
    state: State,
    Auth(actor): Auth,
    year: web::Path<i32>,
    body: crate::web::extract::Json<CampaignChange>,
) -> Result<web::Json<CampaignView>, ApiError> {
    let year = year.into_inner();
    let change = body.into_inner();
    Ok(web::Json(
        state
            .run(move |conn, env| {
                campaigns::update(conn, &actor, env.catalog, year, &change, env.clock)
            })
            .await?,
    ))
}

/// The year's publication of results in force (年度结果发布): its sha256 and
/// fingerprint, the corrections made since and the earlier publications.
#[utoipa::path(get, path = "/api/v1/campaigns/{year}/publication", tag = "campaigns", security(("bearer" = [])),
    params(("year" = i32, Path)),
    responses((status = 200, body = PublicationView), (status = 401, body = ErrorBody),
        (status = 403, description = "Units do not read publications", body = ErrorBody),
        (status = 404, description = "The year was never published", body = ErrorBody)))]
pub async fn publication(
    state: State,
    Auth(actor): Auth,
    year: web::Path<i32>,
) -> Result<web::Json<PublicationView>, ApiError> {
    let year = year.into_inner();
    Ok(web::Json(
        state
            .run(move |conn, env| publication::latest(conn, env, &actor, year))
            .await?,
    ))
}

/// Publishes the year's results (admin): every unit's current result and the
/// district figures frozen as a hashed snapshot; a year published before is
/// published anew (the earlier publication is kept). Later changes of a
/// result are logged as corrections of it.
#[utoipa::path(post, path = "/api/v1/campaigns/{year}/publication", tag = "campaigns", security(("bearer" = [])),
    params(("year" = i32, Path)),
    responses((status = 201, body = PublicationView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "The year has no campaign", body = ErrorBody)))]
pub async fn publish(
    state: State,
    Auth(actor): Auth,
    year: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    let year = year.into_inner();
    let view = state
        .run(move |conn, env| publication::publish(conn, env, &actor, year))
        .await?;
    Ok(HttpResponse::Created().json(view))
}
