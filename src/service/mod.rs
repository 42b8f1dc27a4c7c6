//! Use cases shared by the command line and the web: plain synchronous
//! functions that tie ingest, domain, store and reports together.

pub mod scoring;
pub mod demo;
