//! 提醒: what an account should be told on a given day, worked out from
//! where its work stands rather than stored as messages: a campaign opened,
//! the upload deadline in 7 days and in 1, an upload sent back, orders
//! raised, falling due within 7 days or overdue, evidence waiting for the
//! bureau. Each reminder carries the day it arose, so an account's bell
//! counts those that arose since it last looked, and a daily digest can
//! send the day's.

use chrono::NaiveDate;

/// What a reminder is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    CampaignOpened,
    DeadlineSoon,
    UploadReturned,
    OrderRaised,
    OrderDueSoon,
    OrderOverdue,
    EvidenceSubmitted,
}

/// A campaign as reminders need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignFact {
    pub year: i32,
    pub opened: NaiveDate,
    pub deadline: Option<NaiveDate>,
    pub closed: bool,
    /// Units the account answers for that have not uploaded this year
    /// (its own for a unit account, its street's, the district's).
    pub missing_uploads: u32,
    /// The unit's newest upload was sent back (退回修改) on this day.
    pub returned_on: Option<NaiveDate>,
}

/// Orders the account answers for, counted as reminders need them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderFacts {
    /// Days active orders were raised (a unit's own orders).
    pub raised: Vec<NaiveDate>,
    /// Due days of the active (open or returned) orders.
    pub due: Vec<NaiveDate>,
    /// Orders answered and waiting for the bureau (for the bureau): how
    /// many, and the day of the newest answer.
    pub submitted: Option<(u32, NaiveDate)>,
}

/// Everything reminders are worked out from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// Whose they are: a unit account is told of its own upload and orders.
    pub for_unit: bool,
    pub campaigns: Vec<CampaignFact>,
    pub orders: OrderFacts,
}

/// One reminder.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Reminder {
    pub kind: Kind,
    /// The day it arose (a deadline reminder: 7 or 1 days before).
    pub arose: NaiveDate,
    pub year: Option<i32>,
    pub count: u32,
    /// What the account reads (Chinese).
    pub text: String,
}

/// How long news stays on the list: a campaign opened, orders raised, an
/// upload sent back.
pub const NEWS_DAYS: i64 = 30;
/// Orders due within this many days are said to fall due soon.
pub const DUE_SOON_DAYS: i64 = 7;

/// The reminders of `facts` on `today`, newest first.
pub fn reminders(facts: &Facts, today: NaiveDate) -> Vec<Reminder> {
    let mut out = Vec::new();
    let recent = |day: NaiveDate| day <= today && (today - day).num_days() < NEWS_DAYS;
    for c in facts.campaigns.iter().filter(|c| !c.closed) {
        if recent(c.opened) {
            let by = c
                .deadline
                .map(|d| format!("，自查表请于 {} 前上传", d.format("%Y年%-m月%-d日")))
                .unwrap_or_default();
            out.push(Reminder {
                kind: Kind::CampaignOpened,
                arose: c.opened,
                year: Some(c.year),
                count: 1,
                text: format!("{} 年度年检已开启{by}", c.year),
            });
        }
        if let Some(deadline) = c.deadline
            && c.missing_uploads > 0
        {
            let left = (deadline - today).num_days();
            if (0..=7).contains(&left) {
                // Told at 7 days and again at 1: the newer of the two counts.
                let step = if left <= 1 { 1 } else { 7 };
                let when = match left {
                    0 => "今天截止".to_string(),
                    n => format!("还有 {n} 天截止"),
                };
                let who = if facts.for_unit {
                    "本单位尚未上传".to_string()
                } else {
                    format!("还有 {} 个单位未上传", c.missing_uploads)
                };
                out.push(Reminder {
                    kind: Kind::DeadlineSoon,
                    arose: deadline - chrono::Duration::days(step),
                    year: Some(c.year),
                    count: c.missing_uploads,
                    text: format!(
                        "{} 年度自查表{when}（{}），{who}",
                        c.year,
                        deadline.format("%Y年%-m月%-d日")
                    ),
                });
            }
        }
        if let Some(day) = c.returned_on
            && recent(day)
        {
            out.push(Reminder {
                kind: Kind::UploadReturned,
                arose: day,
                year: Some(c.year),
                count: 1,
                text: format!(
                    "{} 年度自查表被街道退回修改，请按初审意见修改后重新上传",
                    c.year
                ),
            });
        }
    }
    let o = &facts.orders;
    let raised: Vec<NaiveDate> = o.raised.iter().copied().filter(|d| recent(*d)).collect();
    if let Some(newest) = raised.iter().max() {
        out.push(counted(
            Kind::OrderRaised,
            *newest,
            raised.len(),
            format!("新下达 {} 项整改事项", raised.len()),
        ));
    }
    let soon: Vec<NaiveDate> = o
        .due
        .iter()
        .copied()
        .filter(|d| (0..=DUE_SOON_DAYS).contains(&(*d - today).num_days()))
        .collect();
    if let Some(first) = soon.iter().min() {
        // Arose when the last of them came within the window.
        let last = soon.iter().max().map_or(*first, |d| *d);
        out.push(counted(
            Kind::OrderDueSoon,
            last - chrono::Duration::days(DUE_SOON_DAYS),
            soon.len(),
            format!(
                "{} 项整改事项将在 {DUE_SOON_DAYS} 天内到期，最早 {}",
                soon.len(),
                first.format("%Y年%-m月%-d日")
            ),
        ));
    }
    let overdue: Vec<NaiveDate> = o.due.iter().copied().filter(|d| *d < today).collect();
    if let Some(newest) = overdue.iter().max() {
        out.push(counted(
            Kind::OrderOverdue,
            *newest + chrono::Duration::days(1),
            overdue.len(),
            format!("{} 项整改事项已逾期，请尽快办理", overdue.len()),
        ));
    }
    if let Some((count, newest)) = o.submitted
        && count > 0
    {
        out.push(counted(
            Kind::EvidenceSubmitted,
            newest,
            count as usize,
            format!("{count} 项整改已提交，等待验收销号"),
        ));
    }
    out.sort_by(|a, b| b.arose.cmp(&a.arose).then(a.kind.cmp(&b.kind)));
    out
}

fn counted(kind: Kind, arose: NaiveDate, count: usize, text: String) -> Reminder {
    Reminder {
        kind,
        arose,
        year: None,
        count: count as u32,
        text,
    }
}

/// How many of `reminders` arose after `seen` (all when never seen).
pub fn unread(reminders: &[Reminder], seen: Option<NaiveDate>) -> usize {
    reminders
        .iter()
        .filter(|r| seen.is_none_or(|s| r.arose > s))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: &str) -> NaiveDate {
        NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()
    }

    fn campaign(opened: &str, deadline: &str, missing: u32) -> CampaignFact {
        CampaignFact {
            year: 2012,
            opened: day(opened),
            deadline: Some(day(deadline)),
            closed: false,
            missing_uploads: missing,
            returned_on: None,
        }
    }

    /// (today, facts, expected (kind, arose, count)).
    #[test]
    fn each_reminder_arises_on_its_day() {
        let unit = |c: CampaignFact| Facts {
            for_unit: true,
            campaigns: vec![c],
            orders: OrderFacts::default(),
        };
        let orders = |o: OrderFacts| Facts {
            for_unit: true,
            campaigns: Vec::new(),
            orders: o,
        };
        type Row<'a> = (&'a str, Facts, Vec<(Kind, &'a str, u32)>);
        let table: Vec<Row<'_>> = vec![
            // Opened a week ago, deadline far: only the opening.
            (
                "2012-11-08",
                unit(campaign("2012-11-01", "2012-12-31", 1)),
                vec![(Kind::CampaignOpened, "2012-11-01", 1)],
            ),
            // 31 days later the opening is old news.
            (
                "2012-12-02",
                unit(campaign("2012-11-01", "2012-12-31", 1)),
                vec![],
            ),
            // 7 days before: told, arose that day.
            (
                "2012-12-24",
                unit(campaign("2012-11-01", "2012-12-31", 1)),
                vec![(Kind::DeadlineSoon, "2012-12-24", 1)],
            ),
            // 3 days before: the 7-day reminder still stands.
            (
                "2012-12-28",
                unit(campaign("2012-11-01", "2012-12-31", 1)),
                vec![(Kind::DeadlineSoon, "2012-12-24", 1)],
            ),
            // 1 day before: a new one.
            (
                "2012-12-30",
                unit(campaign("2012-11-01", "2012-12-31", 1)),
                vec![(Kind::DeadlineSoon, "2012-12-30", 1)],
            ),
            // Uploaded: no deadline reminder.
            (
                "2012-12-30",
                unit(campaign("2012-11-01", "2012-12-31", 0)),
                vec![],
            ),
            // After the deadline: none.
            (
                "2013-01-01",
                unit(campaign("2012-11-01", "2012-12-31", 1)),
                vec![],
            ),
            // Closed campaigns say nothing.
            (
                "2012-12-30",
                unit(CampaignFact {
                    closed: true,
                    ..campaign("2012-12-01", "2012-12-31", 1)
                }),
                vec![],
            ),
            // Sent back two days ago.
            (
                "2012-11-20",
                unit(CampaignFact {
                    returned_on: Some(day("2012-11-18")),
                    ..campaign("2012-10-01", "2012-12-31", 0)
                }),
                vec![(Kind::UploadReturned, "2012-11-18", 1)],
            ),
            // Orders: two raised lately, one due in 3 days, one overdue.
            (
                "2013-01-10",
                orders(OrderFacts {
                    raised: vec![day("2013-01-02"), day("2013-01-05"), day("2012-11-01")],
                    due: vec![day("2013-01-13"), day("2013-01-08"), day("2013-03-01")],
                    submitted: None,
                }),
                vec![
                    (Kind::OrderOverdue, "2013-01-09", 1),
                    (Kind::OrderDueSoon, "2013-01-06", 1),
                    (Kind::OrderRaised, "2013-01-05", 2),
                ],
            ),
            // The bureau: answers waiting.
            (
                "2013-01-10",
                orders(OrderFacts {
                    submitted: Some((2, day("2013-01-09"))),
                    ..OrderFacts::default()
                }),
                vec![(Kind::EvidenceSubmitted, "2013-01-09", 2)],
            ),
        ];
        for (today, facts, want) in table {
            let got: Vec<(Kind, NaiveDate, u32)> = reminders(&facts, day(today))
                .into_iter()
                .map(|r| (r.kind, r.arose, r.count))
                .collect();
            let want: Vec<(Kind, NaiveDate, u32)> =
                want.into_iter().map(|(k, d, n)| (k, day(d), n)).collect();
            assert_eq!(got, want, "on {today}: {facts:?}");
        }
    }

    #[test]
    fn texts_say_what_to_do_in_chinese() {
        let facts = Facts {
            for_unit: false,
            campaigns: vec![campaign("2012-11-01", "2012-12-31", 12)],
            orders: OrderFacts::default(),
        };
        let r = reminders(&facts, day("2012-12-31"));
        assert_eq!(
            r[0].text,
            "2012 年度自查表今天截止（2012年12月31日），还有 12 个单位未上传"
        );
        let unit = Facts {
            for_unit: true,
            ..facts
        };
        let r = reminders(&unit, day("2012-12-29"));
        assert_eq!(
            r[0].text,
            "2012 年度自查表还有 2 天截止（2012年12月31日），本单位尚未上传"
        );
    }

    #[test]
    fn unread_counts_what_arose_after_the_last_look() {
        let facts = Facts {
            for_unit: true,
            campaigns: vec![campaign("2012-12-20", "2012-12-31", 1)],
            orders: OrderFacts::default(),
        };
        let r = reminders(&facts, day("2012-12-25"));
        assert_eq!(r.len(), 2);
        assert_eq!(unread(&r, None), 2);
        assert_eq!(unread(&r, Some(day("2012-12-21"))), 1);
        assert_eq!(unread(&r, Some(day("2012-12-25"))), 0);
    }
}
