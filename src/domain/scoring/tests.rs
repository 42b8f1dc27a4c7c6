use super::super::checklist::tests::{parse, sample, sample_toml};
use super::*;

fn dec(s: &str) -> Decimal {
    Decimal::parse(s).unwrap()
}

/// Full facts and full self-scores for the sample checklist: 20 of 20.
fn full() -> Answers {
    let mut a = Answers::default();
    a.inputs
        .insert("room_area".into(), InputValue::Number(dec("45")));
    a.inputs
        .insert("has_budget".into(), InputValue::YesNo(true));
    a.inputs
        .insert("air_conditioner".into(), InputValue::YesNo(true));
    a.inputs
        .insert("scanners".into(), InputValue::Number(dec("2")));
    a.inputs
        .insert("digitised".into(), InputValue::Number(dec("90")));
    a.inputs
        .insert("loss_incident".into(), InputValue::YesNo(false));
    a.self_scores
        .insert("A1".into(), ItemAnswer::Points(Points(400)));
    a.self_scores
        .insert("A2".into(), ItemAnswer::Points(Points(200)));
    a
}

fn with_input(mut a: Answers, key: &str, value: InputValue) -> Answers {
    a.inputs.insert(key.into(), value);
    a
}

fn points_of(a: &Answers, code: &str) -> Points {
    score(&sample(), a, &BTreeMap::new())
        .item(code)
        .unwrap()
        .points
}

fn no_overrides() -> BTreeMap<String, ItemAnswer> {
    BTreeMap::new()
}

#[test]
fn full_answers_reach_the_top_tier() {
    let card = score(&sample(), &full(), &no_overrides());
    assert_eq!(card.raw, Points(2000));
    assert_eq!(card.total, Points(2000));
    assert_eq!(card.tier.unwrap().code, "province-model");
    assert_eq!(card.grade.as_deref(), Some("合格"));
    assert!(card.vetoes.is_empty());
}

#[test]
fn self_rule_takes_the_unit_score() {
    let a = full();
    let mut b = a.clone();
    b.self_scores
        .insert("A1".into(), ItemAnswer::Points(Points(350)));
    assert_eq!(points_of(&a, "A1"), Points(400));
    assert_eq!(points_of(&b, "A1"), Points(350));
}

#[test]
fn yes_no_rule_is_all_or_nothing() {
    assert_eq!(points_of(&full(), "A3"), Points(200));
    let no = with_input(full(), "has_budget", InputValue::YesNo(false));
    assert_eq!(points_of(&no, "A3"), Points(0));
}

#[test]
fn bands_take_the_first_reached_threshold() {
    let at = |v: &str| {
        points_of(
            &with_input(full(), "room_area", InputValue::Number(dec(v))),
            "B1",
        )
    };
    assert_eq!(at("40"), Points(400), "exactly at the top threshold");
    assert_eq!(at("39.99"), Points(200));
    assert_eq!(at("20"), Points(200), "exactly at a middle threshold");
    assert_eq!(at("19.9"), Points(100));
    assert_eq!(at("10"), Points(100));
    assert_eq!(at("9.99"), Points(0), "below every band");
    assert_eq!(at("0"), Points(0));
    assert_eq!(at("1000"), Points(400));
}

#[test]
fn each_counts_yes_and_positive_numbers_capped_at_max() {
    // 2 points each, max 3: two facts would give 4, capped at 3.
    assert_eq!(points_of(&full(), "B2"), Points(300));
    let one = with_input(full(), "scanners", InputValue::Number(dec("0")));
    assert_eq!(points_of(&one, "B2"), Points(200));
    let none = with_input(one, "air_conditioner", InputValue::YesNo(false));
    assert_eq!(points_of(&none, "B2"), Points(0));
    let fraction = with_input(none, "scanners", InputValue::Number(dec("0.5")));
    assert_eq!(points_of(&fraction, "B2"), Points(200), "0.5 is > 0");
}

#[test]
fn linear_rounds_down_to_half_points() {
    // max 5, full at 80.
    let at = |v: &str| {
        points_of(
            &with_input(full(), "digitised", InputValue::Number(dec(v))),
            "B3",
        )
    };
    assert_eq!(at("80"), Points(500));
    assert_eq!(at("100"), Points(500), "capped at max");
    assert_eq!(at("40"), Points(250));
    assert_eq!(at("39.9"), Points(200), "2.49 rounds down to 2");
    assert_eq!(at("8"), Points(50));
    assert_eq!(at("7.99"), Points(0));
    assert_eq!(at("0"), Points(0));
    assert_eq!(at("72"), Points(450));
    assert_eq!(at("71.99"), Points(400));
}

#[test]
fn not_applicable_rescales_half_up() {
    // A2 (2 points) not applicable: applicable max 18.
    let mut a = full();
    a.self_scores.insert("A2".into(), ItemAnswer::NotApplicable);
    a.self_scores
        .insert("A1".into(), ItemAnswer::Points(Points(350)));
    let card = score(&sample(), &a, &no_overrides());
    assert_eq!(card.applicable_max, Points(1800));
    assert_eq!(card.raw, Points(1750));
    // 17.5 × 20 / 18 = 19.444… → 19.4
    assert_eq!(card.total, Points(1940));
    let a2 = card.item("A2").unwrap();
    assert!(!a2.applicable);
    assert_eq!(a2.points, Points(0));
    assert_eq!(a2.lost(), Points(0));
}

#[test]
fn rescale_rounds_half_up_exactly() {
    // 0.5 × 100 / 3 = 16.666… → 16.7
    assert_eq!(
        rescale(Points(50), Points(300), Points(10000)),
        Points(1670)
    );
    // 0.1 × 100 / 40 = 0.25 → 0.3 (half up)
    assert_eq!(rescale(Points(10), Points(4000), Points(10000)), Points(30));
    // 7.5 × 100 / 80 = 9.375 → 9.4
    assert_eq!(
        rescale(Points(750), Points(8000), Points(10000)),
        Points(940)
    );
    // 8.5 × 100 / 20 = 42.5 exactly
    assert_eq!(
        rescale(Points(850), Points(2000), Points(10000)),
        Points(4250)
    );
    assert_eq!(rescale(Points(0), Points(0), Points(10000)), Points(0));
    assert_eq!(
        rescale(Points(8850), Points(10000), Points(10000)),
        Points(8850)
    );
}

#[test]
fn required_items_must_earn_full_marks() {
    let mut a = full();
    a.self_scores
        .insert("A1".into(), ItemAnswer::Points(Points(350)));
    let card = score(&sample(), &a, &no_overrides());
    // 19.5 ≥ 18, yet A1 is required for the top tier.
    assert_eq!(card.total, Points(1950));
    assert_eq!(card.tier.as_ref().unwrap().code, "city-standard");
    assert_eq!(
        card.gaps("province-model"),
        &[Shortfall::RequiredItem {
            code: "A1".into(),
            points: Points(350),
            max: Points(400)
        }]
    );
    assert_eq!(
        card.gaps("province-model")[0].to_string(),
        "item A1 earned 3.5 of 4"
    );
}

#[test]
fn min_inputs_are_checked() {
    let small = with_input(full(), "room_area", InputValue::Number(dec("39.5")));
    let card = score(&sample(), &small, &no_overrides());
    let gaps: Vec<String> = card
        .gaps("province-model")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        gaps.contains(&"room_area 39.5 below 40".to_string()),
        "{gaps:?}"
    );
    assert!(
        gaps.contains(&"item B1 earned 2 of 4".to_string()),
        "{gaps:?}"
    );

    let no_budget = with_input(full(), "has_budget", InputValue::YesNo(false));
    let card = score(&sample(), &no_budget, &no_overrides());
    assert!(card.gaps("province-model").contains(&Shortfall::MinYes {
        key: "has_budget".into()
    }));
    assert_eq!(card.tier.unwrap().code, "city-standard");
}

#[test]
fn category_floor_is_a_share_of_the_applicable_max() {
    // Category B max 12: floor 80% needs 9.6. Drop B3 to 0 (room 12 - 5 = 7).
    let a = with_input(full(), "digitised", InputValue::Number(dec("0")));
    let card = score(&sample(), &a, &no_overrides());
    assert_eq!(card.total, Points(1500));
    let gaps = card.gaps("province-model");
    assert!(
        gaps.iter()
            .any(|g| matches!(g, Shortfall::CategoryFloor { code, .. } if code == "B"))
    );
    assert!(
        !gaps
            .iter()
            .any(|g| matches!(g, Shortfall::CategoryFloor { code, .. } if code == "A"))
    );
}

#[test]
fn category_floor_at_exactly_the_boundary_passes() {
    // Floor 50% on a category of 8 (A: A1 4 + A2 2 + A3 2): 4 of 8 passes, 3.5 fails.
    let text = sample_toml().replace("category_floor = 80", "category_floor = 50");
    let checklist = parse(&text).unwrap();
    let mut a = full();
    a.self_scores
        .insert("A2".into(), ItemAnswer::Points(Points(0)));
    a.inputs
        .insert("has_budget".into(), InputValue::YesNo(false));
    let check = |a: &Answers| {
        score(&checklist, a, &no_overrides())
            .gaps("province-model")
            .iter()
            .any(|g| matches!(g, Shortfall::CategoryFloor { .. }))
    };
    // A = 4 of 8 → exactly 50%.
    assert!(!check(&a));
    a.self_scores
        .insert("A1".into(), ItemAnswer::Points(Points(350)));
    assert!(check(&a));
}

#[test]
fn category_with_nothing_applicable_passes_the_floor() {
    let text = sample_toml()
        .replace(
            "[[categories]]\ncode = \"B\"",
            "[[categories]]\ncode = \"C\"\nname = \"可选\"\n\n[[categories]]\ncode = \"B\"",
        )
        .replace(
            "code = \"A2\"\ncategory = \"A\"",
            "code = \"A2\"\ncategory = \"C\"",
        );
    let checklist = parse(&text).unwrap();
    let mut a = full();
    a.self_scores.insert("A2".into(), ItemAnswer::NotApplicable);
    let card = score(&checklist, &a, &no_overrides());
    let c = card.categories.iter().find(|c| c.code == "C").unwrap();
    assert_eq!(c.applicable_max, Points(0));
    assert_eq!(card.tier.unwrap().code, "province-model");
}

#[test]
fn veto_beats_any_score() {
    let a = with_input(full(), "loss_incident", InputValue::YesNo(true));
    let card = score(&sample(), &a, &no_overrides());
    assert_eq!(card.total, Points(2000), "the score itself stands");
    assert_eq!(card.tier, None);
    assert_eq!(card.grade.as_deref(), Some("不合格"), "the lowest grade");
    assert_eq!(card.vetoes.len(), 1);
    assert!(card.tier_checks.iter().all(|t| !t.reached()));
}

#[test]
fn grade_is_the_last_reached() {
    let mut a = full();
    a.self_scores
        .insert("A1".into(), ItemAnswer::Points(Points(0)));
    a.self_scores
        .insert("A2".into(), ItemAnswer::Points(Points(0)));
    a.inputs
        .insert("has_budget".into(), InputValue::YesNo(false));
    // 20 - 8 = 12: exactly 合格's threshold.
    let card = score(&sample(), &a, &no_overrides());
    assert_eq!(card.total, Points(1200));
    assert_eq!(card.grade.as_deref(), Some("合格"));
    assert_eq!(card.tier.unwrap().code, "city-standard");
    a.inputs
        .insert("scanners".into(), InputValue::Number(dec("0")));
    let card = score(&sample(), &a, &no_overrides());
    assert_eq!(card.total, Points(1100));
    assert_eq!(card.grade.as_deref(), Some("不合格"));
    assert_eq!(card.tier, None);
    assert_eq!(
        card.gaps("city-standard"),
        &[Shortfall::Total {
            total: Points(1100),
            min: Points(1200)
        }]
    );
}

#[test]
fn no_grades_means_no_grade() {
    let text = sample_toml();
    let cut = text.find("[[grades]]").unwrap();
    let checklist = parse(&text[..cut]).unwrap();
    assert_eq!(score(&checklist, &full(), &no_overrides()).grade, None);
}

#[test]
fn overrides_replace_rule_results() {
    let mut overrides = BTreeMap::new();
    overrides.insert("B1".to_string(), ItemAnswer::Points(Points(200)));
    overrides.insert("A2".to_string(), ItemAnswer::NotApplicable);
    let card = score(&sample(), &full(), &overrides);
    assert_eq!(card.item("B1").unwrap().points, Points(200));
    assert!(!card.item("A2").unwrap().applicable);
    // An override above max is clamped; N/A on a required item counts as 0.
    overrides.insert("B1".to_string(), ItemAnswer::Points(Points(900)));
    overrides.insert("A1".to_string(), ItemAnswer::NotApplicable);
    let card = score(&sample(), &full(), &overrides);
    assert_eq!(card.item("B1").unwrap().points, Points(400));
    assert!(card.item("A1").unwrap().applicable);
    assert_eq!(card.item("A1").unwrap().points, Points(0));
}

#[test]
fn next_tier_is_the_one_above() {
    let card = score(&sample(), &full(), &no_overrides());
    assert!(card.next_tier().is_none());
    let a = with_input(full(), "has_budget", InputValue::YesNo(false));
    let card = score(&sample(), &a, &no_overrides());
    assert_eq!(card.next_tier().unwrap().code, "province-model");
    let vetoed = with_input(full(), "loss_incident", InputValue::YesNo(true));
    let card = score(&sample(), &vetoed, &no_overrides());
    assert_eq!(card.next_tier().unwrap().code, "city-standard");
}

#[test]
fn value_fits_its_type() {
    assert!(value_fits(
        InputType::Integer,
        &InputValue::Number(dec("3"))
    ));
    assert!(!value_fits(
        InputType::Integer,
        &InputValue::Number(dec("3.5"))
    ));
    assert!(!value_fits(
        InputType::Decimal,
        &InputValue::Number(dec("-1"))
    ));
    assert!(value_fits(
        InputType::Percent,
        &InputValue::Number(dec("100"))
    ));
    assert!(!value_fits(
        InputType::Percent,
        &InputValue::Number(dec("100.1"))
    ));
    assert!(!value_fits(InputType::YesNo, &InputValue::Number(dec("1"))));
}

/// Exhaustive over a small space: the total never leaves 0..=total, and
/// a better self-score never lowers the total or the tier.
#[test]
fn totals_are_bounded_and_monotone() {
    let checklist = sample();
    let tier_rank = |card: &Scorecard| {
        card.tier
            .as_ref()
            .and_then(|t| checklist.tiers.iter().position(|x| x.code == t.code))
            .map_or(0, |p| p + 1)
    };
    for area in ["0", "10", "20", "39.9", "40"] {
        for digitised in ["0", "7.9", "40", "80"] {
            let base = with_input(
                with_input(full(), "room_area", InputValue::Number(dec(area))),
                "digitised",
                InputValue::Number(dec(digitised)),
            );
            let mut previous: Option<Scorecard> = None;
            for a1 in (0..=40).step_by(5) {
                let mut a = base.clone();
                a.self_scores
                    .insert("A1".into(), ItemAnswer::Points(Points(a1 * 10)));
                let card = score(&checklist, &a, &no_overrides());
                assert!(card.total >= Points::ZERO && card.total <= checklist.total);
                if let Some(p) = &previous {
                    assert!(card.total >= p.total);
                    assert!(tier_rank(&card) >= tier_rank(p));
                }
                previous = Some(card);
            }
        }
    }
}

// ---------------------------------------------------------------- second edition

use super::super::checklist::tests::{second, second_toml};

fn p(hundredths: i32) -> Points {
    Points(hundredths)
}

/// The sample's unit, hand-scored (see each comment):
/// A1 社区文书 3; A2 4 − (2 × 1 + 1 × 0.5) = 1.5; A3 中 2; B1 1; B2 min(2 × 0.5,
/// 1.5) = 1, group BG 2 (cap 2); B3 by the inspector 6.25; X1 bonus 1.5,
/// capped at bonus_max 1; P1 one late report, −0.75.
/// A = 6.5 / 10, B = 8.25 / 10, raw 14.75 / 20 → 14.75 + 1 − 0.75 = 15.00.
pub(crate) fn second_answers() -> Answers {
    let mut a = Answers {
        unit_kind: "社区".into(),
        ..Answers::default()
    };
    a.inputs
        .insert("keeper".into(), InputValue::Choice("社区文书".into()));
    a.inputs
        .insert("rooms".into(), InputValue::Number(dec("2")));
    a.inputs.insert("has_plan".into(), InputValue::YesNo(true));
    a.inputs.insert("incident".into(), InputValue::YesNo(false));
    a.self_scores
        .insert("A2".into(), ItemAnswer::Counts(vec![2, 1]));
    a.self_scores
        .insert("A3".into(), ItemAnswer::Level("中".into()));
    a.self_scores
        .insert("B3".into(), ItemAnswer::Points(p(625)));
    a.self_scores
        .insert("P1".into(), ItemAnswer::Counts(vec![1]));
    a
}

#[test]
fn second_edition_scores_as_hand_computed() {
    let c = second();
    let card = score(&c, &second_answers(), &no_overrides());
    let points: Vec<(&str, Points)> = card
        .items
        .iter()
        .map(|i| (i.code.as_str(), i.points))
        .collect();
    assert_eq!(
        points,
        vec![
            ("A1", p(300)),
            ("A2", p(150)),
            ("A3", p(200)),
            ("B1", p(100)),
            ("B2", p(100)),
            ("B3", p(625)),
            ("X1", p(150)),
            ("P1", p(75)),
        ]
    );
    assert_eq!(card.group("BG").unwrap().points, p(200));
    assert_eq!(card.category("A").unwrap().points, p(650));
    assert_eq!(card.category("B").unwrap().points, p(825));
    assert_eq!((card.raw, card.applicable_max), (p(1475), p(2000)));
    assert_eq!((card.bonus, card.penalty), (p(150), p(75)));
    assert_eq!(card.total, p(1500));
    assert!(!card.provisional);
    assert_eq!(card.tier.as_ref().unwrap().code, "good");
    assert_eq!(
        card.gaps("best"),
        &[Shortfall::Requires {
            source: "full(A2) and category(A) >= 80".into()
        }]
    );
    assert_eq!(card.grade.as_deref(), Some("合格"));
    let a2 = card.item("A2").unwrap();
    assert_eq!(
        a2.deductions
            .iter()
            .map(|d| (d.text.as_str(), d.count))
            .collect::<Vec<_>>(),
        vec![("每缺一种档案", Some(2)), ("未建立全宗目录", Some(1))]
    );
    assert_eq!(card.item("A3").unwrap().level.as_deref(), Some("中"));
    assert_eq!(
        card.item("P1").unwrap().lost(),
        p(75),
        "a penalty costs what it deducts"
    );
    assert_eq!(card.item("X1").unwrap().lost(), p(0), "a bonus never costs");
}

/// One change at a time to the hand-scored unit, and what it does.
#[test]
fn second_edition_rules_table() {
    type Edit = fn(&mut Answers);
    let cases: &[(&str, Edit, &str, i32)] = &[
        (
            "a capped group: 5 rooms give B2 1.5, the group stays at 2",
            |a| {
                a.inputs
                    .insert("rooms".into(), InputValue::Number(Decimal::from_int(5)));
            },
            "B2",
            150,
        ),
        (
            "扣完为止: 5 kinds missing and no index cost more than 4",
            |a| {
                a.self_scores
                    .insert("A2".into(), ItemAnswer::Counts(vec![5, 1]));
            },
            "A2",
            0,
        ),
        (
            "once: found twice counts once",
            |a| {
                a.self_scores
                    .insert("A2".into(), ItemAnswer::Counts(vec![0, 2]));
            },
            "A2",
            350,
        ),
        (
            "a level by name, folded",
            |a| {
                a.self_scores
                    .insert("A3".into(), ItemAnswer::Level(" 好 ".into()));
            },
            "A3",
            300,
        ),
        (
            "a level by its points",
            |a| {
                a.self_scores
                    .insert("A3".into(), ItemAnswer::Points(Points(200)));
            },
            "A3",
            200,
        ),
        (
            "an option not listed earns 0",
            |a| {
                a.inputs
                    .insert("keeper".into(), InputValue::Choice("无".into()));
            },
            "A1",
            0,
        ),
        (
            "another listed option",
            |a| {
                a.inputs
                    .insert("keeper".into(), InputValue::Choice("其他人员".into()));
            },
            "A1",
            100,
        ),
        (
            "a penalty deducts per defect up to its max",
            |a| {
                a.self_scores
                    .insert("P1".into(), ItemAnswer::Counts(vec![4]));
            },
            "P1",
            200,
        ),
        (
            "a formula is floored to its step (0.01) and clamped",
            |a| {
                a.inputs.insert(
                    "rooms".into(),
                    InputValue::Number(Decimal::parse("1.333").unwrap()),
                );
            },
            "B2",
            66,
        ),
    ];
    let c = second();
    for (what, edit, code, expected) in cases {
        let mut a = second_answers();
        edit(&mut a);
        let card = score(&c, &a, &no_overrides());
        assert_eq!(card.item(code).unwrap().points, Points(*expected), "{what}");
    }
    // The group cap: B1 1 + B2 1.5 = 2.5, capped at 2.
    let mut a = second_answers();
    a.inputs
        .insert("rooms".into(), InputValue::Number(dec("5")));
    let card = score(&c, &a, &no_overrides());
    let bg = card.group("BG").unwrap();
    assert_eq!(
        (bg.uncapped, bg.points, bg.applicable_max),
        (p(250), p(200), p(200))
    );
    assert_eq!(card.total, p(1500));
}

#[test]
fn an_inspector_item_without_its_score_is_pending() {
    let c = second();
    let mut a = second_answers();
    a.self_scores.remove("B3");
    let card = score(&c, &a, &no_overrides());
    let b3 = card.item("B3").unwrap();
    assert!(b3.pending && b3.points == Points::ZERO);
    assert!(card.provisional);
    assert_eq!(card.pending, vec!["B3".to_string()]);
    assert_eq!((card.tier.clone(), card.grade.clone()), (None, None));
    // Pending counts 0: 6.5 + 2 = 8.5, + 1 − 0.75.
    assert_eq!(card.total, p(875));
    // The review scores it: final, with its tier.
    let mut review = BTreeMap::new();
    review.insert("B3".to_string(), ItemAnswer::Points(p(625)));
    let card = score(&c, &a, &review);
    assert!(!card.provisional);
    assert_eq!(card.total, p(1500));
    assert_eq!(card.tier.unwrap().code, "good");
}

#[test]
fn a_formula_missing_its_fact_is_pending() {
    let c = second();
    let mut a = second_answers();
    a.inputs.remove("rooms");
    let card = score(&c, &a, &no_overrides());
    assert!(card.item("B2").unwrap().pending);
    assert!(card.provisional);
}

#[test]
fn weighted_categories_on_their_own_scales() {
    let toml = second_toml()
        .replacen("name = \"组织\"", "name = \"组织\"\nweight = 40", 1)
        .replacen("name = \"业务\"", "name = \"业务\"\nweight = 60", 1);
    let c = parse(&toml).unwrap();
    let card = score(&c, &second_answers(), &no_overrides());
    // 40% × 20 × 6.5/10 + 60% × 20 × 8.25/10 = 5.2 + 9.9 = 15.1; +1 − 0.75.
    assert_eq!(card.total, p(1535));
}

#[test]
fn vetoes_requires_and_caps() {
    let c = second();
    // A `when` veto: an incident with nobody keeping the archives.
    let mut a = second_answers();
    a.inputs.insert("incident".into(), InputValue::YesNo(true));
    a.inputs
        .insert("keeper".into(), InputValue::Choice("无".into()));
    let card = score(&c, &a, &no_overrides());
    assert_eq!(card.vetoes.len(), 1);
    assert_eq!(
        card.vetoes[0].when.as_deref(),
        Some("${incident} and ${keeper} == \"无\"")
    );
    assert_eq!(card.tier, None);
    assert_eq!(card.grade.as_deref(), Some("不合格"));

    // Full marks: 20 + 1 − 0.75 = 20.25; the best tier's `requires` holds.
    let mut a = second_answers();
    a.self_scores
        .insert("A2".into(), ItemAnswer::Counts(vec![0, 0]));
    a.self_scores
        .insert("A3".into(), ItemAnswer::Level("好".into()));
    a.self_scores
        .insert("B3".into(), ItemAnswer::Points(p(800)));
    let card = score(&c, &a, &no_overrides());
    assert_eq!(card.total, p(2025));
    assert_eq!(card.tier.as_ref().unwrap().code, "best");
    assert_eq!(card.grade.as_deref(), Some("优秀"));
    // A grade's `requires`: an incident (without the veto) keeps 优秀 away.
    a.inputs.insert("incident".into(), InputValue::YesNo(true));
    let card = score(&c, &a, &no_overrides());
    assert_eq!(card.grade.as_deref(), Some("合格"));
    // cap_total: never above the total.
    let capped =
        parse(&second_toml().replacen("bonus_max = 1", "bonus_max = 1\ncap_total = true", 1))
            .unwrap();
    a.inputs.insert("incident".into(), InputValue::YesNo(false));
    assert_eq!(score(&capped, &a, &no_overrides()).total, p(2000));
}

#[test]
fn first_edition_totals_still_round_to_a_tenth() {
    // 7.5 of 8 applicable, rescaled to 20: 18.75 → 18.8 (one decimal).
    let mut a = full();
    a.self_scores.insert("A2".into(), ItemAnswer::NotApplicable);
    a.self_scores
        .insert("A1".into(), ItemAnswer::Points(Points(350)));
    let card = score(&sample(), &a, &no_overrides());
    assert_eq!(card.applicable_max, Points(1800));
    assert_eq!(card.raw, Points(1750));
    // 17.5 × 20 / 18 = 19.444… → 19.4
    assert_eq!(card.total, Points(1940));
}
