//! 佐证材料 attached to a unit's items: upload, list, download.

use crate::web::tenant::State;
use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::service::ServiceError;
use crate::service::evidence::{self, Attachment, EvidenceFile, EvidenceView};
use crate::web::ApiError;
use crate::web::api::{Items, PagingQuery};
use crate::web::auth::Auth;
use crate::web::error::ErrorBody;
use crate::web::openapi::Binary;
use crate::web::upload::read_form;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct YearQuery {
    /// The campaign year.
    #[param(required = true)]
    pub year: Option<i32>,
}

/// The form `attach` reads.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // describes the multipart form `attach` reads
pub struct EvidenceForm {
    /// The campaign year.
    year: i32,
    /// The item's code in the unit's checklist.
    item: String,
    #[schema(nullable = false)]
    note: Option<String>,
    /// The files (at most 10).
    #[schema(max_items = 10, min_items = 1)]
    file: Vec<Binary>,
}

/// Attaches 佐证材料 to an item of the unit's current self-check of the
/// year (the unit itself, or the bureau for it); all files or none.
#[utoipa::path(post, path = "/api/v1/units/{code}/evidence", tag = "units", security(("bearer" = [])),
    params(("code" = String, Path)),
    request_body(content = EvidenceForm, content_type = "multipart/form-data"),
    responses((status = 200, body = Items<EvidenceView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "No self-check uploaded for the year yet", body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn attach(
    state: State,
    Auth(actor): Auth,
    code: web::Path<String>,
    payload: Multipart,
) -> Result<web::Json<Items<EvidenceView>>, ApiError> {
    // Held while the files are read and stored (the account's share of uploads).
    let mut guard = state.uploads.enter(&actor).await?;
    let (files, fields) = read_form(payload, &state.settings, &mut guard, false).await?;
    fields.only(&["year", "item", "note"])?;
    let year = fields
        .get("year")
        .and_then(|y| y.parse().ok())
        .ok_or_else(|| ServiceError::BadRequest("请指定年度 year".into()))?;
    let attachment = Attachment {
        unit_code: code.into_inner(),
        year,
        item: fields.get("item").unwrap_or_default().to_string(),
        note: fields.get("note").unwrap_or_default().to_string(),
        files: files
            .into_iter()
            .map(|f| EvidenceFile {
                file_name: f.name,
                bytes: f.bytes,
            })
            .collect(),
    };
    let stored = state
        .run(move |conn, env| evidence::attach(conn, env, &actor, attachment))
        .await?;
    Ok(Items::whole(stored))
}

/// A unit's 佐证材料 for a year, oldest first.
#[utoipa::path(get, path = "/api/v1/units/{code}/evidence", tag = "units", security(("bearer" = [])),
    params(PagingQuery, ("code" = String, Path), YearQuery),
    responses((status = 200, body = Items<EvidenceView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    state: State,
    Auth(actor): Auth,
    code: web::Path<String>,
    query: crate::web::extract::Query<YearQuery>,
    paging: crate::web::extract::Query<PagingQuery>,
) -> Result<web::Json<Items<EvidenceView>>, ApiError> {
    let year = query
        .into_inner()
        .year
        .ok_or_else(|| ServiceError::BadRequest("请指定年度 year".into()))?;
    let code = code.into_inner();
    Items::page(
        state
            .run(move |conn, _| evidence::list(conn, &actor, &code, year))
            .await?,
        &paging,
    )
}

/// One evidence file, byte for byte.
#[utoipa::path(get, path = "/api/v1/units/{code}/evidence/{id}", tag = "units", security(("bearer" = [])),
    params(("code" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "The file as uploaded (always application/octet-stream)", content((Binary = "application/octet-stream"))),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn file(
    state: State,
    Auth(actor): Auth,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (code, id) = path.into_inner();
    let (name, bytes) = state
        .run(move |conn, _| evidence::file(conn, &actor, &code, id))
        .await?;
    Ok(crate::web::download_untrusted(&name, bytes))
}
