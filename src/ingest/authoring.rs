//! The authoring workbook (考核细则编制表) → a checklist file: the sheets
//! `reports::authoring` writes, as edited in Excel, WPS or LibreOffice, read
//! through the project's bounded workbook reader, turned into a
//! [`RawChecklist`], validated by the domain, and printed as TOML.
//!
//! Every problem is reported at once with its sheet and cell. The reader's
//! own problems (a word it does not know, text where a number belongs)
//! carry their cell directly; the domain's validation names a key path
//! (`items[B1].max`), which is mapped back to the cell the value came from
//! through the map kept while reading (`cells.rs`).

mod basics;
mod cells;
mod file;
mod sheets;

use std::fmt;

use serde::Serialize;

use crate::domain::authoring::SHEETS;
use crate::domain::checklist::{Checklist, RawChecklist};
use crate::domain::text::fold_label;

use super::checklists::{LoadedChecklist, parse_file};
use super::workbook::{self, Limits};
use cells::Reader;
pub use file::to_toml;

/// A workbook read into a valid checklist.
#[derive(Clone, Debug)]
pub struct Authored {
    pub loaded: LoadedChecklist,
    pub raw: RawChecklist,
    /// The checklist file to write at `<id>/<version>.toml`.
    pub toml: String,
}

/// One problem of the workbook, at a cell ("细则!F12") where there is one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuthoringProblem {
    /// The sheet, or empty when the file itself is at fault.
    pub sheet: String,
    /// `细则!F12`, or empty for a missing sheet, column or label.
    pub cell: String,
    pub message: String,
}

impl AuthoringProblem {
    /// As a workbook problem, the shape every upload answer lists.
    pub fn into_problem(self) -> super::self_check::Problem {
        let some = |s: String| (!s.is_empty()).then_some(s);
        super::self_check::Problem {
            sheet: some(self.sheet),
            cell: some(self.cell),
            message: self.message,
        }
    }
}

impl fmt::Display for AuthoringProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.cell.is_empty() {
            write!(f, "{}：{}", self.cell, self.message)
        } else if !self.sheet.is_empty() {
            write!(f, "{}：{}", self.sheet, self.message)
        } else {
            f.write_str(&self.message)
        }
    }
}

/// Problems listed at most; the rest are counted in one last problem.
pub const MAX_PROBLEMS: usize = 200;

/// Reads an authoring workbook (.xlsx, .xlsm, .xls, .ods) into a validated
/// checklist and its TOML text, or every problem found.
pub fn read_authoring(
    file_name: &str,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Authored, Vec<AuthoringProblem>> {
    let wanted = |name: &str| {
        let folded = fold_label(name);
        SHEETS.iter().any(|s| fold_label(s.name) == folded)
    };
    let book = workbook::read_workbook(bytes, &wanted, limits).map_err(|e| {
        vec![match e.location() {
            Some((sheet, cell, message)) => AuthoringProblem {
                sheet,
                cell,
                message,
            },
            None => AuthoringProblem {
                sheet: String::new(),
                cell: String::new(),
                message: format!("{file_name}：{e}"),
            },
        }]
    })?;

    let mut reader = Reader::default();
    let raw = sheets::checklist(&mut reader, &book);
    // Validation runs even when reading found problems in cells, so that
    // the author hears about everything at once; what the reader already
    // reported is not repeated (a number it could not read is a placeholder
    // here). A missing sheet or column comes first: validating what is left
    // would only list its consequences.
    let validated = if reader.structural {
        Ok(())
    } else {
        Checklist::from_raw(raw.clone()).map(|_| ())
    };
    if let Err(found) = validated {
        for p in found {
            reader.validation_problem(&p.key, p.message);
        }
    }
    if !reader.problems.is_empty() {
        return Err(capped(reader.problems));
    }
    let toml = to_toml(&raw);
    let file = format!("{}/{}.toml", raw.id, raw.version);
    let loaded = parse_file(&file, &toml).map_err(|found| {
        found
            .into_iter()
            .map(|p| AuthoringProblem {
                sheet: String::new(),
                cell: String::new(),
                message: p.to_string(),
            })
            .collect::<Vec<_>>()
    })?;
    Ok(Authored { loaded, raw, toml })
}

fn capped(mut problems: Vec<AuthoringProblem>) -> Vec<AuthoringProblem> {
    if problems.len() > MAX_PROBLEMS {
        let more = problems.len() - MAX_PROBLEMS;
        problems.truncate(MAX_PROBLEMS);
        problems.push(AuthoringProblem {
            sheet: String::new(),
            cell: String::new(),
            message: format!("还有 {more} 个问题未列出；请先改正以上问题后重新导入"),
        });
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_capped_and_the_rest_counted() {
        let one = |n: usize| AuthoringProblem {
            sheet: "细则".into(),
            cell: format!("细则!A{n}"),
            message: "x".into(),
        };
        let few: Vec<_> = (0..MAX_PROBLEMS).map(one).collect();
        assert_eq!(capped(few.clone()), few);
        let many = capped((0..MAX_PROBLEMS + 5).map(one).collect());
        assert_eq!(many.len(), MAX_PROBLEMS + 1);
        assert_eq!(
            many.last().unwrap().to_string(),
            "还有 5 个问题未列出；请先改正以上问题后重新导入"
        );
    }
}
