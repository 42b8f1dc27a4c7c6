use crate::web::tenant::State;
use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::service::templates;
use crate::service::versions::{self, VersionView};
use crate::web::ApiError;
use crate::web::api::{Items, PagingQuery};
use crate::web::auth::Auth;
use crate::web::error::ErrorBody;
use crate::web::openapi::Binary;
use crate::web::upload::read_files;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChecklistSummary {
    /// `id@version`
    pub reference: String,
    pub title: String,
    pub unit_kinds: Vec<String>,
    pub items: usize,
    pub tiers: Vec<String>,
}

/// The checklist versions this server knows.
#[utoipa::path(get, path = "/api/v1/checklists", tag = "checklists", security(("bearer" = [])),
    params(PagingQuery),
    responses((status = 200, body = Items<ChecklistSummary>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    state: State,
    _auth: Auth,
    paging: crate::web::extract::Query<PagingQuery>,
) -> Result<web::Json<Items<ChecklistSummary>>, ApiError> {
    Items::page(
        state
            .catalog()
            .iter()
            .map(|l| ChecklistSummary {
                reference: l.checklist.reference(),
                title: l.checklist.title.clone(),
                unit_kinds: l.checklist.unit_kinds.clone(),
                items: l.checklist.items.len(),
                tiers: l.checklist.tiers.iter().map(|t| t.name.clone()).collect(),
            })
            .collect(),
        &paging,
    )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TemplateQuery {
    /// Pre-fill for this unit (its name, code, kind and street).
    pub unit: Option<String>,
    /// Pre-fill 年度.
    pub year: Option<i32>,
}

/// The self-check workbook of a checklist, pre-filled for a unit when asked
/// (a unit account always gets its own unit).
#[utoipa::path(get, path = "/api/v1/checklists/{reference}/template", tag = "checklists", security(("bearer" = [])),
    params(("reference" = String, Path, description = "id@version"), TemplateQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Binary),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn template(
    state: State,
    Auth(actor): Auth,
    reference: web::Path<String>,
    query: crate::web::extract::Query<TemplateQuery>,
) -> Result<HttpResponse, ApiError> {
    let reference = reference.into_inner();
    let TemplateQuery { unit, year } = query.into_inner();
    let file = state
        .run(move |conn, env| {
            templates::self_check(conn, env, &actor, Some(&reference), unit.as_deref(), year)
        })
        .await?;
    Ok(crate::web::download(&file.file_name, file.bytes))
}

/// The form `create` reads.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // describes the multipart form `create` reads
pub struct DraftForm {
    /// The authoring workbook (考核细则编制表, .xlsx or .ods).
    file: Binary,
}

/// A new draft version from an authoring workbook (admin). 422 lists
/// every problem with its sheet and cell; nothing is saved then.
#[utoipa::path(post, path = "/api/v1/checklists", tag = "checklists", security(("bearer" = [])),
    request_body(content = DraftForm, content_type = "multipart/form-data"),
    responses((status = 201, body = VersionView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, description = "The version exists already as a file or is published", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    state: State,
    Auth(actor): Auth,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    actor.require_admin()?;
    let mut guard = state.uploads.enter(&actor).await?;
    let (files, fields) = read_files(payload, &state.settings, &mut guard).await?;
    fields.only(&[])?;
    let [file] = <[_; 1]>::try_from(files)
        .map_err(|_| ApiError::BadRequest("一次只能导入一份考核细则编制表".into()))?;
    let reader = actor.clone();
    let reference = state
        .run(move |conn, env| versions::import_draft(conn, env, &actor, &file.name, &file.bytes))
        .await?;
    state.refresh_catalog().await?;
    let view = state
        .run(move |conn, env| versions::find(conn, env, &reader, &reference))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// One version: its status, origin and use.
#[utoipa::path(get, path = "/api/v1/checklists/{reference}", tag = "checklists", security(("bearer" = [])),
    params(("reference" = String, Path, description = "id@version")),
    responses((status = 200, body = VersionView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    state: State,
    Auth(actor): Auth,
    reference: web::Path<String>,
) -> Result<web::Json<VersionView>, ApiError> {
    let reference = reference.into_inner();
    let view = state
        .run(move |conn, env| versions::find(conn, env, &actor, &reference))
        .await?;
    Ok(web::Json(view))
}

/// The version as an authoring workbook, to edit into the next draft.
#[utoipa::path(get, path = "/api/v1/checklists/{reference}/workbook", tag = "checklists", security(("bearer" = [])),
    params(("reference" = String, Path, description = "id@version")),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Binary),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn workbook(
    state: State,
    Auth(actor): Auth,
    reference: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let reference = reference.into_inner();
    let (name, bytes) = state
        .run(move |conn, env| versions::workbook(conn, env, &actor, &reference))
        .await?;
    Ok(crate::web::download(&name, bytes))
}

/// Publishes a draft (admin): from then on it is frozen.
#[utoipa::path(post, path = "/api/v1/checklists/{reference}/publish", tag = "checklists", security(("bearer" = [])),
    params(("reference" = String, Path, description = "id@version")),
    responses((status = 200, body = VersionView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "Published already", body = ErrorBody)))]
pub async fn publish(
    state: State,
    Auth(actor): Auth,
    reference: web::Path<String>,
) -> Result<web::Json<VersionView>, ApiError> {
    let reference = reference.into_inner();
    let view = state
        .run(move |conn, env| versions::publish(conn, env, &actor, &reference))
        .await?;
    state.refresh_catalog().await?;
    Ok(web::Json(view))
}
