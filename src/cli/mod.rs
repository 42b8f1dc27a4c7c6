//! The `nianjian` command line (contract §3). Results go to stdout, progress
//! and logs to stderr. Exit codes: 0 success, 2 invalid input, 1 anything else.

mod bureau;
mod server;
mod summary;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rayon::prelude::*;

use crate::ingest::checklists::{Catalog, FileProblem};
use crate::ingest::workbook::Limits;
use crate::reports::template::{Prefill, self_check_template};
use crate::service::scoring::{FileResult, file_problem, score_workbook};

/// 年检: a district archives bureau's annual inspection.
#[derive(Parser, Debug)]
#[command(name = "nianjian", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Checklists (考核细则).
    Checklist {
        #[command(subcommand)]
        command: ChecklistCommand,
    },
    /// Writes the self-check workbook (自查表) for a checklist.
    Template {
        /// The checklist, as ID@VERSION (e.g. community@2013).
        #[arg(long)]
        checklist: String,
        /// Where to write the .xlsx.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// The checklist folder (default: ./checklists, else those built in).
        #[arg(long)]
        checklists: Option<PathBuf>,
        /// Pre-fill 单位名称.
        #[arg(long)]
        unit_name: Option<String>,
        /// Pre-fill 单位代码.
        #[arg(long)]
        unit_code: Option<String>,
        /// Pre-fill 单位类型.
        #[arg(long)]
        unit_kind: Option<String>,
        /// Pre-fill 所属街道.
        #[arg(long)]
        street: Option<String>,
        /// Pre-fill 年度.
        #[arg(long)]
        year: Option<i32>,
    },
    /// Scores self-check workbooks offline, without a database.
    Score {
        /// The checklist folder (default: ./checklists, else those built in).
        #[arg(long)]
        checklists: Option<PathBuf>,
        /// One JSON array on stdout, an element per file in order.
        #[arg(long)]
        json: bool,
        /// Workbooks (.xlsx .xlsm .xls .ods), or folders holding them.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Runs the service.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: String,
        #[command(flatten)]
        db: DatabaseArg,
        /// Fill an empty database with a demonstration district.
        #[arg(long)]
        demo: bool,
        /// Worker threads (default: one per core).
        #[arg(long)]
        workers: Option<usize>,
        /// Largest workbook accepted in an upload, in MB.
        #[arg(long, default_value_t = 10)]
        max_upload_mb: usize,
        /// A folder of templates replacing the built-in ones of the same name.
        #[arg(long)]
        templates: Option<PathBuf>,
        #[command(flatten)]
        bureau: bureau::BureauArgs,
    },
    /// The district summary of a year: Excel workbook and/or HTML page; a
    /// short summary on stdout.
    Report {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        year: i32,
        /// Limit to one street (街道).
        #[arg(long)]
        street: Option<String>,
        /// Write the workbook here.
        #[arg(long)]
        xlsx: Option<PathBuf>,
        /// Write the dashboard page here.
        #[arg(long)]
        html: Option<PathBuf>,
        /// A folder of templates replacing the built-in ones of the same name.
        #[arg(long)]
        templates: Option<PathBuf>,
    },
    /// Stores self-check workbooks as submissions, as an upload by the bureau would.
    Import {
        #[command(flatten)]
        db: DatabaseArg,
        /// Workbooks, or folders holding them.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

/// Where the data lives: `--database`, else NIANJIAN_DATABASE, else ./nianjian.db.
#[derive(clap::Args, Debug, Clone)]
struct DatabaseArg {
    /// A SQLite file path, sqlite:PATH, or postgres://USER@HOST:PORT/DB.
    #[arg(long, env = "NIANJIAN_DATABASE", default_value = "nianjian.db")]
    database: String,
    /// The checklist folder (default: ./checklists, else those built in).
    #[arg(long)]
    checklists: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Adds an account; the password comes from NIANJIAN_PASSWORD or a prompt.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long, value_parser = ["admin", "inspector", "unit", "leader"])]
        role: String,
        /// The unit's code, for a unit account.
        #[arg(long)]
        unit: Option<String>,
        #[command(flatten)]
        db: DatabaseArg,
    },
}

#[derive(Subcommand, Debug)]
enum ChecklistCommand {
    /// Validates every checklist under DIR.
    Validate {
        #[arg(default_value = "checklists")]
        dir: PathBuf,
    },
}

/// Exit code for invalid input (a workbook, a checklist, an argument).
pub(crate) const INVALID: u8 = 2;

/// An error that ends the command, with its exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Invalid(_) => ExitCode::from(INVALID),
            CliError::Failed(_) => ExitCode::FAILURE,
        }
    }
}

/// Runs the command line; `main` is this and nothing more.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e}");
            e.exit_code()
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("NIANJIAN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::Checklist {
            command: ChecklistCommand::Validate { dir },
        } => validate(&dir),
        Command::Template {
            checklist,
            output,
            checklists,
            unit_name,
            unit_code,
            unit_kind,
            street,
            year,
        } => {
            let catalog = load_catalog(checklists.as_deref())?;
            let Some(found) = catalog.get(&checklist) else {
                return Err(CliError::Invalid(format!(
                    "未知的考核细则 {checklist}；可用的有：{}",
                    catalog.references().join("、")
                )));
            };
            let prefill = Prefill {
                unit_name,
                unit_code,
                unit_kind,
                street,
                year,
                ..Prefill::default()
            };
            let bytes = self_check_template(found, &prefill)
                .map_err(|e| CliError::Failed(format!("生成自查表失败：{e}")))?;
            std::fs::write(&output, bytes)
                .map_err(|e| CliError::Failed(format!("无法写入 {}：{e}", output.display())))?;
            eprintln!("已生成 {}（{}）", output.display(), found.title);
            Ok(ExitCode::SUCCESS)
        }
        Command::Score {
            checklists,
            json,
            files,
        } => score(checklists.as_deref(), json, &files),
        Command::Serve {
            bind,
            db,
            demo,
            workers,
            max_upload_mb,
            templates,
            bureau,
        } => server::serve(
            &bind,
            &db.database,
            db.checklists.as_deref(),
            demo,
            workers,
            max_upload_mb,
            templates.as_deref(),
            bureau.resolve(demo)?,
        ),
        Command::Report {
            db,
            year,
            street,
            xlsx,
            html,
            templates,
        } => server::report(
            &db.database,
            db.checklists.as_deref(),
            year,
            street.as_deref(),
            xlsx.as_deref(),
            html.as_deref(),
            templates.as_deref(),
        ),
        Command::Import { db, files } => {
            server::import(&db.database, db.checklists.as_deref(), &expand(&files))
        }
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    role,
                    unit,
                    db,
                },
        } => server::add_user(
            &db.database,
            db.checklists.as_deref(),
            &username,
            &role,
            unit.as_deref(),
        ),
    }
}

fn problems_text(problems: &[FileProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn validate(dir: &Path) -> Result<ExitCode, CliError> {
    let catalog = Catalog::load_dir(dir).map_err(|problems| {
        CliError::Invalid(format!(
            "考核细则校验未通过（{} 个问题）：\n{}",
            problems.len(),
            problems_text(&problems)
        ))
    })?;
    let mut out = std::io::stdout().lock();
    for loaded in catalog.iter() {
        let c = &loaded.checklist;
        let _ = writeln!(
            out,
            "{}\t{}\t{} 个条目，{} 个输入项，{} 个等级\t{}",
            c.reference(),
            loaded.file,
            c.items.len(),
            c.inputs.len(),
            c.tiers.len(),
            c.title
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The catalog from `dir`, else `./checklists` when present, else the built-in one.
pub fn load_catalog(dir: Option<&Path>) -> Result<Catalog, CliError> {
    let invalid = |problems: Vec<FileProblem>| {
        CliError::Invalid(format!("考核细则有误：\n{}", problems_text(&problems)))
    };
    match dir {
        Some(dir) => Catalog::load_dir(dir).map_err(invalid),
        None if Path::new("checklists").is_dir() => {
            Catalog::load_dir(Path::new("checklists")).map_err(invalid)
        }
        None => Catalog::embedded().map_err(invalid),
    }
}

const WORKBOOK_EXTENSIONS: [&str; 4] = ["xlsx", "xlsm", "xls", "ods"];

/// Files as given, with folders expanded to the workbooks inside (sorted).
pub(crate) fn expand(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(path)
                .map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .map(|e| e.path())
                        .filter(|p| {
                            p.extension().and_then(|x| x.to_str()).is_some_and(|x| {
                                WORKBOOK_EXTENSIONS.contains(&x.to_ascii_lowercase().as_str())
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            inside.sort();
            files.extend(inside);
        } else {
            files.push(path.clone());
        }
    }
    files
}

/// Reads a file within the size limit, without reading past it.
pub fn read_limited(path: &Path, limit: usize) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("无法读取文件：{e}"))?;
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("无法读取文件：{e}"))?;
    if bytes.len() > limit {
        return Err(format!("文件超过 {} MB 的上限", limit / (1024 * 1024)));
    }
    Ok(bytes)
}

fn score(dir: Option<&Path>, json: bool, paths: &[PathBuf]) -> Result<ExitCode, CliError> {
    let catalog = load_catalog(dir)?;
    let limits = Limits::default();
    let files = expand(paths);
    // Each file is read, scored and written out (JSON element or summary)
    // on the worker threads; the main thread only joins the pieces.
    let results: Vec<(bool, String)> = files
        .par_iter()
        .map(|path| {
            let name = path.display().to_string();
            let outcome = read_limited(path, limits.max_file_bytes)
                .map_err(|m| vec![file_problem(m)])
                .and_then(|bytes| score_workbook(&bytes, &catalog, &limits));
            let ok = outcome.is_ok();
            let text = if json {
                serde_json::to_string(&FileResult::new(name, outcome)).unwrap_or_default()
            } else {
                summary::render(&name, outcome.as_ref())
            };
            (ok, text)
        })
        .collect();

    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    // A closed pipe (`| head`) is the reader's choice, not a failure.
    let _ = if json {
        write!(out, "[").and_then(|()| {
            for (n, (_, element)) in results.iter().enumerate() {
                if n > 0 {
                    write!(out, ",")?;
                }
                write!(out, "{element}")?;
            }
            writeln!(out, "]")
        })
    } else {
        results
            .iter()
            .try_for_each(|(_, text)| write!(out, "{text}"))
    };
    let _ = out.flush();
    let invalid = results.iter().filter(|(ok, _)| !ok).count();
    if invalid > 0 {
        eprintln!("{} 个文件中有 {invalid} 个无法评分", results.len());
        Ok(ExitCode::from(INVALID))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}
