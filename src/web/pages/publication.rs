//! The publication page of a year (年度结果发布, an admin's): the
//! publication in force with its fingerprint, the corrections made since
//! and the earlier publications; the button that publishes the year.

use crate::web::tenant::State;
use actix_web::{HttpResponse, web};
use serde::Serialize;

use crate::service::Role;
use crate::service::publishing::{self as publication, PublicationView};

use super::inspect::form_config;
use super::{Done, Flash, Page, PageError, Viewer, require, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/admin/campaigns/{year}/publication")
            .app_data(form_config())
            .route(web::get().to(page))
            .route(web::post().to(publish)),
    );
}

#[derive(Serialize)]
struct PublicationPage {
    year: i32,
    publication: Option<PublicationView>,
}

async fn page(
    state: State,
    viewer: Viewer,
    year: web::Path<i32>,
    flash: super::PageQuery<Flash>,
) -> Result<HttpResponse, PageError> {
    require(&viewer.actor, &[Role::Admin])?;
    let year = year.into_inner();
    let actor = viewer.actor.clone();
    let publication = state
        .run(move |conn, env| publication::status(conn, env, &actor, year))
        .await?;
    Page::new(
        "admin-publication",
        "年度结果发布",
        "/admin",
        PublicationPage { year, publication },
    )
    .flash(flash.into_inner().flash)
    .render(&state, Some(&viewer))
}

async fn publish(
    state: State,
    viewer: Viewer,
    year: web::Path<i32>,
    form: super::PageForm<super::CsrfForm>,
) -> Result<HttpResponse, PageError> {
    require(&viewer.actor, &[Role::Admin])?;
    viewer.check_csrf(Some(&form.into_inner().csrf))?;
    let year = year.into_inner();
    let actor = viewer.actor.clone();
    state
        .run(move |conn, env| publication::publish(conn, env, &actor, year))
        .await?;
    Ok(see_other(
        &format!("/admin/campaigns/{year}/publication"),
        Some(Done::ResultsPublished),
    ))
}
