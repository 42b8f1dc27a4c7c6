//! `nianjian district`: registering districts and the city on one
//! PostgreSQL database, and finding a district's tables for the account
//! commands.

use std::path::Path;
use std::process::ExitCode;

use crate::service::districts::{self, Kind, NewDistrict};
use crate::store::Db;

use super::CliError;
use super::server::{now, open};

/// `district add CODE NAME [--city | --first]`.
pub fn add_district(
    database: &str,
    checklists: Option<&Path>,
    code: &str,
    name: &str,
    (city, first): (bool, bool),
) -> Result<ExitCode, CliError> {
    let kind = if city { Kind::City } else { Kind::District };
    let new = NewDistrict::checked(code, name, kind, first)?;
    let (db, catalog) = open(database, checklists, 2)?;
    let district = districts::add(&db, &catalog, &new, now())?;
    println!(
        "已登记{}“{}”（代码 {}，数据在模式 {}）；运行中的服务在下次登录时即可看到",
        district.kind.label(),
        district.name,
        district.code,
        district.schema
    );
    Ok(ExitCode::SUCCESS)
}

/// `district list`: one line per district, by code.
pub fn list_districts(database: &str, checklists: Option<&Path>) -> Result<ExitCode, CliError> {
    let (db, _) = open(database, checklists, 1)?;
    let all = districts::list(&mut *db.get()?)?;
    if all.is_empty() {
        println!("没有登记区县：数据库中的数据就是唯一的区县");
    }
    for d in all {
        println!("{}\t{}\t{}\t{}", d.code, d.name, d.kind.label(), d.schema);
    }
    Ok(ExitCode::SUCCESS)
}

/// The pool working in the district `code` names (none: the first).
pub fn in_district(db: Db, code: Option<&str>) -> Result<Db, CliError> {
    let Some(code) = code else {
        return Ok(db);
    };
    let all = districts::list(&mut *db.get()?)?;
    let district = all.into_iter().find(|d| d.code == code).ok_or_else(|| {
        CliError::Invalid(format!(
            "没有代码为 {code} 的区县（nianjian district list 列出已登记的区县）"
        ))
    })?;
    Ok(db.in_schema(&district.schema))
}
