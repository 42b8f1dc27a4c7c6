//! The one mapping from errors to HTTP answers.
//!
//! Policy: every layer has its own error type; only this module knows HTTP.
//! Each answer is JSON `{"error": "...", "details": [...]}`. Server faults
//! are logged here, once, with their cause, and answered without internals.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::ingest::self_check::Problem;
use crate::service::ServiceError;
use crate::store::StoreError;

/// The body of every error answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong, in Chinese, for people.
    pub error: String,
    /// Located problems ({sheet, cell, message}) or further messages.
    #[schema(value_type = Vec<Object>)]
    pub details: Vec<serde_json::Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("服务器繁忙，请稍后再试")]
    Busy,
    /// A method the path does not answer; `allow` lists those it does.
    #[error("该接口不支持此请求方法（支持 {allow}）")]
    MethodNotAllowed { allow: String },
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        ApiError::Service(ServiceError::Store(e))
    }
}

/// A blocking task that did not finish: it panicked (its message is in the
/// log), or the pool is shutting down. A fault of the server, not a busy one.
impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> ApiError {
        ApiError::Service(ServiceError::Internal(
            "a blocking task failed (panicked or cancelled)".into(),
        ))
    }
}

impl ApiError {
    fn details(&self) -> Vec<serde_json::Value> {
        match self {
            ApiError::Service(ServiceError::Invalid(problems)) => problems
                .iter()
                .map(|p: &Problem| serde_json::to_value(p).unwrap_or_default())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The message shown; server faults say nothing of their internals.
    pub fn public_message(&self) -> String {
        match self {
            ApiError::Service(ServiceError::Invalid(problems)) => {
                format!("自查表有误，共 {} 个问题", problems.len())
            }
            ApiError::Service(ServiceError::Store(StoreError::NotFound)) => "记录不存在".into(),
            ApiError::Service(ServiceError::Store(_))
            | ApiError::Service(ServiceError::Internal(_)) => {
                "服务器内部错误，请稍后再试或联系管理员".into()
            }
            other => other.to_string(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Service(e) => match e {
                ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                ServiceError::BadRequest(_) => StatusCode::BAD_REQUEST,
                ServiceError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
                ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
                ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
                ServiceError::Conflict(_) => StatusCode::CONFLICT,
                ServiceError::Store(StoreError::NotFound) => StatusCode::NOT_FOUND,
                ServiceError::Store(_) | ServiceError::Internal(_) => {
                    StatusCode::INTERNAL_SERVER_ERROR
                }
            },
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self, cause = ?self, "request failed");
        }
        let mut response = HttpResponse::build(status);
        if status == StatusCode::UNAUTHORIZED {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if let ApiError::MethodNotAllowed { allow } = self {
            response.insert_header((actix_web::http::header::ALLOW, allow.as_str()));
        }
        response.json(ErrorBody {
            error: self.public_message(),
            details: self.details(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_error_has_its_status() {
        let cases = [
            (ApiError::Service(ServiceError::Invalid(vec![])), 422),
            (ApiError::Service(ServiceError::BadRequest("x".into())), 400),
            (
                ApiError::Service(ServiceError::Unauthenticated("x".into())),
                401,
            ),
            (ApiError::Service(ServiceError::Forbidden("x".into())), 403),
            (ApiError::Service(ServiceError::NotFound("x".into())), 404),
            (ApiError::Service(ServiceError::Conflict("x".into())), 409),
            (
                ApiError::Service(ServiceError::Store(StoreError::NotFound)),
                404,
            ),
            (
                ApiError::Service(ServiceError::Internal("secret detail".into())),
                500,
            ),
            (ApiError::PayloadTooLarge("x".into()), 413),
            (ApiError::Busy, 503),
            (
                ApiError::MethodNotAllowed {
                    allow: "GET".into(),
                },
                405,
            ),
        ];
        for (error, status) in cases {
            assert_eq!(error.status_code().as_u16(), status, "{error:?}");
        }
    }

    #[test]
    fn server_faults_hide_their_internals() {
        let e = ApiError::Service(ServiceError::Internal("password=hunter2".into()));
        assert!(!e.public_message().contains("hunter2"));
    }

    #[test]
    fn invalid_workbooks_list_their_problems() {
        let e = ApiError::Service(ServiceError::Invalid(vec![Problem {
            sheet: Some("自查评分".into()),
            cell: Some("自查评分!F7".into()),
            message: "m".into(),
        }]));
        let details = e.details();
        assert_eq!(details[0]["cell"], "自查评分!F7");
        assert!(e.public_message().contains("1 个问题"));
    }
}
