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

/// `serve --backup-dir DIR --backup-every 24h --backup-keep N`; what is not
/// given comes from `[backup]` in the configuration file.
#[derive(clap::Args, Debug, Clone)]
pub struct ScheduleArgs {
    /// 定时备份：备份文件放在这个目录（须已存在）；不给出则不定时备份。
    #[arg(long, value_name = "目录")]
    backup_dir: Option<PathBuf>,
    /// 每隔多久备份一次：小时数（如 24），或写作 24h、30m、2d（默认 24 小时）。
    #[arg(long, value_name = "间隔", value_parser = super::config::parse_every)]
    backup_every: Option<std::time::Duration>,
    /// 保留最近多少份定时备份，更早的删除（默认 7）。
    #[arg(long, value_name = "份数", value_parser = clap::value_parser!(u64).range(1..))]
    backup_keep: Option<u64>,
}

impl ScheduleArgs {
    /// What the command line says, for the merge with the file.
    pub fn layer(&self) -> super::config::Layer {
        super::config::Layer {
            backup_dir: self.backup_dir.clone(),
            backup_every: self.backup_every,
            backup_keep: self.backup_keep,
            ..Default::default()
        }
    }
}

/// Starts the scheduled backups beside the service, when asked for: the
/// first after one interval, then every interval. A failed backup is
/// logged and the next one tried; the service is never stopped by it.
pub fn start_schedule(
    schedule: Option<&super::config::Schedule>,
    database: &str,
) -> Result<(), CliError> {
    let Some(schedule) = schedule.cloned() else {
        return Ok(());
    };
    if !schedule.dir.is_dir() {
        return Err(CliError::Invalid(format!(
            "备份目录 {} 不存在",
            schedule.dir.display()
        )));
    }
    backup::check_supported(database).map_err(to_cli)?;
    let database = database.to_string();
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(schedule.every);
            match backup::scheduled(&database, &schedule.dir, schedule.keep, now()) {
                Ok(path) => tracing::info!(file = %path.display(), "定时备份完成"),
                Err(e) => tracing::error!(error = %e, "定时备份失败"),
            }
        }
    });
    Ok(())
}
