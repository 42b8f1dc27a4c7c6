//! 每日提醒摘要: which of an account's reminders go into the day's digest,
//! what the digest says, and when a failed delivery is tried again.
//!
//! A digest is sent once a morning. What a date brings (a deadline 7 or 1
//! days ahead, orders falling due or overdue) is known at midnight and told
//! the same morning; what people did (a campaign opened, an upload sent
//! back, orders raised, answers submitted) is told the next morning, so
//! that a day's events are all in one digest whatever the hour it is sent.

use chrono::{Duration, NaiveDate};

use super::reminders::{Kind, Reminder};

/// Whether the reminder's day is set by the calendar rather than by what
/// someone did.
fn scheduled(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::DeadlineSoon | Kind::OrderDueSoon | Kind::OrderOverdue
    )
}

/// The reminders (worked out on `day`) that the digest of `day` tells.
pub fn of_day(reminders: &[Reminder], day: NaiveDate) -> Vec<Reminder> {
    reminders
        .iter()
        .filter(|r| {
            let told_on = if scheduled(r.kind) {
                r.arose
            } else {
                r.arose + Duration::days(1)
            };
            told_on == day
        })
        .cloned()
        .collect()
}

/// A digest ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digest {
    pub subject: String,
    pub text: String,
}

/// The digest of `day` for `addressee` (an account's or the bureau's
/// name); `link` is where the service is, when configured.
pub fn compose(
    addressee: &str,
    day: NaiveDate,
    reminders: &[Reminder],
    link: Option<&str>,
) -> Digest {
    let date = day.format("%Y年%-m月%-d日").to_string();
    let mut text = format!(
        "{addressee}：\n\n{date} 年检提醒共 {} 条：\n",
        reminders.len()
    );
    for (i, r) in reminders.iter().enumerate() {
        text.push_str(&format!("{}. {}\n", i + 1, r.text));
    }
    match link {
        Some(link) => text.push_str(&format!(
            "\n请登录年检系统查看和办理：{}/reminders\n",
            link.trim_end_matches('/')
        )),
        None => text.push_str("\n请登录年检系统查看和办理。\n"),
    }
    text.push_str("（本邮件由年检系统每日自动发送，请勿直接回复。）\n");
    Digest {
        subject: format!("【年检提醒】{date}"),
        text,
    }
}

/// How long to wait after the `attempts`-th failed attempt before the next
/// one; `None` once the delivery is given up. Eight attempts over about
/// eleven hours: a mail server restarted overnight or a robot's rate limit
/// passes, a wrong address does not keep being tried for days.
pub fn retry_after(attempts: u32) -> Option<Duration> {
    const MINUTES: [i64; 7] = [1, 5, 15, 30, 60, 180, 360];
    let index = usize::try_from(attempts.checked_sub(1)?).ok()?;
    MINUTES.get(index).map(|m| Duration::minutes(*m))
}

/// The most attempts a delivery gets.
pub const MAX_ATTEMPTS: u32 = 8;

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: &str) -> NaiveDate {
        NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()
    }

    fn reminder(kind: Kind, arose: &str) -> Reminder {
        Reminder {
            kind,
            arose: day(arose),
            year: Some(2012),
            count: 1,
            text: format!("{kind:?}"),
        }
    }

    /// (kind, arose, the day its digest is).
    #[test]
    fn each_kind_is_told_in_one_digest() {
        let table = [
            (Kind::DeadlineSoon, "2012-12-24", "2012-12-24"),
            (Kind::OrderDueSoon, "2012-12-24", "2012-12-24"),
            (Kind::OrderOverdue, "2012-12-24", "2012-12-24"),
            (Kind::CampaignOpened, "2012-12-24", "2012-12-25"),
            (Kind::UploadReturned, "2012-12-24", "2012-12-25"),
            (Kind::OrderRaised, "2012-12-24", "2012-12-25"),
            (Kind::EvidenceSubmitted, "2012-12-24", "2012-12-25"),
        ];
        for (kind, arose, told) in table {
            let all = [reminder(kind, arose)];
            for offset in -2..=2 {
                let on = day(told) + Duration::days(offset);
                let got = of_day(&all, on);
                assert_eq!(got.len(), usize::from(offset == 0), "{kind:?} on {on}");
            }
        }
    }

    #[test]
    fn a_digest_lists_the_reminders_in_chinese() {
        let mut r = reminder(Kind::DeadlineSoon, "2012-12-24");
        r.text = "2012 年度自查表还有 7 天截止（2012年12月31日），本单位尚未上传".into();
        let d = compose(
            "小营巷社区",
            day("2012-12-24"),
            &[r],
            Some("https://nianjian.example.gov.cn/"),
        );
        assert_eq!(d.subject, "【年检提醒】2012年12月24日");
        assert_eq!(
            d.text,
            "小营巷社区：\n\n2012年12月24日 年检提醒共 1 条：\n\
             1. 2012 年度自查表还有 7 天截止（2012年12月31日），本单位尚未上传\n\n\
             请登录年检系统查看和办理：https://nianjian.example.gov.cn/reminders\n\
             （本邮件由年检系统每日自动发送，请勿直接回复。）\n"
        );
        let bare = compose("区档案局", day("2012-12-24"), &[], None);
        assert!(bare.text.contains("请登录年检系统查看和办理。"), "{bare:?}");
    }

    /// (failed attempts so far, wait before the next in minutes or given up).
    #[test]
    fn failures_are_tried_again_later_and_then_given_up() {
        let table = [
            (0, None),
            (1, Some(1)),
            (2, Some(5)),
            (3, Some(15)),
            (4, Some(30)),
            (5, Some(60)),
            (6, Some(180)),
            (7, Some(360)),
            (8, None),
            (9, None),
        ];
        for (attempts, want) in table {
            assert_eq!(
                retry_after(attempts),
                want.map(Duration::minutes),
                "after {attempts}"
            );
        }
        // The last wait is after the last attempt but one.
        assert!(retry_after(MAX_ATTEMPTS - 1).is_some());
        assert!(retry_after(MAX_ATTEMPTS).is_none());
    }
}
