//! The SQLite files under a running server can be damaged from outside
//! (a clean-up script, a full or failing disk, an operator's mistake).
//! Whatever happens to them, the process answers and does not die: SQLite
//! is kept in rollback-journal mode, so nothing is memory-mapped (WAL's
//! `-shm` mapping killed the process with SIGBUS once truncated).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(db: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nianjian"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database"])
        .arg(db)
        .env_remove("NIANJIAN_DATABASE")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("serve says where it listens")
            .expect("line");
        if let Some(rest) = line.split("http://").nth(1)
            && line.contains("已启动")
        {
            break rest.split('/').next().expect("address").to_string();
        }
    };
    // Keep draining, so that logging never blocks the server.
    std::thread::spawn(move || for _ in lines {});
    Server { child, address }
}

/// One request; the status, or None when nothing came back.
fn request(address: &str, method: &str, path: &str, body: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(address).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    answer.split(' ').nth(1)?.parse().ok()
}

/// A read and a write (a failed sign-in is counted in the database).
fn exercise(address: &str) -> Vec<Option<u16>> {
    vec![
        request(address, "GET", "/readyz", ""),
        request(
            address,
            "POST",
            "/api/v1/session",
            r#"{"username":"nobody","password":"wrong-password-1"}"#,
        ),
        request(address, "GET", "/readyz", ""),
    ]
}

#[test]
fn damaging_the_database_files_under_a_running_server_does_not_kill_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("nianjian.db");
    let mut server = serve(&db);
    assert_eq!(
        exercise(&server.address),
        vec![Some(200), Some(401), Some(200)]
    );
    assert!(
        !dir.path().join("nianjian.db-shm").exists(),
        "no shared-memory file is mapped"
    );

    for suffix in ["-shm", "-wal", "-journal"] {
        let companion = dir.path().join(format!("nianjian.db{suffix}"));
        if companion.exists() {
            std::fs::OpenOptions::new()
                .write(true)
                .open(&companion)
                .and_then(|f| f.set_len(0))
                .expect("truncate");
        }
    }
    let answers = exercise(&server.address);
    assert!(answers.iter().all(Option::is_some), "{answers:?}");
    assert!(
        server.child.try_wait().expect("status").is_none(),
        "the server is still running"
    );

    // Even the database itself cut short: errors, not a dead process.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&db)
        .and_then(|f| f.set_len(1024))
        .expect("truncate the database");
    let answers = exercise(&server.address);
    assert!(answers.iter().all(Option::is_some), "{answers:?}");
    assert!(server.child.try_wait().expect("status").is_none());
}
