//! The unit archivist's pages: the year's template, upload and result,
//! history, rectification orders with answers and evidence.

use crate::web::tenant::State;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::service::evidence::{self, Attachment, EvidenceFile, MAX_FILES};
use crate::service::rectifications::{self, ActionRequest, Evidence, RectificationDetail};
use crate::service::roster::{self, UnitView};
use crate::service::templates;
use crate::service::unit_home::{self, UnitHome};
use crate::service::upload_batch::{Accepted, FileOutcome, Options};
use crate::service::uploads::UploadOutcome;
use crate::service::{Role, ServiceError};
use crate::web::AppState;
use crate::web::api::submissions::upload_files;
use crate::web::upload::{FormRules, read_checked};

use super::inspect::shown;
use super::{Done, Flash, Page, PageError, Viewer, require, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/unit", web::get().to(overview))
        .route("/unit/template", web::get().to(template))
        .route("/unit/upload", web::post().to(upload))
        .route("/unit/evidence", web::post().to(attach_evidence))
        .route("/unit/rectifications", web::get().to(orders))
        .route("/unit/rectifications/{id}", web::get().to(order))
        .route("/unit/rectifications/{id}", web::post().to(answer));
}

/// The viewer's own unit.
async fn own_unit(state: &AppState, viewer: &Viewer) -> Result<UnitView, PageError> {
    require(&viewer.actor, &[Role::Unit])?;
    let actor = viewer.actor.clone();
    Ok(state.run(move |conn, _| roster::own(conn, &actor)).await?)
}

async fn overview(
    state: State,
    viewer: Viewer,
    flash: super::PageQuery<Flash>,
) -> Result<HttpResponse, PageError> {
    let data = overview_data(&state, &viewer).await?;
    Page::new("unit", "本单位", "/unit", data)
        .flash(flash.into_inner().flash)
        .render(&state, Some(&viewer))
}

async fn overview_data(state: &AppState, viewer: &Viewer) -> Result<UnitHome, PageError> {
    require(&viewer.actor, &[Role::Unit])?;
    let actor = viewer.actor.clone();
    Ok(state
        .run(move |conn, env| unit_home::home(conn, env, &actor))
        .await?)
}

/// 佐证材料 for an item of the year's self-check, from the unit's page.
async fn attach_evidence(
    state: State,
    viewer: Viewer,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let unit = own_unit(&state, &viewer).await?;
    let too_many = format!("一次最多上传 {MAX_FILES} 份佐证材料，请删减后重新提交");
    let rules = FormRules {
        csrf: Some(&viewer.csrf),
        max_files: Some(MAX_FILES),
        too_many: &too_many,
        ..FormRules::default()
    };
    // Held while the files are read and stored (the account's share of uploads).
    let mut guard = state.uploads.enter(&viewer.actor).await?;
    let read = read_checked(payload, &state.settings, &mut guard, &rules).await;
    let result = match read {
        Ok((files, fields)) => {
            let attachment = Attachment {
                unit_code: unit.code,
                year: fields.get("year").and_then(|y| y.parse().ok()).unwrap_or(0),
                item: fields.get("item").unwrap_or_default().to_string(),
                note: fields.get("note").unwrap_or_default().to_string(),
                files: files
                    .into_iter()
                    .map(|f| EvidenceFile {
                        file_name: f.name,
                        bytes: f.bytes,
                    })
                    .collect(),
            };
            let actor = viewer.actor.clone();
            state
                .run(move |conn, env| evidence::attach(conn, env, &actor, attachment))
                .await
        }
        Err(refused) => Err(refused.error),
    };
    match result {
        Ok(_) => Ok(see_other("/unit", Some(Done::EvidenceAttached))),
        Err(e) => {
            // The overview again, with what went wrong above it.
            let (message, status) = shown(e)?;
            let mut page = Page::new(
                "unit",
                "本单位",
                "/unit",
                overview_data(&state, &viewer).await?,
            );
            page.error = Some(message);
            page.status = status;
            page.render(&state, Some(&viewer))
        }
    }
}

#[derive(Deserialize)]
struct YearQuery {
    year: i32,
}

/// The year's self-check workbook, pre-filled with the unit.
async fn template(
    state: State,
    viewer: Viewer,
    query: super::PageQuery<YearQuery>,
) -> Result<HttpResponse, PageError> {
    require(&viewer.actor, &[Role::Unit])?;
    let actor = viewer.actor.clone();
    let year = query.year;
    let file = state
        .run(move |conn, env| templates::self_check(conn, env, &actor, None, None, Some(year)))
        .await?;
    Ok(crate::web::download(&file.file_name, file.bytes))
}

/// The result page of an upload: the score, or every problem with its cell.
#[derive(Serialize)]
struct UploadResult {
    file: String,
    outcome: Option<UploadOutcome>,
    lost: Vec<LostLine>,
    problems: Vec<crate::ingest::self_check::Problem>,
    message: Option<String>,
}

#[derive(Serialize)]
struct LostLine {
    code: String,
    title: String,
    full: String,
    earned: String,
}

impl UploadResult {
    fn refused(file: String, message: String) -> UploadResult {
        UploadResult {
            file,
            outcome: None,
            lost: Vec::new(),
            problems: Vec::new(),
            message: Some(message),
        }
    }

    /// The page of one file's outcome, with its status.
    fn of(outcome: FileOutcome) -> Result<(UploadResult, StatusCode), PageError> {
        let file = outcome.file;
        Ok(match outcome.result {
            Ok(Accepted { outcome, lost }) => {
                let lost = lost
                    .into_iter()
                    .map(|l| LostLine {
                        code: l.code,
                        title: l.title,
                        full: l.full.to_string(),
                        earned: l.earned.to_string(),
                    })
                    .collect();
                let body = UploadResult {
                    file,
                    outcome: Some(outcome),
                    lost,
                    problems: Vec::new(),
                    message: None,
                };
                (body, StatusCode::OK)
            }
            Err(ServiceError::Invalid(problems)) => {
                let body = UploadResult {
                    file,
                    outcome: None,
                    lost: Vec::new(),
                    problems,
                    message: None,
                };
                (body, StatusCode::UNPROCESSABLE_ENTITY)
            }
            Err(e) => {
                let (message, status) = shown(e.into())?;
                (UploadResult::refused(file, message), status)
            }
        })
    }
}

async fn upload(
    state: State,
    viewer: Viewer,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    own_unit(&state, &viewer).await?;
    let rules = FormRules {
        csrf: Some(&viewer.csrf),
        max_files: Some(1),
        too_many: "一次只能上传一份自查表",
        ..FormRules::default()
    };
    // Held while the files are read and used (the account's share of uploads).
    let mut guard = state.uploads.enter(&viewer.actor).await?;
    let read = read_checked(payload, &state.settings, &mut guard, &rules).await;
    let (body, status) = match read {
        Ok((files, _)) if files.is_empty() => {
            return Ok(see_other("/unit", Some(Done::NoFileChosen)));
        }
        Ok((files, _)) => {
            let outcomes = upload_files(&state, &viewer.actor, files, Options::default()).await;
            let first = outcomes.into_iter().next().ok_or_else(|| {
                PageError(ServiceError::Internal("a file was left unanswered".into()).into())
            })?;
            UploadResult::of(first)?
        }
        Err(refused) => {
            let (message, status) = shown(refused.error)?;
            (UploadResult::refused(String::new(), message), status)
        }
    };
    let mut page = Page::new("unit-upload", "上传结果", "/unit", body);
    page.status = status;
    page.render(&state, Some(&viewer))
}

#[derive(Deserialize)]
struct OrdersQuery {
    year: Option<i32>,
    flash: Option<String>,
}

/// Without a year: every order still to do; with one: all of its orders.
async fn orders(
    state: State,
    viewer: Viewer,
    query: super::PageQuery<OrdersQuery>,
) -> Result<HttpResponse, PageError> {
    require(&viewer.actor, &[Role::Unit])?;
    let query = query.into_inner();
    let (actor, year) = (viewer.actor.clone(), query.year);
    let data = state
        .run(move |conn, env| unit_home::orders(conn, env, &actor, year))
        .await?;
    Page::new("unit-orders", "整改事项", "/unit/rectifications", data)
        .flash(query.flash)
        .render(&state, Some(&viewer))
}

#[derive(Serialize)]
struct Order {
    detail: RectificationDetail,
    can_answer: bool,
    note: String,
}

async fn load_order(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> Result<RectificationDetail, PageError> {
    let actor = viewer.actor.clone();
    Ok(state
        .run(move |conn, env| rectifications::detail(conn, &actor, id, env.clock.today))
        .await?)
}

async fn order(
    state: State,
    viewer: Viewer,
    id: web::Path<i64>,
    flash: super::PageQuery<Flash>,
) -> Result<HttpResponse, PageError> {
    require(&viewer.actor, &[Role::Unit])?;
    let detail = load_order(&state, &viewer, id.into_inner()).await?;
    let can_answer = matches!(detail.item.state.as_str(), "open" | "returned");
    Page::new(
        "unit-order",
        "整改事项",
        "/unit/rectifications",
        Order {
            detail,
            can_answer,
            note: String::new(),
        },
    )
    .flash(flash.into_inner().flash)
    .render(&state, Some(&viewer))
}

/// Evidence files one answer may carry.
const MAX_EVIDENCE: usize = 10;

async fn answer(
    state: State,
    viewer: Viewer,
    id: web::Path<i64>,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    require(&viewer.actor, &[Role::Unit])?;
    let id = id.into_inner();
    let too_many = format!("一次最多上传 {MAX_EVIDENCE} 份佐证材料，请删减后重新提交");
    let rules = FormRules {
        csrf: Some(&viewer.csrf),
        max_files: Some(MAX_EVIDENCE),
        too_many: &too_many,
        ..FormRules::default()
    };
    // The form is checked while it is read: a forged one is refused before
    // any file is kept, and reading stops at the eleventh file.
    // Held while the files are read and used (the account's share of uploads).
    let mut guard = state.uploads.enter(&viewer.actor).await?;
    let (files, fields) = match read_checked(payload, &state.settings, &mut guard, &rules).await {
        Ok(read) => read,
        Err(refused) => {
            // Nothing was done; the page comes back with what was typed
            // (an expired form's note too).
            let note = refused.fields.get("note").unwrap_or_default().to_string();
            let (message, status) = shown(refused.error)?;
            return order_again(&state, &viewer, id, note, message, status).await;
        }
    };
    let note = fields.get("note").unwrap_or_default().to_string();
    let actor = viewer.actor.clone();
    let request = ActionRequest {
        action: "submit".into(),
        note: note.clone(),
        recheck_points: None,
    };
    let evidence: Vec<Evidence> = files
        .into_iter()
        .map(|f| Evidence {
            file_name: f.name,
            bytes: f.bytes,
        })
        .collect();
    let result = state
        .run(move |conn, env| rectifications::act(conn, env, &actor, id, &request, evidence))
        .await;
    match result {
        Ok(_) => Ok(see_other(
            &format!("/unit/rectifications/{id}"),
            Some(Done::AnswerSubmitted),
        )),
        Err(e) => {
            // Server faults become the error page; a refusal is shown above
            // the form, which keeps what was typed.
            let (message, status) = shown(e)?;
            order_again(&state, &viewer, id, note, message, status).await
        }
    }
}

/// The order's page again, the answer as typed and what went wrong (the
/// files must be chosen again: a browser never refills a file field).
async fn order_again(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    note: String,
    message: String,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let detail = load_order(state, viewer, id).await?;
    let can_answer = matches!(detail.item.state.as_str(), "open" | "returned");
    let message = if can_answer {
        format!("{message}（已填写的整改情况已保留，请重新选择佐证材料）")
    } else {
        message
    };
    Page::new(
        "unit-order",
        "整改事项",
        "/unit/rectifications",
        Order {
            detail,
            can_answer,
            note,
        },
    )
    .error(message, status)
    .render(state, Some(viewer))
}
