//! How many rows a list's filter selects (the `total` of a page), kept per
//! filter and data version (数据版本). Counting a year's current results
//! walks all of them (tens of ms at 50,000 units); every page of the same
//! filter repeats it, and nothing changes it but a write, which moves the
//! version. Owned by whoever serves (the web state) and handed in; bounded.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// Filters kept at most; past it the cache starts again (a district's
/// lists have a few dozen filters in use at a time).
const CAPACITY: usize = 1024;

#[derive(Default)]
pub struct CountCache {
    /// filter → (data version, count).
    entries: Mutex<HashMap<String, (i64, i64)>>,
}

impl CountCache {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, (i64, i64)>> {
        // Nothing panics while holding the lock; a poisoned map is whole.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The count kept for `filter` at `version`, if any.
    pub fn get(&self, filter: &str, version: i64) -> Option<i64> {
        match self.lock().get(filter) {
            Some(&(kept, count)) if kept == version => Some(count),
            _ => None,
        }
    }

    /// Keeps a count made at `version` (read before counting, so a count
    /// is never filed under a version newer than what it saw).
    pub fn keep(&self, filter: String, version: i64, count: i64) {
        let mut entries = self.lock();
        if entries.len() >= CAPACITY && !entries.contains_key(&filter) {
            entries.retain(|_, (kept, _)| *kept == version);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(filter, (version, count));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_serves_its_filter_at_its_version_only() {
        let cache = CountCache::default();
        assert_eq!(cache.get("a", 1), None);
        cache.keep("a".into(), 1, 40);
        assert_eq!(cache.get("a", 1), Some(40));
        assert_eq!(cache.get("a", 2), None, "a write moved the version");
        assert_eq!(cache.get("b", 1), None);
        cache.keep("a".into(), 2, 41);
        assert_eq!(cache.get("a", 2), Some(41));
        assert_eq!(cache.get("a", 1), None);
    }

    #[test]
    fn it_stays_bounded() {
        let cache = CountCache::default();
        for n in 0..(CAPACITY as i64 * 3) {
            cache.keep(format!("f{n}"), n / 10, n);
        }
        assert!(cache.lock().len() <= CAPACITY);
        let last = CAPACITY as i64 * 3 - 1;
        assert_eq!(cache.get(&format!("f{last}"), last / 10), Some(last));
    }
}
