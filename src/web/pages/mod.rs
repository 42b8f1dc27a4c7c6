//! The web pages: server-rendered with handlebars (templates under
//! `report-templates/pages/`), in Chinese, usable without JavaScript, loading
//! nothing from elsewhere. Each role lands on its own page:
//! unit archivists on 本单位, inspectors on 年检进度, leaders on 统计, admins
//! on 管理.

pub mod admin;
pub mod inspect;
pub mod leader;
pub mod login;
pub mod session;
pub mod unit;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use serde::Serialize;

use crate::service::{Actor, Role};

use super::{ApiError, AppState};
pub use session::Viewer;

/// A link of the navigation bar.
#[derive(Serialize)]
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

/// The links a role sees.
pub fn nav(role: Role, current: &str) -> Vec<NavLink> {
    let links: &[(&str, &str)] = match role {
        Role::Unit => &[("/unit", "本单位"), ("/unit/rectifications", "整改事项")],
        Role::Inspector => &[
            ("/inspect", "年检进度"),
            ("/inspect/upload", "批量上传"),
            ("/inspect/rectifications", "整改督办"),
            ("/inspect/samples", "抽查"),
            ("/dashboard", "统计报表"),
        ],
        Role::Admin => &[
            ("/inspect", "年检进度"),
            ("/inspect/upload", "批量上传"),
            ("/inspect/rectifications", "整改督办"),
            ("/inspect/samples", "抽查"),
            ("/dashboard", "统计报表"),
            ("/admin", "管理"),
        ],
        Role::Leader => &[("/dashboard", "统计报表")],
    };
    links
        .iter()
        .map(|(href, label)| NavLink {
            href,
            label,
            // The section's own link only: /inspect is not active on /inspect/upload.
            active: current == *href
                || (current.starts_with(&format!("{href}/"))
                    && !links.iter().any(|(h, _)| {
                        *h != *href && current.starts_with(h) && h.len() > href.len()
                    })),
        })
        .collect()
}

/// The navigation bar as HTML, for report pages that have their own layout.
pub fn app_bar(viewer: &Viewer, current: &str) -> String {
    let links: String = nav(viewer.actor.role, current)
        .iter()
        .map(|l| {
            format!(
                "<a href=\"{}\" style=\"color:#fff;margin-right:1em\">{}</a>",
                l.href, l.label
            )
        })
        .collect();
    format!(
        "<header class=\"noprint\" style=\"display:flex;gap:1em;align-items:center;padding:0.5em 1.2em;background:#1f3b5c;color:#fff\">\
         <a href=\"/\" style=\"color:#fff;font-weight:bold\">档案年检</a><nav style=\"flex:1\">{links}</nav>\
         <form method=\"post\" action=\"/logout\" style=\"margin:0\"><span>{}（{}）</span> \
         <input type=\"hidden\" name=\"csrf\" value=\"{}\"><button type=\"submit\" style=\"background:none;border:0;color:#fff;text-decoration:underline;cursor:pointer\">退出</button></form></header>",
        escape(&viewer.actor.name),
        viewer.actor.role.label_zh(),
        escape(&viewer.csrf)
    )
}

/// Where a role lands after signing in.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::Unit => "/unit",
        Role::Inspector => "/inspect",
        Role::Admin => "/inspect",
        Role::Leader => "/dashboard",
    }
}

#[derive(Serialize)]
struct Frame<'a, T: Serialize> {
    title: &'a str,
    user: Option<UserBar<'a>>,
    nav: Vec<NavLink>,
    csrf: &'a str,
    flash: Option<&'a str>,
    error: Option<&'a str>,
    body: &'a T,
}

#[derive(Serialize)]
struct UserBar<'a> {
    name: &'a str,
    role: &'static str,
}

/// A page to render: its template under `pages/`, its title and data.
pub struct Page<'a, T: Serialize> {
    pub template: &'a str,
    pub title: &'a str,
    pub path: &'a str,
    pub body: T,
    pub flash: Option<String>,
    pub error: Option<String>,
    pub status: StatusCode,
}

impl<'a, T: Serialize> Page<'a, T> {
    pub fn new(template: &'a str, title: &'a str, path: &'a str, body: T) -> Self {
        Page {
            template,
            title,
            path,
            body,
            flash: None,
            error: None,
            status: StatusCode::OK,
        }
    }

    pub fn flash(mut self, message: Option<String>) -> Self {
        self.flash = message;
        self
    }

    /// An error shown above the form (which keeps what was typed).
    pub fn error(mut self, message: String, status: StatusCode) -> Self {
        self.error = Some(message);
        self.status = status;
        self
    }

    pub fn render(
        self,
        state: &AppState,
        viewer: Option<&Viewer>,
    ) -> Result<HttpResponse, PageError> {
        let frame = Frame {
            title: self.title,
            user: viewer.map(|v| UserBar {
                name: &v.actor.name,
                role: v.actor.role.label_zh(),
            }),
            nav: viewer
                .map(|v| nav(v.actor.role, self.path))
                .unwrap_or_default(),
            csrf: viewer.map_or("", |v| v.csrf.as_str()),
            flash: self.flash.as_deref(),
            error: self.error.as_deref(),
            body: &self.body,
        };
        let html = state
            .html
            .render(&format!("pages/{}", self.template), &frame)
            .map_err(|e| {
                PageError(ApiError::from(crate::service::ServiceError::Internal(
                    e.to_string(),
                )))
            })?;
        Ok(HttpResponse::build(self.status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(html))
    }
}

/// Redirect after a successful form (post/redirect/get), with a message.
pub fn see_other(location: &str, message: Option<&str>) -> HttpResponse {
    let location = match message {
        Some(m) => format!(
            "{location}{}flash={}",
            if location.contains('?') { '&' } else { '?' },
            encode(m)
        ),
        None => location.to_string(),
    };
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}

/// Percent-encoding for a query value.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `?flash=` carried over a redirect.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Flash {
    pub flash: Option<String>,
}

/// An error on a page: shown as a small HTML page, never JSON.
#[derive(Debug)]
pub struct PageError(pub ApiError);

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<E: Into<ApiError>> From<E> for PageError {
    fn from(e: E) -> PageError {
        PageError(e.into())
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let api = self.0.error_response();
        let message = match &self.0 {
            ApiError::Service(
                crate::service::ServiceError::Store(_) | crate::service::ServiceError::Internal(_),
            ) => "服务器内部错误，请稍后再试或联系管理员".to_string(),
            other => other.to_string(),
        };
        let _ = api;
        HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(format!(
                "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{status}</title>\
                 <style>body{{font-family:sans-serif;margin:3em;max-width:40em}}</style></head>\
                 <body><h1>无法完成</h1><p>{}</p><p><a href=\"/\">返回首页</a></p></body></html>",
                escape(&message),
                status = status.as_u16()
            ))
    }
}

/// A role check for pages.
pub fn require(actor: &Actor, allowed: &[Role]) -> Result<(), PageError> {
    if allowed.contains(&actor.role) {
        Ok(())
    } else {
        Err(PageError(
            crate::service::ServiceError::Forbidden("当前账号无权访问此页面".into()).into(),
        ))
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    login::routes(cfg);
    unit::routes(cfg);
    leader::routes(cfg);
    inspect::routes(cfg);
    admin::routes(cfg);
}
