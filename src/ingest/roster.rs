//! The unit roster (名册): a workbook with one unit per row under a header
//! holding 单位代码, 单位名称, 单位类型 and optionally 所属街道, 联系人, 联系电话.
//! The first sheet that has such a header is read.

use crate::domain::text::fold_label;

use super::self_check::Problem;
use super::values::text_of;
use super::workbook::{CellValue, Limits, cell_ref, read_workbook};

/// One unit as the roster lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterEntry {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub street: Option<String>,
    pub contact_person: Option<String>,
    pub contact_phone: Option<String>,
}

const REQUIRED: [&str; 3] = ["单位代码", "单位名称", "单位类型"];
const OPTIONAL: [&str; 3] = ["所属街道", "联系人", "联系电话"];

/// Reads a roster; every problem is reported with its cell.
pub fn read_roster(
    bytes: &[u8],
    known_kinds: &[String],
    limits: &Limits,
) -> Result<Vec<RosterEntry>, Vec<Problem>> {
    let book = read_workbook(bytes, &|_| true, limits)
        .map_err(|e| vec![Problem::from_workbook_error(&e)])?;
    for sheet in &book.sheets {
        let mut header = None;
        for (row, cells) in sheet.rows() {
            let mut columns = std::collections::BTreeMap::new();
            for (col, cell) in cells {
                if let CellValue::Text(t) = cell {
                    let folded = fold_label(t);
                    if let Some(name) = REQUIRED.iter().chain(&OPTIONAL).find(|n| **n == folded) {
                        columns.entry(*name).or_insert(*col);
                    }
                }
            }
            if REQUIRED.iter().all(|n| columns.contains_key(n)) {
                header = Some((row, columns));
                break;
            }
        }
        let Some((header_row, columns)) = header else {
            continue;
        };
        let mut problems = Vec::new();
        let mut entries: Vec<RosterEntry> = Vec::new();
        let at = |row: u32, col: u32| Some(format!("{}!{}", sheet.name, cell_ref(row, col)));
        for (row, _) in sheet.rows().filter(|(r, _)| *r > header_row) {
            let get = |name: &str| columns.get(name).and_then(|c| text_of(sheet.get(row, *c)));
            let (code, name, kind) = (get("单位代码"), get("单位名称"), get("单位类型"));
            if code.is_none() && name.is_none() && kind.is_none() {
                continue;
            }
            let mut missing = |label: &str, value: &Option<String>| {
                if value.is_none() {
                    problems.push(Problem {
                        sheet: Some(sheet.name.clone()),
                        cell: at(row, columns[label]),
                        message: format!("“{label}”未填写"),
                    });
                }
            };
            missing("单位代码", &code);
            missing("单位名称", &name);
            missing("单位类型", &kind);
            let (Some(code), Some(name), Some(kind)) = (code, name, kind) else {
                continue;
            };
            let kind = fold_label(&kind);
            if !known_kinds.is_empty() && !known_kinds.contains(&kind) {
                problems.push(Problem {
                    sheet: Some(sheet.name.clone()),
                    cell: at(row, columns["单位类型"]),
                    message: format!(
                        "单位类型“{kind}”不在考核细则的适用范围内（{}）",
                        known_kinds.join("、")
                    ),
                });
                continue;
            }
            if let Some(first) = entries.iter().position(|e| e.code == code) {
                problems.push(Problem {
                    sheet: Some(sheet.name.clone()),
                    cell: at(row, columns["单位代码"]),
                    message: format!("单位代码 {code} 重复（第 {} 个单位已用）", first + 1),
                });
                continue;
            }
            entries.push(RosterEntry {
                code,
                name,
                kind,
                street: get("所属街道"),
                contact_person: get("联系人"),
                contact_phone: get("联系电话"),
            });
        }
        return if problems.is_empty() {
            Ok(entries)
        } else {
            Err(super::self_check::capped(problems))
        };
    }
    Err(vec![Problem {
        sheet: None,
        cell: None,
        message: "找不到名册表头：需要一行同时含“单位代码”“单位名称”“单位类型”".into(),
    }])
}
