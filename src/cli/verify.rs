//! `nianjian verify`: recomputes the audit log's hash chain and checks
//! every publication of a year's results; exit 0 when all holds, 2 naming
//! the first entry, and every publication or result, that no longer matches.

use std::process::ExitCode;

use crate::service::Actor;
use crate::service::verify::verify_records;

use super::server::open;
use super::{CliError, DatabaseArg, INVALID};

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    db: DatabaseArg,
}

pub fn run(args: &VerifyArgs) -> Result<ExitCode, CliError> {
    let (db, catalog) = open(
        (&args.db.database, args.db.district.as_deref()),
        args.db.checklists.as_deref(),
        1,
    )?;
    let mut conn = db.get()?;
    let report = verify_records(&mut conn, &catalog, &Actor::command_line())?;
    let chain = &report.chain;
    match &chain.finding {
        None => println!(
            "审计日志完好：共 {} 条记录，链尾哈希 {}",
            chain.entries, chain.head_hash
        ),
        Some(finding) => println!(
            "审计日志已被改动（共 {} 条记录）。第一处不符：{}",
            chain.entries,
            finding.describe()
        ),
    }
    if report.publication_findings.is_empty() {
        if report.publications > 0 {
            println!(
                "年度结果发布完好：共 {} 次发布，快照与哈希相符，当前结果与发布结果及更正记录一致",
                report.publications
            );
        }
    } else {
        println!(
            "年度结果发布有 {} 处不符（共 {} 次发布）：",
            report.publication_findings.len(),
            report.publications
        );
        for finding in &report.publication_findings {
            println!("  {}", finding.describe());
        }
    }
    Ok(if report.intact() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(INVALID)
    })
}
