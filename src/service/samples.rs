//! Spot-check samples (抽查): drawn with a seed, stratified by street and
//! tier, and stored with the seed so the draw can be shown to be fair.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::domain::sampling::{Candidate, SampleSize, draw};
use crate::store::{DbConn, queries, write};

use super::assessments::unit_infos;
use super::audit::{self, Entity};
use super::{Actor, Clock, ServiceError, ServiceResult};

/// Tier label of units that submitted but reached no tier.
pub const NO_TIER: &str = "未达标";
/// Tier label of units without a submission.
pub const NOT_SUBMITTED: &str = "未提交";

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SampleRequest {
    pub year: i32,
    /// How many units; or give `percent` (exactly one of the two).
    #[schema(minimum = 1, maximum = 4294967295_u64, format = Int64)]
    pub count: Option<u32>,
    /// Percent of the district's units (rounded up); or give `count`.
    #[schema(minimum = 1, maximum = 100)]
    pub percent: Option<u32>,
    /// A seed to draw with (0 ≤ seed < 2^53); a random one when absent.
    #[schema(minimum = 0, maximum = 9007199254740991_u64)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub note: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SampledUnit {
    pub code: String,
    pub name: String,
    pub street: Option<String>,
    /// 街道 / 等级 the unit was drawn from.
    pub stratum: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SampleView {
    pub id: i64,
    pub year: i32,
    pub seed: u64,
    pub count: Option<i32>,
    pub percent: Option<i32>,
    pub note: String,
    pub created_at: String,
    pub units: Vec<SampledUnit>,
}

/// Every roster unit with its street and current tier in `year`.
fn candidates(conn: &mut DbConn, year: i32) -> ServiceResult<Vec<Candidate>> {
    let units = unit_infos(conn)?;
    let mut tiers: HashMap<i64, String> = HashMap::new();
    if let Some(campaign) = queries::campaigns::find_by_year(conn, year)? {
        for a in queries::assessments::current(conn, campaign.id, None)? {
            tiers.insert(a.unit_id, a.tier_name.unwrap_or_else(|| NO_TIER.into()));
        }
    }
    Ok(units
        .into_iter()
        .map(|(id, (row, info))| Candidate {
            unit_id: id,
            code: row.code,
            street: info.street.unwrap_or_else(|| "（未填街道）".into()),
            tier: tiers.remove(&id).unwrap_or_else(|| NOT_SUBMITTED.into()),
        })
        .collect())
}

/// The seed asked for, or a random one, below 2^53 so that it survives JSON
/// as a number: the seed of a draw (a sample, 互查 groups) is stored, and
/// the same seed draws the same again.
pub(super) fn seed_or_random(asked: Option<u64>) -> ServiceResult<u64> {
    const MAX_SEED: u64 = 1 << 53;
    match asked {
        Some(s) if s < MAX_SEED => Ok(s),
        Some(_) => Err(ServiceError::BadRequest("seed 应小于 2^53".into())),
        None => {
            let mut bytes = [0u8; 8];
            getrandom::fill(&mut bytes).map_err(|e| ServiceError::fault("生成随机种子失败", e))?;
            Ok(u64::from_le_bytes(bytes) % MAX_SEED)
        }
    }
}

pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    request: &SampleRequest,
    clock: Clock,
) -> ServiceResult<SampleView> {
    actor.require_bureau()?;
    let size = match (request.count, request.percent) {
        (Some(n), None) if n > 0 => SampleSize::Count(n),
        (None, Some(p)) if (1..=100).contains(&p) => SampleSize::Percent(p),
        _ => {
            return Err(ServiceError::BadRequest(
                "请给出抽查数量 count（大于 0）或比例 percent（1–100），二者选一".into(),
            ));
        }
    };
    let seed = seed_or_random(request.seed)?;
    let id = write(conn, |conn| {
        let pool = candidates(conn, request.year)?;
        let drawn = draw(&pool, size, seed);
        let rows: Vec<(i64, String)> = drawn.into_iter().map(|d| (d.unit_id, d.stratum)).collect();
        let id = queries::samples::insert(
            conn,
            request.year,
            seed as i64,
            request.count.map(|n| n as i32),
            request.percent.map(|p| p as i32),
            request.note.trim(),
            actor.user_id,
            clock.now,
            &rows,
        )?;
        audit::record(
            conn,
            actor,
            clock,
            "sample.draw",
            Entity::Sample(id),
            format!(
                "{} 年度，种子 {seed}，抽取 {} 个单位（共 {} 个）",
                request.year,
                rows.len(),
                pool.len()
            ),
        )?;
        Ok::<_, ServiceError>(id)
    })?;
    get(conn, actor, id)
}

pub fn get(conn: &mut DbConn, actor: &Actor, id: i64) -> ServiceResult<SampleView> {
    actor.require_bureau()?;
    let row = queries::samples::get(conn, id)
        .map_err(|_| ServiceError::NotFound(format!("抽查 {id} 不存在")))?;
    let units = unit_infos(conn)?;
    let drawn = queries::samples::units(conn, id)?
        .into_iter()
        .filter_map(|(unit_id, stratum)| {
            units.get(&unit_id).map(|(_, info)| SampledUnit {
                code: info.code.clone(),
                name: info.name.clone(),
                street: info.street.clone(),
                stratum,
            })
        })
        .collect();
    Ok(SampleView {
        id: row.id,
        year: row.year,
        seed: row.seed as u64,
        count: row.requested_count,
        percent: row.requested_percent,
        note: row.note,
        created_at: format!("{}Z", row.created_at.format("%Y-%m-%dT%H:%M:%S")),
        units: drawn,
    })
}

pub fn list(conn: &mut DbConn, actor: &Actor, year: Option<i32>) -> ServiceResult<Vec<SampleView>> {
    actor.require_bureau()?;
    let ids: Vec<i64> = queries::samples::list(conn, year)?
        .into_iter()
        .map(|s| s.id)
        .collect();
    ids.into_iter().map(|id| get(conn, actor, id)).collect()
}
