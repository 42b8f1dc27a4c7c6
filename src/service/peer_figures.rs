//! 自查、互查、抽查 side by side: per grouped unit and item, the unit's own
//! points, each peer's and the bureau's spot check, for the bureau and
//! leaders (the figures behind the groups' stray in [`super::peer_reviews`]).

use std::collections::HashMap;

use serde::Serialize;

use crate::domain::Points;
use crate::store::queries::peer_reviews::PeerReviewRow;
use crate::store::{DbConn, queries};

use super::peer_reviews::{GroupUnit, gather, reads_figures, roster, unit_view};
use super::{Actor, Env, ServiceError, ServiceResult, campaign_of_year};

/// One peer's figure for a unit.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MutualFigure {
    pub reviewer: GroupUnit,
    #[schema(value_type = f64)]
    pub total: Points,
    /// Whether it reviewed the upload that counts now (a unit that
    /// uploaded again after the 互查 has a figure for an older one).
    pub current_upload: bool,
    pub reviewed_at: String,
}

/// One item: the unit's own points, each peer's, the bureau's spot check.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ItemFigures {
    pub code: String,
    #[schema(value_type = Option<f64>)]
    pub self_points: Option<Points>,
    /// In the order of [`UnitFigures::mutual`].
    #[schema(value_type = Vec<Option<f64>>)]
    pub mutual_points: Vec<Option<Points>>,
    #[schema(value_type = Option<f64>)]
    pub spot_points: Option<Points>,
}

/// 自查、互查、抽查 of one unit side by side.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct UnitFigures {
    pub unit: GroupUnit,
    pub group: Option<i32>,
    #[schema(value_type = Option<f64>)]
    pub self_total: Option<Points>,
    pub mutual: Vec<MutualFigure>,
    #[schema(value_type = Option<f64>)]
    pub spot_total: Option<Points>,
    pub items: Vec<ItemFigures>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FiguresView {
    pub year: i32,
    pub units: Vec<UnitFigures>,
}

/// Self, mutual and spot figures of every grouped unit (or one), per item,
/// for the bureau and leaders.
pub fn figures(
    conn: &mut DbConn,
    actor: &Actor,
    env: Env<'_>,
    year: i32,
    unit: Option<&str>,
) -> ServiceResult<FiguresView> {
    if !reads_figures(actor) {
        return Err(ServiceError::Forbidden(
            "互查与抽查的对照仅供档案局和领导查看".into(),
        ));
    }
    let campaign = campaign_of_year(conn, year)?;
    let data = gather(conn, campaign.id, true)?;
    let units = roster(conn)?;
    let only = match unit.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => Some(
            units
                .iter()
                .find(|(_, u)| u.code == code)
                .map(|(id, _)| *id)
                .ok_or_else(|| ServiceError::NotFound(format!("单位“{code}”不存在")))?,
        ),
        None => None,
    };
    let chosen: Vec<(i32, i64)> = data
        .members
        .iter()
        .filter(|(_, u)| only.is_none_or(|o| o == *u))
        .copied()
        .collect();
    let submissions: Vec<i64> = chosen
        .iter()
        .filter_map(|(_, u)| data.current_submission.get(u).copied())
        .collect();
    let own: HashMap<i64, i64> = queries::assessments::first_ids(conn, &submissions)?
        .into_iter()
        .collect();
    let spot_ids: Vec<i64> = submissions
        .iter()
        .filter_map(|s| data.spot.get(s).map(|(a, _)| *a))
        .collect();
    let mut assessment_ids: Vec<i64> = own.values().copied().chain(spot_ids).collect();
    assessment_ids.sort_unstable();
    assessment_ids.dedup();
    let self_totals: HashMap<i64, Points> = queries::assessments::self_totals(conn, &submissions)?
        .into_iter()
        .map(|(s, total)| (s, Points(total)))
        .collect();
    let mut assessed: HashMap<i64, Vec<(String, Points)>> = HashMap::new();
    for i in queries::assessments::items_of(conn, &assessment_ids)? {
        assessed
            .entry(i.assessment_id)
            .or_default()
            .push((i.item_code, Points(i.points)));
    }
    let reviews: Vec<&PeerReviewRow> = data
        .latest
        .iter()
        .filter(|r| chosen.iter().any(|(_, u)| *u == r.reviewed_unit_id))
        .collect();
    let review_ids: Vec<i64> = reviews.iter().map(|r| r.id).collect();
    let mut peer_items: HashMap<i64, HashMap<String, Points>> = HashMap::new();
    for (review, code, points, _) in queries::peer_reviews::items(conn, &review_ids)? {
        peer_items
            .entry(review)
            .or_default()
            .insert(code, Points(points));
    }
    let out = chosen
        .into_iter()
        .map(|(group, unit)| {
            let submission = data.current_submission.get(&unit).copied();
            let self_id = submission.and_then(|s| own.get(&s).copied());
            let spot_id = submission.and_then(|s| data.spot.get(&s).map(|(a, _)| *a));
            let mine: Vec<&&PeerReviewRow> = reviews
                .iter()
                .filter(|r| r.reviewed_unit_id == unit)
                .collect();
            let lookup = |id: Option<i64>, code: &str| {
                id.and_then(|a| assessed.get(&a))
                    .and_then(|items| items.iter().find(|(c, _)| c == code).map(|(_, p)| *p))
            };
            // The checklist's order as the unit's own assessment has it,
            // else as the first peer's.
            let codes: Vec<String> = match self_id.and_then(|a| assessed.get(&a)) {
                Some(items) => items.iter().map(|(c, _)| c.clone()).collect(),
                None => Vec::new(),
            };
            let items = codes
                .into_iter()
                .map(|code| ItemFigures {
                    self_points: lookup(self_id, &code),
                    mutual_points: mine
                        .iter()
                        .map(|r| peer_items.get(&r.id).and_then(|m| m.get(&code).copied()))
                        .collect(),
                    spot_points: lookup(spot_id, &code),
                    code,
                })
                .collect();
            UnitFigures {
                unit: unit_view(&units, unit),
                group: Some(group),
                self_total: submission.and_then(|s| self_totals.get(&s).copied()),
                mutual: mine
                    .iter()
                    .map(|r| MutualFigure {
                        reviewer: unit_view(&units, r.reviewer_unit_id),
                        total: Points(r.total),
                        current_upload: submission == Some(r.submission_id),
                        reviewed_at: env.clock.zone.show(r.created_at),
                    })
                    .collect(),
                spot_total: submission.and_then(|s| data.spot.get(&s).map(|(_, t)| *t)),
                items,
            }
        })
        .collect();
    Ok(FiguresView { year, units: out })
}
