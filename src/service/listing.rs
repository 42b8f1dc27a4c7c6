//! Paging, searching and sorting of lists (分页、检索), shared by the list
//! APIs (contract §4: `page` from 1, `per_page` default 100, at most 1000,
//! answers carry `total`) and the list pages.
//!
//! The year's lists are filtered, counted and cut in the database
//! ([`crate::store::queries::lists`]); [`PageRequest::cut`] remains for
//! the short lists read whole (a unit's own, the roster's few thousand).

use serde::Serialize;

use super::{ServiceError, ServiceResult};

/// The default page size of the list APIs.
pub const DEFAULT_PER_PAGE: u32 = 100;
/// The largest page the list APIs answer.
pub const MAX_PER_PAGE: u32 = 1000;

/// Which page of a list: `page` counts from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub per_page: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl PageRequest {
    /// Checks what a client sent; missing values take the defaults.
    pub fn new(page: Option<i64>, per_page: Option<i64>) -> ServiceResult<Self> {
        let page = match page {
            None => 1,
            Some(p) if (1..=i64::from(u32::MAX)).contains(&p) => p as u32,
            Some(p) => {
                return Err(ServiceError::BadRequest(format!(
                    "页码 page 应为从 1 起的整数，收到的是 {p}"
                )));
            }
        };
        let per_page = match per_page {
            None => DEFAULT_PER_PAGE,
            Some(n) if (1..=i64::from(MAX_PER_PAGE)).contains(&n) => n as u32,
            Some(n) => {
                return Err(ServiceError::BadRequest(format!(
                    "每页条数 per_page 应在 1 到 {MAX_PER_PAGE} 之间，收到的是 {n}"
                )));
            }
        };
        Ok(PageRequest { page, per_page })
    }

    /// As [`PageRequest::new`], with an older `limit` standing for
    /// `per_page` where that is not given; a bad `limit` is refused even
    /// where `per_page` is, as its documentation promises.
    pub fn with_limit(
        page: Option<i64>,
        per_page: Option<i64>,
        limit: Option<i64>,
    ) -> ServiceResult<Self> {
        if let Some(l) = limit
            && !(1..=i64::from(MAX_PER_PAGE)).contains(&l)
        {
            return Err(ServiceError::BadRequest(format!(
                "条数 limit 应在 1 到 {MAX_PER_PAGE} 之间，收到的是 {l}"
            )));
        }
        PageRequest::new(page, per_page.or(limit))
    }

    /// A page of a list page (the pages show fewer rows than the API).
    pub fn of_page(page: Option<&str>, per_page: u32) -> Self {
        let page = page
            .and_then(|p| p.trim().parse::<u32>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1);
        PageRequest { page, per_page }
    }

    /// How many rows come before this page.
    pub fn offset(self) -> i64 {
        (i64::from(self.page) - 1) * i64::from(self.per_page)
    }

    /// This page's rows, read by the database, out of `total`.
    pub fn of<T>(self, items: Vec<T>, total: i64) -> Paged<T> {
        Paged {
            items,
            total: usize::try_from(total).unwrap_or_default(),
            page: self.page,
            per_page: self.per_page,
        }
    }

    /// The rows of this page out of all of them.
    pub fn cut<T>(self, all: Vec<T>) -> Paged<T> {
        let total = all.len();
        let skip = (self.page as usize - 1).saturating_mul(self.per_page as usize);
        let items = all
            .into_iter()
            .skip(skip)
            .take(self.per_page as usize)
            .collect();
        Paged {
            items,
            total,
            page: self.page,
            per_page: self.per_page,
        }
    }
}

/// One page of a list, with how many rows match in all.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: usize,
    pub page: u32,
    pub per_page: u32,
}

impl<T> Paged<T> {
    /// The number of pages (at least one, so that "第 1 / 1 页" reads right).
    pub fn pages(&self) -> u32 {
        let per = self.per_page.max(1) as usize;
        self.total.div_ceil(per).max(1) as u32
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            per_page: self.per_page,
        }
    }
}

/// A search over a unit's name and code: every word typed must appear in
/// one of them (case-insensitive for codes typed in letters).
#[derive(Clone, Debug, Default)]
pub struct Search(Vec<String>);

impl Search {
    pub fn new(text: Option<&str>) -> Self {
        Search(
            text.unwrap_or_default()
                .split_whitespace()
                .map(str::to_lowercase)
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The words, lower-cased, for a search in the database.
    pub fn words(&self) -> &[String] {
        &self.0
    }

    pub fn matches(&self, fields: &[&str]) -> bool {
        self.0.iter().all(|word| {
            fields
                .iter()
                .any(|field| field.to_lowercase().contains(word.as_str()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (page, per_page) asked → (page, per_page) answered, or refused.
    type Case = (Option<i64>, Option<i64>, Option<(u32, u32)>);

    #[test]
    fn pages_are_checked_and_cut() {
        let cases: &[Case] = &[
            (None, None, Some((1, 100))),
            (Some(3), Some(10), Some((3, 10))),
            (Some(0), None, None),
            (Some(-1), None, None),
            (None, Some(0), None),
            (None, Some(1000), Some((1, 1000))),
            (None, Some(1001), None),
        ];
        for (page, per_page, want) in cases {
            let got = PageRequest::new(*page, *per_page)
                .ok()
                .map(|p| (p.page, p.per_page));
            assert_eq!(got, *want, "{page:?} {per_page:?}");
        }
        let cut = PageRequest::new(Some(2), Some(3))
            .unwrap()
            .cut((1..=8).collect());
        assert_eq!(cut.pages(), 3);
        assert_eq!((cut.items, cut.total), (vec![4, 5, 6], 8));
        let past = PageRequest::new(Some(9), Some(3))
            .unwrap()
            .cut((1..=8).collect::<Vec<_>>());
        assert!(past.items.is_empty() && past.total == 8);
        // The older `limit`: standing in for `per_page`, checked either way.
        let limited = |page, per_page, limit| {
            PageRequest::with_limit(page, per_page, limit)
                .ok()
                .map(|p| (p.page, p.per_page))
        };
        assert_eq!(limited(None, None, Some(20)), Some((1, 20)));
        assert_eq!(limited(Some(2), Some(50), Some(20)), Some((2, 50)));
        assert_eq!(limited(None, Some(50), Some(-6380)), None);
        assert_eq!(limited(None, Some(50), Some(1001)), None);
        assert_eq!(limited(None, None, None), Some((1, 100)));
        let empty = PageRequest::default().cut(Vec::<i32>::new());
        assert_eq!(empty.pages(), 1);
    }

    #[test]
    fn a_search_needs_every_word() {
        let s = Search::new(Some(" 小营  3301 "));
        assert!(s.matches(&["小营巷社区", "330102301"]));
        assert!(!s.matches(&["小营巷社区", "440102301"]));
        assert!(Search::new(Some("  ")).is_empty());
        assert!(Search::new(Some("ab")).matches(&["AB-1"]));
    }
}
