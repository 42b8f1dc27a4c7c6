//! Sign-in throttling (登录限制): how many failed sign-ins an account or an
//! address may have in a window before it is locked for a while. Pure:
//! the caller keeps the records and the clock.

use chrono::{Duration, NaiveDateTime};

/// Failures allowed within `window`; the next failure locks for `lock_for`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub max_failures: i32,
    pub window_minutes: i64,
    pub lock_minutes: i64,
}

/// An account: five wrong passwords in a quarter hour lock it for a
/// quarter hour (an admin may unlock it sooner).
pub const ACCOUNT: Policy = Policy {
    max_failures: 5,
    window_minutes: 15,
    lock_minutes: 15,
};

/// An address: higher, because a bureau's whole office may share one.
pub const ADDRESS: Policy = Policy {
    max_failures: 30,
    window_minutes: 15,
    lock_minutes: 15,
};

/// What is kept per account or address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    pub failures: i32,
    /// The first failure of the current window.
    pub first_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
}

/// Until when sign-ins are refused, if they are now.
pub fn locked_until(record: Option<&Record>, now: NaiveDateTime) -> Option<NaiveDateTime> {
    record?.locked_until.filter(|&until| until > now)
}

/// The record after one more failure: a new window when the last one is
/// over, and a lock once the failures pass the policy's number.
pub fn after_failure(record: Option<&Record>, policy: Policy, now: NaiveDateTime) -> Record {
    let window = Duration::minutes(policy.window_minutes);
    let current =
        record.filter(|r| now - r.first_at < window && locked_until(Some(r), now).is_none());
    let (failures, first_at) = match current {
        Some(r) => (r.failures + 1, r.first_at),
        None => (1, now),
    };
    Record {
        failures,
        first_at,
        locked_until: (failures >= policy.max_failures)
            .then(|| now + Duration::minutes(policy.lock_minutes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_700_000_000, 0)
            .expect("time")
            .naive_utc()
            + Duration::minutes(minute)
    }

    /// Failures at these minutes, then whether minute `check` is locked.
    #[test]
    fn failures_lock_within_a_window_only() {
        let cases: &[(&[i64], i64, bool)] = &[
            (&[0, 1, 2, 3], 4, false),
            (&[0, 1, 2, 3, 4], 5, true),
            // Locked at minute 4 for a quarter hour: until minute 19.
            (&[0, 1, 2, 3, 4], 18, true),
            (&[0, 1, 2, 3, 4], 19, false),
            // Spread over more than a window: never five in one.
            (&[0, 5, 10, 16, 21, 26], 27, false),
        ];
        for (failures, check, locked) in cases {
            let mut record = None;
            for &minute in *failures {
                record = Some(after_failure(record.as_ref(), ACCOUNT, at(minute)));
            }
            assert_eq!(
                locked_until(record.as_ref(), at(*check)).is_some(),
                *locked,
                "{failures:?} checked at {check}"
            );
        }
    }

    #[test]
    fn a_failure_after_a_lock_ends_starts_a_new_window() {
        let mut record = None;
        for minute in 0..5 {
            record = Some(after_failure(record.as_ref(), ACCOUNT, at(minute)));
        }
        let after = after_failure(record.as_ref(), ACCOUNT, at(30));
        assert_eq!((after.failures, after.locked_until), (1, None));
    }
}
