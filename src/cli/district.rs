//! `nianjian district`: registering districts and the city on one
//! PostgreSQL database, and finding a district's tables for the account
//! commands.

use std::path::Path;
use std::process::ExitCode;

use crate::service::districts::{self, Kind, NewDistrict};

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
    let (db, catalog) = open((database, None), checklists, 2)?;
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
    let (db, _) = open((database, None), checklists, 1)?;
    let all = districts::list(&mut *db.get()?)?;
    if all.is_empty() {
        println!("没有登记区县：数据库中的数据就是唯一的区县");
    }
    for d in all {
        println!("{}\t{}\t{}\t{}", d.code, d.name, d.kind.label(), d.schema);
    }
    Ok(ExitCode::SUCCESS)
}
