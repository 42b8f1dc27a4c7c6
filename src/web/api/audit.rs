use actix_web::web;
use serde::Deserialize;

use crate::service::audit::{self, AuditView};
use crate::web::api::Items;
use crate::web::auth::Auth;
use crate::web::error::ErrorBody;
use crate::web::{ApiError, AppState};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// user, unit, campaign, submission, review, sample, flag, rectification, …
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// At most this many (default 100, up to 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Entries older than this id (paging).
    pub before: Option<i64>,
}

/// The audit log, newest first (bureau only).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])),
    params(AuditQuery),
    responses((status = 200, body = Items<AuditView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    Auth(actor): Auth,
    query: crate::web::extract::Query<AuditQuery>,
) -> Result<web::Json<Items<AuditView>>, ApiError> {
    let q = query.into_inner();
    Ok(Items::of(
        state
            .run(move |conn, _| {
                audit::list(
                    conn,
                    &actor,
                    q.entity.as_deref(),
                    q.entity_id.as_deref(),
                    q.limit.unwrap_or(100),
                    q.before,
                )
            })
            .await?,
    ))
}
