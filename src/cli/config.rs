//! `nianjian.toml` (配置文件): serve's settings from the command line, the
//! environment (`NIANJIAN_<SECTION>_<KEY>`), the file and the built-in
//! defaults, the first that gives a value winning. Pure: the caller reads
//! the file and the environment; this module parses and merges, so that the
//! precedence is tested as a table.
//!
//! Relative paths in the file are taken from the file's folder (a systemd
//! unit runs `serve --config /etc/nianjian/nianjian.toml` from `/`); on the
//! command line and in the environment, from the working folder.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use chrono::NaiveTime;

use crate::domain::local_time::Zone;
use crate::service::digests::{Security, Smtp};

/// The file read when neither `--config` nor NIANJIAN_CONFIG names one.
pub const DEFAULT_FILE: &str = "nianjian.toml";

/// 日志格式：文本（给人读）或每行一个 JSON 对象（给日志系统）。
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl LogFormat {
    pub fn parse(text: &str) -> Result<LogFormat, String> {
        match text.trim() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("日志格式只能是 text 或 json，不能是“{other}”")),
        }
    }
}

/// A backup interval: `24h`, `90m`, `2d`, or a bare number of hours (`24`,
/// what `--backup-every` always took).
pub fn parse_every(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let refuse = || format!("备份间隔“{text}”无法识别：请写小时数（如 24），或 24h、30m、2d");
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c.to_ascii_lowercase()),
        _ => (text, 'h'),
    };
    let n: u64 = number.trim().parse().map_err(|_| refuse())?;
    let minutes = match unit {
        'm' => n,
        'h' => n.checked_mul(60).ok_or_else(refuse)?,
        'd' => n.checked_mul(24 * 60).ok_or_else(refuse)?,
        _ => return Err(refuse()),
    };
    if minutes == 0 {
        return Err(format!("备份间隔“{text}”至少要 1 分钟"));
    }
    Ok(Duration::from_secs(minutes * 60))
}

/// A log level or filter as `NIANJIAN_LOG` takes it (`info`, `debug`,
/// `nianjian=debug,actix_web=warn`).
fn parse_level(text: &str) -> Result<String, String> {
    tracing_subscriber::EnvFilter::try_new(text.trim())
        .map(|_| text.trim().to_string())
        .map_err(|_| format!("日志级别“{text}”无法识别：请写 error、warn、info、debug 或 trace"))
}

/// A value as written in the environment.
trait FromText: Sized {
    fn from_text(text: &str) -> Result<Self, String>;
}

impl FromText for String {
    fn from_text(text: &str) -> Result<Self, String> {
        Ok(text.to_string())
    }
}

impl FromText for PathBuf {
    fn from_text(text: &str) -> Result<Self, String> {
        Ok(PathBuf::from(text))
    }
}

impl FromText for bool {
    fn from_text(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err(format!("“{text}”应为 true 或 false")),
        }
    }
}

macro_rules! numbers {
    ($($t:ty),*) => {$(
        impl FromText for $t {
            fn from_text(text: &str) -> Result<Self, String> {
                text.trim().parse().map_err(|_| format!("“{text}”应为非负整数"))
            }
        }
    )*};
}
numbers!(usize, u64, i64, u16);

impl FromText for NaiveTime {
    fn from_text(text: &str) -> Result<Self, String> {
        NaiveTime::parse_from_str(text.trim(), "%H:%M")
            .map_err(|_| format!("“{text}”应为一天中的时刻，如 \"08:00\""))
    }
}

impl FromText for Security {
    fn from_text(text: &str) -> Result<Self, String> {
        Security::parse(text)
    }
}

impl FromText for Zone {
    fn from_text(text: &str) -> Result<Self, String> {
        Zone::parse(text)
    }
}

impl FromText for Duration {
    fn from_text(text: &str) -> Result<Self, String> {
        parse_every(text)
    }
}

impl FromText for LogFormat {
    fn from_text(text: &str) -> Result<Self, String> {
        LogFormat::parse(text)
    }
}

/// Deserializes a value written as text in the file through [`FromText`],
/// so that a bad one is refused with its line.
fn written<'de, D: Deserializer<'de>, T: FromText>(d: D) -> Result<Option<T>, D::Error> {
    let raw = String::deserialize(d)?;
    T::from_text(&raw)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// The backup interval in the file: `"24h"`, or a number of hours.
fn every<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Hours(u64),
        Text(String),
    }
    let text = match Raw::deserialize(d)? {
        Raw::Hours(h) => h.to_string(),
        Raw::Text(t) => t,
    };
    parse_every(&text)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

fn level<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let raw = String::deserialize(d)?;
    parse_level(&raw)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// Declares the settings once: the flat [`Layer`] (one source's values),
/// its merge, and the environment variable of each (`NIANJIAN_` and the
/// file's key, upper-case, sections joined by `_`).
macro_rules! layer {
    ($($field:ident : $t:ty = $key:literal),* $(,)?) => {
        /// What one source (command line, environment, file) says; `None`
        /// where it says nothing.
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct Layer {
            $(pub $field: Option<$t>,)*
        }

        impl Layer {
            /// Each setting from `self`, else from `weaker`.
            pub fn or(self, weaker: Layer) -> Layer {
                Layer { $($field: self.$field.or(weaker.$field),)* }
            }

            /// The settings the environment gives, through `lookup`
            /// (`std::env::var` outside tests).
            pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Layer, String> {
                let mut layer = Layer::default();
                $(
                    let var = env_name($key);
                    if let Some(value) = lookup(&var).filter(|v| !v.trim().is_empty()) {
                        layer.$field = Some(<$t as FromText>::from_text(&value)
                            .map_err(|e| format!("环境变量 {var} 有误：{e}"))?);
                    }
                )*
                Ok(layer)
            }
        }

        /// Every key of the file, as written there (`limits.max_upload_mb`).
        #[cfg(test)]
        const KEYS: &[&str] = &[$($key),*];
    };
}

layer! {
    bind: String = "bind",
    database: String = "database",
    checklists: PathBuf = "checklists",
    templates: PathBuf = "templates",
    timezone: Zone = "timezone",
    workers: usize = "workers",
    bureau_name: String = "bureau.name",
    bureau_address: String = "bureau.address",
    bureau_phone: String = "bureau.phone",
    notice_prefix: String = "bureau.notice_prefix",
    max_upload_mb: usize = "limits.max_upload_mb",
    max_bulk_mb: usize = "limits.max_bulk_mb",
    uploads_per_account: usize = "limits.uploads_per_account",
    token_hours: i64 = "limits.token_hours",
    backup_dir: PathBuf = "backup.dir",
    backup_every: Duration = "backup.every",
    backup_keep: u64 = "backup.keep",
    log_format: LogFormat = "log.format",
    log_level: String = "log.level",
    secure_cookies: bool = "http.secure_cookies",
    trusted_proxy: bool = "http.trusted_proxy",
    metrics: bool = "http.metrics",
    tls_cert: PathBuf = "http.tls_cert",
    tls_key: PathBuf = "http.tls_key",
    digest_at: NaiveTime = "notify.digest_at",
    site_url: String = "notify.site_url",
    webhook: String = "notify.webhook",
    smtp_host: String = "notify.smtp_host",
    smtp_port: u16 = "notify.smtp_port",
    smtp_security: Security = "notify.smtp_security",
    smtp_username: String = "notify.smtp_username",
    smtp_password: String = "notify.smtp_password",
    smtp_from: String = "notify.smtp_from",
}

/// `limits.max_upload_mb` → `NIANJIAN_LIMITS_MAX_UPLOAD_MB`.
pub fn env_name(key: &str) -> String {
    format!("NIANJIAN_{}", key.replace('.', "_").to_ascii_uppercase())
}

// ---------------------------------------------------------------------------
// The file

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    bind: Option<String>,
    database: Option<String>,
    checklists: Option<PathBuf>,
    templates: Option<PathBuf>,
    #[serde(default, deserialize_with = "written")]
    timezone: Option<Zone>,
    workers: Option<usize>,
    #[serde(default)]
    bureau: BureauSection,
    #[serde(default)]
    limits: LimitsSection,
    #[serde(default)]
    backup: BackupSection,
    #[serde(default)]
    log: LogSection,
    #[serde(default)]
    http: HttpSection,
    #[serde(default)]
    notify: NotifySection,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct BureauSection {
    name: Option<String>,
    address: Option<String>,
    phone: Option<String>,
    notice_prefix: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LimitsSection {
    max_upload_mb: Option<usize>,
    max_bulk_mb: Option<usize>,
    uploads_per_account: Option<usize>,
    token_hours: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct BackupSection {
    dir: Option<PathBuf>,
    #[serde(default, deserialize_with = "every")]
    every: Option<Duration>,
    keep: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LogSection {
    #[serde(default, deserialize_with = "written")]
    format: Option<LogFormat>,
    #[serde(default, deserialize_with = "level")]
    level: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct HttpSection {
    secure_cookies: Option<bool>,
    trusted_proxy: Option<bool>,
    metrics: Option<bool>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NotifySection {
    #[serde(default, deserialize_with = "written")]
    digest_at: Option<NaiveTime>,
    site_url: Option<String>,
    webhook: Option<String>,
    smtp_host: Option<String>,
    smtp_port: Option<u16>,
    #[serde(default, deserialize_with = "written")]
    smtp_security: Option<Security>,
    smtp_username: Option<String>,
    smtp_password: Option<String>,
    smtp_from: Option<String>,
}

/// The settings of a configuration file's text; `path` names it in errors
/// and is where relative paths start.
pub fn parse_file(path: &Path, text: &str) -> Result<Layer, String> {
    let deserializer =
        toml::de::Deserializer::parse(text).map_err(|e| file_error(path, text, "", &e))?;
    let file: File = serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let key = e.path().to_string();
        file_error(path, text, &key, e.inner())
    })?;
    let folder = path.parent().unwrap_or(Path::new(""));
    let here = |p: Option<PathBuf>| p.map(|p| folder.join(p));
    Ok(Layer {
        bind: file.bind,
        database: file.database.map(|d| database_from(folder, &d)),
        checklists: here(file.checklists),
        templates: here(file.templates),
        timezone: file.timezone,
        workers: file.workers,
        bureau_name: file.bureau.name,
        bureau_address: file.bureau.address,
        bureau_phone: file.bureau.phone,
        notice_prefix: file.bureau.notice_prefix,
        max_upload_mb: file.limits.max_upload_mb,
        max_bulk_mb: file.limits.max_bulk_mb,
        uploads_per_account: file.limits.uploads_per_account,
        token_hours: file.limits.token_hours,
        backup_dir: here(file.backup.dir),
        backup_every: file.backup.every,
        backup_keep: file.backup.keep,
        log_format: file.log.format,
        log_level: file.log.level,
        secure_cookies: file.http.secure_cookies,
        trusted_proxy: file.http.trusted_proxy,
        metrics: file.http.metrics,
        tls_cert: here(file.http.tls_cert),
        tls_key: here(file.http.tls_key),
        digest_at: file.notify.digest_at,
        site_url: file.notify.site_url,
        webhook: file.notify.webhook,
        smtp_host: file.notify.smtp_host,
        smtp_port: file.notify.smtp_port,
        smtp_security: file.notify.smtp_security,
        smtp_username: file.notify.smtp_username,
        smtp_password: file.notify.smtp_password,
        smtp_from: file.notify.smtp_from,
    })
}

/// A SQLite path in the file, taken from the file's folder; a PostgreSQL
/// URL as written.
fn database_from(folder: &Path, text: &str) -> String {
    let text = text.trim();
    if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        return text.to_string();
    }
    let (scheme, path) = if let Some(rest) = text.strip_prefix("sqlite://") {
        ("sqlite://", rest)
    } else if let Some(rest) = text.strip_prefix("sqlite:") {
        ("sqlite:", rest)
    } else {
        ("", text)
    };
    if path.is_empty() || Path::new(path).is_absolute() || folder.as_os_str().is_empty() {
        return text.to_string();
    }
    format!("{scheme}{}", folder.join(path).display())
}

/// 配置文件 F 第 N 行（key）：what is wrong, in Chinese where serde's words are known.
fn file_error(path: &Path, text: &str, key: &str, e: &toml::de::Error) -> String {
    let line = e
        .span()
        .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
    let place = match (line, key.is_empty() || key == ".") {
        (Some(line), false) => format!("第 {line} 行（{key}）"),
        (Some(line), true) => format!("第 {line} 行"),
        (None, false) => format!("（{key}）"),
        (None, true) => String::new(),
    };
    format!(
        "配置文件 {} {place}有误：{}",
        path.display(),
        in_chinese(e.message())
    )
}

fn in_chinese(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return format!("没有“{name}”这个设置项（可用的设置项见 nianjian.example.toml）");
    }
    if message.starts_with("invalid type") || message.starts_with("invalid value") {
        let wanted = message.rsplit("expected ").next().unwrap_or("");
        let what = if ["usize", "u64", "i64", "integer"]
            .iter()
            .any(|t| wanted.contains(t))
        {
            "应为非负整数"
        } else if wanted.contains("bool") {
            "应为 true 或 false（不加引号）"
        } else if wanted.contains("string") || wanted.contains("path") {
            "应为加引号的文字"
        } else {
            "类型不对"
        };
        return format!("{what}（{message}）");
    }
    if message.starts_with("duplicate key") {
        return format!("同一设置项写了两次（{message}）");
    }
    if message.is_ascii() {
        return format!("格式不对（{message}）");
    }
    message.to_string()
}

// ---------------------------------------------------------------------------
// The settings serve runs with

/// Where the file comes from: `--config`, else NIANJIAN_CONFIG, else
/// `./nianjian.toml` when it is there (`exists` tells), else none.
pub fn which_file(
    given: Option<&Path>,
    env: Option<String>,
    exists: impl Fn(&Path) -> bool,
) -> Option<PathBuf> {
    given
        .map(Path::to_path_buf)
        .or_else(|| env.filter(|e| !e.trim().is_empty()).map(PathBuf::from))
        .or_else(|| {
            let default = Path::new(DEFAULT_FILE);
            exists(default).then(|| default.to_path_buf())
        })
}

/// The bureau's own settings, as `--bureau` and its siblings give them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BureauValues {
    pub name: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub notice_prefix: Option<String>,
}

/// Scheduled backups.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    pub dir: PathBuf,
    pub every: Duration,
    pub keep: usize,
}

/// Serving HTTPS directly: the certificate chain and its private key.
#[derive(Clone, Debug, PartialEq)]
pub struct Tls {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Everything `serve` needs, every default applied.
#[derive(Clone, Debug, PartialEq)]
pub struct ServeConfig {
    pub bind: String,
    pub database: String,
    pub checklists: Option<PathBuf>,
    pub templates: Option<PathBuf>,
    pub zone: Zone,
    pub workers: Option<usize>,
    pub bureau: BureauValues,
    pub max_upload_mb: usize,
    pub max_bulk_mb: usize,
    pub uploads_per_account: usize,
    pub token_hours: i64,
    pub backup: Option<Schedule>,
    pub log_format: LogFormat,
    pub log_level: String,
    pub secure_cookies: bool,
    pub trusted_proxy: bool,
    pub metrics: bool,
    pub tls: Option<Tls>,
    pub notify: Notify,
}

/// The daily digest's settings (`[notify]`): nothing is sent without a
/// mail server or a webhook.
#[derive(Clone, Debug, PartialEq)]
pub struct Notify {
    pub smtp: Option<Smtp>,
    pub webhook: Option<String>,
    pub digest_at: NaiveTime,
    pub site: Option<String>,
}

impl Layer {
    /// The mail server, when one is configured; its host and sender come
    /// together.
    fn smtp(&mut self) -> Result<Option<Smtp>, String> {
        let host = self.smtp_host.take().filter(|v| !v.trim().is_empty());
        let from = self.smtp_from.take().filter(|v| !v.trim().is_empty());
        let (host, from) = match (host, from) {
            (Some(host), Some(from)) => (host, from),
            (None, None) => return Ok(None),
            _ => return Err("notify.smtp_host 与 notify.smtp_from 须一同给出".into()),
        };
        if !crate::service::digests::is_sender(&from) {
            return Err(format!("notify.smtp_from “{from}”不是有效的发件地址"));
        }
        Ok(Some(Smtp {
            host: host.trim().to_string(),
            port: self.smtp_port.take(),
            security: self.smtp_security.take().unwrap_or_default(),
            username: self.smtp_username.take(),
            password: self.smtp_password.take(),
            from,
        }))
    }

    fn notify(&mut self) -> Result<Notify, String> {
        let webhook = self.webhook.take().filter(|w| !w.trim().is_empty());
        if let Some(url) = &webhook
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(format!(
                "notify.webhook “{url}”应以 https:// 或 http:// 开头"
            ));
        }
        Ok(Notify {
            smtp: self.smtp()?,
            webhook,
            digest_at: self
                .digest_at
                .take()
                .unwrap_or(NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default()),
            site: self.site_url.take().filter(|s| !s.trim().is_empty()),
        })
    }
}

impl Layer {
    /// The merged settings with the defaults filled in; refuses values
    /// that cannot work together or at all.
    pub fn finish(mut self) -> Result<ServeConfig, String> {
        let notify = self.notify()?;
        let positive = |value: Option<usize>, key: &str, default: usize| match value {
            Some(0) => Err(format!("{key} 至少为 1")),
            v => Ok(v.unwrap_or(default)),
        };
        let tls = match (self.tls_cert, self.tls_key) {
            (Some(cert), Some(key)) => Some(Tls { cert, key }),
            (None, None) => None,
            _ => return Err("http.tls_cert 与 http.tls_key 须一同给出".into()),
        };
        let backup = match self.backup_dir {
            Some(dir) => Some(Schedule {
                dir,
                every: self.backup_every.unwrap_or(Duration::from_secs(24 * 3600)),
                keep: match self.backup_keep {
                    Some(0) => return Err("backup.keep 至少为 1".into()),
                    keep => usize::try_from(keep.unwrap_or(7)).unwrap_or(usize::MAX),
                },
            }),
            None => None,
        };
        let token_hours = match self.token_hours {
            Some(h) if h < 1 => return Err("limits.token_hours 至少为 1".into()),
            h => h.unwrap_or(crate::service::accounts::TOKEN_HOURS),
        };
        Ok(ServeConfig {
            bind: self.bind.unwrap_or_else(|| "127.0.0.1:8080".into()),
            database: self.database.unwrap_or_else(|| "nianjian.db".into()),
            checklists: self.checklists,
            templates: self.templates,
            zone: self.timezone.unwrap_or_default(),
            workers: match self.workers {
                Some(0) => return Err("workers 至少为 1".into()),
                w => w,
            },
            bureau: BureauValues {
                name: self.bureau_name,
                address: self.bureau_address,
                phone: self.bureau_phone,
                notice_prefix: self.notice_prefix,
            },
            max_upload_mb: positive(self.max_upload_mb, "limits.max_upload_mb", 10)?,
            max_bulk_mb: positive(self.max_bulk_mb, "limits.max_bulk_mb", 200)?,
            uploads_per_account: positive(
                self.uploads_per_account,
                "limits.uploads_per_account",
                2,
            )?,
            token_hours,
            backup,
            log_format: self.log_format.unwrap_or_default(),
            log_level: self.log_level.unwrap_or_else(|| "info".into()),
            secure_cookies: self.secure_cookies.unwrap_or(false),
            trusted_proxy: self.trusted_proxy.unwrap_or(false),
            metrics: self.metrics.unwrap_or(true),
            tls,
            notify,
        })
    }
}

/// The environment's settings, with the log filter `NIANJIAN_LOG` (older
/// than the file) standing for `log.level`.
pub fn env_layer(lookup: impl Fn(&str) -> Option<String>) -> Result<Layer, String> {
    let mut layer = Layer::from_env(&lookup)?;
    if layer.log_level.is_none()
        && let Some(filter) = lookup("NIANJIAN_LOG").filter(|v| !v.trim().is_empty())
    {
        layer.log_level =
            Some(parse_level(&filter).map_err(|e| format!("环境变量 NIANJIAN_LOG 有误：{e}"))?);
    }
    Ok(layer)
}

/// Command line over environment over file over defaults.
pub fn resolve(command_line: Layer, env: Layer, file: Layer) -> Result<ServeConfig, String> {
    command_line.or(env).or(file).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> Result<Layer, String> {
        parse_file(Path::new("/etc/nianjian/nianjian.toml"), text)
    }

    fn env(pairs: &[(&str, &str)]) -> Layer {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        env_layer(|name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
        .expect("environment")
    }

    #[test]
    fn the_first_source_that_says_something_wins() {
        let cli = |bind: Option<&str>| Layer {
            bind: bind.map(String::from),
            ..Layer::default()
        };
        let file_layer = |bind: Option<&str>| {
            file(&bind.map_or(String::new(), |b| format!("bind = \"{b}\"\n"))).expect("file")
        };
        // (command line, environment, file, expected)
        type Row<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, &'a str);
        let table: &[Row] = &[
            (None, None, None, "127.0.0.1:8080"),
            (None, None, Some("0.0.0.0:1"), "0.0.0.0:1"),
            (None, Some("0.0.0.0:2"), Some("0.0.0.0:1"), "0.0.0.0:2"),
            (
                Some("0.0.0.0:3"),
                Some("0.0.0.0:2"),
                Some("0.0.0.0:1"),
                "0.0.0.0:3",
            ),
            (Some("0.0.0.0:3"), None, Some("0.0.0.0:1"), "0.0.0.0:3"),
            (Some("0.0.0.0:3"), Some("0.0.0.0:2"), None, "0.0.0.0:3"),
        ];
        for &(c, e, f, expected) in table {
            let env = env(&e.map(|e| vec![("NIANJIAN_BIND", e)]).unwrap_or_default());
            let config = resolve(cli(c), env, file_layer(f)).expect("resolve");
            assert_eq!(config.bind, expected, "{c:?} {e:?} {f:?}");
        }
    }

    #[test]
    fn every_key_has_its_variable_and_sections_merge_key_by_key() {
        assert_eq!(
            env_name("limits.max_upload_mb"),
            "NIANJIAN_LIMITS_MAX_UPLOAD_MB"
        );
        assert_eq!(env_name("bureau.name"), "NIANJIAN_BUREAU_NAME");
        assert_eq!(env_name("database"), "NIANJIAN_DATABASE");
        assert_eq!(KEYS.len(), 33);
        let from_file = file(
            "[bureau]\nname = \"甲区档案局\"\nphone = \"0571-1\"\n[limits]\nmax_upload_mb = 5\nmax_bulk_mb = 50\n",
        )
        .expect("file");
        let from_env = env(&[
            ("NIANJIAN_BUREAU_NAME", "乙区档案局"),
            ("NIANJIAN_LIMITS_MAX_UPLOAD_MB", "7"),
            ("NIANJIAN_HTTP_SECURE_COOKIES", "true"),
            ("NIANJIAN_LOG_FORMAT", "json"),
            ("NIANJIAN_BACKUP_EVERY", "90m"),
        ]);
        let config = resolve(Layer::default(), from_env, from_file).expect("resolve");
        assert_eq!(config.bureau.name.as_deref(), Some("乙区档案局"));
        assert_eq!(config.bureau.phone.as_deref(), Some("0571-1"));
        assert_eq!((config.max_upload_mb, config.max_bulk_mb), (7, 50));
        assert!(config.secure_cookies && config.metrics && !config.trusted_proxy);
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(
            config.backup, None,
            "an interval without a folder schedules nothing"
        );
    }

    /// ([notify] in the file, the mail server read or the error's words).
    #[test]
    fn the_digest_settings_come_together_or_are_refused() {
        type Row<'a> = (
            &'a str,
            Result<Option<(&'a str, Option<u16>, Security)>, &'a str>,
        );
        let table: &[Row<'_>] = &[
            ("", Ok(None)),
            (
                "smtp_host = \"smtp.example.gov.cn\"\nsmtp_from = \"年检系统 <nj@example.gov.cn>\"",
                Ok(Some(("smtp.example.gov.cn", None, Security::Tls))),
            ),
            (
                "smtp_host = \"relay\"\nsmtp_from = \"nj@example.gov.cn\"\nsmtp_port = 2525\nsmtp_security = \"none\"",
                Ok(Some(("relay", Some(2525), Security::None))),
            ),
            ("smtp_host = \"relay\"", Err("须一同给出")),
            ("smtp_from = \"nj@example.gov.cn\"", Err("须一同给出")),
            (
                "smtp_host = \"relay\"\nsmtp_from = \"nobody\"",
                Err("不是有效的发件地址"),
            ),
            ("smtp_security = \"plain\"", Err("不是加密方式")),
            ("digest_at = \"8 点\"", Err("一天中的时刻")),
            ("webhook = \"oapi.dingtalk.com/robot\"", Err("https://")),
        ];
        for (text, want) in table {
            let got = file(&format!("[notify]\n{text}\n"))
                .and_then(Layer::finish)
                .map(|c| c.notify.smtp.map(|s| (s.host, s.port, s.security)));
            match (got, want) {
                (Ok(got), Ok(want)) => {
                    assert_eq!(got, want.map(|(h, p, s)| (h.to_string(), p, s)), "{text}")
                }
                (Err(e), Err(words)) => assert!(e.contains(words), "{text}: {e}"),
                (got, want) => panic!("{text}: {got:?}, wanted {want:?}"),
            }
        }
        let config = file("[notify]\ndigest_at = \"07:30\"\nwebhook = \"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k\"\n")
            .and_then(Layer::finish)
            .expect("notify");
        assert_eq!(
            config.notify.digest_at,
            NaiveTime::from_hms_opt(7, 30, 0).unwrap()
        );
        assert!(config.notify.webhook.is_some() && config.notify.smtp.is_none());
        // The password from the environment, the rest from the file.
        let env = env(&[("NIANJIAN_NOTIFY_SMTP_PASSWORD", "授权码")]);
        let text = "[notify]\nsmtp_host = \"h\"\nsmtp_from = \"nj@example.gov.cn\"\n";
        let config = resolve(Layer::default(), env, file(text).unwrap()).expect("resolve");
        assert_eq!(
            config.notify.smtp.unwrap().password.as_deref(),
            Some("授权码")
        );
    }

    #[test]
    fn the_defaults_are_those_of_the_command_line() {
        let config = Layer::default().finish().expect("defaults");
        assert_eq!(config.bind, "127.0.0.1:8080");
        assert_eq!(config.database, "nianjian.db");
        assert_eq!((config.max_upload_mb, config.max_bulk_mb), (10, 200));
        assert_eq!(config.uploads_per_account, 2);
        assert_eq!(config.zone, Zone::default());
        assert_eq!(config.log_format, LogFormat::Text);
        assert_eq!(config.log_level, "info");
        assert!(!config.secure_cookies && !config.trusted_proxy && config.metrics);
        assert_eq!(config.tls, None);
        assert_eq!(
            config.notify,
            Notify {
                smtp: None,
                webhook: None,
                digest_at: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
                site: None,
            },
            "nothing is sent unless configured"
        );
    }

    #[test]
    fn relative_paths_in_the_file_start_at_its_folder() {
        let layer = file(
            "database = \"nianjian.db\"\nchecklists = \"checklists\"\n[backup]\ndir = \"/var/backups\"\nevery = 12\n[http]\ntls_cert = \"tls/cert.pem\"\ntls_key = \"tls/key.pem\"\n",
        )
        .expect("file");
        assert_eq!(layer.database.as_deref(), Some("/etc/nianjian/nianjian.db"));
        assert_eq!(
            layer.checklists,
            Some(PathBuf::from("/etc/nianjian/checklists"))
        );
        assert_eq!(layer.backup_dir, Some(PathBuf::from("/var/backups")));
        assert_eq!(layer.backup_every, Some(Duration::from_secs(12 * 3600)));
        assert_eq!(
            layer.tls_cert,
            Some(PathBuf::from("/etc/nianjian/tls/cert.pem"))
        );
        let dir = Path::new("/srv/nj");
        for (given, expected) in [
            ("a.db", "/srv/nj/a.db"),
            ("sqlite:a.db", "sqlite:/srv/nj/a.db"),
            ("sqlite:///var/a.db", "sqlite:///var/a.db"),
            ("/var/a.db", "/var/a.db"),
            ("postgres://u@h/db", "postgres://u@h/db"),
        ] {
            assert_eq!(database_from(dir, given), expected, "{given}");
        }
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named_with_file_key_and_line() {
        // (text, what the message holds)
        let table: &[(&str, &[&str])] = &[
            (
                "bind = \"x\"\nport = 8080\n",
                &["/etc/nianjian/nianjian.toml", "第 2 行", "port", "没有"],
            ),
            (
                "[limits]\nmax_upload = 3\n",
                &["第 2 行", "limits.max_upload", "没有"],
            ),
            (
                "[limits]\n\nmax_upload_mb = \"ten\"\n",
                &["第 3 行", "limits.max_upload_mb", "整数"],
            ),
            (
                "timezone = \"Mars/Olympus\"\n",
                &["第 1 行", "timezone", "时区"],
            ),
            (
                "[log]\nformat = \"xml\"\n",
                &["第 2 行", "log.format", "text 或 json"],
            ),
            (
                "[backup]\nevery = \"soon\"\n",
                &["第 2 行", "backup.every", "备份间隔"],
            ),
            (
                "[http]\nsecure_cookies = \"yes\"\n",
                &["第 2 行", "http.secure_cookies", "true 或 false"],
            ),
            ("[nginx]\nport = 1\n", &["第 1 行", "nginx", "没有"]),
            ("bind = \n", &["第 1 行", "格式不对"]),
        ];
        for (text, wanted) in table {
            let message = file(text).expect_err(text);
            for w in *wanted {
                assert!(message.contains(w), "{text:?}: {message} lacks {w}");
            }
        }
    }

    #[test]
    fn bad_environment_values_name_the_variable() {
        let lookup = |value: &'static str| {
            move |name: &str| (name == "NIANJIAN_WORKERS").then(|| value.to_string())
        };
        let message = env_layer(lookup("two")).expect_err("refused");
        assert!(message.contains("NIANJIAN_WORKERS"), "{message}");
        assert_eq!(env_layer(lookup("3")).expect("ok").workers, Some(3));
        let level = env_layer(|n: &str| (n == "NIANJIAN_LOG").then(|| "debug".to_string()));
        assert_eq!(level.expect("ok").log_level.as_deref(), Some("debug"));
    }

    #[test]
    fn settings_that_cannot_work_are_refused() {
        let only_cert = Layer {
            tls_cert: Some("c.pem".into()),
            ..Layer::default()
        };
        assert!(only_cert.finish().unwrap_err().contains("tls_key"));
        let zero = Layer {
            max_upload_mb: Some(0),
            ..Layer::default()
        };
        assert!(zero.finish().unwrap_err().contains("max_upload_mb"));
    }

    #[test]
    fn intervals_read_as_the_flag_always_did() {
        for (text, minutes) in [
            ("24", 1440),
            ("24h", 1440),
            ("90m", 90),
            ("2d", 2880),
            ("1", 60),
        ] {
            assert_eq!(
                parse_every(text),
                Ok(Duration::from_secs(minutes * 60)),
                "{text}"
            );
        }
        for bad in ["", "0", "h", "3w", "-1", "1.5h"] {
            assert!(parse_every(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_file_is_found_as_documented() {
        let given = Path::new("/a.toml");
        assert_eq!(
            which_file(Some(given), Some("/b.toml".into()), |_| true),
            Some(given.into())
        );
        assert_eq!(
            which_file(None, Some("/b.toml".into()), |_| true),
            Some("/b.toml".into())
        );
        assert_eq!(which_file(None, None, |_| true), Some(DEFAULT_FILE.into()));
        assert_eq!(which_file(None, None, |_| false), None);
    }

    #[test]
    fn the_example_file_is_complete_and_valid() {
        let text = include_str!("../../nianjian.example.toml");
        // Every key, uncommented, parses.
        let uncommented: String = text
            .lines()
            .map(|l| {
                l.strip_prefix("# ")
                    .filter(|r| r.contains(" = ") || r.starts_with('['))
                    .unwrap_or(l)
            })
            .collect::<Vec<_>>()
            .join("\n");
        parse_file(Path::new("/etc/nianjian/nianjian.toml"), &uncommented).expect("example parses");
        for key in KEYS {
            let name = key.rsplit('.').next().unwrap_or(key);
            assert!(
                text.contains(&format!("{name} = ")),
                "the example shows {key}"
            );
        }
    }
}

#[cfg(test)]
mod package_tests {
    use super::*;

    /// The file the Debian package installs parses as it stands, and its
    /// paths are the package's own (the service's user owns only those).
    #[test]
    fn the_packaged_file_is_valid() {
        let text = include_str!("../../packaging/nianjian.toml");
        parse_file(Path::new("/etc/nianjian/nianjian.toml"), text).expect("packaged file parses");
        assert!(text.contains("\"/var/lib/nianjian/nianjian.db\""));
        assert!(text.contains("\"/var/lib/nianjian/backups\""));
    }
}
