use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::service::templates;
use crate::web::api::{Items, PagingQuery};
use crate::web::auth::Auth;
use crate::web::error::ErrorBody;
use crate::web::{ApiError, AppState};

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
    state: web::Data<AppState>,
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
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = crate::web::openapi::Binary),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn template(
    state: web::Data<AppState>,
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
