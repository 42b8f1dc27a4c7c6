//! A fresh PostgreSQL database for one test, copied from a template that
//! already holds every migration.
//!
//! Running the migrations into each new database cost about a second per
//! test (dozens of DDL transactions, each flushed); copying a migrated
//! template costs the same as copying `template1`. The template's name
//! carries a hash of `migrations/postgres`, so a changed migration gets a
//! new template, and it is built once per server under an advisory lock
//! (test binaries run side by side) and published by renaming, so no test
//! ever copies half a template. Nothing connects to a template after it is
//! built: PostgreSQL refuses to copy a database that has sessions.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

/// `postgres://u@h:p/db` with another database name.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, _) = url
        .rsplit_once('/')
        .expect("a postgres URL names a database");
    format!("{base}/{name}")
}

/// Creates `name` on the server of `admin` (a URL to any database there),
/// migrated, with commits that do not wait for the disk (what is tested is
/// what the server answers; durability has its own tests).
pub fn create(admin: &str, name: &str) {
    let template = template(admin);
    let mut conn = PgConnection::establish(admin).expect("connect to the PostgreSQL test server");
    conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .expect("drop an old test database");
    conn.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
        .expect("create test database");
    conn.batch_execute(&format!(
        "ALTER DATABASE {name} SET synchronous_commit = off"
    ))
    .expect("test database settings");
}

/// Drops a test database, whoever is still connected.
pub fn drop(admin: &str, name: &str) {
    if let Ok(mut conn) = PgConnection::establish(admin) {
        let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
}

/// The migrated template's name, built first if this server lacks it.
fn template(admin: &str) -> String {
    let name = format!("nianjian_template_{}", &migrations_hash()[..16]);
    let mut conn = PgConnection::establish(admin).expect("connect to the PostgreSQL test server");
    if exists(&mut conn, &name) {
        return name;
    }
    // One builder per server; the others wait and then find it there.
    conn.batch_execute("SELECT pg_advisory_lock(715517)")
        .expect("template lock");
    if !exists(&mut conn, &name) {
        let building = format!("{name}_building");
        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
            .expect("drop a half-built template");
        conn.batch_execute(&format!("CREATE DATABASE {building}"))
            .expect("create the template");
        let url = nianjian::store::DatabaseUrl::parse(&with_database(admin, &building))
            .expect("template url");
        // Opening migrates; the pool is dropped (its sessions closed) at once.
        std::mem::drop(nianjian::store::Db::open(&url, 1).expect("migrate the template"));
        conn.batch_execute(&format!(
            "ALTER DATABASE {building} WITH ALLOW_CONNECTIONS false"
        ))
        .expect("close the template");
        conn.batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}"))
            .expect("publish the template");
    }
    conn.batch_execute("SELECT pg_advisory_unlock(715517)")
        .expect("template unlock");
    name
}

fn exists(conn: &mut PgConnection, name: &str) -> bool {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result::<Found>(conn)
        .expect("look up the template")
        .n
        > 0
}

/// sha256 over every file of `migrations/postgres`, by path.
fn migrations_hash() -> String {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read migrations") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let mut hash = Sha256::new();
    for file in files {
        let relative = file.strip_prefix(&root).expect("under migrations");
        hash.update(relative.to_string_lossy().as_bytes());
        hash.update([0]);
        hash.update(std::fs::read(&file).expect("read a migration"));
        hash.update([0]);
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
