//! A database filled by `serve --demo` carries accounts with the published
//! demo password. Started for real use (no `--demo`), the service refuses
//! until every such account has a new password, set with
//! `nianjian user password`, which follows the password rules.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use nianjian::ingest::checklists::Catalog;
use nianjian::ingest::workbook::Limits;
use nianjian::service::{Clock, Env, checklists, demo};
use nianjian::store::{DatabaseUrl, Db};

fn demo_database(path: &Path) {
    let url = DatabaseUrl::parse(path.to_str().expect("utf-8")).expect("url");
    let db = Db::open(&url, 1).expect("open");
    let catalog = Catalog::embedded().expect("catalog");
    let mut conn = db.get().expect("connection");
    let clock = Clock::at(chrono::Utc::now());
    checklists::sync(&mut conn, &catalog, clock).expect("sync");
    let env = Env {
        catalog: &catalog,
        limits: &Limits::default(),
        clock,
        plausibility: &nianjian::domain::plausibility::DEFAULT_RULES,
    };
    demo::populate(&mut conn, env)
        .expect("demo")
        .expect("filled");
}

fn nianjian(args: &[&str], password: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nianjian"));
    command.args(args).env_remove("NIANJIAN_DATABASE");
    match password {
        Some(p) => command.env("NIANJIAN_PASSWORD", p),
        None => command.env_remove("NIANJIAN_PASSWORD"),
    };
    command.stdin(Stdio::null()).output().expect("run nianjian")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Starts `serve` and waits for it to say it is listening; killed after.
fn starts(db: &str) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nianjian"))
        .args(["serve", "--database", db, "--bind", "127.0.0.1:0"])
        .env_remove("NIANJIAN_DATABASE")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut started = false;
    for line in lines {
        let line = line.expect("line");
        if line.contains("nianjian 已启动") {
            started = true;
            break;
        }
        if Instant::now() > deadline {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    started
}

#[test]
fn a_demo_database_opens_for_real_use_only_after_its_passwords_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("demo.db");
    demo_database(&path);
    let db = path.to_str().expect("utf-8");

    let refused = nianjian(&["serve", "--database", db, "--bind", "127.0.0.1:0"], None);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let message = stderr(&refused);
    for (username, _, _) in demo::DEMO_USERS {
        assert!(message.contains(username), "{username} named: {message}");
    }
    assert!(message.contains("演示密码"), "{message}");
    assert!(message.contains("nianjian user password"), "{message}");

    // The published password is not a new password, nor a common one.
    for weak in [demo::DEMO_PASSWORD, "password123", "admin-2012"] {
        let out = nianjian(
            &["user", "password", "--username", "admin", "--database", db],
            Some(weak),
        );
        assert_eq!(out.status.code(), Some(2), "{weak}: {}", stderr(&out));
    }
    let unknown = nianjian(
        &["user", "password", "--username", "nobody", "--database", db],
        Some("juanzong-2012"),
    );
    assert_eq!(unknown.status.code(), Some(2), "{}", stderr(&unknown));

    // All but the last changed: the last is still named, alone.
    let (rest, last) = demo::DEMO_USERS.split_at(demo::DEMO_USERS.len() - 1);
    let (last, _, _) = last[0];
    for (username, _, _) in rest {
        let out = nianjian(
            &["user", "password", "--username", username, "--database", db],
            Some("juanzong-2012"),
        );
        assert_eq!(out.status.code(), Some(0), "{username}: {}", stderr(&out));
    }
    let refused = nianjian(&["serve", "--database", db, "--bind", "127.0.0.1:0"], None);
    assert_eq!(refused.status.code(), Some(2));
    let message = stderr(&refused);
    assert!(message.contains(last), "{message}");
    assert!(!message.contains("admin"), "{message}");

    let out = nianjian(
        &["user", "password", "--username", last, "--database", db],
        Some("juanzong-2012"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(starts(db), "serve starts once no demo password is left");
}
