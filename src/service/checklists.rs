//! Checklist versions in the database: every version is stored with its
//! text and fingerprint; once published (by an admin, or adopted by a
//! campaign) or used by an assessment it may never change afterwards.

use std::sync::Arc;

use crate::domain::Checklist;
use crate::domain::data_version::Scope;
use crate::ingest::checklists::{Catalog, parse_file};
use crate::store::{DbConn, queries, write};

use super::{Clock, ServiceError, ServiceResult};

/// Records every catalog checklist in the database. A version whose content
/// changed after an assessment used it is refused: published versions are
/// immutable and a change must be a new version file.
pub fn sync(conn: &mut DbConn, catalog: &Catalog, clock: Clock) -> ServiceResult<()> {
    write(conn, |conn| {
        let mut refused = Vec::new();
        let mut changed = false;
        for loaded in catalog.iter() {
            let reference = loaded.checklist.reference();
            match queries::checklists::find(conn, &reference)? {
                None => {
                    changed = true;
                    queries::checklists::insert(
                        conn,
                        &reference,
                        &loaded.checklist.title,
                        &loaded.fingerprint,
                        &loaded.source,
                        clock.now,
                    )?;
                }
                Some(row) if row.fingerprint == loaded.fingerprint => {}
                Some(row) => {
                    let used = queries::checklists::times_used(conn, &reference)?;
                    if row.published_at.is_some() && used == 0 {
                        refused.push(format!(
                            "{}：考核细则 {reference} 已发布，内容不能再修改；\
                             请恢复原文件，并把修改写成新版本（新建 {}/<新版本>.toml）",
                            loaded.file, loaded.checklist.id
                        ));
                    } else if used > 0 {
                        refused.push(format!(
                            "{}：考核细则 {reference} 已被 {used} 份考核结果使用，内容不能再修改；\
                             请恢复原文件，并把修改写成新版本（新建 {}/<新版本>.toml）",
                            loaded.file, loaded.checklist.id
                        ));
                    } else {
                        changed = true;
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
        if changed {
            // Not audited (the files are the record): the versions move here.
            queries::versions::bump(conn, &[Scope::Data, Scope::Checklists])?;
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

/// A campaign adopts a version for a kind of unit: the version is
/// published from now on (frozen), as if an admin had published it.
pub(crate) fn adopt(
    conn: &mut DbConn,
    campaign_id: i64,
    unit_kind: &str,
    reference: &str,
    actor: &super::Actor,
    clock: Clock,
) -> ServiceResult<()> {
    queries::campaigns::set_checklist(conn, campaign_id, unit_kind, reference)?;
    queries::checklists::publish(conn, reference, actor.user_id, clock.now)?;
    Ok(())
}

/// The catalog the service works with: the checklist folder's versions and
/// the versions authored on the pages (kept only in the database).
pub fn with_authored(conn: &mut DbConn, files: &Catalog) -> ServiceResult<Catalog> {
    let mut catalog = files.clone();
    for row in queries::checklists::authored(conn)? {
        if catalog.get(&row.reference).is_some() {
            continue;
        }
        let (id, version) = row
            .reference
            .split_once('@')
            .unwrap_or((&row.reference, ""));
        match parse_file(&format!("{id}/{version}.toml"), &row.source) {
            Ok(loaded) => {
                catalog.add(loaded);
            }
            // Stored after the same checks; a row that no longer parses (a
            // newer validation) is left out and said, not fatal.
            Err(problems) => tracing::warn!(
                reference = %row.reference,
                "已存储的考核细则草稿无法解析：{}",
                problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
            ),
        }
    }
    Ok(catalog)
}
