//! The self-check workbook (自查表) to download: for the API, the unit's
//! page and the command line, with one naming rule.

use crate::domain::Checklist;
use crate::ingest::checklists::Catalog;
use crate::reports::template::{Prefill, self_check_template};
use crate::store::DbConn;

use super::roster::{self, UnitView};
use super::{Actor, Download, Env, Role, ServiceError, ServiceResult, campaigns, checklists};

/// What the command line pre-fills (any of it may be missing).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Blanks {
    pub unit_name: Option<String>,
    pub unit_code: Option<String>,
    pub unit_kind: Option<String>,
    pub street: Option<String>,
    pub year: Option<i32>,
}

/// The one naming rule: `2012年度档案工作自查表-小营巷社区.xlsx`; without a
/// year the 年度 goes, without a unit the checklist (`id@version`) names it.
pub fn file_name(checklist: &Checklist, year: Option<i32>, unit_name: Option<&str>) -> String {
    let year = year.map(|y| format!("{y}年度")).unwrap_or_default();
    let whose = unit_name
        .map(str::to_string)
        .unwrap_or_else(|| checklist.reference());
    format!("{year}档案工作自查表-{whose}.xlsx")
}

fn made(checklist: &Checklist, blanks: Blanks) -> ServiceResult<Download> {
    let file_name = file_name(checklist, blanks.year, blanks.unit_name.as_deref());
    let prefill = Prefill {
        unit_name: blanks.unit_name,
        unit_code: blanks.unit_code,
        unit_kind: blanks.unit_kind,
        street: blanks.street,
        year: blanks.year,
        ..Prefill::default()
    };
    Ok(Download {
        file_name,
        bytes: self_check_template(checklist, &prefill)?,
    })
}

fn blanks_of(unit: UnitView, year: Option<i32>) -> Blanks {
    Blanks {
        unit_name: Some(unit.name),
        unit_code: Some(unit.code),
        unit_kind: Some(unit.kind),
        street: unit.street,
        year,
    }
}

/// Without a database (the command line): the checklist from the catalog,
/// pre-filled as given. An unknown checklist is [`ServiceError::NotFound`],
/// its message listing the known ones.
pub fn offline(catalog: &Catalog, reference: &str, blanks: Blanks) -> ServiceResult<Download> {
    let checklist = catalog.get(reference).ok_or_else(|| {
        ServiceError::NotFound(format!(
            "未知的考核细则 {reference}；可用的有：{}",
            catalog.references().join("、")
        ))
    })?;
    made(checklist, blanks)
}

/// The workbook of checklist `reference` (`id@version`) — or, without one,
/// of the checklist the year's campaign sets for the unit's kind —
/// pre-filled for a unit: a unit account always gets its own unit, others
/// the one whose code they ask for (404 when the roster lacks it).
pub fn self_check(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    reference: Option<&str>,
    unit_code: Option<&str>,
    year: Option<i32>,
) -> ServiceResult<Download> {
    if actor.role == Role::Unit && actor.unit_id.is_none() {
        return Err(ServiceError::Forbidden("账号未绑定单位".into()));
    }
    let unit = match roster::of_account(conn, actor)? {
        Some(own) => Some(own),
        None => match unit_code {
            Some(code) => Some(roster::get(conn, actor, code)?),
            None => None,
        },
    };
    let reference = match (reference, &unit, year) {
        (Some(reference), _, _) => reference.to_string(),
        (None, Some(unit), Some(year)) => {
            let row = campaigns::by_year(conn, year)?;
            campaigns::view(conn, &row)?
                .checklists
                .into_iter()
                .find(|k| k.unit_kind == unit.kind)
                .map(|k| k.checklist)
                .ok_or_else(|| {
                    ServiceError::NotFound(format!("{year} 年度的年检未安排{}", unit.kind))
                })?
        }
        (None, _, _) => {
            return Err(ServiceError::BadRequest(
                "请指定考核细则，或指定单位和年度".into(),
            ));
        }
    };
    let checklist = checklists::get(conn, env.catalog, &reference)?;
    let blanks = match unit {
        Some(unit) => blanks_of(unit, year),
        None => Blanks {
            year,
            ..Blanks::default()
        },
    };
    made(&checklist, blanks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_naming_rule() {
        let catalog = Catalog::embedded().expect("built-in checklists");
        let checklist = catalog
            .iter()
            .next()
            .expect("a checklist")
            .checklist
            .clone();
        assert_eq!(
            file_name(&checklist, Some(2012), Some("小营巷社区")),
            "2012年度档案工作自查表-小营巷社区.xlsx"
        );
        assert_eq!(
            file_name(&checklist, None, None),
            format!("档案工作自查表-{}.xlsx", checklist.reference())
        );
    }
}
