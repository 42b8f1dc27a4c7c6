//! The web pages: server-rendered with handlebars (templates under
//! `report-templates/pages/`), in Chinese, usable without JavaScript, loading
//! nothing from elsewhere. Each role lands on its own page:
//! unit archivists on 本单位, inspectors on 年检进度, leaders on 统计, admins
//! on 管理.

pub mod admin;
pub mod browser;
pub mod checklists;
mod city;
pub mod inspect;
pub mod leader;
pub mod login;
mod peer;
mod preview;
pub mod publication;
mod reminders;
pub mod session;
pub mod street;
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
        Role::Unit => &[
            ("/unit", "本单位"),
            ("/unit/rectifications", "整改事项"),
            ("/unit/peer", "互查"),
        ],
        Role::Inspector => &[
            ("/inspect", "年检进度"),
            ("/inspect/upload", "批量上传"),
            ("/inspect/rectifications", "整改督办"),
            ("/inspect/samples", "抽查"),
            ("/inspect/peer", "互查"),
            ("/dashboard", "统计报表"),
        ],
        Role::Admin => &[
            ("/inspect", "年检进度"),
            ("/inspect/upload", "批量上传"),
            ("/inspect/rectifications", "整改督办"),
            ("/inspect/samples", "抽查"),
            ("/inspect/peer", "互查"),
            ("/dashboard", "统计报表"),
            ("/admin", "管理"),
        ],
        Role::Leader => &[("/dashboard", "统计报表")],
        Role::Street => &[("/street", "本街道"), ("/dashboard", "统计报表")],
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

/// The navigation bar as HTML, for report pages that have their own layout
/// (styled by `report.css`, `.appbar`; not printed).
pub fn app_bar(viewer: &Viewer, current: &str) -> String {
    let links: String = nav(viewer.actor.role, current)
        .iter()
        .map(|l| {
            format!(
                "<a href=\"{}\"{}>{}</a>",
                l.href,
                if l.active {
                    " class=\"active\" aria-current=\"page\""
                } else {
                    ""
                },
                l.label
            )
        })
        .collect();
    format!(
        "<header class=\"appbar noprint\"><a class=\"brand\" href=\"/\">档案年检</a><nav>{links}</nav>\
         <form class=\"who\" method=\"post\" action=\"/logout\"><span>{}（{}）</span> \
         <input type=\"hidden\" name=\"csrf\" value=\"{}\"><button type=\"submit\">退出</button></form></header>",
        escape(&viewer.actor.name),
        viewer.actor.role.label_zh(),
        escape(&viewer.csrf)
    )
}

/// The request is the city bureau's (市档案局): its accounts read the
/// districts, they have none of their own.
pub fn is_city(state: &AppState) -> bool {
    state
        .district
        .as_ref()
        .is_some_and(|d| d.kind == crate::service::districts::Kind::City)
}

/// The city's accounts: its summary, and its admin's accounts page.
fn city_nav(role: Role, current: &str) -> Vec<NavLink> {
    let mut links = vec![NavLink {
        href: "/city",
        label: "全市汇总",
        active: current.starts_with("/city"),
    }];
    if role == Role::Admin {
        links.push(NavLink {
            href: "/admin",
            label: "管理",
            active: current.starts_with("/admin"),
        });
    }
    links
}

/// Where a role lands after signing in.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::Unit => "/unit",
        Role::Inspector => "/inspect",
        Role::Admin => "/inspect",
        Role::Leader => "/dashboard",
        Role::Street => "/street",
    }
}

#[derive(Serialize)]
struct Frame<'a, T: Serialize> {
    title: &'a str,
    user: Option<UserBar<'a>>,
    /// The bell: reminders unread (signed in only).
    bell: Option<usize>,
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

    /// The message of a `?flash=` code carried over a redirect; an unknown
    /// code shows nothing (a link can never put its own words on a page).
    pub fn flash(mut self, code: Option<String>) -> Self {
        self.flash = code
            .as_deref()
            .and_then(Done::from_code)
            .map(|d| d.message().to_string());
        self
    }

    /// A message the server wrote itself (a result shown without a redirect).
    pub fn notice(mut self, message: String) -> Self {
        self.flash = Some(message);
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
            bell: viewer.map(|v| v.unread),
            nav: viewer
                .map(|v| match is_city(state) {
                    true => city_nav(v.actor.role, self.path),
                    false => nav(v.actor.role, self.path),
                })
                .unwrap_or_default(),
            csrf: viewer.map_or("", |v| v.csrf.as_str()),
            flash: self.flash.as_deref(),
            error: self.error.as_deref(),
            body: &self.body,
        };
        let html = state
            .html
            .render(&format!("pages/{}", self.template), &frame)
            .map_err(|e| PageError(ApiError::from(crate::service::ServiceError::from(e))))?;
        Ok(HttpResponse::build(self.status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(html))
    }
}

/// Redirect after a successful form (post/redirect/get), with the code of
/// what was done.
pub fn see_other(location: &str, done: Option<Done>) -> HttpResponse {
    let location = match done {
        Some(d) => format!(
            "{location}{}flash={}",
            if location.contains('?') { '&' } else { '?' },
            d.code()
        ),
        None => location.to_string(),
    };
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}

/// What a form did, told on the page it redirects to: `?flash=CODE`, one of
/// a fixed set, each with its fixed message. Free text never travels in the
/// address, so nobody can craft a link that shows an official-looking
/// message of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Done {
    LoggedOut,
    FlagResolved,
    ReviewSaved,
    SampleDrawn,
    OrderVerified,
    OrderReturned,
    OrderWaived,
    OrderUpdated,
    UserAdded,
    UserDisabled,
    UserEnabled,
    PasswordReset,
    UserUnlocked,
    EmailSet,
    SessionsEnded,
    UnitSaved,
    CampaignOpened,
    CampaignSaved,
    CampaignClosed,
    CampaignReopened,
    AnswerSubmitted,
    EvidenceAttached,
    NoFileChosen,
    DraftImported,
    ChecklistPublished,
    ResultsPublished,
    FirstCheckAccepted,
    FirstCheckReturned,
    PeerGroupsFormed,
    PeerReviewSaved,
    RemindersSeen,
}

impl Done {
    pub const ALL: [Done; 31] = [
        Done::LoggedOut,
        Done::FlagResolved,
        Done::ReviewSaved,
        Done::SampleDrawn,
        Done::OrderVerified,
        Done::OrderReturned,
        Done::OrderWaived,
        Done::OrderUpdated,
        Done::UserAdded,
        Done::UserDisabled,
        Done::UserEnabled,
        Done::PasswordReset,
        Done::UserUnlocked,
        Done::EmailSet,
        Done::SessionsEnded,
        Done::UnitSaved,
        Done::CampaignOpened,
        Done::CampaignSaved,
        Done::CampaignClosed,
        Done::CampaignReopened,
        Done::AnswerSubmitted,
        Done::EvidenceAttached,
        Done::NoFileChosen,
        Done::DraftImported,
        Done::ChecklistPublished,
        Done::ResultsPublished,
        Done::FirstCheckAccepted,
        Done::FirstCheckReturned,
        Done::PeerGroupsFormed,
        Done::PeerReviewSaved,
        Done::RemindersSeen,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Done::LoggedOut => "logged-out",
            Done::FlagResolved => "flag-resolved",
            Done::ReviewSaved => "review-saved",
            Done::SampleDrawn => "sample-drawn",
            Done::OrderVerified => "order-verified",
            Done::OrderReturned => "order-returned",
            Done::OrderWaived => "order-waived",
            Done::OrderUpdated => "order-updated",
            Done::UserAdded => "user-added",
            Done::UserDisabled => "user-disabled",
            Done::UserEnabled => "user-enabled",
            Done::PasswordReset => "password-reset",
            Done::UserUnlocked => "user-unlocked",
            Done::EmailSet => "email-set",
            Done::SessionsEnded => "sessions-ended",
            Done::UnitSaved => "unit-saved",
            Done::CampaignOpened => "campaign-opened",
            Done::CampaignSaved => "campaign-saved",
            Done::CampaignClosed => "campaign-closed",
            Done::CampaignReopened => "campaign-reopened",
            Done::AnswerSubmitted => "answer-submitted",
            Done::EvidenceAttached => "evidence-attached",
            Done::NoFileChosen => "no-file",
            Done::DraftImported => "draft-imported",
            Done::ChecklistPublished => "checklist-published",
            Done::ResultsPublished => "results-published",
            Done::FirstCheckAccepted => "first-check-accepted",
            Done::FirstCheckReturned => "first-check-returned",
            Done::PeerGroupsFormed => "peer-groups-formed",
            Done::PeerReviewSaved => "peer-review-saved",
            Done::RemindersSeen => "reminders-seen",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Done::LoggedOut => "已退出登录",
            Done::FlagResolved => "已记录核实结果",
            Done::ReviewSaved => "复核已保存，总分和等级已按复核结果重新计算",
            Done::SampleDrawn => "已抽取样本，见“历次抽查”的第一条",
            Done::OrderVerified => "整改事项已验收销号",
            Done::OrderReturned => "整改事项已退回重改",
            Done::OrderWaived => "整改事项已免于整改",
            Done::OrderUpdated => "整改事项已办理",
            Done::UserAdded => "已添加账号",
            Done::UserDisabled => "账号已停用",
            Done::UserEnabled => "账号已启用",
            Done::PasswordReset => "已重设密码",
            Done::UserUnlocked => "已解除登录锁定",
            Done::EmailSet => "提醒邮箱已保存",
            Done::SessionsEnded => "该账号已在所有设备上退出登录",
            Done::UnitSaved => "已保存单位信息",
            Done::CampaignOpened => "已开启新的年度年检",
            Done::CampaignSaved => "已保存年度年检的设置",
            Done::CampaignClosed => "年度年检已关闭",
            Done::CampaignReopened => "年度年检已重新开放",
            Done::AnswerSubmitted => "已提交整改情况，等待区档案局验收",
            Done::EvidenceAttached => "佐证材料已上传，检查组复核时可以看到",
            Done::NoFileChosen => "请先选择要上传的自查表文件",
            Done::DraftImported => "草稿已导入：请核对下面的摘要、修订对照和试算结果，确认后发布",
            Done::ChecklistPublished => "考核细则已发布，开启年度年检时可以选用；发布后不能再修改",
            Done::ResultsPublished => {
                "年度结果已发布：通报和成绩单上印有下面的指纹；此后的改动记为更正"
            }
            Done::FirstCheckAccepted => "初审通过，等待区档案局审核",
            Done::FirstCheckReturned => "已退回修改，该单位首页会显示初审意见",
            Done::PeerGroupsFormed => "已分好互查组，各单位登录后可在“互查”页看到要查的单位",
            Done::PeerReviewSaved => "互查意见已提交，区档案局可与抽查结果对照",
            Done::RemindersSeen => "提醒已全部标为已读",
        }
    }

    pub fn from_code(code: &str) -> Option<Done> {
        Done::ALL.into_iter().find(|d| d.code() == code)
    }
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

/// `?flash=CODE` carried over a redirect (see [`Done`]).
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
        self.0.log();
        browser::error_page(status, &self.0.public_message())
    }
}

/// A form that carries nothing but its CSRF token (a button: publish …).
#[derive(Debug, serde::Deserialize)]
pub(super) struct CsrfForm {
    #[serde(default)]
    pub(super) csrf: String,
}

/// A form body on a page, held to the one text rule
/// ([`crate::web::extract`]); a refusal is answered as a page.
#[derive(Debug)]
pub struct PageForm<T>(pub T);

impl<T> PageForm<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for PageForm<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for PageForm<T> {
    type Error = PageError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, PageError>>>>;

    fn from_request(
        req: &actix_web::HttpRequest,
        payload: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        let form = crate::web::extract::Form::<T>::from_request(req, payload);
        Box::pin(async move { form.await.map(|f| PageForm(f.0)).map_err(PageError) })
    }
}

/// A query string on a page, held to the one text rule; a refusal is
/// answered as a page.
#[derive(Debug)]
pub struct PageQuery<T>(pub T);

impl<T> PageQuery<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for PageQuery<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: serde::de::DeserializeOwned> actix_web::FromRequest for PageQuery<T> {
    type Error = PageError;
    type Future = std::future::Ready<Result<Self, PageError>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(
            crate::web::extract::parse_pairs(req.query_string().as_bytes())
                .map(PageQuery)
                .map_err(PageError),
        )
    }
}

/// A role check for pages.
/// What a form sent as `{prefix}{code}` for each item of an item-by-item
/// form, every item present (empty where nothing was typed), so a refused
/// form can be shown again as it was left.
pub(super) fn typed_by_item(
    items: &[crate::service::assessments::ItemDetail],
    form: &std::collections::BTreeMap<String, String>,
    prefix: &str,
) -> std::collections::BTreeMap<String, String> {
    items
        .iter()
        .map(|i| {
            let typed = form.get(&format!("{prefix}{}", i.code));
            (i.code.clone(), typed.cloned().unwrap_or_default())
        })
        .collect()
}

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
    street::routes(cfg);
    peer::routes(cfg);
    reminders::routes(cfg);
    city::routes(cfg);
    admin::routes(cfg);
    checklists::routes(cfg);
    publication::routes(cfg);
    cfg.default_service(web::to(browser::not_found));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flash_codes_are_distinct_and_read_back() {
        let codes: std::collections::BTreeSet<&str> = Done::ALL.iter().map(|d| d.code()).collect();
        assert_eq!(codes.len(), Done::ALL.len());
        for d in Done::ALL {
            assert_eq!(Done::from_code(d.code()), Some(d));
            assert!(
                d.code()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-')
            );
        }
        assert_eq!(Done::from_code("请立即向以下账户汇款"), None);
        assert_eq!(Done::from_code(""), None);
    }

    #[test]
    fn a_redirect_carries_only_the_code() {
        let r = see_other("/inspect?year=2012", Some(Done::FlagResolved));
        assert_eq!(
            r.headers().get("Location").and_then(|v| v.to_str().ok()),
            Some("/inspect?year=2012&flash=flag-resolved")
        );
    }
}

/// Links to the pages of a list: the same query with another `page`.
#[derive(Serialize, Debug, Default)]
pub struct Pager {
    pub page: u32,
    pub pages: u32,
    pub total: usize,
    pub prev: Option<String>,
    pub next: Option<String>,
    #[serde(skip)]
    first: String,
}

impl Pager {
    /// `query` is the list's query without `page`; empty values are dropped.
    pub fn of<T>(
        paged: &crate::service::listing::Paged<T>,
        path: &str,
        query: &[(&str, &str)],
    ) -> Self {
        let pages = paged.pages();
        let href = |page: u32| {
            let mut pairs = form_urlencoded::Serializer::new(String::new());
            for (k, v) in query.iter().filter(|(_, v)| !v.is_empty()) {
                pairs.append_pair(k, v);
            }
            if page > 1 {
                pairs.append_pair("page", &page.to_string());
            }
            let pairs = pairs.finish();
            if pairs.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{pairs}")
            }
        };
        Pager {
            page: paged.page,
            pages,
            total: paged.total,
            prev: (paged.page > 1).then(|| href(paged.page.min(pages + 1) - 1)),
            next: (paged.page < pages).then(|| href(paged.page + 1)),
            first: href(1),
        }
    }

    /// The list's first page under the same query.
    pub fn href_of_first(self) -> String {
        self.first
    }
}
