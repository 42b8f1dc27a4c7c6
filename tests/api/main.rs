//! The HTTP API against the real server on a random port, with a fresh
//! database per test: SQLite by default, PostgreSQL when
//! NIANJIAN_TEST_DATABASE=postgres://… is set (see README, "Tests").

mod access;
mod accounts;
mod bulk_import;
mod caching;
mod comparison;
mod concurrency;
mod conformance;
mod demo;
mod digests;
mod districts;
mod evidence;
mod first_check;
mod helpers;
mod listing;
mod multi_server;
mod notices;
mod openapi;
mod operations;
mod pages;
mod peer_reviews;
mod publication;
#[path = "../support/receivers.rs"]
mod receivers;
mod rectifications;
mod reminders;
mod reports;
mod rescore;
mod reviews;
mod roster;
mod samples;
mod uploads;
#[path = "../support/xlsx_edit.rs"]
mod xlsx_edit;
