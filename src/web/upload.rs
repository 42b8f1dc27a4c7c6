//! Reading uploaded files from a multipart body: each `file` field within
//! its size limit (refused as soon as it passes the limit, without reading
//! the rest), and zip archives of workbooks opened into their workbooks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_multipart::Multipart;
use futures_util::StreamExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{ApiError, Settings};

/// One uploaded file: its name as the client gave it, and its bytes.
pub struct UploadedFile {
    pub name: String,
    pub bytes: Vec<u8>,
    /// An entry of an archive refused unread (see `ingest::archive`): why,
    /// and the archive's hash. `bytes` then holds the archive for its
    /// first refused entry, nothing for the others.
    pub refused: Option<RefusedEntry>,
}

pub struct RefusedEntry {
    pub archive: String,
    pub entry: String,
    pub message: String,
    pub archive_digest: String,
}

impl UploadedFile {
    fn plain(name: String, bytes: Vec<u8>) -> UploadedFile {
        UploadedFile {
            name,
            bytes,
            refused: None,
        }
    }

    /// The file as a prepared upload: read and scored (the costly part), or
    /// already refused.
    /// The file as the batch use case takes it: read there, in its
    /// pipeline, unless it was refused unread.
    pub fn into_incoming(self) -> crate::service::upload_batch::Incoming {
        use crate::service::upload_batch::Incoming;
        match self.refused {
            Some(r) => Incoming::Prepared(Box::new(crate::service::batch::refused_entry(
                &r.archive,
                &r.entry,
                r.message,
                &r.archive_digest,
                self.bytes,
            ))),
            None => Incoming::File {
                name: self.name,
                bytes: self.bytes,
            },
        }
    }

    pub fn prepare(self, env: crate::service::Env<'_>) -> crate::service::uploads::Prepared {
        match self.refused {
            Some(r) => crate::service::batch::refused_entry(
                &r.archive,
                &r.entry,
                r.message,
                &r.archive_digest,
                self.bytes,
            ),
            None => crate::service::uploads::prepare(env, &self.name, self.bytes),
        }
    }
}

/// Uploads in flight: their bytes (bodies and what archives unpack to)
/// held against one budget for the whole server, and at most a few
/// requests per account at once (more wait their turn, and are answered
/// 429 after [`ACCOUNT_WAIT`]). Twenty hostile uploads at once then cost at
/// most the budget, never the machine; a script that sends its files in
/// parallel is served in turn.
pub struct UploadGate {
    /// Permits in KiB.
    budget: Arc<Semaphore>,
    per_account: Mutex<HashMap<i64, Arc<Semaphore>>>,
    max_per_account: usize,
}

/// How long an upload waits for its account's turn before a 429.
pub const ACCOUNT_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

impl UploadGate {
    pub fn new(settings: &Settings) -> UploadGate {
        let kib = (settings.upload_memory_budget / 1024).clamp(1, Semaphore::MAX_PERMITS);
        UploadGate {
            budget: Arc::new(Semaphore::new(kib)),
            per_account: Mutex::new(HashMap::new()),
            max_per_account: settings.uploads_per_account.max(1),
        }
    }

    /// Enters an upload for `actor`, waiting while the account already has
    /// its share of uploads running; 429 when the wait is too long.
    pub async fn enter(
        self: &Arc<Self>,
        actor: &crate::service::Actor,
    ) -> Result<UploadGuard, ApiError> {
        let account = actor.user_id.unwrap_or(-1);
        let turns = {
            let mut map = self.per_account.lock().unwrap_or_else(|e| e.into_inner());
            map.entry(account)
                .or_insert_with(|| Arc::new(Semaphore::new(self.max_per_account)))
                .clone()
        };
        let turn = tokio::time::timeout(ACCOUNT_WAIT, turns.acquire_owned())
            .await
            .map_err(|_| {
                ApiError::TooManyRequests(format!(
                    "本账号已有 {} 个上传正在处理，请等其完成后再上传",
                    self.max_per_account
                ))
            })?
            .map_err(|_| ApiError::Busy)?;
        Ok(UploadGuard {
            gate: self.clone(),
            account,
            turn: Some(turn),
            held: None,
            charged: 0,
        })
    }
}

/// One upload's share of the [`UploadGate`]; released when dropped.
pub struct UploadGuard {
    gate: Arc<UploadGate>,
    account: i64,
    turn: Option<OwnedSemaphorePermit>,
    held: Option<OwnedSemaphorePermit>,
    charged: usize,
}

impl UploadGuard {
    /// Counts `bytes` more bytes held by this upload; 503 when the server's
    /// upload budget is spent (the client may try again shortly).
    pub fn charge(&mut self, bytes: usize) -> Result<(), ApiError> {
        let before = self.charged.div_ceil(1024);
        self.charged = self.charged.saturating_add(bytes);
        let more = self.charged.div_ceil(1024) - before;
        if more == 0 {
            return Ok(());
        }
        let more = u32::try_from(more).map_err(|_| ApiError::Busy)?;
        let permit = self
            .gate
            .budget
            .clone()
            .try_acquire_many_owned(more)
            .map_err(|_| ApiError::Busy)?;
        match &mut self.held {
            Some(held) => held.merge(permit),
            None => self.held = Some(permit),
        }
        Ok(())
    }

    /// Bytes the server's budget still has room for.
    fn room(&self) -> u64 {
        self.gate.budget.available_permits() as u64 * 1024
    }
}

impl Drop for UploadGuard {
    fn drop(&mut self) {
        drop(self.turn.take());
        // Forget an account's turns once nobody holds or waits for them.
        let mut map = self
            .gate
            .per_account
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if map
            .get(&self.account)
            .is_some_and(|t| Arc::strong_count(t) == 1)
        {
            map.remove(&self.account);
        }
    }
}

/// The text fields a form carried alongside its files.
#[derive(Default)]
pub struct FormFields {
    pub text: std::collections::BTreeMap<String, String>,
}

impl FormFields {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.text.get(name).map(|s| s.trim())
    }

    pub fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), Some("true" | "1" | "yes" | "on"))
    }

    /// Refuses a text field not in `known`: an API form names its fields,
    /// as a JSON body does.
    pub fn only(&self, known: &[&str]) -> Result<(), ApiError> {
        match self.text.keys().find(|k| !known.contains(&k.as_str())) {
            Some(name) => Err(ApiError::BadRequest(format!(
                "未知的表单字段 {}",
                name.chars().take(60).collect::<String>()
            ))),
            None => Ok(()),
        }
    }
}

/// Text fields are short; a longer one is refused.
const MAX_TEXT_FIELD: usize = 64 * 1024;

fn mb(bytes: usize) -> usize {
    bytes / (1024 * 1024)
}

/// Reads every `file` field (at least one); `.zip` archives may be as large
/// as a bulk upload and are opened into their workbooks.
pub async fn read_files(
    payload: Multipart,
    settings: &Settings,
    guard: &mut UploadGuard,
) -> Result<(Vec<UploadedFile>, FormFields), ApiError> {
    let (files, fields) = read_form(payload, settings, guard, true).await?;
    if files.is_empty() {
        return Err(ApiError::BadRequest(
            "没有收到文件：请用表单字段 file 上传".into(),
        ));
    }
    Ok((files, fields))
}

/// Reads a form's files (possibly none) and text fields; `unpack_zips`
/// opens archives of workbooks into their workbooks.
pub async fn read_form(
    payload: Multipart,
    settings: &Settings,
    guard: &mut UploadGuard,
    unpack_zips: bool,
) -> Result<(Vec<UploadedFile>, FormFields), ApiError> {
    read_checked(
        payload,
        settings,
        guard,
        &FormRules {
            unpack_zips,
            ..FormRules::default()
        },
    )
    .await
    .map_err(|refused| refused.error)
}

/// What a page's form must respect, checked while it is read.
#[derive(Default)]
pub struct FormRules<'a> {
    /// Open archives of workbooks into their workbooks.
    pub unpack_zips: bool,
    /// The session's CSRF token: the `csrf` field must come before any file
    /// (it does in every page's form) and match, else the form is refused
    /// before a byte of a file is kept.
    pub csrf: Option<&'a str>,
    /// At most this many files: the first one over is refused unread.
    pub max_files: Option<usize>,
    /// What to say when there are more files than that.
    pub too_many: &'a str,
}

/// A form refused while it was read, with the text fields read until then
/// (a page shows the form again with what was typed).
pub struct FormRefused {
    pub error: ApiError,
    pub fields: FormFields,
}

/// After a refusal the rest of the body is read and dropped (up to this
/// much), so that the browser, still sending, gets the answer instead of a
/// reset connection. Nothing of it is kept.
fn drain_limit(settings: &Settings) -> usize {
    settings.max_bulk_bytes.max(settings.max_upload_bytes)
}

/// Reads the rest of a field (one not read to its end: a finished field must
/// not be polled again) and of the body without keeping it. The field is
/// dropped before the body is read on (multipart waits until it is).
async fn drain(field: Option<actix_multipart::Field>, payload: &mut Multipart, mut budget: usize) {
    let mut spend = |n: usize| {
        budget = budget.saturating_sub(n);
        budget > 0
    };
    if let Some(mut field) = field {
        while let Some(Ok(chunk)) = field.next().await {
            if !spend(chunk.len()) {
                return;
            }
        }
    }
    while let Some(Ok(mut field)) = payload.next().await {
        while let Some(Ok(chunk)) = field.next().await {
            if !spend(chunk.len()) {
                return;
            }
        }
    }
}

/// Reads a form under `rules`: its files and text fields, or why it was
/// refused with the text fields read so far.
pub async fn read_checked(
    mut payload: Multipart,
    settings: &Settings,
    guard: &mut UploadGuard,
    rules: &FormRules<'_>,
) -> Result<(Vec<UploadedFile>, FormFields), FormRefused> {
    // What archives of this request may still unpack to.
    let mut unpack_budget = settings.max_bulk_bytes as u64;
    let mut files = Vec::new();
    let mut fields = FormFields::default();
    let mut csrf_seen = false;
    // Why the form is refused, once it is; and what was read and dropped since.
    let mut refusal: Option<ApiError> = None;
    let mut discarded = 0usize;
    // All files of one form together: a chunked body declares no length,
    // so the bulk cap is enforced here too, while reading.
    let mut received = 0usize;
    let forged = || {
        ApiError::Service(crate::service::ServiceError::Forbidden(
            "表单已过期，请刷新页面后重试".into(),
        ))
    };
    while let Some(field) = payload.next().await {
        let mut field = match field {
            Ok(f) => f,
            Err(e) => {
                return Err(FormRefused {
                    error: ApiError::BadRequest(format!("上传内容无法解析：{e}")),
                    fields,
                });
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_string);
        if name != "file" {
            let mut value = Vec::new();
            let mut failure = None;
            while let Some(chunk) = field.next().await {
                match chunk {
                    Ok(chunk) if value.len() + chunk.len() > MAX_TEXT_FIELD => {
                        failure =
                            Some((ApiError::BadRequest(format!("表单字段 {name} 过长")), true));
                        break;
                    }
                    Ok(chunk) => value.extend_from_slice(&chunk),
                    Err(e) => {
                        failure = Some((ApiError::BadRequest(e.to_string()), false));
                        break;
                    }
                }
            }
            if let Some((error, readable)) = failure {
                // A broken body is not read on.
                if readable {
                    drain(Some(field), &mut payload, drain_limit(settings)).await;
                }
                return Err(FormRefused { error, fields });
            }
            let value = String::from_utf8_lossy(&value).into_owned();
            if let Err(error) = crate::web::extract::check_text(&format!("表单字段 {name}"), &value)
                .and_then(|()| crate::web::extract::check_text("表单字段名", &name))
            {
                // Dropped first: the body is not read on while it lives.
                drop(field);
                drain(None, &mut payload, drain_limit(settings)).await;
                return Err(FormRefused { error, fields });
            }
            if name == "csrf"
                && let Some(expected) = rules.csrf
            {
                if crate::web::pages::session::same(value.trim(), expected) {
                    csrf_seen = true;
                } else {
                    // Refused; the text fields are still read (to show the
                    // form again as typed), the files are not kept.
                    refusal.get_or_insert_with(forged);
                }
                continue;
            }
            fields.text.insert(name, value);
            continue;
        }
        let file_name = file_name.unwrap_or_default();
        if let Err(error) = crate::web::extract::check_text("文件名", &file_name) {
            drop(field);
            drain(None, &mut payload, drain_limit(settings)).await;
            return Err(FormRefused { error, fields });
        }
        let chosen = !file_name.is_empty();
        if rules.csrf.is_some() && !csrf_seen {
            refusal.get_or_insert_with(forged);
        } else if chosen && rules.max_files.is_some_and(|max| files.len() >= max) {
            refusal.get_or_insert_with(|| ApiError::BadRequest(rules.too_many.to_string()));
        }
        if refusal.is_some() {
            // Read and dropped, never kept; a body too long is not read to its end.
            while let Some(chunk) = field.next().await {
                let Ok(chunk) = chunk else {
                    break;
                };
                discarded += chunk.len();
                if discarded > drain_limit(settings) {
                    break;
                }
            }
            if discarded > drain_limit(settings) {
                break;
            }
            continue;
        }
        let is_zip = file_name.to_lowercase().ends_with(".zip");
        let limit = if is_zip {
            settings.max_bulk_bytes
        } else {
            settings.max_upload_bytes
        };
        let mut bytes = Vec::new();
        let mut failure = None;
        while let Some(chunk) = field.next().await {
            match chunk {
                Ok(chunk) if bytes.len() + chunk.len() > limit => {
                    let error = ApiError::PayloadTooLarge(format!(
                        "文件“{file_name}”超过 {} MB 的上限",
                        mb(limit)
                    ));
                    failure = Some((error, true));
                    break;
                }
                Ok(chunk) if received + chunk.len() > settings.max_bulk_bytes => {
                    let error = ApiError::PayloadTooLarge(format!(
                        "一次上传的文件合计超过 {} MB 的上限，请分批上传",
                        mb(settings.max_bulk_bytes)
                    ));
                    failure = Some((error, true));
                    break;
                }
                Ok(chunk) => {
                    if let Err(error) = guard.charge(chunk.len()) {
                        failure = Some((error, false));
                        break;
                    }
                    received += chunk.len();
                    bytes.extend_from_slice(&chunk);
                }
                Err(e) => {
                    failure = Some((ApiError::BadRequest(format!("上传中断：{e}")), false));
                    break;
                }
            }
        }
        if let Some((error, readable)) = failure {
            drop(bytes);
            if readable {
                drain(Some(field), &mut payload, drain_limit(settings)).await;
            }
            return Err(FormRefused { error, fields });
        }
        // A form field with no file chosen arrives as an empty part.
        if bytes.is_empty() && !chosen {
            continue;
        }
        if rules.unpack_zips && (is_zip || crate::service::batch::is_archive(&bytes)) {
            match unpack(&file_name, bytes, settings, guard, &mut unpack_budget) {
                Ok(inside) => files.extend(inside),
                Err(error) => {
                    drop(field);
                    drain(None, &mut payload, drain_limit(settings)).await;
                    return Err(FormRefused { error, fields });
                }
            }
        } else {
            files.push(UploadedFile::plain(file_name, bytes));
        }
    }
    if rules.csrf.is_some() && !csrf_seen {
        refusal.get_or_insert_with(forged);
    }
    match refusal {
        Some(error) => Err(FormRefused { error, fields }),
        None => Ok((files, fields)),
    }
}

/// The workbooks inside an archive, within the bulk limits: entries that
/// cannot be workbooks are refused unread (see `ingest::archive`), and the
/// archive is kept once with its first refused entry.
fn unpack(
    archive_name: &str,
    archive: Vec<u8>,
    settings: &Settings,
    guard: &mut UploadGuard,
    budget: &mut u64,
) -> Result<Vec<UploadedFile>, ApiError> {
    use crate::service::batch::{self, ArchiveError, ArchiveLimits, Entry};
    let limits = ArchiveLimits {
        max_entry_bytes: settings.max_upload_bytes as u64,
        max_total_bytes: settings.max_bulk_bytes as u64,
        ..ArchiveLimits::default()
    };
    // Never unpack more than the server's upload budget has room for.
    let mut allowed = (*budget).min(guard.room());
    let entries = batch::unpack(archive_name, &archive, &limits, &mut allowed).map_err(|e| {
        let message = e.to_string();
        match e {
            ArchiveError::TooLarge { .. } => ApiError::PayloadTooLarge(message),
            _ => ApiError::BadRequest(message),
        }
    })?;
    let unpacked: u64 = entries
        .iter()
        .map(|e| match e {
            Entry::Workbook { bytes, .. } => bytes.len() as u64,
            Entry::Refused { .. } => 0,
        })
        .sum();
    *budget = budget.saturating_sub(unpacked);
    guard.charge(unpacked as usize)?;
    let digest = if entries.iter().any(|e| matches!(e, Entry::Refused { .. })) {
        batch::digest(&archive)
    } else {
        String::new()
    };
    let mut archive = Some(archive);
    Ok(entries
        .into_iter()
        .map(|e| match e {
            Entry::Workbook { name, bytes } => UploadedFile::plain(name, bytes),
            Entry::Refused { name, message } => UploadedFile {
                name: format!("{archive_name}/{name}"),
                bytes: archive.take().unwrap_or_default(),
                refused: Some(RefusedEntry {
                    archive: archive_name.to_string(),
                    entry: name,
                    message,
                    archive_digest: digest.clone(),
                }),
            },
        })
        .collect())
}
