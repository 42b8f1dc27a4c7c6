//! Statistics pages (leaders, and the bureau): the dashboard of the reports,
//! a page per street, a report card per unit. Nothing here writes.

use crate::web::tenant::State;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::reports::html::Links;
use crate::service::{Role, ServiceError, comparison, reports};
use crate::web::AppState;

use super::{PageError, Viewer, encode, escape, require};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/dashboard", web::get().to(dashboard))
        .route("/dashboard/streets/{street}", web::get().to(street))
        .route("/dashboard/units/{code}", web::get().to(unit))
        .route("/dashboard/units/{code}/compare", web::get().to(compare));
}

/// Who reads the statistics pages (a street officer its street's only:
/// the service confines it).
const READERS: &[Role] = &[Role::Leader, Role::Inspector, Role::Admin, Role::Street];

#[derive(Deserialize)]
struct YearQuery {
    year: Option<i32>,
}

/// Where the statistics pages link to.
pub fn links() -> Links {
    Links {
        district: Some("/dashboard?year={year}".into()),
        street: Some("/dashboard/streets/{street}?year={year}".into()),
        unit: Some("/dashboard/units/{code}?year={year}".into()),
    }
}

/// The year asked for, else the latest campaign's.
async fn year_or_latest(state: &AppState, year: Option<i32>) -> Result<i32, PageError> {
    if let Some(y) = year {
        return Ok(y);
    }
    Ok(state
        .run(|conn, _| {
            crate::service::campaigns::list(conn)?
                .first()
                .map(|c| c.year)
                .ok_or_else(|| ServiceError::NotFound("还没有任何年度的年检".into()))
        })
        .await?)
}

/// The files of a report page, listed under the navigation bar (on screen
/// only): the district or street summary as a workbook and as a printable
/// page, each street's too, or a unit's report card and notice.
#[derive(Default)]
struct Downloads {
    scope: String,
    links: Vec<(&'static str, String)>,
    /// Each street's summary (on the district's page).
    streets: Vec<(String, Vec<(&'static str, String)>)>,
}

impl Downloads {
    fn summary(year: i32, street: Option<&str>) -> Vec<(&'static str, String)> {
        let scope = street.map_or(String::new(), |s| format!("&street={}", encode(s)));
        vec![
            (
                "汇总表（Excel）",
                format!("/api/v1/reports/district.xlsx?year={year}{scope}"),
            ),
            (
                "打印版（网页）",
                format!("/api/v1/reports/district.html?year={year}{scope}"),
            ),
        ]
    }

    fn district(year: i32, street: Option<&str>, streets: &[String]) -> Downloads {
        Downloads {
            scope: format!("{year} 年度 · {}", street.unwrap_or("全区")),
            links: Downloads::summary(year, street),
            streets: if street.is_some() {
                Vec::new()
            } else {
                streets
                    .iter()
                    // Units without a street have no street summary of their own.
                    .filter(|s| !s.starts_with('（'))
                    .map(|s| (s.clone(), Downloads::summary(year, Some(s))))
                    .collect()
            },
        }
    }

    fn unit(year: i32, code: &str, name: &str) -> Downloads {
        let code = encode(code);
        Downloads {
            scope: format!("{year} 年度 · {name}"),
            links: vec![
                (
                    "成绩单（打印版）",
                    format!("/api/v1/units/{code}/card.html?year={year}"),
                ),
                (
                    "整改通知书（网页）",
                    format!("/api/v1/units/{code}/notice.html?year={year}"),
                ),
                (
                    "整改通知书（Excel）",
                    format!("/api/v1/units/{code}/notice.xlsx?year={year}"),
                ),
                ("逐项对比", format!("/dashboard/units/{code}/compare")),
            ],
            streets: Vec::new(),
        }
    }

    fn html(&self) -> String {
        let links = |links: &[(&str, String)]| -> String {
            links
                .iter()
                .map(|(label, href)| format!("<a href=\"{}\">{label}</a>", escape(href)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let streets = if self.streets.is_empty() {
            String::new()
        } else {
            let rows: String = self
                .streets
                .iter()
                .map(|(street, l)| format!("<li><span>{}</span> {}</li>", escape(street), links(l)))
                .collect();
            format!(
                "<details><summary>各街道的汇总表（{} 个街道）</summary><ul>{rows}</ul></details>",
                self.streets.len()
            )
        };
        format!(
            "<section class=\"downloads noprint\" id=\"downloads\" aria-label=\"报表下载\">\
             <strong>报表下载</strong> <span class=\"scope\">{}</span> {}{streets}</section>",
            escape(&self.scope),
            links(&self.links)
        )
    }
}

/// A report page (a standalone document) served inside the application: the
/// navigation bar and the page's downloads go in after `<body>`, and its
/// sign-out form is allowed.
fn html(page: String, viewer: &Viewer, downloads: &Downloads) -> HttpResponse {
    let bar = super::app_bar(viewer, "/dashboard");
    let page = page
        .replacen("form-action 'none'", "form-action 'self'", 1)
        .replacen("<body>", &format!("<body>{bar}{}", downloads.html()), 1);
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(page)
}

async fn dashboard(
    state: State,
    viewer: Viewer,
    query: super::PageQuery<YearQuery>,
) -> Result<HttpResponse, PageError> {
    require(&viewer.actor, READERS)?;
    // A street officer's statistics are its street's.
    let street = viewer.actor.street_name().map(str::to_string);
    district_page(&state, &viewer, query.year, street).await
}

async fn street(
    state: State,
    viewer: Viewer,
    street: web::Path<String>,
    query: super::PageQuery<YearQuery>,
) -> Result<HttpResponse, PageError> {
    require(&viewer.actor, READERS)?;
    district_page(&state, &viewer, query.year, Some(street.into_inner())).await
}

async fn district_page(
    state: &AppState,
    viewer: &Viewer,
    year: Option<i32>,
    street: Option<String>,
) -> Result<HttpResponse, PageError> {
    let year = year_or_latest(state, year).await?;
    let actor = viewer.actor.clone();
    let (renderer, cache) = (state.pages_html.clone(), state.reports.clone());
    let wanted = street.clone();
    let (page, streets) = state
        .run(move |conn, env| {
            let report =
                reports::district_cached(conn, env, &actor, &cache, year, wanted.as_deref())?;
            let streets: Vec<String> = report.by_street.iter().map(|s| s.label.clone()).collect();
            let page = renderer
                .dashboard(&report)
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
            Ok((page, streets))
        })
        .await?;
    let downloads = Downloads::district(year, street.as_deref(), &streets);
    Ok(html(page, viewer, &downloads))
}

async fn unit(
    state: State,
    viewer: Viewer,
    code: web::Path<String>,
    query: super::PageQuery<YearQuery>,
) -> Result<HttpResponse, PageError> {
    let year = year_or_latest(&state, query.year).await?;
    let actor = viewer.actor.clone();
    let code = code.into_inner();
    let renderer = state.pages_html.clone();
    let (page, name) = state
        .run(move |conn, env| {
            let card = reports::unit_card(conn, env, &actor, &code, year)?;
            let page = renderer
                .unit_card(&card)
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
            Ok((page, (card.code, card.name)))
        })
        .await?;
    let downloads = Downloads::unit(year, &name.0, &name.1);
    Ok(html(page, &viewer, &downloads))
}

#[derive(Deserialize)]
struct PairQuery {
    a: Option<i64>,
    b: Option<i64>,
}

/// 逐项对比 of two assessments of a unit (whoever may read the unit).
async fn compare(
    state: State,
    viewer: Viewer,
    code: web::Path<String>,
    query: super::PageQuery<PairQuery>,
) -> Result<HttpResponse, PageError> {
    let (actor, code, pair) = (viewer.actor.clone(), code.into_inner(), (query.a, query.b));
    let data = state
        .run(move |conn, env| comparison::compare(conn, env, &actor, &code, pair))
        .await?;
    let title = format!("{} · 逐项对比", data.comparison.unit_name);
    let home = super::home_of(viewer.actor.role);
    super::Page::new("compare", &title, home, data).render(&state, Some(&viewer))
}

#[cfg(test)]
mod tests {
    use super::Downloads;

    #[test]
    fn downloads_link_each_street_and_escape_names() {
        let d = Downloads::district(
            2012,
            None,
            &[
                "小营街道".into(),
                "<b>街道</b>".into(),
                "（未填街道）".into(),
            ],
        );
        let html = d.html();
        assert!(html.contains("href=\"/api/v1/reports/district.xlsx?year=2012\""));
        assert!(html.contains("/api/v1/reports/district.html?year=2012&amp;street=%E5%B0%8F"));
        assert!(html.contains("&lt;b&gt;街道&lt;/b&gt;"));
        assert!(!html.contains("<b>"));
        assert!(!html.contains("未填街道"));
        assert!(html.contains("class=\"downloads noprint\""));
        let street = Downloads::district(2012, Some("小营街道"), &["小营街道".into()]).html();
        assert!(street.contains("district.xlsx?year=2012&amp;street=%E5%B0%8F"));
        assert!(!street.contains("<details>"));
    }
}
