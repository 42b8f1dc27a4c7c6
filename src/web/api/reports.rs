use crate::web::tenant::State;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::reports::model::DistrictReport;
use crate::service::reports::NoticeFormat;
use crate::service::{ServiceError, comparison, notices, reports};
use crate::web::ApiError;
use crate::web::auth::Auth;
use crate::web::error::ErrorBody;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ReportQuery {
    #[param(required = true)]
    pub year: Option<i32>,
    /// Limit to one street (街道).
    pub street: Option<String>,
}

pub(super) fn year_of(year: Option<i32>) -> Result<i32, ApiError> {
    year.ok_or_else(|| ServiceError::BadRequest("请指定年度 year".into()).into())
}

/// The district summary as data (the figures of the xlsx and HTML reports).
#[utoipa::path(get, path = "/api/v1/reports/district", tag = "reports", security(("bearer" = [])),
    params(ReportQuery),
    responses((status = 200, description = "The report model", body = Object), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Units do not read district statistics", body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn district(
    state: State,
    Auth(actor): Auth,
    query: crate::web::extract::Query<ReportQuery>,
) -> Result<web::Json<DistrictReport>, ApiError> {
    let ReportQuery { year, street } = query.into_inner();
    let year = year_of(year)?;
    Ok(web::Json(
        state
            .run(move |conn, env| {
                reports::district_data(conn, env, &actor, year, street.as_deref())
            })
            .await?,
    ))
}

/// The district summary workbook (总览, 单位明细, 失分分析, 申报与认定, 升降级, 整改台账, 人财物投入).
#[utoipa::path(get, path = "/api/v1/reports/district.xlsx", tag = "reports", security(("bearer" = [])),
    params(ReportQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = crate::web::openapi::Binary),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn district_workbook(
    state: State,
    Auth(actor): Auth,
    query: crate::web::extract::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let ReportQuery { year, street } = query.into_inner();
    let year = year_of(year)?;
    let cache = state.reports.clone();
    let file = state
        .run(move |conn, env| {
            reports::district_workbook(conn, env, &actor, &cache, year, street.as_deref())
        })
        .await?;
    // The cache's bytes themselves, not a copy per download.
    let body = actix_web::web::Bytes::from_owner(Shared(file.bytes));
    Ok(crate::web::download(&file.file_name, Vec::new())
        .set_body(body)
        .map_into_boxed_body())
}

/// A kept workbook as a response body.
struct Shared(std::sync::Arc<Vec<u8>>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// The leadership dashboard as one printable HTML page (a street's page with `street`).
#[utoipa::path(get, path = "/api/v1/reports/district.html", tag = "reports", security(("bearer" = [])),
    params(ReportQuery),
    responses((status = 200, content_type = "text/html", body = String), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn district_page(
    state: State,
    Auth(actor): Auth,
    query: crate::web::extract::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let ReportQuery { year, street } = query.into_inner();
    let year = year_of(year)?;
    let (html, cache) = (state.html.clone(), state.reports.clone());
    let page = state
        .run(move |conn, env| {
            reports::district_page(conn, env, &actor, (&html, &cache), year, street.as_deref())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UnitYear {
    #[param(required = true)]
    pub year: Option<i32>,
}

/// A unit's report card: its tier and what decided it, what the next tier needs.
#[utoipa::path(get, path = "/api/v1/units/{code}/card.html", tag = "reports", security(("bearer" = [])),
    params(("code" = String, Path), UnitYear),
    responses((status = 200, content_type = "text/html", body = String), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unit_card(
    state: State,
    Auth(actor): Auth,
    code: web::Path<String>,
    query: crate::web::extract::Query<UnitYear>,
) -> Result<HttpResponse, ApiError> {
    let code = code.into_inner();
    let year = year_of(query.year)?;
    let html = state.html.clone();
    let page = state
        .run(move |conn, env| reports::unit_card_page(conn, env, &actor, &html, &code, year))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page))
}

/// A unit's 整改通知书 for a year (its active orders), as printable HTML or xlsx.
/// The bureau's first print issues it: numbered per year in issue order
/// (区档案局整改字〔2012〕第 7 号), the number and date kept for every later print;
/// before that others get a draft without a number.
#[utoipa::path(get, path = "/api/v1/units/{code}/notice.{format}", tag = "reports", security(("bearer" = [])),
    params(("code" = String, Path), ("format" = String, Path, description = "html or xlsx"), UnitYear),
    responses((status = 200, description = "HTML or xlsx", content((String = "text/html"), (crate::web::openapi::Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unit_notice(
    state: State,
    Auth(actor): Auth,
    path: web::Path<(String, String)>,
    query: crate::web::extract::Query<UnitYear>,
) -> Result<HttpResponse, ApiError> {
    let (code, format) = path.into_inner();
    let format = NoticeFormat::parse(&format)?;
    let year = year_of(query.year)?;
    let (html, bureau) = (state.html.clone(), state.settings.bureau.clone());
    let file = state
        .run(move |conn, env| {
            notices::unit_notice_file(conn, env, &actor, &html, &bureau, &code, year, format)
        })
        .await?;
    if format == NoticeFormat::Html {
        return Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(file.bytes));
    }
    Ok(crate::web::download(&file.file_name, file.bytes))
}

/// Which two assessments of a unit to compare (its `assessment_id`s);
/// without them, this year's result and last year's.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct Pair {
    /// The first (older) side.
    pub a: Option<i64>,
    /// The second (newer) side.
    pub b: Option<i64>,
}

/// 逐项对比: two assessments of a unit side by side, item by item and fact
/// by fact.
#[utoipa::path(get, path = "/api/v1/units/{code}/comparison", tag = "reports", security(("bearer" = [])),
    params(("code" = String, Path), Pair),
    responses((status = 200, description = "Both sides, the items and facts with what changed, and every assessment of the unit to choose from", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn comparison(
    state: State,
    Auth(actor): Auth,
    code: web::Path<String>,
    pair: crate::web::extract::Query<Pair>,
) -> Result<web::Json<comparison::ComparisonPage>, ApiError> {
    let (code, pair) = (code.into_inner(), (pair.a, pair.b));
    Ok(web::Json(
        state
            .run(move |conn, env| comparison::compare(conn, env, &actor, &code, pair))
            .await?,
    ))
}

/// The comparison as a one-sheet workbook.
#[utoipa::path(get, path = "/api/v1/units/{code}/comparison.xlsx", tag = "reports", security(("bearer" = [])),
    params(("code" = String, Path), Pair),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = crate::web::openapi::Binary),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn comparison_workbook(
    state: State,
    Auth(actor): Auth,
    code: web::Path<String>,
    pair: crate::web::extract::Query<Pair>,
) -> Result<HttpResponse, ApiError> {
    let (code, pair) = (code.into_inner(), (pair.a, pair.b));
    let file = state
        .run(move |conn, env| comparison::workbook(conn, env, &actor, &code, pair))
        .await?;
    Ok(crate::web::download(&file.file_name, file.bytes))
}
