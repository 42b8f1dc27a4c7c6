//! What a person in a browser meets off the beaten path: a page that does
//! not exist (404 as a page, not an empty answer), and the API's report and
//! file links (成绩单, 通报, 整改通知书, downloads) opened from a page. Those
//! answer JSON to scripts; to a browser a missing or expired session leads
//! to the sign-in page and back, and any other refusal is a page.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse};

use super::{PageError, escape};
use crate::service::ServiceError;
use crate::web::ApiError;

/// Any path nobody serves outside the API.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, PageError> {
    Err(PageError(ApiError::Service(ServiceError::NotFound(
        format!("页面不存在：{}。请从首页重新进入。", req.path()),
    ))))
}

/// A top-level navigation by a browser (not a script's fetch).
fn is_navigation(req: &ServiceRequest) -> bool {
    let accepts_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    accepts_html
        && matches!(*req.method(), Method::GET | Method::HEAD)
        && req.path().starts_with("/api/v1/")
}

/// For API links opened by a browser: 401 → sign in and come back; other
/// JSON refusals → the same message as a page.
pub async fn api_links_for_people(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !is_navigation(&req) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let back = match req.query_string() {
        "" => req.path().to_string(),
        q => format!("{}?{q}", req.path()),
    };
    let response = next.call(req).await?;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || !is_json {
        return Ok(response.map_into_boxed_body());
    }
    let (request, answer) = response.into_parts();
    if status == StatusCode::UNAUTHORIZED {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("next", &back);
        let to = format!("/login?{}", query.finish());
        let redirect = HttpResponse::SeeOther()
            .insert_header((header::LOCATION, to))
            .finish();
        return Ok(ServiceResponse::new(request, redirect));
    }
    let body = actix_web::body::to_bytes(answer.into_body())
        .await
        .unwrap_or_default();
    let message = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_string))
        .unwrap_or_else(|| "无法完成".to_string());
    Ok(ServiceResponse::new(request, error_page(status, &message)))
}

/// The error page every page refusal is shown on.
pub fn error_page(status: StatusCode, message: &str) -> HttpResponse {
    let heading = match status {
        StatusCode::NOT_FOUND => "找不到",
        StatusCode::FORBIDDEN => "没有权限",
        StatusCode::UNAUTHORIZED => "请先登录",
        s if s.is_server_error() => "服务器出错",
        _ => "无法完成",
    };
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(format!(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{heading} · 档案年检</title>\
             <style>body{{font-family:sans-serif;margin:2em;max-width:40em;line-height:1.6}}</style></head>\
             <body><h1>{heading}</h1><p>{}</p><p><a href=\"/\">返回首页</a></p></body></html>",
            escape(message),
        ))
}
