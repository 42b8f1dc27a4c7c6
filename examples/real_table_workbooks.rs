//! Writes the filled example workbooks of the checklists transcribed from
//! published tables into `tests/fixtures/real-tables/` (or DIR):
//!
//! ```text
//! cargo run --example real_table_workbooks [-- DIR]
//! ```
//!
//! The sheets are laid out by hand after the contract's sections 2 and 2.1
//! (基本情况, 人财物投入, 自查评分 with a 检查分 column, group heading rows,
//! deduction rows `B5.1`…, level names and choice options as text), not by
//! the project's template writer. The answers are those of the pure tests in
//! `tests/real_tables.rs`, which score these files and expect the results
//! worked out there by hand.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use nianjian::domain::checklist::{Checklist, Rule};
use nianjian::ingest::checklists::Catalog;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

/// A cell value as a unit would type it.
#[derive(Clone, Copy)]
enum Cell {
    Num(f64),
    Text(&'static str),
}

use Cell::{Num, Text};

/// One filled workbook.
struct Filled {
    file: &'static str,
    reference: &'static str,
    basic: [(&'static str, Cell); 7],
    /// 填报值 by input key.
    inputs: &'static [(&'static str, Cell)],
    /// 自评分 by item code (and by deduction row code, `B5.1`).
    unit: &'static [(&'static str, Cell)],
    /// 检查分 by item code.
    inspector: &'static [(&'static str, Cell)],
}

const YES: Cell = Text("是");
const NO: Cell = Text("否");

const FILLED: [Filled; 3] = [
    Filled {
        file: "shaoyang-unit.xlsx",
        reference: "shaoyang-unit@v1",
        basic: [
            ("单位名称", Text("示例市档案工作示范机关")),
            ("单位代码", Text("430500001")),
            ("单位类型", Text("机关")),
            ("年度", Num(2025.0)),
            ("考核细则", Text("shaoyang-unit@v1")),
            ("填报人", Text("李明")),
            ("联系电话", Text("0739-0000000")),
        ],
        inputs: &[
            ("computer", Num(2.0)),
            ("copier", YES),
            ("camera", YES),
            ("disc_burner", NO),
            ("scanner", Num(1.0)),
            ("magnetic_shield_cabinet", NO),
            ("disinfection_cabinet", YES),
            ("removable_drive", YES),
            ("air_conditioner", YES),
            ("dehumidifier", YES),
            ("climate_controller", NO),
            ("iron_doors_windows", YES),
            ("steel_cabinets", YES),
            ("blackout_curtains", YES),
            ("pest_control", NO),
            ("trained_staff", Num(2.0)),
            ("annual_registration", NO),
            ("use_cases", Num(3.0)),
            ("filing_note_sent", YES),
            ("family_archive_percent", Num(35.0)),
            ("family_register_sent", YES),
        ],
        unit: &[
            ("B5.1", Num(0.0)),
            ("B5.2", YES),
            ("B5.3", Text("否")),
            ("B5.4", Num(0.0)),
            ("B5.5", Num(1.0)),
            ("B6", Num(8.5)),
            ("B7", Num(5.0)),
            ("B8", Num(5.0)),
            ("B9", Num(2.0)),
            ("C10", Num(5.0)),
            ("D14", Num(2.0)),
        ],
        inspector: &[("B4", Num(20.0))],
    },
    Filled {
        file: "yanbian-community.xlsx",
        reference: "yanbian-community@v1",
        basic: [
            ("单位名称", Text("示例社区居民委员会")),
            ("单位代码", Text("510422001")),
            ("单位类型", Text("社区")),
            ("年度", Num(2025.0)),
            ("考核细则", Text("yanbian-community@v1")),
            ("所属街道", Text("示例镇")),
            ("申报等级", Text("社区档案工作规范化管理验收")),
        ],
        inputs: &[
            ("archivist_role", Text("其他人员")),
            ("county_training", YES),
        ],
        unit: &[("A2", Text("范围不全（扣2分）")), ("A3.1", Num(2.0))],
        inspector: &[("A4", Num(4.5))],
    },
    Filled {
        file: "jiangsu-5a-digital.xlsx",
        reference: "jiangsu-5a-digital@v1",
        basic: [
            ("单位名称", Text("示例县档案馆")),
            ("单位代码", Text("320000001")),
            ("单位类型", Text("档案馆")),
            ("年度", Num(2025.0)),
            ("考核细则", Text("jiangsu-5a-digital@v1")),
            ("填报人", Text("王芳")),
            ("填报日期", Text("2025-12-01")),
        ],
        inputs: &[
            ("da_leading_group", YES),
            ("da_leader_in_charge", YES),
            ("da_in_it_plan", YES),
            ("da_build_plan", NO),
            ("da_tasks_issued", YES),
            ("da_annual_plan", YES),
            ("da_unit_set_up", YES),
            ("da_unit_duties", NO),
            ("da_extra_posts", YES),
            ("da_staff_duties", YES),
            ("da_degree_percent", Num(60.0)),
        ],
        unit: &[
            ("A5a", Text("1人")),
            ("A6.1", YES),
            ("A6.2", Text("无")),
            ("A6.3", NO),
            ("A6.4", Num(1.0)),
            ("A6.5", Num(0.0)),
            ("A6.6", Num(0.0)),
        ],
        inspector: &[],
    },
];

fn write(
    sheet: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    col: u16,
    cell: Cell,
) -> Result<(), XlsxError> {
    match cell {
        Num(n) => sheet.write_number(row, col, n)?,
        Text(t) => sheet.write_string(row, col, t)?,
    };
    Ok(())
}

fn workbook(filled: &Filled, checklist: &Checklist, path: &Path) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let inputs: BTreeMap<_, _> = filled.inputs.iter().copied().collect();
    let unit: BTreeMap<_, _> = filled.unit.iter().copied().collect();
    let inspector: BTreeMap<_, _> = filled.inspector.iter().copied().collect();
    let mut book = Workbook::new();
    // A fixed creation date, so that writing the files again changes nothing.
    let created = ExcelDateTime::from_ymd(2025, 12, 1)?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));

    // 基本情况: label, value to its right.
    let basic = book.add_worksheet().set_name("基本情况")?;
    basic.write_string_with_format(0, 0, &checklist.title, &bold)?;
    for (n, (label, value)) in filled.basic.iter().enumerate() {
        let row = 2 + n as u32;
        basic.write_string(row, 0, *label)?;
        write(basic, row, 1, *value)?;
    }

    // 人财物投入: a title row, then 代码 / 项目 / 填报值 / 单位.
    let sheet = book.add_worksheet().set_name("人财物投入")?;
    sheet.write_string_with_format(0, 0, "人财物投入", &bold)?;
    for (col, header) in ["代码", "项目", "填报值", "单位"].iter().enumerate() {
        sheet.write_string_with_format(1, col as u16, *header, &bold)?;
    }
    for (n, input) in checklist.inputs.iter().enumerate() {
        let row = 2 + n as u32;
        sheet.write_string(row, 0, &input.key)?;
        sheet.write_string(row, 1, &input.label)?;
        let value = inputs
            .get(input.key.as_str())
            .unwrap_or_else(|| panic!("{}: no value for {}", filled.file, input.key));
        write(sheet, row, 2, *value)?;
        if let Some(unit) = &input.unit {
            sheet.write_string(row, 3, unit)?;
        }
    }

    // 自查评分: category and group heading rows, an item row each, and for a
    // deduct item a row per deduction (C2.1, C2.2, …) holding the count.
    let sheet = book.add_worksheet().set_name("自查评分")?;
    sheet.write_string_with_format(0, 0, "自查评分", &bold)?;
    let headers = [
        "条目编号",
        "考核内容",
        "分值",
        "自评分",
        "检查分",
        "情况说明",
    ];
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(1, col as u16, *header, &bold)?;
    }
    let mut row = 2;
    for category in &checklist.categories {
        sheet.write_string_with_format(row, 0, &category.code, &bold)?;
        sheet.write_string_with_format(row, 1, &category.name, &bold)?;
        row += 1;
        let mut group = None;
        for item in checklist
            .items
            .iter()
            .filter(|i| i.category == category.code)
        {
            if item.group.is_some() && item.group != group {
                let g = checklist
                    .groups
                    .iter()
                    .find(|g| Some(&g.code) == item.group.as_ref())
                    .expect("the item's group");
                sheet.write_string(row, 0, &g.code)?;
                sheet.write_string(row, 1, &g.title)?;
                if let Some(max) = g.max {
                    sheet.write_number(row, 2, max.as_f64())?;
                }
                row += 1;
            }
            group = item.group.clone();
            sheet.write_string(row, 0, &item.code)?;
            sheet.write_string(row, 1, &item.title)?;
            sheet.write_number(row, 2, item.max.as_f64())?;
            let column = if item.by_inspector() { 4 } else { 3 };
            let answers = if item.by_inspector() {
                &inspector
            } else {
                &unit
            };
            if let Some(value) = answers.get(item.code.as_str()) {
                write(sheet, row, column, *value)?;
            }
            if item.by_inspector() {
                sheet.write_string(row, 5, "由检查组评定")?;
            }
            row += 1;
            if let Rule::Deduct { deductions } = &item.rule {
                for (n, deduction) in deductions.iter().enumerate() {
                    let code = format!("{}.{}", item.code, n + 1);
                    sheet.write_string(row, 0, &code)?;
                    sheet.write_string(row, 1, &deduction.text)?;
                    sheet.write_string(row, 2, format!("每处扣{}分", deduction.points))?;
                    let value = answers
                        .get(code.as_str())
                        .unwrap_or_else(|| panic!("{}: no count for {code}", filled.file));
                    write(sheet, row, column, *value)?;
                    row += 1;
                }
            }
        }
    }
    book.save(path)
}

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("tests/fixtures/real-tables"));
    let catalog = match Catalog::load_dir(&root.join("checklists")) {
        Ok(catalog) => catalog,
        Err(problems) => {
            eprintln!("checklists: {problems:?}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("{}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    for filled in &FILLED {
        let Some(checklist) = catalog.get(filled.reference) else {
            eprintln!("{} is not shipped", filled.reference);
            return ExitCode::FAILURE;
        };
        let path = dir.join(filled.file);
        if let Err(e) = workbook(filled, checklist, &path) {
            eprintln!("{}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("{}", path.display());
    }
    ExitCode::SUCCESS
}
