//! The self-check workbook of a second-edition checklist, both ways: the
//! template writes deduction rows, level drop-downs, group and category
//! heading rows, 检查分 and 佐证材料; a workbook filled in (written here
//! with rust_xlsxwriter, cell by cell as a clerk would) reads back and
//! scores item by item as computed by hand; bad answers are refused with
//! the exact Chinese message naming the cell.

use std::collections::BTreeMap;

use rust_xlsxwriter::Workbook;
use serde_json::{Value, json};

use nianjian::domain::{Answers, InputValue, ItemAnswer, Points, score};
use nianjian::ingest::checklists::Catalog;
use nianjian::ingest::self_check::read_self_check;
use nianjian::ingest::workbook::{CellValue, Limits, read_workbook};
use nianjian::reports::template::{Prefill, self_check_template};
use nianjian::service::scoring::score_workbook;

/// Weighted categories A (40%) and B (60%); A2 deducts (three rows, the
/// second counted once); A3 by level; A1 by a choice input; group BG is
/// capped at 3 though its items add up to 4; B3 is the inspector's; X1 a
/// bonus and P1 a penalty that deducts per late report.
const CHECKLIST: &str = r#"
id = "second-test"
version = "1"
title = "第二版测试细则"
unit_kinds = ["社区"]
total = 100
decimals = 2

[[inputs]]
key = "keeper"
label = "档案员由谁担任"
type = "choice"
group = "人"
options = ["社区文书", "其他人员", "无"]

[[inputs]]
key = "has_award"
label = "获市级以上表彰"
type = "yes_no"
group = "其他"

[[categories]]
code = "A"
name = "基础管理"
weight = 40

[[categories]]
code = "B"
name = "业务建设"
weight = 60

[[groups]]
code = "BG"
category = "B"
title = "设施设备"
max = 3

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
title = "制度建设"
max = 5
rule = "deduct"
deductions = [{ text = "每缺一项制度", points = 1 }, { text = "制度未上墙", points = 0.5, once = true }, { text = "每份文件未归档", points = 0.25 }]
evidence = "制度汇编、会议记录"

[[items]]
code = "A3"
category = "A"
title = "制度执行"
max = 2
rule = "level"
levels = [["好", 2], ["中", 1], ["差", 0]]

[[items]]
code = "B1"
group = "BG"
title = "库房设施"
max = 2
rule = "self"

[[items]]
code = "B2"
group = "BG"
title = "设备配置"
max = 2
rule = "self"

[[items]]
code = "B3"
category = "B"
title = "归档文件收集齐全（抽查）"
max = 6
rule = "self"
assessed_by = "inspector"

[[items]]
code = "X1"
category = "B"
kind = "bonus"
title = "档案工作获表彰"
max = 1
rule = "yes_no"
input = "has_award"

[[items]]
code = "P1"
category = "B"
kind = "penalty"
title = "迟报年检材料"
max = 2
rule = "deduct"
deductions = [{ text = "每迟报一次", points = 0.5 }]

[[tiers]]
code = "good"
name = "良好档案室"
min_total = 60

[[grades]]
name = "不合格"
min_total = 0

[[grades]]
name = "合格"
min_total = 60
"#;

fn catalog() -> Catalog {
    Catalog::from_sources([("second-test/1.toml".to_string(), CHECKLIST)])
        .expect("the test checklist is valid")
}

/// A cell as typed: a number or text.
#[derive(Clone, Debug)]
enum Typed {
    Blank,
    N(f64),
    T(&'static str),
}
use Typed::{Blank, N, T};

/// 自查评分 as a clerk fills it, starting in row 2 under the header:
///
/// ```text
///    A 条目编号 | B 考核内容 | C 自评分 | D 检查分
/// 1  条目编号   考核内容     自评分     检查分
/// 2  A          一、基础管理
/// 3  A1         档案员       自动计分
/// 4  A2         制度建设
/// 5  A2.1       每缺一项制度  1
/// 6  A2.2       制度未上墙    是
/// 7  A2.3       每份文件未归档 3
/// 8  A3         制度执行      中
/// 9  B          二、业务建设
/// 10 BG         设施设备
/// 11 B1                      2
/// 12 B2                      1.5
/// 13 B3                      由检查组评定  5
/// 14 X1
/// 15 P1
/// 16 P1.1                    2
/// ```
fn unit_rows() -> Vec<(&'static str, Typed, Typed)> {
    vec![
        ("A", Blank, Blank),
        ("A1", T("自动计分"), Blank),
        ("A2", Blank, Blank),
        ("A2.1", N(1.0), Blank),
        ("A2.2", T("是"), Blank),
        ("A2.3", T("３"), Blank),
        ("A3", T("中"), Blank),
        ("B", Blank, Blank),
        ("BG", Blank, Blank),
        ("B1", N(2.0), Blank),
        ("B2", N(1.5), Blank),
        ("B3", T("由检查组评定"), N(5.0)),
        ("X1", Blank, Blank),
        ("P1", Blank, Blank),
        ("P1.1", N(2.0), Blank),
    ]
}

fn workbook(inputs: &[(&str, Typed)], rows: &[(&str, Typed, Typed)]) -> Vec<u8> {
    let mut book = Workbook::new();
    let basic = book.add_worksheet();
    basic.set_name("基本情况").unwrap();
    for (row, (label, value)) in [
        ("单位名称", "小营巷社区"),
        ("单位代码", "330102001"),
        ("单位类型", "社区"),
        ("年度", "2024"),
        ("考核细则", "second-test@1"),
    ]
    .iter()
    .enumerate()
    {
        basic.write_string(row as u32, 0, *label).unwrap();
        basic.write_string(row as u32, 1, *value).unwrap();
    }
    let put = |ws: &mut rust_xlsxwriter::Worksheet, row: u32, col: u16, typed: &Typed| match typed {
        Blank => {}
        N(n) => {
            ws.write_number(row, col, *n).unwrap();
        }
        T(t) => {
            ws.write_string(row, col, *t).unwrap();
        }
    };
    let sheet = book.add_worksheet();
    sheet.set_name("人财物投入").unwrap();
    sheet.write_row(0, 0, ["代码", "项目", "填报值"]).unwrap();
    for (n, (key, value)) in inputs.iter().enumerate() {
        let row = n as u32 + 1;
        sheet.write_string(row, 0, *key).unwrap();
        put(sheet, row, 2, value);
    }
    let sheet = book.add_worksheet();
    sheet.set_name("自查评分").unwrap();
    sheet
        .write_row(0, 0, ["条目编号", "考核内容", "自评分", "检查分"])
        .unwrap();
    for (n, (code, own, inspector)) in rows.iter().enumerate() {
        let row = n as u32 + 1;
        sheet.write_string(row, 0, *code).unwrap();
        put(sheet, row, 2, own);
        put(sheet, row, 3, inspector);
    }
    book.save_to_buffer().unwrap()
}

fn unit_inputs() -> Vec<(&'static str, Typed)> {
    vec![("keeper", T("其他人员")), ("has_award", T("是"))]
}

fn points(card: &nianjian::domain::Scorecard, code: &str) -> Points {
    card.item(code).expect(code).points
}

fn p(hundredths: i32) -> Points {
    Points(hundredths)
}

#[test]
fn a_filled_workbook_scores_item_by_item_as_computed_by_hand() {
    let catalog = catalog();
    let bytes = workbook(&unit_inputs(), &unit_rows());
    let check = read_self_check(&bytes, &catalog, &Limits::default()).unwrap_or_else(|e| {
        panic!("{e:?}");
    });
    let answers = &check.answers;
    assert_eq!(
        answers.inputs["keeper"],
        InputValue::Choice("其他人员".into())
    );
    assert_eq!(answers.self_scores["A2"], ItemAnswer::Counts(vec![1, 1, 3]));
    assert_eq!(answers.self_scores["A3"], ItemAnswer::Level("中".into()));
    assert_eq!(answers.self_scores["B3"], ItemAnswer::Points(p(500)));
    assert_eq!(answers.self_scores["P1"], ItemAnswer::Counts(vec![2]));

    let card = score(&check.checklist, answers, &BTreeMap::new());
    assert_eq!(points(&card, "A1"), p(100), "其他人员 earns 1");
    assert_eq!(points(&card, "A2"), p(275), "5 − 1 − 0.5 − 3 × 0.25");
    assert_eq!(points(&card, "A3"), p(100), "中");
    assert_eq!(points(&card, "B1"), p(200));
    assert_eq!(points(&card, "B2"), p(150));
    assert_eq!(card.group("BG").unwrap().points, p(300), "3.5 capped at 3");
    assert_eq!(points(&card, "B3"), p(500), "the inspector's 检查分");
    assert_eq!(points(&card, "X1"), p(100));
    assert_eq!(points(&card, "P1"), p(100), "2 × 0.5 deducted");
    // 40 × 4.75 / 10 + 60 × 8 / 9 + 1 − 1 = 19 + 53.333… = 72.33
    assert_eq!(card.total, p(7233));
    assert!(!card.provisional);
    assert_eq!(card.tier.as_ref().map(|t| t.code.as_str()), Some("good"));
}

#[test]
fn the_inspectors_item_left_blank_is_pending_and_the_result_provisional() {
    let catalog = catalog();
    let mut rows = unit_rows();
    rows[11].2 = Blank;
    let bytes = workbook(&unit_inputs(), &rows);
    let scored = score_workbook(&bytes, &catalog, &Limits::default()).expect("reads");
    assert!(!scored.check.answers.self_scores.contains_key("B3"));
    let view = serde_json::to_value(scored.view()).unwrap();
    assert_eq!(view["provisional"], json!(true));
    assert_eq!(view["pending"], json!(["B3"]));
    assert_eq!(view["tier"], Value::Null);
    assert_eq!(view["grade"], Value::Null);
    assert_eq!(view["bonus"], json!(1.0));
    assert_eq!(view["penalty"], json!(1.0));
    // 19 + 60 × 3 / 9 + 1 − 1 = 39
    assert_eq!(view["total"], json!(39.0));
    let item = |code: &str| {
        view["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["code"] == code)
            .cloned()
            .unwrap()
    };
    let b3 = item("B3");
    assert_eq!(b3["pending"], json!(true));
    assert_eq!(b3["points"], Value::Null);
    assert_eq!(b3["kind"], json!("base"));
    assert_eq!(item("B1")["group"], json!("BG"));
    assert_eq!(item("X1")["kind"], json!("bonus"));
    assert_eq!(item("P1")["kind"], json!("penalty"));
    assert_eq!(
        item("A2")["deductions"],
        json!([
            {"text": "每缺一项制度", "points": 1.0, "count": 1},
            {"text": "制度未上墙", "points": 0.5, "count": 1},
            {"text": "每份文件未归档", "points": 0.25, "count": 3},
        ])
    );
    assert_eq!(item("A3")["level"], json!("中"));
    assert!(item("B1").get("deductions").is_none());
}

/// Each bad answer, alone, and the one problem it gives.
#[test]
fn bad_answers_are_refused_naming_the_cell() {
    let catalog = catalog();
    let cases: Vec<(usize, Typed, Typed, &str, &str)> = vec![
        (
            3,
            N(1.5),
            Blank,
            "自查评分!C5",
            "条目 A2.1：扣分次数应为不小于 0 的整数，实际为“1.5”",
        ),
        (
            3,
            N(-1.0),
            Blank,
            "自查评分!C5",
            "条目 A2.1：扣分次数应为不小于 0 的整数，实际为“-1”",
        ),
        (
            4,
            N(2.0),
            Blank,
            "自查评分!C6",
            "条目 A2.2：扣分次数应为 0 或 1（本项只扣一次；也可填“是”或“否”），实际为“2”",
        ),
        (
            5,
            T("三处"),
            Blank,
            "自查评分!C7",
            "条目 A2.3：扣分次数应为不小于 0 的整数，实际为“三处”",
        ),
        (
            6,
            T("很好"),
            Blank,
            "自查评分!C8",
            "条目 A3：自评分应为以下等级之一：好、中、差，实际为“很好”",
        ),
        (
            11,
            T("由检查组评定"),
            N(7.0),
            "自查评分!D13",
            "条目 B3：检查分应为 0–6 之间 0.5 的倍数，实际为“7”",
        ),
        (
            2,
            T("不适用"),
            Blank,
            "自查评分!C4",
            "条目 A2：本条目不可填“不适用”，请在扣分行填写扣分次数",
        ),
    ];
    for (index, own, inspector, cell, message) in cases {
        let mut rows = unit_rows();
        rows[index].1 = own;
        rows[index].2 = inspector;
        let problems = read_self_check(
            &workbook(&unit_inputs(), &rows),
            &catalog,
            &Limits::default(),
        )
        .expect_err(message);
        let got: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(got, [format!("{cell}：{message}")]);
    }
}

#[test]
fn a_missing_deduction_row_and_a_choice_not_offered_are_refused() {
    let catalog = catalog();
    let mut rows = unit_rows();
    rows.remove(5); // A2.3
    let inputs = [("keeper", T("居民")), ("has_award", T("否"))];
    let problems =
        read_self_check(&workbook(&inputs, &rows), &catalog, &Limits::default()).expect_err("bad");
    let got: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "人财物投入!C2：“档案员由谁担任”应从以下选项中选择：社区文书、其他人员、无，实际为“居民”",
            "自查评分：缺少条目 A2（制度建设）的扣分行 A2.3（每份文件未归档）",
        ]
    );
}

#[test]
fn blank_counts_are_zero_and_not_applicable_needs_an_optional_item() {
    let catalog = catalog();
    let mut rows = unit_rows();
    rows[3].1 = Blank;
    rows[4].1 = T("否");
    rows[5].1 = T("无");
    let check = read_self_check(
        &workbook(&unit_inputs(), &rows),
        &catalog,
        &Limits::default(),
    )
    .expect("reads");
    assert_eq!(
        check.answers.self_scores["A2"],
        ItemAnswer::Counts(vec![0, 0, 0])
    );
}

/// Text of every cell of a sheet, by A1 reference.
fn cells(bytes: &[u8], sheet: &str) -> BTreeMap<String, String> {
    let book = read_workbook(bytes, &|_| true, &Limits::default()).expect("template reads");
    let sheet = book.sheets.iter().find(|s| s.name == sheet).expect(sheet);
    let mut out = BTreeMap::new();
    for (row, cells) in sheet.rows() {
        for (col, cell) in cells {
            let text = match cell {
                CellValue::Text(t) => t.clone(),
                CellValue::Number { value, .. } => value.to_string(),
                other => format!("{other:?}"),
            };
            out.insert(nianjian::ingest::workbook::cell_ref(row, *col), text);
        }
    }
    out
}

#[test]
fn the_template_writes_headings_deduction_rows_and_the_new_columns() {
    let catalog = catalog();
    let checklist = catalog.get("second-test@1").unwrap();
    let bytes = self_check_template(checklist, &Prefill::default()).expect("template");
    let c = cells(&bytes, "自查评分");
    let row: Vec<&str> = ["A3", "B3", "C3", "D3", "E3", "F3", "G3", "H3", "I3"]
        .iter()
        .map(|r| c.get(*r).map_or("", String::as_str))
        .collect();
    assert_eq!(
        row,
        [
            "条目编号",
            "类别",
            "考核内容",
            "分值",
            "评分方式",
            "自评分",
            "检查分",
            "佐证材料",
            "情况说明"
        ]
    );
    let codes: Vec<&str> = (4..=20)
        .filter_map(|r| c.get(&format!("A{r}")).map(String::as_str))
        .collect();
    assert_eq!(
        codes,
        [
            "A", "A1", "A2", "A2.1", "A2.2", "A2.3", "A3", "B", "BG", "B1", "B2", "B3", "X1", "P1",
            "P1.1"
        ]
    );
    assert_eq!(c["B4"], "一、基础管理（10分）（权重 40%）");
    assert_eq!(c["B12"], "设施设备（最高 3 分）");
    assert_eq!(c["C7"], "每缺一项制度");
    assert_eq!(c["D7"], "1");
    assert_eq!(c["D9"], "0.25");
    assert_eq!(c["E8"], "发现即扣 0.5 分；填 1（发现）或 0（未发现）");
    assert_eq!(c["F6"], "按下列各项扣分");
    assert_eq!(c["F15"], "由检查组评定");
    assert_eq!(c["F5"], "自动计分");
    assert_eq!(c["H6"], "制度汇编、会议记录");
    assert!(c["E16"].starts_with("【加分项】"), "{}", c["E16"]);
    assert!(c["E17"].starts_with("【扣分项】"), "{}", c["E17"]);
    // The level drop-down lists the level names.
    let xml = part(&bytes, "xl/worksheets/sheet3.xml");
    assert!(xml.contains("\"好,中,差\""), "level drop-down");
    // The empty template names every missing answer but no deduction row:
    // blank counts are 0.
    let problems = read_self_check(&bytes, &catalog, &Limits::default()).expect_err("empty");
    let scores: Vec<String> = problems
        .iter()
        .filter(|p| p.sheet.as_deref() == Some("自查评分"))
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        scores,
        [
            "自查评分!F10：条目 A3 未填写自评分",
            "自查评分!F13：条目 B1 未填写自评分",
            "自查评分!F14：条目 B2 未填写自评分",
        ]
    );
}

fn part(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut xml = String::new();
    zip.by_name(name)
        .expect("part")
        .read_to_string(&mut xml)
        .expect("utf-8");
    xml.replace("&quot;", "\"")
}

#[test]
fn a_template_written_with_answers_reads_back_exactly() {
    let catalog = catalog();
    let checklist = catalog.get("second-test@1").unwrap();
    let mut answers = Answers {
        unit_kind: String::new(),
        ..Answers::default()
    };
    answers
        .inputs
        .insert("keeper".into(), InputValue::Choice("社区文书".into()));
    answers
        .inputs
        .insert("has_award".into(), InputValue::YesNo(false));
    for (code, answer) in [
        ("A2", ItemAnswer::Counts(vec![0, 1, 4])),
        ("A3", ItemAnswer::Level("好".into())),
        ("B1", ItemAnswer::Points(p(150))),
        ("B2", ItemAnswer::Points(p(200))),
        ("B3", ItemAnswer::Points(p(550))),
        ("P1", ItemAnswer::Counts(vec![3])),
    ] {
        answers.self_scores.insert(code.into(), answer);
    }
    let prefill = Prefill {
        unit_name: Some("小营巷社区".into()),
        unit_code: Some("330102001".into()),
        unit_kind: Some("社区".into()),
        year: Some(2024),
        answers: Some(answers.clone()),
        ..Prefill::default()
    };
    let bytes = self_check_template(checklist, &prefill).expect("template");
    let check = read_self_check(&bytes, &catalog, &Limits::default()).expect("reads back");
    let mut got = check.answers.clone();
    got.unit_kind.clear();
    assert_eq!(got, answers);
}
