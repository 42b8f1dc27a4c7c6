use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::reports::template::{Prefill, self_check_template};
use crate::service::ServiceError;
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
            .catalog
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
    let (name, bytes) = state
        .run(move |conn, env| {
            let checklist = env
                .catalog
                .get(&reference)
                .cloned()
                .ok_or_else(|| ServiceError::NotFound(format!("未知的考核细则 {reference}")))?;
            let own = match actor.unit_id {
                Some(id) => Some(crate::store::queries::units::get(conn, id)?.code),
                None => None,
            };
            let code = own.or(unit);
            let mut prefill = Prefill {
                year,
                ..Prefill::default()
            };
            if let Some(code) = code {
                let unit = crate::service::roster::get(conn, &actor, &code)?;
                prefill.unit_name = Some(unit.name);
                prefill.unit_code = Some(unit.code);
                prefill.unit_kind = Some(unit.kind);
                prefill.street = unit.street;
            }
            let bytes = self_check_template(&checklist, &prefill)
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
            let name = match &prefill.unit_name {
                Some(unit) => format!("{unit}-{}-自查表.xlsx", checklist.reference()),
                None => format!("{}-自查表.xlsx", checklist.reference()),
            };
            Ok((name, bytes))
        })
        .await?;
    Ok(crate::web::download(&name, bytes))
}
