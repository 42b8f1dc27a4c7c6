//! Campaigns (年度年检): a year, the checklist version for each unit kind,
//! an upload deadline, open or closed.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ingest::checklists::Catalog;
use crate::store::models::CampaignRow;
use crate::store::{DbConn, queries, write};

use super::audit::{self, Entity};
use super::checklists;
use super::{Actor, Clock, Role, ServiceError, ServiceResult};

/// Which checklist version a kind of unit is assessed against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KindChecklist {
    pub unit_kind: String,
    /// `id@version`
    pub checklist: String,
    /// The checklist's title, as people know it (answered; ignored when sent).
    #[serde(default)]
    pub title: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CampaignView {
    pub id: i64,
    pub year: i32,
    /// YYYY-MM-DD, or null: no deadline.
    pub deadline: Option<String>,
    pub closed: bool,
    /// Days a unit has to rectify, when the campaign overrides the checklist's default.
    pub rectify_days: Option<i32>,
    pub checklists: Vec<KindChecklist>,
}

/// What an admin sets on a campaign (an inspector: `rectify_days` alone);
/// absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignChange {
    /// YYYY-MM-DD; an empty string removes the deadline.
    #[schema(schema_with = deadline_schema)]
    pub deadline: Option<String>,
    pub closed: Option<bool>,
    /// Days a unit has to rectify (1–365).
    #[schema(minimum = 1, maximum = 365)]
    pub rectify_days: Option<i32>,
    /// Replaces the checklist of each kind listed.
    #[serde(default)]
    pub checklists: Vec<KindChecklist>,
}

/// A new campaign: its year and its settings (as [`CampaignChange`], which
/// it cannot flatten in: unknown fields are refused, and serde does not
/// refuse them through a flattened struct).
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaign {
    #[schema(minimum = 1949, maximum = 2100)]
    pub year: i32,
    /// YYYY-MM-DD; empty or absent: no deadline.
    #[schema(schema_with = deadline_schema)]
    pub deadline: Option<String>,
    /// Opened closed (default false).
    pub closed: Option<bool>,
    /// Days a unit has to rectify (1–365); absent: the checklist's.
    #[schema(minimum = 1, maximum = 365)]
    pub rectify_days: Option<i32>,
    /// The checklist of each kind of unit.
    #[serde(default)]
    pub checklists: Vec<KindChecklist>,
}

impl NewCampaign {
    pub fn into_parts(self) -> (i32, CampaignChange) {
        (
            self.year,
            CampaignChange {
                deadline: self.deadline,
                closed: self.closed,
                rectify_days: self.rectify_days,
                checklists: self.checklists,
            },
        )
    }
}

/// A date, or white space only (no deadline), or null (unchanged).
fn deadline_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{AnyOfBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
    AnyOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))),
        )
        .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(
            r"^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
        )))
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .description(Some("YYYY-MM-DD; an empty string removes the deadline."))
        .into()
}

/// The days a campaign may give to rectify.
const RECTIFY_DAYS: std::ops::RangeInclusive<i32> = 1..=365;

fn check_rectify_days(days: Option<i32>) -> ServiceResult<()> {
    match days {
        Some(days) if !RECTIFY_DAYS.contains(&days) => {
            Err(ServiceError::BadRequest("整改期限应为 1–365 天".into()))
        }
        _ => Ok(()),
    }
}

pub fn view(conn: &mut DbConn, row: &CampaignRow) -> ServiceResult<CampaignView> {
    let titles: std::collections::HashMap<String, String> = queries::checklists::all(conn)?
        .into_iter()
        .map(|c| (c.reference, c.title))
        .collect();
    let checklists = queries::campaigns::checklists(conn, row.id)?
        .into_iter()
        .map(|(unit_kind, checklist)| KindChecklist {
            unit_kind,
            title: titles
                .get(&checklist)
                .cloned()
                .unwrap_or_else(|| checklist.clone()),
            checklist,
        })
        .collect();
    Ok(CampaignView {
        id: row.id,
        year: row.year,
        deadline: row.deadline.map(|d| d.to_string()),
        closed: row.closed,
        rectify_days: row.rectify_days,
        checklists,
    })
}

/// Every campaign's year, as [`list`] orders them.
pub fn years(conn: &mut DbConn) -> ServiceResult<Vec<i32>> {
    Ok(queries::campaigns::list(conn)?
        .iter()
        .map(|c| c.year)
        .collect())
}

pub fn list(conn: &mut DbConn) -> ServiceResult<Vec<CampaignView>> {
    let rows = queries::campaigns::list(conn)?;
    rows.iter().map(|r| view(conn, r)).collect()
}

pub fn by_year(conn: &mut DbConn, year: i32) -> ServiceResult<CampaignRow> {
    super::campaign_of_year(conn, year)
}

fn parse_deadline(text: &str) -> ServiceResult<Option<NaiveDate>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| ServiceError::BadRequest(format!("截止日期应为 YYYY-MM-DD，实际为“{text}”")))
}

fn check_mapping(catalog: &Catalog, mapping: &KindChecklist) -> ServiceResult<()> {
    let checklist = catalog.get(&mapping.checklist).ok_or_else(|| {
        ServiceError::BadRequest(format!(
            "未知的考核细则 {}；可用的有：{}",
            mapping.checklist,
            catalog.references().join("、")
        ))
    })?;
    if !checklist.applies_to(&mapping.unit_kind) {
        return Err(ServiceError::BadRequest(format!(
            "考核细则 {} 不适用于单位类型“{}”（适用于：{}）",
            mapping.checklist,
            mapping.unit_kind,
            checklist.unit_kinds.join("、")
        )));
    }
    Ok(())
}

/// Opens a year's campaign (admin).
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    catalog: &Catalog,
    year: i32,
    change: &CampaignChange,
    clock: Clock,
) -> ServiceResult<CampaignView> {
    actor.require_admin()?;
    if !(1949..=2100).contains(&year) {
        return Err(ServiceError::BadRequest(format!("年度 {year} 无效")));
    }
    check_rectify_days(change.rectify_days)?;
    for m in &change.checklists {
        check_mapping(catalog, m)?;
    }
    let deadline = match &change.deadline {
        Some(d) => parse_deadline(d)?,
        None => None,
    };
    write(conn, |conn| {
        if queries::campaigns::find_by_year(conn, year)?.is_some() {
            return Err(ServiceError::Conflict(format!("{year} 年度的年检已存在")));
        }
        let id = queries::campaigns::insert(conn, year, deadline, clock.now)?;
        for m in &change.checklists {
            checklists::adopt(conn, id, &m.unit_kind, &m.checklist, actor, clock)?;
        }
        queries::campaigns::update(
            conn,
            id,
            deadline,
            change.closed.unwrap_or(false),
            change.rectify_days,
        )?;
        audit::record(
            conn,
            actor,
            clock,
            "campaign.create",
            Entity::Campaign(id),
            format!("{year} 年度"),
        )?;
        let row = queries::campaigns::get(conn, id)?;
        view(conn, &row)
    })
}

/// Changes a campaign's deadline, state or checklists (admin), or its
/// rectification period (admin or inspector: a change that sets
/// `rectify_days` and nothing else). The checklist of a kind cannot change
/// once that kind has submissions.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    catalog: &Catalog,
    year: i32,
    change: &CampaignChange,
    clock: Clock,
) -> ServiceResult<CampaignView> {
    if actor.role != Role::Admin {
        actor.require_bureau()?;
        let days_only = change.rectify_days.is_some()
            && change.deadline.is_none()
            && change.closed.is_none()
            && change.checklists.is_empty();
        if !days_only {
            return Err(ServiceError::Forbidden(
                "检查人员只能修改年检的整改期限（rectify_days），其他设置由管理员修改".into(),
            ));
        }
    }
    for m in &change.checklists {
        check_mapping(catalog, m)?;
    }
    check_rectify_days(change.rectify_days)?;
    write(conn, |conn| {
        let row = by_year(conn, year)?;
        let deadline = match &change.deadline {
            Some(d) => parse_deadline(d)?,
            None => row.deadline,
        };
        let closed = change.closed.unwrap_or(row.closed);
        let rectify_days = change.rectify_days.or(row.rectify_days);
        let current: BTreeMap<String, String> = queries::campaigns::checklists(conn, row.id)?
            .into_iter()
            .collect();
        for m in &change.checklists {
            if current.get(&m.unit_kind) == Some(&m.checklist) {
                continue;
            }
            if current.contains_key(&m.unit_kind)
                && kind_has_submissions(conn, row.id, &m.unit_kind)?
            {
                return Err(ServiceError::Conflict(format!(
                    "{year} 年度已有{}提交自查表，不能再更换其考核细则",
                    m.unit_kind
                )));
            }
            checklists::adopt(conn, row.id, &m.unit_kind, &m.checklist, actor, clock)?;
        }
        queries::campaigns::update(conn, row.id, deadline, closed, rectify_days)?;
        if let (Some(days), true) = (rectify_days, rectify_days != row.rectify_days) {
            super::rectifications::reschedule(conn, clock, row.id, days.unsigned_abs())?;
        }
        let mut what = Vec::new();
        if deadline != row.deadline {
            what.push(format!(
                "截止日期 {}",
                deadline.map_or("无".to_string(), |d| d.to_string())
            ));
        }
        if closed != row.closed {
            what.push(if closed {
                "关闭".into()
            } else {
                "重新开放".to_string()
            });
        }
        if rectify_days != row.rectify_days {
            what.push(format!("整改期限 {} 天", rectify_days.unwrap_or(0)));
        }
        for m in &change.checklists {
            what.push(format!("{} 采用 {}", m.unit_kind, m.checklist));
        }
        audit::record(
            conn,
            actor,
            clock,
            "campaign.update",
            Entity::Campaign(row.id),
            what.join("；"),
        )?;
        let row = queries::campaigns::get(conn, row.id)?;
        view(conn, &row)
    })
}

fn kind_has_submissions(conn: &mut DbConn, campaign_id: i64, kind: &str) -> ServiceResult<bool> {
    for unit_id in queries::submissions::units_submitted(conn, campaign_id)? {
        if queries::units::get(conn, unit_id)?.kind == kind {
            return Ok(true);
        }
    }
    Ok(false)
}
