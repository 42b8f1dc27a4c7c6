use crate::web::tenant::State;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde::{Deserialize, Serialize};

use crate::service::assessments::AssessmentDetail;
use crate::service::first_checks::{self, FirstCheckRequest, FirstCheckView};
use crate::service::reviews::{self, ReviewRequest};
use crate::service::upload_batch::{self, FileOutcome, Incoming};
use crate::service::uploads::{self, SubmissionView, UploadOutcome};
use crate::service::{Actor, ServiceError};
use crate::web::auth::Auth;
use crate::web::error::ErrorBody;
use crate::web::openapi::Binary;
use crate::web::upload::{UploadedFile, read_files};
use crate::web::{ApiError, AppState, Settings};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UploadQuery {
    /// Score and check without storing anything.
    #[serde(default)]
    pub dry_run: bool,
}

/// One file's result.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum FileAnswer {
    Accepted {
        file: String,
        ok: bool,
        #[serde(flatten)]
        outcome: Box<UploadOutcome>,
    },
    Refused {
        file: String,
        ok: bool,
        /// The HTTP status this file alone would get.
        status: u16,
        /// Problems with sheet and cell (for an invalid workbook), or one message.
        #[schema(value_type = Vec<Object>)]
        errors: Vec<serde_json::Value>,
    },
}

/// The answer to an upload: for one file its result at the top level
/// (and in `files`); for several, how many were accepted and refused, and
/// a result per file in `files`. When every file was refused the answer is
/// an error (`error` and `details` added) with the status of the first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum UploadAnswer {
    One(OneFile),
    Several(SeveralFiles),
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OneFile {
    #[serde(flatten)]
    pub answer: FileAnswer,
    /// The same result, alone.
    pub files: Vec<FileAnswer>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SeveralFiles {
    pub accepted: usize,
    pub refused: usize,
    pub files: Vec<FileAnswer>,
}

/// The form of an upload.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // describes the multipart form `create` reads
pub struct UploadForm {
    /// One or more workbooks (.xlsx .xlsm .xls .ods), or .zip archives of them.
    #[schema(min_items = 1)]
    file: Vec<Binary>,
    /// `true`: as `?dry_run=true`.
    #[schema(nullable = false)]
    dry_run: Option<bool>,
}

impl FileAnswer {
    fn status(&self) -> StatusCode {
        match self {
            FileAnswer::Accepted { .. } => StatusCode::OK,
            FileAnswer::Refused { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY)
            }
        }
    }
}

/// A file's refusal as its answer. A server fault is logged here with the
/// file's name (the answer says only that the server failed: no internals).
fn refused(file: String, error: &ApiError) -> FileAnswer {
    if error.status_code().is_server_error() {
        tracing::error!(file = %file, error = %error, cause = ?error, "a file of an upload failed");
    }
    let errors = match error {
        ApiError::Service(ServiceError::Invalid(problems)) => problems
            .iter()
            .map(|p| serde_json::to_value(p).unwrap_or_default())
            .collect(),
        other => {
            vec![
                serde_json::json!({"sheet": null, "cell": null, "message": other.public_message()}),
            ]
        }
    };
    FileAnswer::Refused {
        file,
        ok: false,
        status: error.status_code().as_u16(),
        errors,
    }
}

/// The refusal of a body whose declared length is over the bulk limit,
/// before a byte of it is read.
pub(crate) fn over_bulk_limit(req: &HttpRequest, settings: &Settings) -> Option<String> {
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    declared
        .is_some_and(|n| n > settings.max_bulk_bytes + 64 * 1024)
        .then(|| {
            format!(
                "上传内容超过 {} MB 的上限",
                settings.max_bulk_bytes / (1024 * 1024)
            )
        })
}

/// An error of the web as the service's, for a file's answer.
fn as_service(e: ApiError) -> ServiceError {
    match e {
        ApiError::Service(e) => e,
        other => ServiceError::Internal(other.to_string()),
    }
}

/// The batch upload ([`upload_batch::upload`]) of files read from a form,
/// for the API and both upload pages: each file read and scored within the
/// parse slots (all at once, bounded by the slots), then all stored in the
/// order sent in one turn on a connection. When that turn itself fails (a
/// panic is a fault, 500; a pool that timed out is busy, 503) every file
/// gets that same answer.
pub(crate) async fn upload_files(
    state: &AppState,
    actor: &Actor,
    files: Vec<UploadedFile>,
    options: upload_batch::Options,
) -> Vec<FileOutcome> {
    let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
    // Read, scored and stored in one pipeline (upload_batch::upload_each):
    // while a group is written the next ones are read on every core. One
    // parse slot for the whole batch; its reading runs on the shared pool.
    let incoming: Vec<Incoming> = files.into_iter().map(UploadedFile::into_incoming).collect();
    let actor = actor.clone();
    let counted = !options.dry_run;
    let stored = state
        .run_parsing(move |conn, env| {
            Ok(upload_batch::upload(conn, env, &actor, incoming, options))
        })
        .await;
    if let Ok(outcomes) = &stored {
        for outcome in outcomes {
            if matches!(outcome.result, Err(ServiceError::Invalid(_))) {
                state.metrics.parse_failure();
            }
            if counted {
                state.metrics.upload(outcome.accepted());
            }
        }
    }
    stored.unwrap_or_else(|e| {
        let e = std::sync::Arc::new(as_service(e));
        names
            .into_iter()
            .map(|file| FileOutcome {
                file,
                result: Err(ServiceError::Shared(e.clone())),
            })
            .collect()
    })
}

/// One file's outcome as its answer.
fn file_answer(outcome: FileOutcome) -> FileAnswer {
    match outcome.result {
        Ok(accepted) => FileAnswer::Accepted {
            file: outcome.file,
            ok: true,
            outcome: Box::new(accepted.outcome),
        },
        Err(e) => refused(outcome.file, &ApiError::from(e)),
    }
}

/// The answer to an upload: see [`create`].
fn upload_answer(outcomes: Vec<FileOutcome>) -> HttpResponse {
    let answers: Vec<FileAnswer> = outcomes.into_iter().map(file_answer).collect();
    let all_refused = answers
        .iter()
        .all(|a| !matches!(a, FileAnswer::Accepted { .. }));
    let status = if all_refused {
        answers
            .first()
            .map_or(StatusCode::UNPROCESSABLE_ENTITY, FileAnswer::status)
    } else {
        StatusCode::OK
    };
    // Every file refused: the answer is an error too.
    let refusal = match answers.as_slice() {
        [FileAnswer::Refused { errors, .. }] => {
            let message = if status == StatusCode::UNPROCESSABLE_ENTITY {
                format!("自查表有误，共 {} 个问题", errors.len())
            } else {
                errors
                    .first()
                    .and_then(|e| e["message"].as_str())
                    .unwrap_or("上传被拒绝")
                    .to_string()
            };
            Some((message, errors.clone()))
        }
        _ if all_refused => Some((format!("{} 个文件均未被接受", answers.len()), Vec::new())),
        _ => None,
    };
    let answer = if answers.len() == 1 {
        // The single file's object at the top level, as the contract's element.
        UploadAnswer::One(OneFile {
            answer: answers[0].clone(),
            files: answers,
        })
    } else {
        let accepted = answers
            .iter()
            .filter(|a| matches!(a, FileAnswer::Accepted { .. }))
            .count();
        UploadAnswer::Several(SeveralFiles {
            accepted,
            refused: answers.len() - accepted,
            files: answers,
        })
    };
    let mut body = serde_json::to_value(&answer).unwrap_or_default();
    if let (Some((message, details)), Some(map)) = (refusal, body.as_object_mut()) {
        map.insert("error".into(), message.into());
        map.insert("details".into(), details.into());
    }
    HttpResponse::build(status).json(body)
}

/// Uploads self-check workbooks (form field `file`, one or more; a `.zip`
/// of workbooks counts as its workbooks). One file: its result at the top
/// level (and in `files`), 422 with its problems when invalid. Several: a
/// result per file in `files`; 200 unless every file was refused.
#[utoipa::path(post, path = "/api/v1/submissions", tag = "submissions", security(("bearer" = [])),
    params(UploadQuery),
    request_body(content = UploadForm, content_type = "multipart/form-data", description = "field `file`: .xlsx .xlsm .xls .ods or .zip"),
    responses(
        (status = 200, description = "Per file: the `nianjian score --json` element plus submission_id; one file at the top level, several with their counts", body = UploadAnswer),
        (status = 400, description = "No file, a form that cannot be read, or (every file refused) the first file's refusal", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The campaign is closed, not open, or uses another checklist", body = ErrorBody),
        (status = 413, description = "A file over the size limit", body = ErrorBody),
        (status = 422, description = "An invalid workbook: its problems in details. When every file was refused, the answer also holds the file's result (or `accepted`, `refused`) and `files`", body = ErrorBody)))]
pub async fn create(
    state: State,
    Auth(actor): Auth,
    req: HttpRequest,
    query: crate::web::extract::Query<UploadQuery>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    if actor.role == crate::service::Role::Leader {
        return Err(ServiceError::Forbidden("领导账号只能查看，不能上传".into()).into());
    }
    if let Some(message) = over_bulk_limit(&req, &state.settings) {
        return Err(ApiError::PayloadTooLarge(message));
    }
    // Held until the answer is built: the files stay in memory that long.
    let mut guard = state.uploads.enter(&actor).await?;
    let (files, fields) = read_files(payload, &state.settings, &mut guard).await?;
    fields.only(&["dry_run"])?;
    let dry_run = query.dry_run || fields.flag("dry_run");
    let outcomes = upload_files(&state, &actor, files, upload_batch::Options { dry_run }).await;
    Ok(upload_answer(outcomes))
}

/// A stored submission.
#[utoipa::path(get, path = "/api/v1/submissions/{id}", tag = "submissions", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = SubmissionView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    state: State,
    Auth(actor): Auth,
    id: web::Path<i64>,
) -> Result<web::Json<SubmissionView>, ApiError> {
    let id = id.into_inner();
    Ok(web::Json(
        state
            .run(move |conn, env| uploads::submission(conn, env, &actor, id))
            .await?,
    ))
}

/// The uploaded file, byte for byte.
#[utoipa::path(get, path = "/api/v1/submissions/{id}/file", tag = "submissions", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, description = "The workbook, with its content type by its name's extension", content((Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (Binary = "application/vnd.ms-excel.sheet.macroEnabled.12"),
        (Binary = "application/vnd.ms-excel"), (Binary = "application/vnd.oasis.opendocument.spreadsheet"), (Binary = "application/octet-stream"))),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn file(
    state: State,
    Auth(actor): Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (name, bytes) = state
        .run(move |conn, _| uploads::submission_file(conn, &actor, id))
        .await?;
    Ok(crate::web::download(&name, bytes))
}

/// Reviews a submission on site: overrides item scores or corrects facts,
/// each with a reason; answers the recomputed assessment.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/reviews", tag = "submissions", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ReviewRequest,
    responses((status = 200, body = AssessmentDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "The submission was superseded", body = ErrorBody)))]
pub async fn review(
    state: State,
    Auth(actor): Auth,
    id: web::Path<i64>,
    request: crate::web::extract::Json<ReviewRequest>,
) -> Result<web::Json<AssessmentDetail>, ApiError> {
    let id = id.into_inner();
    let request = request.into_inner();
    Ok(web::Json(
        state
            .run(move |conn, env| reviews::review(conn, env, &actor, id, &request))
            .await?,
    ))
}

/// 初审: the street officer of the submission's unit accepts it, or sends
/// it back with notes (overall and per item), before the bureau reviews.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/first-check", tag = "submissions", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = FirstCheckRequest,
    responses((status = 200, body = FirstCheckView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The submission was superseded or already reviewed", body = ErrorBody)))]
pub async fn first_check(
    state: State,
    Auth(actor): Auth,
    id: web::Path<i64>,
    request: crate::web::extract::Json<FirstCheckRequest>,
) -> Result<web::Json<FirstCheckView>, ApiError> {
    let (id, request) = (id.into_inner(), request.into_inner());
    Ok(web::Json(
        state
            .run(move |conn, env| first_checks::record(conn, env, &actor, id, &request))
            .await?,
    ))
}
