//! `nianjian serve` as an operator runs it: settings from a configuration
//! file with an environment variable over it, relative paths taken from the
//! file's folder, JSON logs with a line per request, and HTTPS with a
//! certificate made here (the session cookies then `Secure`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running server, killed when dropped; its stderr lines arrive on `log`.
struct Server {
    child: Child,
    log: mpsc::Receiver<String>,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Starts `nianjian serve ARGS` in `cwd` with `env` and waits until it
/// listens on `port` (or fails the test with what it wrote).
fn serve(cwd: &Path, args: &[&str], env: &[(&str, &str)], port: u16) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nianjian"));
    command
        .arg("serve")
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for var in ["NIANJIAN_DATABASE", "NIANJIAN_CONFIG", "NIANJIAN_LOG"] {
        command.env_remove(var);
    }
    command.envs(env.iter().copied());
    let mut child = command.spawn().expect("start nianjian");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, log) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut server = Server { child, log, port };
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = server.child.try_wait() {
            let said: Vec<String> = server.log.try_iter().collect();
            panic!("serve ended ({status}): {}", said.join("\n"));
        }
        assert!(Instant::now() < deadline, "serve did not listen on {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
    server.port = port;
    server
}

/// Waits until a plain-HTTP server answers `GET /healthz` with 200: a
/// successful connect alone only says the port is bound, and a request sent
/// then may get an empty reply while the server is still starting.
fn wait_healthy(server: &Server) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let answered = TcpStream::connect(("127.0.0.1", server.port)).and_then(|mut stream| {
            stream.set_read_timeout(Some(Duration::from_secs(5)))?;
            write!(
                stream,
                "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
            )?;
            let mut raw = Vec::new();
            let _ = stream.read_to_end(&mut raw);
            Ok(raw.starts_with(b"HTTP/1.1 200"))
        });
        if matches!(answered, Ok(true)) {
            return;
        }
        assert!(Instant::now() < deadline, "serve never answered /healthz");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One HTTP/1.1 exchange over `stream`: the status and the raw head.
fn exchange(mut stream: impl Read + Write, path: &str, headers: &str) -> (u16, String, String) {
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{headers}\r\n"
    )
    .expect("send");
    let mut raw = Vec::new();
    // A TLS peer may close without close_notify once the answer is sent.
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    (status, head.to_string(), body.to_string())
}

fn get(port: u16, path: &str) -> (u16, String, String) {
    exchange(
        TcpStream::connect(("127.0.0.1", port)).expect("connect"),
        path,
        "",
    )
}

fn set_cookies(head: &str) -> Vec<&str> {
    head.lines()
        .filter_map(|l| {
            l.split_once(':')
                .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        })
        .map(|(_, v)| v.trim())
        .collect()
}

/// Every stderr line until one satisfies `done` (or 20 s pass).
fn lines_until(server: &Server, done: impl Fn(&str) -> bool) -> Vec<String> {
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(line) = server.log.recv_timeout(Duration::from_millis(200)) {
            let stop = done(&line);
            lines.push(line);
            if stop {
                return lines;
            }
        }
    }
    panic!("never seen; the log was:\n{}", lines.join("\n"));
}

#[test]
fn a_configuration_file_with_an_environment_override_sets_up_the_service() {
    let etc = tempfile::tempdir().expect("tempdir");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let config = etc.path().join("nianjian.toml");
    std::fs::write(
        &config,
        format!(
            "bind = \"127.0.0.1:{port}\"\n\
             database = \"data.db\"\n\
             [bureau]\nname = \"杭州市上城区档案局\"\n\
             [log]\nformat = \"json\"\n\
             [http]\nmetrics = true\n"
        ),
    )
    .expect("write config");
    // Run from another folder, as a service manager does.
    let server = serve(
        elsewhere.path(),
        &["--config", config.to_str().expect("utf-8")],
        &[("NIANJIAN_HTTP_METRICS", "false")],
        port,
    );
    wait_healthy(&server);
    assert_eq!(get(port, "/healthz").0, 200);
    // The environment beats the file.
    assert_eq!(get(server.port, "/metrics").0, 404);
    // The database named in the file lies beside it, not in the working folder.
    assert!(etc.path().join("data.db").is_file());
    assert!(!elsewhere.path().join("data.db").exists());

    // One JSON object a line, a line per request.
    let lines = lines_until(&server, |l| l.contains("/metrics"));
    let parsed: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let request = parsed
        .iter()
        .find(|v| v["route"] == "/healthz")
        .expect("a line for the health check");
    assert_eq!(request["method"], "GET");
    assert_eq!(request["status"], 200);
    assert!(request["latency_ms"].is_number(), "{request}");
    assert!(request["request_id"].is_u64(), "{request}");
    assert!(request["level"].is_string() && request["timestamp"].is_string());
}

#[test]
fn a_bad_configuration_file_is_refused_with_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("nianjian.toml"),
        "bind = \"127.0.0.1:0\"\n[limits]\nmax_upload = 5\n",
    )
    .expect("write");
    // Found in the working folder without being named.
    let out = Command::new(env!("CARGO_BIN_EXE_nianjian"))
        .arg("serve")
        .current_dir(dir.path())
        .env_remove("NIANJIAN_CONFIG")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("nianjian.toml")
            && said.contains("第 3 行")
            && said.contains("limits.max_upload"),
        "{said}"
    );
}

/// A rustls client trusting `cert` only (ring, as the server).
fn tls_client(cert: &rcgen::Certificate) -> std::sync::Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(cert.der().clone())
        .expect("trust the certificate");
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    std::sync::Arc::new(
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(provider))
            .with_safe_default_protocol_versions()
            .expect("protocols")
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

#[test]
fn https_with_a_certificate_serves_pages_and_secure_cookies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
        .expect("self-signed certificate");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).expect("write cert");
    std::fs::write(&key, made.signing_key.serialize_pem()).expect("write key");
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let database = dir.path().join("a.db");
    let _server = serve(
        dir.path(),
        &[
            "--bind",
            &bind,
            "--database",
            database.to_str().expect("utf-8"),
            "--tls-cert",
            cert.to_str().expect("utf-8"),
            "--tls-key",
            key.to_str().expect("utf-8"),
        ],
        &[],
        port,
    );
    let tcp = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let connection = rustls::ClientConnection::new(
        tls_client(&made.cert),
        "localhost".try_into().expect("server name"),
    )
    .expect("client");
    let (status, head, body) = exchange(rustls::StreamOwned::new(connection, tcp), "/login", "");
    assert_eq!(status, 200, "{head}");
    assert!(body.contains("登录"), "the login page");
    let cookies = set_cookies(&head);
    assert!(!cookies.is_empty(), "{head}");
    for cookie in cookies {
        assert!(cookie.split(';').any(|p| p.trim() == "Secure"), "{cookie}");
    }
    // Plain HTTP on the HTTPS port gets no page.
    let mut plain = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    plain
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let _ = write!(plain, "GET /login HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer);
    assert!(!String::from_utf8_lossy(&answer).contains("登录"));
}

#[test]
fn plain_http_without_secure_cookies_sets_no_secure_flag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let database = dir.path().join("a.db");
    let server = serve(
        dir.path(),
        &[
            "--bind",
            &bind,
            "--database",
            database.to_str().expect("utf-8"),
        ],
        &[("NIANJIAN_HTTP_SECURE_COOKIES", "false")],
        port,
    );
    wait_healthy(&server);
    let (status, head, _) = get(server.port, "/login");
    assert_eq!(status, 200);
    let cookies = set_cookies(&head);
    assert!(!cookies.is_empty());
    assert!(cookies.iter().all(|c| !c.contains("Secure")), "{cookies:?}");
    // The text log has its line per request too, with the id the answer carries.
    let id = head
        .lines()
        .find_map(|l| l.strip_prefix("x-request-id: "))
        .unwrap_or_else(|| panic!("no x-request-id in {head}"));
    let lines = lines_until(&server, |l| l.contains("route=/login"));
    let line = lines.last().expect("a line");
    assert!(
        line.contains(&format!("request_id={id}")) && line.contains("status=200"),
        "{line}"
    );
}
