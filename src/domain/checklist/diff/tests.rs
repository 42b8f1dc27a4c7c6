//! The diff of the domain's sample checklist against edited copies of it.

use super::super::tests::{parse, sample, sample_toml};
use super::*;

fn after(edit: impl Fn(&str) -> String) -> ChecklistDiff {
    let new = parse(&edit(sample_toml())).expect("edited sample is valid");
    diff(&sample(), &new)
}

fn p(hundredths: i32) -> Points {
    Points(hundredths)
}

fn d(text: &str) -> Decimal {
    Decimal::parse(text).expect("decimal")
}

/// The one changed item and its fields.
fn changed_item(diff: &ChecklistDiff) -> (&Item, &Item, &[ItemField]) {
    match diff.items.as_slice() {
        [Change::Changed { old, new, fields }] => (old, new, fields),
        other => panic!("expected one changed item, got {other:#?}"),
    }
}

#[test]
fn the_same_checklist_has_no_changes() {
    assert!(diff(&sample(), &sample()).is_empty());
}

#[test]
fn item_rule_changes() {
    type Case = (&'static str, fn(&str) -> String, Vec<ItemField>);
    let cases: Vec<Case> = vec![
        (
            "re-weighted",
            |t| {
                t.replace("max = 4\nrule = \"self\"", "max = 5\nrule = \"self\"")
                    .replace("total = 20", "total = 21")
            },
            vec![ItemField::Max(Pair {
                old: p(400),
                new: p(500),
            })],
        ),
        (
            "re-worded",
            |t| {
                t.replace(
                    "title = \"明确分管领导\"",
                    "title = \"明确分管领导并写入职责\"",
                )
            },
            vec![ItemField::Title(Pair {
                old: "明确分管领导".into(),
                new: "明确分管领导并写入职责".into(),
            })],
        ),
        (
            "band thresholds",
            |t| t.replace("[[40, 4], [20, 2], [10, 1]]", "[[50, 4], [20, 2]]"),
            vec![ItemField::Bands(Pair {
                old: vec![(d("40"), p(400)), (d("20"), p(200)), (d("10"), p(100))],
                new: vec![(d("50"), p(400)), (d("20"), p(200))],
            })],
        ),
        (
            "each and its inputs",
            |t| {
                t.replace(
                    "inputs = [\"air_conditioner\", \"scanners\"]\neach = 2",
                    "inputs = [\"air_conditioner\"]\neach = 3",
                )
            },
            vec![
                ItemField::Inputs(Pair {
                    old: vec!["air_conditioner".into(), "scanners".into()],
                    new: vec!["air_conditioner".into()],
                }),
                ItemField::Each(Pair {
                    old: p(200),
                    new: p(300),
                }),
            ],
        ),
        (
            "full_at",
            |t| t.replace("full_at = 80", "full_at = 100"),
            vec![ItemField::FullAt(Pair {
                old: d("80"),
                new: d("100"),
            })],
        ),
        (
            "optional and step",
            |t| {
                t.replace(
                    "title = \"科技档案\"\nmax = 2\nrule = \"self\"\noptional = true",
                    "title = \"科技档案\"\nmax = 2\nrule = \"self\"\nstep = 1",
                )
            },
            vec![
                ItemField::Step(Pair {
                    old: p(50),
                    new: p(100),
                }),
                ItemField::Optional(Pair {
                    old: true,
                    new: false,
                }),
            ],
        ),
    ];
    for (name, edit, expected) in cases {
        let diff = after(edit);
        let (_, _, fields) = changed_item(&diff);
        assert_eq!(fields, expected.as_slice(), "{name}");
    }
}

#[test]
fn a_rule_of_another_kind_is_one_change() {
    let diff = after(|t| {
        t.replace(
            "title = \"经费列入预算\"\nmax = 2\nrule = \"yes_no\"\ninput = \"has_budget\"",
            "title = \"经费列入预算\"\nmax = 2\nrule = \"self\"",
        )
    });
    let (old, new, fields) = changed_item(&diff);
    assert_eq!(
        fields,
        [ItemField::Rule(Pair {
            old: old.rule.clone(),
            new: new.rule.clone()
        })]
    );
    assert_eq!(new.rule.kind(), super::super::RuleKind::SelfScored);
}

#[test]
fn a_renumbered_item_with_the_same_wording_is_moved_not_removed_and_added() {
    // A2 (组织) becomes B4 (设施); its wording differs only in punctuation.
    let diff = after(|t| {
        t.replace(
            "code = \"A2\"\ncategory = \"A\"\ntitle = \"科技档案\"",
            "code = \"B4\"\ncategory = \"B\"\ntitle = \"科技 档案。\"",
        )
    });
    let (old, new, fields) = changed_item(&diff);
    assert_eq!((old.code.as_str(), new.code.as_str()), ("A2", "B4"));
    assert_eq!(
        fields[..3],
        [
            ItemField::Code(Pair {
                old: "A2".into(),
                new: "B4".into()
            }),
            ItemField::Title(Pair {
                old: "科技档案".into(),
                new: "科技 档案。".into()
            }),
            ItemField::Category(Pair {
                old: "A".into(),
                new: "B".into()
            }),
        ]
    );
    // The categories' maxima moved with it.
    assert_eq!(diff.categories.len(), 2);
}

#[test]
fn a_reused_code_with_other_wording_is_removed_and_added() {
    let diff = after(|t| t.replace("title = \"明确分管领导\"", "title = \"照片档案整理编目\""));
    assert!(
        matches!(diff.items.as_slice(), [Change::Added(n), Change::Removed(o)] if n.code == "A1" && o.code == "A1"),
        "{:#?}",
        diff.items
    );
}

#[test]
fn swapped_codes_follow_the_wording() {
    // A1 and A3 trade codes: each is matched by its wording.
    let diff = after(|t| {
        t.replace("code = \"A1\"", "code = \"TMP\"")
            .replace("code = \"A3\"", "code = \"A1\"")
            .replace("code = \"TMP\"", "code = \"A3\"")
            .replace(
                "required_items = [\"A1\", \"B1\"]",
                "required_items = [\"A3\", \"B1\"]",
            )
    });
    let codes: Vec<(String, String)> = diff
        .items
        .iter()
        .map(|c| match c {
            Change::Changed { old, new, .. } => (old.code.clone(), new.code.clone()),
            other => panic!("{other:#?}"),
        })
        .collect();
    assert_eq!(
        codes,
        [("A1".into(), "A3".into()), ("A3".into(), "A1".into())]
    );
    // The tier still requires the same item under its new code: no change.
    assert!(diff.tiers.is_empty(), "{:#?}", diff.tiers);
}

#[test]
fn deductions_are_compared_one_by_one() {
    let deduct = |extra: &str| {
        format!(
            "title = \"明确分管领导\"\nmax = 4\nrule = \"deduct\"\n\
             deductions = [{{ text = \"未发文明确\", points = 2 }}{extra}]"
        )
    };
    let old_text = sample_toml().replace(
        "title = \"明确分管领导\"\nmax = 4\nrule = \"self\"",
        &deduct(""),
    );
    let new_text = sample_toml().replace(
        "title = \"明确分管领导\"\nmax = 4\nrule = \"self\"",
        &deduct(", { text = \"未报街道备案\", points = 1, once = true }"),
    );
    let diff = diff(&parse(&old_text).unwrap(), &parse(&new_text).unwrap());
    let (_, _, fields) = changed_item(&diff);
    assert_eq!(
        fields,
        [ItemField::DeductionAdded(Deduction {
            text: "未报街道备案".into(),
            points: p(100),
            once: true,
        })]
    );
}

#[test]
fn tier_changes() {
    type Case = (&'static str, fn(&str) -> String, Vec<TierField>);
    let cases: Vec<Case> = vec![
        (
            "threshold",
            |t| t.replace("min_total = 18", "min_total = 19"),
            vec![TierField::MinTotal(Pair {
                old: p(1800),
                new: p(1900),
            })],
        ),
        (
            "required items",
            |t| t.replace("[\"A1\", \"B1\"]", "[\"A1\", \"B2\"]"),
            vec![TierField::RequiredItems {
                added: vec!["B2".into()],
                removed: vec!["B1".into()],
            }],
        ),
        (
            "needs",
            |t| {
                t.replace(
                    "{ room_area = 40, has_budget = true }",
                    "{ room_area = 60 }",
                )
                .replace("category_floor = 80", "category_floor = 85")
            },
            vec![
                TierField::CategoryFloor(Pair {
                    old: Some(800),
                    new: Some(850),
                }),
                TierField::MinInput {
                    key: "room_area".into(),
                    old: Some(MinInput::AtLeast(d("40"))),
                    new: Some(MinInput::AtLeast(d("60"))),
                },
                TierField::MinInput {
                    key: "has_budget".into(),
                    old: Some(MinInput::Yes(true)),
                    new: None,
                },
            ],
        ),
    ];
    for (name, edit, expected) in cases {
        let diff = after(edit);
        match diff.tiers.as_slice() {
            [Change::Changed { fields, .. }] => assert_eq!(fields, &expected, "{name}"),
            other => panic!("{name}: {other:#?}"),
        }
    }
}

#[test]
fn input_changes() {
    type Case = (&'static str, fn(&str) -> String, Vec<InputField>);
    let cases: Vec<Case> = vec![
        (
            "type",
            |t| {
                t.replace(
                    "key = \"scanners\"\nlabel = \"扫描仪\"\nunit = \"台\"\ntype = \"integer\"",
                    "key = \"scanners\"\nlabel = \"扫描仪\"\nunit = \"台\"\ntype = \"decimal\"",
                )
            },
            vec![InputField::Type(Pair {
                old: InputType::Integer,
                new: InputType::Decimal,
            })],
        ),
        (
            "label and unit",
            |t| {
                t.replace(
                    "label = \"档案室面积\"\nunit = \"平方米\"",
                    "label = \"库房面积\"\nunit = \"㎡\"",
                )
            },
            vec![
                InputField::Label(Pair {
                    old: "档案室面积".into(),
                    new: "库房面积".into(),
                }),
                InputField::Unit(Pair {
                    old: Some("平方米".into()),
                    new: Some("㎡".into()),
                }),
            ],
        ),
    ];
    for (name, edit, expected) in cases {
        let diff = after(edit);
        match diff.inputs.as_slice() {
            [Change::Changed { fields, .. }] => assert_eq!(fields, &expected, "{name}"),
            other => panic!("{name}: {other:#?}"),
        }
    }
}

#[test]
fn a_renamed_key_is_matched_by_its_label_and_followed_into_rules() {
    let diff = after(|t| {
        t.replace("\"room_area\"", "\"area\"")
            .replace("room_area =", "area =")
    });
    assert_eq!(
        diff.inputs,
        [Change::Changed {
            old: sample().inputs[0].clone(),
            new: Input {
                key: "area".into(),
                ..sample().inputs[0].clone()
            },
            fields: vec![InputField::Key(Pair {
                old: "room_area".into(),
                new: "area".into()
            })],
        }]
    );
    assert!(diff.items.is_empty(), "{:#?}", diff.items);
    assert!(diff.tiers.is_empty(), "{:#?}", diff.tiers);
}

#[test]
fn basics_vetoes_and_grades() {
    let diff = after(|t| {
        t.replace(
            "title = \"社区档案工作考核细则（2013版）\"",
            "title = \"社区档案工作考核细则（2014版）\"",
        )
        .replace("rectify_days = 30", "rectify_days = 45")
        .replace(
            "reason = \"年度内发生档案损毁、丢失或泄密事件\"",
            "reason = \"发生档案损毁、丢失\"",
        )
        .replace(
            "name = \"合格\"\nmin_total = 12",
            "name = \"合格\"\nmin_total = 13",
        )
    });
    assert_eq!(
        diff.basics,
        [
            BasicChange::Title(Pair {
                old: "社区档案工作考核细则（2013版）".into(),
                new: "社区档案工作考核细则（2014版）".into()
            }),
            BasicChange::RectifyDays(Pair { old: 30, new: 45 }),
        ]
    );
    assert!(matches!(
        diff.vetoes.as_slice(),
        [Change::Changed { fields, .. }] if matches!(fields.as_slice(), [VetoField::Reason(_)])
    ));
    assert!(matches!(
        diff.grades.as_slice(),
        [Change::Changed { fields, .. }] if fields == &[GradeField::MinTotal(Pair { old: p(1200), new: p(1300) })]
    ));
}

#[test]
fn similarity_and_wording_diff() {
    let cases = [
        ("档案室面积", "档案室面积", 1.0),
        ("库房“八防”设施齐全", "库房八防设施齐全。", 1.0),
        ("甲乙", "丙丁", 0.0),
        ("甲乙丙丁", "甲乙", 2.0 * 2.0 / 6.0),
    ];
    for (a, b, expected) in cases {
        assert!((similarity(a, b) - expected).abs() < 1e-9, "{a} / {b}");
    }
    assert_eq!(
        wording_diff("明确分管领导", "明确分管负责人"),
        [
            Piece::Same("明确分管".into()),
            Piece::Deleted("领导".into()),
            Piece::Inserted("负责人".into()),
        ]
    );
    assert_eq!(wording_diff("", "新"), [Piece::Inserted("新".into())]);
    assert_eq!(wording_diff("旧", ""), [Piece::Deleted("旧".into())]);
}

#[test]
fn a_tier_requiring_a_reused_code_requires_another_item() {
    // A1 is replaced by another item under the same code; the tier that
    // required A1 now requires the new item, and no longer the old one.
    let diff = after(|t| t.replace("title = \"明确分管领导\"", "title = \"照片档案整理编目\""));
    match diff.tiers.as_slice() {
        [Change::Changed { fields, .. }] => assert_eq!(
            fields,
            &[TierField::RequiredItems {
                added: vec!["A1".into()],
                removed: vec!["A1".into()],
            }]
        ),
        other => panic!("{other:#?}"),
    }
}

#[test]
fn a_veto_follows_its_renamed_input() {
    let diff = after(|t| {
        t.replace("\"loss_incident\"", "\"incident\"").replace(
            "reason = \"年度内发生档案损毁、丢失或泄密事件\"",
            "reason = \"发生损毁丢失\"",
        )
    });
    // Matched by the trigger (the input as renamed), only the reason changed.
    assert!(
        matches!(
            diff.vetoes.as_slice(),
            [Change::Changed { fields, .. }] if matches!(fields.as_slice(), [VetoField::Reason(_)])
        ),
        "{:#?}",
        diff.vetoes
    );
}

#[test]
fn groups_kinds_and_assessors() {
    let with_group = |t: &str, title: &str| {
        t.replace(
            "[[items]]\ncode = \"B2\"",
            &format!(
                "[[groups]]\ncode = \"BG\"\ncategory = \"B\"\ntitle = \"{title}\"\nmax = 3\n\n\
                 [[items]]\ncode = \"B2\"\ngroup = \"BG\""
            ),
        )
        .replace(
            "code = \"B2\"\ngroup = \"BG\"\ncategory = \"B\"",
            "code = \"B2\"\ngroup = \"BG\"",
        )
    };
    let old = parse(&with_group(sample_toml(), "设备")).expect("old valid");
    let new_text = with_group(sample_toml(), "温湿度设备")
        .replace("total = 20", "total = 16")
        .replace(
            "title = \"明确分管领导\"\nmax = 4\nrule = \"self\"",
            "title = \"明确分管领导\"\nkind = \"bonus\"\nmax = 4\nrule = \"self\"\nassessed_by = \"inspector\"",
        );
    let new = parse(&new_text).expect("new valid");
    let diff = diff(&old, &new);
    assert!(matches!(
        diff.groups.as_slice(),
        [Change::Changed { fields, .. }] if fields == &[GroupField::Title(Pair { old: "设备".into(), new: "温湿度设备".into() })]
    ));
    let (_, _, fields) = changed_item(&diff);
    assert_eq!(
        fields,
        [
            ItemField::Kind(Pair {
                old: ItemKind::Base,
                new: ItemKind::Bonus
            }),
            ItemField::AssessedBy(Pair {
                old: Assessor::Unit,
                new: Assessor::Inspector
            }),
        ]
    );
    assert!(diff.basics.contains(&BasicChange::Total(Pair {
        old: p(2000),
        new: p(1600)
    })));
}
