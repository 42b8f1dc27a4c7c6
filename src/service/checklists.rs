//! Checklist versions in the database: each version used is stored with
//! its text and fingerprint, and may never change afterwards.

use std::sync::Arc;

use crate::domain::Checklist;
use crate::ingest::checklists::{Catalog, parse_file};
use crate::store::{DbConn, queries, write};

use super::{Clock, ServiceError, ServiceResult};

/// Records every catalog checklist in the database. A version whose content
/// changed after an assessment used it is refused: published versions are
/// immutable and a change must be a new version file.
pub fn sync(conn: &mut DbConn, catalog: &Catalog, clock: Clock) -> ServiceResult<()> {
    write(conn, |conn| {
        let mut refused = Vec::new();
        for loaded in catalog.iter() {
            let reference = loaded.checklist.reference();
            match queries::checklists::find(conn, &reference)? {
                None => queries::checklists::insert(
                    conn,
                    &reference,
                    &loaded.checklist.title,
                    &loaded.fingerprint,
                    &loaded.source,
                    clock.now,
                )?,
                Some(row) if row.fingerprint == loaded.fingerprint => {}
                Some(_) => {
                    let used = queries::checklists::times_used(conn, &reference)?;
                    if used > 0 {
                        refused.push(format!(
                            "{}：考核细则 {reference} 已被 {used} 份考核结果使用，内容不能再修改；\
                             请恢复原文件，并把修改写成新版本（新建 {}/<新版本>.toml）",
                            loaded.file, loaded.checklist.id
                        ));
                    } else {
                        queries::checklists::update(
                            conn,
                            &reference,
                            &loaded.checklist.title,
                            &loaded.fingerprint,
                            &loaded.source,
                            clock.now,
                        )?;
                    }
                }
            }
        }
        if refused.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::Conflict(refused.join("\n")))
        }
    })
}

/// A checklist by `id@version`: from the catalog, else as stored when it was
/// used (so past results stay readable after a file is removed).
pub fn get(conn: &mut DbConn, catalog: &Catalog, reference: &str) -> ServiceResult<Arc<Checklist>> {
    if let Some(c) = catalog.get(reference) {
        return Ok(c.clone());
    }
    let row = queries::checklists::find(conn, reference)?
        .ok_or_else(|| ServiceError::NotFound(format!("未知的考核细则 {reference}")))?;
    let (id, version) = reference.split_once('@').unwrap_or((reference, ""));
    let loaded = parse_file(&format!("{id}/{version}.toml"), &row.source).map_err(|problems| {
        ServiceError::Internal(format!(
            "已存储的考核细则 {reference} 无法解析：{}",
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ))
    })?;
    Ok(loaded.checklist)
}
