//! Round trips: the template `nianjian template` writes, filled in by this
//! test the way a clerk would (values typed into its answer cells, some as
//! text with units, full-width digits, √/×, 不适用), then read back and
//! scored. What the reader returns must be exactly what was typed, and the
//! score exactly what the pure core gives for those answers.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

use nianjian::domain::checklist::{InputType, Item};
use nianjian::domain::{Answers, Checklist, Decimal, InputValue, ItemAnswer, Points, Rule, score};
use nianjian::ingest::checklists::Catalog;
use nianjian::ingest::self_check::read_self_check;
use nianjian::ingest::workbook::{CellValue, Limits, cell_ref, read_workbook};
use nianjian::reports::template::{Prefill, self_check_template};

/// Shipped checklists left out of the round trips that apply for a tier
/// (`tiers[0]`, `tiers[1]`) and read LibreOffice re-saves from `resaved/`:
/// transcribed from published tables (tests/real_tables.rs scores them),
/// they have one tier or none, no re-saves yet, and level, deduct and
/// inspector items that `random_case` does not answer. Remove a checklist
/// from here once the generator answers the second-edition rules and its
/// re-saves exist.
const NOT_ROUND_TRIPPED_YET: [&str; 3] = [
    "shaoyang-unit@v1",
    "yanbian-community@v1",
    "jiangsu-5a-digital@v1",
];

/// The shipped checklists these round trips cover.
fn round_tripped(catalog: &Catalog) -> impl Iterator<Item = &Checklist> {
    catalog
        .iter()
        .map(|loaded| loaded.checklist.as_ref())
        .filter(|c| !NOT_ROUND_TRIPPED_YET.contains(&c.reference().as_str()))
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// What a clerk types into one cell.
#[derive(Clone, Debug)]
enum Typed {
    Number(String),
    Text(String),
}

/// The cell positions of the template's answer cells.
struct Layout {
    basic: BTreeMap<String, String>,
    inputs: BTreeMap<String, String>,
    scores: BTreeMap<String, String>,
    /// 检查分 cells, where the template has that column (second edition).
    inspector: BTreeMap<String, String>,
}

fn layout(bytes: &[u8]) -> Layout {
    let book = read_workbook(bytes, &|_| true, &Limits::default()).expect("template reads");
    let sheet = |name: &str| book.sheets.iter().find(|s| s.name == name).expect(name);
    let text = |cell: Option<&CellValue>| match cell {
        Some(CellValue::Text(t)) => t.clone(),
        _ => String::new(),
    };

    let mut basic = BTreeMap::new();
    for (row, cells) in sheet("基本情况").rows() {
        if let Some((col, CellValue::Text(label))) = cells.first() {
            basic.insert(label.clone(), cell_ref(row, col + 1));
        }
    }

    let find_header = |name: &str, wanted: &str| {
        let s = sheet(name);
        s.rows()
            .find(|(_, cells)| cells.iter().any(|(_, c)| text(Some(c)) == wanted))
            .map(|(row, cells)| {
                let col_of = |h: &str| {
                    cells
                        .iter()
                        .find(|(_, c)| text(Some(c)) == h)
                        .map(|(c, _)| *c)
                        .expect(h)
                };
                (row, col_of)
            })
            .expect("header")
    };

    let mut inputs = BTreeMap::new();
    {
        let s = sheet("人财物投入");
        let (header, col_of) = find_header("人财物投入", "填报值");
        let (code_col, value_col) = (col_of("代码"), col_of("填报值"));
        for (row, _) in s.rows().filter(|(r, _)| *r > header) {
            let code = text(s.get(row, code_col));
            if !code.is_empty() {
                inputs.insert(code, cell_ref(row, value_col));
            }
        }
    }

    let mut scores = BTreeMap::new();
    let mut inspector = BTreeMap::new();
    {
        let s = sheet("自查评分");
        let (header, col_of) = find_header("自查评分", "自评分");
        let (code_col, score_col) = (col_of("条目编号"), col_of("自评分"));
        let inspector_col = s.rows().find(|(r, _)| *r == header).and_then(|(_, cells)| {
            cells
                .iter()
                .find(|(_, c)| text(Some(c)) == "检查分")
                .map(|(c, _)| *c)
        });
        for (row, _) in s.rows().filter(|(r, _)| *r > header) {
            let code = text(s.get(row, code_col));
            if !code.is_empty() {
                if let Some(col) = inspector_col {
                    inspector.insert(code.clone(), cell_ref(row, col));
                }
                scores.insert(code, cell_ref(row, score_col));
            }
        }
    }
    Layout {
        basic,
        inputs,
        scores,
        inspector,
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Writes values into existing cells of an xlsx, as typing into them would.
fn fill(template: &[u8], values: &[(&str, String, Typed)]) -> Vec<u8> {
    let sheet_file = |name: &str| match name {
        "基本情况" => "xl/worksheets/sheet1.xml",
        "人财物投入" => "xl/worksheets/sheet2.xml",
        "自查评分" => "xl/worksheets/sheet3.xml",
        other => panic!("unknown sheet {other}"),
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(template)).expect("zip");
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("entry");
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("read entry");
        parts.push((entry.name().expect("entry name").to_string(), data));
    }
    for (sheet, cell, typed) in values {
        let part = parts
            .iter_mut()
            .find(|(n, _)| n == sheet_file(sheet))
            .expect("sheet part");
        let xml = String::from_utf8(part.1.clone()).expect("utf8");
        let start = xml
            .find(&format!("<c r=\"{cell}\""))
            .unwrap_or_else(|| panic!("{sheet}!{cell} is not in the template"));
        let open_end = start + xml[start..].find('>').expect("tag end");
        let end = if xml[..open_end].ends_with('/') {
            open_end + 1
        } else {
            open_end + xml[open_end..].find("</c>").expect("close") + 4
        };
        let tag = &xml[start..open_end];
        let style = tag
            .split_whitespace()
            .find(|a| a.starts_with("s=\""))
            .map(|s| format!(" {}", s.trim_end_matches('/')))
            .unwrap_or_default();
        let new_cell = match typed {
            Typed::Number(v) => format!("<c r=\"{cell}\"{style}><v>{v}</v></c>"),
            Typed::Text(t) => format!(
                "<c r=\"{cell}\"{style} t=\"inlineStr\"><is><t>{}</t></is></c>",
                xml_escape(t)
            ),
        };
        part.1 = format!("{}{}{}", &xml[..start], new_cell, &xml[end..]).into_bytes();
    }
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in parts {
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("start");
        out.write_all(&data).expect("write");
    }
    out.finish().expect("finish").into_inner()
}

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' | '.' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// A random fact of the right type, and how the clerk typed it.
fn random_input(rng: &mut Rng, kind: InputType, unit: Option<&str>) -> (InputValue, Typed) {
    match kind {
        InputType::Choice => unreachable!("choice inputs are drawn by random_choice"),
        InputType::YesNo => {
            let yes = rng.chance(70);
            let spellings: &[&str] = if yes {
                &["是", "√", "有", "Y", "是 "]
            } else {
                &["否", "×", "无", "N", "否"]
            };
            let typed = spellings[rng.below(spellings.len() as u64) as usize];
            (InputValue::YesNo(yes), Typed::Text(typed.to_string()))
        }
        _ => {
            let value = match kind {
                InputType::Integer => rng.below(60).to_string(),
                InputType::Percent => format!("{}.{}", rng.below(100), rng.below(10)),
                _ => format!("{}.{}", rng.below(300), rng.below(100)),
            };
            let decimal = Decimal::parse(&value).expect("generated number");
            let typed = match rng.below(4) {
                0 => Typed::Number(value),
                1 => Typed::Text(format!("{}{}", value, unit.unwrap_or(""))),
                2 => Typed::Text(full_width(&value)),
                _ => Typed::Text(format!(" {value} ")),
            };
            (InputValue::Number(decimal), typed)
        }
    }
}

fn random_case(
    rng: &mut Rng,
    checklist: &Checklist,
    layout: &Layout,
) -> (Answers, Vec<(&'static str, String, Typed)>) {
    let mut answers = Answers::default();
    let mut cells = Vec::new();
    for (label, value) in [
        ("单位名称", "小营巷社区"),
        ("单位代码", "330102001"),
        ("年度", "2012"),
        ("所属街道", "小营街道"),
    ] {
        cells.push((
            "基本情况",
            layout.basic[label].clone(),
            Typed::Text(value.into()),
        ));
    }
    cells.push((
        "基本情况",
        layout.basic["单位类型"].clone(),
        Typed::Text(checklist.unit_kinds[0].clone()),
    ));
    for input in &checklist.inputs {
        let (value, typed) = if input.key == "loss_incident" || input.key == "refused_inspection" {
            // Vetoes rarely; most units have none.
            let yes = rng.chance(5);
            (
                InputValue::YesNo(yes),
                Typed::Text(if yes { "是" } else { "否" }.into()),
            )
        } else if input.kind == InputType::Choice {
            let option = input.options[rng.below(input.options.len() as u64) as usize].clone();
            let typed = if rng.chance(30) {
                Typed::Text(format!(" {option} "))
            } else {
                Typed::Text(option.clone())
            };
            (InputValue::Choice(option), typed)
        } else {
            random_input(rng, input.kind, input.unit.as_deref())
        };
        answers.inputs.insert(input.key.clone(), value);
        cells.push(("人财物投入", layout.inputs[&input.key].clone(), typed));
    }
    for item in &checklist.items {
        if item.by_inspector() || !matches!(item.rule, Rule::SelfScored { .. }) {
            random_second_edition(rng, item, layout, &mut answers, &mut cells);
            continue;
        }
        let Rule::SelfScored { step } = item.rule else {
            continue;
        };
        let cell = layout.scores[&item.code].clone();
        if item.optional && rng.chance(25) {
            answers
                .self_scores
                .insert(item.code.clone(), ItemAnswer::NotApplicable);
            cells.push(("自查评分", cell, Typed::Text("不适用".into())));
            continue;
        }
        let steps = item.max.hundredths() / step.hundredths();
        // Mostly high scores, as real self-checks are.
        let taken = steps - (rng.below(u64::from(steps.unsigned_abs()) / 2 + 1) as i32);
        let points = Points(taken * step.hundredths());
        answers
            .self_scores
            .insert(item.code.clone(), ItemAnswer::Points(points));
        let typed = if rng.chance(20) {
            Typed::Text(full_width(&points.to_string()))
        } else {
            Typed::Number(points.to_string())
        };
        cells.push(("自查评分", cell, typed));
    }
    (answers, cells)
}

/// Answers to the rule kinds of the second edition — `level` and
/// `deduct` items, and inspector items, which get a 检查分 half the time and
/// stay pending otherwise. (First-edition checklists never come here, so
/// their random cases, and the re-saved fixtures, stay as they were.)
fn random_second_edition(
    rng: &mut Rng,
    item: &Item,
    layout: &Layout,
    answers: &mut Answers,
    cells: &mut Vec<(&'static str, String, Typed)>,
) {
    let inspector = item.by_inspector();
    if inspector && rng.chance(50) {
        return; // Pending: the inspection team has not scored it yet.
    }
    let column = |code: &str| {
        if inspector {
            layout.inspector[code].clone()
        } else {
            layout.scores[code].clone()
        }
    };
    if item.optional && !inspector && rng.chance(25) {
        answers
            .self_scores
            .insert(item.code.clone(), ItemAnswer::NotApplicable);
        cells.push(("自查评分", column(&item.code), Typed::Text("不适用".into())));
        return;
    }
    match &item.rule {
        Rule::SelfScored { step } => {
            let steps = item.max.hundredths() / step.hundredths();
            let points = Points(rng.below(steps as u64 + 1) as i32 * step.hundredths());
            answers
                .self_scores
                .insert(item.code.clone(), ItemAnswer::Points(points));
            cells.push((
                "自查评分",
                column(&item.code),
                Typed::Number(points.to_string()),
            ));
        }
        Rule::Level { levels } => {
            let level = &levels[rng.below(levels.len() as u64) as usize];
            answers
                .self_scores
                .insert(item.code.clone(), ItemAnswer::Level(level.name.clone()));
            // By its points where those name this level (the first with them).
            let first = levels.iter().find(|l| l.points == level.points);
            let typed = if rng.chance(30) && first.map(|l| &l.name) == Some(&level.name) {
                Typed::Number(level.points.to_string())
            } else {
                Typed::Text(level.name.clone())
            };
            cells.push(("自查评分", column(&item.code), typed));
        }
        Rule::Deduct { deductions } => {
            let mut counts = Vec::new();
            for (n, deduction) in deductions.iter().enumerate() {
                let count = if deduction.once {
                    rng.below(2) as u32
                } else {
                    rng.below(4) as u32
                };
                counts.push(count);
                let cell = column(&format!("{}.{}", item.code, n + 1));
                // An inspector writes every count; a unit may leave 0 blank.
                let typed = match (count, deduction.once, rng.below(4)) {
                    (0, _, 0) if !inspector => None,
                    (0, _, 1) if !inspector => Some(Typed::Text("无".into())),
                    (1, true, 1) if !inspector => Some(Typed::Text("是".into())),
                    (_, _, 2) => Some(Typed::Text(full_width(&count.to_string()))),
                    _ => Some(Typed::Number(count.to_string())),
                };
                if let Some(typed) = typed {
                    cells.push(("自查评分", cell, typed));
                }
            }
            answers
                .self_scores
                .insert(item.code.clone(), ItemAnswer::Counts(counts));
        }
        _ => {} // Computed from 人财物投入.
    }
}

#[test]
fn filled_templates_read_back_exactly_and_score_as_the_core_does() {
    let catalog = Catalog::embedded().expect("shipped checklists");
    let tiers_seen = round_trips(&catalog);
    // The generated cases cover more than one outcome, or the test proves little.
    assert!(tiers_seen.len() >= 2, "{tiers_seen:?}");
}

/// Every rule kind of the second edition, inspector items among them (a
/// `self`, a `level` and an optional `deduct` one), goes through the same
/// generator: whatever lands in checklists/ round-trips as this does.
const SECOND_EDITION: &str = r#"
id = "second-trip"
version = "1"
title = "第二版往返测试"
unit_kinds = ["社区"]
total = 30
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
unit = "间"
type = "integer"
group = "物"

[[categories]]
code = "A"
name = "组织"
weight = 30

[[categories]]
code = "B"
name = "业务"
weight = 70

[[groups]]
code = "BG"
category = "B"
title = "设施"
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
title = "制度"
max = 5
rule = "deduct"
optional = true
deductions = [{ text = "每缺一项", points = 1 }, { text = "未上墙", points = 0.5, once = true }, { text = "每份未归档", points = 0.25 }]
evidence = "制度汇编"

[[items]]
code = "A3"
category = "A"
title = "执行"
max = 2
rule = "level"
optional = true
levels = [["好", 2], ["较好", 1.5], ["中", 1], ["也中", 1], ["差", 0]]

[[items]]
code = "B1"
group = "BG"
title = "库房"
max = 2
rule = "formula"
formula = "min(${rooms} * 0.5, 2)"

[[items]]
code = "B2"
group = "BG"
title = "设备"
max = 2
rule = "self"

[[items]]
code = "B3"
category = "B"
title = "收集齐全（抽查）"
max = 6
rule = "self"
assessed_by = "inspector"

[[items]]
code = "B4"
category = "B"
title = "整理规范（抽查）"
max = 4
rule = "level"
levels = [["规范", 4], ["基本规范", 2], ["不规范", 0]]
assessed_by = "inspector"

[[items]]
code = "B5"
category = "B"
title = "保管（抽查）"
max = 3
rule = "deduct"
optional = true
deductions = [{ text = "每处霉变", points = 1 }, { text = "无温湿度记录", points = 1, once = true }]
assessed_by = "inspector"

[[items]]
code = "X1"
category = "B"
kind = "bonus"
title = "获表彰"
max = 1
rule = "self"

[[items]]
code = "P1"
category = "B"
kind = "penalty"
title = "迟报"
max = 2
rule = "deduct"
deductions = [{ text = "每迟报一次", points = 0.5 }]

[[tiers]]
code = "good"
name = "良好档案室"
min_total = 10

[[tiers]]
code = "best"
name = "优秀档案室"
min_total = 20
"#;

#[test]
fn second_edition_templates_round_trip_every_rule_kind() {
    let catalog = Catalog::from_sources([("second-trip/1.toml".to_string(), SECOND_EDITION)])
        .expect("the test checklist is valid");
    let outcomes = round_trips(&catalog);
    assert!(outcomes.len() >= 2, "{outcomes:?}");
    let checklist = catalog.get("second-trip@1").expect("loaded");
    // Answers written in by the template's own writer read back too.
    let template = self_check_template(checklist, &Prefill::default()).expect("template");
    let layout = layout(&template);
    for seed in 1..=10u64 {
        let mut rng = Rng(seed);
        let (answers, _) = random_case(&mut rng, checklist, &layout);
        let prefill = Prefill {
            unit_name: Some("小营巷社区".into()),
            unit_code: Some("330102001".into()),
            unit_kind: Some("社区".into()),
            year: Some(2012),
            answers: Some(answers.clone()),
            ..Prefill::default()
        };
        let bytes = self_check_template(checklist, &prefill).expect("filled workbook");
        let check = read_self_check(&bytes, &catalog, &Limits::default()).expect("reads back");
        assert_eq!(check.answers, answers, "seed {seed}");
    }
}

/// Fills each checklist's template with 25 random cases, reads them back
/// and scores them; returns how often each tier (or none, or provisional)
/// came out.
fn round_trips(catalog: &Catalog) -> BTreeMap<Option<String>, u32> {
    let mut tiers_seen = BTreeMap::new();
    for loaded in catalog.iter() {
        let checklist = &loaded.checklist;
        let template = self_check_template(checklist, &Prefill::default()).expect("template");
        let layout = layout(&template);
        for seed in 1..=25u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let (answers, cells) = random_case(&mut rng, checklist, &layout);
            let filled = fill(&template, &cells);
            let check =
                read_self_check(&filled, catalog, &Limits::default()).unwrap_or_else(|problems| {
                    panic!(
                        "{} seed {seed}: {}",
                        checklist.reference(),
                        problems
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("; ")
                    )
                });
            assert_eq!(check.checklist.reference(), checklist.reference());
            assert_eq!(check.unit.code, "330102001");
            assert_eq!(check.unit.street.as_deref(), Some("小营街道"));
            assert_eq!(check.year, 2012);
            assert_eq!(
                check.answers,
                answers,
                "{} seed {seed}",
                checklist.reference()
            );
            let expected = score(checklist, &answers, &BTreeMap::new());
            let got = score(&check.checklist, &check.answers, &BTreeMap::new());
            assert_eq!(got, expected);
            let outcome = if expected.provisional {
                Some("provisional".to_string())
            } else {
                expected.tier.map(|t| t.code)
            };
            *tiers_seen.entry(outcome).or_insert(0) += 1;
        }
    }
    tiers_seen
}

#[test]
fn every_problem_in_a_filled_template_is_named_by_cell() {
    let catalog = Catalog::embedded().expect("shipped checklists");
    let checklist = catalog.get("community@2012").expect("community@2012");
    let template = self_check_template(checklist, &Prefill::default()).expect("template");
    let layout = layout(&template);
    let mut rng = Rng(7);
    let (_, mut cells) = random_case(&mut rng, checklist, &layout);
    let a1 = layout.scores["A1"].clone();
    let a5 = layout.scores["A5"].clone();
    let area = layout.inputs["room_area"].clone();
    let budget = layout.inputs["budget_included"].clone();
    for (sheet, cell, typed) in cells.iter_mut() {
        let replacement = if *cell == a5 {
            Some(Typed::Text("良好".into()))
        } else if *cell == a1 {
            Some(Typed::Text("不适用".into()))
        } else if *cell == area {
            Some(Typed::Text("约45平方米".into()))
        } else if *cell == budget {
            Some(Typed::Text("也许".into()))
        } else {
            None
        };
        if let Some(r) = replacement {
            assert!(sheet.len() > 1);
            *typed = r;
        }
    }
    let filled = fill(&template, &cells);
    let problems = read_self_check(&filled, &catalog, &Limits::default()).expect_err("invalid");
    let mut named: Vec<String> = problems.iter().filter_map(|p| p.cell.clone()).collect();
    named.sort();
    let mut expected = vec![
        format!("自查评分!{a1}"),
        format!("自查评分!{a5}"),
        format!("人财物投入!{area}"),
        format!("人财物投入!{budget}"),
    ];
    expected.sort();
    assert_eq!(named, expected, "{problems:?}");
}

#[test]
fn an_empty_template_names_every_missing_answer() {
    let catalog = Catalog::embedded().expect("shipped checklists");
    let checklist = catalog.get("community@2013").expect("community@2013");
    let template = self_check_template(checklist, &Prefill::default()).expect("template");
    let problems = read_self_check(&template, &catalog, &Limits::default()).expect_err("empty");
    let self_items = checklist
        .items
        .iter()
        .filter(|i| matches!(i.rule, Rule::SelfScored { .. }))
        .count();
    // 单位名称, 单位代码 and 年度 are empty; 单位类型 is pre-selected (one kind only).
    let basic = problems
        .iter()
        .filter(|p| p.sheet.as_deref() == Some("基本情况"))
        .count();
    let inputs = problems
        .iter()
        .filter(|p| p.sheet.as_deref() == Some("人财物投入"))
        .count();
    let scores = problems
        .iter()
        .filter(|p| p.sheet.as_deref() == Some("自查评分"))
        .count();
    assert_eq!(basic, 3, "{problems:?}");
    assert_eq!(inputs, checklist.inputs.len());
    assert_eq!(scores, self_items);
    assert!(
        problems.iter().all(|p| p.cell.is_some()),
        "every missing answer has its cell"
    );
}

#[test]
fn workbooks_written_with_answers_read_back_exactly() {
    let catalog = Catalog::embedded().expect("shipped checklists");
    for checklist in round_tripped(&catalog) {
        let template = self_check_template(checklist, &Prefill::default()).expect("template");
        let layout = layout(&template);
        let mut rng = Rng(99);
        let (answers, _) = random_case(&mut rng, checklist, &layout);
        let prefill = Prefill {
            unit_name: Some("清波街道办事处".into()),
            unit_code: Some("0571-001".into()),
            unit_kind: Some(checklist.unit_kinds[0].clone()),
            street: Some("清波街道".into()),
            year: Some(2011),
            target_tier: Some(checklist.tiers[0].name.clone()),
            answers: Some(answers.clone()),
        };
        let bytes = self_check_template(checklist, &prefill).expect("filled workbook");
        let check = read_self_check(&bytes, &catalog, &Limits::default()).expect("reads back");
        assert_eq!(check.answers, answers, "{}", checklist.reference());
        assert_eq!(check.unit.code, "0571-001", "codes stay text");
        assert_eq!(check.year, 2011);
        assert_eq!(
            check.target_tier.as_deref(),
            Some(checklist.tiers[0].code.as_str())
        );
    }
}

/// The A1 reference of the first cell on `sheet` whose text is `text`.
fn cell_holding(bytes: &[u8], sheet: &str, text: &str) -> String {
    let book = read_workbook(bytes, &|_| true, &Limits::default()).expect("workbook reads");
    let sheet = book.sheets.iter().find(|s| s.name == sheet).expect(sheet);
    sheet
        .rows()
        .find_map(|(row, cells)| {
            cells.iter().find_map(|(col, cell)| {
                matches!(cell, CellValue::Text(t) if t == text).then(|| cell_ref(row, *col))
            })
        })
        .unwrap_or_else(|| panic!("no cell holds {text}"))
}

/// (sheet, cell) of every problem, sorted.
fn places(
    problems: &[nianjian::ingest::self_check::Problem],
) -> Vec<(Option<String>, Option<String>)> {
    let mut places: Vec<_> = problems
        .iter()
        .map(|p| (p.sheet.clone(), p.cell.clone()))
        .collect();
    places.sort();
    places
}

#[test]
fn missing_headers_are_reported_when_the_checklist_is_unknown() {
    let catalog = Catalog::embedded().expect("shipped checklists");
    let checklist = catalog.get("community@2012").expect("community@2012");
    let template = self_check_template(checklist, &Prefill::default()).expect("template");
    let layout = layout(&template);
    let mut rng = Rng(11);
    let (_, mut cells) = random_case(&mut rng, checklist, &layout);
    let reference = layout.basic["考核细则"].clone();
    cells.push((
        "基本情况",
        reference.clone(),
        Typed::Text("community@2099".into()),
    ));
    for (sheet, header) in [("人财物投入", "填报值"), ("自查评分", "自评分")] {
        let cell = cell_holding(&template, sheet, header);
        cells.push((sheet, cell, Typed::Text("数值".into())));
    }
    let filled = fill(&template, &cells);
    let problems = read_self_check(&filled, &catalog, &Limits::default()).expect_err("invalid");
    let some = |s: &str| Some(s.to_string());
    assert_eq!(
        places(&problems),
        vec![
            (some("人财物投入"), None),
            (some("基本情况"), Some(format!("基本情况!{reference}"))),
            (some("自查评分"), None),
        ],
        "{problems:?}"
    );
}

#[test]
fn missing_headers_are_reported_when_basic_is_missing() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let inputs = book.add_worksheet();
    inputs.set_name("人财物投入").expect("name");
    inputs.write_string(0, 0, "项目").expect("write");
    inputs.write_string(0, 1, "数量").expect("write");
    inputs.write_string(1, 0, "档案室面积").expect("write");
    inputs.write_number(1, 1, 40.0).expect("write");
    let scores = book.add_worksheet();
    scores.set_name("自查评分").expect("name");
    scores.write_string(2, 1, "条目编号").expect("write");
    scores.write_string(2, 2, "自评分").expect("write");
    scores.write_string(3, 1, "A1").expect("write");
    scores.write_number(3, 2, 2.0).expect("write");
    let bytes = book.save_to_buffer().expect("xlsx");

    let catalog = Catalog::embedded().expect("shipped checklists");
    let problems = read_self_check(&bytes, &catalog, &Limits::default()).expect_err("invalid");
    let some = |s: &str| Some(s.to_string());
    // The sheet and the header are missing; with no checklist known the rows
    // of 自查评分 (header found) are not checked.
    assert_eq!(
        places(&problems),
        vec![(some("人财物投入"), None), (some("基本情况"), None)],
        "{problems:?}"
    );
}

#[test]
fn rows_with_an_unknown_code_are_ignored() {
    let catalog = Catalog::embedded().expect("shipped checklists");
    let checklist = catalog.get("agency@2012").expect("agency@2012");
    let template = self_check_template(checklist, &Prefill::default()).expect("template");
    let layout = layout(&template);
    let mut rng = Rng(5);
    let (_, mut cells) = random_case(&mut rng, checklist, &layout);
    // Turn the room_area row into a row of some other fact, with a bad value:
    // it is matched by its 代码 (not by its label), which is no input key.
    let code_cell = cell_holding(&template, "人财物投入", "room_area");
    let area = layout.inputs["room_area"].clone();
    cells.retain(|(_, cell, _)| *cell != area);
    cells.push((
        "人财物投入",
        code_cell,
        Typed::Text("room_area_2011".into()),
    ));
    cells.push(("人财物投入", area, Typed::Text("约30平方米".into())));
    let filled = fill(&template, &cells);
    let problems = read_self_check(&filled, &catalog, &Limits::default()).expect_err("invalid");
    // The only problem: the real room_area has no row now.
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].sheet.as_deref(), Some("人财物投入"));
    assert_eq!(problems[0].cell, None);
    assert!(problems[0].message.contains("room_area"), "{problems:?}");
}

/// The filled workbook of a checklist that `resaved/` holds re-saved by
/// LibreOffice, and the answers in it: deterministic, so the fixtures
/// can be compared with what this code writes today.
fn filled_for_resave(checklist: &Checklist) -> (Answers, Vec<u8>) {
    let template = self_check_template(checklist, &Prefill::default()).expect("template");
    let layout = layout(&template);
    let mut rng = Rng(2012);
    let (answers, _) = random_case(&mut rng, checklist, &layout);
    let prefill = Prefill {
        unit_name: Some("小营巷社区".into()),
        unit_code: Some("330102001".into()),
        unit_kind: Some(checklist.unit_kinds[0].clone()),
        street: Some("小营街道".into()),
        year: Some(2012),
        target_tier: Some(checklist.tiers[1].name.clone()),
        answers: Some(answers.clone()),
    };
    let bytes = self_check_template(checklist, &prefill).expect("filled workbook");
    (answers, bytes)
}

/// Writes the workbooks `tests/fixtures/workbooks/resaved/resave.sh`
/// hands to LibreOffice: `NIANJIAN_FIXTURE_DIR=DIR cargo test --test
/// round_trip -- --ignored write_workbooks_to_resave`.
#[test]
#[ignore = "writes fixture inputs; run by resaved/resave.sh"]
fn write_workbooks_to_resave() {
    let dir = std::env::var("NIANJIAN_FIXTURE_DIR").expect("NIANJIAN_FIXTURE_DIR");
    let catalog = Catalog::embedded().expect("shipped checklists");
    for checklist in round_tripped(&catalog) {
        let (_, bytes) = filled_for_resave(checklist);
        let name = format!("{}-{}.xlsx", checklist.id, checklist.version);
        std::fs::write(std::path::Path::new(&dir).join(name), bytes).expect("write");
    }
}

/// A filled workbook opened and saved again by LibreOffice Calc — as xlsx,
/// ods and xls — reads back to exactly the answers that were written:
/// the template survives the program a clerk saves it with.
#[test]
fn filled_workbooks_saved_again_by_libreoffice_read_back_exactly() {
    let catalog = Catalog::embedded().expect("shipped checklists");
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/workbooks/resaved");
    let mut read = 0;
    for checklist in round_tripped(&catalog) {
        let (answers, _) = filled_for_resave(checklist);
        for ext in ["xlsx", "ods", "xls"] {
            let name = format!("{}-{}.{ext}", checklist.id, checklist.version);
            let bytes = std::fs::read(dir.join(&name))
                .unwrap_or_else(|e| panic!("{name}: {e} (run resaved/resave.sh)"));
            let check =
                read_self_check(&bytes, &catalog, &Limits::default()).unwrap_or_else(|problems| {
                    panic!(
                        "{name}: {}",
                        problems
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("; ")
                    )
                });
            assert_eq!(check.checklist.reference(), checklist.reference(), "{name}");
            assert_eq!(check.unit.code, "330102001", "{name}: codes stay text");
            assert_eq!(check.unit.name, "小营巷社区", "{name}");
            assert_eq!(check.year, 2012, "{name}");
            assert_eq!(
                check.target_tier.as_deref(),
                Some(checklist.tiers[1].code.as_str()),
                "{name}"
            );
            assert_eq!(check.answers, answers, "{name}");
            read += 1;
        }
    }
    assert_eq!(read, 3 * round_tripped(&catalog).count());
}
