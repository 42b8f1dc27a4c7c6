//! The command line speaks Chinese: `nianjian --help`, every command's help
//! (found by walking the 命令 lists, so a new command is checked too) and the
//! parse errors show no English beyond what the contract fixes — flag and
//! command names, the `ID@VERSION` form, paths, file extensions, addresses,
//! variable names — and a few words listed here. Exit codes: 0 for help and
//! version, 2 for a command line that cannot be parsed (contract §3).

use std::collections::BTreeSet;
use std::process::{Command, Output};

/// English words the help may show, and why.
const ALLOWED_WORDS: &[&str] = &[
    // The program's own name.
    "nianjian",
    // Formats, named as their users know them.
    "JSON",
    "HTML",
    "SQLite",
    // The database a server of several districts needs (`district add`).
    "PostgreSQL",
    // The SQLite form `--database` takes (contract §3).
    "sqlite:",
    // The values `user add --role` takes (contract §3).
    "admin",
    "inspector",
    "unit",
    "leader",
    "street",
    // The values `serve --log-format` takes (`[log] format` in nianjian.toml).
    "text",
    "json",
];

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nianjian"))
        .args(args)
        .env_remove("NIANJIAN_DATABASE")
        .output()
        .expect("run nianjian")
}

/// Pieces of ASCII between spaces and non-ASCII text, as a reader sees
/// words, with the brackets around them taken off.
fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || !c.is_ascii())
        .map(|t| t.trim_matches(|c: char| "[]<>(),;\"'`|".contains(c)))
        .filter(|t| !t.is_empty())
}

/// Whether a token is one of the shapes the contract fixes in English.
fn fixed_form(token: &str) -> bool {
    token.starts_with('-') // a flag: --database, -o
        || token.contains('@') // ID@VERSION, community@2013
        || token.starts_with('.') // ./checklists, .xlsx
        || token.contains("://") // postgres://
        || token // 127.0.0.1:8080
            .split_once(':')
            .is_some_and(|(_, port)| port.starts_with(|c: char| c.is_ascii_digit()))
        || (token.contains('_') // NIANJIAN_DATABASE
            && token.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
}

/// The English words of `text` that are neither fixed forms nor allowed.
fn english(text: &str, also: &BTreeSet<String>) -> Vec<String> {
    tokens(text)
        .filter(|t| !fixed_form(t) && !ALLOWED_WORDS.contains(t) && !also.contains(*t))
        .filter(|t| {
            // A run of three ASCII letters or more is a word.
            t.split(|c: char| !c.is_ascii_alphabetic())
                .any(|run| run.len() >= 3)
        })
        .map(String::from)
        .collect()
}

/// The subcommands a help text lists under 命令.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("命令"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8")
}

#[test]
fn every_help_is_chinese() {
    let mut names = BTreeSet::new();
    let mut pending: Vec<Vec<String>> = vec![Vec::new()];
    let mut seen = 0;
    while let Some(path) = pending.pop() {
        names.extend(path.iter().cloned());
        for flag in ["--help", "-h"] {
            let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
            args.push(flag);
            let output = run(&args);
            let help = stdout(&output);
            let shown = format!("nianjian {}", args.join(" "));
            assert_eq!(
                output.status.code(),
                Some(0),
                "{shown}: {}",
                stderr(&output)
            );
            assert!(help.contains("用法：nianjian"), "{shown}:\n{help}");
            assert!(
                help.contains("选项:") && help.contains("显示帮助"),
                "{shown}:\n{help}"
            );
            // Command names are the contract's, in English.
            let subs = subcommands(&help);
            names.extend(subs.iter().cloned());
            let found = english(&help, &names);
            assert!(found.is_empty(), "{shown} shows English {found:?}:\n{help}");
            if flag == "--help" {
                for sub in subs {
                    let mut deeper = path.clone();
                    deeper.push(sub);
                    pending.push(deeper);
                }
            }
        }
        seen += 1;
    }
    // nianjian, checklist, checklist validate, template, score, serve,
    // report, import, user, user add: the walk found the commands.
    assert!(seen >= 10, "only {seen} commands found");
    assert!(
        names.contains("validate") && names.contains("add"),
        "{names:?}"
    );
}

#[test]
fn version_and_a_bare_command() {
    let output = run(&["--version"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout(&output).starts_with("nianjian "),
        "{}",
        stdout(&output)
    );
    // A command that needs a subcommand, given none: its help, and exit 2.
    for args in [&[][..], &["user"][..]] {
        let output = run(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let help = stderr(&output);
        assert!(
            help.contains("用法：nianjian") && help.contains("命令:"),
            "{args:?}:\n{help}"
        );
    }
}

#[test]
fn parse_errors_are_chinese_and_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["--xy"], "无法识别的参数 --xy"),
        (&["tempalte"], "未知的命令 tempalte（是否想用 template？）"),
        (&["score", "--jsn", "a.xlsx"], "是否想用 --json"),
        (&["score"], "缺少必需的参数"),
        (&["report", "--year", "x"], "--year <年度> 的值“x”无效"),
        (&["report", "--year", "1", "--year", "2"], "只能给一次"),
        (
            &["user", "add", "--username", "a", "--role", "x"],
            "可选：admin、inspector、unit、leader",
        ),
        (
            &["template", "-o", "a.xlsx"],
            "缺少必需的参数：--checklist <ID@VERSION>",
        ),
    ];
    for (args, expected) in cases {
        let output = run(args);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
        assert!(message.starts_with("错误："), "{args:?}:\n{message}");
        assert!(
            message.contains(expected),
            "{args:?}: want “{expected}”:\n{message}"
        );
        assert!(message.contains("用法：nianjian"), "{args:?}:\n{message}");
        assert!(stdout(&output).is_empty(), "{args:?}");
        // What the user typed comes back; anything else English is ours.
        let typed: BTreeSet<String> = args
            .iter()
            .map(|a| a.to_string())
            .chain([
                "template".to_string(),
                "user".into(),
                "add".into(),
                "score".into(),
                "report".into(),
            ])
            .collect();
        let found = english(&message, &typed);
        assert!(
            found.is_empty(),
            "{args:?} shows English {found:?}:\n{message}"
        );
    }
    // The usage line is the command's the arguments reached.
    let message = stderr(&run(&["user", "add", "--role", "x"]));
    assert!(message.contains("用法：nianjian user add "), "{message}");
    assert!(
        message.contains("详见 nianjian user add --help"),
        "{message}"
    );
}

#[test]
fn the_word_check_catches_english() {
    let none = BTreeSet::new();
    assert_eq!(
        english("Usage: nianjian [OPTIONS] <COMMAND>", &none),
        ["Usage:", "OPTIONS", "COMMAND"]
    );
    assert_eq!(
        english("  -h, --help  Print help", &none),
        ["Print", "help"]
    );
    assert_eq!(english("[default: 127.0.0.1:8080]", &none), ["default:"]);
    assert!(
        english(
            "--checklist <ID@VERSION>  考核细则（.xlsx），./checklists；NIANJIAN_DATABASE",
            &none
        )
        .is_empty()
    );
    assert!(english("postgres://用户@主机:端口/库名，sqlite:路径", &none).is_empty());
}
