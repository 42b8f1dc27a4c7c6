//! Rectification (整改): what a unit must put right after an assessment,
//! and the lifecycle of each order until it is closed.
//!
//! ```text
//! open ──submit──► submitted ──verify──► verified
//!  │  ▲               │
//!  │  └──submit── returned ◄──return──┘
//!  └──waive──► waived ◄──waive── returned
//! ```

use std::fmt;

mod plan;
pub use plan::{Leave, Met, OrderSnapshot, PlanContext, Step, Tally, plan, rectify_days};

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use super::Points;
use super::checklist::{Checklist, ItemKind, Rule};
use super::scoring::{Scorecard, Shortfall};
use super::text::fold_label;

/// Where an order stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum State {
    /// Ordered, not yet answered (待整改).
    Open,
    /// The unit reported it done (已提交).
    Submitted,
    /// The bureau accepted it (已销号).
    Verified,
    /// The bureau sent it back (已退回).
    Returned,
    /// The bureau let it go, with a reason (免于整改).
    Waived,
}

impl State {
    pub const ALL: [State; 5] = [
        State::Open,
        State::Submitted,
        State::Verified,
        State::Returned,
        State::Waived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Submitted => "submitted",
            State::Verified => "verified",
            State::Returned => "returned",
            State::Waived => "waived",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            State::Open => "待整改",
            State::Submitted => "已提交",
            State::Verified => "已销号",
            State::Returned => "已退回",
            State::Waived => "免于整改",
        }
    }

    /// Still waiting on someone: the unit (open, returned) or the bureau (submitted).
    pub fn is_active(self) -> bool {
        matches!(self, State::Open | State::Submitted | State::Returned)
    }
}

/// What someone does to an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Submit,
    Verify,
    Return,
    Waive,
}

impl Action {
    pub const ALL: [Action; 4] = [
        Action::Submit,
        Action::Verify,
        Action::Return,
        Action::Waive,
    ];

    pub fn parse(text: &str) -> Option<Action> {
        match text {
            "submit" => Some(Action::Submit),
            "verify" => Some(Action::Verify),
            "return" => Some(Action::Return),
            "waive" => Some(Action::Waive),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Verify => "verify",
            Action::Return => "return",
            Action::Waive => "waive",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Action::Submit => "提交整改情况",
            Action::Verify => "验收销号",
            Action::Return => "退回重改",
            Action::Waive => "免于整改",
        }
    }

    /// Return and waive must say why.
    pub fn needs_note(self) -> bool {
        matches!(self, Action::Return | Action::Waive)
    }
}

/// An order's history event in Chinese: the people's actions and what the
/// service did by itself (下达, 结转, 自动销号). Unknown codes are shown as
/// 其他 rather than as code.
pub fn event_label_zh(action: &str) -> &'static str {
    match Action::parse(action) {
        Some(a) => a.label_zh(),
        None => match action {
            "create" => "下达整改",
            "carry" => "结转至下一年度",
            "auto_close" => "重新评分后自动销号",
            "due" => "调整整改期限",
            _ => "其他",
        },
    }
}

/// Who acts, as far as the lifecycle cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    /// The unit itself (its own orders only; the caller checks that).
    Unit,
    /// An inspector or admin of the bureau.
    Bureau,
    /// Reads only.
    Reader,
}

/// Why an action was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransitionError {
    /// This party may never take this action (403).
    NotForParty { action: Action },
    /// Not from this state (409).
    NotInState { action: Action, state: State },
    /// Return and waive need a note (400).
    NoteRequired { action: Action },
}

impl fmt::Display for TransitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransitionError::NotForParty { action } => {
                write!(f, "当前账号不能执行“{}”", action.label_zh())
            }
            TransitionError::NotInState { action, state } => write!(
                f,
                "整改事项处于“{}”状态，不能执行“{}”",
                state.label_zh(),
                action.label_zh()
            ),
            TransitionError::NoteRequired { action } => {
                write!(f, "“{}”须写明理由", action.label_zh())
            }
        }
    }
}

/// The state an action leads to. The party is checked before the state,
/// so a unit trying to verify hears "not yours" whatever the state.
pub fn transition(
    state: State,
    action: Action,
    party: Party,
    note: &str,
) -> Result<State, TransitionError> {
    let allowed = match action {
        Action::Submit => matches!(party, Party::Unit | Party::Bureau),
        Action::Verify | Action::Return | Action::Waive => party == Party::Bureau,
    };
    if !allowed {
        return Err(TransitionError::NotForParty { action });
    }
    let next = match (action, state) {
        (Action::Submit, State::Open | State::Returned) => State::Submitted,
        (Action::Verify, State::Submitted) => State::Verified,
        (Action::Return, State::Submitted) => State::Returned,
        (Action::Waive, State::Open | State::Returned) => State::Waived,
        _ => return Err(TransitionError::NotInState { action, state }),
    };
    if action.needs_note() && note.trim().is_empty() {
        return Err(TransitionError::NoteRequired { action });
    }
    Ok(next)
}

/// The due date: `days` calendar days after `from`; a date that falls on a
/// Saturday or Sunday moves to the next Monday.
pub fn due_date(from: NaiveDate, days: u32) -> NaiveDate {
    let due = from + Duration::days(i64::from(days));
    match due.weekday() {
        Weekday::Sat => due + Duration::days(2),
        Weekday::Sun => due + Duration::days(1),
        _ => due,
    }
}

/// Overdue: past its due date while the unit still owes an answer (open or
/// returned). An order submitted waits on the bureau, not the unit.
pub fn is_overdue(state: State, due: NaiveDate, today: NaiveDate) -> bool {
    matches!(state, State::Open | State::Returned) && today > due
}

/// Days past due (0 when not overdue).
pub fn days_overdue(state: State, due: NaiveDate, today: NaiveDate) -> i64 {
    if is_overdue(state, due, today) {
        (today - due).num_days()
    } else {
        0
    }
}

/// What kind of shortfall an order answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingKind {
    /// A checklist item below full marks.
    Item,
    /// A triggered veto (一票否决).
    Veto,
    /// A gap to the tier applied for (总分、类别得分、最低条件).
    Gap,
}

impl FindingKind {
    pub const ALL: [FindingKind; 3] = [FindingKind::Item, FindingKind::Veto, FindingKind::Gap];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Item => "item",
            FindingKind::Veto => "veto",
            FindingKind::Gap => "gap",
        }
    }

    pub fn parse(text: &str) -> Option<FindingKind> {
        match text {
            "item" => Some(FindingKind::Item),
            "veto" => Some(FindingKind::Veto),
            "gap" => Some(FindingKind::Gap),
            _ => None,
        }
    }
}

/// One thing to rectify, found in an assessment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    /// Stable within a unit across assessments: `item:B1`, `veto:loss_incident`,
    /// `gap:total`, `gap:input:room_area`, `gap:category:B`.
    pub key: String,
    pub item_code: Option<String>,
    pub category: Option<String>,
    /// What is short, in a line.
    pub title: String,
    /// What to do (整改要求).
    pub requirement: String,
    /// Points the item lost (zero for vetoes and gaps).
    pub points_lost: Points,
    /// A `deduct` item's defects found, each with how often ("每缺一种档案：
    /// 发现 2 处，扣 2 分"); empty for other findings.
    pub defects: Vec<Defect>,
}

/// One defect of a `deduct` item as found: what, how often, what it cost.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Defect {
    pub text: String,
    pub count: u32,
    /// Points deducted for it in all (per defect × count).
    pub points: Points,
}

impl Defect {
    /// "每缺一种档案：发现 2 处，扣 2 分".
    pub fn describe(&self) -> String {
        format!(
            "{}：发现 {} 处，扣 {} 分",
            self.text, self.count, self.points
        )
    }
}

/// The key of a veto's finding: `veto:loss_incident` for an input veto
/// (as before the second edition), `veto:when:…` for a condition.
pub fn veto_key(input: Option<&str>, when: Option<&str>) -> String {
    match (input, when) {
        (Some(input), _) => format!("veto:{input}"),
        (None, Some(when)) => format!("veto:when:{when}"),
        (None, None) => "veto:".to_string(),
    }
}

/// The orders an assessment gives: one per item below full marks, one per
/// triggered veto, and — where the unit applied for a tier it missed — one
/// per remaining gap to that tier that is not already an item or a veto.
pub fn findings(
    checklist: &Checklist,
    card: &Scorecard,
    target_tier: Option<&str>,
) -> Vec<Finding> {
    let mut found = Vec::new();
    for (item, score) in checklist.items.iter().zip(&card.items) {
        let lost = score.lost();
        if lost <= Points::ZERO {
            continue;
        }
        let requirement = item
            .requirement
            .clone()
            .unwrap_or_else(|| match &item.rule {
                Rule::SelfScored { .. } | Rule::Level { .. } | Rule::Deduct { .. } => {
                    format!("按考核细则要求做到：{}", item.title)
                }
                _ => format!("补齐“{}”所需的人员、经费或设施", item.title),
            });
        let title = match item.kind {
            ItemKind::Penalty => format!(
                "{} {}（扣分项，扣 {} 分）",
                item.code, item.title, score.points
            ),
            _ => format!(
                "{} {}（得 {} 分，满分 {} 分）",
                item.code, item.title, score.points, item.max
            ),
        };
        let defects = score
            .deductions
            .iter()
            .filter_map(|d| {
                let count = d.count.filter(|c| *c > 0)?;
                Some(Defect {
                    text: d.text.clone(),
                    count,
                    points: Points(d.points.0.saturating_mul(count as i32)),
                })
            })
            .collect();
        found.push(Finding {
            kind: FindingKind::Item,
            key: format!("item:{}", item.code),
            item_code: Some(item.code.clone()),
            category: Some(item.category.clone()),
            title,
            requirement,
            points_lost: lost,
            defects,
        });
    }
    for veto in &card.vetoes {
        found.push(Finding {
            kind: FindingKind::Veto,
            key: veto_key(veto.input.as_deref(), veto.when.as_deref()),
            item_code: None,
            category: None,
            title: format!("一票否决：{}", veto.reason),
            requirement: format!("查明原因、采取补救措施并书面报告：{}", veto.reason),
            points_lost: Points::ZERO,
            defects: Vec::new(),
        });
    }
    // A provisional result's gaps may still close when the inspector scores
    // the pending items: no gap orders until then.
    if let Some(target) = target_tier.filter(|_| !card.provisional) {
        for gap in card.gaps(target) {
            let (key, title, requirement) = match gap {
                // Items and vetoes have their own orders already.
                Shortfall::RequiredItem { .. }
                | Shortfall::Veto { .. }
                | Shortfall::Pending { .. } => {
                    continue;
                }
                Shortfall::Requires { source } => (
                    format!("gap:requires:{source}"),
                    gap.describe_zh(checklist),
                    format!("达到申报等级的附加条件（{source}）"),
                ),
                Shortfall::Total { total, min } => (
                    "gap:total".to_string(),
                    format!("总分 {total} 分，未达到申报等级要求的 {min} 分"),
                    format!("针对失分条目整改，使总分达到 {min} 分以上"),
                ),
                Shortfall::CategoryFloor { code, .. } => (
                    format!("gap:category:{code}"),
                    gap.describe_zh(checklist),
                    format!(
                        "提高“{}”类各条目得分，达到申报等级的类别得分要求",
                        checklist
                            .category(code)
                            .map_or(code.as_str(), |c| c.name.as_str())
                    ),
                ),
                Shortfall::MinNumber { key, min, .. } => {
                    let unit = checklist
                        .input(key)
                        .and_then(|i| i.unit.clone())
                        .unwrap_or_default();
                    (
                        format!("gap:input:{key}"),
                        gap.describe_zh(checklist),
                        format!(
                            "{}达到 {min}{unit} 以上",
                            checklist
                                .input(key)
                                .map_or(key.as_str(), |i| i.label.as_str())
                        ),
                    )
                }
                Shortfall::MinYes { key } => (
                    format!("gap:input:{key}"),
                    gap.describe_zh(checklist),
                    format!(
                        "落实“{}”",
                        checklist
                            .input(key)
                            .map_or(key.as_str(), |i| i.label.as_str())
                    ),
                ),
            };
            found.push(Finding {
                kind: FindingKind::Gap,
                key,
                item_code: None,
                category: match gap {
                    Shortfall::CategoryFloor { code, .. } => Some(code.clone()),
                    _ => None,
                },
                title,
                requirement,
                points_lost: Points::ZERO,
                defects: Vec::new(),
            });
        }
    }
    found
}

/// What an order was ordered against: the checklist its assessment used and
/// the tier the unit applied for there.
#[derive(Clone, Copy, Debug)]
pub struct Basis<'a> {
    pub checklist: &'a Checklist,
    /// The tier code named in 申报等级, if any.
    pub target_tier: Option<&'a str>,
}

/// Whether an order keyed `key`, ordered against `old`, means the same
/// thing against `new`: only then may an assessment against `new` carry it
/// on, close it as met or link a new order to it. Otherwise the order stays
/// as it is in its own year for an inspector to decide.
///
/// - Another checklist (a different id) never matches: its codes and keys
///   are another bureau's numbering.
/// - An item (`item:A3`) matches under the same version, or under another
///   version of the same checklist when that version has an item of that
///   code whose title reads the same after folding blanks and full-width
///   forms. Versions renumber their items (community@2012's A3 is
///   community@2013's A7), so a code alone says nothing; an item the new
///   version lacks matches nothing.
/// - A veto (`veto:loss_incident`) is keyed by the fact it reads. Facts
///   keep their meaning across versions of one checklist, so it matches
///   when the new version still has a veto on that fact; where it has none,
///   the absence of the veto says nothing about the incident.
/// - A gap (`gap:total`, `gap:category:B`, `gap:input:room_area`) is the
///   distance to the tier applied for, so it matches only when both
///   assessments name the same tier and the new version still has that
///   tier (and that category or fact); an assessment that names no tier, or
///   another, says nothing about the old one.
pub fn same_meaning(key: &str, old: Basis<'_>, new: Basis<'_>) -> bool {
    if old.checklist.id != new.checklist.id {
        return false;
    }
    let same_version = old.checklist.version == new.checklist.version;
    if let Some(code) = key.strip_prefix("item:") {
        if same_version {
            return true;
        }
        return match (old.checklist.item(code), new.checklist.item(code)) {
            (Some(a), Some(b)) => fold_label(&a.title) == fold_label(&b.title),
            _ => false,
        };
    }
    if let Some(input) = key.strip_prefix("veto:") {
        let _ = input;
        return new.checklist.vetoes.iter().any(|v| {
            let when = match &v.trigger {
                crate::domain::checklist::VetoTrigger::When(c) => Some(c.source.as_str()),
                crate::domain::checklist::VetoTrigger::Input(_) => None,
            };
            veto_key(v.input(), when) == key
        });
    }
    if let Some(gap) = key.strip_prefix("gap:") {
        let Some(tier) = old.target_tier.filter(|t| Some(*t) == new.target_tier) else {
            return false;
        };
        if new.checklist.tier(tier).is_none() {
            return false;
        }
        return match gap.split_once(':') {
            None => gap == "total",
            Some(("category", code)) => new.checklist.category(code).is_some(),
            Some(("input", input)) => new.checklist.input(input).is_some(),
            Some(_) => false,
        };
    }
    false
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::checklist::tests::sample;
    use super::super::scoring::{Answers, ItemAnswer, score};
    use super::super::{Decimal, InputValue};
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn every_allowed_transition() {
        let ok = |state, action, party| transition(state, action, party, "理由").unwrap();
        assert_eq!(
            ok(State::Open, Action::Submit, Party::Unit),
            State::Submitted
        );
        assert_eq!(
            ok(State::Returned, Action::Submit, Party::Unit),
            State::Submitted
        );
        assert_eq!(
            ok(State::Open, Action::Submit, Party::Bureau),
            State::Submitted
        );
        assert_eq!(
            ok(State::Submitted, Action::Verify, Party::Bureau),
            State::Verified
        );
        assert_eq!(
            ok(State::Submitted, Action::Return, Party::Bureau),
            State::Returned
        );
        assert_eq!(ok(State::Open, Action::Waive, Party::Bureau), State::Waived);
        assert_eq!(
            ok(State::Returned, Action::Waive, Party::Bureau),
            State::Waived
        );
    }

    #[test]
    fn every_other_state_action_pair_is_refused_as_a_conflict() {
        let allowed = [
            (State::Open, Action::Submit),
            (State::Returned, Action::Submit),
            (State::Submitted, Action::Verify),
            (State::Submitted, Action::Return),
            (State::Open, Action::Waive),
            (State::Returned, Action::Waive),
        ];
        for state in State::ALL {
            for action in [
                Action::Submit,
                Action::Verify,
                Action::Return,
                Action::Waive,
            ] {
                let result = transition(state, action, Party::Bureau, "理由");
                if allowed.contains(&(state, action)) {
                    assert!(result.is_ok(), "{state:?} {action:?}");
                } else {
                    assert_eq!(
                        result,
                        Err(TransitionError::NotInState { action, state }),
                        "{state:?} {action:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn parties_are_checked_before_states() {
        for state in State::ALL {
            for action in [Action::Verify, Action::Return, Action::Waive] {
                assert_eq!(
                    transition(state, action, Party::Unit, "x"),
                    Err(TransitionError::NotForParty { action })
                );
            }
            for action in [
                Action::Submit,
                Action::Verify,
                Action::Return,
                Action::Waive,
            ] {
                assert_eq!(
                    transition(state, action, Party::Reader, "x"),
                    Err(TransitionError::NotForParty { action })
                );
            }
        }
    }

    #[test]
    fn return_and_waive_need_a_note() {
        assert_eq!(
            transition(State::Submitted, Action::Return, Party::Bureau, "  "),
            Err(TransitionError::NoteRequired {
                action: Action::Return
            })
        );
        assert_eq!(
            transition(State::Open, Action::Waive, Party::Bureau, ""),
            Err(TransitionError::NoteRequired {
                action: Action::Waive
            })
        );
        assert!(transition(State::Open, Action::Submit, Party::Unit, "").is_ok());
        assert!(transition(State::Submitted, Action::Verify, Party::Bureau, "").is_ok());
    }

    #[test]
    fn due_dates_count_calendar_days_and_skip_weekends() {
        // 2012-03-01 is a Thursday.
        assert_eq!(
            due_date(date(2012, 3, 1), 30),
            date(2012, 3, 31).succ_opt().unwrap().succ_opt().unwrap(),
            "Sat 31 → Mon 2 Apr"
        );
        assert_eq!(
            due_date(date(2012, 3, 1), 29),
            date(2012, 3, 30),
            "a Friday stays"
        );
        assert_eq!(
            due_date(date(2012, 3, 1), 31),
            date(2012, 4, 2),
            "Sunday 1 Apr → Monday 2 Apr"
        );
        assert_eq!(due_date(date(2012, 3, 1), 0), date(2012, 3, 1));
        // Across a year end: 2012-12-01 + 30 = 2012-12-31, a Monday.
        assert_eq!(due_date(date(2012, 12, 1), 30), date(2012, 12, 31));
        // 2012-12-29 (Sat) → 2012-12-31; 2011-12-31 (Sat) → 2012-01-02.
        assert_eq!(due_date(date(2012, 12, 19), 10), date(2012, 12, 31));
        assert_eq!(due_date(date(2011, 12, 1), 30), date(2012, 1, 2));
        // Leap day.
        assert_eq!(due_date(date(2012, 1, 30), 30), date(2012, 2, 29));
    }

    #[test]
    fn overdue_only_while_the_unit_owes_an_answer() {
        let due = date(2012, 12, 31);
        assert!(
            !is_overdue(State::Open, due, date(2012, 12, 31)),
            "due day itself is not overdue"
        );
        assert!(
            is_overdue(State::Open, due, date(2013, 1, 1)),
            "across the year end"
        );
        assert!(is_overdue(State::Returned, due, date(2013, 1, 1)));
        assert!(!is_overdue(State::Submitted, due, date(2013, 1, 1)));
        assert!(!is_overdue(State::Verified, due, date(2013, 1, 1)));
        assert!(!is_overdue(State::Waived, due, date(2013, 1, 1)));
        assert_eq!(days_overdue(State::Open, due, date(2013, 1, 10)), 10);
        assert_eq!(days_overdue(State::Submitted, due, date(2013, 1, 10)), 0);
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

    #[test]
    fn full_marks_give_no_orders() {
        let c = sample();
        let card = score(&c, &full(), &BTreeMap::new());
        assert!(findings(&c, &card, Some("province-model")).is_empty());
    }

    #[test]
    fn one_order_per_short_item_veto_and_gap() {
        let c = sample();
        let mut a = full();
        a.self_scores
            .insert("A1".into(), ItemAnswer::Points(Points(300)));
        a.self_scores.insert("A2".into(), ItemAnswer::NotApplicable);
        a.inputs.insert(
            "room_area".into(),
            InputValue::Number(Decimal::parse("25").unwrap()),
        );
        a.inputs
            .insert("loss_incident".into(), InputValue::YesNo(true));
        let card = score(&c, &a, &BTreeMap::new());
        let found = findings(&c, &card, Some("province-model"));
        let keys: Vec<&str> = found.iter().map(|f| f.key.as_str()).collect();
        // A1 and B1 lost points; A2 is not applicable so owes nothing; the
        // veto; the room-area minimum. The required items A1 and B1 are not
        // repeated as gaps; the total (16.5 of 20 ≥ 18? no) is a gap.
        assert_eq!(
            keys,
            vec![
                "item:A1",
                "item:B1",
                "veto:loss_incident",
                "gap:total",
                "gap:input:room_area"
            ]
        );
        assert_eq!(found[0].points_lost, Points(100));
        assert_eq!(found[1].points_lost, Points(200));
        assert!(found[0].requirement.contains("明确分管领导"));
        // Without a target tier there are no gap orders.
        let plain = findings(&c, &card, None);
        assert!(plain.iter().all(|f| f.kind != FindingKind::Gap));
    }

    /// The sample as another version: A1 reworded (full-width and blanks
    /// only), A2 renamed, B3 dropped; and as another checklist.
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

    #[test]
    fn items_match_across_versions_only_by_the_same_title() {
        let (old, new, other) = versions();
        let at = |c| Basis {
            checklist: c,
            target_tier: None,
        };
        assert!(same_meaning("item:A2", at(&old), at(&old)), "same version");
        assert!(
            same_meaning("item:A1", at(&old), at(&new)),
            "a title that differs only in blanks and width"
        );
        assert!(
            !same_meaning("item:A2", at(&old), at(&new)),
            "another title"
        );
        assert!(!same_meaning("item:B3", at(&old), at(&new)), "item dropped");
        assert!(!same_meaning("item:A1", at(&old), at(&other)), "another id");
    }

    #[test]
    fn vetoes_and_gaps_match_only_within_one_checklist_and_tier() {
        let (old, new, other) = versions();
        let at = |c, t| Basis {
            checklist: c,
            target_tier: t,
        };
        let model = Some("province-model");
        assert!(same_meaning(
            "veto:loss_incident",
            at(&old, None),
            at(&new, None)
        ));
        assert!(!same_meaning(
            "veto:loss_incident",
            at(&old, None),
            at(&other, None)
        ));
        let mut no_veto = new.clone();
        no_veto.vetoes.clear();
        assert!(!same_meaning(
            "veto:loss_incident",
            at(&old, None),
            at(&no_veto, None)
        ));
        for key in ["gap:total", "gap:category:B", "gap:input:room_area"] {
            assert!(same_meaning(key, at(&old, model), at(&new, model)), "{key}");
            assert!(!same_meaning(key, at(&old, model), at(&new, None)), "{key}");
            assert!(
                !same_meaning(key, at(&old, model), at(&new, Some("city-standard"))),
                "{key}"
            );
            assert!(
                !same_meaning(key, at(&old, model), at(&other, model)),
                "{key}"
            );
        }
        assert!(!same_meaning(
            "gap:input:nothing",
            at(&old, model),
            at(&new, model)
        ));
        assert!(!same_meaning("odd:key", at(&old, None), at(&old, None)));
    }
}
