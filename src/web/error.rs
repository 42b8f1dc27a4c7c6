//! The one mapping from errors to HTTP answers.
//!
//! Policy: every layer has its own error type; only this module knows HTTP.
//! Each answer is JSON `{"error": "...", "details": [...]}` (pages show the
//! same message in HTML). A use case's error says what [`Kind`] of answer
//! it calls for, and each kind has one status here. Server faults are logged
//! here, once, with their whole cause chain, and answered without internals.
//! The messages people read are in [`messages`], in one place.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::ingest::self_check::Problem;
use crate::service::{Kind, ServiceError};

/// Every message of the web layer's own (the use cases word theirs; the
/// field-by-field texts of a refused body are written by `extract`).
pub mod messages {
    pub const FAULT: &str = "服务器内部错误，请稍后再试或联系管理员";
    pub const BUSY: &str = "服务器繁忙，请稍后再试";
    pub const DISK_FULL: &str = "服务器磁盘已满，本次提交没有保存（已上传的文件和已有数据都未受影响）；请联系系统管理员清理磁盘后重试";
    pub const SIGN_IN_FIRST: &str = "请先登录（Authorization: Bearer 令牌）";
    pub const BLOCKING_FAILED: &str = "后台任务未能完成（崩溃或被取消）";
    pub const NO_STATE: &str = "服务未正确配置：缺少共享状态";
    pub const UNKNOWN_DISTRICT_SESSION: &str =
        "登录已失效：会话所属的区县未在本服务登记，请重新登录";

    pub fn unknown_district(code: &str) -> String {
        format!("没有代码为 {code} 的区县；请从登录页的列表中选择")
    }

    pub fn invalid_workbook(problems: usize) -> String {
        format!("自查表有误，共 {problems} 个问题")
    }

    pub fn method_not_allowed(allow: &str) -> String {
        format!("该接口不支持此请求方法（支持 {allow}）")
    }

    pub fn bad_json(e: &dyn std::fmt::Display) -> String {
        format!("请求内容不是有效的 JSON：{e}")
    }

    pub fn bad_query(e: &dyn std::fmt::Display) -> String {
        format!("查询参数有误：{e}")
    }

    pub fn bad_path(e: &dyn std::fmt::Display) -> String {
        format!("路径参数有误：{e}")
    }
}

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
    /// A real capacity refusal (upload budget, parse slots): 503.
    #[error("{}", messages::BUSY)]
    Busy,
    /// A method the path does not answer; `allow` lists those it does.
    #[error("{}", messages::method_not_allowed(allow))]
    MethodNotAllowed { allow: String },
}

/// A blocking task that did not finish: it panicked (its message is in the
/// log), or the pool is shutting down. A fault of the server (500), not a
/// busy one.
impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> ApiError {
        ApiError::Service(ServiceError::fault(messages::BLOCKING_FAILED, e))
    }
}

/// The located problems of an invalid workbook, however it was passed on.
fn problems(e: &ServiceError) -> Option<&[Problem]> {
    match e {
        ServiceError::Invalid(problems) => Some(problems),
        ServiceError::Shared(inner) => problems(inner),
        _ => None,
    }
}

/// An error and its causes, outermost first: what the log shows.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let shown = cause.to_string();
        if !text.ends_with(&shown) {
            text.push_str(" ← ");
            text.push_str(&shown);
        }
        next = cause.source();
    }
    text
}

/// The one status of each kind of refusal or failure.
pub fn status_of(kind: Kind) -> StatusCode {
    match kind {
        Kind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        Kind::BadRequest => StatusCode::BAD_REQUEST,
        Kind::Unauthenticated => StatusCode::UNAUTHORIZED,
        Kind::Forbidden => StatusCode::FORBIDDEN,
        Kind::NotFound => StatusCode::NOT_FOUND,
        Kind::Conflict => StatusCode::CONFLICT,
        Kind::Locked => StatusCode::TOO_MANY_REQUESTS,
        Kind::Busy => StatusCode::SERVICE_UNAVAILABLE,
        Kind::Fault => StatusCode::INTERNAL_SERVER_ERROR,
        Kind::Full => StatusCode::INSUFFICIENT_STORAGE,
    }
}

impl ApiError {
    fn details(&self) -> Vec<serde_json::Value> {
        match self {
            ApiError::Service(e) => problems(e)
                .unwrap_or_default()
                .iter()
                .map(|p: &Problem| serde_json::to_value(p).unwrap_or_default())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The message shown, by the API and the pages alike; server faults say
    /// nothing of their internals.
    pub fn public_message(&self) -> String {
        match self {
            ApiError::Service(e) => match e.kind() {
                Kind::Invalid => messages::invalid_workbook(problems(e).map_or(0, <[_]>::len)),
                Kind::Busy => messages::BUSY.into(),
                Kind::Fault => messages::FAULT.into(),
                Kind::Full => messages::DISK_FULL.into(),
                _ => e.to_string(),
            },
            other => other.to_string(),
        }
    }

    /// A fault of the server (5xx): the pages show their error page for it.
    pub fn is_server_fault(&self) -> bool {
        self.status_code().is_server_error()
    }

    /// Logs a server fault with its cause chain (once, where it is answered).
    pub fn log(&self) {
        if self.is_server_fault() {
            tracing::error!(error = %chain(self), cause = ?self, "request failed");
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Service(e) => status_of(e.kind()),
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        self.log();
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
    use crate::store::StoreError;

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
                ApiError::Service(ServiceError::Store(StoreError::Pool("timed out".into()))),
                503,
            ),
            (
                ApiError::Service(ServiceError::fault("x", std::io::Error::other("disk"))),
                500,
            ),
            (
                ApiError::Service(ServiceError::Store(StoreError::from(
                    diesel::result::Error::DatabaseError(
                        diesel::result::DatabaseErrorKind::Unknown,
                        Box::new("database or disk is full".to_string()),
                    ),
                ))),
                507,
            ),
            (
                ApiError::Service(ServiceError::Io(std::io::Error::from(
                    std::io::ErrorKind::StorageFull,
                ))),
                507,
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
    fn a_panic_in_blocking_work_is_a_fault_not_busy() {
        let panicked = actix_web::rt::System::new().block_on(async {
            actix_web::web::block(|| -> () { panic!("boom") })
                .await
                .unwrap_err()
        });
        let e = ApiError::from(panicked);
        assert_eq!(e.status_code().as_u16(), 500);
        assert_eq!(e.public_message(), messages::FAULT);
    }

    #[test]
    fn faults_keep_their_cause_for_the_log() {
        let e = ApiError::Service(ServiceError::fault(
            "写入失败",
            std::io::Error::other("disk full"),
        ));
        assert!(chain(&e).contains("disk full"), "{}", chain(&e));
        assert!(!e.public_message().contains("disk"));
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
