//! `nianjian publish --year Y`: freezes the year's results as a hashed
//! snapshot (年度结果发布) and prints its fingerprint.

use std::process::ExitCode;

use crate::ingest::workbook::Limits;
use crate::service::publishing::publish;
use crate::service::{Actor, Env, ServiceError};

use super::server::{now, open};
use super::{CliError, DatabaseArg};

#[derive(clap::Args, Debug)]
pub struct PublishArgs {
    /// 年度。
    #[arg(long, value_name = "年度")]
    year: i32,
    #[command(flatten)]
    db: DatabaseArg,
}

pub fn run(args: &PublishArgs) -> Result<ExitCode, CliError> {
    let (db, catalog) = open(
        (&args.db.database, args.db.district.as_deref()),
        args.db.checklists.as_deref(),
        1,
    )?;
    let mut conn = db.get()?;
    let env = Env {
        catalog: &catalog,
        limits: &Limits::default(),
        clock: now(),
        plausibility: &crate::domain::plausibility::DEFAULT_RULES,
    };
    let view = publish(&mut conn, env, &Actor::command_line(), args.year).map_err(|e| match e {
        // A year without a campaign is a bad argument here (exit 2).
        ServiceError::NotFound(m) => CliError::Invalid(m),
        other => other.into(),
    })?;
    println!(
        "已发布 {} 年度结果（编号 {}）：{} 个单位，其中 {} 个有结果。{}",
        view.year, view.id, view.units, view.results, view.line
    );
    println!("sha256 {}", view.sha256);
    if let Some(before) = view.earlier.first() {
        println!(
            "此前的发布（编号 {}，指纹 {}）保留，不再生效",
            before.id, before.fingerprint
        );
    }
    Ok(ExitCode::SUCCESS)
}
