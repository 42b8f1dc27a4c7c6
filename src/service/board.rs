//! The rectification board (整改督办) for the bureau: a year's orders
//! counted by state, then a page of them, narrowed by street, unit, state,
//! overdue and a search.

use chrono::NaiveDate;
use serde::Serialize;

use crate::store::DbConn;

use super::listing::{PageRequest, Paged};
use super::rectifications::{self, Counts, Filter, RectificationItem};
use super::{Actor, ServiceResult, campaigns, roster};

/// What the board shows.
#[derive(Clone, Debug, Serialize)]
pub struct Board {
    /// The year shown: the one asked for, else the newest campaign's.
    pub year: i32,
    pub years: Vec<i32>,
    /// Counts under the filter.
    pub counts: Counts,
    /// Every street on the roster, for the filter.
    pub streets: Vec<String>,
    pub orders: Paged<RectificationItem>,
}

/// The board of `filter.year` (else the newest campaign's year).
pub fn board(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &Filter,
    today: NaiveDate,
    paging: PageRequest,
) -> ServiceResult<Board> {
    actor.require_bureau()?;
    let years = campaigns::years(conn)?;
    let year = filter.year.or_else(|| years.first().copied()).unwrap_or(0);
    let filter = Filter {
        year: Some(year),
        ..filter.clone()
    };
    let (counts, orders) = rectifications::page_with_counts(conn, actor, &filter, today, paging)?;
    let streets = roster::streets(conn, actor)?;
    Ok(Board {
        year,
        years,
        counts,
        streets,
        orders,
    })
}
