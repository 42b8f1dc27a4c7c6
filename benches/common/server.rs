//! What the benchmarks that run the release server share: a fresh
//! PostgreSQL database beside the admin URL, the server as its own process
//! (so that its memory is its own), and numeric knobs from the environment.
#![allow(dead_code)] // not every benchmark runs the server

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use diesel::Connection;
use diesel::connection::SimpleConnection;

/// A knob: `BENCH_…=50_000` (underscores and commas allowed), else `default`.
pub fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().replace(['_', ','], "").parse().ok())
        .unwrap_or(default)
}

/// A fresh database, dropped at the end unless `BENCH_KEEP` is set or it
/// was reused.
pub struct Database {
    admin: String,
    name: String,
    pub url: String,
    reused: bool,
}

impl Database {
    /// `name` beside `NIANJIAN_BENCH_DATABASE` (default: the local test
    /// server), made afresh unless `reuse`.
    pub fn fresh(name: &str, reuse: bool) -> Database {
        let admin = std::env::var("NIANJIAN_BENCH_DATABASE")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        if !reuse {
            let mut conn = diesel::PgConnection::establish(&admin).expect("PostgreSQL admin URL");
            conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .expect("drop");
            conn.batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create");
        }
        let (base, _) = admin.rsplit_once('/').expect("URL with a database");
        let url = format!("{base}/{name}");
        Database {
            admin,
            name: name.into(),
            url,
            reused: reuse,
        }
    }

    pub fn size(&self) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Size {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            bytes: i64,
        }
        let mut conn = diesel::PgConnection::establish(&self.url).expect("connect");
        diesel::RunQueryDsl::get_result::<Size>(
            diesel::sql_query("SELECT pg_database_size(current_database()) AS bytes"),
            &mut conn,
        )
        .expect("size")
        .bytes
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if std::env::var_os("BENCH_KEEP").is_some() || self.reused {
            eprintln!("  (kept database {})", self.url);
            return;
        }
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.admin) {
            let _ = conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// The release server, as its own process.
pub struct Server {
    child: Child,
    pub address: String,
}

impl Server {
    pub async fn start(url: &str) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("port")
            .local_addr()
            .expect("address")
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_nianjian"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .args(["--database", url])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nianjian serve");
        // Owned at once, so that a panic below still stops the process.
        let server = Server {
            child,
            address: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if client
                .get(format!("{}/login", server.address))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return server;
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server did not start");
    }

    /// Peak resident memory so far (VmHWM), in MiB.
    pub fn peak_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a load run measured.
pub struct Load {
    pub requests: usize,
    pub seconds: f64,
    pub p50: Duration,
    pub p99: Duration,
}

impl Load {
    /// One line: requests per second, p50, p99 and the count.
    pub fn line(&self) -> String {
        format!(
            "{:.1} req/s, p50 {:.1} ms, p99 {:.1} ms ({} requests)",
            self.requests as f64 / self.seconds,
            self.p50.as_secs_f64() * 1000.0,
            self.p99.as_secs_f64() * 1000.0,
            self.requests
        )
    }
}

/// `connections` clients asking GETs for `seconds`: `ask(connection, n)`
/// gives the URL and bearer token of a connection's `n`th request; every
/// answer must be a 200 of more than 1,000 bytes (a page of results).
pub async fn load<F>(connections: usize, seconds: u64, ask: F) -> Load
where
    F: Fn(usize, usize) -> (String, String) + Send + Sync + 'static,
{
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .expect("client");
    let deadline = std::time::Instant::now() + Duration::from_secs(seconds);
    let ask = std::sync::Arc::new(ask);
    let start = std::time::Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|c| {
            let (client, ask) = (client.clone(), ask.clone());
            actix_web::rt::spawn(async move {
                let mut latencies = Vec::new();
                let mut n = 0;
                while std::time::Instant::now() < deadline {
                    let (url, token) = ask(c, n);
                    n += 1;
                    let t = std::time::Instant::now();
                    let response = client
                        .get(url)
                        .bearer_auth(token)
                        .send()
                        .await
                        .expect("get");
                    assert_eq!(response.status(), 200);
                    let body = response.bytes().await.expect("body");
                    latencies.push(t.elapsed());
                    assert!(body.len() > 1000, "a page of results");
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("task"));
    }
    let seconds = start.elapsed().as_secs_f64();
    all.sort();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    Load {
        requests: all.len(),
        seconds,
        p50: at(0.50),
        p99: at(0.99),
    }
}

/// The benches' account: an inspector.
pub const USER: &str = "bench";
pub const PASSWORD: &str = "juanzong-2012-x";

/// Adds the benches' account where `conn` works.
pub fn add_bench_account(conn: &mut nianjian::store::DbConn) {
    use nianjian::service::{Actor, Clock, Role, accounts};
    let clock = Clock::at(chrono::Utc::now());
    accounts::add_user(
        conn,
        &Actor::command_line(),
        USER,
        PASSWORD,
        Role::Inspector,
        None,
        clock,
    )
    .expect("the benches' account");
}

/// Signs the benches' account in (to `district`, or the first) and answers its token.
pub async fn token(client: &reqwest::Client, address: &str, district: Option<&str>) -> String {
    let body: serde_json::Value = client
        .post(format!("{address}/api/v1/session"))
        .json(&serde_json::json!({"username": USER, "password": PASSWORD, "district": district}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    body["token"].as_str().expect("token").to_string()
}
