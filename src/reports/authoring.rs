//! The authoring workbook (考核细则编制表): a checklist as sheets that bureau
//! archivists edit in Excel or WPS, read back by `ingest::authoring`.
//!
//! ```text
//! 填写说明    A 工作表 | B 栏目 | C 说明          (how to fill in every column)
//! 基本信息    A 项目 | B 内容 | C 说明            (one row per top-level key)
//! 投入项      A 代码 | B 名称 | C 计量单位 | D 类型 | E 人财物 | F 选项 | G 填写说明
//! 类别        A 编号 | B 名称 | C 权重（%）
//! 分组        A 编号 | B 所属类别 | C 标题 | D 封顶分
//! 细则        A 编号 | B 类别 | C 分组 | D 考核内容 | E 性质 | F 分值 | G 评分方式 | …
//! 扣分与档次  A 条目编号 | B 类型 | C 内容 | D 分值 | E 只扣一次
//! 否决项      A 投入项 | B 条件 | C 否决原因
//! 等级        A 编号 | B 名称 | C 最低总分 | D 须得满分的条目 | …
//! 评定        A 名称 | B 最低总分 | C 附加条件
//! ```
//!
//! Every table has its header in row 1 (frozen) and the columns of
//! `domain::authoring`; drop-downs offer the words the reader accepts and
//! the codes of the other sheets.

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, Format, FormatBorder, Formula, Workbook, Worksheet,
    XlsxError,
};

use super::ReportError;
use super::district_xlsx::properties;
use crate::domain::authoring::{self as words, *};
use crate::domain::checklist::{Assessor, ItemKind, RawChecklist, RawItem, RawNumber};

/// Columns that hold numbers (every other column is formatted as text).
const NUMERIC: [&str; 9] = [
    G_MAX,
    T_MAX,
    T_EACH,
    T_STEP,
    T_FULL_AT,
    D_POINTS,
    C_WEIGHT,
    R_MIN_TOTAL,
    R_FLOOR,
];

/// Rows a drop-down covers below the header: far more than any checklist.
const LAST_ROW: u32 = 2000;

/// `考核细则编制表-community@2013.xlsx`.
pub fn file_name(raw: &RawChecklist) -> String {
    format!("考核细则编制表-{}@{}.xlsx", raw.id, raw.version)
}

/// Writes the authoring workbook of `raw`. The same checklist always gives
/// the same bytes.
pub fn write_authoring(raw: &RawChecklist) -> Result<Vec<u8>, ReportError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&properties(&raw.title, "考核细则编制表")?);
    let f = Formats::new();

    workbook.push_worksheet(help_sheet(&f)?);
    workbook.push_worksheet(basics_sheet(raw, &f)?);
    let mut s = Table::new(&INPUTS, &f)?;
    for i in &raw.inputs {
        s.text(I_KEY, &i.key)?;
        s.text(I_LABEL, &i.label)?;
        s.opt(I_UNIT, i.unit.as_deref())?;
        s.text(I_TYPE, input_type_word(i.kind))?;
        s.text(I_GROUP, i.group.label_zh())?;
        s.text(
            I_OPTIONS,
            &join_list(i.options.as_deref().unwrap_or_default()),
        )?;
        s.opt(I_NOTE, i.note.as_deref())?;
        s.next();
    }
    let types: Vec<&str> = INPUT_TYPES.iter().map(|t| input_type_word(*t)).collect();
    s.list(I_TYPE, &types)?;
    let groups: Vec<&str> = INPUT_GROUPS.iter().map(|g| g.label_zh()).collect();
    s.list(I_GROUP, &groups)?;
    workbook.push_worksheet(s.done());

    let mut s = Table::new(&CATEGORIES, &f)?;
    for c in &raw.categories {
        s.text(C_CODE, &c.code)?;
        s.text(C_NAME, &c.name)?;
        s.number(C_WEIGHT, c.weight)?;
        s.next();
    }
    workbook.push_worksheet(s.done());

    let mut s = Table::new(&GROUPS, &f)?;
    for g in &raw.groups {
        s.text(G_CODE, &g.code)?;
        s.text(G_CATEGORY, &g.category)?;
        s.text(G_TITLE, &g.title)?;
        s.number(G_MAX, g.max)?;
        s.next();
    }
    s.codes(G_CATEGORY, SHEET_CATEGORIES)?;
    workbook.push_worksheet(s.done());

    workbook.push_worksheet(items_sheet(raw, &f)?);
    workbook.push_worksheet(details_sheet(raw, &f)?);

    let mut s = Table::new(&VETOES, &f)?;
    for v in &raw.vetoes {
        s.opt(V_INPUT, v.input.as_deref())?;
        s.opt(V_WHEN, v.when.as_deref())?;
        s.text(V_REASON, &v.reason)?;
        s.next();
    }
    s.codes(V_INPUT, SHEET_INPUTS)?;
    workbook.push_worksheet(s.done());

    let mut s = Table::new(&TIERS, &f)?;
    for t in &raw.tiers {
        s.text(R_CODE, &t.code)?;
        s.text(R_NAME, &t.name)?;
        s.number(R_MIN_TOTAL, Some(t.min_total))?;
        s.text(R_REQUIRED_ITEMS, &join_list(&t.required_items))?;
        s.number(R_FLOOR, t.category_floor)?;
        s.text(R_MIN_INPUTS, &min_inputs_text(&t.min_inputs))?;
        s.opt(R_REQUIRES, t.requires.as_deref())?;
        s.next();
    }
    workbook.push_worksheet(s.done());

    let mut s = Table::new(&GRADES, &f)?;
    for g in &raw.grades {
        s.text(R_NAME, &g.name)?;
        s.number(R_MIN_TOTAL, Some(g.min_total))?;
        s.opt(R_REQUIRES, g.requires.as_deref())?;
        s.next();
    }
    workbook.push_worksheet(s.done());

    Ok(workbook.save_to_buffer()?)
}

fn items_sheet(raw: &RawChecklist, f: &Formats) -> Result<Worksheet, XlsxError> {
    let mut s = Table::new(&ITEMS, f)?;
    for item in &raw.items {
        item_row(&mut s, item)?;
        s.next();
    }
    s.codes(T_CATEGORY, SHEET_CATEGORIES)?;
    s.codes(T_GROUP, SHEET_GROUPS)?;
    let kinds: Vec<&str> = ITEM_KINDS.iter().map(|k| k.label_zh()).collect();
    s.list(T_KIND, &kinds)?;
    let rules: Vec<&str> = RULE_KINDS.iter().map(|r| r.label_zh()).collect();
    s.list(T_RULE, &rules)?;
    s.list(T_OPTIONAL, &[YES, NO])?;
    let assessors = [
        assessor_word(Assessor::Unit),
        assessor_word(Assessor::Inspector),
    ];
    s.list(T_ASSESSED_BY, &assessors)?;
    Ok(s.done())
}

fn item_row(s: &mut Table<'_>, item: &RawItem) -> Result<(), XlsxError> {
    s.text(T_CODE, &item.code)?;
    s.opt(T_CATEGORY, item.category.as_deref())?;
    s.opt(T_GROUP, item.group.as_deref())?;
    s.text(T_TITLE, &item.title)?;
    if item.kind != ItemKind::Base {
        s.text(T_KIND, item.kind.label_zh())?;
    }
    s.number(T_MAX, Some(item.max))?;
    s.text(T_RULE, item.rule.label_zh())?;
    match (&item.input, &item.inputs) {
        (Some(input), _) => s.text(T_INPUT, input)?,
        (None, Some(inputs)) => s.text(T_INPUT, &join_list(inputs))?,
        (None, None) => {}
    }
    s.number(T_EACH, item.each)?;
    s.number(T_STEP, item.step)?;
    s.number(T_FULL_AT, item.full_at)?;
    s.opt(T_FORMULA, item.formula.as_deref())?;
    if item.optional {
        s.text(T_OPTIONAL, YES)?;
    }
    if item.assessed_by != Assessor::Unit {
        s.text(T_ASSESSED_BY, assessor_word(item.assessed_by))?;
    }
    s.opt(T_REQUIREMENT, item.requirement.as_deref())?;
    s.opt(T_EVIDENCE, item.evidence.as_deref())
}

/// Deductions, levels, bands and choice points of every item, in item order.
fn details_sheet(raw: &RawChecklist, f: &Formats) -> Result<Worksheet, XlsxError> {
    let mut s = Table::new(&DETAILS, f)?;
    for item in &raw.items {
        let row = |s: &mut Table<'_>, kind: DetailKind, points: RawNumber| {
            s.text(D_ITEM, &item.code)?;
            s.text(D_KIND, kind.word())?;
            s.number(D_POINTS, Some(points))
        };
        for d in item.deductions.iter().flatten() {
            row(&mut s, DetailKind::Deduction, d.points)?;
            s.text(D_TEXT, &d.text)?;
            if d.once {
                s.text(D_ONCE, YES)?;
            }
            s.next();
        }
        for (name, points) in item.levels.iter().flatten() {
            row(&mut s, DetailKind::Level, *points)?;
            s.text(D_TEXT, name)?;
            s.next();
        }
        for (threshold, points) in item.bands.iter().flatten() {
            row(&mut s, DetailKind::Band, *points)?;
            s.number(D_TEXT, Some(*threshold))?;
            s.next();
        }
        for (option, points) in item.points.iter().flatten() {
            row(&mut s, DetailKind::ChoicePoints, *points)?;
            s.text(D_TEXT, option)?;
            s.next();
        }
    }
    s.codes(D_ITEM, SHEET_ITEMS)?;
    let kinds: Vec<&str> = DetailKind::ALL.iter().map(|k| k.word()).collect();
    s.list(D_KIND, &kinds)?;
    s.list(D_ONCE, &[YES, NO])?;
    Ok(s.done())
}

fn basics_sheet(raw: &RawChecklist, f: &Formats) -> Result<Worksheet, XlsxError> {
    let mut ws = Worksheet::new();
    ws.set_name(SHEET_BASICS)?;
    for (col, (header, width)) in [(H_LABEL, 18), (H_VALUE, 40), ("说明", 70)]
        .into_iter()
        .enumerate()
    {
        ws.write_string_with_format(0, col as u16, header, &f.header)?;
        ws.set_column_width(col as u16, width)?;
    }
    ws.set_freeze_panes(1, 0)?;
    let number = |n: Option<RawNumber>| n.map(number_f64);
    let values: [(&str, Value); 9] = [
        (B_ID, Value::Text(raw.id.clone())),
        (B_VERSION, Value::Text(raw.version.clone())),
        (B_TITLE, Value::Text(raw.title.clone())),
        (B_UNIT_KINDS, Value::Text(join_list(&raw.unit_kinds))),
        (B_TOTAL, Value::Number(number(Some(raw.total)))),
        (B_DECIMALS, Value::Number(raw.decimals.map(f64::from))),
        (
            B_RECTIFY_DAYS,
            Value::Number(raw.rectify_days.map(f64::from)),
        ),
        (B_BONUS_MAX, Value::Number(number(raw.bonus_max))),
        (
            B_CAP_TOTAL,
            Value::Text(if raw.cap_total { YES } else { NO }.into()),
        ),
    ];
    for (n, (label, value)) in values.into_iter().enumerate() {
        let row = n as u32 + 1;
        ws.write_string_with_format(row, 0, label, &f.label)?;
        match value {
            // Codes are text even when they look like numbers ("2014").
            Value::Text(t) => {
                ws.write_string_with_format(row, 1, t, &f.text)?;
            }
            Value::Number(Some(x)) => {
                ws.write_number(row, 1, x)?;
            }
            Value::Number(None) => {}
        }
        let help = BASICS.columns[n].help;
        ws.write_string_with_format(row, 2, help, &f.wrap)?;
    }
    let yes_no = DataValidation::new().allow_list_strings(&[YES, NO])?;
    ws.add_data_validation(9, 1, 9, 1, &yes_no)?;
    Ok(ws)
}

enum Value {
    Text(String),
    Number(Option<f64>),
}

fn help_sheet(f: &Formats) -> Result<Worksheet, XlsxError> {
    let mut ws = Worksheet::new();
    ws.set_name(SHEET_HELP)?;
    for (col, (header, width)) in [("工作表", 14), ("栏目", 22), ("说明", 90)]
        .into_iter()
        .enumerate()
    {
        ws.write_string_with_format(0, col as u16, header, &f.header)?;
        ws.set_column_width(col as u16, width)?;
    }
    ws.set_freeze_panes(1, 0)?;
    let intro = [
        "本工作簿是一份考核细则的编制表。请按各工作表的栏目填写，不要改动工作表名称和第一行的栏目名称；栏目的先后可以调整。",
        "编好后交给系统管理员导入：nianjian checklist import 本文件.xlsx。导入时会检查全部内容，有问题会逐条列出所在的工作表和单元格（如“细则!F12：应为 0.01 的倍数”），改正后重新导入即可；有问题时不会生成任何文件。",
        "已用于考核的版本不能修改；要修改时请在“基本信息”中改用新的版本号。",
        "列表（多个单位类型、多个条目编号等）用顿号“、”隔开。带下拉箭头的栏目请从下拉中选择。",
    ];
    let mut row = 1;
    for text in intro.iter().chain(&EXPRESSION_HELP) {
        ws.write_string_with_format(row, 2, *text, &f.wrap)?;
        row += 1;
    }
    for sheet in words::SHEETS {
        ws.write_string_with_format(row, 0, sheet.name, &f.label)?;
        ws.write_string_with_format(row, 2, sheet.about, &f.wrap)?;
        row += 1;
        for c in sheet.columns {
            ws.write_string(row, 0, sheet.name)?;
            ws.write_string(row, 1, c.header)?;
            let required = if c.required { "（必填）" } else { "" };
            ws.write_string_with_format(row, 2, format!("{required}{}", c.help), &f.wrap)?;
            row += 1;
        }
    }
    Ok(ws)
}

struct Formats {
    header: Format,
    label: Format,
    text: Format,
    wrap: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color(0xDDEBF7)
                .set_border(FormatBorder::Thin)
                .set_text_wrap(),
            label: Format::new().set_bold(),
            text: Format::new().set_num_format("@"),
            wrap: Format::new().set_text_wrap(),
        }
    }
}

fn number_f64(n: RawNumber) -> f64 {
    match n {
        RawNumber::Int(i) => i as f64,
        RawNumber::Float(x) => x,
    }
}

/// A table sheet being written: header row 1, a row per element after it.
struct Table<'a> {
    ws: Worksheet,
    spec: &'a SheetSpec,
    f: &'a Formats,
    row: u32,
}

impl<'a> Table<'a> {
    fn new(spec: &'a SheetSpec, f: &'a Formats) -> Result<Table<'a>, XlsxError> {
        let mut ws = Worksheet::new();
        ws.set_name(spec.name)?;
        for (n, c) in spec.columns.iter().enumerate() {
            let col = n as u16;
            ws.write_string_with_format(0, col, c.header, &f.header)?;
            ws.set_column_width(col, c.width)?;
            // Text columns stay text when someone types "2014" into them.
            if !NUMERIC.contains(&c.header) {
                ws.set_column_format(col, &f.text)?;
            }
        }
        ws.set_freeze_panes(1, 0)?;
        Ok(Table {
            ws,
            spec,
            f,
            row: 1,
        })
    }

    fn next(&mut self) {
        self.row += 1;
    }

    fn text(&mut self, header: &str, text: &str) -> Result<(), XlsxError> {
        if !text.is_empty() {
            let col = self.spec.position(header);
            self.ws
                .write_string_with_format(self.row, col, text, &self.f.text)?;
        }
        Ok(())
    }

    fn opt(&mut self, header: &str, text: Option<&str>) -> Result<(), XlsxError> {
        self.text(header, text.unwrap_or_default())
    }

    fn number(&mut self, header: &str, n: Option<RawNumber>) -> Result<(), XlsxError> {
        if let Some(n) = n {
            let col = self.spec.position(header);
            self.ws.write_number(self.row, col, number_f64(n))?;
        }
        Ok(())
    }

    /// A drop-down of fixed words on a column.
    fn list(&mut self, header: &str, words: &[&str]) -> Result<(), XlsxError> {
        let v = DataValidation::new()
            .allow_list_strings(words)?
            .set_error_title("请从下拉中选择")?
            .set_error_message(format!("可填：{}", words.join("、")))?;
        self.validate(header, &v)
    }

    /// A drop-down of the codes in column A of another sheet; a warning
    /// only, since a code may be added there after this one is typed.
    fn codes(&mut self, header: &str, sheet: &str) -> Result<(), XlsxError> {
        let range = format!("='{sheet}'!$A$2:$A${}", LAST_ROW + 1);
        let v = DataValidation::new()
            .allow_list_formula(Formula::new(range))
            .set_error_style(DataValidationErrorStyle::Warning)
            .set_error_message(format!("应为“{sheet}”中已有的编号"))?;
        self.validate(header, &v)
    }

    fn validate(&mut self, header: &str, v: &DataValidation) -> Result<(), XlsxError> {
        let col = self.spec.position(header);
        self.ws.add_data_validation(1, col, LAST_ROW, col, v)?;
        Ok(())
    }

    fn done(self) -> Worksheet {
        self.ws
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use super::*;

    const MINIMAL: &str = r#"
id = "mini"
version = "1"
title = "最小细则"
unit_kinds = ["社区"]
total = 4

[[categories]]
code = "A"
name = "组织"

[[items]]
code = "A1"
category = "A"
title = "分管领导"
max = 4
rule = "self"
"#;

    /// The XML of the workbook's `n`th sheet (rust_xlsxwriter's numbering).
    fn sheet_xml(bytes: &[u8], n: usize) -> String {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut part = zip.by_name(&format!("xl/worksheets/sheet{n}.xml")).unwrap();
        let mut xml = String::new();
        part.read_to_string(&mut xml).unwrap();
        xml
    }

    #[test]
    fn headers_are_frozen_and_columns_offer_their_words() {
        let raw: RawChecklist = toml::from_str(MINIMAL).unwrap();
        let bytes = write_authoring(&raw).unwrap();
        // Sheets in order: 填写说明, 基本信息, 投入项, 类别, 分组, 细则, 扣分与档次 …
        let items = sheet_xml(&bytes, 6);
        assert!(items.contains(r#"state="frozen""#), "{items}");
        let cases = [
            // 评分方式 (G): the rule words.
            (
                "G2:G2001",
                "\"自评,是否,分档,每项计分,按比例,扣分,分级,选项,公式\"",
            ),
            // 类别 (B) and 分组 (C): the codes on their sheets.
            ("B2:B2001", "'类别'!$A$2:$A$2001"),
            ("C2:C2001", "'分组'!$A$2:$A$2001"),
            ("E2:E2001", "\"基本项,加分项,扣分项\""),
        ];
        for (range, list) in cases {
            let at = items
                .find(&format!(r#"sqref="{range}""#))
                .unwrap_or_else(|| panic!("no validation on {range}"));
            let end = at + items[at..].find("</dataValidation>").unwrap();
            assert!(
                items[at..end].contains(list),
                "{range}: {}",
                &items[at..end]
            );
        }
        let inputs = sheet_xml(&bytes, 3);
        assert!(
            inputs.contains("\"整数,数值,百分比,是否,选项\""),
            "{inputs}"
        );
        let details = sheet_xml(&bytes, 7);
        assert!(details.contains("'细则'!$A$2:$A$2001"), "{details}");
        assert_eq!(file_name(&raw), "考核细则编制表-mini@1.xlsx");
    }

    #[test]
    fn the_same_checklist_gives_the_same_bytes() {
        let raw: RawChecklist = toml::from_str(MINIMAL).unwrap();
        assert_eq!(
            write_authoring(&raw).unwrap(),
            write_authoring(&raw).unwrap()
        );
    }
}
