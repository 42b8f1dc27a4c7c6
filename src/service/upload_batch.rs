//! A batch upload, the one use case behind every way files arrive (the
//! API, the unit's and the bureau's upload pages, `nianjian import`): the
//! files as received are read and scored (the costly part, in parallel,
//! overlapping the storing of the group before), stored in the order given
//! with one rule for every caller — each file all or nothing, committed in
//! groups of [`uploads::GROUP`] — and answered per file: accepted (or
//! recognised as a duplicate) with its result and the items that lost
//! points, or refused with its problems.

use rayon::prelude::*;

use crate::domain::Points;

use super::upload_set;
use super::uploads::{self, Prepared, UploadOutcome};
use super::{Actor, Env, ServiceError};

/// How to store a batch.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Score and check without storing anything.
    pub dry_run: bool,
}

/// One file as received.
pub enum Incoming {
    /// Its name and bytes, to be read and scored here.
    File { name: String, bytes: Vec<u8> },
    /// Read and scored already (the web does it within its parse slots; an
    /// archive's entry refused unread is prepared as refused).
    Prepared(Box<Prepared>),
    /// Refused before it could be read (unreadable, or the server too
    /// busy to read it): answered so, nothing stored.
    Refused { name: String, error: ServiceError },
}

/// An item of an accepted workbook that earned less than its full points.
#[derive(Clone, Debug)]
pub struct LostItem {
    pub code: String,
    /// Its title in the checklist (empty if the checklist is unknown).
    pub title: String,
    pub full: Points,
    pub earned: Points,
}

/// An accepted file (`outcome.duplicate` when the same bytes were already
/// the unit's current submission).
#[derive(Clone, Debug)]
pub struct Accepted {
    pub outcome: UploadOutcome,
    /// The applicable items that lost points, in checklist order.
    pub lost: Vec<LostItem>,
}

/// One file's answer, in the order the files were given.
#[derive(Debug)]
pub struct FileOutcome {
    /// The file's name (for an archive's entry, `archive/entry`).
    pub file: String,
    /// Accepted, or refused: `ServiceError::Invalid` with the workbook's
    /// problems, another error with its reason.
    pub result: Result<Accepted, ServiceError>,
}

impl FileOutcome {
    pub fn accepted(&self) -> bool {
        self.result.is_ok()
    }
}

/// Reads and scores what needs it (in parallel), then stores every file in
/// the order given (unless `dry_run`): each file its own savepoint, files
/// committed in groups. One answer per incoming file, in order.
pub fn upload(
    conn: &mut crate::store::DbConn,
    env: Env<'_>,
    actor: &Actor,
    files: Vec<Incoming>,
    options: Options,
) -> Vec<FileOutcome> {
    let mut outcomes = Vec::with_capacity(files.len());
    let done: Result<(), std::convert::Infallible> =
        upload_each(conn, env, actor, files.into_iter(), options, |o| {
            outcomes.push(o);
            Ok(())
        });
    let Ok(()) = done;
    outcomes
}

/// As [`upload`], for files that come one after another (an import of a
/// directory), answered one by one to `each` in order. A pipeline: while
/// one group is being stored, the next ones are read and scored on every
/// core (at most two groups wait), so the database work hides behind the
/// parsing. An error of `each` stops the import there.
pub fn upload_each<E>(
    conn: &mut crate::store::DbConn,
    env: Env<'_>,
    actor: &Actor,
    files: impl Iterator<Item = Incoming> + Send,
    options: Options,
    mut each: impl FnMut(FileOutcome) -> Result<(), E>,
) -> Result<(), E> {
    std::thread::scope(|scope| {
        let (ready, groups) = std::sync::mpsc::sync_channel::<Vec<Ready>>(2);
        scope.spawn(move || {
            let mut files = files;
            loop {
                let group: Vec<Incoming> = files.by_ref().take(uploads::GROUP).collect();
                if group.is_empty() {
                    break;
                }
                let group = group.into_par_iter().map(|f| read(env, f)).collect();
                // The receiver gone: the import stopped.
                if ready.send(group).is_err() {
                    break;
                }
            }
        });
        let mut stored = false;
        for group in groups.iter() {
            stored |= !options.dry_run;
            for outcome in store(conn, env, actor, group, options) {
                // Returning drops the receiver, which stops the reader.
                each(outcome)?;
            }
        }
        if stored {
            refresh_statistics(conn);
        }
        Ok(())
    })
}

/// After a bulk upload, the planner statistics of the tables it grew
/// (`store::statistics`): the reports and lists read next plan on them.
/// The files are committed already, so a failure here is only logged.
fn refresh_statistics(conn: &mut crate::store::DbConn) {
    match crate::store::statistics::refresh(conn) {
        Ok(done) if !done.is_empty() => {
            tracing::debug!(tables = ?done, "statistics refreshed after a bulk upload");
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "批量导入后未能更新统计信息"),
    }
}

/// A file read and scored (or refused before), with its name.
type Ready = (String, Result<Prepared, ServiceError>);

fn read(env: Env<'_>, file: Incoming) -> Ready {
    match file {
        Incoming::File { name, bytes } => {
            let prepared = uploads::prepare(env, &name, bytes);
            (name, Ok(prepared))
        }
        Incoming::Prepared(p) => (p.file_name.clone(), Ok(*p)),
        Incoming::Refused { name, error } => (name, Err(error)),
    }
}

/// Stores one group of read files; their answers, in order.
fn store(
    conn: &mut crate::store::DbConn,
    env: Env<'_>,
    actor: &Actor,
    ready: Vec<Ready>,
    options: Options,
) -> Vec<FileOutcome> {
    let mut names = Vec::with_capacity(ready.len());
    let mut slots = Vec::with_capacity(ready.len());
    let mut to_store = Vec::new();
    for (name, r) in ready {
        names.push(name);
        match r {
            Ok(p) => {
                to_store.push(p);
                slots.push(None);
            }
            Err(e) => slots.push(Some(Err(e))),
        }
    }
    let mut stored =
        upload_set::commit_all(conn, env, actor, to_store, options.dry_run).into_iter();
    names
        .into_iter()
        .zip(slots)
        .map(|(file, slot)| {
            let result = slot
                .or_else(|| stored.next())
                .unwrap_or_else(|| Err(ServiceError::Internal("a file was left unanswered".into())))
                .map(|outcome| accepted(env, outcome));
            FileOutcome { file, result }
        })
        .collect()
}

/// An accepted outcome with the items that lost points.
fn accepted(env: Env<'_>, outcome: UploadOutcome) -> Accepted {
    let checklist = env.catalog.get(&outcome.result.checklist);
    let lost = outcome
        .result
        .items
        .iter()
        .filter_map(|i| {
            let earned = i.points.filter(|p| i.applicable && *p < i.max)?;
            Some(LostItem {
                code: i.code.clone(),
                title: checklist
                    .and_then(|c| c.item(&i.code))
                    .map(|item| item.title.clone())
                    .unwrap_or_default(),
                full: i.max,
                earned,
            })
        })
        .collect();
    Accepted { outcome, lost }
}
