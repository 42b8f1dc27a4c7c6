//! The inspector's pages (inspectors and admins): the year's progress by
//! street and unit with the plausibility flags, a unit's assessment with the
//! review form, bulk upload, spot-check samples, and the rectification board
//! with an order's page.
//!
//! Every form posts with the CSRF field and redirects with a flash when it
//! succeeds; when the service refuses, the same page comes back with the
//! message and what was typed.

use crate::web::tenant::State;
use std::collections::{BTreeSet, HashMap};

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::service::assessments::{AssessmentDetail, HistoryEntry, InputDetail, ItemDetail};
use crate::service::flags;
use crate::service::listing::PageRequest;
use crate::service::progress::{self, ProgressFilter, UnitState, YearProgress};
use crate::service::rectifications::{
    self, ActionRequest, Counts, Filter, RectificationDetail, RectificationItem,
};
use crate::service::reviews::{self, InputOverride, ItemOverride, ReviewKind, ReviewRequest};
use crate::service::roster::UnitView;
use crate::service::samples::{self, SampleRequest, SampleView};
use crate::service::upload_batch::{FileOutcome, Options};
use crate::service::uploads::{self, UploadOutcome};
use crate::service::{Role, ServiceError};
use crate::service::{board, campaigns, unit_record};
use crate::web::api::submissions::{over_bulk_limit, upload_files};
use crate::web::upload::{FormRules, read_checked};
use crate::web::{ApiError, AppState};

use super::{Done, Page, PageError, Pager, Viewer, encode, require, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/inspect", web::get().to(progress))
        .service(
            web::resource("/inspect/flags/{id}")
                .app_data(form_config())
                .route(web::post().to(resolve_flag)),
        )
        .service(
            web::resource("/inspect/units/{code}")
                .app_data(form_config())
                .route(web::get().to(unit_page))
                .route(web::post().to(review)),
        )
        .route("/inspect/upload", web::get().to(upload_form))
        .route("/inspect/upload", web::post().to(upload))
        .service(
            web::resource("/inspect/samples")
                .app_data(form_config())
                .route(web::get().to(samples_page))
                .route(web::post().to(draw_sample)),
        )
        .route("/inspect/rectifications", web::get().to(board))
        .service(
            web::resource("/inspect/rectifications/{id}")
                .app_data(form_config())
                .route(web::get().to(order_page))
                .route(web::post().to(act)),
        );
}

// ------------------------------------------------------------------ shared

/// Forms are read with a generous limit (a review carries a reason per
/// item), and a malformed one is answered as a page, not JSON.
pub(super) fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(1024 * 1024)
        .error_handler(|e, _| PageError(ApiError::BadRequest(format!("表单内容有误：{e}"))).into())
}

/// Inspectors and admins only.
pub(super) fn bureau(viewer: &Viewer) -> Result<(), PageError> {
    require(&viewer.actor, &[Role::Inspector, Role::Admin])
}

/// A refusal the page can show beside the form (with its status); server
/// faults become the error page.
pub(super) fn shown(e: ApiError) -> Result<(String, StatusCode), PageError> {
    if e.is_server_fault() {
        return Err(PageError(e));
    }
    Ok((
        e.public_message(),
        actix_web::ResponseError::status_code(&e),
    ))
}

/// A number typed into a form: empty is none, anything else must parse.
pub(super) fn number<T: std::str::FromStr>(text: &str, what: &str) -> Result<Option<T>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| format!("{what}应为数字，填写的是“{text}”"))
}

/// A year from a query string; anything unreadable is ignored.
pub(super) fn year_of(text: Option<&str>) -> Option<i32> {
    text.and_then(|t| t.trim().parse().ok())
}

fn tier_name(tier: Option<&crate::domain::scoring::TierRef>) -> String {
    tier.map_or_else(|| "未达标".to_string(), |t| t.name.clone())
}

// ------------------------------------------------------------ 1. progress

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ProgressQuery {
    year: Option<String>,
    street: String,
    state: String,
    kind: String,
    q: String,
    /// "1": only units with open plausibility flags.
    flagged: String,
    page: Option<String>,
    flash: Option<String>,
}

/// Units per page on the progress page.
const UNITS_PER_PAGE: u32 = 50;

impl ProgressQuery {
    fn filter(&self) -> ProgressFilter {
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        ProgressFilter {
            year: year_of(self.year.as_deref()),
            street: text(&self.street),
            state: UnitState::parse(&self.state),
            kind: text(&self.kind),
            flagged: self.flagged == "1",
            search: text(&self.q),
        }
    }
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

fn choices<'a>(
    values: impl IntoIterator<Item = (&'a str, &'a str)>,
    chosen: Option<&str>,
) -> Vec<Choice> {
    values
        .into_iter()
        .map(|(value, label)| Choice {
            value: value.into(),
            label: label.into(),
            selected: chosen == Some(value),
        })
        .collect()
}

#[derive(Serialize)]
struct ProgressPage {
    #[serde(flatten)]
    progress: YearProgress,
    street_choices: Vec<Choice>,
    state_choices: Vec<Choice>,
    kind_choices: Vec<Choice>,
    q: String,
    flagged: bool,
    filtered: bool,
    pager: Pager,
}

async fn progress(
    state: State,
    viewer: Viewer,
    query: super::PageQuery<ProgressQuery>,
) -> Result<HttpResponse, PageError> {
    bureau(&viewer)?;
    let query = query.into_inner();
    let filter = query.filter();
    let paging = PageRequest::of_page(query.page.as_deref(), UNITS_PER_PAGE);
    let actor = viewer.actor.clone();
    let progress = state
        .run(move |conn, _| progress::year(conn, &actor, &filter, paging))
        .await?;
    Page::new(
        "inspect-progress",
        "年检进度",
        "/inspect",
        progress_page(progress, &query),
    )
    .flash(query.flash.clone())
    .render(&state, Some(&viewer))
}

/// The page around the service's figures: the filter's choices and links.
fn progress_page(progress: YearProgress, query: &ProgressQuery) -> ProgressPage {
    let filter = query.filter();
    let year = progress.year.to_string();
    let pager = Pager::of(
        &progress.units,
        "/inspect",
        &[
            ("year", &year),
            ("street", filter.street.as_deref().unwrap_or_default()),
            (
                "state",
                filter.state.map(UnitState::as_str).unwrap_or_default(),
            ),
            ("kind", filter.kind.as_deref().unwrap_or_default()),
            ("q", filter.search.as_deref().unwrap_or_default()),
            ("flagged", if filter.flagged { "1" } else { "" }),
        ],
    );
    ProgressPage {
        street_choices: choices(
            progress
                .streets
                .iter()
                .map(|s| (s.street.as_str(), s.street.as_str())),
            filter.street.as_deref(),
        ),
        state_choices: choices(
            UnitState::ALL.map(|s| (s.as_str(), s.label())),
            filter.state.map(UnitState::as_str),
        ),
        kind_choices: choices(
            progress.kinds.iter().map(|k| (k.as_str(), k.as_str())),
            filter.kind.as_deref(),
        ),
        q: filter.search.clone().unwrap_or_default(),
        flagged: filter.flagged,
        filtered: filter.street.is_some()
            || filter.state.is_some()
            || filter.kind.is_some()
            || filter.flagged
            || filter.search.is_some(),
        pager,
        progress,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FlagForm {
    csrf: String,
    resolution: String,
    /// The unit whose page the form is on, and its year.
    unit: String,
    year: String,
}

/// 核实: an inspector notes how a flag was checked, on the unit's page.
async fn resolve_flag(
    state: State,
    viewer: Viewer,
    id: web::Path<i64>,
    form: super::PageForm<FlagForm>,
) -> Result<HttpResponse, PageError> {
    bureau(&viewer)?;
    viewer.check_csrf(Some(&form.csrf))?;
    let (id, form) = (id.into_inner(), form.into_inner());
    let (actor, resolution) = (viewer.actor.clone(), form.resolution.clone());
    let result = state
        .run(move |conn, env| flags::resolve(conn, &actor, id, &resolution, env.clock))
        .await;
    let year = year_of(Some(&form.year));
    match result {
        Ok(()) => {
            let back = format!(
                "/inspect/units/{}?year={}",
                encode(&form.unit),
                year.unwrap_or(0)
            );
            Ok(see_other(&back, Some(Done::FlagResolved)))
        }
        Err(e) => {
            let (message, status) = shown(e)?;
            let data = unit_data(&state, &viewer, form.unit, year, &ReviewTyped::default()).await?;
            let title = data.unit.name.clone();
            Page::new("inspect-unit", &title, "/inspect", data)
                .error(message, status)
                .render(&state, Some(&viewer))
        }
    }
}

// ----------------------------------------------------------- 2. a unit

#[derive(Debug, Default, Deserialize)]
struct UnitQuery {
    year: Option<String>,
    flash: Option<String>,
}

#[derive(Serialize)]
struct ItemRow {
    #[serde(flatten)]
    item: ItemDetail,
    changed: bool,
    /// The review form's fields as typed.
    new_points: String,
    reason: String,
}

#[derive(Serialize)]
struct CategoryBlock {
    code: String,
    name: String,
    points: crate::domain::Points,
    self_points: crate::domain::Points,
    applicable_max: crate::domain::Points,
    items: Vec<ItemRow>,
}

#[derive(Serialize)]
struct InputRow {
    #[serde(flatten)]
    input: InputDetail,
    new_value: String,
    reason: String,
}

#[derive(Serialize)]
struct ReviewLine {
    kind: String,
    kind_label: &'static str,
    note: String,
    reviewer: Option<String>,
    at: String,
    total: Option<crate::domain::Points>,
}

#[derive(Serialize)]
struct Assessed {
    detail: AssessmentDetail,
    tier: String,
    self_tier: String,
    categories: Vec<CategoryBlock>,
    inputs: Vec<InputRow>,
    reviews: Vec<ReviewLine>,
    can_review: bool,
}

#[derive(Serialize)]
struct UnitPage {
    unit: UnitView,
    /// This page, without the year.
    href: String,
    year: i32,
    years: Vec<i32>,
    assessed: Option<Assessed>,
    history: Vec<HistoryEntry>,
    card_href: String,
    notice_href: String,
    kinds: Vec<Choice>,
    note: String,
    /// The street's first check (初审) of the upload shown.
    first_check: Option<crate::service::first_checks::FirstCheckView>,
}

/// What the review form sent, kept to show again.
#[derive(Default)]
struct ReviewTyped {
    kind: String,
    note: String,
    items: HashMap<String, (String, String)>,
    inputs: HashMap<String, (String, String)>,
}

const REVIEW_KINDS: [(ReviewKind, &str); 3] = [
    (ReviewKind::SelfCheck, "self"),
    (ReviewKind::Mutual, "mutual"),
    (ReviewKind::Spot, "spot"),
];

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "self" => "自查",
        "mutual" => "互查",
        "spot" => "抽查",
        "recheck" => "复查",
        _ => "检查",
    }
}

async fn unit_data(
    state: &AppState,
    viewer: &Viewer,
    code: String,
    year: Option<i32>,
    typed: &ReviewTyped,
) -> Result<UnitPage, PageError> {
    let actor = viewer.actor.clone();
    let record = state
        .run(move |conn, env| unit_record::unit_record(conn, env, &actor, &code, year))
        .await?;
    let unit_record::UnitRecord {
        unit,
        year,
        years,
        history,
        detail,
        first_check,
    } = record;
    let assessed = detail.map(|d| assessed(d, typed));
    let kinds = REVIEW_KINDS
        .iter()
        .map(|(k, v)| Choice {
            value: (*v).into(),
            label: k.label_zh().into(),
            selected: typed.kind == *v,
        })
        .collect();
    Ok(UnitPage {
        href: format!("/inspect/units/{}", encode(&unit.code)),
        card_href: format!("/dashboard/units/{}?year={year}", encode(&unit.code)),
        notice_href: format!(
            "/api/v1/units/{}/notice.html?year={year}",
            encode(&unit.code)
        ),
        unit,
        year,
        years,
        assessed,
        history,
        kinds,
        note: typed.note.clone(),
        first_check,
    })
}

fn assessed(mut detail: AssessmentDetail, typed: &ReviewTyped) -> Assessed {
    let items = std::mem::take(&mut detail.items);
    let mut categories: Vec<CategoryBlock> = detail
        .categories
        .iter()
        .map(|c| CategoryBlock {
            code: c.code.clone(),
            name: c.name.clone(),
            points: c.points,
            self_points: c.self_points,
            applicable_max: c.applicable_max,
            items: Vec::new(),
        })
        .collect();
    for item in items {
        let (new_points, reason) = typed.items.get(&item.code).cloned().unwrap_or_default();
        let row = ItemRow {
            changed: item.points != item.self_points || item.applicable != item.self_applicable,
            new_points,
            reason,
            item,
        };
        match categories.iter_mut().find(|c| c.code == row.item.category) {
            Some(c) => c.items.push(row),
            None => categories.push(CategoryBlock {
                code: row.item.category.clone(),
                name: row.item.category.clone(),
                points: crate::domain::Points(0),
                self_points: crate::domain::Points(0),
                applicable_max: crate::domain::Points(0),
                items: vec![row],
            }),
        }
    }
    let inputs = std::mem::take(&mut detail.inputs)
        .into_iter()
        .map(|input| {
            let (new_value, reason) = typed.inputs.get(&input.key).cloned().unwrap_or_default();
            InputRow {
                input,
                new_value,
                reason,
            }
        })
        .collect();
    let reviews = std::mem::take(&mut detail.reviews)
        .into_iter()
        .map(|r| ReviewLine {
            kind_label: kind_label(&r.kind),
            kind: r.kind,
            note: r.note,
            reviewer: r.reviewer,
            at: r.at,
            total: r.total,
        })
        .collect();
    Assessed {
        tier: progress::tier_label(&detail.summary),
        self_tier: tier_name(detail.self_tier.as_ref()),
        can_review: detail.superseded_by.is_none(),
        detail,
        categories,
        inputs,
        reviews,
    }
}

async fn unit_page(
    state: State,
    viewer: Viewer,
    code: web::Path<String>,
    query: super::PageQuery<UnitQuery>,
) -> Result<HttpResponse, PageError> {
    bureau(&viewer)?;
    let query = query.into_inner();
    let data = unit_data(
        &state,
        &viewer,
        code.into_inner(),
        year_of(query.year.as_deref()),
        &ReviewTyped {
            kind: "spot".into(),
            ..ReviewTyped::default()
        },
    )
    .await?;
    let title = data.unit.name.clone();
    Page::new("inspect-unit", &title, "/inspect", data)
        .flash(query.flash)
        .render(&state, Some(&viewer))
}

/// A value as one would write it in the workbook: a number, else the text
/// (不适用, 是, 否, 95%).
fn typed_value(text: &str) -> serde_json::Value {
    let text = text.trim();
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() => {
            serde_json::Number::from_f64(n).map_or_else(|| text.into(), serde_json::Value::Number)
        }
        _ => text.into(),
    }
}

/// The review form: `kind`, `note`, `submission`, and per item
/// `item:CODE` with `reason:CODE`, per fact `input:KEY` with `input_reason:KEY`.
fn read_review(fields: &[(String, String)]) -> (ReviewTyped, Option<i64>, String) {
    let mut typed = ReviewTyped::default();
    let mut submission = None;
    let mut csrf = String::new();
    for (name, value) in fields {
        let value = value.clone();
        if let Some(code) = name.strip_prefix("item:") {
            typed.items.entry(code.to_string()).or_default().0 = value;
        } else if let Some(code) = name.strip_prefix("reason:") {
            typed.items.entry(code.to_string()).or_default().1 = value;
        } else if let Some(key) = name.strip_prefix("input:") {
            typed.inputs.entry(key.to_string()).or_default().0 = value;
        } else if let Some(key) = name.strip_prefix("input_reason:") {
            typed.inputs.entry(key.to_string()).or_default().1 = value;
        } else {
            match name.as_str() {
                "kind" => typed.kind = value,
                "note" => typed.note = value,
                "submission" => submission = value.trim().parse().ok(),
                "csrf" => csrf = value,
                _ => {}
            }
        }
    }
    (typed, submission, csrf)
}

/// The request from what was typed, or what is missing.
fn review_request(typed: &ReviewTyped) -> Result<ReviewRequest, String> {
    let mut problems = Vec::new();
    let kind = REVIEW_KINDS
        .iter()
        .find(|(_, v)| *v == typed.kind)
        .map(|(k, _)| *k);
    if kind.is_none() {
        problems.push("请选择检查方式（自查、互查或抽查）".to_string());
    }
    let mut items = Vec::new();
    let codes: BTreeSet<&String> = typed.items.keys().collect();
    for code in codes {
        let (points, reason) = &typed.items[code];
        match (points.trim().is_empty(), reason.trim().is_empty()) {
            (true, true) => {}
            (true, false) => problems.push(format!("条目 {code} 写了理由，但没有填写复核分")),
            _ => items.push(ItemOverride {
                code: code.clone(),
                points: Some(typed_value(points)),
                reason: reason.trim().to_string(),
                ..ItemOverride::default()
            }),
        }
    }
    let mut inputs = Vec::new();
    let keys: BTreeSet<&String> = typed.inputs.keys().collect();
    for key in keys {
        let (value, reason) = &typed.inputs[key];
        match (value.trim().is_empty(), reason.trim().is_empty()) {
            (true, true) => {}
            (true, false) => problems.push(format!("“{key}”写了更正理由，但没有填写核实值")),
            _ => inputs.push(InputOverride {
                key: key.clone(),
                value: typed_value(value),
                reason: reason.trim().to_string(),
            }),
        }
    }
    match kind {
        Some(kind) if problems.is_empty() => Ok(ReviewRequest {
            kind,
            note: typed.note.trim().to_string(),
            items,
            inputs,
        }),
        _ => Err(problems.join("；")),
    }
}

async fn review(
    state: State,
    viewer: Viewer,
    code: web::Path<String>,
    query: super::PageQuery<UnitQuery>,
    form: super::PageForm<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    bureau(&viewer)?;
    let code = code.into_inner();
    let (typed, submission, csrf) = read_review(&form);
    viewer.check_csrf(Some(&csrf))?;
    let year = year_of(query.year.as_deref());
    let again = |message: String, status: StatusCode, typed: ReviewTyped| {
        let state = state.clone();
        let viewer = viewer.clone();
        let code = code.clone();
        async move {
            let data = unit_data(&state, &viewer, code, year, &typed).await?;
            let title = data.unit.name.clone();
            Page::new("inspect-unit", &title, "/inspect", data)
                .error(message, status)
                .render(&state, Some(&viewer))
        }
    };
    let Some(submission) = submission else {
        return again(
            "表单缺少自查表编号，请刷新页面后重试".into(),
            StatusCode::BAD_REQUEST,
            typed,
        )
        .await;
    };
    let request = match review_request(&typed) {
        Ok(r) => r,
        Err(message) => return again(message, StatusCode::BAD_REQUEST, typed).await,
    };
    let actor = viewer.actor.clone();
    let unit_code = code.clone();
    let result = state
        .run(move |conn, env| {
            let view = uploads::submission(conn, env, &actor, submission)?;
            if view.unit != unit_code {
                return Err(ServiceError::BadRequest(format!(
                    "自查表 {submission} 不是单位 {unit_code} 的"
                )));
            }
            reviews::review(conn, env, &actor, submission, &request)
        })
        .await;
    match result {
        Ok(detail) => Ok(see_other(
            &format!(
                "/inspect/units/{}?year={}",
                encode(&code),
                detail.summary.year
            ),
            Some(Done::ReviewSaved),
        )),
        Err(e) => {
            let (message, status) = shown(e)?;
            again(message, status, typed).await
        }
    }
}

// ------------------------------------------------------------ 3. upload

#[derive(Serialize)]
struct FileLine {
    file: String,
    ok: bool,
    unit_code: String,
    unit_name: String,
    year: Option<i32>,
    total: Option<crate::domain::Points>,
    tier: String,
    grade: Option<String>,
    late: bool,
    duplicate: bool,
    flags: Vec<String>,
    problems: Vec<crate::ingest::self_check::Problem>,
    message: Option<String>,
    href: Option<String>,
}

#[derive(Serialize)]
struct UploadPage {
    dry_run: bool,
    done: bool,
    files: Vec<FileLine>,
    accepted: usize,
    refused: usize,
}

async fn upload_form(
    state: State,
    viewer: Viewer,
    query: super::PageQuery<super::Flash>,
) -> Result<HttpResponse, PageError> {
    bureau(&viewer)?;
    Page::new(
        "inspect-upload",
        "批量上传",
        "/inspect/upload",
        UploadPage {
            dry_run: false,
            done: false,
            files: Vec::new(),
            accepted: 0,
            refused: 0,
        },
    )
    .flash(query.into_inner().flash)
    .render(&state, Some(&viewer))
}

fn accepted_line(file: String, outcome: UploadOutcome) -> FileLine {
    let r = &outcome.result;
    FileLine {
        href: Some(format!(
            "/inspect/units/{}?year={}",
            encode(&r.unit.code),
            r.year
        )),
        unit_code: r.unit.code.clone(),
        unit_name: r.unit.name.clone(),
        year: Some(r.year),
        total: Some(r.total),
        tier: tier_name(r.tier.as_ref()),
        grade: r.grade.clone(),
        file,
        ok: true,
        late: outcome.late,
        duplicate: outcome.duplicate,
        flags: outcome.flags,
        problems: Vec::new(),
        message: None,
    }
}

fn refused_line(file: String, error: ApiError) -> Result<(FileLine, StatusCode), PageError> {
    let status = actix_web::ResponseError::status_code(&error);
    let (problems, message) = match error {
        ApiError::Service(ServiceError::Invalid(problems)) => (problems, None),
        other => (Vec::new(), Some(shown(other)?.0)),
    };
    Ok((
        FileLine {
            file,
            ok: false,
            unit_code: String::new(),
            unit_name: String::new(),
            year: None,
            total: None,
            tier: String::new(),
            grade: None,
            late: false,
            duplicate: false,
            flags: Vec::new(),
            problems,
            message,
            href: None,
        },
        status,
    ))
}

impl UploadPage {
    /// The form again, empty.
    fn form() -> UploadPage {
        UploadPage {
            dry_run: false,
            done: false,
            files: Vec::new(),
            accepted: 0,
            refused: 0,
        }
    }

    /// The result page of a batch, with its status (every file refused:
    /// the first refusal's).
    fn of(
        dry_run: bool,
        outcomes: Vec<FileOutcome>,
    ) -> Result<(UploadPage, StatusCode), PageError> {
        let mut files = Vec::with_capacity(outcomes.len());
        let mut first_refusal = None;
        for o in outcomes {
            match o.result {
                Ok(accepted) => files.push(accepted_line(o.file, accepted.outcome)),
                Err(e) => {
                    let (line, status) = refused_line(o.file, e.into())?;
                    first_refusal.get_or_insert(status);
                    files.push(line);
                }
            }
        }
        let accepted = files.iter().filter(|l| l.ok).count();
        let refused = files.len() - accepted;
        let status = match accepted {
            0 => first_refusal.unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
            _ => StatusCode::OK,
        };
        let page = UploadPage {
            dry_run,
            done: true,
            files,
            accepted,
            refused,
        };
        Ok((page, status))
    }
}

async fn upload(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    bureau(&viewer)?;
    let again = |(message, status): (String, StatusCode)| {
        Page::new(
            "inspect-upload",
            "批量上传",
            "/inspect/upload",
            UploadPage::form(),
        )
        .error(message, status)
        .render(&state, Some(&viewer))
    };
    if let Some(message) = over_bulk_limit(&req, &state.settings) {
        return again((message, StatusCode::PAYLOAD_TOO_LARGE));
    }
    let rules = FormRules {
        unpack_zips: true,
        csrf: Some(&viewer.csrf),
        ..FormRules::default()
    };
    let mut guard = state.uploads.enter(&viewer.actor).await?;
    let (files, fields) = match read_checked(payload, &state.settings, &mut guard, &rules).await {
        Ok(read) => read,
        Err(refused) => return again(shown(refused.error)?),
    };
    if files.is_empty() {
        return again(("请选择要上传的自查表".into(), StatusCode::BAD_REQUEST));
    }
    let dry_run = fields.flag("dry_run");
    let outcomes = upload_files(&state, &viewer.actor, files, Options { dry_run }).await;
    let (body, status) = UploadPage::of(dry_run, outcomes)?;
    let mut page = Page::new("inspect-upload", "上传结果", "/inspect/upload", body);
    page.status = status;
    page.render(&state, Some(&viewer))
}

// ----------------------------------------------------------- 4. samples

#[derive(Debug, Default, Deserialize, Serialize, Clone)]
#[serde(default)]
struct SampleForm {
    #[serde(skip_serializing)]
    csrf: String,
    year: String,
    count: String,
    percent: String,
    seed: String,
    note: String,
}

#[derive(Serialize)]
struct SamplesPage {
    form: SampleForm,
    years: Vec<i32>,
    samples: Vec<SampleView>,
}

async fn samples_data(
    state: &AppState,
    viewer: &Viewer,
    form: SampleForm,
) -> Result<SamplesPage, PageError> {
    let actor = viewer.actor.clone();
    let (years, mut list) = state
        .run(move |conn, _| {
            let years = campaigns::years(conn)?;
            Ok((years, samples::list(conn, &actor, None)?))
        })
        .await?;
    list.sort_by_key(|s| std::cmp::Reverse(s.id));
    let mut form = form;
    if form.year.is_empty()
        && let Some(y) = years.first()
    {
        form.year = y.to_string();
    }
    Ok(SamplesPage {
        form,
        years,
        samples: list,
    })
}

async fn samples_page(
    state: State,
    viewer: Viewer,
    query: super::PageQuery<super::Flash>,
) -> Result<HttpResponse, PageError> {
    bureau(&viewer)?;
    let data = samples_data(&state, &viewer, SampleForm::default()).await?;
    Page::new("inspect-samples", "抽查", "/inspect/samples", data)
        .flash(query.into_inner().flash)
        .render(&state, Some(&viewer))
}

fn sample_request(form: &SampleForm) -> Result<SampleRequest, String> {
    let year = number::<i32>(&form.year, "年度")?.ok_or("请填写年度")?;
    Ok(SampleRequest {
        year,
        count: number(&form.count, "抽查数量")?,
        percent: number(&form.percent, "抽查比例")?,
        seed: number(&form.seed, "随机种子")?,
        note: form.note.trim().to_string(),
    })
}

async fn draw_sample(
    state: State,
    viewer: Viewer,
    form: super::PageForm<SampleForm>,
) -> Result<HttpResponse, PageError> {
    bureau(&viewer)?;
    viewer.check_csrf(Some(&form.csrf))?;
    let form = form.into_inner();
    let outcome = match sample_request(&form) {
        Ok(request) => {
            let actor = viewer.actor.clone();
            match state
                .run(move |conn, env| samples::create(conn, &actor, &request, env.clock))
                .await
            {
                Ok(view) => Ok(view),
                Err(e) => Err(shown(e)?),
            }
        }
        Err(message) => Err((message, StatusCode::BAD_REQUEST)),
    };
    match outcome {
        Ok(_) => Ok(see_other("/inspect/samples", Some(Done::SampleDrawn))),
        Err((message, status)) => {
            let data = samples_data(&state, &viewer, form).await?;
            Page::new("inspect-samples", "抽查", "/inspect/samples", data)
                .error(message, status)
                .render(&state, Some(&viewer))
        }
    }
}

// ---------------------------------------------------- 5. rectification

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
struct BoardQuery {
    year: Option<String>,
    street: Option<String>,
    unit: Option<String>,
    q: Option<String>,
    state: Option<String>,
    overdue: Option<String>,
    page: Option<String>,
    flash: Option<String>,
}

/// Orders per page on the board.
const ORDERS_PER_PAGE: u32 = 50;

/// The board's filters as sent on, in forms and links.
#[derive(Serialize, Clone, Default)]
struct BoardFilter {
    year: i32,
    street: String,
    unit: String,
    q: String,
    state: String,
    overdue: bool,
}

impl BoardFilter {
    fn of(query: &BoardQuery, year: i32) -> BoardFilter {
        let text = |t: &Option<String>| t.as_deref().unwrap_or_default().trim().to_string();
        BoardFilter {
            year,
            street: text(&query.street),
            unit: text(&query.unit),
            q: text(&query.q),
            state: query
                .state
                .clone()
                .filter(|s| crate::domain::rectification::State::parse(s).is_some())
                .unwrap_or_default(),
            overdue: matches!(
                query.overdue.as_deref().map(str::trim),
                Some("1" | "true" | "on" | "yes")
            ),
        }
    }

    fn pairs(&self) -> [(&'static str, String); 6] {
        [
            ("year", self.year.to_string()),
            ("street", self.street.clone()),
            ("unit", self.unit.clone()),
            ("q", self.q.clone()),
            ("state", self.state.clone()),
            (
                "overdue",
                if self.overdue {
                    "1".into()
                } else {
                    String::new()
                },
            ),
        ]
    }

    fn href(&self) -> String {
        let pairs = self.pairs();
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Pager::of(
            &PageRequest::default().cut(Vec::<()>::new()),
            "/inspect/rectifications",
            &pairs,
        )
        .href_of_first()
    }

    fn service(&self) -> Filter {
        let some = |s: &String| Some(s.clone()).filter(|s| !s.is_empty());
        Filter {
            year: (self.year != 0).then_some(self.year),
            street: some(&self.street),
            unit: some(&self.unit),
            q: some(&self.q),
            state: some(&self.state),
            overdue: self.overdue.then_some(true),
            ..Filter::default()
        }
    }
}

#[derive(Serialize)]
struct OrderRow {
    #[serde(flatten)]
    item: RectificationItem,
    can_verify: bool,
    can_return: bool,
    can_waive: bool,
    can_recheck: bool,
    unit_href: String,
    /// What was typed into this order's form, kept after an error.
    note: String,
    recheck: String,
}

/// Which actions the bureau may take on an order in its state.
fn order_row(
    item: RectificationItem,
    year: i32,
    typed: Option<&(i64, String, String)>,
) -> OrderRow {
    let submitted = item.state == "submitted";
    let answerable = matches!(item.state.as_str(), "open" | "returned");
    let (note, recheck) = typed
        .filter(|(id, _, _)| *id == item.id)
        .map(|(_, n, r)| (n.clone(), r.clone()))
        .unwrap_or_default();
    OrderRow {
        can_verify: submitted,
        can_return: submitted,
        can_waive: answerable,
        can_recheck: submitted && item.item.is_some(),
        unit_href: format!("/inspect/units/{}?year={year}", encode(&item.unit)),
        note,
        recheck,
        item,
    }
}

#[derive(Serialize)]
struct StateCount {
    state: &'static str,
    label: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct Board {
    filter: BoardFilter,
    years: Vec<i32>,
    counts: Counts,
    states: Vec<StateCount>,
    street_choices: Vec<Choice>,
    state_choices: Vec<Choice>,
    orders: Vec<OrderRow>,
    pager: Pager,
    filtered: bool,
}

async fn board_page(
    state: &AppState,
    viewer: &Viewer,
    query: &BoardQuery,
    typed: Option<(i64, String, String)>,
) -> Result<Page<'static, Board>, PageError> {
    let wanted = BoardFilter::of(query, year_of(query.year.as_deref()).unwrap_or(0)).service();
    let paging = PageRequest::of_page(query.page.as_deref(), ORDERS_PER_PAGE);
    let actor = viewer.actor.clone();
    let data = state
        .run(move |conn, env| board::board(conn, &actor, &wanted, env.clock.today, paging))
        .await?;
    Ok(Page::new(
        "inspect-rectifications",
        "整改督办",
        "/inspect/rectifications",
        board_view(data, BoardFilter::of(query, 0), typed.as_ref()),
    ))
}

fn board_view(
    data: board::Board,
    filter: BoardFilter,
    typed: Option<&(i64, String, String)>,
) -> Board {
    use crate::domain::rectification::State;
    let filter = BoardFilter {
        year: data.year,
        ..filter
    };
    let counts = &data.counts;
    let states = State::ALL
        .iter()
        .map(|s| StateCount {
            state: s.as_str(),
            label: s.label_zh(),
            count: match s {
                State::Open => counts.open,
                State::Submitted => counts.submitted,
                State::Verified => counts.verified,
                State::Returned => counts.returned,
                State::Waived => counts.waived,
            },
        })
        .collect();
    let pairs = filter.pairs();
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Board {
        pager: Pager::of(&data.orders, "/inspect/rectifications", &pairs),
        street_choices: choices(
            data.streets.iter().map(|s| (s.as_str(), s.as_str())),
            Some(&filter.street),
        ),
        state_choices: choices(
            State::ALL.iter().map(|s| (s.as_str(), s.label_zh())),
            Some(&filter.state),
        ),
        filtered: !filter.street.is_empty()
            || !filter.state.is_empty()
            || filter.overdue
            || !filter.unit.is_empty()
            || !filter.q.is_empty(),
        orders: data
            .orders
            .items
            .into_iter()
            .map(|i| order_row(i, data.year, typed))
            .collect(),
        counts: data.counts,
        years: data.years,
        states,
        filter,
    }
}

async fn board(
    state: State,
    viewer: Viewer,
    query: super::PageQuery<BoardQuery>,
) -> Result<HttpResponse, PageError> {
    bureau(&viewer)?;
    let query = query.into_inner();
    board_page(&state, &viewer, &query, None)
        .await?
        .flash(query.flash.clone())
        .render(&state, Some(&viewer))
}

#[derive(Serialize)]
struct OrderPage {
    detail: RectificationDetail,
    row: OrderRow,
    notice_href: String,
}

async fn order_data(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    typed: Option<(i64, String, String)>,
) -> Result<OrderPage, PageError> {
    let actor = viewer.actor.clone();
    let detail = state
        .run(move |conn, env| rectifications::detail(conn, &actor, id, env.clock.today))
        .await?;
    let year = detail.item.year;
    Ok(OrderPage {
        notice_href: format!(
            "/api/v1/units/{}/notice.html?year={year}",
            encode(&detail.item.unit)
        ),
        row: order_row(detail.item.clone(), year, typed.as_ref()),
        detail,
    })
}

async fn order_page(
    state: State,
    viewer: Viewer,
    id: web::Path<i64>,
    query: super::PageQuery<super::Flash>,
) -> Result<HttpResponse, PageError> {
    bureau(&viewer)?;
    let data = order_data(&state, &viewer, id.into_inner(), None).await?;
    let title = format!("整改事项 {}", data.detail.item.id);
    Page::new("inspect-order", &title, "/inspect/rectifications", data)
        .flash(query.into_inner().flash)
        .render(&state, Some(&viewer))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ActForm {
    csrf: String,
    action: String,
    note: String,
    recheck_points: String,
    /// `order` when sent from the order's own page, else the board.
    from: String,
    year: Option<String>,
    street: Option<String>,
    unit: Option<String>,
    q: Option<String>,
    state: Option<String>,
    overdue: Option<String>,
    page: Option<String>,
}

async fn act(
    state: State,
    viewer: Viewer,
    id: web::Path<i64>,
    form: super::PageForm<ActForm>,
) -> Result<HttpResponse, PageError> {
    bureau(&viewer)?;
    viewer.check_csrf(Some(&form.csrf))?;
    let id = id.into_inner();
    let form = form.into_inner();
    let query = BoardQuery {
        year: form.year.clone(),
        street: form.street.clone(),
        unit: form.unit.clone(),
        q: form.q.clone(),
        state: form.state.clone(),
        overdue: form.overdue.clone(),
        page: form.page.clone(),
        flash: None,
    };
    let outcome = match number::<f64>(&form.recheck_points, "复查分") {
        Err(message) => Err((message, StatusCode::BAD_REQUEST)),
        Ok(points) => {
            let request = ActionRequest {
                action: form.action.trim().to_string(),
                note: form.note.clone(),
                // Re-check points go with verify only.
                recheck_points: points.filter(|_| form.action.trim() == "verify"),
            };
            let actor = viewer.actor.clone();
            match state
                .run(move |conn, env| {
                    rectifications::act(conn, env, &actor, id, &request, Vec::new())
                })
                .await
            {
                Ok(detail) => Ok(detail),
                Err(e) => Err(shown(e)?),
            }
        }
    };
    let typed = Some((id, form.note.clone(), form.recheck_points.clone()));
    match (outcome, form.from.as_str()) {
        (Ok(detail), from) => {
            let done = match detail.item.state.as_str() {
                "verified" => Done::OrderVerified,
                "returned" => Done::OrderReturned,
                "waived" => Done::OrderWaived,
                _ => Done::OrderUpdated,
            };
            let back = if from == "order" {
                format!("/inspect/rectifications/{id}")
            } else {
                let year = year_of(form.year.as_deref()).unwrap_or(detail.item.year);
                BoardFilter::of(&query, year).href()
            };
            Ok(see_other(&back, Some(done)))
        }
        (Err((message, status)), "order") => {
            let data = order_data(&state, &viewer, id, typed).await?;
            let title = format!("整改事项 {id}");
            Page::new("inspect-order", &title, "/inspect/rectifications", data)
                .error(message, status)
                .render(&state, Some(&viewer))
        }
        (Err((message, status)), _) => board_page(&state, &viewer, &query, typed)
            .await?
            .error(message, status)
            .render(&state, Some(&viewer)),
    }
}
