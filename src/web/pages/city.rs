//! 全市汇总 as a page, for the city bureau's accounts.

use actix_web::{HttpResponse, web};

use crate::service::districts;
use crate::web::tenant::State;

use super::{Page, PageError, Viewer};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/city", web::get().to(summary))
        .route("/city/districts/{code}", web::get().to(district));
}

#[derive(Debug, Default, serde::Deserialize)]
struct YearQuery {
    year: Option<i32>,
}

async fn summary(
    state: State,
    viewer: Viewer,
    query: super::PageQuery<YearQuery>,
) -> Result<HttpResponse, PageError> {
    let (actor, home, year) = (viewer.actor.clone(), state.district.clone(), query.year);
    let summary = state
        .run_across(move |sources, env| {
            districts::city_summary(&actor, home.as_ref(), sources, env, year)
        })
        .await?;
    Page::new("city", "全市汇总", "/city", summary).render(&state, Some(&viewer))
}

/// One district's dashboard, as its own leader prints it (without the
/// links into that district's pages, which are its accounts' own).
async fn district(
    state: State,
    viewer: Viewer,
    code: web::Path<String>,
    query: super::PageQuery<YearQuery>,
) -> Result<HttpResponse, PageError> {
    let (actor, home, year) = (viewer.actor.clone(), state.district.clone(), query.year);
    let (html, code) = (state.html.clone(), code.into_inner());
    let page = state
        .run_across(move |sources, env| {
            districts::district_page_for_city(
                &actor,
                home.as_ref(),
                sources,
                env,
                (&html, &code),
                year,
            )
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page))
}
