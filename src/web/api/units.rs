use crate::web::tenant::State;
use actix_multipart::Multipart;
use actix_web::web;

use crate::service::roster::{self, RosterResult, UnitView};
use crate::web::ApiError;
use crate::web::api::{Items, PagingQuery};
use crate::web::auth::Auth;
use crate::web::error::ErrorBody;
use crate::web::upload::read_files;

/// The roster; a unit account sees its own unit.
#[utoipa::path(get, path = "/api/v1/units", tag = "units", security(("bearer" = [])),
    params(PagingQuery),
    responses((status = 200, body = Items<UnitView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    state: State,
    Auth(actor): Auth,
    paging: crate::web::extract::Query<PagingQuery>,
) -> Result<web::Json<Items<UnitView>>, ApiError> {
    Items::page(
        state.run(move |conn, _| roster::list(conn, &actor)).await?,
        &paging,
    )
}

#[utoipa::path(get, path = "/api/v1/units/{code}", tag = "units", security(("bearer" = [])),
    params(("code" = String, Path)),
    responses((status = 200, body = UnitView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    state: State,
    Auth(actor): Auth,
    code: web::Path<String>,
) -> Result<web::Json<UnitView>, ApiError> {
    let code = code.into_inner();
    Ok(web::Json(
        state
            .run(move |conn, _| roster::get(conn, &actor, &code))
            .await?,
    ))
}

/// Adds a unit, or updates the one with that code (admin).
#[utoipa::path(post, path = "/api/v1/units", tag = "units", security(("bearer" = [])),
    request_body = UnitView,
    responses((status = 200, body = UnitView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn save(
    state: State,
    Auth(actor): Auth,
    unit: crate::web::extract::Json<UnitView>,
) -> Result<web::Json<UnitView>, ApiError> {
    let unit = unit.into_inner();
    Ok(web::Json(
        state
            .run(move |conn, env| roster::save_unit(conn, env, &actor, &unit))
            .await?,
    ))
}

/// The form of a roster import.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // describes the multipart form `import` reads
pub struct RosterForm {
    /// The roster workbook.
    file: crate::web::openapi::Binary,
}

/// Imports a roster workbook (admin): header 单位代码, 单位名称, 单位类型
/// [, 所属街道, 联系人, 联系电话]; all rows or none.
#[utoipa::path(post, path = "/api/v1/units/import", tag = "units", security(("bearer" = [])),
    request_body(content = RosterForm, content_type = "multipart/form-data", description = "field `file`: the roster workbook"),
    responses((status = 200, body = RosterResult), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, description = "Problems with sheet and cell", body = ErrorBody)))]
pub async fn import(
    state: State,
    Auth(actor): Auth,
    payload: Multipart,
) -> Result<web::Json<RosterResult>, ApiError> {
    actor.require_admin()?;
    // Held while the files are read and used (the account's share of uploads).
    let mut guard = state.uploads.enter(&actor).await?;
    let (mut files, fields) = read_files(payload, &state.settings, &mut guard).await?;
    fields.only(&[])?;
    let file = files.remove(0);
    Ok(web::Json(
        state
            .run_parsing(move |conn, env| roster::import(conn, env, &actor, &file.bytes))
            .await?,
    ))
}
