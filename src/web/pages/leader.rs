//! Statistics pages (leaders, and the bureau): the dashboard of the reports,
//! a page per street, a report card per unit. Nothing here writes.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::reports::html::Links;
use crate::service::{Role, ServiceError, reports};
use crate::web::AppState;

use super::{PageError, Viewer, require};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/dashboard", web::get().to(dashboard))
        .route("/dashboard/streets/{street}", web::get().to(street))
        .route("/dashboard/units/{code}", web::get().to(unit));
}

#[derive(Deserialize)]
struct YearQuery {
    year: Option<i32>,
}

/// Where the statistics pages link to.
pub fn links() -> Links {
    Links {
        district: Some("/dashboard?year={year}".into()),
        street: Some("/dashboard/streets/{street}?year={year}".into()),
        unit: Some("/dashboard/units/{code}?year={year}".into()),
    }
}

/// The year asked for, else the latest campaign's.
async fn year_or_latest(state: &AppState, year: Option<i32>) -> Result<i32, PageError> {
    if let Some(y) = year {
        return Ok(y);
    }
    Ok(state
        .run(|conn, _| {
            crate::service::campaigns::list(conn)?
                .first()
                .map(|c| c.year)
                .ok_or_else(|| ServiceError::NotFound("还没有任何年度的年检".into()))
        })
        .await?)
}

/// A report page (a standalone document) served inside the application: the
/// navigation bar goes in after `<body>`, and its sign-out form is allowed.
fn html(page: String, viewer: &Viewer) -> HttpResponse {
    let bar = super::app_bar(viewer, "/dashboard");
    let page = page
        .replacen("form-action 'none'", "form-action 'self'", 1)
        .replacen("<body>", &format!("<body>{bar}"), 1);
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(page)
}

async fn dashboard(
    state: web::Data<AppState>,
    viewer: Viewer,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, PageError> {
    require(&viewer.actor, &[Role::Leader, Role::Inspector, Role::Admin])?;
    district_page(&state, &viewer, query.year, None).await
}

async fn street(
    state: web::Data<AppState>,
    viewer: Viewer,
    street: web::Path<String>,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, PageError> {
    require(&viewer.actor, &[Role::Leader, Role::Inspector, Role::Admin])?;
    district_page(&state, &viewer, query.year, Some(street.into_inner())).await
}

async fn district_page(
    state: &AppState,
    viewer: &Viewer,
    year: Option<i32>,
    street: Option<String>,
) -> Result<HttpResponse, PageError> {
    let year = year_or_latest(state, year).await?;
    let actor = viewer.actor.clone();
    let renderer = state.pages_html.clone();
    let page = state
        .run(move |conn, env| {
            let report = reports::district(conn, env, &actor, year, street.as_deref())?;
            renderer
                .dashboard(&report)
                .map_err(|e| ServiceError::Internal(e.to_string()))
        })
        .await?;
    Ok(html(page, viewer))
}

async fn unit(
    state: web::Data<AppState>,
    viewer: Viewer,
    code: web::Path<String>,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, PageError> {
    let year = year_or_latest(&state, query.year).await?;
    let actor = viewer.actor.clone();
    let code = code.into_inner();
    let renderer = state.pages_html.clone();
    let page = state
        .run(move |conn, env| {
            let card = reports::unit_card(conn, env, &actor, &code, year)?;
            renderer
                .unit_card(&card)
                .map_err(|e| ServiceError::Internal(e.to_string()))
        })
        .await?;
    Ok(html(page, &viewer))
}
