use crate::web::tenant::State;
use actix_web::web;
use serde::Deserialize;

use crate::service::ServiceError;
use crate::service::rescore::Preview;
use crate::service::versions;
use crate::web::ApiError;
use crate::web::auth::Auth;
use crate::web::error::ErrorBody;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RescoreQuery {
    #[param(required = true)]
    pub year: Option<i32>,
    /// The version to preview, `id@version` (e.g. community@2013).
    #[param(required = true)]
    pub checklist: Option<String>,
}

/// What-if (重新计分预览): every current assessment of a year for the unit
/// kinds of a checklist version, scored again under it from the same
/// answers (a reviewer's overrides included). Stores nothing. The bureau
/// and leaders only.
#[utoipa::path(get, path = "/api/v1/rescore", tag = "assessments", security(("bearer" = [])),
    params(RescoreQuery),
    responses((status = 200, body = Preview), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn preview(
    state: State,
    Auth(actor): Auth,
    query: crate::web::extract::Query<RescoreQuery>,
) -> Result<web::Json<Preview>, ApiError> {
    let RescoreQuery { year, checklist } = query.into_inner();
    let year = year.ok_or_else(|| ServiceError::BadRequest("请指定年度 year".into()))?;
    let reference = checklist.ok_or_else(|| {
        ServiceError::BadRequest("请指定考核细则 checklist（如 community@2013）".into())
    })?;
    Ok(web::Json(
        state
            .run(move |conn, env| versions::preview(conn, env, &actor, reference.trim(), year))
            .await?,
    ))
}
