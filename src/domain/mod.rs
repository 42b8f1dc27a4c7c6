//! The pure core: checklist model and validation, exact numbers, scoring and
//! tiers. No IO, no clock, no framework: plain functions over plain data.

pub mod audit_chain;
pub mod authoring;
pub mod checklist;
pub mod data_version;
pub mod digest;
pub mod expr;
pub mod local_time;
pub mod number;
pub mod password_policy;
pub mod peer_groups;
pub mod plausibility;
pub mod publication;
pub mod random;
pub mod rectification;
pub mod reminders;
pub mod rescore;
pub mod sampling;
pub mod scoring;
pub mod text;
pub mod throttle;

pub use checklist::{Checklist, ChecklistProblem, InputType, Item, Rule};
pub use number::{Decimal, Points};
pub use scoring::{Answers, InputValue, ItemAnswer, Scorecard, Shortfall, score};
