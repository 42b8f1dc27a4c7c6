//! The checklist versions pages (考核细则): every version with its status
//! and use; a draft authored in Excel imported from its workbook (its
//! problems, or its summary); a version's summary, its changes from the
//! version before (修订对照) and the what-if of a year's results under it
//! (试算); publishing. The bureau reads them; only an admin imports and
//! publishes.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::service::Role;
use crate::service::versions::{self, VersionDetail, VersionView};
use crate::web::AppState;

use super::inspect::form_config;
use super::{Done, Flash, Page, PageError, Viewer, require, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/admin/checklists")
            .route(web::get().to(list))
            .route(web::post().to(import_draft)),
    )
    .route("/admin/checklists/{reference}", web::get().to(version))
    .service(
        web::resource("/admin/checklists/{reference}/publish")
            .app_data(form_config())
            .route(web::post().to(publish)),
    );
}

/// Who reads these pages: the bureau and its leaders (the 审定会).
fn reader(viewer: &Viewer) -> Result<(), PageError> {
    require(&viewer.actor, &[Role::Admin, Role::Inspector, Role::Leader])
}

#[derive(Serialize)]
struct ListPage {
    versions: Vec<VersionView>,
    may_author: bool,
    problems: Vec<crate::ingest::self_check::Problem>,
}

async fn list_page(
    state: &AppState,
    viewer: &Viewer,
) -> Result<Page<'static, ListPage>, PageError> {
    let actor = viewer.actor.clone();
    let versions = state
        .run(move |conn, env| versions::list(conn, env, &actor))
        .await?;
    let data = ListPage {
        versions,
        may_author: viewer.actor.role == Role::Admin,
        problems: Vec::new(),
    };
    Ok(Page::new(
        "admin-checklists",
        "考核细则",
        "/admin/checklists",
        data,
    ))
}

async fn list(
    state: web::Data<AppState>,
    viewer: Viewer,
    flash: super::PageQuery<Flash>,
) -> Result<HttpResponse, PageError> {
    reader(&viewer)?;
    list_page(&state, &viewer)
        .await?
        .flash(flash.into_inner().flash)
        .render(&state, Some(&viewer))
}

async fn import_draft(
    state: web::Data<AppState>,
    viewer: Viewer,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    require(&viewer.actor, &[Role::Admin])?;
    drop(payload);
    let page = list_page(&state, &viewer).await?;
    page.error("尚未支持".into(), StatusCode::BAD_REQUEST)
        .render(&state, Some(&viewer))
}

#[derive(Serialize)]
struct VersionPage {
    #[serde(flatten)]
    detail: VersionDetail,
    may_publish: bool,
}

async fn version(
    state: web::Data<AppState>,
    viewer: Viewer,
    reference: web::Path<String>,
    flash: super::PageQuery<Flash>,
) -> Result<HttpResponse, PageError> {
    reader(&viewer)?;
    let actor = viewer.actor.clone();
    let reference = reference.into_inner();
    let detail = state
        .run(move |conn, env| versions::detail(conn, env, &actor, &reference))
        .await?;
    let may_publish = viewer.actor.role == Role::Admin && detail.version.is_draft();
    let path = format!("/admin/checklists/{}", detail.version.reference);
    let title = format!("考核细则 {}", detail.version.reference);
    Page::new(
        "admin-checklist",
        &title,
        &path,
        VersionPage {
            detail,
            may_publish,
        },
    )
    .flash(flash.into_inner().flash)
    .render(&state, Some(&viewer))
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn publish(
    state: web::Data<AppState>,
    viewer: Viewer,
    reference: web::Path<String>,
    form: super::PageForm<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    require(&viewer.actor, &[Role::Admin])?;
    viewer.check_csrf(Some(&form.into_inner().csrf))?;
    let actor = viewer.actor.clone();
    let reference = reference.into_inner();
    let published = state
        .run(move |conn, env| versions::publish(conn, env, &actor, &reference))
        .await?;
    state.refresh_catalog().await?;
    Ok(see_other(
        &format!(
            "/admin/checklists/{}",
            super::encode(&published.reference)
        ),
        Some(Done::ChecklistPublished),
    ))
}
