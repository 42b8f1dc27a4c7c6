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
    mut payload: Multipart,
    settings: &Settings,
    unpack_zips: bool,
) -> Result<(Vec<UploadedFile>, FormFields), ApiError> {
    let mut files = Vec::new();
    let mut fields = FormFields::default();
    while let Some(field) = payload.next().await {
        let mut field =
            field.map_err(|e| ApiError::BadRequest(format!("上传内容无法解析：{e}")))?;
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_string);
        if name != "file" {
            let mut value = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|e| ApiError::BadRequest(e.to_string()))?;
                if value.len() + chunk.len() > MAX_TEXT_FIELD {
                    return Err(ApiError::BadRequest(format!("表单字段 {name} 过长")));
                }
                value.extend_from_slice(&chunk);
            }
            fields
                .text
                .insert(name, String::from_utf8_lossy(&value).into_owned());
            continue;
        }
        let file_name = file_name.unwrap_or_default();
        let is_zip = file_name.to_lowercase().ends_with(".zip");
        let limit = if is_zip {
            settings.max_bulk_bytes
        } else {
            settings.max_upload_bytes
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("上传中断：{e}")))?;
            if bytes.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge(format!(
                    "文件“{file_name}”超过 {} MB 的上限",
                    mb(limit)
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        // A form field with no file chosen arrives as an empty part.
        if bytes.is_empty() && file_name.is_empty() {
            continue;
        }
        if unpack_zips && (is_zip || is_plain_zip(&bytes)) {
            files.extend(open_zip(&file_name, &bytes, settings)?);
        } else {
            files.push(UploadedFile {
                name: file_name,
                bytes,
            });
        }
    }
    Ok((files, fields))
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
