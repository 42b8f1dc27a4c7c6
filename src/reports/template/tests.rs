use std::io::{Cursor, Read};

use calamine::{Data, Range, Reader};

use super::*;
use crate::domain::checklist::{RawChecklist, Rule};

/// All five rule kinds, an optional self item (A2), an all-or-nothing self
/// item (A3, step = max), an input in 元, and a label that looks like a formula.
const CHECKLIST: &str = r#"
id = "test"
version = "1"
title = "测试档案工作考核细则"
unit_kinds = ["社区", "机关"]
total = 20

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
label = "存量档案数字化率"
unit = "%"
type = "percent"
group = "其他"

[[inputs]]
key = "staff"
label = "专职档案员"
unit = "人"
type = "integer"
group = "人"
note = "专门从事档案工作的人员"

[[inputs]]
key = "budget"
label = "年度档案经费"
unit = "元"
type = "decimal"
group = "财"

[[inputs]]
key = "odd"
label = "=1+1 看似公式"
type = "yes_no"
group = "其他"

[[categories]]
code = "A"
name = "组织领导"

[[categories]]
code = "B"
name = "设施设备"

[[items]]
code = "A1"
category = "A"
title = "明确分管领导"
max = 4
rule = "self"

[[items]]
code = "A2"
category = "A"
title = "科技档案整理规范"
max = 2
rule = "self"
optional = true

[[items]]
code = "A3"
category = "A"
title = "编制归档范围"
max = 2
rule = "self"
step = 2

[[items]]
code = "A4"
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
max = 2
rule = "each"
inputs = ["air_conditioner", "scanners"]
each = 1

[[items]]
code = "B3"
category = "B"
title = "数字化"
max = 4
rule = "linear"
input = "digitised"
full_at = 80

[[tiers]]
code = "city-standard"
name = "市级规范化档案室"
min_total = 12

[[tiers]]
code = "province-model"
name = "省级示范档案室"
min_total = 18
"#;

fn checklist_from(text: &str) -> Checklist {
    let raw: RawChecklist = toml::from_str(text).expect("test checklist is TOML");
    Checklist::from_raw(raw).expect("test checklist is valid")
}

fn prefill() -> Prefill {
    Prefill {
        unit_name: Some("小营巷社区".into()),
        unit_code: Some("00123".into()),
        unit_kind: Some("社区".into()),
        street: Some("小营街道".into()),
        year: Some(2024),
        ..Prefill::default()
    }
}

fn generate() -> Vec<u8> {
    self_check_template(&checklist_from(CHECKLIST), &prefill()).expect("template")
}

fn sheet(bytes: &[u8], name: &str) -> Range<Data> {
    let mut workbook =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).expect("opens");
    workbook.worksheet_range(name).expect("sheet exists")
}

fn cell(range: &Range<Data>, row: u32, col: u32) -> Data {
    range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
}

fn text(range: &Range<Data>, row: u32, col: u32) -> String {
    match cell(range, row, col) {
        Data::String(s) => s,
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

fn rows(range: &Range<Data>) -> u32 {
    range.end().map_or(0, |(row, _)| row + 1)
}

/// The value right of `label` in column A, as the reader finds it.
fn value_of(range: &Range<Data>, label: &str) -> Data {
    let row = (0..rows(range))
        .find(|&r| text(range, r, 0) == label)
        .unwrap_or_else(|| panic!("label {label} missing"));
    cell(range, row, 1)
}

/// The first row holding all of `names`, and its cells.
fn header(range: &Range<Data>, names: &[&str]) -> (u32, Vec<String>) {
    (0..rows(range))
        .map(|r| (r, (0..8).map(|c| text(range, r, c)).collect::<Vec<_>>()))
        .find(|(_, cells)| names.iter().all(|n| cells.iter().any(|c| c == n)))
        .expect("header row")
}

/// The rows under the header keyed by a column, in sheet order.
fn keyed_rows(range: &Range<Data>, header_row: u32, key_col: u32) -> Vec<(u32, String)> {
    (header_row + 1..rows(range))
        .map(|r| (r, text(range, r, key_col)))
        .filter(|(_, key)| !key.is_empty())
        .collect()
}

/// A part of the xlsx zip, with the XML entities the tests look through undone.
fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("xlsx is a zip");
    let mut xml = String::new();
    zip.by_name(name)
        .expect("part exists")
        .read_to_string(&mut xml)
        .expect("utf-8");
    xml.replace("&quot;", "\"")
        .replace("&gt;", ">")
        .replace("&lt;", "<")
        .replace("&amp;", "&")
}

#[test]
fn has_the_three_sheets_by_name() {
    let bytes = generate();
    let workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).expect("opens");
    assert_eq!(
        workbook.sheet_names(),
        ["基本情况", "人财物投入", "自查评分"]
    );
}

#[test]
fn basic_sheet_has_labels_with_values_to_their_right() {
    let range = sheet(&generate(), SHEET_BASIC);
    let labels: Vec<String> = (0..rows(&range))
        .map(|r| text(&range, r, 0))
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        labels[2..],
        [
            "单位名称",
            "单位代码",
            "单位类型",
            "所属街道",
            "年度",
            "考核细则",
            "申报等级",
            "填报人",
            "联系电话",
            "填报日期"
        ]
    );
    assert_eq!(value_of(&range, "考核细则"), Data::String("test@1".into()));
    // Leading zeros kept: the code is text, not the number 123.
    assert_eq!(value_of(&range, "单位代码"), Data::String("00123".into()));
    assert_eq!(
        value_of(&range, "单位名称"),
        Data::String("小营巷社区".into())
    );
    assert_eq!(value_of(&range, "单位类型"), Data::String("社区".into()));
    assert_eq!(
        value_of(&range, "所属街道"),
        Data::String("小营街道".into())
    );
    assert_eq!(value_of(&range, "年度"), Data::Float(2024.0));
    assert_eq!(value_of(&range, "申报等级"), Data::Empty);
    assert!(text(&range, 0, 0).contains("测试档案工作考核细则 自查表"));
}

#[test]
fn basic_sheet_without_prefill_selects_the_only_kind() {
    let one_kind = CHECKLIST.replace(
        r#"unit_kinds = ["社区", "机关"]"#,
        r#"unit_kinds = ["社区"]"#,
    );
    let bytes =
        self_check_template(&checklist_from(&one_kind), &Prefill::default()).expect("template");
    let range = sheet(&bytes, SHEET_BASIC);
    assert_eq!(value_of(&range, "单位类型"), Data::String("社区".into()));
    assert_eq!(value_of(&range, "单位名称"), Data::Empty);
    assert_eq!(value_of(&range, "年度"), Data::Empty);

    let bytes =
        self_check_template(&checklist_from(CHECKLIST), &Prefill::default()).expect("template");
    assert_eq!(
        value_of(&sheet(&bytes, SHEET_BASIC), "单位类型"),
        Data::Empty
    );
}

#[test]
fn inputs_sheet_has_the_header_and_one_row_per_input_grouped() {
    let range = sheet(&generate(), SHEET_INPUTS);
    let (header_row, cells) = header(&range, &["项目", "填报值"]);
    assert_eq!(header_row, HEADER_ROW);
    assert_eq!(
        cells[..6],
        ["类别", "代码", "项目", "计量单位", "填报值", "填写说明"]
    );
    assert!(cells[6..].iter().all(String::is_empty));

    let keys: Vec<String> = keyed_rows(&range, header_row, 1)
        .into_iter()
        .map(|(_, k)| k)
        .collect();
    assert_eq!(
        keys,
        [
            "staff",
            "has_budget",
            "budget",
            "room_area",
            "air_conditioner",
            "scanners",
            "digitised",
            "odd"
        ]
    );
    let checklist = checklist_from(CHECKLIST);
    for (row, key) in keyed_rows(&range, header_row, 1) {
        let input = checklist.input(&key).expect("known key");
        assert_eq!(text(&range, row, 0), input.group.label_zh());
        assert_eq!(text(&range, row, 2), input.label);
        assert_eq!(
            cell(&range, row, 4),
            Data::Empty,
            "{key} 填报值 starts empty"
        );
    }
    let digitised = keyed_rows(&range, header_row, 1)
        .into_iter()
        .find(|(_, k)| k == "digitised")
        .unwrap()
        .0;
    assert!(text(&range, digitised, 5).contains("填 0–100 的数，如 85 表示 85%"));
    let staff = header_row + 1;
    assert_eq!(text(&range, staff, 5), "专门从事档案工作的人员");
    assert_eq!(text(&range, staff, 3), "人");
}

#[test]
fn scores_sheet_has_the_header_and_one_row_per_item() {
    let range = sheet(&generate(), SHEET_SCORES);
    let (header_row, cells) = header(&range, &["条目编号", "自评分"]);
    assert_eq!(header_row, HEADER_ROW);
    assert_eq!(
        cells[..7],
        [
            "条目编号",
            "类别",
            "考核内容",
            "分值",
            "评分方式",
            "自评分",
            "情况说明"
        ]
    );

    let items = keyed_rows(&range, header_row, 0);
    let codes: Vec<&str> = items.iter().map(|(_, c)| c.as_str()).collect();
    assert_eq!(codes, ["A1", "A2", "A3", "A4", "B1", "B2", "B3"]);

    let checklist = checklist_from(CHECKLIST);
    for (row, code) in &items {
        let item = checklist.item(code).unwrap();
        assert_eq!(text(&range, *row, 2), item.title);
        assert_eq!(cell(&range, *row, 3), Data::Float(item.max.as_f64()));
        let score = text(&range, *row, 5);
        match item.rule {
            Rule::SelfScored { .. } => assert_eq!(score, "", "{code}"),
            _ => assert_eq!(score, "自动计分", "{code}"),
        }
    }
    // A heading row with an empty 条目编号 stands before each category.
    assert_eq!(text(&range, header_row + 1, 0), "");
    assert_eq!(text(&range, header_row + 1, 1), "一、组织领导（10分）");
    let b1 = items.iter().find(|(_, c)| c == "B1").unwrap().0;
    assert_eq!(text(&range, b1 - 1, 1), "二、设施设备（10分）");
}

#[test]
fn scoring_methods_describe_each_rule() {
    let range = sheet(&generate(), SHEET_SCORES);
    let method = |code: &str| {
        let row = keyed_rows(&range, HEADER_ROW, 0)
            .into_iter()
            .find(|(_, c)| c == code)
            .unwrap()
            .0;
        text(&range, row, 4)
    };
    assert_eq!(method("A1"), "自评（步长 0.5）");
    assert_eq!(method("A2"), "自评（步长 0.5）；可填“不适用”");
    assert_eq!(method("A3"), "自评（达标得满分，否则 0 分）");
    assert_eq!(method("A4"), "“档案经费列入预算”为“是”得满分");
    assert_eq!(
        method("B1"),
        "按“档案室面积”：≥40平方米 得4分；≥20平方米 得2分；≥10平方米 得1分"
    );
    assert_eq!(method("B2"), "每具备一项得 1 分（空调、扫描仪），最高 2 分");
    assert_eq!(
        method("B3"),
        "按“存量档案数字化率”折算：达到 80% 得满分，按比例计分、向下取 0.5 分"
    );
}

#[test]
fn score_cells_carry_validations() {
    let bytes = generate();
    let range = sheet(&bytes, SHEET_SCORES);
    let row_of = |code: &str| {
        keyed_rows(&range, HEADER_ROW, 0)
            .into_iter()
            .find(|(_, c)| c == code)
            .unwrap()
            .0
            + 1
    };
    let xml = part(&bytes, "xl/worksheets/sheet3.xml");
    assert!(xml.contains("<dataValidation"));
    let a1 = row_of("A1");
    assert!(
        xml.contains(&format!(
            "<formula1>IF(ISNUMBER(F{a1}),AND(F{a1}>=0,F{a1}<=4,MOD(ROUND(F{a1}*100,6),50)=0),FALSE)</formula1>"
        )),
        "{xml}"
    );
    let a2 = row_of("A2");
    assert!(xml.contains(&format!(
        "MOD(ROUND(F{a2}*100,6),50)=0),F{a2}=\"不适用\")</formula1>"
    )));
    let a3 = row_of("A3");
    assert!(xml.contains(&format!("F{a3}<=2,MOD(ROUND(F{a3}*100,6),200)=0)")));
    // Rule items get no validation: only the three self items do.
    assert_eq!(xml.matches("<dataValidation ").count(), 3);
    assert!(xml.contains("<sheetProtection"));
    assert!(!xml.contains("<f>"), "no formulas in cells");

    let inputs = part(&bytes, "xl/worksheets/sheet2.xml");
    assert!(inputs.contains("<formula1>\"是,否\"</formula1>"));
    assert!(inputs.contains("<sheetProtection"));
    assert!(!inputs.contains("<f>"));

    let basic = part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(basic.contains("<formula1>\"社区,机关\"</formula1>"));
    assert!(basic.contains("<formula1>\"市级规范化档案室,省级示范档案室,不申报\"</formula1>"));
    assert!(basic.contains("<sheetProtection"));
}

#[test]
fn text_that_looks_like_a_formula_stays_text() {
    let bytes = generate();
    let range = sheet(&bytes, SHEET_INPUTS);
    let row = keyed_rows(&range, HEADER_ROW, 1)
        .into_iter()
        .find(|(_, k)| k == "odd")
        .unwrap()
        .0;
    assert_eq!(cell(&range, row, 2), Data::String("=1+1 看似公式".into()));
    assert!(part(&bytes, "xl/styles.xml").contains("quotePrefix=\"1\""));
}

#[test]
fn same_input_gives_the_same_bytes() {
    assert_eq!(generate(), generate());
}

#[test]
fn long_drop_down_lists_move_to_a_hidden_sheet() {
    let kinds: Vec<String> = (1..=30).map(|i| format!("\"第{i}类企事业单位\"")).collect();
    let many = CHECKLIST.replace(
        r#"unit_kinds = ["社区", "机关"]"#,
        &format!("unit_kinds = [{}]", kinds.join(", ")),
    );
    let bytes = self_check_template(&checklist_from(&many), &Prefill::default()).expect("template");
    let workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.clone())).expect("opens");
    assert_eq!(
        workbook.sheet_names(),
        ["基本情况", "人财物投入", "自查评分", "下拉选项"]
    );
    let basic = part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        basic.contains("<formula1>'下拉选项'!$A$1:$A$30</formula1>"),
        "{basic}"
    );
    assert_eq!(text(&sheet(&bytes, SHEET_LISTS), 29, 0), "第30类企事业单位");
}

/// The project's own checklists (those that validate) give readable templates.
#[test]
fn real_checklists_produce_templates() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("checklists");
    let Ok(ids) = std::fs::read_dir(&dir) else {
        return;
    };
    for file in ids
        .flatten()
        .flat_map(|id| std::fs::read_dir(id.path()).into_iter().flatten().flatten())
    {
        let path = file.path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        // Validating checklists is another module's test; skip what does not parse.
        let Ok(raw) = toml::from_str::<RawChecklist>(&text) else {
            continue;
        };
        let Ok(checklist) = Checklist::from_raw(raw) else {
            continue;
        };
        let bytes = self_check_template(&checklist, &Prefill::default())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let range = sheet(&bytes, SHEET_SCORES);
        let (header_row, _) = header(&range, &["条目编号", "自评分"]);
        // One row per item, in checklist order; a second-edition sheet
        // also has heading rows (category and group codes) and a row per
        // deduction (`C2.1`), and nothing else.
        let codes: Vec<String> = keyed_rows(&range, header_row, 0)
            .into_iter()
            .map(|(_, code)| code)
            .collect();
        let items: Vec<&String> = codes
            .iter()
            .filter(|c| checklist.item(c).is_some())
            .collect();
        let expected: Vec<&String> = checklist.items.iter().map(|i| &i.code).collect();
        assert_eq!(items, expected, "{}", path.display());
        let deduction_rows: usize = checklist.items.iter().map(|i| i.deductions().len()).sum();
        let headings = codes
            .iter()
            .filter(|c| checklist.category(c).is_some() || checklist.group(c).is_some())
            .count();
        assert_eq!(
            codes.len(),
            items.len() + deduction_rows + headings,
            "{}",
            path.display()
        );
        let range = sheet(&bytes, SHEET_INPUTS);
        let (header_row, _) = header(&range, &["项目", "填报值"]);
        assert_eq!(
            keyed_rows(&range, header_row, 1).len(),
            checklist.inputs.len(),
            "{}",
            path.display()
        );
        assert_eq!(
            value_of(&sheet(&bytes, SHEET_BASIC), "考核细则"),
            Data::String(checklist.reference())
        );
    }
}
