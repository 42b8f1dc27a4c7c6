//! `cargo bench --bench service`: the inspection service under load.
//!
//! 1. Bulk import: N workbooks (default 1,000; `BENCH_FILES`) in one HTTP
//!    upload into SQLite and into PostgreSQL, beside `nianjian score --json`
//!    on the same files (the offline time the issue compares with).
//! 2. The assessment list of a district of `BENCH_UNITS` units (default
//!    5,000) under 64 concurrent connections for `BENCH_SECONDS` (default 20):
//!    requests per second, p50 and p99 latency.
//!
//! PostgreSQL: `NIANJIAN_BENCH_DATABASE=postgres://…/db` (an admin URL; a
//! fresh database is created and dropped), default the local test server.
//! Client and server share the machine's cores.

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use reqwest::multipart::{Form, Part};

use nianjian::ingest::checklists::Catalog;
use nianjian::service::{self, Clock};
use nianjian::store::{DatabaseUrl, Db};
use nianjian::web::{AppState, Application, Settings};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Backend {
    label: &'static str,
    url: DatabaseUrl,
    cleanup: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.cleanup.take()
            && let Ok(mut conn) = diesel::PgConnection::establish(&admin)
        {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

fn sqlite() -> Backend {
    let dir = tempfile::tempdir().expect("tempdir");
    Backend {
        label: "SQLite",
        url: DatabaseUrl::Sqlite(dir.path().join("bench.db")),
        cleanup: None,
        _dir: Some(dir),
    }
}

fn postgres(tag: &str) -> Option<Backend> {
    let admin = std::env::var("NIANJIAN_BENCH_DATABASE")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let mut conn = diesel::PgConnection::establish(&admin).ok()?;
    let name = format!("nianjian_bench_{tag}");
    conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .ok()?;
    conn.batch_execute(&format!("CREATE DATABASE {name}"))
        .ok()?;
    let (base, _) = admin.rsplit_once('/')?;
    Some(Backend {
        label: "PostgreSQL",
        url: DatabaseUrl::parse(&format!("{base}/{name}")).ok()?,
        cleanup: Some((admin, name)),
        _dir: None,
    })
}

fn open(backend: &Backend) -> Db {
    let db = Db::open(&backend.url, 16).expect("open database");
    let catalog = Catalog::embedded().expect("catalog");
    let mut conn = db.get().expect("conn");
    let clock = Clock::at(chrono::Utc::now());
    service::checklists::sync(&mut conn, &catalog, clock).expect("sync");
    common::server::add_bench_account(&mut conn);
    db
}

async fn serve(db: Db) -> (String, actix_web::dev::ServerHandle) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let state = AppState::new(
        db,
        Catalog::embedded().expect("catalog"),
        Settings::default(),
    )
    .expect("app state");
    let app = Application::build(state, listener, 2).expect("app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    actix_web::rt::spawn(app.run_until_stopped());
    (address, handle)
}

fn offline_score(dir: &Path, count: usize) -> Duration {
    let start = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_nianjian"))
        .args(["score", "--json"])
        .arg(dir)
        .output()
        .expect("run nianjian score");
    assert!(output.status.success());
    let results: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(results.len(), count);
    start.elapsed()
}

async fn bulk_import(backend: &Backend, files: &[(String, Vec<u8>)]) -> Duration {
    let db = open(backend);
    let (address, handle) = serve(db).await;
    let client = reqwest::Client::new();
    let token = common::server::token(&client, &address, None).await;
    let mut form = Form::new();
    for (name, bytes) in files {
        form = form.part("file", Part::bytes(bytes.clone()).file_name(name.clone()));
    }
    let start = Instant::now();
    let response = client
        .post(format!("{address}/api/v1/submissions"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let status = response.status();
    let body: serde_json::Value = response.json().await.expect("json");
    let elapsed = start.elapsed();
    assert_eq!(status, 200, "{}", body["error"]);
    assert_eq!(
        body["accepted"].as_u64(),
        Some(files.len() as u64),
        "every file stored"
    );
    handle.stop(true).await;
    elapsed
}

struct Load {
    requests: usize,
    seconds: f64,
    p50: Duration,
    p99: Duration,
    bytes: usize,
}

async fn load(address: &str, token: &str, connections: usize, seconds: u64) -> Load {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .expect("client");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let url = Arc::new(format!("{address}/api/v1/assessments?year=2012"));
    let token = Arc::new(token.to_string());
    let start = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let client = client.clone();
            let url = url.clone();
            let token = token.clone();
            actix_web::rt::spawn(async move {
                let mut latencies = Vec::new();
                let mut bytes = 0;
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let response = client
                        .get(url.as_str())
                        .bearer_auth(token.as_str())
                        .send()
                        .await
                        .expect("get");
                    assert_eq!(response.status(), 200);
                    bytes = response.bytes().await.expect("body").len();
                    latencies.push(t.elapsed());
                }
                (latencies, bytes)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut bytes = 0;
    for task in tasks {
        let (latencies, b) = task.await.expect("task");
        all.extend(latencies);
        bytes = b;
    }
    let seconds = start.elapsed().as_secs_f64();
    all.sort();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    Load {
        requests: all.len(),
        seconds,
        p50: at(0.50),
        p99: at(0.99),
        bytes,
    }
}

fn main() {
    let count = env_number("BENCH_FILES", 1000);
    let units = env_number("BENCH_UNITS", 5000);
    let seconds = env_number("BENCH_SECONDS", 20) as u64;
    let connections = 64;

    let dir = tempfile::tempdir().expect("tempdir");
    let paths = common::generate(dir.path(), count, 2012);
    let files: Vec<(String, Vec<u8>)> = paths
        .iter()
        .map(|p| {
            (
                p.file_name().expect("name").to_string_lossy().into_owned(),
                std::fs::read(p).expect("read"),
            )
        })
        .collect();

    let offline = offline_score(dir.path(), count);
    println!("bulk import of {count} workbooks in one HTTP upload");
    println!(
        "  nianjian score --json (offline)   {:>7.2} s",
        offline.as_secs_f64()
    );
    let system = actix_web::rt::System::new();
    system.block_on(async {
        let mut backends = vec![sqlite()];
        backends.extend(postgres("import"));
        for backend in &backends {
            let t = bulk_import(backend, &files).await;
            println!(
                "  HTTP import into {:<10}        {:>7.2} s   {:.2}× offline",
                backend.label,
                t.as_secs_f64(),
                t.as_secs_f64() / offline.as_secs_f64()
            );
        }
    });

    if units == 0 {
        return;
    }
    println!("assessment list of a {units}-unit district, {connections} connections, {seconds} s");
    let mut backends = vec![sqlite()];
    backends.extend(postgres("load"));
    for backend in &backends {
        let db = open(backend);
        let t = Instant::now();
        common::fill(&db, 0..units, &[2012]);
        eprintln!(
            "  ({} district filled in {:.0} s)",
            backend.label,
            t.elapsed().as_secs_f64()
        );
        let system = actix_web::rt::System::new();
        system.block_on(async {
            let (address, handle) = serve(db).await;
            let client = reqwest::Client::new();
            let token = common::server::token(&client, &address, None).await;
            let result = load(&address, &token, connections, seconds).await;
            println!(
                "  {:<10}  {:>7.1} req/s   p50 {:>6.0} ms   p99 {:>6.0} ms   ({} requests, {:.1} MB per answer)",
                backend.label,
                result.requests as f64 / result.seconds,
                result.p50.as_secs_f64() * 1000.0,
                result.p99.as_secs_f64() * 1000.0,
                result.requests,
                result.bytes as f64 / 1e6
            );
            handle.stop(true).await;
        });
    }
}
