//! The district report models (the dashboard's part) and workbooks last
//! gathered, per year, street, data version and day: a leader's refresh
//! reuses the dashboard's gather, and a download's gather also answers the
//! dashboard, until something is written.
//! Owned by whoever serves (the web state) and handed to the report
//! functions; a few entries only, the least recently used dropped first.

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::NaiveDate;

use crate::reports::model::DistrictReport;

/// What a district report depends on besides the code: the day counts
/// because overdue days are reckoned from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportKey {
    pub year: i32,
    pub street: Option<String>,
    pub version: i64,
    pub today: NaiveDate,
}

impl ReportKey {
    fn same_report(&self, other: &ReportKey) -> bool {
        self.year == other.year && self.street == other.street
    }
}

/// The dashboard's part of a report and the workbook, each kept once
/// gathered (the workbook's gather reads every order, the dashboard's only
/// counts them).
struct Entry {
    key: ReportKey,
    report: Option<Arc<DistrictReport>>,
    xlsx: Option<Arc<Vec<u8>>>,
}

/// Bounded: at most `capacity` reports (a 5,000-unit model and its
/// workbook take some tens of MB).
pub struct ReportCache {
    capacity: usize,
    /// Least recently used first.
    entries: Mutex<Vec<Entry>>,
}

impl ReportCache {
    pub fn new(capacity: usize) -> ReportCache {
        ReportCache {
            capacity: capacity.max(1),
            entries: Mutex::new(Vec::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Entry>> {
        // Nothing panics while holding the lock; a poisoned one is whole.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The entry for `key`, made the most recently used.
    fn touch<T>(&self, key: &ReportKey, read: impl FnOnce(&Entry) -> Option<T>) -> Option<T> {
        let mut entries = self.lock();
        let at = entries.iter().position(|e| &e.key == key)?;
        let entry = entries.remove(at);
        let found = read(&entry);
        entries.push(entry);
        found
    }

    /// The dashboard's part of the report kept for `key`.
    pub fn report(&self, key: &ReportKey) -> Option<Arc<DistrictReport>> {
        self.touch(key, |e| e.report.clone())
    }

    pub fn xlsx(&self, key: &ReportKey) -> Option<Arc<Vec<u8>>> {
        self.touch(key, |e| e.xlsx.clone())
    }

    /// The entry for `key`, made the most recently used, created when
    /// missing; older versions of the same report go at once (nobody can
    /// ask for them again).
    fn keep(&self, key: &ReportKey, set: impl FnOnce(&mut Entry)) {
        let mut entries = self.lock();
        let mut entry = match entries.iter().position(|e| &e.key == key) {
            Some(at) => entries.remove(at),
            None => {
                entries.retain(|e| !e.key.same_report(key));
                Entry {
                    key: key.clone(),
                    report: None,
                    xlsx: None,
                }
            }
        };
        set(&mut entry);
        entries.push(entry);
        let over = entries.len().saturating_sub(self.capacity);
        entries.drain(..over);
    }

    /// Keeps the dashboard's part of a report gathered for `key`.
    pub fn keep_report(&self, key: ReportKey, report: Arc<DistrictReport>) {
        self.keep(&key, |e| e.report = Some(report));
    }

    /// Keeps the workbook written for `key`.
    pub fn keep_xlsx(&self, key: &ReportKey, bytes: Arc<Vec<u8>>) {
        self.keep(key, |e| e.xlsx = Some(bytes));
    }

    /// How many reports are kept (for tests and metrics).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for ReportCache {
    fn default() -> ReportCache {
        ReportCache::new(4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(year: i32, street: Option<&str>, version: i64) -> ReportKey {
        ReportKey {
            year,
            street: street.map(str::to_string),
            version,
            today: NaiveDate::from_ymd_opt(2013, 3, 1).unwrap(),
        }
    }

    fn report() -> Arc<DistrictReport> {
        Arc::new(crate::reports::model::district(
            &crate::reports::model::ReportInput {
                year: 2012,
                previous_year: 2011,
                street: None,
                generated_at: String::new(),
                tiers: Vec::new(),
                units: Vec::new(),
                orders: Vec::new(),
                order_counts: None,
                inputs: Vec::new(),
                history: Vec::new(),
                item_tallies: Vec::new(),
            },
        ))
    }

    #[test]
    fn a_newer_version_misses_and_replaces_the_older() {
        let cache = ReportCache::new(4);
        cache.keep_report(key(2012, None, 1), report());
        assert!(cache.report(&key(2012, None, 1)).is_some());
        assert!(cache.report(&key(2012, None, 2)).is_none());
        cache.keep_report(key(2012, None, 2), report());
        assert_eq!(cache.len(), 1);
        assert!(cache.report(&key(2012, None, 1)).is_none());
    }

    #[test]
    fn the_least_recently_used_goes_first() {
        let cache = ReportCache::new(2);
        cache.keep_report(key(2012, None, 1), report());
        cache.keep_report(key(2011, None, 1), report());
        assert!(cache.report(&key(2012, None, 1)).is_some());
        cache.keep_report(key(2012, Some("小营街道"), 1), report());
        assert_eq!(cache.len(), 2);
        assert!(cache.report(&key(2011, None, 1)).is_none());
        assert!(cache.report(&key(2012, None, 1)).is_some());
    }

    #[test]
    fn a_workbook_and_a_report_are_kept_each_without_the_other() {
        let cache = ReportCache::new(2);
        cache.keep_xlsx(&key(2012, None, 1), Arc::new(vec![1]));
        assert_eq!(cache.xlsx(&key(2012, None, 1)).as_deref(), Some(&vec![1]));
        assert!(cache.report(&key(2012, None, 1)).is_none());
        cache.keep_report(key(2012, None, 1), report());
        assert_eq!(cache.len(), 1);
        assert!(cache.report(&key(2012, None, 1)).is_some());
        assert_eq!(
            cache.xlsx(&key(2012, None, 1)).as_deref(),
            Some(&vec![1]),
            "the report joins the workbook kept for its key"
        );
        // A newer version replaces both.
        cache.keep_report(key(2012, None, 2), report());
        assert_eq!(cache.len(), 1);
        assert!(cache.xlsx(&key(2012, None, 1)).is_none());
        assert!(cache.xlsx(&key(2012, None, 2)).is_none());
    }
}
