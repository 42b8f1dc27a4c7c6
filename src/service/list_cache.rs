//! List answers kept per filter and data version (数据版本): the `total` of
//! a list's filter, and whole pages of the assessment list. Counting a
//! year's current results walks all of them (tens of ms at 50,000 units),
//! every page of the same filter repeats it; and the same pages are asked
//! again and again on a busy morning (the first page of each street, a
//! leader's refresh). Nothing changes either but a write, which moves the
//! version, so a kept answer is exact. Owned by whoever serves (the web
//! state) and handed in; bounded by a weight (rows kept), not by entries.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// Answers kept per filter (or filter and page) at one data version.
pub struct VersionedCache<V> {
    /// key → (data version, weight, value).
    entries: Mutex<HashMap<String, (i64, usize, V)>>,
    /// The most weight kept; past it the stale entries go, then all.
    capacity: usize,
}

impl<V: Clone> VersionedCache<V> {
    pub fn with_capacity(capacity: usize) -> Self {
        VersionedCache {
            entries: Mutex::default(),
            capacity,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, (i64, usize, V)>> {
        // Nothing panics while holding the lock; a poisoned map is whole.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The answer kept for `key` at `version`, if any.
    pub fn get(&self, key: &str, version: i64) -> Option<V> {
        match self.lock().get(key) {
            Some((kept, _, value)) if *kept == version => Some(value.clone()),
            _ => None,
        }
    }

    /// The weight kept now (rows, ids).
    pub fn weight(&self) -> usize {
        self.lock().values().map(|(_, w, _)| w).sum()
    }

    /// Keeps an answer made at `version` (read before the answer, so an
    /// answer is never filed under a version newer than what it saw),
    /// weighing `weight` (at least 1).
    pub fn keep(&self, key: String, version: i64, weight: usize, value: V) {
        let weight = weight.max(1);
        if weight > self.capacity {
            return;
        }
        let mut entries = self.lock();
        entries.remove(&key);
        let mut held: usize = entries.values().map(|(_, w, _)| w).sum();
        if held + weight > self.capacity {
            entries.retain(|_, (kept, _, _)| *kept == version);
            held = entries.values().map(|(_, w, _)| w).sum();
            if held + weight > self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, (version, weight, value));
    }
}

/// The `total` of each list filter (a district's lists have a few dozen
/// filters in use at a time).
pub type CountCache = VersionedCache<i64>;

/// Filters whose count is kept at most.
pub const COUNTS_KEPT: usize = 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_serves_its_key_at_its_version_only() {
        let cache = CountCache::with_capacity(10);
        assert_eq!(cache.get("a", 1), None);
        cache.keep("a".into(), 1, 1, 40);
        assert_eq!(cache.get("a", 1), Some(40));
        assert_eq!(cache.get("a", 2), None, "a write moved the version");
        assert_eq!(cache.get("b", 1), None);
        cache.keep("a".into(), 2, 1, 41);
        assert_eq!(cache.get("a", 2), Some(41));
        assert_eq!(cache.get("a", 1), None);
    }

    #[test]
    fn it_stays_within_its_weight() {
        let cache = CountCache::with_capacity(1024);
        for n in 0..(1024 * 3) {
            cache.keep(format!("f{n}"), n / 10, 1 + (n as usize % 7), n);
        }
        let held: usize = cache.lock().values().map(|(_, w, _)| w).sum();
        assert!(held <= 1024, "{held}");
        let last = 1024 * 3 - 1;
        assert_eq!(cache.get(&format!("f{last}"), last / 10), Some(last));
    }

    #[test]
    fn stale_answers_go_first_and_an_answer_too_heavy_is_not_kept() {
        let cache = CountCache::with_capacity(10);
        cache.keep("old".into(), 1, 6, 1);
        cache.keep("new".into(), 2, 3, 2);
        cache.keep("next".into(), 2, 4, 3);
        assert_eq!(cache.get("old", 1), None, "made room from the stale");
        assert_eq!(cache.get("new", 2), Some(2));
        assert_eq!(cache.get("next", 2), Some(3));
        cache.keep("huge".into(), 2, 11, 4);
        assert_eq!(cache.get("huge", 2), None);
        assert_eq!(cache.get("new", 2), Some(2), "nothing thrown out for it");
    }
}
