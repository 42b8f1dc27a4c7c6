//! JSON handlers under `/api/v1`, one file per resource, each handler an
//! extract → one service call → answer.

pub mod assessments;
pub mod audit;
pub mod campaigns;
pub mod checklists;
pub mod evidence;
pub mod flags;
pub mod rectifications;
pub mod reports;
pub mod samples;
pub mod session;
pub mod submissions;
pub mod units;
pub mod users;

use serde::{Deserialize, Serialize};

/// A list answer: `{"items": [...]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Items<T: Serialize> {
    pub items: Vec<T>,
}

impl<T: Serialize> Items<T> {
    pub fn of(items: Vec<T>) -> actix_web::web::Json<Items<T>> {
        actix_web::web::Json(Items { items })
    }
}

/// `?year=Y`
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct YearQuery {
    pub year: Option<i32>,
}
