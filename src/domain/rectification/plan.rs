//! What a newly stored assessment means for a unit's orders: from the
//! orders it has (of every year) and the new scorecard to the steps that
//! bring them in step. The service reads the orders, calls [`plan`] and
//! writes each [`Step`]; every decision is taken here.
//!
//! - New shortfalls are ordered ([`Step::Raise`]).
//! - This year's active orders follow the re-scored finding
//!   ([`Step::Refresh`]), and close themselves when it is gone
//!   ([`Step::AutoClose`]); one the system closed opens again when the item
//!   falls short once more ([`Step::Reopen`]).
//! - Orders still open from earlier years are carried into this one
//!   ([`Step::Carry`]) or closed as met — only where they mean the same
//!   thing under this assessment's checklist ([`same_meaning`]); the others
//!   stay as they are in their own year, for an inspector to decide.
//! - What an inspector decided by hand (verified, waived) is never reopened
//!   in place.
//! - Nothing is ordered twice: a key has at most one active order in a
//!   year, and a shortfall already followed in a later year — ordered in
//!   this year and carried on, or ordered there first when the years were
//!   stored out of order — is not ordered again when this year is re-scored.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::{Basis, Defect, Finding, State, due_date, findings, same_meaning};
use crate::domain::checklist::Checklist;
use crate::domain::{Points, Scorecard};

/// An order of the unit as the plan needs it.
#[derive(Clone, Debug)]
pub struct OrderSnapshot<'a> {
    pub id: i64,
    /// The campaign it is tracked in now.
    pub campaign_id: i64,
    /// That campaign's year (0 when unknown: counted as earlier).
    pub year: i32,
    /// The campaign that first ordered it.
    pub origin_campaign_id: i64,
    pub finding_key: String,
    pub state: State,
    pub title: String,
    pub points_lost: Points,
    /// The defects it names (a `deduct` item's order).
    pub defects: Vec<Defect>,
    /// Its last step was an automatic close (`auto_close`). Only asked of
    /// this year's closed orders; `false` will do for the others.
    pub closed_automatically: bool,
    /// What the assessment it answers was scored against; `None` when that
    /// checklist is not known here (it then means nothing here).
    pub basis: Option<Basis<'a>>,
}

/// The assessment being stored, and when.
#[derive(Clone, Copy, Debug)]
pub struct PlanContext {
    /// Its campaign and that campaign's year.
    pub campaign_id: i64,
    pub year: i32,
    /// The bureau's date: new and reopened orders are due counted from it.
    pub today: NaiveDate,
    /// The campaign's rectification period in days, where it sets one.
    pub campaign_rectify_days: Option<i32>,
}

/// Why an order is closed automatically.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Met {
    /// This year's order: its item is met after re-scoring.
    OnRescoring,
    /// An earlier year's order: met in this year's assessment.
    InYear(i32),
}

/// Why an order or a finding is left as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leave {
    /// This year's active order reads as before (points lost and title).
    Unchanged,
    /// This year's order was verified or waived by hand: the decision stands.
    DecidedByHand,
    /// An order of a later year follows this shortfall already.
    FollowedLater,
    /// An earlier year's order whose key this year follows already: an
    /// active order here, or another earlier order carried in just now.
    FollowedHere,
    /// An earlier year's order that means something else under this
    /// checklist (or whose checklist is unknown): it stays in its own year.
    MeaningChanged,
}

/// One thing the service must do, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Order a new shortfall, linked to an earlier year's order for the same
    /// thing (`previous`), if any.
    Raise {
        finding: Finding,
        due: NaiveDate,
        previous: Option<i64>,
    },
    /// This year's active order now reads `finding` (points lost or title
    /// changed) and answers this assessment; state and due date unchanged.
    Refresh { order: i64, finding: Finding },
    /// This year's order, closed by the system when the item was met, falls
    /// short again: open once more, reading `finding`, due anew.
    Reopen {
        order: i64,
        from: State,
        finding: Finding,
        due: NaiveDate,
    },
    /// An earlier year's active order, still short: tracked in this year
    /// from now on, reading `finding`; state and due date unchanged.
    Carry {
        order: i64,
        state: State,
        finding: Finding,
        from_year: i32,
        to_year: i32,
    },
    /// An active order whose shortfall is gone: verified by the system.
    AutoClose { order: i64, from: State, why: Met },
    /// Nothing to write: the order (if any) and the key, and why.
    Leave {
        order: Option<i64>,
        key: String,
        why: Leave,
    },
}

impl Step {
    /// The action its event is recorded under; `None` where it writes no event.
    pub fn action(&self) -> Option<&'static str> {
        match self {
            Step::Raise { .. } => Some("create"),
            Step::Reopen { .. } => Some("reopen"),
            Step::Carry { .. } => Some("carry"),
            Step::AutoClose { .. } => Some("auto_close"),
            Step::Refresh { .. } | Step::Leave { .. } => None,
        }
    }

    /// The note of its event (for an automatic close also the reason kept
    /// on the order); `None` where it writes no event.
    pub fn note(&self) -> Option<String> {
        Some(match self {
            Step::Raise {
                previous: Some(p), ..
            } => format!("已验收的整改事项（{p}）再次未达到要求，重新下达"),
            Step::Raise { previous: None, .. } => "根据考核结果下达整改".into(),
            Step::Reopen { .. } => "重新评分后该项再次未达到要求，重新打开".into(),
            Step::Carry {
                from_year, to_year, ..
            } => format!("{from_year} 年度考核中仍未达到要求，转入 {to_year} 年度继续整改"),
            Step::AutoClose {
                why: Met::OnRescoring,
                ..
            } => "重新评分后该项已达到要求，自动销号".into(),
            Step::AutoClose {
                why: Met::InYear(year),
                ..
            } => format!("{year} 年度考核中该项已达到要求，自动销号"),
            Step::Refresh { .. } | Step::Leave { .. } => return None,
        })
    }
}

/// What a plan does, counted as the audit log reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub created: usize,
    /// Refreshed and reopened.
    pub refreshed: usize,
    pub carried: usize,
    pub closed: usize,
}

impl Tally {
    pub fn of(steps: &[Step]) -> Tally {
        let mut t = Tally::default();
        for step in steps {
            match step {
                Step::Raise { .. } => t.created += 1,
                Step::Refresh { .. } | Step::Reopen { .. } => t.refreshed += 1,
                Step::Carry { .. } => t.carried += 1,
                Step::AutoClose { .. } => t.closed += 1,
                Step::Leave { .. } => {}
            }
        }
        t
    }

    /// Whether anything is written.
    pub fn is_empty(&self) -> bool {
        *self == Tally::default()
    }
}

/// The days a unit has to rectify: the campaign's period where it sets a
/// usable one, else the checklist's.
pub fn rectify_days(campaign_days: Option<i32>, checklist: &Checklist) -> u32 {
    campaign_days
        .and_then(|d| u32::try_from(d).ok())
        .unwrap_or(checklist.rectify_days)
}

/// A finding reads differently from its order: an active order is
/// refreshed only then.
fn reads_differently(order: &OrderSnapshot<'_>, finding: &Finding) -> bool {
    order.points_lost != finding.points_lost
        || order.title != finding.title
        || order.defects != finding.defects
}

/// The steps that bring a unit's orders in step with a new assessment
/// scored `card` against `new`.
///
/// `orders` are every order of the unit, of every year, oldest (lowest id)
/// first. Steps come in the order they are to be written: earlier years'
/// orders, this year's findings, the new orders, this year's closes.
pub fn plan(
    orders: &[OrderSnapshot<'_>],
    new: Basis<'_>,
    card: &Scorecard,
    context: &PlanContext,
) -> Vec<Step> {
    let found = findings(new.checklist, card, new.target_tier);
    let due = due_date(
        context.today,
        rectify_days(context.campaign_rectify_days, new.checklist),
    );
    // Whether an order of another year means here what it meant there.
    let same = |o: &OrderSnapshot<'_>| {
        o.basis
            .is_some_and(|old| same_meaning(&o.finding_key, old, new))
    };
    let finding = |key: &str| found.iter().find(|f| f.key == key);

    let (mut this_year, mut earlier, mut later) = (Vec::new(), Vec::new(), Vec::new());
    for o in orders {
        if o.campaign_id == context.campaign_id {
            this_year.push(o);
        } else if o.year < context.year {
            earlier.push(o);
        } else {
            later.push(o);
        }
    }
    // This year's order for each key: the active one, else the newest.
    let mut here: BTreeMap<&str, &OrderSnapshot<'_>> = BTreeMap::new();
    for o in this_year {
        let keep = here
            .get(o.finding_key.as_str())
            .is_some_and(|kept| kept.state.is_active() && !o.state.is_active());
        if !keep {
            here.insert(&o.finding_key, o);
        }
    }
    let active_here = |key: &str| here.get(key).is_some_and(|o| o.state.is_active());
    // A shortfall followed in a later year already: ordered in this year and
    // carried on, or ordered there (whatever became of it since).
    let followed_later = |key: &str| {
        later.iter().any(|o| {
            o.finding_key == key && (o.origin_campaign_id == context.campaign_id || same(o))
        })
    };
    let leave = |order: Option<i64>, key: &str, why| Step::Leave {
        order,
        key: key.to_string(),
        why,
    };
    let mut steps = Vec::new();

    // Orders still open from earlier years that mean the same here: carried
    // in, or closed. One per key, and none where this year has one already.
    let mut carried: BTreeSet<&str> = BTreeSet::new();
    for o in earlier.iter().filter(|o| o.state.is_active()) {
        let key = o.finding_key.as_str();
        if carried.contains(key) || active_here(key) {
            steps.push(leave(Some(o.id), key, Leave::FollowedHere));
        } else if !same(o) {
            steps.push(leave(Some(o.id), key, Leave::MeaningChanged));
        } else if let Some(f) = finding(key) {
            steps.push(Step::Carry {
                order: o.id,
                state: o.state,
                finding: f.clone(),
                from_year: o.year,
                to_year: context.year,
            });
            carried.insert(key);
        } else {
            steps.push(Step::AutoClose {
                order: o.id,
                from: o.state,
                why: Met::InYear(context.year),
            });
        }
    }

    // This year's findings.
    let mut raised = Vec::new();
    for f in found.iter().filter(|f| !carried.contains(f.key.as_str())) {
        let key = f.key.as_str();
        match here.get(key) {
            Some(o) if o.state.is_active() => steps.push(if reads_differently(o, f) {
                Step::Refresh {
                    order: o.id,
                    finding: f.clone(),
                }
            } else {
                leave(Some(o.id), key, Leave::Unchanged)
            }),
            // Followed in a later year: that order answers it.
            o if followed_later(key) => {
                steps.push(leave(o.map(|o| o.id), key, Leave::FollowedLater))
            }
            // Closed by the system when the item was full; short again: reopen.
            Some(o) if o.closed_automatically => steps.push(Step::Reopen {
                order: o.id,
                from: o.state,
                finding: f.clone(),
                due,
            }),
            // Verified or waived by hand this year: the inspector's decision stands.
            Some(o) => steps.push(leave(Some(o.id), key, Leave::DecidedByHand)),
            // New; linked to the latest earlier order for the same thing.
            None => raised.push(Step::Raise {
                finding: f.clone(),
                due,
                previous: earlier
                    .iter()
                    .rev()
                    .find(|o| o.finding_key == key && same(o))
                    .map(|o| o.id),
            }),
        }
    }
    steps.extend(raised);

    // Active orders of this year whose shortfall is gone, in id order.
    let mut gone: Vec<&OrderSnapshot<'_>> = here
        .values()
        .filter(|o| o.state.is_active() && finding(&o.finding_key).is_none())
        .copied()
        .collect();
    gone.sort_by_key(|o| o.id);
    steps.extend(gone.into_iter().map(|o| Step::AutoClose {
        order: o.id,
        from: o.state,
        why: Met::OnRescoring,
    }));
    steps
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::domain::checklist::tests::sample;
    use crate::domain::scoring::{Answers, ItemAnswer, score};
    use crate::domain::{Decimal, InputValue};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Campaign ids are the year's last two digits: 11 is 2011.
    fn year_of(campaign: i64) -> i32 {
        2000 + campaign as i32
    }

    /// 2013-03-01 is a Friday; 30 days on is a Sunday, so orders are due
    /// on Monday 2013-04-01.
    fn context(campaign: i64) -> PlanContext {
        PlanContext {
            campaign_id: campaign,
            year: year_of(campaign),
            today: date(2013, 3, 1),
            campaign_rectify_days: None,
        }
    }

    fn full() -> Answers {
        let mut a = Answers::default();
        let n = |s: &str| InputValue::Number(Decimal::parse(s).unwrap());
        a.inputs.insert("room_area".into(), n("45"));
        a.inputs
            .insert("has_budget".into(), InputValue::YesNo(true));
        a.inputs
            .insert("air_conditioner".into(), InputValue::YesNo(true));
        a.inputs.insert("scanners".into(), n("2"));
        a.inputs.insert("digitised".into(), n("90"));
        a.inputs
            .insert("loss_incident".into(), InputValue::YesNo(false));
        a.self_scores
            .insert("A1".into(), ItemAnswer::Points(Points(400)));
        a.self_scores
            .insert("A2".into(), ItemAnswer::Points(Points(200)));
        a
    }

    /// Full marks but `short`: A1 or A2 at 0, B1 on 25 m² (2 of 4 points,
    /// and below the model tier's 40 m²), the veto triggered.
    fn answers(short: &[&str]) -> Answers {
        let mut a = full();
        for s in short {
            match *s {
                "A1" | "A2" => {
                    a.self_scores
                        .insert((*s).into(), ItemAnswer::Points(Points::ZERO));
                }
                "B1" => {
                    a.inputs.insert(
                        "room_area".into(),
                        InputValue::Number(Decimal::parse("25").unwrap()),
                    );
                }
                "veto" => {
                    a.inputs
                        .insert("loss_incident".into(), InputValue::YesNo(true));
                }
                other => panic!("no such shortfall in the tests: {other}"),
            }
        }
        a
    }

    /// The sample (community@2013), its next version (A1 reworded in
    /// blanks and width only, A2 renamed, B3 dropped) and another checklist.
    fn versions() -> (Checklist, Checklist, Checklist) {
        let old = sample();
        let mut new = sample();
        new.version = "2014".into();
        new.items[0].title = "明确 分管领导\u{3000}".into();
        new.items[1].title = "声像档案".into();
        new.items.retain(|i| i.code != "B3");
        let mut other = sample();
        other.id = "agency".into();
        (old, new, other)
    }

    fn on(checklist: &Checklist) -> Basis<'_> {
        Basis {
            checklist,
            target_tier: None,
        }
    }

    fn on_tier<'a>(checklist: &'a Checklist, tier: &'a str) -> Basis<'a> {
        Basis {
            checklist,
            target_tier: Some(tier),
        }
    }

    /// An order tracked in (and ordered by) `campaign`, as read from the store.
    fn order<'a>(
        id: i64,
        campaign: i64,
        key: &str,
        state: State,
        basis: Basis<'a>,
    ) -> OrderSnapshot<'a> {
        OrderSnapshot {
            id,
            campaign_id: campaign,
            year: year_of(campaign),
            origin_campaign_id: campaign,
            finding_key: key.into(),
            state,
            title: "旧的标题".into(),
            points_lost: Points(50),
            defects: Vec::new(),
            closed_automatically: false,
            basis: Some(basis),
        }
    }

    /// The order reading what the sample's assessment short `short` finds.
    fn reading<'a>(mut o: OrderSnapshot<'a>, short: &[&str]) -> OrderSnapshot<'a> {
        let c = sample();
        let card = score(&c, &answers(short), &BTreeMap::new());
        let f = findings(&c, &card, None)
            .into_iter()
            .find(|f| f.key == o.finding_key)
            .expect("a finding for the order");
        o.title = f.title;
        o.points_lost = f.points_lost;
        o
    }

    fn auto_closed(mut o: OrderSnapshot<'_>) -> OrderSnapshot<'_> {
        o.closed_automatically = true;
        o
    }

    fn carried_from(mut o: OrderSnapshot<'_>, origin: i64) -> OrderSnapshot<'_> {
        o.origin_campaign_id = origin;
        o
    }

    fn unknown(mut o: OrderSnapshot<'_>) -> OrderSnapshot<'_> {
        o.basis = None;
        o
    }

    /// A step in a line, for the tables.
    fn show(step: &Step) -> String {
        match step {
            Step::Raise {
                finding,
                due,
                previous,
            } => format!(
                "raise {} due {due}{}",
                finding.key,
                previous.map_or(String::new(), |p| format!(" after #{p}"))
            ),
            Step::Refresh { order, finding } => format!("refresh #{order} {}", finding.key),
            Step::Reopen {
                order,
                from,
                finding,
                due,
            } => format!(
                "reopen #{order} {} {}→open due {due}",
                finding.key,
                from.as_str()
            ),
            Step::Carry {
                order,
                state,
                finding,
                from_year,
                to_year,
            } => format!(
                "carry #{order} {} {} {from_year}→{to_year}",
                finding.key,
                state.as_str()
            ),
            Step::AutoClose { order, from, why } => format!(
                "close #{order} {} {}",
                from.as_str(),
                match why {
                    Met::OnRescoring => "rescored".to_string(),
                    Met::InYear(year) => format!("met in {year}"),
                }
            ),
            Step::Leave { order, key, why } => format!(
                "leave {} {key} {why:?}",
                order.map_or("-".to_string(), |o| format!("#{o}"))
            ),
        }
    }

    struct Case<'a> {
        name: &'a str,
        /// The campaign of the assessment being stored.
        campaign: i64,
        orders: Vec<OrderSnapshot<'a>>,
        new: Basis<'a>,
        short: &'a [&'a str],
        expect: &'a [&'a str],
    }

    fn check(cases: &[Case<'_>]) {
        for case in cases {
            let card = score(case.new.checklist, &answers(case.short), &BTreeMap::new());
            let steps = plan(&case.orders, case.new, &card, &context(case.campaign));
            let shown: Vec<String> = steps.iter().map(show).collect();
            assert_eq!(shown, case.expect, "{}", case.name);
        }
    }

    use State::{Open, Returned, Submitted, Verified, Waived};

    #[test]
    fn this_years_orders_follow_the_scorecard() {
        let c = sample();
        let at = |id, key, state| order(id, 12, key, state, on(&c));
        check(&[
            Case {
                name: "full marks: nothing",
                campaign: 12,
                orders: vec![],
                new: on(&c),
                short: &[],
                expect: &[],
            },
            Case {
                name: "a new shortfall is ordered, due 30 days on (a Sunday → Monday)",
                campaign: 12,
                orders: vec![],
                new: on(&c),
                short: &["A1", "A2"],
                expect: &[
                    "raise item:A1 due 2013-04-01",
                    "raise item:A2 due 2013-04-01",
                ],
            },
            Case {
                name: "an active order that reads the same is left",
                campaign: 12,
                orders: vec![reading(at(1, "item:A1", Open), &["A1"])],
                new: on(&c),
                short: &["A1"],
                expect: &["leave #1 item:A1 Unchanged"],
            },
            Case {
                name: "an active order re-scored differently is refreshed, whatever its state",
                campaign: 12,
                orders: vec![at(1, "item:A1", Submitted), at(2, "item:A2", Returned)],
                new: on(&c),
                short: &["A1", "A2"],
                expect: &["refresh #1 item:A1", "refresh #2 item:A2"],
            },
            Case {
                name: "the title alone reads differently (the item renamed): refreshed",
                campaign: 12,
                orders: vec![OrderSnapshot {
                    title: "A1 分管领导（得 0 分，满分 4 分）".into(),
                    ..reading(at(1, "item:A1", Open), &["A1"])
                }],
                new: on(&c),
                short: &["A1"],
                expect: &["refresh #1 item:A1"],
            },
            Case {
                name: "the shortfall fixed: active orders close themselves, in id order",
                campaign: 12,
                orders: vec![
                    at(4, "item:A2", Returned),
                    at(1, "item:A1", Submitted),
                    at(3, "veto:loss_incident", Open),
                ],
                new: on(&c),
                short: &[],
                expect: &[
                    "close #1 submitted rescored",
                    "close #3 open rescored",
                    "close #4 returned rescored",
                ],
            },
            Case {
                name: "fixed, closed by the system, broken again: reopened and due anew",
                campaign: 12,
                orders: vec![auto_closed(at(1, "item:A1", Verified))],
                new: on(&c),
                short: &["A1"],
                expect: &["reopen #1 item:A1 verified→open due 2013-04-01"],
            },
            Case {
                name: "verified or waived by hand: the decision stands",
                campaign: 12,
                orders: vec![at(1, "item:A1", Verified), at(2, "item:A2", Waived)],
                new: on(&c),
                short: &["A1", "A2"],
                expect: &[
                    "leave #1 item:A1 DecidedByHand",
                    "leave #2 item:A2 DecidedByHand",
                ],
            },
            Case {
                name: "closed orders whose shortfall is gone are not touched",
                campaign: 12,
                orders: vec![
                    at(1, "item:A1", Verified),
                    auto_closed(at(2, "item:A2", Verified)),
                    at(3, "veto:loss_incident", Waived),
                ],
                new: on(&c),
                short: &[],
                expect: &[],
            },
            Case {
                name: "of one key's orders the active one counts, not a newer closed one",
                campaign: 12,
                orders: vec![at(1, "item:A1", Open), at(2, "item:A1", Verified)],
                new: on(&c),
                short: &[],
                expect: &["close #1 open rescored"],
            },
            Case {
                name: "of closed orders of one key the newest counts",
                campaign: 12,
                orders: vec![
                    auto_closed(at(1, "item:A1", Verified)),
                    at(2, "item:A1", Waived),
                ],
                new: on(&c),
                short: &["A1"],
                expect: &["leave #2 item:A1 DecidedByHand"],
            },
            Case {
                name: "of two active orders of one key (never made so) the newest counts",
                campaign: 12,
                orders: vec![at(1, "item:A1", Open), at(2, "item:A1", Open)],
                new: on(&c),
                short: &[],
                expect: &["close #2 open rescored"],
            },
        ]);
    }

    #[test]
    fn orders_of_earlier_years_are_carried_or_closed_by_meaning() {
        let (old, new, other) = versions();
        check(&[
            Case {
                name: "still short: carried into this year",
                campaign: 12,
                orders: vec![order(1, 11, "item:A1", Returned, on(&old))],
                new: on(&old),
                short: &["A1"],
                expect: &["carry #1 item:A1 returned 2011→2012"],
            },
            Case {
                name: "carried again, from the year it is tracked in",
                campaign: 13,
                orders: vec![carried_from(order(1, 12, "item:A1", Open, on(&old)), 11)],
                new: on(&old),
                short: &["A1"],
                expect: &["carry #1 item:A1 open 2012→2013"],
            },
            Case {
                name: "met now: closed with this year named",
                campaign: 12,
                orders: vec![order(1, 11, "item:A1", Submitted, on(&old))],
                new: on(&old),
                short: &[],
                expect: &["close #1 submitted met in 2012"],
            },
            Case {
                name: "another version, the same title after folding: carried",
                campaign: 12,
                orders: vec![order(1, 11, "item:A1", Open, on(&old))],
                new: on(&new),
                short: &["A1"],
                expect: &["carry #1 item:A1 open 2011→2012"],
            },
            Case {
                name: "the meaning changed: stays open in its own year; this year orders its own, unlinked",
                campaign: 12,
                orders: vec![order(1, 11, "item:A2", Open, on(&old))],
                new: on(&new),
                short: &["A2"],
                expect: &[
                    "leave #1 item:A2 MeaningChanged",
                    "raise item:A2 due 2013-04-01",
                ],
            },
            Case {
                name: "the meaning changed and the item is met: not closed either",
                campaign: 12,
                orders: vec![order(1, 11, "item:A2", Open, on(&old))],
                new: on(&new),
                short: &[],
                expect: &["leave #1 item:A2 MeaningChanged"],
            },
            Case {
                name: "an item the new version dropped",
                campaign: 12,
                orders: vec![order(1, 11, "item:B3", Open, on(&old))],
                new: on(&new),
                short: &[],
                expect: &["leave #1 item:B3 MeaningChanged"],
            },
            Case {
                name: "another checklist, or one not known here, means nothing here",
                campaign: 12,
                orders: vec![
                    order(1, 11, "item:A1", Open, on(&other)),
                    unknown(order(2, 11, "item:A1", Open, on(&old))),
                ],
                new: on(&old),
                short: &["A1"],
                expect: &[
                    "leave #1 item:A1 MeaningChanged",
                    "leave #2 item:A1 MeaningChanged",
                    "raise item:A1 due 2013-04-01",
                ],
            },
            Case {
                name: "closed earlier orders stay closed; the new order links the latest of the same meaning",
                campaign: 12,
                orders: vec![
                    order(1, 10, "item:A1", Verified, on(&old)),
                    order(2, 11, "item:A1", Waived, on(&old)),
                    order(3, 11, "item:A1", Verified, on(&other)),
                ],
                new: on(&old),
                short: &["A1"],
                expect: &["raise item:A1 due 2013-04-01 after #2"],
            },
            Case {
                name: "an unknown year counts as earlier",
                campaign: 12,
                orders: vec![OrderSnapshot {
                    year: 0,
                    ..order(1, 99, "item:A1", Open, on(&old))
                }],
                new: on(&old),
                short: &["A1"],
                expect: &["carry #1 item:A1 open 0→2012"],
            },
        ]);
    }

    #[test]
    fn nothing_is_followed_twice() {
        let (old, new, _) = versions();
        check(&[
            Case {
                name: "an earlier order where this year has an active one is left",
                campaign: 12,
                orders: vec![
                    order(1, 11, "item:A1", Open, on(&old)),
                    reading(order(2, 12, "item:A1", Open, on(&old)), &["A1"]),
                ],
                new: on(&old),
                short: &["A1"],
                expect: &[
                    "leave #1 item:A1 FollowedHere",
                    "leave #2 item:A1 Unchanged",
                ],
            },
            Case {
                name: "…and stays open when this year's closes",
                campaign: 12,
                orders: vec![
                    order(1, 11, "item:A1", Open, on(&old)),
                    order(2, 12, "item:A1", Submitted, on(&old)),
                ],
                new: on(&old),
                short: &[],
                expect: &[
                    "leave #1 item:A1 FollowedHere",
                    "close #2 submitted rescored",
                ],
            },
            Case {
                name: "two earlier orders of one key: the first carried, the other left",
                campaign: 12,
                orders: vec![
                    order(1, 10, "item:A1", Open, on(&old)),
                    order(2, 11, "item:A1", Open, on(&old)),
                ],
                new: on(&old),
                short: &["A1"],
                expect: &[
                    "carry #1 item:A1 open 2010→2012",
                    "leave #2 item:A1 FollowedHere",
                ],
            },
            Case {
                name: "two earlier orders of one key, met: both closed",
                campaign: 12,
                orders: vec![
                    order(1, 10, "item:A1", Open, on(&old)),
                    order(2, 11, "item:A1", Open, on(&old)),
                ],
                new: on(&old),
                short: &[],
                expect: &["close #1 open met in 2012", "close #2 open met in 2012"],
            },
            Case {
                name: "re-scoring an earlier year: its order carried on is not ordered again",
                campaign: 11,
                orders: vec![carried_from(order(1, 12, "item:A1", Open, on(&old)), 11)],
                new: on(&old),
                short: &["A1"],
                expect: &["leave - item:A1 FollowedLater"],
            },
            Case {
                name: "re-scoring an earlier year, met there now: the later year's order is its own",
                campaign: 11,
                orders: vec![carried_from(order(1, 12, "item:A1", Open, on(&old)), 11)],
                new: on(&old),
                short: &[],
                expect: &[],
            },
            Case {
                name: "carried on, even under a checklist of another meaning",
                campaign: 11,
                orders: vec![carried_from(order(1, 12, "item:A2", Open, on(&old)), 11)],
                new: on(&new),
                short: &["A2"],
                expect: &["leave - item:A2 FollowedLater"],
            },
            Case {
                name: "years stored out of order: ordered in the later year first, whatever became of it",
                campaign: 11,
                orders: vec![
                    order(1, 12, "item:A1", Open, on(&old)),
                    order(2, 12, "item:A2", Waived, on(&old)),
                ],
                new: on(&old),
                short: &["A1", "A2"],
                expect: &[
                    "leave - item:A1 FollowedLater",
                    "leave - item:A2 FollowedLater",
                ],
            },
            Case {
                name: "another campaign of the same year (never made so) counts as later",
                campaign: 12,
                orders: vec![OrderSnapshot {
                    year: 2012,
                    ..order(1, 99, "item:A1", Open, on(&old))
                }],
                new: on(&old),
                short: &["A1"],
                expect: &["leave - item:A1 FollowedLater"],
            },
            Case {
                name: "a later year's order of another meaning follows nothing here",
                campaign: 11,
                orders: vec![order(1, 12, "item:A2", Open, on(&new))],
                new: on(&old),
                short: &["A2"],
                expect: &["raise item:A2 due 2013-04-01"],
            },
            Case {
                name: "followed later beats reopening this year's order",
                campaign: 12,
                orders: vec![
                    auto_closed(order(1, 12, "item:A1", Verified, on(&old))),
                    carried_from(order(2, 13, "item:A1", Open, on(&old)), 12),
                ],
                new: on(&old),
                short: &["A1"],
                expect: &["leave #1 item:A1 FollowedLater"],
            },
            Case {
                name: "…and a decision by hand",
                campaign: 12,
                orders: vec![
                    order(1, 12, "item:A1", Waived, on(&old)),
                    order(2, 13, "item:A1", Open, on(&old)),
                ],
                new: on(&old),
                short: &["A1"],
                expect: &["leave #1 item:A1 FollowedLater"],
            },
            Case {
                name: "an active order here beats one followed later",
                campaign: 12,
                orders: vec![
                    order(1, 12, "item:A1", Open, on(&old)),
                    order(2, 13, "item:A1", Open, on(&old)),
                ],
                new: on(&old),
                short: &["A1"],
                expect: &["refresh #1 item:A1"],
            },
        ]);
    }

    #[test]
    fn vetoes_and_gaps_follow_the_same_rules() {
        let (old, new, _) = versions();
        let mut no_veto = new.clone();
        no_veto.vetoes.clear();
        let model = "province-model";
        check(&[
            Case {
                name: "a veto is ordered",
                campaign: 12,
                orders: vec![],
                new: on(&old),
                short: &["veto"],
                expect: &["raise veto:loss_incident due 2013-04-01"],
            },
            Case {
                name: "a veto carried into a version that still has it",
                campaign: 12,
                orders: vec![order(1, 11, "veto:loss_incident", Open, on(&old))],
                new: on(&new),
                short: &["veto"],
                expect: &["carry #1 veto:loss_incident open 2011→2012"],
            },
            Case {
                name: "a version without the veto says nothing about the incident",
                campaign: 12,
                orders: vec![order(1, 11, "veto:loss_incident", Open, on(&old))],
                new: on(&no_veto),
                short: &[],
                expect: &["leave #1 veto:loss_incident MeaningChanged"],
            },
            Case {
                name: "a tier gap is ordered beside the item",
                campaign: 12,
                orders: vec![],
                new: on_tier(&old, model),
                short: &["B1"],
                expect: &[
                    "raise item:B1 due 2013-04-01",
                    "raise gap:input:room_area due 2013-04-01",
                ],
            },
            Case {
                name: "a gap carried for the same tier",
                campaign: 12,
                orders: vec![order(
                    1,
                    11,
                    "gap:input:room_area",
                    Open,
                    on_tier(&old, model),
                )],
                new: on_tier(&old, model),
                short: &["B1"],
                expect: &[
                    "carry #1 gap:input:room_area open 2011→2012",
                    "raise item:B1 due 2013-04-01",
                ],
            },
            Case {
                name: "a gap met for the same tier: closed",
                campaign: 12,
                orders: vec![order(1, 11, "gap:total", Open, on_tier(&old, model))],
                new: on_tier(&old, model),
                short: &[],
                expect: &["close #1 open met in 2012"],
            },
            Case {
                name: "another tier, or none, says nothing about the old gap",
                campaign: 12,
                orders: vec![
                    order(1, 11, "gap:input:room_area", Open, on_tier(&old, model)),
                    order(2, 11, "gap:total", Open, on_tier(&old, model)),
                ],
                new: on_tier(&old, "city-standard"),
                short: &["B1"],
                expect: &[
                    "leave #1 gap:input:room_area MeaningChanged",
                    "leave #2 gap:total MeaningChanged",
                    "raise item:B1 due 2013-04-01",
                ],
            },
            Case {
                name: "no tier applied for",
                campaign: 12,
                orders: vec![order(
                    1,
                    11,
                    "gap:input:room_area",
                    Open,
                    on_tier(&old, model),
                )],
                new: on(&old),
                short: &[],
                expect: &["leave #1 gap:input:room_area MeaningChanged"],
            },
        ]);
    }

    #[test]
    fn steps_come_in_the_order_they_are_written() {
        let c = sample();
        check(&[Case {
            name: "earlier years, this year's findings, new orders, this year's closes",
            campaign: 12,
            orders: vec![
                order(1, 11, "item:A1", Open, on(&c)),
                order(2, 11, "item:B3", Open, on(&c)),
                order(3, 12, "veto:loss_incident", Open, on(&c)),
                auto_closed(order(4, 12, "item:A2", Verified, on(&c))),
                order(5, 12, "gap:total", Returned, on(&c)),
            ],
            new: on(&c),
            short: &["A1", "A2", "B1", "veto"],
            expect: &[
                "carry #1 item:A1 open 2011→2012",
                "close #2 open met in 2012",
                "reopen #4 item:A2 verified→open due 2013-04-01",
                "refresh #3 veto:loss_incident",
                "raise item:B1 due 2013-04-01",
                "close #5 returned rescored",
            ],
        }]);
    }

    #[test]
    fn a_review_is_planned_like_an_upload() {
        // A review overrides scores; the plan sees only the scorecard.
        let c = sample();
        let lowered = BTreeMap::from([("A1".to_string(), ItemAnswer::Points(Points(200)))]);
        let card = score(&c, &full(), &lowered);
        let steps = plan(&[], on(&c), &card, &context(12));
        let expected = findings(&c, &card, None);
        assert_eq!(
            steps,
            vec![Step::Raise {
                finding: expected[0].clone(),
                due: date(2013, 4, 1),
                previous: None,
            }]
        );
        assert_eq!(expected[0].points_lost, Points(200));
        // The unit's order, and a review that gives the item full marks.
        let open = reading(order(7, 12, "item:A1", Open, on(&c)), &["A1"]);
        let restored = BTreeMap::from([("A1".to_string(), ItemAnswer::Points(Points(400)))]);
        let card = score(&c, &answers(&["A1"]), &restored);
        assert_eq!(
            plan(std::slice::from_ref(&open), on(&c), &card, &context(12)),
            vec![Step::AutoClose {
                order: 7,
                from: Open,
                why: Met::OnRescoring
            }]
        );
        // A review that lowers it further: the order reads the new finding.
        let card = score(&c, &answers(&["A1"]), &lowered);
        let steps = plan(&[open], on(&c), &card, &context(12));
        assert_eq!(
            steps,
            vec![Step::Refresh {
                order: 7,
                finding: findings(&c, &card, None)[0].clone()
            }]
        );
    }

    #[test]
    fn due_dates_count_from_today_over_the_campaigns_period_or_the_checklists() {
        let c = sample();
        let card = score(&c, &answers(&["A1"]), &BTreeMap::new());
        let due = |days: Option<i32>| match &plan(
            &[],
            on(&c),
            &card,
            &PlanContext {
                campaign_rectify_days: days,
                ..context(12)
            },
        )[..]
        {
            [Step::Raise { due, .. }] => *due,
            other => panic!("{other:?}"),
        };
        assert_eq!(due(None), date(2013, 4, 1), "the checklist's 30 days");
        assert_eq!(due(Some(10)), date(2013, 3, 11), "the campaign's 10");
        assert_eq!(due(Some(8)), date(2013, 3, 11), "a Saturday → Monday");
        assert_eq!(due(Some(0)), date(2013, 3, 1));
        assert_eq!(due(Some(-3)), date(2013, 4, 1), "unusable: the checklist's");
        assert_eq!(rectify_days(Some(45), &c), 45);
        assert_eq!(rectify_days(None, &c), 30);
    }

    #[test]
    fn each_step_names_its_event() {
        let f = findings(
            &sample(),
            &score(&sample(), &answers(&["A1"]), &BTreeMap::new()),
            None,
        )[0]
        .clone();
        let due = date(2013, 4, 1);
        let cases = [
            (
                Step::Raise {
                    finding: f.clone(),
                    due,
                    previous: None,
                },
                Some("create"),
                Some("根据考核结果下达整改"),
            ),
            (
                Step::Raise {
                    finding: f.clone(),
                    due,
                    previous: Some(12),
                },
                Some("create"),
                Some("已验收的整改事项（12）再次未达到要求，重新下达"),
            ),
            (
                Step::Refresh {
                    order: 1,
                    finding: f.clone(),
                },
                None,
                None,
            ),
            (
                Step::Reopen {
                    order: 1,
                    from: Verified,
                    finding: f.clone(),
                    due,
                },
                Some("reopen"),
                Some("重新评分后该项再次未达到要求，重新打开"),
            ),
            (
                Step::Carry {
                    order: 1,
                    state: Open,
                    finding: f.clone(),
                    from_year: 2011,
                    to_year: 2012,
                },
                Some("carry"),
                Some("2011 年度考核中仍未达到要求，转入 2012 年度继续整改"),
            ),
            (
                Step::AutoClose {
                    order: 1,
                    from: Open,
                    why: Met::OnRescoring,
                },
                Some("auto_close"),
                Some("重新评分后该项已达到要求，自动销号"),
            ),
            (
                Step::AutoClose {
                    order: 1,
                    from: Open,
                    why: Met::InYear(2012),
                },
                Some("auto_close"),
                Some("2012 年度考核中该项已达到要求，自动销号"),
            ),
            (
                Step::Leave {
                    order: None,
                    key: f.key.clone(),
                    why: Leave::FollowedLater,
                },
                None,
                None,
            ),
        ];
        for (step, action, note) in cases {
            assert_eq!(step.action(), action, "{step:?}");
            assert_eq!(step.note().as_deref(), note, "{step:?}");
        }
    }

    #[test]
    fn the_tally_counts_what_is_written() {
        let c = sample();
        let card = score(&c, &answers(&["A1", "A2", "B1", "veto"]), &BTreeMap::new());
        let orders = [
            order(1, 11, "item:A1", Open, on(&c)),
            order(2, 11, "item:B3", Open, on(&c)),
            order(3, 12, "veto:loss_incident", Open, on(&c)),
            auto_closed(order(4, 12, "item:A2", Verified, on(&c))),
            order(5, 12, "gap:total", Returned, on(&c)),
            order(6, 12, "item:B1", Waived, on(&c)),
        ];
        let tally = Tally::of(&plan(&orders, on(&c), &card, &context(12)));
        assert_eq!(
            tally,
            Tally {
                created: 0,
                refreshed: 2,
                carried: 1,
                closed: 2
            }
        );
        assert!(!tally.is_empty());
        assert!(
            Tally::of(&plan(
                &[],
                on(&c),
                &score(&c, &full(), &BTreeMap::new()),
                &context(12)
            ))
            .is_empty()
        );
    }
}
