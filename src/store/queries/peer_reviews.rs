//! 互查: a campaign's mutual-review groups, who reviews whom, and the peer
//! units' reviews.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::on_backend;
use crate::store::schema::{
    peer_review_items, peer_reviews, review_assignments, review_group_members, review_groups,
    review_plans, users,
};
use crate::store::{Backend, DbConn, StoreResult};

/// Rows per multi-row INSERT: far below SQLite's bound-parameter limit.
const CHUNK: usize = 500;

/// How a campaign's groups were formed.
#[derive(Clone, Debug, Queryable)]
pub struct PlanRow {
    pub campaign_id: i64,
    pub seed: Option<i64>,
    pub cross_street: bool,
    pub formed_at: NaiveDateTime,
    /// Who formed them (the account's user name).
    pub formed_by: Option<String>,
}

/// A group as stored: its number and members in circle order.
pub struct NewGroup {
    pub number: i32,
    pub members: Vec<i64>,
    /// (reviewer, reviewed) unit ids.
    pub assignments: Vec<(i64, i64)>,
}

pub fn plan(conn: &mut DbConn, campaign_id: i64) -> StoreResult<Option<PlanRow>> {
    Ok(review_plans::table
        .left_join(users::table.on(users::id.nullable().eq(review_plans::formed_by)))
        .filter(review_plans::campaign_id.eq(campaign_id))
        .select((
            review_plans::campaign_id,
            review_plans::seed,
            review_plans::cross_street,
            review_plans::formed_at,
            users::username.nullable(),
        ))
        .first(conn)
        .optional()?)
}

/// Replaces a campaign's groups (and plan) with `groups`.
pub fn replace(
    conn: &mut DbConn,
    campaign_id: i64,
    seed: Option<i64>,
    cross_street: bool,
    formed_by: Option<i64>,
    now: NaiveDateTime,
    groups: &[NewGroup],
) -> StoreResult<()> {
    diesel::delete(
        review_assignments::table.filter(review_assignments::campaign_id.eq(campaign_id)),
    )
    .execute(conn)?;
    diesel::delete(
        review_group_members::table.filter(review_group_members::campaign_id.eq(campaign_id)),
    )
    .execute(conn)?;
    diesel::delete(review_groups::table.filter(review_groups::campaign_id.eq(campaign_id)))
        .execute(conn)?;
    diesel::delete(review_plans::table.filter(review_plans::campaign_id.eq(campaign_id)))
        .execute(conn)?;
    diesel::insert_into(review_plans::table)
        .values((
            review_plans::campaign_id.eq(campaign_id),
            review_plans::seed.eq(seed),
            review_plans::cross_street.eq(cross_street),
            review_plans::formed_by.eq(formed_by),
            review_plans::formed_at.eq(now),
        ))
        .execute(conn)?;
    for group in groups {
        let insert = diesel::insert_into(review_groups::table)
            .values((
                review_groups::campaign_id.eq(campaign_id),
                review_groups::number.eq(group.number),
            ))
            .returning(review_groups::id);
        let group_id: i64 = on_backend!(&mut *conn, |c| insert.get_result(c))?;
        let members: Vec<_> = group
            .members
            .iter()
            .enumerate()
            .map(|(position, unit_id)| {
                (
                    review_group_members::campaign_id.eq(campaign_id),
                    review_group_members::unit_id.eq(*unit_id),
                    review_group_members::group_id.eq(group_id),
                    review_group_members::position.eq(position as i32),
                )
            })
            .collect();
        for chunk in members.chunks(CHUNK) {
            let insert = diesel::insert_into(review_group_members::table).values(chunk);
            on_backend!(&mut *conn, |c| insert.execute(c))?;
        }
        let pairs: Vec<_> = group
            .assignments
            .iter()
            .map(|(reviewer, reviewed)| {
                (
                    review_assignments::campaign_id.eq(campaign_id),
                    review_assignments::group_id.eq(group_id),
                    review_assignments::reviewer_unit_id.eq(*reviewer),
                    review_assignments::reviewed_unit_id.eq(*reviewed),
                )
            })
            .collect();
        for chunk in pairs.chunks(CHUNK) {
            let insert = diesel::insert_into(review_assignments::table).values(chunk);
            on_backend!(&mut *conn, |c| insert.execute(c))?;
        }
    }
    Ok(())
}

/// A campaign's groups: (group number, unit id) in circle order.
pub fn members(conn: &mut DbConn, campaign_id: i64) -> StoreResult<Vec<(i32, i64)>> {
    Ok(review_group_members::table
        .inner_join(review_groups::table.on(review_groups::id.eq(review_group_members::group_id)))
        .filter(review_group_members::campaign_id.eq(campaign_id))
        .order((
            review_groups::number.asc(),
            review_group_members::position.asc(),
        ))
        .select((review_groups::number, review_group_members::unit_id))
        .load(conn)?)
}

/// A campaign's assignments: (group number, reviewer, reviewed).
pub fn assignments(conn: &mut DbConn, campaign_id: i64) -> StoreResult<Vec<(i32, i64, i64)>> {
    Ok(review_assignments::table
        .inner_join(review_groups::table.on(review_groups::id.eq(review_assignments::group_id)))
        .filter(review_assignments::campaign_id.eq(campaign_id))
        .order((
            review_groups::number.asc(),
            review_assignments::reviewer_unit_id.asc(),
            review_assignments::reviewed_unit_id.asc(),
        ))
        .select((
            review_groups::number,
            review_assignments::reviewer_unit_id,
            review_assignments::reviewed_unit_id,
        ))
        .load(conn)?)
}

/// Whether `reviewer` is assigned to review `reviewed` in the campaign.
pub fn is_assigned(
    conn: &mut DbConn,
    campaign_id: i64,
    reviewer: i64,
    reviewed: i64,
) -> StoreResult<bool> {
    Ok(review_assignments::table
        .find((campaign_id, reviewer, reviewed))
        .select(review_assignments::campaign_id)
        .first::<i64>(conn)
        .optional()?
        .is_some())
}

/// A peer review as stored, without its items.
#[derive(Clone, Debug, Queryable)]
pub struct PeerReviewRow {
    pub id: i64,
    pub campaign_id: i64,
    pub reviewer_unit_id: i64,
    pub reviewed_unit_id: i64,
    pub submission_id: i64,
    pub note: String,
    pub total: i32,
    pub provisional: bool,
    pub overrides: String,
    pub created_at: NaiveDateTime,
    pub reviewed_by: Option<String>,
}

pub struct NewPeerReview<'a> {
    pub campaign_id: i64,
    pub reviewer_unit_id: i64,
    pub reviewed_unit_id: i64,
    pub submission_id: i64,
    pub user_id: Option<i64>,
    pub note: &'a str,
    pub total: i32,
    pub provisional: bool,
    pub overrides: &'a str,
    pub created_at: NaiveDateTime,
    /// (item code, points in hundredths, applicable), in checklist order.
    pub items: &'a [(String, i32, bool)],
}

pub fn insert(conn: &mut DbConn, new: &NewPeerReview<'_>) -> StoreResult<i64> {
    let query = diesel::insert_into(peer_reviews::table)
        .values((
            peer_reviews::campaign_id.eq(new.campaign_id),
            peer_reviews::reviewer_unit_id.eq(new.reviewer_unit_id),
            peer_reviews::reviewed_unit_id.eq(new.reviewed_unit_id),
            peer_reviews::submission_id.eq(new.submission_id),
            peer_reviews::user_id.eq(new.user_id),
            peer_reviews::note.eq(new.note),
            peer_reviews::total.eq(new.total),
            peer_reviews::provisional.eq(new.provisional),
            peer_reviews::overrides.eq(new.overrides),
            peer_reviews::created_at.eq(new.created_at),
        ))
        .returning(peer_reviews::id);
    let id: i64 = on_backend!(&mut *conn, |c| query.get_result(c))?;
    let items: Vec<_> = new
        .items
        .iter()
        .enumerate()
        .map(|(position, (code, points, applicable))| {
            (
                peer_review_items::peer_review_id.eq(id),
                peer_review_items::item_code.eq(code),
                peer_review_items::position.eq(position as i32),
                peer_review_items::points.eq(*points),
                peer_review_items::applicable.eq(*applicable),
            )
        })
        .collect();
    for chunk in items.chunks(CHUNK) {
        let insert = diesel::insert_into(peer_review_items::table).values(chunk);
        on_backend!(&mut *conn, |c| insert.execute(c))?;
    }
    Ok(id)
}

/// Whether any peer review of the campaign was recorded.
pub fn any(conn: &mut DbConn, campaign_id: i64) -> StoreResult<bool> {
    Ok(peer_reviews::table
        .filter(peer_reviews::campaign_id.eq(campaign_id))
        .select(peer_reviews::id)
        .first::<i64>(conn)
        .optional()?
        .is_some())
}

/// The newest peer review of each (reviewer, reviewed) pair of a campaign,
/// ordered by reviewed unit, then reviewer; of one pair only when `pair`
/// names it.
pub fn latest(
    conn: &mut DbConn,
    campaign_id: i64,
    pair: Option<(i64, i64)>,
) -> StoreResult<Vec<PeerReviewRow>> {
    let mut query = peer_reviews::table
        .left_join(users::table.on(users::id.nullable().eq(peer_reviews::user_id)))
        .filter(peer_reviews::campaign_id.eq(campaign_id))
        .into_boxed::<Backend>();
    if let Some((reviewer, reviewed)) = pair {
        query = query
            .filter(peer_reviews::reviewer_unit_id.eq(reviewer))
            .filter(peer_reviews::reviewed_unit_id.eq(reviewed));
    }
    let rows: Vec<PeerReviewRow> = query
        .order((
            peer_reviews::reviewed_unit_id.asc(),
            peer_reviews::reviewer_unit_id.asc(),
            peer_reviews::id.desc(),
        ))
        .select((
            peer_reviews::id,
            peer_reviews::campaign_id,
            peer_reviews::reviewer_unit_id,
            peer_reviews::reviewed_unit_id,
            peer_reviews::submission_id,
            peer_reviews::note,
            peer_reviews::total,
            peer_reviews::provisional,
            peer_reviews::overrides,
            peer_reviews::created_at,
            users::username.nullable(),
        ))
        .load(conn)?;
    let mut out: Vec<PeerReviewRow> = Vec::new();
    for row in rows {
        if out.last().is_none_or(|l| {
            (l.reviewed_unit_id, l.reviewer_unit_id) != (row.reviewed_unit_id, row.reviewer_unit_id)
        }) {
            out.push(row);
        }
    }
    Ok(out)
}

/// The items of `reviews`: (peer review id, item code, points, applicable).
pub fn items(conn: &mut DbConn, reviews: &[i64]) -> StoreResult<Vec<(i64, String, i32, bool)>> {
    let mut out = Vec::new();
    for chunk in reviews.chunks(CHUNK) {
        let rows: Vec<(i64, String, i32, bool)> = peer_review_items::table
            .filter(peer_review_items::peer_review_id.eq_any(chunk))
            .order((
                peer_review_items::peer_review_id.asc(),
                peer_review_items::position.asc(),
            ))
            .select((
                peer_review_items::peer_review_id,
                peer_review_items::item_code,
                peer_review_items::points,
                peer_review_items::applicable,
            ))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}
