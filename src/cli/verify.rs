//! `nianjian verify`: recomputes the audit log's hash chain; exit 0 when
//! intact, 2 naming the first entry that no longer matches.

use std::process::ExitCode;

use crate::service::Actor;
use crate::service::verify::verify_audit_chain;

use super::server::open;
use super::{CliError, DatabaseArg, INVALID};

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    db: DatabaseArg,
}

pub fn run(args: &VerifyArgs) -> Result<ExitCode, CliError> {
    let (db, _) = open(&args.db.database, args.db.checklists.as_deref(), 1)?;
    let mut conn = db.get()?;
    let report = verify_audit_chain(&mut conn, &Actor::command_line())?;
    match report.finding {
        None => {
            println!(
                "审计日志完好：共 {} 条记录，链尾哈希 {}",
                report.entries, report.head_hash
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(finding) => {
            println!(
                "审计日志已被改动（共 {} 条记录）。第一处不符：{}",
                report.entries,
                finding.describe()
            );
            Ok(ExitCode::from(INVALID))
        }
    }
}
