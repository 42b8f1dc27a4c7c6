//! Plausibility flags for the inspector: listed per year, resolved with a note.

use serde::Serialize;

use crate::store::{DbConn, queries, write};

use super::assessments::unit_infos;
use super::audit::{self, Entity};
use super::{Actor, Clock, ServiceError, ServiceResult};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FlagItem {
    pub id: i64,
    pub unit: String,
    pub unit_name: String,
    pub submission_id: i64,
    pub input: Option<String>,
    pub message: String,
    pub resolved: bool,
    pub resolution: Option<String>,
}

/// Flags on the current submissions of a year.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    year: i32,
    open_only: bool,
) -> ServiceResult<Vec<FlagItem>> {
    actor.require_bureau()?;
    let Some(campaign) = queries::campaigns::find_by_year(conn, year)? else {
        return Ok(Vec::new());
    };
    let current = queries::assessments::current(conn, campaign.id, None)?;
    let submission_units: std::collections::HashMap<i64, i64> = current
        .iter()
        .map(|a| (a.submission_id, a.unit_id))
        .collect();
    let ids: Vec<i64> = submission_units.keys().copied().collect();
    let units = unit_infos(conn)?;
    Ok(queries::flags::of_submissions(conn, &ids)?
        .into_iter()
        .filter(|f| !open_only || f.resolved_at.is_none())
        .filter_map(|f| {
            let (row, _) = units.get(submission_units.get(&f.submission_id)?)?;
            Some(FlagItem {
                id: f.id,
                unit: row.code.clone(),
                unit_name: row.name.clone(),
                submission_id: f.submission_id,
                input: f.input_key,
                message: f.message,
                resolved: f.resolved_at.is_some(),
                resolution: f.resolution,
            })
        })
        .collect())
}

pub fn resolve(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    resolution: &str,
    clock: Clock,
) -> ServiceResult<()> {
    actor.require_bureau()?;
    let resolution = resolution.trim();
    if resolution.is_empty() {
        return Err(ServiceError::BadRequest("请写明核实结果".into()));
    }
    write(conn, |conn| {
        let flag = queries::flags::get(conn, id)
            .map_err(|_| ServiceError::NotFound(format!("提示 {id} 不存在")))?;
        if flag.resolved_at.is_some() {
            return Err(ServiceError::Conflict("该提示已核实".into()));
        }
        queries::flags::resolve(conn, id, actor.user_id, resolution, clock.now)?;
        audit::record(
            conn,
            actor,
            clock,
            "flag.resolve",
            Entity::Flag(id),
            resolution.to_string(),
        )
    })
}
