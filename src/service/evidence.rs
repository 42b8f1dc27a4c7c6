//! 佐证材料: files a unit attaches to the items of its year's self-check,
//! with its upload or afterwards, for the inspectors to see beside each
//! item. Stored like every uploaded file (by sha256, never deleted).

use serde::Serialize;

use crate::store::models::{ItemEvidenceRow, NewItemEvidence};
use crate::store::{DbConn, queries, write};

use super::audit::{self, Entity};
use super::{Actor, Env, Role, ServiceError, ServiceResult, checklists};

/// At most this many files in one attachment.
pub const MAX_FILES: usize = 10;

/// One file to attach.
pub struct EvidenceFile {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// What a unit attaches, for one item.
pub struct Attachment {
    pub unit_code: String,
    pub year: i32,
    pub item: String,
    pub note: String,
    pub files: Vec<EvidenceFile>,
}

/// One stored piece of evidence.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct EvidenceView {
    pub id: i64,
    /// The item's code.
    pub item: String,
    pub file_name: String,
    pub note: String,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub uploaded_at: String,
}

impl From<ItemEvidenceRow> for EvidenceView {
    fn from(row: ItemEvidenceRow) -> EvidenceView {
        EvidenceView {
            id: row.id,
            item: row.item_code,
            file_name: row.file_name,
            note: row.note,
            uploaded_at: format!("{}Z", row.uploaded_at.format("%Y-%m-%dT%H:%M:%S")),
        }
    }
}

/// Attaches files to an item of the unit's current self-check of the
/// year: the unit itself or the bureau for it; all files or none.
pub fn attach(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    attachment: Attachment,
) -> ServiceResult<Vec<EvidenceView>> {
    let unit = queries::units::find_by_code(conn, &attachment.unit_code)?
        .ok_or_else(|| ServiceError::not_on_roster(&attachment.unit_code))?;
    match actor.role {
        Role::Admin | Role::Inspector => {}
        Role::Unit if actor.unit_id == Some(unit.id) => {}
        Role::Unit => {
            return Err(ServiceError::Forbidden("只能为本单位上传佐证材料".into()));
        }
        Role::Street if actor.acts_for_unit(unit.id) => {}
        Role::Street => {
            return Err(ServiceError::Forbidden(
                "只能为本街道的单位上传佐证材料".into(),
            ));
        }
        Role::Leader => {
            return Err(ServiceError::Forbidden("领导账号只能查看，不能上传".into()));
        }
    }
    if attachment.files.is_empty() {
        return Err(ServiceError::BadRequest(
            "请选择要上传的佐证材料文件".into(),
        ));
    }
    if attachment.files.len() > MAX_FILES {
        return Err(ServiceError::BadRequest(format!(
            "一次最多上传 {MAX_FILES} 份佐证材料"
        )));
    }
    if let Some(empty) = attachment.files.iter().find(|f| f.bytes.is_empty()) {
        return Err(ServiceError::BadRequest(format!(
            "文件“{}”是空的",
            empty.file_name
        )));
    }
    let campaign = super::campaign_of_year(conn, attachment.year)?;
    let current = queries::assessments::current(conn, campaign.id, Some(unit.id))?;
    let Some(assessment) = current.first() else {
        return Err(ServiceError::Conflict(format!(
            "{} 年度还没有上传自查表，请先上传自查表，再上传佐证材料",
            attachment.year
        )));
    };
    let checklist = checklists::get(conn, env.catalog, &assessment.checklist_reference)?;
    let item = attachment.item.trim();
    if checklist.item(item).is_none() {
        return Err(ServiceError::BadRequest(format!(
            "考核细则“{}”中没有条目 {item}",
            checklist.title
        )));
    }
    let now = env.clock.now;
    write(conn, |conn| {
        let mut stored = Vec::with_capacity(attachment.files.len());
        for file in &attachment.files {
            let digest = super::sha256(&file.bytes);
            queries::submissions::store_file(conn, &digest, &file.bytes, now)?;
            let id = queries::evidence::insert(
                conn,
                &NewItemEvidence {
                    unit_id: unit.id,
                    campaign_id: campaign.id,
                    item_code: item,
                    file_sha256: &digest,
                    file_name: &file.file_name,
                    note: attachment.note.trim(),
                    uploaded_by: actor.user_id,
                    uploaded_at: now,
                },
            )?;
            audit::record(
                conn,
                actor,
                env.clock,
                "evidence.attach",
                Entity::Evidence(id),
                format!(
                    "{} {} 年度条目 {item}：{}",
                    unit.code, attachment.year, file.file_name
                ),
            )?;
            stored.push(id);
        }
        let mut views = Vec::with_capacity(stored.len());
        for id in stored {
            if let Some(row) = queries::evidence::get(conn, id)? {
                views.push(EvidenceView::from(row));
            }
        }
        Ok(views)
    })
}

/// An item a unit may attach material to, with what the checklist asks.
#[derive(Clone, Debug, Serialize)]
pub struct EvidenceItem {
    pub code: String,
    pub title: String,
    /// The checklist's 佐证材料 text, if it names any.
    pub asked: Option<String>,
}

/// What the unit's page shows for a year: the items of its current
/// self-check (none before the first upload) and what is attached.
#[derive(Clone, Debug, Serialize)]
pub struct EvidenceBoard {
    pub year: i32,
    pub items: Vec<EvidenceItem>,
    pub files: Vec<EvidenceView>,
}

pub fn board(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    unit_code: &str,
    year: i32,
) -> ServiceResult<EvidenceBoard> {
    let files = list(conn, actor, unit_code, year)?;
    let unit = queries::units::find_by_code(conn, unit_code)?
        .ok_or_else(|| ServiceError::not_on_roster(unit_code))?;
    let campaign = super::campaign_of_year(conn, year)?;
    let current = queries::assessments::current(conn, campaign.id, Some(unit.id))?;
    let items = match current.first() {
        Some(a) => checklists::get(conn, env.catalog, &a.checklist_reference)?
            .items
            .iter()
            .map(|i| EvidenceItem {
                code: i.code.clone(),
                title: i.title.clone(),
                asked: i.evidence.clone(),
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(EvidenceBoard { year, items, files })
}

/// A unit's evidence for a year, oldest first.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    unit_code: &str,
    year: i32,
) -> ServiceResult<Vec<EvidenceView>> {
    let unit = queries::units::find_by_code(conn, unit_code)?
        .ok_or_else(|| ServiceError::not_on_roster(unit_code))?;
    actor.require_read_unit(unit.id)?;
    let campaign = super::campaign_of_year(conn, year)?;
    Ok(queries::evidence::of_unit(conn, unit.id, campaign.id)?
        .into_iter()
        .map(EvidenceView::from)
        .collect())
}

/// One evidence file, byte for byte, with its name.
pub fn file(
    conn: &mut DbConn,
    actor: &Actor,
    unit_code: &str,
    id: i64,
) -> ServiceResult<(String, Vec<u8>)> {
    let unit = queries::units::find_by_code(conn, unit_code)?
        .ok_or_else(|| ServiceError::not_on_roster(unit_code))?;
    actor.require_read_unit(unit.id)?;
    let row = queries::evidence::get(conn, id)?
        .filter(|r| r.unit_id == unit.id)
        .ok_or_else(|| ServiceError::NotFound(format!("佐证材料 {id} 不存在")))?;
    let bytes = queries::submissions::file_content(conn, &row.file_sha256)?;
    Ok((row.file_name, bytes))
}
