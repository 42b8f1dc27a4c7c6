//! The command line's own words in Chinese: clap writes its help headings,
//! usage lines, `[default: …]` notes and parse errors in English, so the
//! built-in help and version flags and the help subcommand are switched off
//! and put back with Chinese texts, every command gets a Chinese template
//! and usage line, and a parse error becomes a Chinese sentence (exit 2, as
//! for any invalid input). Flag names, command names and exit codes stay as
//! contract §3 has them.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory, FromArgMatches};

use super::{Cli, INVALID};

const TEMPLATE: &str = "{before-help}{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}";

/// The command line as clap should see it: the derived commands, in Chinese.
pub fn command() -> Command {
    let top = Cli::command().disable_version_flag(true).arg(
        Arg::new("version")
            .short('V')
            .long("version")
            .action(ArgAction::Version)
            .help("显示版本"),
    );
    let name = top.get_name().to_string();
    localize(top, &name)
}

/// One command and those below it: the template, the headings, the help
/// flag, notes that clap would write in English left to the Chinese help
/// texts, and a usage line.
fn localize(cmd: Command, path: &str) -> Command {
    let cmd = cmd
        .help_template(TEMPLATE)
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令")
        .disable_help_subcommand(true)
        .disable_help_flag(true)
        .mut_args(|arg| {
            // The help text says the default, the variable and the values
            // where they matter; clap would say them in English.
            let heading = if arg.is_positional() {
                "参数"
            } else {
                "选项"
            };
            let arg = arg.help_heading(heading);
            if arg.get_action().takes_values() {
                arg.hide_default_value(true)
                    .hide_env(true)
                    .hide_possible_values(true)
            } else {
                arg
            }
        })
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("显示帮助")
                .help_heading("选项"),
        );
    let usage = usage(&cmd, path);
    cmd.override_usage(usage).mut_subcommands(|sub| {
        let below = format!("{path} {}", sub.get_name());
        localize(sub, &below)
    })
}

/// `nianjian template [选项] --checklist <ID@VERSION> -o <文件>`: the
/// command, `[选项]` when it has optional flags, the required options, the
/// arguments and `<命令>` when it has subcommands.
fn usage(cmd: &Command, path: &str) -> String {
    let mut parts = vec![path.to_string()];
    let value = |arg: &Arg| {
        arg.get_value_names()
            .and_then(|names| names.first())
            .map_or_else(|| arg.get_id().to_string(), ToString::to_string)
    };
    let options: Vec<&Arg> = cmd.get_arguments().filter(|a| !a.is_positional()).collect();
    if options.iter().any(|a| !a.is_required_set()) {
        parts.push("[选项]".into());
    }
    for arg in options.iter().filter(|a| a.is_required_set()) {
        let flag = match (arg.get_short(), arg.get_long()) {
            (Some(short), _) => format!("-{short}"),
            (None, Some(long)) => format!("--{long}"),
            (None, None) => continue,
        };
        parts.push(format!("{flag} <{}>", value(arg)));
    }
    for arg in cmd.get_arguments().filter(|a| a.is_positional()) {
        let many = if matches!(arg.get_action(), ArgAction::Append) {
            "..."
        } else {
            ""
        };
        parts.push(if arg.is_required_set() {
            format!("<{}>{many}", value(arg))
        } else {
            format!("[{}]{many}", value(arg))
        });
    }
    if cmd.has_subcommands() {
        parts.push("<命令>".into());
    }
    parts.join(" ")
}

/// The parsed command line; on help or version what to exit with after
/// printing it, and on an error the Chinese message and exit 2.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Cli, ExitCode> {
    let args: Vec<OsString> = args.into_iter().collect();
    let error = match command().try_get_matches_from(&args) {
        Ok(matches) => match Cli::from_arg_matches(&matches) {
            Ok(cli) => return Ok(cli),
            Err(e) => e,
        },
        Err(e) => e,
    };
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = error.print();
            Err(ExitCode::SUCCESS)
        }
        // A command that needs a subcommand, given none: its help, on stderr.
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = error.print();
            Err(ExitCode::from(INVALID))
        }
        _ => {
            let (path, usage) = reached(&args);
            eprintln!(
                "错误：{}\n\n用法：{usage}\n\n详见 {path} --help",
                message(&error)
            );
            Err(ExitCode::from(INVALID))
        }
    }
}

/// The command the arguments got to (`nianjian user add`) and its usage
/// line: clap's errors carry the usage with an English title, or none.
fn reached(args: &[OsString]) -> (String, String) {
    let mut cmd = command();
    let mut path = cmd.get_name().to_string();
    for arg in args.iter().skip(1) {
        if !cmd.has_subcommands() {
            break;
        }
        let Some(sub) = arg.to_str().and_then(|a| cmd.find_subcommand(a)).cloned() else {
            continue;
        };
        path = format!("{path} {}", sub.get_name());
        cmd = sub;
    }
    let usage = usage(&cmd, &path);
    (path, usage)
}

fn context(error: &clap::Error, kind: ContextKind) -> Option<String> {
    match error.get(kind)? {
        ContextValue::None => None,
        ContextValue::Strings(values) => Some(values.join("、")),
        ContextValue::StyledStrs(values) => Some(
            values
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("、"),
        ),
        other => Some(other.to_string()),
    }
}

/// What is wrong, in Chinese, with clap's suggestion where it has one.
fn message(error: &clap::Error) -> String {
    let arg = context(error, ContextKind::InvalidArg).unwrap_or_default();
    let value = context(error, ContextKind::InvalidValue).unwrap_or_default();
    let mut text = match error.kind() {
        ErrorKind::UnknownArgument => format!("无法识别的参数 {arg}"),
        ErrorKind::InvalidSubcommand => {
            format!(
                "未知的命令 {}",
                context(error, ContextKind::InvalidSubcommand).unwrap_or_default()
            )
        }
        ErrorKind::InvalidValue => match context(error, ContextKind::ValidValue) {
            Some(valid) => format!("{arg} 的值“{value}”无效，可选：{valid}"),
            None => format!("{arg} 的值不能为空"),
        },
        ErrorKind::ValueValidation => format!("{arg} 的值“{value}”无效"),
        ErrorKind::MissingRequiredArgument => format!("缺少必需的参数：{arg}"),
        ErrorKind::MissingSubcommand => "缺少命令".to_string(),
        ErrorKind::ArgumentConflict => match context(error, ContextKind::PriorArg) {
            Some(prior) if prior != arg => format!("参数 {arg} 不能与 {prior} 同时使用"),
            _ => format!("参数 {arg} 只能给一次"),
        },
        ErrorKind::NoEquals => format!("{arg} 的值须用 = 连接"),
        ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("{arg} 的值的个数不对")
        }
        ErrorKind::InvalidUtf8 => "参数不是有效的 UTF-8 文本".to_string(),
        _ => "命令行参数有误".to_string(),
    };
    let suggested = context(error, ContextKind::SuggestedArg)
        .or_else(|| context(error, ContextKind::SuggestedSubcommand));
    if let Some(suggested) = suggested {
        text.push_str(&format!("（是否想用 {suggested}？）"));
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn clap_accepts_the_chinese_command_line() {
        // clap's own consistency checks, over every command.
        super::command().debug_assert();
    }

    #[test]
    fn a_usage_line_names_what_is_required() {
        let cmd = super::command();
        let add = cmd
            .find_subcommand("user")
            .and_then(|u| u.find_subcommand("add"))
            .expect("user add");
        assert_eq!(
            super::usage(add, "nianjian user add"),
            "nianjian user add [选项] --username <用户名> --role <角色>"
        );
    }
}
