//! 全市汇总 as a page, for the city bureau's accounts.

use actix_web::{HttpResponse, web};

use crate::service::districts;
use crate::web::tenant::State;

use super::{Page, PageError, Viewer};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/city", web::get().to(summary));
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
