//! `nianjian backup` and `nianjian restore`: thin over service::backup.
//! Exit 2 for a damaged archive, 1 for anything else that fails.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::service::ServiceError;
use crate::service::backup;
use crate::service::backup_archive::Manifest;

use super::CliError;
use super::server::now;

#[derive(clap::Args, Debug)]
pub struct BackupArgs {
    /// 数据库：SQLite 文件路径或 sqlite:路径；未给出时读环境变量 NIANJIAN_DATABASE，再没有则用 ./nianjian.db。
    #[arg(
        long,
        value_name = "数据库",
        env = "NIANJIAN_DATABASE",
        default_value = "nianjian.db"
    )]
    database: String,
    /// 备份文件写到这里（写完才出现；已有同名文件时替换）。
    #[arg(short = 'o', long = "output", value_name = "文件")]
    output: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct RestoreArgs {
    /// 备份命令生成的备份文件。
    #[arg(value_name = "备份文件")]
    file: PathBuf,
    /// 恢复到这个数据库，它必须不存在或为空；未给出时读环境变量 NIANJIAN_DATABASE，再没有则用 ./nianjian.db。
    #[arg(
        long,
        value_name = "数据库",
        env = "NIANJIAN_DATABASE",
        default_value = "nianjian.db"
    )]
    database: String,
}

/// A damaged archive is invalid input (2); the rest is a failure (1).
fn to_cli(e: ServiceError) -> CliError {
    match e {
        ServiceError::BadRequest(m) => CliError::Invalid(m),
        other => CliError::Failed(other.to_string()),
    }
}

pub fn backup(args: &BackupArgs) -> Result<ExitCode, CliError> {
    let manifest = backup::backup(&args.database, &args.output, now()).map_err(to_cli)?;
    println!("{}", summary(&args.output, &manifest));
    eprintln!("已备份到 {}", args.output.display());
    Ok(ExitCode::SUCCESS)
}

pub fn restore(args: &RestoreArgs) -> Result<ExitCode, CliError> {
    let manifest = backup::restore(&args.file, &args.database).map_err(to_cli)?;
    println!("{}", summary(&args.file, &manifest));
    eprintln!("已恢复到 {}", args.database);
    Ok(ExitCode::SUCCESS)
}

/// One line: the file, when it was made, and how much it holds.
fn summary(file: &Path, m: &Manifest) -> String {
    let rows = |t: &str| m.tables.get(t).copied().unwrap_or(0);
    format!(
        "{}\t{}\t单位 {} 个，自查表 {} 份，账号 {} 个，存储文件 {} 个\tsha256 {}",
        file.display(),
        m.created_at,
        rows("units"),
        rows("submissions"),
        rows("users"),
        m.stored_files.len(),
        m.database.sha256
    )
}

/// `serve --backup-dir DIR --backup-every HOURS --backup-keep N`.
#[derive(clap::Args, Debug, Clone)]
pub struct ScheduleArgs {
    /// 定时备份：备份文件放在这个目录（须已存在）；不给出则不定时备份。
    #[arg(long, value_name = "目录")]
    backup_dir: Option<PathBuf>,
    /// 每隔多少小时备份一次（默认 24）。
    #[arg(long, value_name = "小时", default_value_t = 24, value_parser = clap::value_parser!(u64).range(1..))]
    backup_every: u64,
    /// 保留最近多少份定时备份，更早的删除（默认 7）。
    #[arg(long, value_name = "份数", default_value_t = 7, value_parser = clap::value_parser!(u64).range(1..))]
    backup_keep: u64,
}

/// Starts the scheduled backups beside the service, when asked for: the
/// first after one interval, then every interval. A failed backup is
/// logged and the next one tried; the service is never stopped by it.
pub fn start_schedule(args: &ScheduleArgs, database: &str) -> Result<(), CliError> {
    let Some(dir) = args.backup_dir.clone() else {
        return Ok(());
    };
    if !dir.is_dir() {
        return Err(CliError::Invalid(format!(
            "备份目录 {} 不存在",
            dir.display()
        )));
    }
    backup::check_supported(database).map_err(to_cli)?;
    let every = std::time::Duration::from_secs(args.backup_every * 3600);
    let keep = usize::try_from(args.backup_keep).unwrap_or(usize::MAX);
    let database = database.to_string();
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(every);
            match backup::scheduled(&database, &dir, keep, now()) {
                Ok(path) => tracing::info!(file = %path.display(), "定时备份完成"),
                Err(e) => tracing::error!(error = %e, "定时备份失败"),
            }
        }
    });
    Ok(())
}
