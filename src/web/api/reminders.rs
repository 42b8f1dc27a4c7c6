//! 提醒: the account's reminders and the bell's count.

use crate::web::tenant::State;
use actix_web::web;

use crate::service::digests::{self, DeliveryView};
use crate::service::reminders::{self, RemindersView};
use crate::web::ApiError;
use crate::web::auth::Auth;
use crate::web::error::ErrorBody;

/// The account's reminders today, newest first, and how many arose since
/// it last looked.
#[utoipa::path(get, path = "/api/v1/reminders", tag = "reminders", security(("bearer" = [])),
    responses((status = 200, body = RemindersView), (status = 401, body = ErrorBody)))]
pub async fn list(state: State, Auth(actor): Auth) -> Result<web::Json<RemindersView>, ApiError> {
    Ok(web::Json(
        state
            .run(move |conn, env| reminders::list(conn, env, &actor))
            .await?,
    ))
}

/// The account has looked: the count starts again from today.
#[utoipa::path(post, path = "/api/v1/reminders/seen", tag = "reminders", security(("bearer" = [])),
    responses((status = 200, body = RemindersView), (status = 401, body = ErrorBody)))]
pub async fn seen(state: State, Auth(actor): Auth) -> Result<web::Json<RemindersView>, ApiError> {
    Ok(web::Json(
        state
            .run(move |conn, env| reminders::mark_seen(conn, env, &actor))
            .await?,
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct DeliveriesQuery {
    /// The digests of one day only (YYYY-MM-DD).
    #[param(value_type = Option<String>, format = Date)]
    pub day: Option<chrono::NaiveDate>,
}

/// The daily digest's delivery log (admin): every e-mail and webhook
/// delivery, newest day first, with its attempts and last error.
#[utoipa::path(get, path = "/api/v1/deliveries", tag = "reminders", security(("bearer" = [])),
    params(DeliveriesQuery),
    responses((status = 200, body = Vec<DeliveryView>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn deliveries(
    state: State,
    Auth(actor): Auth,
    query: crate::web::extract::Query<DeliveriesQuery>,
) -> Result<web::Json<Vec<DeliveryView>>, ApiError> {
    let day = query.into_inner().day;
    Ok(web::Json(
        state
            .run(move |conn, env| digests::log(conn, &actor, env.clock, day))
            .await?,
    ))
}
