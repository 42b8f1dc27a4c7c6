//! Rescoring preview (重新计分预览): what every current assessment of a year
//! would be under another checklist version, from the same answers — the
//! unit's stored answers with the reviewer's overrides, exactly as the
//! current assessment was scored ([`reviews::answers_from_rows`],
//! [`reviews::apply_overrides`], [`score`]). Stores nothing: the year is
//! read in one transaction with a handful of set-based queries, and scored
//! in memory.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::domain::checklist::ItemKind;
use crate::domain::rescore::{
    self as rules, Direction, ItemMove, Standing, carry, direction, effect, effect_of, item_moves,
    ladder, rung, unknown_inputs,
};
use crate::domain::scoring::TierRef;
use crate::domain::{Checklist, Points, score};
use crate::ingest::self_check::UnitInfo;
use crate::store::models::{AssessmentItemRow, AssessmentRow, ReviewOverrideRow, UnitRow};
use crate::store::{self, DbConn, queries};

use super::{Actor, Env, Role, ServiceError, ServiceResult, assessments, checklists, reviews};

/// How many items are named as what moved a unit.
const MOVERS: usize = 3;

/// A year previewed under one checklist version.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Preview {
    pub year: i32,
    /// The version previewed, `id@version`.
    pub checklist: String,
    pub title: String,
    /// The versions the units' current results were assessed under.
    pub assessed_under: Vec<String>,
    pub counts: Counts,
    pub matrix: Matrix,
    /// Every unit of the checklist's kinds with a current result, by code.
    pub units: Vec<UnitPreview>,
    /// Every item of the previewed version, in its order.
    pub items: Vec<ItemSummary>,
}

/// How many units, and which way they go. A unit moves when its standing
/// (tier, 未达标 or 待定) changes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Counts {
    pub units: usize,
    /// To a higher tier (or from 未达标 to one).
    pub up: usize,
    pub down: usize,
    /// The same standing.
    pub unchanged: usize,
    /// From or to 待定: which way cannot be told yet.
    pub undecided: usize,
    /// Totals that rise, and that fall.
    pub total_up: usize,
    pub total_down: usize,
    /// Units the new version asks something the old answers lack.
    pub with_unknowns: usize,
}

/// Old standing (rows) × new standing (columns), both along `rungs`:
/// 未达标, the tiers lowest first, 待定.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Matrix {
    pub rungs: Vec<Rung>,
    /// `counts[old][new]`.
    pub counts: Vec<Vec<usize>>,
}

/// A row or column of the matrix: a tier (with its code), 未达标 or 待定.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Rung {
    pub code: Option<String>,
    pub name: String,
}

/// One unit, old and new.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct UnitPreview {
    pub code: String,
    pub name: String,
    pub street: Option<String>,
    pub kind: String,
    /// The version its current result was assessed under.
    pub assessed_under: String,
    /// The current result is a reviewer's.
    pub reviewed: bool,
    #[schema(value_type = f64)]
    pub old_total: Points,
    /// {code, name}, or null (未达标, or 待定 when `old_provisional`).
    #[schema(value_type = Option<Object>)]
    pub old_tier: Option<TierRef>,
    pub old_provisional: bool,
    #[schema(value_type = f64)]
    pub new_total: Points,
    #[schema(value_type = Option<Object>)]
    pub new_tier: Option<TierRef>,
    /// Something is unanswered under the new version: no tier yet.
    pub new_provisional: bool,
    /// new_total − old_total.
    #[schema(value_type = f64)]
    pub delta: Points,
    /// The standing changes (tier, 未达标, 待定).
    pub moved: bool,
    /// up | down | same | undecided
    #[schema(value_type = String)]
    pub direction: Direction,
    /// The items that changed most (|Δ| largest first, at most 3).
    pub movers: Vec<Mover>,
    pub unknown: Unknown,
}

/// An item's points in the old and new result: what it adds to the total
/// before rescaling (a penalty item's count negative). Null: that version
/// has no item of this code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Mover {
    pub code: String,
    /// The item's title in the new version (else the old).
    pub title: String,
    #[schema(value_type = Option<f64>)]
    pub old: Option<Points>,
    #[schema(value_type = Option<f64>)]
    pub new: Option<Points>,
    #[schema(value_type = f64)]
    pub delta: Points,
}

/// What the old answers cannot tell the new version; it counts as
/// unanswered (pending).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Unknown {
    /// Items left pending (new items, items on an input not answered,
    /// inspector items not scored), and items whose old answer does not
    /// fit the new version.
    pub items: Vec<String>,
    pub inputs: Vec<UnknownInput>,
    /// Of `items` and `inputs`: those answered, but not in a way the new
    /// version takes (above its max, off its step, another type).
    pub unfit: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UnknownInput {
    pub key: String,
    pub label: String,
}

/// One item of the previewed version across the units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ItemSummary {
    pub code: String,
    pub title: String,
    /// Units whose points on this item change.
    pub units_changed: usize,
    /// The change summed over the units.
    #[schema(value_type = f64)]
    pub delta: Points,
}

/// Every current assessment of `year` for the unit kinds of `checklist`,
/// scored again under it. The bureau and leaders may preview; a unit
/// account may not.
pub fn preview(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    year: i32,
    checklist: &Checklist,
) -> ServiceResult<Preview> {
    if matches!(actor.role, Role::Unit | Role::Street) {
        return Err(ServiceError::Forbidden(
            "重新计分预览仅供档案局和领导查看".into(),
        ));
    }
    let year_data = store::read(conn, |conn| load(conn, env, year, checklist))?;
    let mut rescored: Vec<Rescored> = year_data
        .rows
        .par_iter()
        .map(|row| rescore_unit(&year_data, checklist, row))
        .collect();
    rescored.sort_by(|a, b| a.view.code.cmp(&b.view.code));
    let old_checklists: Vec<&Checklist> = year_data.checklists.values().map(|c| &**c).collect();
    Ok(assemble(year, checklist, &old_checklists, rescored))
}

/// The year as stored: current assessments, their answers, overrides and
/// items, grouped by submission, review and assessment.
struct YearData {
    rows: Vec<AssessmentRow>,
    units: HashMap<i64, (UnitRow, UnitInfo)>,
    checklists: HashMap<String, Arc<Checklist>>,
    inputs: HashMap<i64, Vec<(String, String)>>,
    answers: HashMap<i64, Vec<(String, Option<String>)>>,
    overrides: HashMap<i64, Vec<ReviewOverrideRow>>,
    items: HashMap<i64, Vec<AssessmentItemRow>>,
}

fn load(
    conn: &mut DbConn,
    env: Env<'_>,
    year: i32,
    checklist: &Checklist,
) -> ServiceResult<YearData> {
    let campaign = super::campaign_of_year(conn, year)?;
    let units = assessments::unit_infos(conn)?;
    let rows: Vec<AssessmentRow> = queries::assessments::current(conn, campaign.id, None)?
        .into_iter()
        .filter(|r| {
            units
                .get(&r.unit_id)
                .is_some_and(|(u, _)| checklist.applies_to(&u.kind))
        })
        .collect();
    let mut checklists = HashMap::new();
    for r in &rows {
        if !checklists.contains_key(&r.checklist_reference) {
            let old = checklists::get(conn, env.catalog, &r.checklist_reference)?;
            checklists.insert(r.checklist_reference.clone(), old);
        }
    }
    let submissions: Vec<i64> = rows.iter().map(|r| r.submission_id).collect();
    let reviews: Vec<i64> = rows.iter().filter_map(|r| r.review_id).collect();
    let assessment_ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut inputs: HashMap<i64, Vec<(String, String)>> = HashMap::new();
    for (id, key, value) in queries::submissions::inputs_of(conn, &submissions)? {
        inputs.entry(id).or_default().push((key, value));
    }
    let mut answers: HashMap<i64, Vec<(String, Option<String>)>> = HashMap::new();
    for (id, code, answer) in queries::submissions::answers_of(conn, &submissions)? {
        answers.entry(id).or_default().push((code, answer));
    }
    let mut overrides: HashMap<i64, Vec<ReviewOverrideRow>> = HashMap::new();
    for o in queries::reviews::overrides_of(conn, &reviews)? {
        overrides.entry(o.review_id).or_default().push(o);
    }
    let mut items: HashMap<i64, Vec<AssessmentItemRow>> = HashMap::new();
    for i in queries::assessments::items_of(conn, &assessment_ids)? {
        items.entry(i.assessment_id).or_default().push(i);
    }
    Ok(YearData {
        rows,
        units,
        checklists,
        inputs,
        answers,
        overrides,
        items,
    })
}

/// One unit rescored: its view, and what the summaries need.
struct Rescored {
    view: UnitPreview,
    old: Standing,
    new: Standing,
    moves: Vec<ItemMove>,
}

fn rescore_unit(data: &YearData, new: &Checklist, row: &AssessmentRow) -> Rescored {
    let (unit, info) = &data.units[&row.unit_id];
    let old = &data.checklists[&row.checklist_reference];
    let no_inputs = Vec::new();
    let no_answers = Vec::new();
    let inputs = data.inputs.get(&row.submission_id).unwrap_or(&no_inputs);
    let stored = data.answers.get(&row.submission_id).unwrap_or(&no_answers);
    // The current assessment's own answers: the unit's, then the review's.
    let mut answers = reviews::answers_from_rows(
        old,
        &unit.kind,
        inputs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        stored.iter().map(|(c, a)| (c.as_str(), a.as_deref())),
    );
    let review = row
        .review_id
        .and_then(|id| data.overrides.get(&id))
        .map_or(&[][..], Vec::as_slice);
    let item_overrides = reviews::apply_overrides(old, &mut answers, review);

    let carried = carry(new, &answers, &item_overrides);
    let card = score(new, &carried.answers, &carried.overrides);
    let lacking = unknown_inputs(new, &carried.answers);
    let unknown = Unknown {
        items: card
            .pending
            .iter()
            .cloned()
            .chain(
                carried
                    .unfit_items
                    .iter()
                    .filter(|c| !card.pending.contains(c))
                    .cloned(),
            )
            .collect(),
        inputs: lacking
            .iter()
            .map(|i| UnknownInput {
                key: i.key.clone(),
                label: i.label.clone(),
            })
            .collect(),
        unfit: carried
            .unfit_items
            .iter()
            .chain(&carried.unfit_inputs)
            .cloned()
            .collect(),
    };
    // An input left unanswered leaves the result undecided, as a pending item does.
    let new_provisional = card.provisional || !lacking.is_empty();
    let new_tier = if new_provisional {
        None
    } else {
        card.tier.clone()
    };
    let old_tier = tier_of(row);
    let old_standing = Standing::of(row.provisional, old_tier.as_ref());
    let new_standing = Standing::of(new_provisional, new_tier.as_ref());

    let old_effects: Vec<(String, Points)> = data
        .items
        .get(&row.id)
        .map(|items| {
            items
                .iter()
                .map(|i| {
                    let kind = kind_of(&i.item_kind);
                    (
                        i.item_code.clone(),
                        effect(kind, Points(i.points), i.applicable, i.pending),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let new_effects: Vec<(String, Points)> = card
        .items
        .iter()
        .map(|i| (i.code.clone(), effect_of(i)))
        .collect();
    let moves = item_moves(&old_effects, &new_effects);
    let old_total = Points(row.total);
    let view = UnitPreview {
        code: info.code.clone(),
        name: info.name.clone(),
        street: info.street.clone(),
        kind: info.kind.clone(),
        assessed_under: row.checklist_reference.clone(),
        reviewed: row.review_id.is_some(),
        old_total,
        old_tier,
        old_provisional: row.provisional,
        new_total: card.total,
        new_tier,
        new_provisional,
        delta: card.total - old_total,
        moved: old_standing != new_standing,
        direction: Direction::Same,
        movers: moves
            .iter()
            .take(MOVERS)
            .map(|m| Mover {
                code: m.code.clone(),
                title: title_of(new, old, &m.code),
                old: m.old,
                new: m.new,
                delta: m.delta,
            })
            .collect(),
        unknown,
    };
    Rescored {
        view,
        old: old_standing,
        new: new_standing,
        moves,
    }
}

/// The counts, the matrix and the item summary over every unit.
fn assemble(
    year: i32,
    new: &Checklist,
    old: &[&Checklist],
    mut rescored: Vec<Rescored>,
) -> Preview {
    // Older versions in reference order, so the ladder does not depend on hashing.
    let mut old = old.to_vec();
    old.sort_by_key(|c| c.reference());
    let rungs = ladder(new, &old);
    let mut counts = Counts::default();
    let mut matrix = vec![vec![0usize; rungs.len()]; rungs.len()];
    let mut changed: HashMap<&str, (usize, Points)> = HashMap::new();
    for r in &mut rescored {
        let way = direction(&rungs, &r.old, &r.new);
        r.view.direction = way;
        counts.units += 1;
        match way {
            Direction::Up => counts.up += 1,
            Direction::Down => counts.down += 1,
            Direction::Same => counts.unchanged += 1,
            Direction::Undecided => counts.undecided += 1,
        }
        counts.total_up += usize::from(r.view.delta > Points::ZERO);
        counts.total_down += usize::from(r.view.delta < Points::ZERO);
        let unknown = &r.view.unknown;
        counts.with_unknowns +=
            usize::from(!unknown.items.is_empty() || !unknown.inputs.is_empty());
        matrix[rung(&rungs, &r.old)][rung(&rungs, &r.new)] += 1;
    }
    for r in &rescored {
        for m in &r.moves {
            let entry = changed.entry(m.code.as_str()).or_default();
            entry.0 += 1;
            entry.1 += m.delta;
        }
    }
    let items = new
        .items
        .iter()
        .map(|i| {
            let (units_changed, delta) = changed.get(i.code.as_str()).copied().unwrap_or_default();
            ItemSummary {
                code: i.code.clone(),
                title: i.title.clone(),
                units_changed,
                delta,
            }
        })
        .collect();
    let assessed_under: BTreeSet<String> = rescored
        .iter()
        .map(|r| r.view.assessed_under.clone())
        .collect();
    Preview {
        year,
        checklist: new.reference(),
        title: new.title.clone(),
        assessed_under: assessed_under.into_iter().collect(),
        counts,
        matrix: Matrix {
            rungs: rungs
                .iter()
                .map(|s| Rung {
                    code: s.code().map(str::to_string),
                    name: s.name().to_string(),
                })
                .collect(),
            counts: matrix,
        },
        units: rescored.into_iter().map(|r| r.view).collect(),
        items,
    }
}

fn tier_of(row: &AssessmentRow) -> Option<TierRef> {
    match (&row.tier_code, &row.tier_name) {
        (Some(code), Some(name)) => Some(TierRef {
            code: code.clone(),
            name: name.clone(),
        }),
        _ => None,
    }
}

/// An item kind as stored (`base`, `bonus`, `penalty`).
fn kind_of(stored: &str) -> ItemKind {
    match stored {
        "bonus" => ItemKind::Bonus,
        "penalty" => ItemKind::Penalty,
        _ => ItemKind::Base,
    }
}

fn title_of(new: &Checklist, old: &Checklist, code: &str) -> String {
    new.item(code)
        .or_else(|| old.item(code))
        .map(|i| i.title.clone())
        .unwrap_or_default()
}

/// A result's standing as people read it (a tier's name, 未达标 or 待定).
pub fn standing_name(tier: Option<&TierRef>, provisional: bool) -> String {
    rules::Standing::of(provisional, tier).name().to_string()
}
