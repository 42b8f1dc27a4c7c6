//! Queries, one module per table family. Functions take `&mut DbConn` and
//! plain values; transactions are the caller's (see [`crate::store::write`]).

pub mod assessments;
pub mod audit;
pub mod bulk;
pub mod campaigns;
pub mod checklists;
pub mod digests;
pub mod evidence;
pub mod first_checks;
pub mod flags;
pub mod lists;
pub mod notices;
pub mod peer_reviews;
pub mod publications;
pub mod rectifications;
pub mod reminders;
pub mod reports;
pub mod reviews;
pub mod samples;
pub mod submissions;
pub mod units;
pub mod users;
pub mod versions;
