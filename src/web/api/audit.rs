use crate::web::tenant::State;
use actix_web::web;
use serde::Deserialize;

use crate::service::audit::{self, AuditView};
use crate::service::listing::PageRequest;
use crate::web::ApiError;
use crate::web::api::{Items, PagingQuery};
use crate::web::auth::Auth;
use crate::web::error::ErrorBody;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// user, unit, campaign, submission, review, sample, flag, rectification, …
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// The same as `per_page` (kept for older scripts).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Entries older than this id (paging backwards).
    pub before: Option<i64>,
}

/// The audit log, newest first (bureau only).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])),
    params(AuditQuery, PagingQuery),
    responses((status = 200, body = Items<AuditView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    state: State,
    Auth(actor): Auth,
    query: crate::web::extract::Query<AuditQuery>,
    paging: crate::web::extract::Query<PagingQuery>,
) -> Result<web::Json<Items<AuditView>>, ApiError> {
    let AuditQuery {
        entity,
        entity_id,
        limit,
        before,
    } = query.into_inner();
    let paging = PageRequest::with_limit(paging.page, paging.per_page, limit)?;
    let query = audit::AuditQuery {
        entity,
        entity_id,
        before,
    };
    Ok(Items::of(
        state
            .run(move |conn, _| audit::list(conn, &actor, &query, paging))
            .await?,
    ))
}
