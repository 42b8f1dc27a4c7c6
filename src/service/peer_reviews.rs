//! 互查: mutual reviews between units. An inspector forms a campaign's
//! groups (by hand, or drawn with a seed; optionally so that nobody
//! reviews a unit of its own street) and so says who reviews whom; each
//! reviewing unit's account then records a 互查 of its assigned units'
//! uploads, and of no others.
//!
//! A peer's review is kept beside the bureau's reviews and never becomes
//! the unit's result: it carries no overrides into later reviews and
//! raises no orders. The bureau reads self, mutual and spot figures side
//! by side, per unit and item, and per group how far the peers strayed
//! from its own spot checks (抽查): see [`super::peer_figures`].

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::domain::Points;
use crate::domain::peer_groups::{self, Assignment, Group, Member};
use crate::store::models::{CampaignRow, SubmissionRow, UnitRow};
use crate::store::queries::peer_reviews::{NewGroup, NewPeerReview, PeerReviewRow};
use crate::store::{DbConn, queries, write};

use super::assessments::unit_infos;
use super::audit::{self, Entity};
use super::reviews::{self, InputOverride, ItemOverride};
use super::{Actor, Env, Role, ServiceError, ServiceResult, campaign_of_year, checklists};

/// How to form a campaign's groups (`PUT /api/v1/campaigns/{year}/peer-groups`):
/// `draw` or `groups`, exactly one.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormRequest {
    #[serde(default)]
    pub draw: Option<DrawRequest>,
    /// Groups by hand, each a list of unit codes.
    #[serde(default)]
    pub groups: Option<Vec<HandGroup>>,
    /// 交叉互查: nobody reviews a unit of its own street.
    #[serde(default)]
    pub cross_street: bool,
}

/// Groups drawn at random from the roster.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawRequest {
    /// How many groups (each gets two units at least).
    #[schema(minimum = 1, maximum = 10000)]
    pub groups: u32,
    /// A seed to draw with (0 ≤ seed < 2^53); a random one when absent.
    #[schema(minimum = 0, maximum = 9007199254740991_u64)]
    pub seed: Option<u64>,
    /// Only units of this kind (单位类型, e.g. 社区); every unit when absent.
    #[serde(default)]
    pub kind: Option<String>,
}

/// A group formed by hand.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandGroup {
    /// Unit codes; each reviews the next, the last the first, unless
    /// `reviews` names who reviews whom.
    pub units: Vec<String>,
    #[serde(default)]
    pub reviews: Option<Vec<ReviewPair>>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewPair {
    pub reviewer: String,
    pub reviewed: String,
}

/// A unit as the groups show it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct GroupUnit {
    pub code: String,
    pub name: String,
    pub street: Option<String>,
}

/// Who reviews whom, and whether it is done.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PairView {
    pub reviewer: GroupUnit,
    pub reviewed: GroupUnit,
    /// The reviewer's newest 互查 total, when recorded.
    #[schema(value_type = Option<f64>)]
    pub total: Option<Points>,
    pub reviewed_at: Option<String>,
}

/// How far a group's peers strayed from the bureau's spot checks, over the
/// units both scored on the same upload.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct StrayView {
    pub compared: usize,
    /// Mean |互查 − 抽查|, rounded once to two decimals.
    #[schema(value_type = Option<f64>)]
    pub mean_difference: Option<Points>,
    #[schema(value_type = Option<f64>)]
    pub max_difference: Option<Points>,
    /// Mean (互查 − 抽查): above zero, the peers were kinder than the bureau.
    #[schema(value_type = Option<f64>)]
    pub bias: Option<Points>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct GroupView {
    pub number: i32,
    /// 第 1 组 …
    pub name: String,
    pub units: Vec<GroupUnit>,
    pub reviews: Vec<PairView>,
    /// For the bureau and leaders only.
    pub stray: Option<StrayView>,
}

/// A campaign's groups, as far as the account may see them.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PlanView {
    pub year: i32,
    /// Whether groups were formed at all.
    pub formed: bool,
    /// The seed of a draw (none for groups by hand).
    pub seed: Option<u64>,
    pub cross_street: bool,
    pub formed_at: Option<String>,
    pub formed_by: Option<String>,
    pub groups: Vec<GroupView>,
}

/// A peer's 互查 of an assigned unit (`POST /api/v1/campaigns/{year}/peer-reviews`):
/// the items and facts it judges otherwise than the unit did, each with a
/// reason, as an inspector's review gives them.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeerReviewRequest {
    /// The reviewed unit's code.
    pub unit: String,
    /// What was checked and found (互查意见).
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub items: Vec<ItemOverride>,
    #[serde(default)]
    pub inputs: Vec<InputOverride>,
}

/// One item as the peer scored it beside the unit's own score.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PeerItem {
    pub code: String,
    #[schema(value_type = Option<f64>)]
    pub self_points: Option<Points>,
    #[schema(value_type = f64)]
    pub points: Points,
    pub applicable: bool,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PeerReviewView {
    pub id: i64,
    pub reviewer: GroupUnit,
    pub reviewed: GroupUnit,
    pub submission_id: i64,
    #[schema(value_type = f64)]
    pub total: Points,
    /// Some inspector item or fact is still open.
    pub provisional: bool,
    pub note: String,
    pub reviewed_at: String,
    pub items: Vec<PeerItem>,
}

pub(super) fn unit_view(units: &HashMap<i64, GroupUnit>, id: i64) -> GroupUnit {
    units.get(&id).cloned().unwrap_or_else(|| GroupUnit {
        code: format!("#{id}"),
        name: String::new(),
        street: None,
    })
}

pub(super) fn roster(conn: &mut DbConn) -> ServiceResult<HashMap<i64, GroupUnit>> {
    Ok(unit_infos(conn)?
        .into_iter()
        .map(|(id, (_, info))| {
            (
                id,
                GroupUnit {
                    code: info.code,
                    name: info.name,
                    street: info.street,
                },
            )
        })
        .collect())
}

/// Forms (or forms again) a campaign's groups. Refused once a peer has
/// recorded a review: the assignments it was made under would change.
pub fn form(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    year: i32,
    request: &FormRequest,
) -> ServiceResult<PlanView> {
    actor.require_bureau()?;
    let campaign = campaign_of_year(conn, year)?;
    write(conn, |conn| {
        if queries::peer_reviews::any(conn, campaign.id)? {
            return Err(ServiceError::Conflict(
                "本年度已有单位提交互查，不能重新分组".into(),
            ));
        }
        let infos = unit_infos(conn)?;
        let member = |id: i64| {
            let (row, info) = &infos[&id];
            Member {
                unit_id: id,
                code: row.code.clone(),
                street: info.street.clone().unwrap_or_else(|| "（未填街道）".into()),
            }
        };
        let (seed, groups) = match (&request.draw, &request.groups) {
            (Some(draw), None) => {
                let seed = super::samples::seed_or_random(draw.seed)?;
                let kind = draw
                    .kind
                    .as_deref()
                    .map(str::trim)
                    .filter(|k| !k.is_empty());
                let mut ids: Vec<i64> = infos
                    .iter()
                    .filter(|(_, (row, _))| kind.is_none_or(|k| row.kind == k))
                    .map(|(id, _)| *id)
                    .collect();
                ids.sort_unstable();
                let pool: Vec<Member> = ids.into_iter().map(member).collect();
                let groups =
                    peer_groups::draw(&pool, draw.groups as usize, seed, request.cross_street)
                        .map_err(|e| ServiceError::BadRequest(e.to_string()))?;
                (Some(seed), groups)
            }
            (None, Some(hand)) => {
                let by_code: HashMap<&str, i64> = infos
                    .iter()
                    .map(|(id, (row, _))| (row.code.as_str(), *id))
                    .collect();
                (
                    None,
                    by_hand(hand, &by_code, &member, request.cross_street)?,
                )
            }
            _ => {
                return Err(ServiceError::BadRequest(
                    "请给出随机分组 draw 或手工分组 groups，二者选一".into(),
                ));
            }
        };
        let stored: Vec<NewGroup> = groups
            .iter()
            .enumerate()
            .map(|(n, g)| NewGroup {
                number: n as i32 + 1,
                members: g.members.iter().map(|m| m.unit_id).collect(),
                assignments: g
                    .assignments
                    .iter()
                    .map(|a| (a.reviewer, a.reviewed))
                    .collect(),
            })
            .collect();
        queries::peer_reviews::replace(
            conn,
            campaign.id,
            seed.map(|s| s as i64),
            request.cross_street,
            actor.user_id,
            env.clock.now,
            &stored,
        )?;
        let units: usize = groups.iter().map(|g| g.members.len()).sum();
        audit::record(
            conn,
            actor,
            env.clock,
            "peer.groups",
            Entity::Campaign(campaign.id),
            format!(
                "{year} 年度互查分组：{} 组，{units} 个单位{}{}",
                groups.len(),
                seed.map(|s| format!("，随机种子 {s}"))
                    .unwrap_or_else(|| "，手工分组".into()),
                if request.cross_street {
                    "，跨街道互查"
                } else {
                    ""
                }
            ),
        )?;
        Ok::<_, ServiceError>(())
    })?;
    plan(conn, env, actor, year)
}

/// Groups by hand, every unknown or repeated code named at once.
fn by_hand(
    hand: &[HandGroup],
    by_code: &HashMap<&str, i64>,
    member: &dyn Fn(i64) -> Member,
    cross_street: bool,
) -> ServiceResult<Vec<Group>> {
    if hand.is_empty() {
        return Err(ServiceError::BadRequest("至少需要一个互查组".into()));
    }
    let mut problems = Vec::new();
    let mut placed: BTreeMap<i64, usize> = BTreeMap::new();
    let mut groups = Vec::new();
    for (n, g) in hand.iter().enumerate() {
        let number = n + 1;
        let mut members = Vec::new();
        for code in &g.units {
            match by_code.get(code.trim()) {
                None => problems.push(format!("第 {number} 组：单位代码“{code}”不在名册中")),
                Some(&id) => match placed.insert(id, number) {
                    Some(other) => {
                        problems.push(format!("单位“{code}”同时在第 {other} 组和第 {number} 组"))
                    }
                    None => members.push(member(id)),
                },
            }
        }
        let pairs = g.reviews.as_ref().map(|pairs| {
            pairs
                .iter()
                .filter_map(|p| {
                    let find = |code: &str| {
                        members
                            .iter()
                            .find(|m| m.code == code.trim())
                            .map(|m| m.unit_id)
                    };
                    match (find(&p.reviewer), find(&p.reviewed)) {
                        (Some(a), Some(b)) if a != b => Some(Assignment {
                            reviewer: a,
                            reviewed: b,
                        }),
                        (Some(_), Some(_)) => {
                            problems
                                .push(format!("第 {number} 组：单位“{}”不能互查自己", p.reviewer));
                            None
                        }
                        _ => {
                            problems.push(format!(
                                "第 {number} 组：“{}”查“{}”，两个单位都须在本组",
                                p.reviewer, p.reviewed
                            ));
                            None
                        }
                    }
                })
                .collect::<Vec<_>>()
        });
        match peer_groups::by_hand(number, members, pairs, cross_street) {
            Ok(group) => groups.push(group),
            Err(e) => problems.push(e.to_string()),
        }
    }
    if problems.is_empty() {
        Ok(groups)
    } else {
        problems.dedup();
        Err(ServiceError::BadRequest(problems.join("；")))
    }
}

/// What a campaign's groups hold, read once for a view.
pub(super) struct Gathered {
    pub(super) plan: Option<queries::peer_reviews::PlanRow>,
    /// (group number, unit id) in circle order.
    pub(super) members: Vec<(i32, i64)>,
    /// (group number, reviewer, reviewed).
    pub(super) assignments: Vec<(i32, i64, i64)>,
    /// Newest review per (reviewed, reviewer).
    pub(super) latest: Vec<PeerReviewRow>,
    /// The current upload of each unit that has one.
    pub(super) current_submission: HashMap<i64, i64>,
    /// Spot-check total per submission: (assessment id, total).
    pub(super) spot: HashMap<i64, (i64, Points)>,
}

/// `with_results`: also each unit's current upload and spot check, which
/// only the figures and the groups' stray need (the bureau's and leaders'
/// views); a unit's or a street's view of its groups reads none.
pub(super) fn gather(
    conn: &mut DbConn,
    campaign_id: i64,
    with_results: bool,
) -> ServiceResult<Gathered> {
    let current = if with_results {
        queries::assessments::current(conn, campaign_id, None)?
    } else {
        Vec::new()
    };
    let current_submission: HashMap<i64, i64> = current
        .iter()
        .map(|a| (a.unit_id, a.submission_id))
        .collect();
    let submissions: Vec<i64> = current_submission.values().copied().collect();
    let spot = queries::assessments::newest_by_review_kind(
        conn,
        &submissions,
        reviews::ReviewKind::Spot.as_str(),
    )?
    .into_iter()
    .map(|(s, a, total)| (s, (a, Points(total))))
    .collect();
    Ok(Gathered {
        plan: queries::peer_reviews::plan(conn, campaign_id)?,
        members: queries::peer_reviews::members(conn, campaign_id)?,
        assignments: queries::peer_reviews::assignments(conn, campaign_id)?,
        latest: queries::peer_reviews::latest(conn, campaign_id, None)?,
        current_submission,
        spot,
    })
}

/// Which groups an account sees: every one for the bureau and leaders,
/// those holding a unit of its street for a street officer, its own for a
/// unit account.
fn sees_group(actor: &Actor, units: &[i64]) -> bool {
    match actor.role {
        Role::Admin | Role::Inspector | Role::Leader => true,
        Role::Unit => actor.unit_id.is_some_and(|u| units.contains(&u)),
        Role::Street => units.iter().any(|u| actor.acts_for_unit(*u)),
    }
}

/// A campaign's groups as `actor` may see them.
pub fn plan(conn: &mut DbConn, env: Env<'_>, actor: &Actor, year: i32) -> ServiceResult<PlanView> {
    let campaign = campaign_of_year(conn, year)?;
    let bureau = reads_figures(actor);
    let data = gather(conn, campaign.id, bureau)?;
    let units = roster(conn)?;
    let mut by_group: BTreeMap<i32, Vec<i64>> = BTreeMap::new();
    for (number, unit) in &data.members {
        by_group.entry(*number).or_default().push(*unit);
    }
    let latest: HashMap<(i64, i64), &PeerReviewRow> = data
        .latest
        .iter()
        .map(|r| ((r.reviewer_unit_id, r.reviewed_unit_id), r))
        .collect();
    let groups = by_group
        .into_iter()
        .filter(|(_, members)| sees_group(actor, members))
        .map(|(number, members)| {
            let pairs: Vec<(i64, i64)> = data
                .assignments
                .iter()
                .filter(|(n, _, _)| *n == number)
                .map(|(_, a, b)| (*a, *b))
                .collect();
            let mut compared = Vec::new();
            let reviews = pairs
                .iter()
                .map(|&(reviewer, reviewed)| {
                    let done = latest.get(&(reviewer, reviewed));
                    if let Some(r) = done
                        && data.current_submission.get(&reviewed) == Some(&r.submission_id)
                        && let Some((_, spot)) = data.spot.get(&r.submission_id)
                    {
                        compared.push((Points(r.total), *spot));
                    }
                    PairView {
                        reviewer: unit_view(&units, reviewer),
                        reviewed: unit_view(&units, reviewed),
                        total: done.map(|r| Points(r.total)),
                        reviewed_at: done.map(|r| env.clock.zone.show(r.created_at)),
                    }
                })
                .collect();
            GroupView {
                number,
                name: format!("第{number}组"),
                units: members.iter().map(|u| unit_view(&units, *u)).collect(),
                reviews,
                stray: bureau.then(|| stray_view(&compared)),
            }
        })
        .collect();
    Ok(PlanView {
        year,
        formed: data.plan.is_some(),
        seed: data.plan.as_ref().and_then(|p| p.seed).map(|s| s as u64),
        cross_street: data.plan.as_ref().is_some_and(|p| p.cross_street),
        formed_at: data.plan.as_ref().map(|p| env.clock.zone.show(p.formed_at)),
        formed_by: data.plan.and_then(|p| p.formed_by),
        groups,
    })
}

fn stray_view(pairs: &[(Points, Points)]) -> StrayView {
    let s = peer_groups::stray(pairs);
    StrayView {
        compared: s.compared,
        mean_difference: s.mean.as_ref().map(|m| Points::round_ratio(m, 2)),
        max_difference: s.max,
        bias: s.bias.as_ref().map(|b| Points::round_ratio(b, 2)),
    }
}

/// Whether the account reads the district's 互查 figures: the bureau and
/// leaders.
pub(super) fn reads_figures(actor: &Actor) -> bool {
    actor.role.is_bureau() || actor.role == Role::Leader
}

/// The unit a unit account reviews for; no other account records a 互查.
fn reviewer_of(actor: &Actor) -> ServiceResult<i64> {
    match (actor.role, actor.unit_id) {
        (Role::Unit, Some(unit)) => Ok(unit),
        _ => Err(ServiceError::Forbidden("互查由被分配的单位账号填写".into())),
    }
}

/// The unit `code` names and its current upload, when `reviewer` was
/// assigned to review it in `campaign`.
fn assigned_upload(
    conn: &mut DbConn,
    campaign: &CampaignRow,
    reviewer: i64,
    code: &str,
) -> ServiceResult<(UnitRow, SubmissionRow)> {
    let code = code.trim();
    let reviewed = queries::units::find_by_code(conn, code)?
        .ok_or_else(|| ServiceError::NotFound(format!("单位“{code}”不存在")))?;
    let year = campaign.year;
    if !queries::peer_reviews::is_assigned(conn, campaign.id, reviewer, reviewed.id)? {
        return Err(ServiceError::Forbidden(format!(
            "本单位在 {year} 年度没有被分配互查“{}”",
            reviewed.name
        )));
    }
    let submission =
        queries::submissions::current(conn, reviewed.id, campaign.id)?.ok_or_else(|| {
            ServiceError::Conflict(format!("“{}”尚未上传 {year} 年度自查表", reviewed.name))
        })?;
    Ok((reviewed, submission))
}

/// Records a peer's 互查 of an assigned unit's current upload: the unit's
/// own answers with the peer's changes, scored as the bureau would score
/// them, kept beside (never instead of) the unit's result.
pub fn record(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    year: i32,
    request: &PeerReviewRequest,
) -> ServiceResult<PeerReviewView> {
    let reviewer = reviewer_of(actor)?;
    let campaign = campaign_of_year(conn, year)?;
    if campaign.closed {
        return Err(ServiceError::Conflict(format!(
            "{year} 年度年检已关闭，不再接受互查"
        )));
    }
    let (id, reviewed_id) = write(conn, |conn| {
        let (reviewed, submission) = assigned_upload(conn, &campaign, reviewer, &request.unit)?;
        let checklist = checklists::get(conn, env.catalog, &submission.checklist_reference)?;
        let overrides = reviews::checked_overrides(&checklist, &request.items, &request.inputs)?;
        let mut answers = reviews::stored_answers(conn, &checklist, submission.id, &reviewed.kind)?;
        let item_answers = reviews::apply_overrides(&checklist, &mut answers, &overrides);
        let card = crate::domain::score(&checklist, &answers, &item_answers);
        let items: Vec<(String, i32, bool)> = card
            .items
            .iter()
            .map(|i| (i.code.clone(), i.points.0, i.applicable))
            .collect();
        let changes = serde_json::to_string(
            &overrides
                .iter()
                .map(|o| {
                    serde_json::json!({
                        "target": o.target, "code": o.code, "value": o.value, "reason": o.reason
                    })
                })
                .collect::<Vec<_>>(),
        )
        .map_err(|e| ServiceError::fault("互查记录无法保存", e))?;
        let id = queries::peer_reviews::insert(
            conn,
            &NewPeerReview {
                campaign_id: campaign.id,
                reviewer_unit_id: reviewer,
                reviewed_unit_id: reviewed.id,
                submission_id: submission.id,
                user_id: actor.user_id,
                note: request.note.trim(),
                total: card.total.0,
                provisional: card.provisional,
                overrides: &changes,
                created_at: env.clock.now,
                items: &items,
            },
        )?;
        audit::record(
            conn,
            actor,
            env.clock,
            "peer.review",
            Entity::PeerReview(id),
            format!(
                "互查“{}”（自查表 {}），总分 {}，改动 {} 处",
                reviewed.name,
                submission.id,
                card.total,
                overrides.len()
            ),
        )?;
        Ok::<_, ServiceError>((id, reviewed.id))
    })?;
    // The pair's newest review: the one just recorded.
    let row = queries::peer_reviews::latest(conn, campaign.id, Some((reviewer, reviewed_id)))?
        .into_iter()
        .next()
        .ok_or_else(|| ServiceError::NotFound(format!("互查记录 {id} 不存在")))?;
    review_view(conn, env, row)
}

fn review_view(
    conn: &mut DbConn,
    env: Env<'_>,
    row: PeerReviewRow,
) -> ServiceResult<PeerReviewView> {
    let id = row.id;
    let units = roster(conn)?;
    let own: HashMap<String, Points> =
        match queries::assessments::first_ids(conn, &[row.submission_id])?.first() {
            Some((_, assessment)) => queries::assessments::items(conn, *assessment)?
                .into_iter()
                .map(|i| (i.item_code, Points(i.points)))
                .collect(),
            None => HashMap::new(),
        };
    let items = queries::peer_reviews::items(conn, &[id])?
        .into_iter()
        .map(|(_, code, points, applicable)| PeerItem {
            self_points: own.get(&code).copied(),
            code,
            points: Points(points),
            applicable,
        })
        .collect();
    Ok(PeerReviewView {
        id,
        reviewer: unit_view(&units, row.reviewer_unit_id),
        reviewed: unit_view(&units, row.reviewed_unit_id),
        submission_id: row.submission_id,
        total: Points(row.total),
        provisional: row.provisional,
        note: row.note,
        reviewed_at: env.clock.zone.show(row.created_at),
        items,
    })
}

/// A unit account's 互查 of a year: whom it reviews and who reviews it.
#[derive(Clone, Debug, Serialize)]
pub struct Assigned {
    pub year: Option<i32>,
    pub years: Vec<i32>,
    /// Groups were formed this year.
    pub formed: bool,
    pub group: Option<i32>,
    pub to_review: Vec<PairView>,
    pub reviewed_by: Vec<PairView>,
}

/// The year asked, else the newest campaign's.
fn year_or_newest(conn: &mut DbConn, year: Option<i32>) -> ServiceResult<(Option<i32>, Vec<i32>)> {
    // Newest first, as campaigns::years lists them.
    let years = super::campaigns::years(conn)?;
    Ok((year.or_else(|| years.first().copied()), years))
}

/// What a unit account's 互查 page lists.
pub fn assigned(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    year: Option<i32>,
) -> ServiceResult<Assigned> {
    let own = match (actor.role, actor.unit_id) {
        (Role::Unit, Some(unit)) => unit,
        _ => return Err(ServiceError::Forbidden("互查任务只对单位账号显示".into())),
    };
    let (year, years) = year_or_newest(conn, year)?;
    let empty = Assigned {
        year,
        years: years.clone(),
        formed: false,
        group: None,
        to_review: Vec::new(),
        reviewed_by: Vec::new(),
    };
    let Some(year) = year else {
        return Ok(empty);
    };
    let plan = plan(conn, env, actor, year)?;
    let code = queries::units::get(conn, own)?.code;
    let Some(group) = plan.groups.into_iter().next() else {
        return Ok(Assigned {
            formed: plan.formed,
            ..empty
        });
    };
    let (to_review, reviewed_by) = group
        .reviews
        .into_iter()
        .filter(|p| p.reviewer.code == code || p.reviewed.code == code)
        .partition(|p| p.reviewer.code == code);
    Ok(Assigned {
        formed: true,
        group: Some(group.number),
        to_review,
        reviewed_by,
        ..empty
    })
}

/// The form of a peer's 互查: the reviewed unit's self-assessment item by
/// item, and the peer's last review of it.
#[derive(Clone, Debug, Serialize)]
pub struct PeerSheet {
    pub year: i32,
    pub unit: GroupUnit,
    pub detail: super::assessments::AssessmentDetail,
    pub last: Option<PeerReviewView>,
}

pub fn sheet(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    year: i32,
    code: &str,
) -> ServiceResult<PeerSheet> {
    let reviewer = reviewer_of(actor)?;
    let campaign = campaign_of_year(conn, year)?;
    let (reviewed, submission) = assigned_upload(conn, &campaign, reviewer, code)?;
    let own = queries::assessments::first_ids(conn, &[submission.id])?
        .first()
        .map(|(_, a)| *a)
        .ok_or_else(|| ServiceError::NotFound("该自查表没有考核结果".into()))?;
    // The assignment lets the peer read this one self-assessment, which its
    // own account could not: read as a reader who changes nothing.
    let reader = Actor {
        role: Role::Leader,
        unit_id: None,
        street: None,
        ..actor.clone()
    };
    let detail = super::assessments::detail(conn, env, &reader, own)?;
    let last =
        match queries::peer_reviews::latest(conn, campaign.id, Some((reviewer, reviewed.id)))?
            .into_iter()
            .next()
        {
            Some(row) => Some(review_view(conn, env, row)?),
            None => None,
        };
    Ok(PeerSheet {
        year,
        unit: GroupUnit {
            code: reviewed.code,
            name: reviewed.name,
            street: detail.summary.unit.street.clone(),
        },
        detail,
        last,
    })
}

/// The bureau's 互查 page: a year's groups, with the years to choose from.
#[derive(Clone, Debug, Serialize)]
pub struct Desk {
    pub year: Option<i32>,
    pub years: Vec<i32>,
    pub plan: Option<PlanView>,
}

pub fn desk(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    year: Option<i32>,
) -> ServiceResult<Desk> {
    if !(actor.role.is_bureau() || actor.role == Role::Leader) {
        return Err(ServiceError::Forbidden(
            "互查分组仅供档案局和领导查看".into(),
        ));
    }
    let (year, years) = year_or_newest(conn, year)?;
    let plan = match year {
        Some(y) => Some(plan(conn, env, actor, y)?),
        None => None,
    };
    Ok(Desk { year, years, plan })
}
