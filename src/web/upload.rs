//! Reading uploaded files from a multipart body: each `file` field within
//! its size limit (refused as soon as it passes the limit, without reading
//! the rest), and zip archives of workbooks opened into their workbooks.

use std::io::{Cursor, Read};

use actix_multipart::Multipart;
use futures_util::StreamExt;

use super::{ApiError, Settings};

/// One uploaded file: its name as the client gave it, and its bytes.
pub struct UploadedFile {
    pub name: String,
    pub bytes: Vec<u8>,
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
) -> Result<(Vec<UploadedFile>, FormFields), ApiError> {
    let (files, fields) = read_form(payload, settings, true).await?;
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
    unpack_zips: bool,
) -> Result<(Vec<UploadedFile>, FormFields), ApiError> {
    read_checked(
        payload,
        settings,
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
    rules: &FormRules<'_>,
) -> Result<(Vec<UploadedFile>, FormFields), FormRefused> {
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
        if rules.unpack_zips && (is_zip || is_plain_zip(&bytes)) {
            match open_zip(&file_name, &bytes, settings) {
                Ok(inside) => files.extend(inside),
                Err(error) => {
                    drop(field);
                    drain(None, &mut payload, drain_limit(settings)).await;
                    return Err(FormRefused { error, fields });
                }
            }
        } else {
            files.push(UploadedFile {
                name: file_name,
                bytes,
            });
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

/// A zip that is an archive of files, not itself a workbook (xlsx and ods are zips too).
fn is_plain_zip(bytes: &[u8]) -> bool {
    if !bytes.starts_with(b"PK\x03\x04") {
        return false;
    }
    let Ok(archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return false;
    };
    let names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.into_owned())
        .collect();
    !names
        .iter()
        .any(|n| n == "[Content_Types].xml" || n == "mimetype" || n.starts_with("xl/"))
}

const WORKBOOK_EXTENSIONS: [&str; 4] = [".xlsx", ".xlsm", ".xls", ".ods"];
/// Entries in one bulk archive.
const MAX_ENTRIES: usize = 5000;

/// A name from a zip entry: UTF-8, else GBK (archives made on Chinese Windows).
fn entry_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(name) => name.to_string(),
        Err(_) => encoding_rs::GBK.decode(raw).0.into_owned(),
    }
}

/// The workbooks inside a zip archive, within the bulk limits.
pub fn open_zip(
    archive_name: &str,
    bytes: &[u8],
    settings: &Settings,
) -> Result<Vec<UploadedFile>, ApiError> {
    let bad = |why: String| ApiError::BadRequest(format!("压缩包“{archive_name}”{why}"));
    if !is_plain_zip(bytes) {
        return Err(bad("不是有效的 zip 文件".into()));
    }
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(format!("无法打开：{e}")))?;
    if archive.len() > MAX_ENTRIES {
        return Err(bad(format!("包含的文件超过 {MAX_ENTRIES} 个")));
    }
    let mut files = Vec::new();
    let mut total = 0u64;
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|e| bad(format!("已损坏：{e}")))?;
        let name = entry_name(entry.name_raw());
        let lower = name.to_lowercase();
        let base = lower.rsplit('/').next().unwrap_or(&lower);
        if entry.is_dir()
            || lower.starts_with("__macosx/")
            || base.starts_with('.')
            || base.starts_with("~$")
            || !WORKBOOK_EXTENSIONS.iter().any(|x| lower.ends_with(x))
        {
            continue;
        }
        let size = entry.size();
        if size > settings.max_upload_bytes as u64 {
            return Err(ApiError::PayloadTooLarge(format!(
                "压缩包中的“{name}”超过 {} MB 的上限",
                mb(settings.max_upload_bytes)
            )));
        }
        total += size;
        if total > settings.max_bulk_bytes as u64 * 2 {
            return Err(ApiError::PayloadTooLarge(format!(
                "压缩包“{archive_name}”解压后过大"
            )));
        }
        let mut content = Vec::with_capacity(size as usize);
        // zip enforces the declared size while reading, so this is bounded.
        entry
            .by_ref()
            .take(settings.max_upload_bytes as u64 + 1)
            .read_to_end(&mut content)
            .map_err(|e| bad(format!("中的“{name}”无法解压：{e}")))?;
        files.push(UploadedFile {
            name,
            bytes: content,
        });
    }
    if files.is_empty() {
        return Err(bad("中没有工作簿（.xlsx .xlsm .xls .ods）".into()));
    }
    Ok(files)
}
