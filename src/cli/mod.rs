//! The `nianjian` command line (contract §3). Results go to stdout, progress
//! and logs to stderr. Exit codes: 0 success, 2 invalid input, 1 anything else.

mod authoring;
mod backup;
mod bureau;
mod config;
mod district;
mod help;
mod publish;
mod rescore;
mod server;
mod summary;
mod verify;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rayon::prelude::*;

use crate::ingest::checklists::{Catalog, FileProblem};
use crate::ingest::workbook::Limits;
use crate::service::ServiceError;
use crate::service::scoring::{FileResult, file_problem, score_workbook};
use crate::service::templates::{self, Blanks};

/// 年检：区档案局的年度档案工作检查——考核细则、自查表、评分、整改与报表。
#[derive(Parser, Debug)]
#[command(name = "nianjian", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// 考核细则。
    Checklist {
        #[command(subcommand)]
        command: ChecklistCommand,
    },
    /// 生成考核细则的自查表（工作簿）。
    Template {
        /// 考核细则，写作 ID@VERSION（如 community@2013）。
        #[arg(long, value_name = "ID@VERSION")]
        checklist: String,
        /// 自查表写到这个文件（.xlsx）。
        #[arg(short = 'o', long = "output", value_name = "文件")]
        output: PathBuf,
        /// 考核细则目录（默认 ./checklists，没有则用内置的细则）。
        #[arg(long, value_name = "目录")]
        checklists: Option<PathBuf>,
        /// 预填单位名称。
        #[arg(long, value_name = "名称")]
        unit_name: Option<String>,
        /// 预填单位代码。
        #[arg(long, value_name = "代码")]
        unit_code: Option<String>,
        /// 预填单位类型。
        #[arg(long, value_name = "类型")]
        unit_kind: Option<String>,
        /// 预填所属街道。
        #[arg(long, value_name = "街道")]
        street: Option<String>,
        /// 预填年度。
        #[arg(long, value_name = "年度")]
        year: Option<i32>,
    },
    /// 离线为自查表评分，不用数据库。
    Score {
        /// 考核细则目录（默认 ./checklists，没有则用内置的细则）。
        #[arg(long, value_name = "目录")]
        checklists: Option<PathBuf>,
        /// 在标准输出写一个 JSON 数组，每个文件一个元素，按给出的顺序。
        #[arg(long)]
        json: bool,
        /// 自查表（.xlsx .xlsm .xls .ods），或存放自查表的目录。
        #[arg(required = true, value_name = "文件")]
        files: Vec<PathBuf>,
    },
    /// 运行服务。
    ///
    /// 设置也可写在配置文件中（见 --config）；同一设置，命令行选项优先于环境变量，环境变量优先于配置文件，再没有则用默认值。
    Serve(ServeArgs),
    /// 一个年度的全区汇总：生成工作簿和（或）HTML 页面，并在标准输出写一段简要汇总。
    Report {
        #[command(flatten)]
        db: DatabaseArg,
        /// 年度。
        #[arg(long, value_name = "年度")]
        year: i32,
        /// 只统计一个街道。
        #[arg(long, value_name = "街道")]
        street: Option<String>,
        /// 汇总工作簿（.xlsx）写到这个文件。
        #[arg(long, value_name = "文件")]
        xlsx: Option<PathBuf>,
        /// 领导看板页面（HTML）写到这个文件。
        #[arg(long, value_name = "文件")]
        html: Option<PathBuf>,
        /// 报表模板目录，其中的模板替换同名的内置模板。
        #[arg(long, value_name = "目录")]
        templates: Option<PathBuf>,
    },
    /// 把自查表作为档案局的上传存入数据库。
    Import {
        #[command(flatten)]
        db: DatabaseArg,
        /// 自查表，或存放自查表的目录。
        #[arg(required = true, value_name = "文件")]
        files: Vec<PathBuf>,
    },
    /// 重新计分预览：按另一版考核细则，用同样的答案为一个年度的现行考核结果重新计分；不保存任何内容。
    Rescore(rescore::RescoreArgs),
    /// 备份 SQLite 数据库（连同上传的文件和证明材料）到一个备份文件；服务运行时也可备份。
    Backup(backup::BackupArgs),
    /// 从备份文件恢复到一个空数据库；先完整校验备份文件，有误则不恢复。
    Restore(backup::RestoreArgs),
    /// 发布一个年度的结果：把各单位的现行结果和全区统计固定为一份快照，计算哈希，打印指纹；可再次发布，以新的一次为准。
    Publish(publish::PublishArgs),
    /// 核验审计日志的防篡改链和每次年度结果发布：重新计算哈希，指出第一条对不上的记录、与发布时不符或未经更正被改动的结果；完好时退出码为 0，被改动时为 2。
    Verify(verify::VerifyArgs),
    /// 用户账号。
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// 区县：一个服务（PostgreSQL 数据库）管多个区县时，登记各区县和市档案局。
    District {
        #[command(subcommand)]
        command: DistrictCommand,
    },
}

#[derive(Subcommand, Debug)]
enum DistrictCommand {
    /// 登记一个区县：为它建立单独的数据（PostgreSQL 模式），运行迁移，写入考核细则；其账号在登录页选这个区县登录。
    Add {
        /// 区县代码：1 至 20 位数字或小写字母，如行政区划代码 330106。
        #[arg(value_name = "代码")]
        code: String,
        /// 区县名称，如 西湖区；通知书以“名称+档案局”落款。
        #[arg(value_name = "名称")]
        name: String,
        /// 登记的是市档案局：其账号查看全市汇总。
        #[arg(long)]
        city: bool,
        /// 数据库原有的数据就是这个区县：只登记代码和名称，不移动任何数据。
        #[arg(long, conflicts_with = "city")]
        first: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// 列出已登记的区县和市档案局。
    List {
        #[command(flatten)]
        db: DatabaseArg,
    },
}

/// Where the data lives: `--database`, else NIANJIAN_DATABASE, else ./nianjian.db.
#[derive(clap::Args, Debug, Clone)]
struct DatabaseArg {
    /// 数据库：SQLite 文件路径、sqlite:路径，或 postgres://用户@主机:端口/库名；未给出时读环境变量 NIANJIAN_DATABASE，再没有则用 ./nianjian.db。
    #[arg(
        long,
        value_name = "数据库",
        env = "NIANJIAN_DATABASE",
        default_value = "nianjian.db"
    )]
    database: String,
    /// 考核细则目录（默认 ./checklists，没有则用内置的细则）。
    #[arg(long, value_name = "目录")]
    checklists: Option<PathBuf>,
    /// 区县代码（一个数据库管多个区县时，见 nianjian district list）；不给出时为第一个区县。
    #[arg(long, value_name = "代码")]
    district: Option<String>,
}

/// `serve`'s options. None has a built-in default here: what is not given
/// comes from the environment, the configuration file, then the defaults
/// (see [`config`]).
#[derive(clap::Args, Debug)]
struct ServeArgs {
    /// 配置文件；未给出时读环境变量 NIANJIAN_CONFIG 指定的文件，再没有则读 ./nianjian.toml（有则读）。文件中的相对路径从文件所在的目录算起。
    #[arg(long, value_name = "文件")]
    config: Option<PathBuf>,
    /// 监听地址（默认 127.0.0.1:8080）。
    #[arg(long, value_name = "地址")]
    bind: Option<String>,
    /// 数据库：SQLite 文件路径、sqlite:路径，或 postgres://用户@主机:端口/库名；未给出时读环境变量 NIANJIAN_DATABASE，再读配置文件，再没有则用 ./nianjian.db。
    #[arg(long, value_name = "数据库")]
    database: Option<String>,
    /// 考核细则目录（默认 ./checklists，没有则用内置的细则）。
    #[arg(long, value_name = "目录")]
    checklists: Option<PathBuf>,
    /// 数据库为空时填入演示用的区。
    #[arg(long)]
    demo: bool,
    /// 工作线程数（默认每个处理器核心一个）。
    #[arg(long, value_name = "个数")]
    workers: Option<usize>,
    /// 上传的工作簿最大多少兆字节（默认 10）。
    #[arg(long, value_name = "兆字节")]
    max_upload_mb: Option<usize>,
    /// 报表模板目录，其中的模板替换同名的内置模板。
    #[arg(long, value_name = "目录")]
    templates: Option<PathBuf>,
    #[command(flatten)]
    bureau: bureau::BureauArgs,
    /// 档案局所在时区，页面和文件中的时间按此显示（默认中国标准时间），也可写时差，如 +08:00。
    #[arg(long, value_name = "时区", value_parser = crate::domain::local_time::Zone::parse)]
    timezone: Option<crate::domain::local_time::Zone>,
    #[command(flatten)]
    schedule: backup::ScheduleArgs,
    /// 日志格式：text 为文本（默认），json 为每行一个 JSON 对象；日志写到标准错误输出。
    #[arg(long, value_name = "格式", value_parser = config::LogFormat::parse)]
    log_format: Option<config::LogFormat>,
    /// 直接提供加密连接：证书链文件；须与 --tls-key 一同给出。登录会话随之只经加密连接传送。
    #[arg(long, value_name = "文件", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// 直接提供加密连接：证书的私钥文件；须与 --tls-cert 一同给出。
    #[arg(long, value_name = "文件", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

impl ServeArgs {
    /// What the command line says, for the merge.
    fn layer(&self) -> config::Layer {
        config::Layer {
            bind: self.bind.clone(),
            database: self.database.clone(),
            checklists: self.checklists.clone(),
            templates: self.templates.clone(),
            timezone: self.timezone,
            workers: self.workers,
            bureau_name: self.bureau.name.clone(),
            bureau_address: self.bureau.address.clone(),
            bureau_phone: self.bureau.phone.clone(),
            notice_prefix: self.bureau.notice_prefix.clone(),
            max_upload_mb: self.max_upload_mb,
            log_format: self.log_format,
            tls_cert: self.tls_cert.clone(),
            tls_key: self.tls_key.clone(),
            ..self.schedule.layer()
        }
    }

    /// The settings serve runs with: command line, environment, file,
    /// defaults. A bad file or value is invalid input (exit 2).
    fn resolve(&self) -> Result<config::ServeConfig, CliError> {
        let lookup = |name: &str| std::env::var(name).ok();
        let file = match config::which_file(
            self.config.as_deref(),
            lookup("NIANJIAN_CONFIG"),
            Path::is_file,
        ) {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    CliError::Invalid(format!("无法读取配置文件 {}：{e}", path.display()))
                })?;
                config::parse_file(&path, &text).map_err(CliError::Invalid)?
            }
            None => config::Layer::default(),
        };
        let env = config::env_layer(lookup).map_err(CliError::Invalid)?;
        config::resolve(self.layer(), env, file).map_err(CliError::Invalid)
    }
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// 添加账号；密码取自环境变量 NIANJIAN_PASSWORD，没有则提示输入。
    Add {
        /// 用户名。
        #[arg(long, value_name = "用户名")]
        username: String,
        /// 角色：admin（管理员）、inspector（检查员）、unit（单位档案员）、leader（领导）、street（街道档案员）。
        #[arg(long, value_name = "角色", value_parser = ["admin", "inspector", "unit", "leader", "street"])]
        role: String,
        /// 单位账号所属单位的代码。
        #[arg(long, value_name = "代码")]
        unit: Option<String>,
        /// 街道档案员所属街道的名称（与花名册中的“所属街道”一致）。
        #[arg(long, value_name = "街道")]
        street: Option<String>,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// 修改账号的密码，并结束该账号的全部登录；新密码取自环境变量 NIANJIAN_PASSWORD，没有则提示输入。
    Password {
        /// 用户名。
        #[arg(long, value_name = "用户名")]
        username: String,
        #[command(flatten)]
        db: DatabaseArg,
    },
}

#[derive(Subcommand, Debug)]
enum ChecklistCommand {
    /// 校验目录下的每一份考核细则。
    Validate {
        /// 考核细则目录（默认 ./checklists）。
        #[arg(value_name = "目录", default_value = "checklists")]
        dir: PathBuf,
    },
    /// 把考核细则导出为考核细则编制表（.xlsx 工作簿），供在电子表格软件中编辑。
    Export {
        /// 考核细则，写作 ID@VERSION（如 community@2013）。
        #[arg(value_name = "ID@VERSION")]
        reference: String,
        /// 编制表写到这个文件（.xlsx）。
        #[arg(short = 'o', long = "output", value_name = "文件")]
        output: PathBuf,
        /// 考核细则目录（默认 ./checklists，没有则用内置的细则）。
        #[arg(long, value_name = "目录")]
        checklists: Option<PathBuf>,
    },
    /// 读入考核细则编制表（.xlsx .xls .ods），校验后写入考核细则目录，每个版本一个文件；已有的版本不覆盖。
    Import {
        /// 考核细则编制表。
        #[arg(value_name = "文件")]
        file: PathBuf,
        /// 考核细则目录（默认 ./checklists）。
        #[arg(
            short = 'o',
            long = "output",
            value_name = "目录",
            default_value = "checklists"
        )]
        output: PathBuf,
    },
    /// 比较两个版本的考核细则：新增、删除、改写、调整分值或计分规则的条目，以及填报项、一票否决、等级和年检结论的变化。
    Diff {
        /// 原版本，写作 ID@VERSION（如 community@2012）。
        #[arg(value_name = "原版本")]
        from: String,
        /// 新版本，写作 ID@VERSION（如 community@2013）。
        #[arg(value_name = "新版本")]
        to: String,
        /// 另把变更对照写成可打印（A4）的网页文件。
        #[arg(long, value_name = "文件")]
        html: Option<PathBuf>,
        /// 考核细则目录（默认 ./checklists，没有则用内置的细则）。
        #[arg(long, value_name = "目录")]
        checklists: Option<PathBuf>,
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
    let cli = match help::parse(std::env::args_os()) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    // serve's settings decide how it logs; it starts logging once read.
    if !matches!(cli.command, Command::Serve(_)) {
        let level = std::env::var("NIANJIAN_LOG").unwrap_or_else(|_| "info".into());
        init_logging(config::LogFormat::Text, &level);
    }
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e}");
            e.exit_code()
        }
    }
}

/// Logs to stderr, as text or one JSON object a line; `level` is a level
/// or filter (NIANJIAN_LOG, or serve's `log.level`).
fn init_logging(format: config::LogFormat, level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours for a terminal only, not for a journal or a file.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = match format {
        config::LogFormat::Text => builder.try_init(),
        config::LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

fn run(command: Command) -> Result<ExitCode, CliError> {
    match command {
        Command::Checklist {
            command: ChecklistCommand::Validate { dir },
        } => validate(&dir),
        Command::Checklist {
            command:
                ChecklistCommand::Export {
                    reference,
                    output,
                    checklists,
                },
        } => authoring::export(&reference, &output, checklists.as_deref()),
        Command::Checklist {
            command: ChecklistCommand::Import { file, output },
        } => authoring::import(&file, &output),
        Command::Checklist {
            command:
                ChecklistCommand::Diff {
                    from,
                    to,
                    html,
                    checklists,
                },
        } => checklist_diff(checklists.as_deref(), &from, &to, html.as_deref()),
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
            let blanks = Blanks {
                unit_name,
                unit_code,
                unit_kind,
                street,
                year,
            };
            // An unknown checklist is a bad argument here (exit 2).
            let file = templates::offline(&catalog, &checklist, blanks).map_err(|e| match e {
                ServiceError::NotFound(m) => CliError::Invalid(m),
                other => CliError::Failed(format!("生成自查表失败：{other}")),
            })?;
            std::fs::write(&output, file.bytes)
                .map_err(|e| CliError::Failed(format!("无法写入 {}：{e}", output.display())))?;
            let title = catalog.get(&checklist).map_or("", |c| c.title.as_str());
            eprintln!("已生成 {}（{title}）", output.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Score {
            checklists,
            json,
            files,
        } => score(checklists.as_deref(), json, &files),
        Command::Serve(args) => {
            let config = args.resolve()?;
            init_logging(config.log_format, &config.log_level);
            server::serve(&config, args.demo)
        }
        Command::Report {
            db,
            year,
            street,
            xlsx,
            html,
            templates,
        } => server::report(
            (&db.database, db.district.as_deref()),
            db.checklists.as_deref(),
            year,
            street.as_deref(),
            xlsx.as_deref(),
            html.as_deref(),
            templates.as_deref(),
        ),
        Command::Import { db, files } => server::import(
            (&db.database, db.district.as_deref()),
            db.checklists.as_deref(),
            &expand(&files),
        ),
        Command::Rescore(args) => rescore::run(&args),
        Command::Backup(args) => backup::backup(&args),
        Command::Restore(args) => backup::restore(&args),
        Command::Publish(args) => publish::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    role,
                    unit,
                    street,
                    db,
                },
        } => server::add_user(
            (&db.database, db.district.as_deref()),
            db.checklists.as_deref(),
            &username,
            &role,
            (unit.as_deref(), street.as_deref()),
        ),
        Command::User {
            command: UserCommand::Password { username, db },
        } => server::set_password(
            (&db.database, db.district.as_deref()),
            db.checklists.as_deref(),
            &username,
        ),
        Command::District {
            command:
                DistrictCommand::Add {
                    code,
                    name,
                    city,
                    first,
                    db,
                },
        } => district::add_district(
            &db.database,
            db.checklists.as_deref(),
            &code,
            &name,
            (city, first),
        ),
        Command::District {
            command: DistrictCommand::List { db },
        } => district::list_districts(&db.database, db.checklists.as_deref()),
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

/// `checklist diff`: the text to stdout, the document to `html`; exit 0
/// whether or not anything changed.
fn checklist_diff(
    dir: Option<&Path>,
    old: &str,
    new: &str,
    html: Option<&Path>,
) -> Result<ExitCode, CliError> {
    let catalog = load_catalog(dir)?;
    let comparison = crate::service::checklist_diff::compare(&catalog, old, new, html.is_some())
        .map_err(|e| match e {
            ServiceError::NotFound(m) => CliError::Invalid(m),
            other => CliError::Failed(format!("比较考核细则失败：{other}")),
        })?;
    if let (Some(path), Some(document)) = (html, &comparison.document) {
        std::fs::write(path, document)
            .map_err(|e| CliError::Failed(format!("无法写入 {}：{e}", path.display())))?;
        eprintln!("已生成 {}", path.display());
    }
    print!("{}", comparison.text);
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
    crate::ingest::read_file_within(path, limit)
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
