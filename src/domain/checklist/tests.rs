//! Validation of checklist files, rule by rule.

use super::*;

/// A small valid checklist used across the domain tests.
pub(crate) fn sample_toml() -> &'static str {
    r#"
id = "community"
version = "2013"
title = "社区档案工作考核细则（2013版）"
unit_kinds = ["社区"]
total = 20
rectify_days = 30

[[inputs]]
key = "room_area"
label = "档案室面积"
unit = "平方米"
type = "decimal"
group = "物"

[[inputs]]
key = "has_budget"
label = "档案经费列入预算"
type = "yes_no"
group = "财"

[[inputs]]
key = "air_conditioner"
label = "空调"
type = "yes_no"
group = "物"

[[inputs]]
key = "scanners"
label = "扫描仪"
unit = "台"
type = "integer"
group = "物"

[[inputs]]
key = "digitised"
label = "数字化率"
type = "percent"
group = "其他"

[[inputs]]
key = "loss_incident"
label = "发生档案损毁丢失"
type = "yes_no"
group = "其他"

[[categories]]
code = "A"
name = "组织"

[[categories]]
code = "B"
name = "设施"

[[items]]
code = "A1"
category = "A"
title = "明确分管领导"
max = 4
rule = "self"

[[items]]
code = "A2"
category = "A"
title = "科技档案"
max = 2
rule = "self"
optional = true

[[items]]
code = "A3"
category = "A"
title = "经费列入预算"
max = 2
rule = "yes_no"
input = "has_budget"

[[items]]
code = "B1"
category = "B"
title = "档案室面积"
max = 4
rule = "bands"
input = "room_area"
bands = [[40, 4], [20, 2], [10, 1]]

[[items]]
code = "B2"
category = "B"
title = "设备"
max = 3
rule = "each"
inputs = ["air_conditioner", "scanners"]
each = 2

[[items]]
code = "B3"
category = "B"
title = "数字化"
max = 5
rule = "linear"
input = "digitised"
full_at = 80

[[vetoes]]
input = "loss_incident"
reason = "年度内发生档案损毁、丢失或泄密事件"

[[tiers]]
code = "city-standard"
name = "市级规范化档案室"
min_total = 12

[[tiers]]
code = "province-model"
name = "省级示范档案室"
min_total = 18
required_items = ["A1", "B1"]
category_floor = 80
min_inputs = { room_area = 40, has_budget = true }

[[grades]]
name = "不合格"
min_total = 0

[[grades]]
name = "合格"
min_total = 12
"#
}

pub(crate) fn parse(text: &str) -> Result<Checklist, Vec<ChecklistProblem>> {
    let raw: RawChecklist = toml::from_str(text).expect("sample is TOML");
    Checklist::from_raw(raw)
}

pub(crate) fn sample() -> Checklist {
    parse(sample_toml()).expect("sample is valid")
}

fn problems_after(edit: impl Fn(&str) -> String) -> Vec<String> {
    match parse(&edit(sample_toml())) {
        Ok(_) => Vec::new(),
        Err(problems) => problems.iter().map(ToString::to_string).collect(),
    }
}

fn assert_refused(edit: impl Fn(&str) -> String, key: &str) {
    let problems = problems_after(edit);
    assert!(
        problems.iter().any(|p| p.starts_with(key)),
        "expected a problem at {key}, got {problems:?}"
    );
}

#[test]
fn sample_is_valid() {
    let c = sample();
    assert_eq!(c.reference(), "community@2013");
    assert_eq!(c.total, Points(2000));
    assert_eq!(c.items.len(), 6);
    assert_eq!(c.tiers[1].category_floor, Some(800));
    assert_eq!(c.category_max("B"), Points(1200));
}

#[test]
fn refuses_items_not_summing_to_total() {
    assert_refused(|t| t.replace("total = 20", "total = 21"), "total");
}

#[test]
fn refuses_duplicate_item_codes() {
    assert_refused(
        |t| t.replace("code = \"A2\"", "code = \"A1\""),
        "items[A1].code",
    );
}

#[test]
fn refuses_duplicate_input_keys() {
    assert_refused(
        |t| t.replace("key = \"scanners\"", "key = \"room_area\""),
        "inputs[room_area].key",
    );
}

#[test]
fn refuses_duplicate_category_codes() {
    assert_refused(
        |t| t.replace("code = \"B\"", "code = \"A\""),
        "categories[A].code",
    );
}

#[test]
fn refuses_unknown_category() {
    assert_refused(
        |t| t.replacen("category = \"B\"", "category = \"Z\"", 1),
        "items[B1].category",
    );
}

#[test]
fn refuses_unknown_input() {
    assert_refused(
        |t| t.replace("input = \"has_budget\"", "input = \"budget\""),
        "items[A3].input",
    );
    assert_refused(
        |t| {
            t.replace(
                "[\"air_conditioner\", \"scanners\"]",
                "[\"air_conditioner\", \"printer\"]",
            )
        },
        "items[B2].inputs",
    );
}

#[test]
fn refuses_input_of_wrong_type_for_rule() {
    assert_refused(
        |t| t.replace("input = \"has_budget\"", "input = \"room_area\""),
        "items[A3].input",
    );
    assert_refused(
        |t| {
            t.replace(
                "input = \"room_area\"\nbands",
                "input = \"has_budget\"\nbands",
            )
        },
        "items[B1].input",
    );
    assert_refused(
        |t| t.replace("input = \"digitised\"", "input = \"air_conditioner\""),
        "items[B3].input",
    );
}

#[test]
fn refuses_bands_not_strictly_descending() {
    assert_refused(
        |t| t.replace("[[40, 4], [20, 2], [10, 1]]", "[[40, 4], [40, 2], [10, 1]]"),
        "items[B1].bands[1]",
    );
    assert_refused(
        |t| t.replace("[[40, 4], [20, 2], [10, 1]]", "[[10, 1], [20, 2]]"),
        "items[B1].bands[1]",
    );
}

#[test]
fn refuses_band_points_above_max() {
    assert_refused(
        |t| t.replace("[[40, 4], [20, 2], [10, 1]]", "[[40, 5], [20, 2]]"),
        "items[B1].bands[0]",
    );
}

#[test]
fn refuses_labels_equal_after_folding() {
    assert_refused(
        |t| t.replace("label = \"空调\"", "label = \"档案室 面积：\""),
        "inputs[air_conditioner].label",
    );
    assert_refused(
        |t| t.replace("label = \"空调\"", "label = \"档案室面积\u{3000}\""),
        "inputs[air_conditioner].label",
    );
}

#[test]
fn refuses_self_max_not_multiple_of_step() {
    assert_refused(
        |t| {
            t.replace(
                "max = 4\nrule = \"self\"",
                "max = 4\nrule = \"self\"\nstep = 1.5",
            )
        },
        "items[A1].max",
    );
}

#[test]
fn refuses_max_not_multiple_of_a_hundredth() {
    assert_refused(
        |t| {
            t.replace(
                "max = 2\nrule = \"yes_no\"",
                "max = 2.005\nrule = \"yes_no\"",
            )
            .replace(
                "max = 5\nrule = \"linear\"",
                "max = 4.995\nrule = \"linear\"",
            )
        },
        "items[A3].max",
    );
    // Hundredths are fine (每项 0.04 分) as long as the sum still holds.
    assert!(
        problems_after(|t| {
            t.replace(
                "max = 2\nrule = \"yes_no\"",
                "max = 2.04\nrule = \"yes_no\"",
            )
            .replace(
                "max = 5\nrule = \"linear\"",
                "max = 4.96\nrule = \"linear\"",
            )
        })
        .is_empty()
    );
}

#[test]
fn refuses_required_item_that_is_optional() {
    assert_refused(
        |t| {
            t.replace(
                "required_items = [\"A1\", \"B1\"]",
                "required_items = [\"A2\"]",
            )
        },
        "tiers[province-model].required_items",
    );
}

#[test]
fn refuses_unknown_required_item() {
    assert_refused(
        |t| {
            t.replace(
                "required_items = [\"A1\", \"B1\"]",
                "required_items = [\"Q9\"]",
            )
        },
        "tiers[province-model].required_items",
    );
}

#[test]
fn refuses_tiers_falling_but_not_staying_equal() {
    assert_refused(
        |t| t.replace("min_total = 18", "min_total = 11"),
        "tiers[province-model].min_total",
    );
    assert!(problems_after(|t| t.replace("min_total = 18", "min_total = 12")).is_empty());
}

#[test]
fn refuses_grades_not_rising() {
    assert_refused(
        |t| {
            t.replace(
                "name = \"不合格\"\nmin_total = 0",
                "name = \"不合格\"\nmin_total = 13",
            )
        },
        "grades[1].min_total",
    );
}

#[test]
fn refuses_min_inputs_key_not_an_input() {
    assert_refused(
        |t| t.replace("room_area = 40, has_budget", "area = 40, has_budget"),
        "tiers[province-model].min_inputs.area",
    );
}

#[test]
fn refuses_min_inputs_of_wrong_shape() {
    assert_refused(
        |t| {
            t.replace(
                "room_area = 40, has_budget = true",
                "room_area = true, has_budget = 1",
            )
        },
        "tiers[province-model].min_inputs.has_budget",
    );
    assert_refused(
        |t| t.replace("room_area = 40, has_budget = true", "room_area = true"),
        "tiers[province-model].min_inputs.room_area",
    );
}

#[test]
fn refuses_category_floor_outside_percent() {
    assert_refused(
        |t| t.replace("category_floor = 80", "category_floor = 101"),
        "tiers[province-model].category_floor",
    );
    assert_refused(
        |t| t.replace("category_floor = 80", "category_floor = -1"),
        "tiers[province-model].category_floor",
    );
}

#[test]
fn refuses_veto_on_non_yes_no_input() {
    assert_refused(
        |t| t.replace("input = \"loss_incident\"", "input = \"room_area\""),
        "vetoes[0].input",
    );
}

#[test]
fn refuses_optional_on_rule_items() {
    assert_refused(
        |t| t.replace("rule = \"yes_no\"", "rule = \"yes_no\"\noptional = true"),
        "items[A3].optional",
    );
}

#[test]
fn refuses_fields_of_another_rule() {
    assert_refused(
        |t| t.replace("rule = \"yes_no\"", "rule = \"yes_no\"\nfull_at = 3"),
        "items[A3].full_at",
    );
}

#[test]
fn refuses_bad_ids_and_versions() {
    assert_refused(
        |t| t.replace("id = \"community\"", "id = \"Community\""),
        "id",
    );
    assert_refused(
        |t| t.replace("version = \"2013\"", "version = \"2013 v\""),
        "version",
    );
}

#[test]
fn reports_every_problem_at_once() {
    let problems = problems_after(|t| {
        t.replace("total = 20", "total = 21")
            .replace("code = \"A2\"", "code = \"A1\"")
            .replace("category_floor = 80", "category_floor = 120")
    });
    assert!(problems.len() >= 3, "{problems:?}");
}

#[test]
fn finds_tiers_by_code_name_or_short_name() {
    let c = sample();
    assert_eq!(
        c.find_tier("province-model").unwrap().code,
        "province-model"
    );
    assert_eq!(
        c.find_tier(" 省级示范档案室 ").unwrap().code,
        "province-model"
    );
    assert_eq!(c.find_tier("省级示范").unwrap().code, "province-model");
    assert_eq!(
        c.find_tier("PROVINCE-MODEL").unwrap().code,
        "province-model"
    );
    assert!(c.find_tier("国家级").is_none());
    assert!(c.find_tier("").is_none());
}

/// A second-edition checklist using every construct: a choice input and
/// rule, deductions (one counted once), levels, a capped group, a formula,
/// an inspector item, bonus and penalty items, a `when` veto and
/// `requires` on a tier and a grade. 20 points in two categories of 10.
pub(crate) fn second_toml() -> &'static str {
    r#"
id = "second"
version = "1"
title = "第二版测试细则"
unit_kinds = ["社区"]
total = 20
decimals = 2
bonus_max = 1

[[inputs]]
key = "keeper"
label = "档案员由谁担任"
type = "choice"
group = "人"
options = ["社区文书", "其他人员", "无"]

[[inputs]]
key = "rooms"
label = "库房间数"
type = "integer"
group = "物"

[[inputs]]
key = "has_plan"
label = "有年度工作计划"
type = "yes_no"
group = "其他"

[[inputs]]
key = "incident"
label = "发生档案安全事故"
type = "yes_no"
group = "其他"

[[categories]]
code = "A"
name = "组织"

[[categories]]
code = "B"
name = "业务"

[[groups]]
code = "BG"
category = "B"
title = "设施设备"
max = 2

[[items]]
code = "A1"
category = "A"
title = "档案员"
max = 3
rule = "choice"
input = "keeper"
points = { "社区文书" = 3, "其他人员" = 1 }

[[items]]
code = "A2"
category = "A"
title = "档案门类齐全"
max = 4
rule = "deduct"
deductions = [{ text = "每缺一种档案", points = 1 }, { text = "未建立全宗目录", points = 0.5, once = true }]
evidence = "档案目录、全宗卷"

[[items]]
code = "A3"
category = "A"
title = "制度执行"
max = 3
rule = "level"
levels = [["好", 3], ["中", 2], ["差", 0]]

[[items]]
code = "B1"
group = "BG"
title = "工作计划"
max = 1
rule = "yes_no"
input = "has_plan"

[[items]]
code = "B2"
group = "BG"
title = "库房"
max = 1.5
rule = "formula"
formula = "min(${rooms} * 0.5, 1.5)"

[[items]]
code = "B3"
category = "B"
title = "归档文件材料收集齐全（抽查）"
max = 8
rule = "self"
step = 0.25
assessed_by = "inspector"

[[items]]
code = "X1"
category = "B"
kind = "bonus"
title = "档案工作获表彰"
max = 1.5
rule = "yes_no"
input = "has_plan"

[[items]]
code = "P1"
category = "B"
kind = "penalty"
title = "迟报年检材料"
max = 2
rule = "deduct"
deductions = [{ text = "每迟报一次", points = 0.75 }]

[[vetoes]]
when = '${incident} and ${keeper} == "无"'
reason = "发生事故且无人管理档案"

[[tiers]]
code = "good"
name = "良好档案室"
min_total = 15

[[tiers]]
code = "best"
name = "优秀档案室"
min_total = 15
requires = "full(A2) and category(A) >= 80"

[[grades]]
name = "不合格"
min_total = 0

[[grades]]
name = "合格"
min_total = 12

[[grades]]
name = "优秀"
min_total = 16
requires = "not ${incident}"
"#
}

pub(crate) fn second() -> Checklist {
    parse(second_toml()).expect("the second-edition sample is valid")
}

#[test]
fn second_edition_sample_is_valid() {
    let c = second();
    assert_eq!(c.decimals, 2);
    assert_eq!(c.bonus_max, Points(100));
    assert_eq!(c.group_max("BG"), Points(200), "2.5 capped at 2");
    assert_eq!(c.category_max("B"), Points(1000));
    assert_eq!(c.item("B1").unwrap().category, "B", "taken from its group");
    assert!(c.item("B3").unwrap().by_inspector());
    assert_eq!(
        c.item("A2").unwrap().evidence.as_deref(),
        Some("档案目录、全宗卷")
    );
    assert_eq!(
        c.input("keeper").unwrap().option("社区文书"),
        Some("社区文书")
    );
    assert!(matches!(c.vetoes[0].trigger, VetoTrigger::When(_)));
}

/// Every refusal of the second edition, at its key, each from one edit of
/// the valid sample.
#[test]
fn second_edition_refusals() {
    let cases: &[(&str, &str, &str, &str)] = &[
        // (what, from, to, key)
        (
            "unknown group",
            "group = \"BG\"\ntitle = \"工作计划\"",
            "group = \"BX\"\ntitle = \"工作计划\"",
            "items[B1].group",
        ),
        (
            "group of another category",
            "group = \"BG\"\ntitle = \"工作计划\"",
            "category = \"A\"\ngroup = \"BG\"\ntitle = \"工作计划\"",
            "items[B1].category",
        ),
        (
            "group code is a category's",
            "code = \"BG\"\ncategory = \"B\"",
            "code = \"A\"\ncategory = \"B\"",
            "groups[A].code",
        ),
        (
            "group cap zero",
            "max = 2\n\n[[items]]",
            "max = 0\n\n[[items]]",
            "groups[BG].max",
        ),
        (
            "no positive deduction",
            "{ text = \"每迟报一次\", points = 0.75 }",
            "{ text = \"每迟报一次\", points = 0 }",
            "items[P1].deductions",
        ),
        (
            "deduction finer than 0.01",
            "points = 0.75 }",
            "points = 0.755 }",
            "items[P1].deductions[0].points",
        ),
        (
            "duplicate level",
            "[\"中\", 2]",
            "[\"好\", 2]",
            "items[A3].levels[1]",
        ),
        (
            "level above max",
            "[\"好\", 3]",
            "[\"好\", 3.5]",
            "items[A3].levels[0]",
        ),
        (
            "choice option unknown",
            "\"其他人员\" = 1",
            "\"临时工\" = 1",
            "items[A1].points.临时工",
        ),
        (
            "choice rule on a numeric input",
            "rule = \"choice\"\ninput = \"keeper\"",
            "rule = \"choice\"\ninput = \"rooms\"",
            "items[A1].input",
        ),
        (
            "choice input without options",
            "options = [\"社区文书\", \"其他人员\", \"无\"]",
            "",
            "inputs[keeper].options",
        ),
        (
            "inspector on a rule item",
            "rule = \"yes_no\"\ninput = \"has_plan\"\n\n[[items]]\ncode = \"B2\"",
            "rule = \"yes_no\"\ninput = \"has_plan\"\nassessed_by = \"inspector\"\n\n[[items]]\ncode = \"B2\"",
            "items[B1].assessed_by",
        ),
        (
            "optional on a choice item",
            "rule = \"choice\"",
            "rule = \"choice\"\noptional = true",
            "items[A1].optional",
        ),
        (
            "bonus in a group",
            "kind = \"bonus\"",
            "kind = \"bonus\"\ngroup = \"BG\"",
            "items[X1].group",
        ),
        ("decimals 3", "decimals = 2", "decimals = 3", "decimals"),
        (
            "categories not adding up",
            "max = 8\nrule = \"self\"",
            "max = 7\nrule = \"self\"",
            "total",
        ),
        (
            "formula syntax",
            "formula = \"min(${rooms} * 0.5, 1.5)\"",
            "formula = \"min(${rooms} * 0.5, 1.5\"",
            "items[B2].formula",
        ),
        (
            "formula unknown key",
            "formula = \"min(${rooms} * 0.5, 1.5)\"",
            "formula = \"min(${room} * 0.5, 1.5)\"",
            "items[B2].formula",
        ),
        (
            "points() in a formula",
            "formula = \"min(${rooms} * 0.5, 1.5)\"",
            "formula = \"points(A1)\"",
            "items[B2].formula",
        ),
        (
            "text formula",
            "formula = \"min(${rooms} * 0.5, 1.5)\"",
            "formula = '${keeper}'",
            "items[B2].formula",
        ),
        (
            "requires not a condition",
            "requires = \"full(A2) and category(A) >= 80\"",
            "requires = \"total\"",
            "tiers[best].requires",
        ),
        (
            "requires unknown code",
            "requires = \"full(A2) and category(A) >= 80\"",
            "requires = \"full(Z9)\"",
            "tiers[best].requires",
        ),
        (
            "text compared with a number",
            "when = '${incident} and ${keeper} == \"无\"'",
            "when = '${keeper} == 3'",
            "vetoes[0].when",
        ),
        (
            "total in a veto",
            "when = '${incident} and ${keeper} == \"无\"'",
            "when = 'total > 3'",
            "vetoes[0].when",
        ),
        (
            "veto with input and when",
            "when = '${incident}",
            "input = \"incident\"\nwhen = '${incident}",
            "vetoes[0]",
        ),
        (
            "tier falling",
            "min_total = 15\nrequires",
            "min_total = 14\nrequires",
            "tiers[best].min_total",
        ),
    ];
    for (what, from, to, key) in cases {
        assert!(
            second_toml().contains(from),
            "{what}: the sample has no {from:?}"
        );
        let problems = match parse(&second_toml().replacen(from, to, 1)) {
            Ok(_) => Vec::new(),
            Err(p) => p,
        };
        assert!(
            problems.iter().any(|p| p.key == *key),
            "{what}: expected a problem at {key}, got {problems:?}"
        );
    }
}

#[test]
fn expression_refusals_name_the_position_in_chinese() {
    let problems = parse(&second_toml().replacen(
        "formula = \"min(${rooms} * 0.5, 1.5)\"",
        "formula = \"min(${room_are} * 0.5, 1.5)\"",
        1,
    ))
    .unwrap_err();
    let p = problems
        .iter()
        .find(|p| p.key == "items[B2].formula")
        .unwrap();
    assert!(p.message.starts_with("第 5 个字符："), "{}", p.message);
    assert!(p.message.contains("${room_are}"), "{}", p.message);
}

#[test]
fn weights_all_or_none_adding_up_to_100() {
    let weighted = second_toml()
        .replacen("name = \"组织\"", "name = \"组织\"\nweight = 40", 1)
        .replacen("name = \"业务\"", "name = \"业务\"\nweight = 60", 1);
    assert!(parse(&weighted).is_ok());
    let partial = second_toml().replacen("name = \"组织\"", "name = \"组织\"\nweight = 40", 1);
    assert!(
        parse(&partial)
            .unwrap_err()
            .iter()
            .any(|p| p.key == "categories")
    );
    let wrong = weighted.replacen("weight = 60", "weight = 50", 1);
    assert!(
        parse(&wrong)
            .unwrap_err()
            .iter()
            .any(|p| p.key == "categories")
    );
    // Weighted categories need not add up to the total.
    let unbalanced = weighted.replacen("max = 8\nrule = \"self\"", "max = 7\nrule = \"self\"", 1);
    assert!(parse(&unbalanced).is_ok());
}
