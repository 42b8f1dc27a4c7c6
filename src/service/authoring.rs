//! The authoring workbook (考核细则编制表) as a use case: a checklist out as
//! a workbook bureau staff edit in Excel or WPS, and such a workbook back in
//! as a new checklist file, validated, never over an existing version.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::domain::Checklist;
use crate::domain::checklist::RawChecklist;
use crate::ingest::authoring::{Authored, AuthoringProblem, read_authoring};
use crate::ingest::checklists::Catalog;
use crate::ingest::self_check::Problem;
use crate::ingest::workbook::Limits;
use crate::reports::authoring::{file_name, write_authoring};

use super::{Download, ServiceError, ServiceResult};

/// The authoring workbook of checklist `reference` (`id@version`). An
/// unknown checklist is [`ServiceError::NotFound`], listing the known ones.
pub fn export(catalog: &Catalog, reference: &str) -> ServiceResult<Download> {
    let loaded = catalog.loaded(reference).ok_or_else(|| {
        ServiceError::NotFound(format!(
            "未知的考核细则 {reference}；可用的有：{}",
            catalog.references().join("、")
        ))
    })?;
    // The file as written, not the validated model: defaults left out stay
    // left out in the workbook and in the file it comes back as.
    let raw: RawChecklist = toml::from_str(&loaded.source)
        .map_err(|e| ServiceError::Internal(format!("考核细则 {reference} 无法重新读取：{e}")))?;
    Ok(Download {
        file_name: file_name(&raw),
        bytes: write_authoring(&raw)?,
    })
}

/// What an import wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    /// `id@version`.
    pub reference: String,
    pub title: String,
    /// `<out_dir>/<id>/<version>.toml`.
    pub file: PathBuf,
}

/// Reads the authoring workbook at `path` and writes the checklist to
/// `out_dir/<id>/<version>.toml`. Every problem of the workbook comes back
/// at once as [`ServiceError::Invalid`] and nothing is written; an existing
/// version is never overwritten ([`ServiceError::Conflict`]).
pub fn import(path: &Path, out_dir: &Path) -> ServiceResult<Imported> {
    let authored = read_file(path)?;
    let raw = &authored.raw;
    let file = out_dir.join(&raw.id).join(format!("{}.toml", raw.version));
    let exists = || {
        ServiceError::Conflict(format!(
            "{} 已存在，不会覆盖：考核细则 {}@{} 已有此版本；请在“基本信息”中改用新的版本号",
            file.display(),
            raw.id,
            raw.version
        ))
    };
    if file.exists() {
        return Err(exists());
    }
    std::fs::create_dir_all(out_dir.join(&raw.id))?;
    // create_new: a file that appeared since the check is not overwritten either.
    let mut out = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&file)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(exists()),
        Err(e) => return Err(e.into()),
    };
    out.write_all(authored.toml.as_bytes())?;
    Ok(Imported {
        reference: authored.loaded.checklist.reference(),
        title: authored.loaded.checklist.title.clone(),
        file,
    })
}

/// The checklist an authoring workbook describes, checked but written
/// nowhere: a draft to preview (`rescore --checklist FILE.xlsx`).
pub fn draft(path: &Path) -> ServiceResult<Checklist> {
    Ok(Arc::unwrap_or_clone(read_file(path)?.loaded.checklist))
}

fn read_file(path: &Path) -> ServiceResult<Authored> {
    let limits = Limits::default();
    let bytes = read_within(path, limits.max_file_bytes)?;
    read_authoring(&path.display().to_string(), &bytes, &limits).map_err(|found| {
        ServiceError::Invalid(
            found
                .into_iter()
                .map(AuthoringProblem::into_problem)
                .collect(),
        )
    })
}

/// The file's bytes, refusing one over `limit` without reading it all.
fn read_within(path: &Path, limit: usize) -> ServiceResult<Vec<u8>> {
    crate::ingest::read_file_within(path, limit).map_err(|message| {
        ServiceError::Invalid(vec![Problem {
            sheet: None,
            cell: None,
            message: format!("{}：{message}", path.display()),
        }])
    })
}
