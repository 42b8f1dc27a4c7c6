//! The commands that touch the database: serve, import, user add. Each
//! brings the database up to date first (migrations, checklist versions).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::domain::local_time::Zone;
use crate::ingest::checklists::Catalog;
use crate::ingest::workbook::Limits;
use crate::service::{self, Actor, Clock, Env, Role, ServiceError};
use crate::store::{DatabaseUrl, Db};
use crate::web::{AppState, Application, Settings};

use super::config::{LogFormat, ServeConfig};
use super::{CliError, INVALID, load_catalog, read_limited};

impl From<ServiceError> for CliError {
    fn from(e: ServiceError) -> CliError {
        match e {
            ServiceError::Invalid(_) | ServiceError::BadRequest(_) => {
                CliError::Invalid(e.to_string())
            }
            ServiceError::Conflict(m) => CliError::Invalid(m),
            other => CliError::Failed(other.to_string()),
        }
    }
}

impl From<crate::store::StoreError> for CliError {
    fn from(e: crate::store::StoreError) -> CliError {
        match e {
            crate::store::StoreError::BadUrl(_) => CliError::Invalid(e.to_string()),
            other => CliError::Failed(other.to_string()),
        }
    }
}

pub(super) fn now() -> Clock {
    Clock::at(chrono::Utc::now())
}

/// Opens the database (migrations run), records the checklist versions
/// and answers the pool working in `district` (none: the first).
pub(super) fn open(
    (database, district): (&str, Option<&str>),
    checklists: Option<&Path>,
    connections: u32,
) -> Result<(Db, Catalog), CliError> {
    let url = DatabaseUrl::parse(database)?;
    let catalog = load_catalog(checklists)?;
    let db = Db::open(&url, connections)?;
    let mut conn = db.get()?;
    service::checklists::sync(&mut conn, &catalog, now())?;
    // Every district is offered the same shipped checklists.
    let districts = service::districts::list(&mut conn)?;
    drop(conn);
    for district in districts {
        if !district.is_first() {
            let mut theirs = db.in_schema(&district.schema).get()?;
            service::checklists::sync(&mut theirs, &catalog, now())?;
        }
    }
    tracing::info!(database = %url.redacted(), "database ready");
    let db = service::districts::in_district(&db, district)?;
    Ok((db, catalog))
}

/// `serve`: the database brought up to date, then the service on `bind`
/// (HTTPS when a certificate is configured) until stopped.
pub fn serve(config: &ServeConfig, demo: bool) -> Result<ExitCode, CliError> {
    let bureau = super::bureau::BureauArgs {
        name: config.bureau.name.clone(),
        address: config.bureau.address.clone(),
        phone: config.bureau.phone.clone(),
        notice_prefix: config.bureau.notice_prefix.clone(),
    }
    .resolve(demo)?;
    super::backup::start_schedule(config.backup.as_ref(), &config.database)?;
    let workers = config
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let (db, catalog) = open(
        (&config.database, None),
        config.checklists.as_deref(),
        (workers as u32 * 4).max(8),
    )?;
    if !demo {
        refuse_demo_passwords(&db)?;
    }
    let say = |message: &str| match config.log_format {
        LogFormat::Json => tracing::info!("{message}"),
        LogFormat::Text => eprintln!("{message}"),
    };
    if demo {
        let mut conn = db.get()?;
        let env = Env {
            catalog: &catalog,
            limits: &Limits::default(),
            clock: Clock::at_in(chrono::Utc::now(), config.zone),
            plausibility: &crate::domain::plausibility::DEFAULT_RULES,
        };
        match service::demo::populate(&mut conn, env)? {
            Some(summary) => say(&summary.to_string()),
            None => say("数据库已有数据，不再生成演示数据"),
        }
    }
    let bind = &config.bind;
    let listener =
        TcpListener::bind(bind).map_err(|e| CliError::Invalid(format!("无法监听 {bind}：{e}")))?;
    let tls = config.tls.as_ref().map(tls_config).transpose()?;
    let settings = Settings {
        max_upload_bytes: config.max_upload_mb * 1024 * 1024,
        max_bulk_bytes: config.max_bulk_mb * 1024 * 1024,
        uploads_per_account: config.uploads_per_account,
        token_hours: config.token_hours,
        templates: config.templates.clone(),
        bureau,
        zone: config.zone,
        // Served over TLS, the cookie is only ever sent back over it.
        secure_cookies: config.secure_cookies || tls.is_some(),
        trusted_proxy: config.trusted_proxy,
        metrics: config.metrics,
        ..Settings::default()
    };
    start_digests(&db, &config.notify, &settings.bureau.name, config.zone);
    let state = AppState::new(db, catalog, settings)
        .map_err(|e| CliError::Invalid(format!("报表模板有误：{e}")))?;
    let address = listener
        .local_addr()
        .map_err(|e| CliError::Failed(e.to_string()))?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let system = actix_web::rt::System::new();
    system
        .block_on(async move {
            let housekeeping = state.clone();
            let app = Application::build_with(state, listener, workers, tls)?;
            actix_web::rt::spawn(async move {
                // Refused uploads past their retention keep only their hash
                // and problems (see service::uploads::purge_rejected).
                let mut every =
                    actix_web::rt::time::interval(std::time::Duration::from_secs(6 * 3600));
                loop {
                    every.tick().await;
                    for district in housekeeping.every_district().await {
                        match district
                            .run(|conn, env| service::uploads::purge_rejected(conn, env.clock))
                            .await
                        {
                            Ok(0) => {}
                            Ok(n) => {
                                tracing::info!(files = n, "refused uploads past retention let go")
                            }
                            Err(e) => tracing::warn!(error = %e, "purging refused uploads failed"),
                        }
                    }
                }
            });
            say(&format!(
                "nianjian 已启动：{scheme}://{address}/  （接口文档 {scheme}://{address}/api/docs/）"
            ));
            app.run_until_stopped().await
        })
        .map_err(|e| CliError::Failed(e.to_string()))?;
    Ok(ExitCode::SUCCESS)
}

/// Starts the daily digest beside the service when a mail server or a
/// webhook is configured: a round every minute on its own thread, so that a
/// slow or down receiver never holds up a request.
fn start_digests(db: &Db, notify: &super::config::Notify, bureau: &str, zone: Zone) {
    let outbound = service::digests::Outbound {
        smtp: notify.smtp.clone(),
        webhook: notify.webhook.clone(),
        digest_at: notify.digest_at,
        site: notify.site.clone(),
        bureau: bureau.to_string(),
    };
    if !outbound.is_on() {
        return;
    }
    let db = db.clone();
    std::thread::spawn(move || {
        loop {
            let clock = Clock::at_in(chrono::Utc::now(), zone);
            // Each district's digest, from its own tables, under its own name.
            for (db, outbound) in digest_targets(&db, &outbound) {
                match service::digests::tick(&db, &outbound, clock) {
                    Ok(t) if t == service::digests::Tick::default() => {}
                    Ok(t) => tracing::info!(
                        bureau = %outbound.bureau,
                        composed = t.composed,
                        sent = t.sent,
                        failed = t.failed,
                        "提醒摘要"
                    ),
                    Err(e) => tracing::warn!(error = %e, "提醒摘要本轮未能完成"),
                }
            }
            std::thread::sleep(std::time::Duration::from_secs(60));
        }
    });
}

/// The first district, then every other registered one (read each round,
/// so a district added meanwhile gets its digest too).
fn digest_targets(
    db: &Db,
    outbound: &service::digests::Outbound,
) -> Vec<(Db, service::digests::Outbound)> {
    let mut targets = vec![(db.clone(), outbound.clone())];
    let others = db
        .get()
        .map_err(ServiceError::from)
        .and_then(|mut conn| service::districts::list(&mut conn));
    match others {
        Ok(others) => targets.extend(
            others
                .into_iter()
                .filter(|d| !d.is_first() && d.kind == service::districts::Kind::District)
                .map(|d| {
                    let outbound = service::digests::Outbound {
                        bureau: d.bureau_name(),
                        ..outbound.clone()
                    };
                    (db.in_schema(&d.schema), outbound)
                }),
        ),
        Err(e) => tracing::warn!(error = %e, "未能读取区县登记"),
    }
    targets
}

/// A service for real use must not open with the demonstration's
/// published password on any account (README: "Before real use").
fn refuse_demo_passwords(db: &Db) -> Result<(), CliError> {
    let mut conn = db.get()?;
    let accounts = service::accounts::demo_passwords_in_use(&mut conn)?;
    if accounts.is_empty() {
        return Ok(());
    }
    let first = &accounts[0];
    Err(CliError::Invalid(format!(
        "账号 {} 仍在使用公开的演示密码，正式使用前请先修改密码（如 nianjian user password --username {first}）或在管理页面停用这些账号；只看演示请加 --demo 启动",
        accounts.join("、")
    )))
}

/// The certificate chain and key of `[http] tls_cert/tls_key`, as rustls
/// takes them (ring as the provider).
fn tls_config(tls: &super::config::Tls) -> Result<rustls::ServerConfig, CliError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let unreadable = |what: &str, path: &Path, e: &dyn std::fmt::Display| {
        CliError::Invalid(format!("无法读取{what} {}：{e}", path.display()))
    };
    let certs = CertificateDer::pem_file_iter(&tls.cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| unreadable("证书文件", &tls.cert, &e))?;
    if certs.is_empty() {
        return Err(CliError::Invalid(format!(
            "证书文件 {} 中没有证书",
            tls.cert.display()
        )));
    }
    let key =
        PrivateKeyDer::from_pem_file(&tls.key).map_err(|e| unreadable("私钥文件", &tls.key, &e))?;
    // ring, not aws-lc (which needs cmake to build); its lack of
    // post-quantum key exchange is why rustls marks it deprecated.
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(provider))
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(certs, key))
        .map_err(|e| CliError::Invalid(format!("证书与私钥不能配合使用：{e}")))
}

pub fn import(
    database: (&str, Option<&str>),
    checklists: Option<&Path>,
    files: &[PathBuf],
) -> Result<ExitCode, CliError> {
    use service::upload_batch;
    let (db, catalog) = open(database, checklists, 2)?;
    let mut conn = db.get()?;
    let limits = Limits::default();
    let actor = Actor::command_line();
    let mut invalid = 0;
    let env = Env {
        catalog: &catalog,
        limits: &limits,
        clock: now(),
        plausibility: &crate::domain::plausibility::DEFAULT_RULES,
    };
    // Files are read from disk, scored and stored group by group (each
    // file its own savepoint), the next groups read while one is stored.
    let mut paths = files.iter();
    upload_batch::upload_each(
        &mut conn,
        env,
        &actor,
        files.iter().map(|p| incoming(p, &limits)),
        Default::default(),
        |outcome| {
            let name = paths
                .next()
                .map_or_else(|| outcome.file.clone(), |p| p.display().to_string());
            invalid += print_outcome(&name, outcome.result)?;
            Ok::<_, CliError>(())
        },
    )?;
    eprintln!(
        "共 {} 个文件，{} 个已导入，{invalid} 个有误",
        files.len(),
        files.len() - invalid
    );
    Ok(if invalid > 0 {
        ExitCode::from(INVALID)
    } else {
        ExitCode::SUCCESS
    })
}

/// A file to import as the batch upload takes it: read (within the size
/// limit), or refused as unreadable.
fn incoming(path: &Path, limits: &Limits) -> service::upload_batch::Incoming {
    use service::upload_batch::Incoming;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    match read_limited(path, limits.max_file_bytes) {
        Ok(bytes) => Incoming::File { name, bytes },
        Err(message) => Incoming::Refused {
            name,
            error: ServiceError::Invalid(vec![service::scoring::file_problem(message)]),
        },
    }
}

/// Prints one file's outcome; 1 when it was refused. A failure of the
/// server (not of the file) stops the import.
fn print_outcome(
    name: &str,
    result: Result<service::upload_batch::Accepted, ServiceError>,
) -> Result<usize, CliError> {
    match result {
        Ok(accepted) => {
            let o = accepted.outcome;
            let r = &o.result;
            println!(
                "✓ {name}\t{}（{}）\t{} 年度\t总分 {}\t{}\t自查表 {}{}{}",
                r.unit.name,
                r.unit.code,
                r.year,
                r.total,
                r.tier.as_ref().map_or("未达到等级", |t| t.name.as_str()),
                o.submission_id.unwrap_or_default(),
                if o.duplicate {
                    "（与已有自查表相同）"
                } else {
                    ""
                },
                if o.late { "（逾期）" } else { "" },
            );
            Ok(0)
        }
        Err(ServiceError::Invalid(problems)) => {
            println!("✗ {name}\t{} 个问题", problems.len());
            for p in problems {
                println!("    {p}");
            }
            Ok(1)
        }
        Err(
            e @ (ServiceError::Conflict(_)
            | ServiceError::Forbidden(_)
            | ServiceError::BadRequest(_)),
        ) => {
            println!("✗ {name}\t{e}");
            Ok(1)
        }
        Err(other) => Err(other.into()),
    }
}

/// A new password: NIANJIAN_PASSWORD, else asked twice at the terminal.
fn new_password(username: &str) -> Result<String, CliError> {
    if let Ok(p) = std::env::var("NIANJIAN_PASSWORD")
        && !p.is_empty()
    {
        return Ok(p);
    }
    let first = rpassword::prompt_password(format!("为 {username} 设置密码：")).map_err(|e| {
        CliError::Invalid(format!("无法读取密码：{e}（可用 NIANJIAN_PASSWORD 传入）"))
    })?;
    let again = rpassword::prompt_password("再输入一次：")
        .map_err(|e| CliError::Invalid(format!("无法读取密码：{e}")))?;
    if first != again {
        return Err(CliError::Invalid("两次输入的密码不一致".into()));
    }
    Ok(first)
}

/// `user password`: a new password by user name; every session of the
/// account ends.
pub fn set_password(
    (database, district): (&str, Option<&str>),
    checklists: Option<&Path>,
    username: &str,
) -> Result<ExitCode, CliError> {
    let password = new_password(username)?;
    let (db, _) = open((database, district), checklists, 1)?;
    let mut conn = db.get()?;
    let user = service::accounts::set_password_by_name(
        &mut conn,
        &Actor::command_line(),
        username,
        &password,
        now(),
    )
    .map_err(|e| match e {
        ServiceError::NotFound(m) => CliError::Invalid(m),
        other => other.into(),
    })?;
    println!("已修改 {} 的密码，该账号的全部登录已结束", user.username);
    Ok(ExitCode::SUCCESS)
}

pub fn add_user(
    (database, district): (&str, Option<&str>),
    checklists: Option<&Path>,
    username: &str,
    role: &str,
    (unit, street): (Option<&str>, Option<&str>),
) -> Result<ExitCode, CliError> {
    let role = Role::parse(role).ok_or_else(|| CliError::Invalid(format!("未知的角色 {role}")))?;
    let password = new_password(username)?;
    let (db, _) = open((database, district), checklists, 1)?;
    let mut conn = db.get()?;
    let new = service::accounts::NewAccount {
        username,
        password: &password,
        role,
        unit,
        street,
        email: None,
    };
    let user = service::accounts::add_account(&mut conn, &Actor::command_line(), new, now())
        // --unit naming a unit the roster lacks is a bad argument (exit 2).
        .map_err(|e| match e {
            ServiceError::NotFound(m) => CliError::Invalid(m),
            other => other.into(),
        })?;
    println!(
        "已添加用户 {}（{}{}）",
        user.username,
        role.label_zh(),
        user.unit
            .map(|u| format!("，单位 {u}"))
            .or(user.street.map(|s| format!("，街道 {s}")))
            .unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

#[allow(clippy::too_many_arguments)]
pub fn report(
    database: (&str, Option<&str>),
    checklists: Option<&Path>,
    year: i32,
    street: Option<&str>,
    xlsx: Option<&Path>,
    html: Option<&Path>,
    templates: Option<&Path>,
) -> Result<ExitCode, CliError> {
    let (db, catalog) = open(database, checklists, 2)?;
    let mut conn = db.get()?;
    let env = Env {
        catalog: &catalog,
        limits: &Limits::default(),
        clock: now(),
        plausibility: &crate::domain::plausibility::DEFAULT_RULES,
    };
    let wanted = service::reports::Wanted {
        xlsx: xlsx.is_some(),
        html: html.is_some(),
        templates,
    };
    let files = service::reports::district_files(
        &mut conn,
        env,
        &Actor::command_line(),
        year,
        street,
        wanted,
    )?;
    let failed = |what: &Path, e: &dyn std::fmt::Display| {
        CliError::Failed(format!("无法写入 {}：{e}", what.display()))
    };
    if let (Some(path), Some(bytes)) = (xlsx, files.xlsx) {
        std::fs::write(path, bytes).map_err(|e| failed(path, &e))?;
        eprintln!("已生成 {}", path.display());
    }
    if let (Some(path), Some(page)) = (html, files.html) {
        std::fs::write(path, page).map_err(|e| failed(path, &e))?;
        eprintln!("已生成 {}", path.display());
    }
    let report = files.report;
    let scope = report.street.clone().unwrap_or_else(|| "全区".into());
    println!("{year} 年度档案工作年检情况（{scope}）");
    for sentence in &report.sentences {
        println!("  {sentence}");
    }
    let t = &report.total;
    println!(
        "  已提交 {}，未提交 {}，未达标 {}；整改事项 {} 项，逾期 {} 项",
        t.submitted,
        t.not_submitted,
        t.no_tier,
        report.order_counts.get("total").copied().unwrap_or(0),
        report.order_counts.get("overdue").copied().unwrap_or(0)
    );
    Ok(ExitCode::SUCCESS)
}
