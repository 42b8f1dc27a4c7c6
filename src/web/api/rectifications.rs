use crate::web::tenant::State;
use actix_multipart::Multipart;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::service::rectifications::{
    self, ActionRequest, Counts, Evidence, Filter, RectificationDetail, RectificationItem,
};
use crate::web::ApiError;
use crate::web::api::{Items, PagingQuery};
use crate::web::auth::Auth;
use crate::web::error::ErrorBody;
use crate::web::openapi::Binary;
use crate::web::upload::read_form;

/// Orders tracked in a year: by unit, street, state, overdue, category or
/// kind; overdue first. A unit account sees its own.
#[utoipa::path(get, path = "/api/v1/rectifications", tag = "rectifications", security(("bearer" = [])),
    params(Filter, PagingQuery),
    responses((status = 200, body = Items<RectificationItem>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    state: State,
    Auth(actor): Auth,
    query: crate::web::extract::Query<Filter>,
    paging: crate::web::extract::Query<PagingQuery>,
) -> Result<web::Json<Items<RectificationItem>>, ApiError> {
    let filter = query.into_inner();
    let paging = paging.request()?;
    Ok(Items::of(
        state
            .run(move |conn, env| {
                rectifications::page(conn, &actor, &filter, env.clock.today, paging)
            })
            .await?,
    ))
}

/// The filters of the counts: the list's, but `state` and `overdue`, which
/// it counts by.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CountsQuery {
    #[param(required = true)]
    pub year: Option<i32>,
    /// A unit's code.
    pub unit: Option<String>,
    pub street: Option<String>,
    /// A checklist category code.
    pub category: Option<String>,
    /// item | veto | gap
    #[param(schema_with = rectifications::kind_schema)]
    pub kind: Option<String>,
}

/// Counts by state, and overdue, under the same filters.
#[utoipa::path(get, path = "/api/v1/rectifications/counts", tag = "rectifications", security(("bearer" = [])),
    params(CountsQuery),
    responses((status = 200, body = Counts), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No unit with that code", body = ErrorBody)))]
pub async fn counts(
    state: State,
    Auth(actor): Auth,
    query: crate::web::extract::Query<CountsQuery>,
) -> Result<web::Json<Counts>, ApiError> {
    let CountsQuery {
        year,
        unit,
        street,
        category,
        kind,
    } = query.into_inner();
    let filter = Filter {
        year,
        unit,
        street,
        category,
        kind,
        ..Filter::default()
    };
    Ok(web::Json(
        state
            .run(move |conn, env| rectifications::counts(conn, &actor, &filter, env.clock.today))
            .await?,
    ))
}

/// One order with its history and evidence.
#[utoipa::path(get, path = "/api/v1/rectifications/{id}", tag = "rectifications", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = RectificationDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    state: State,
    Auth(actor): Auth,
    id: web::Path<i64>,
) -> Result<web::Json<RectificationDetail>, ApiError> {
    let id = id.into_inner();
    Ok(web::Json(
        state
            .run(move |conn, env| rectifications::detail(conn, &actor, id, env.clock.today))
            .await?,
    ))
}

/// Moves an order along its lifecycle: submit (the unit, or an inspector
/// for it), verify (optionally with re-check points), return or waive (a
/// note required). JSON, or multipart with fields action, note,
/// recheck_points and evidence files in `file`.
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/actions", tag = "rectifications", security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body(content((ActionRequest = "application/json"), (ActionForm = "multipart/form-data"))),
    responses((status = 200, body = RectificationDetail), (status = 400, description = "Unknown action, or a note missing", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Not allowed for the caller's role or unit", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "Not allowed in the order's state", body = ErrorBody),
        (status = 413, body = ErrorBody)))]
pub async fn act(
    state: State,
    Auth(actor): Auth,
    id: web::Path<i64>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<web::Json<RectificationDetail>, ApiError> {
    let id = id.into_inner();
    let is_multipart = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (request, evidence) = if is_multipart {
        let multipart = Multipart::new(req.headers(), payload);
        // Held while the files are read and used (the account's share of uploads).
        let mut guard = state.uploads.enter(&actor).await?;
        let (files, fields) = read_form(multipart, &state.settings, &mut guard, false).await?;
        fields.only(&["action", "note", "recheck_points"])?;
        if files.len() > 10 {
            return Err(ApiError::BadRequest("一次最多上传 10 份佐证材料".into()));
        }
        let recheck_points = match fields.get("recheck_points").filter(|v| !v.is_empty()) {
            Some(v) => Some(
                v.parse::<f64>()
                    .map_err(|_| ApiError::BadRequest(format!("复查分应为数字，实际为“{v}”")))?,
            ),
            None => None,
        };
        let request = ActionRequest {
            action: fields.get("action").unwrap_or_default().to_string(),
            note: fields.get("note").unwrap_or_default().to_string(),
            recheck_points,
        };
        let evidence = files
            .into_iter()
            .map(|f| Evidence {
                file_name: f.name,
                bytes: f.bytes,
            })
            .collect();
        (request, evidence)
    } else {
        let mut payload = payload.into_inner();
        let json =
            crate::web::extract::Json::<ActionRequest>::from_request(&req, &mut payload).await?;
        (json.into_inner(), Vec::new())
    };
    Ok(web::Json(
        state
            .run(move |conn, env| rectifications::act(conn, env, &actor, id, &request, evidence))
            .await?,
    ))
}

/// `actions` as a form, with evidence files (for `submit`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // describes the multipart form `act` reads
pub struct ActionForm {
    /// submit | verify | return | waive
    action: String,
    #[schema(nullable = false)]
    note: Option<String>,
    /// With verify: the re-check points.
    #[schema(nullable = false)]
    recheck_points: Option<f64>,
    /// Evidence files (at most 10), with `submit`.
    #[schema(max_items = 10)]
    file: Option<Vec<Binary>>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DueChange {
    /// YYYY-MM-DD (a Saturday or Sunday moves to the next Monday).
    #[schema(format = Date)]
    pub due: String,
    #[serde(default)]
    pub note: String,
}

/// Sets an order's due date by hand (bureau); a Saturday or Sunday moves to
/// the next Monday. A verified or waived order keeps its date (409).
#[utoipa::path(patch, path = "/api/v1/rectifications/{id}", tag = "rectifications", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = DueChange,
    responses((status = 200, body = RectificationDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The order is verified or waived", body = ErrorBody)))]
pub async fn update(
    state: State,
    Auth(actor): Auth,
    id: web::Path<i64>,
    body: crate::web::extract::Json<DueChange>,
) -> Result<web::Json<RectificationDetail>, ApiError> {
    let id = id.into_inner();
    let change = body.into_inner();
    Ok(web::Json(
        state
            .run(move |conn, env| {
                rectifications::set_due(conn, env, &actor, id, &change.due, &change.note)
            })
            .await?,
    ))
}

/// An evidence file, byte for byte.
#[utoipa::path(get, path = "/api/v1/rectifications/{id}/evidence/{evidence_id}", tag = "rectifications", security(("bearer" = [])),
    params(("id" = i64, Path), ("evidence_id" = i64, Path)),
    responses((status = 200, description = "The file, with its content type by its name's extension", content((Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (Binary = "application/vnd.ms-excel.sheet.macroEnabled.12"),
        (Binary = "application/vnd.ms-excel"), (Binary = "application/vnd.oasis.opendocument.spreadsheet"), (Binary = "text/html"), (Binary = "application/octet-stream"))), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn evidence(
    state: State,
    Auth(actor): Auth,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, evidence_id) = path.into_inner();
    let (name, bytes) = state
        .run(move |conn, _| rectifications::evidence_file(conn, &actor, id, evidence_id))
        .await?;
    Ok(crate::web::download(&name, bytes))
}
