//! The checklist versions pages (考核细则): every version with its status
//! and use; a draft authored in Excel imported from its workbook (its
//! problems, or its summary); a version's summary, its changes from the
//! version before (修订对照) and the what-if of a year's results under it
//! (试算); publishing. The bureau reads them; only an admin imports and
//! publishes.

use crate::web::tenant::State;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::service::versions::{self, VersionDetail, VersionView};
use crate::service::{Role, ServiceError};
use crate::web::upload::{FormRules, read_checked};
use crate::web::{ApiError, AppState};

use super::inspect::form_config;
use super::preview::PreviewPage;
use super::{Done, Flash, Page, PageError, Viewer, require, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/admin/checklists")
            .route(web::get().to(list))
            .route(web::post().to(import_draft)),
    )
    .route("/admin/checklists/{reference}", web::get().to(version))
    .route(
        "/admin/checklists/{reference}/workbook",
        web::get().to(workbook),
    )
    .route("/admin/checklists/{reference}/diff", web::get().to(diff))
    .route(
        "/admin/checklists/{reference}/preview",
        web::get().to(preview),
    )
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
    state: State,
    viewer: Viewer,
    flash: super::PageQuery<Flash>,
) -> Result<HttpResponse, PageError> {
    reader(&viewer)?;
    list_page(&state, &viewer)
        .await?
        .flash(flash.into_inner().flash)
        .render(&state, Some(&viewer))
}

/// An authoring workbook sent as a new draft: saved and shown, or the
/// versions page again with every problem and its cell.
async fn import_draft(
    state: State,
    viewer: Viewer,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    require(&viewer.actor, &[Role::Admin])?;
    let rules = FormRules {
        csrf: Some(&viewer.csrf),
        max_files: Some(1),
        too_many: "一次只能上传一份考核细则编制表",
        ..FormRules::default()
    };
    let mut guard = state.uploads.enter(&viewer.actor).await?;
    let (files, _) = read_checked(payload, &state.settings, &mut guard, &rules)
        .await
        .map_err(|refused| refused.error)?;
    let Some(file) = files.into_iter().next() else {
        return Ok(see_other("/admin/checklists", Some(Done::NoFileChosen)));
    };
    let actor = viewer.actor.clone();
    let imported = state
        .run(move |conn, env| versions::import_draft(conn, env, &actor, &file.name, &file.bytes))
        .await;
    match imported {
        Ok(reference) => {
            state.refresh_catalog().await?;
            let path = format!("/admin/checklists/{}", super::encode(&reference));
            Ok(see_other(&path, Some(Done::DraftImported)))
        }
        Err(ApiError::Service(ServiceError::Invalid(problems))) => {
            let mut page = list_page(&state, &viewer).await?;
            let message = format!(
                "编制表有 {} 处问题，草稿未保存；请逐条改正后重新上传",
                problems.len()
            );
            page.body.problems = problems;
            page.error(message, StatusCode::UNPROCESSABLE_ENTITY)
                .render(&state, Some(&viewer))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize)]
struct VersionPage {
    #[serde(flatten)]
    detail: VersionDetail,
    may_publish: bool,
}

async fn version(
    state: State,
    viewer: Viewer,
    reference: web::Path<String>,
    flash: super::PageQuery<Flash>,
) -> Result<HttpResponse, PageError> {
    reader(&viewer)?;
    let actor = viewer.actor.clone();
    let reference = reference.into_inner();
    let html = state.html.clone();
    let detail = state
        .run(move |conn, env| versions::detail(conn, env, &actor, &reference, &html))
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

async fn publish(
    state: State,
    viewer: Viewer,
    reference: web::Path<String>,
    form: super::PageForm<super::CsrfForm>,
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
        &format!("/admin/checklists/{}", super::encode(&published.reference)),
        Some(Done::ChecklistPublished),
    ))
}

/// The version as an authoring workbook, to edit into the next draft.
async fn workbook(
    state: State,
    viewer: Viewer,
    reference: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    reader(&viewer)?;
    let actor = viewer.actor.clone();
    let reference = reference.into_inner();
    let (name, bytes) = state
        .run(move |conn, env| versions::workbook(conn, env, &actor, &reference))
        .await?;
    Ok(crate::web::download(&name, bytes))
}

#[derive(Deserialize)]
struct DiffQuery {
    against: Option<String>,
}

/// The printable comparison (修订对照) for the 审定会, A4.
async fn diff(
    state: State,
    viewer: Viewer,
    reference: web::Path<String>,
    query: super::PageQuery<DiffQuery>,
) -> Result<HttpResponse, PageError> {
    reader(&viewer)?;
    let (actor, html) = (viewer.actor.clone(), state.html.clone());
    let reference = reference.into_inner();
    let against = query.into_inner().against;
    let document = state
        .run(move |conn, env| {
            versions::diff_document(conn, env, &actor, &reference, against.as_deref(), &html)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(document))
}

#[derive(Deserialize)]
struct PreviewQuery {
    year: Option<i32>,
}

/// The what-if page (试算): how a year's results would stand under this
/// version.
async fn preview(
    state: State,
    viewer: Viewer,
    reference: web::Path<String>,
    query: super::PageQuery<PreviewQuery>,
) -> Result<HttpResponse, PageError> {
    reader(&viewer)?;
    let actor = viewer.actor.clone();
    let reference = reference.into_inner();
    let year = query
        .into_inner()
        .year
        .ok_or_else(|| ServiceError::BadRequest("请选择要试算的年度".into()))?;
    let preview = state
        .run(move |conn, env| versions::preview(conn, env, &actor, &reference, year))
        .await?;
    let path = format!(
        "/admin/checklists/{}/preview",
        super::encode(&preview.checklist)
    );
    let title = format!("试算 {} · {} 年度", preview.checklist, preview.year);
    Page::new("admin-preview", &title, &path, PreviewPage::of(preview))
        .render(&state, Some(&viewer))
}
