//! nianjian (年检): a district archives bureau's annual inspection.
//!
//! Layers, arrows pointing down only:
//!
//! ```text
//! web, cli ──► service ──► ingest, store, reports, delivery ──► domain
//! ```
//!
//! `domain` is pure (no IO, no clock); only `ingest` names calamine, only
//! `store` names diesel, only `reports` names rust_xlsxwriter/handlebars,
//! only `delivery` names lettre/ureq, only `web` names actix. `tests/architecture.rs` keeps it that way.

pub mod cli;
pub mod delivery;
pub mod domain;
pub mod ingest;
pub mod reports;
pub mod service;
pub mod store;
pub mod web;
