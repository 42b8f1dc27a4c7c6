//! JSON handlers under `/api/v1`, one file per resource, each handler an
//! extract → one service call → answer.

pub mod assessments;
pub mod audit;
pub mod campaigns;
pub mod checklists;
pub mod city;
pub mod evidence;
pub mod flags;
pub mod peer_reviews;
pub mod rectifications;
pub mod reminders;
pub mod reports;
pub mod rescore;
pub mod samples;
pub mod session;
pub mod submissions;
pub mod units;
pub mod users;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::service::listing::{PageRequest, Paged};
use crate::web::ApiError;

/// A list answer (contract §4): one page of `items`, with `total` (every
/// matching item), `page` and `per_page`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Items<T: Serialize> {
    pub items: Vec<T>,
    pub total: usize,
    pub page: u32,
    pub per_page: u32,
}

impl<T: Serialize> Items<T> {
    /// A page the service cut.
    pub fn of(paged: Paged<T>) -> actix_web::web::Json<Items<T>> {
        actix_web::web::Json(Items {
            items: paged.items,
            total: paged.total,
            page: paged.page,
            per_page: paged.per_page,
        })
    }

    /// A page the service keeps for other callers too, written as the
    /// same `Items` without copying its rows.
    pub fn shared(paged: Arc<Paged<T>>) -> actix_web::web::Json<SharedItems<T>> {
        actix_web::web::Json(SharedItems(paged))
    }

    /// What an action created, as one page.
    pub fn whole(all: Vec<T>) -> actix_web::web::Json<Items<T>> {
        let per_page = u32::try_from(all.len()).unwrap_or(u32::MAX).max(1);
        Self::of(PageRequest { page: 1, per_page }.cut(all))
    }

    /// A page of a short list the service answers whole.
    pub fn page(
        all: Vec<T>,
        paging: &PagingQuery,
    ) -> Result<actix_web::web::Json<Items<T>>, ApiError> {
        Ok(Self::of(paging.request()?.cut(all)))
    }
}

/// A shared page, serialised as [`Items`] (a `Paged` has the same fields
/// in the same order).
pub struct SharedItems<T>(Arc<Paged<T>>);

impl<T: Serialize> Serialize for SharedItems<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.as_ref().serialize(serializer)
    }
}

/// `?page=P&per_page=N` on every list (contract §4).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct PagingQuery {
    /// The page, from 1 (default 1).
    #[param(minimum = 1, maximum = 4294967295_i64)]
    pub page: Option<i64>,
    /// Items per page (default 100, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub per_page: Option<i64>,
}

impl PagingQuery {
    pub fn request(&self) -> Result<PageRequest, ApiError> {
        Ok(PageRequest::new(self.page, self.per_page)?)
    }
}

/// `?year=Y`
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct YearQuery {
    pub year: Option<i32>,
}
