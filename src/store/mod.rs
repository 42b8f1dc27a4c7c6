//! Storage: one code path over SQLite (the embedded default) and
//! PostgreSQL, through diesel's MultiConnection. Only this module names
//! diesel. Migrations are embedded and run before any command works.
//!
//! Where MultiConnection cannot go (RETURNING, batch inserts) a query is
//! written once and run on the concrete connection by [`on_backend!`].

pub mod backup;
pub mod districts;
pub mod models;
pub mod queries;
pub mod schema;
pub mod statistics;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

/// A connection to either backend.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// The backend type of [`DbConn`], for boxed queries.
pub type Backend = <DbConn as diesel::Connection>::Backend;

/// Runs one query expression on the concrete connection inside a [`DbConn`]:
/// for what MultiConnection lacks (RETURNING, batch inserts). The expression
/// is written once; `$c` names the concrete connection.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::store::DbConn::Sqlite($c) => $body,
            $crate::store::DbConn::Postgres($c) => $body,
        }
    };
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("数据库地址无效：{0}")]
    BadUrl(String),
    #[error("无法连接数据库：{0}")]
    Connect(String),
    #[error("数据库迁移失败：{0}")]
    Migration(String),
    #[error("记录不存在")]
    NotFound,
    #[error("数据库错误：{0}")]
    Query(diesel::result::Error),
    #[error("数据库连接池：{0}")]
    Pool(String),
    /// The disk under the database is full: nothing was written.
    #[error("数据库所在磁盘已满：{0}")]
    Full(String),
}

impl From<diesel::result::Error> for StoreError {
    fn from(e: diesel::result::Error) -> StoreError {
        match e {
            diesel::result::Error::NotFound => StoreError::NotFound,
            diesel::result::Error::DatabaseError(_, ref info) if disk_full(info.message()) => {
                StoreError::Full(info.message().to_string())
            }
            other => StoreError::Query(other),
        }
    }
}

/// SQLite's SQLITE_FULL, PostgreSQL's "could not extend file" or a plain
/// ENOSPC, as each backend words it.
fn disk_full(message: &str) -> bool {
    let lower = message.to_lowercase();
    [
        "database or disk is full",
        "no space left on device",
        "could not extend file",
    ]
    .iter()
    .any(|m| lower.contains(m))
}

impl From<r2d2::PoolError> for StoreError {
    fn from(e: r2d2::PoolError) -> StoreError {
        StoreError::Pool(e.to_string())
    }
}

impl StoreError {
    /// A unique constraint refused the write: another request got there first.
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            StoreError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Where the data lives, parsed from `--database` / NIANJIAN_DATABASE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    /// Accepts `postgres://…`, `postgresql://…`, `sqlite:PATH`, `sqlite://PATH`
    /// or a plain file path. Anything else is refused, never guessed: a
    /// mistyped URL must not turn into a stray SQLite file.
    pub fn parse(text: &str) -> Result<DatabaseUrl, StoreError> {
        let text = text.trim();
        let bad = |why: &str| StoreError::BadUrl(format!("“{text}”：{why}"));
        if text.is_empty() {
            return Err(bad("为空"));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(text.to_string()));
        }
        let path = if let Some(rest) = text.strip_prefix("sqlite://") {
            rest
        } else if let Some(rest) = text.strip_prefix("sqlite:") {
            rest
        } else if let Some((scheme, _)) = text.split_once("://") {
            return Err(bad(&format!(
                "不支持的协议 {scheme}://；请用 postgres://… 或 SQLite 文件路径"
            )));
        } else if let Some((scheme, _)) = text.split_once(':')
            && scheme.len() > 1
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        {
            // `postgres:db`, `mysql:…`: a scheme without `//` is a typo, not
            // a file name (a one-letter scheme is a Windows drive).
            return Err(bad(&format!(
                "不支持的写法 {scheme}:；请用 postgres://用户@主机:端口/库名 或 SQLite 文件路径"
            )));
        } else {
            text
        };
        if path.is_empty() || path == ":memory:" {
            return Err(bad("SQLite 需要一个文件路径（内存数据库无法在连接间共享）"));
        }
        if path.contains('=') || path.chars().any(char::is_whitespace) {
            return Err(bad(
                "看起来像 PostgreSQL 的参数串；请写成 postgres://用户@主机:端口/库名",
            ));
        }
        let path = PathBuf::from(path);
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
            && !parent.is_dir()
        {
            return Err(bad(&format!("目录 {} 不存在", parent.display())));
        }
        Ok(DatabaseUrl::Sqlite(path))
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, DatabaseUrl::Sqlite(_))
    }

    /// The URL with any password hidden, for logs.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(p) => format!("sqlite:{}", p.display()),
            DatabaseUrl::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(start), Some(at)) if at > start => {
                    let userinfo = &url[start + 3..at];
                    let user = userinfo.split(':').next().unwrap_or("");
                    format!("{}{}{}", &url[..start + 3], user, &url[at..])
                }
                _ => url.clone(),
            },
        }
    }
}

/// Opens one connection of the right kind, with SQLite's settings applied.
pub fn establish(url: &DatabaseUrl) -> StoreResult<DbConn> {
    match url {
        DatabaseUrl::Postgres(url) => diesel::PgConnection::establish(url)
            .map(DbConn::Postgres)
            .map_err(|e| StoreError::Connect(e.to_string())),
        DatabaseUrl::Sqlite(path) => {
            let mut conn = diesel::SqliteConnection::establish(&path.to_string_lossy())
                .map_err(|e| StoreError::Connect(e.to_string()))?;
            // Per connection: wait for the writer instead of failing, keep
            // foreign keys honest, and fsync at every commit (a rollback
            // journal is safe against power loss only with FULL).
            conn.batch_execute(
                "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;",
            )
            .map_err(|e| StoreError::Connect(e.to_string()))?;
            Ok(DbConn::Sqlite(conn))
        }
    }
}

/// How many migrations this binary has that the database has not run: 0
/// when it is current (the readiness check).
pub fn pending_migrations(conn: &mut DbConn) -> StoreResult<usize> {
    let source = match conn {
        DbConn::Sqlite(_) => SQLITE_MIGRATIONS,
        DbConn::Postgres(_) => POSTGRES_MIGRATIONS,
    };
    conn.pending_migrations(source)
        .map(|pending| pending.len())
        .map_err(|e| StoreError::Migration(e.to_string()))
}

/// Brings a database up to date; returns the versions applied now.
pub fn migrate(conn: &mut DbConn) -> StoreResult<Vec<String>> {
    let source = match conn {
        DbConn::Sqlite(_) => SQLITE_MIGRATIONS,
        DbConn::Postgres(_) => POSTGRES_MIGRATIONS,
    };
    // SQLite alters a table by making it anew (2026-12-26 users), which
    // foreign keys would forbid mid-way; they are off for the migrations
    // (the pragma is ignored inside the transaction each one runs in) and
    // checked whole after them.
    let sqlite = matches!(conn, DbConn::Sqlite(_));
    if sqlite {
        conn.batch_execute("PRAGMA foreign_keys = OFF")?;
    }
    let applied = conn
        .run_pending_migrations(source)
        .map(|done| {
            done.iter()
                .map(ToString::to_string)
                .collect::<Vec<String>>()
        })
        .map_err(|e| StoreError::Migration(e.to_string()));
    if sqlite {
        conn.batch_execute("PRAGMA foreign_keys = ON")?;
        let broken: i64 = diesel::sql_query("SELECT COUNT(*) AS n FROM pragma_foreign_key_check")
            .get_result::<Count>(conn)?
            .n;
        if broken > 0 {
            return Err(StoreError::Migration(format!(
                "迁移后有 {broken} 条记录的外键引用不存在"
            )));
        }
    }
    let applied = applied?;
    // SQL cannot hash on both backends: the audit chain's one-time backfill.
    let chained = queries::audit::backfill_chain(conn)?;
    if chained > 0 {
        tracing::info!(count = chained, "audit entries chained");
    }
    Ok(applied)
}

/// A `SELECT COUNT(*) AS n …` row of raw SQL.
#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Opens pooled connections of the configured backend.
pub struct Manager {
    url: DatabaseUrl,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        establish(&self.url).map_err(|e| {
            r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(e.to_string()))
        })
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    /// A connection that comes back mid-transaction (a panic inside a
    /// write) or from a panicking thread is dropped, not reused: on SQLite
    /// its open transaction would hold the write lock for everyone else.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}

/// A pool of connections, cheap to clone, working in one district's schema
/// (PostgreSQL; see [`districts`]). Every district shares the one pool.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    url: DatabaseUrl,
    schema: Arc<str>,
    /// More than one district lives here: every connection handed out is
    /// first pointed at this handle's schema (one statement). With one
    /// district nothing is ever pointed elsewhere, so nothing is set.
    many: Arc<AtomicBool>,
}

pub type PooledConn = PooledConnection<Manager>;

/// SQLite keeps a rollback journal, not WAL. WAL's index lives in the
/// `-shm` file, which every connection maps into memory: when that file is
/// truncated or cannot be backed (another process, a full or failing
/// disk), the next read of the mapping kills the whole process with
/// SIGBUS, and no error handling can intercept it. A rollback journal maps
/// nothing; the price is that a commit waits for readers to finish
/// (busy_timeout), which a district's load does not notice (BENCHMARKS.md).
/// A database left in WAL mode by an older version is switched back here.
const SQLITE_JOURNAL: &str = "PRAGMA journal_mode = TRUNCATE;";

impl Db {
    /// Connects, sets SQLite's journal, runs migrations, then builds the pool.
    pub fn open(url: &DatabaseUrl, max_connections: u32) -> StoreResult<Db> {
        // One connection first: the journal mode must be set before several
        // connections race to open a fresh file ("database is locked").
        let mut first = establish(url)?;
        if let DbConn::Sqlite(c) = &mut first {
            c.batch_execute(SQLITE_JOURNAL)
                .map_err(|e| StoreError::Connect(e.to_string()))?;
        }
        let applied = migrate(&mut first)?;
        if !applied.is_empty() {
            tracing::info!(count = applied.len(), "migrations applied");
        }
        // Every district's tables follow this binary's migrations too.
        districts::ensure_registry(&mut first)?;
        let others: Vec<districts::DistrictRow> = districts::list(&mut first)?
            .into_iter()
            .filter(|d| d.schema_name != districts::FIRST_SCHEMA)
            .collect();
        for district in &others {
            districts::enter(&mut first, &district.schema_name)?;
            let applied = migrate(&mut first)?;
            if !applied.is_empty() {
                tracing::info!(district = %district.code, count = applied.len(), "migrations applied");
            }
        }
        drop(first);
        let pool = Pool::builder()
            .max_size(max_connections)
            .connection_timeout(Duration::from_secs(30))
            .build(Manager { url: url.clone() })
            .map_err(|e| StoreError::Pool(e.to_string()))?;
        Ok(Db {
            pool,
            url: url.clone(),
            schema: Arc::from(districts::FIRST_SCHEMA),
            many: Arc::new(AtomicBool::new(!others.is_empty())),
        })
    }

    /// A connection working in this handle's district.
    pub fn get(&self) -> StoreResult<PooledConn> {
        let mut conn = self.pool.get()?;
        if self.many.load(Ordering::Acquire) {
            districts::enter(&mut conn, &self.schema)?;
        }
        Ok(conn)
    }

    /// The same pool, working in another district's schema.
    pub fn in_schema(&self, schema: &str) -> Db {
        Db {
            schema: Arc::from(schema),
            ..self.clone()
        }
    }

    /// Makes a district's schema and brings it up to date with the
    /// embedded migrations; from now on every connection is pointed at its
    /// handle's schema before use.
    pub fn prepare_schema(&self, schema: &str) -> StoreResult<Vec<String>> {
        self.many.store(true, Ordering::Release);
        let mut conn = self.pool.get()?;
        districts::create_schema(&mut conn, schema)?;
        districts::enter(&mut conn, schema)?;
        migrate(&mut conn)
    }

    /// Notes that districts were added elsewhere (another server, the
    /// command line) while this pool was open.
    pub fn note_many(&self) {
        self.many.store(true, Ordering::Release);
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// How many connections the pool holds, how many of them wait unused,
    /// and how many it may open (for the metrics).
    pub fn pool_use(&self) -> PoolUse {
        let state = self.pool.state();
        PoolUse {
            connections: state.connections,
            idle: state.idle_connections,
            max: self.pool.max_size(),
        }
    }
}

/// The pool's connections at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolUse {
    pub connections: u32,
    pub idle: u32,
    pub max: u32,
}

/// A write transaction. On SQLite it takes the write lock with its first
/// statement, so concurrent writers queue (busy_timeout) instead of failing
/// on a stale read snapshot.
pub fn write<T, E>(
    conn: &mut DbConn,
    work: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    in_transaction(conn, |conn| {
        if let DbConn::Sqlite(_) = conn {
            diesel::update(schema::write_serial::table)
                .set(schema::write_serial::n.eq(schema::write_serial::n + 1))
                .execute(conn)
                .map_err(StoreError::from)?;
        }
        work(conn)
    })
}

/// Reads in one transaction, so that several queries see one state of
/// the database; takes no write lock.
pub fn read<T, E>(conn: &mut DbConn, work: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
where
    E: From<StoreError>,
{
    in_transaction(conn, work)
}

/// A savepoint inside the caller's transaction: when `work` fails, its
/// changes alone are undone and the transaction goes on.
pub fn savepoint<T, E>(
    conn: &mut DbConn,
    work: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    in_transaction(conn, work)
}

/// diesel's transaction (a savepoint when nested) with the caller's error type.
fn in_transaction<T, E>(
    conn: &mut DbConn,
    work: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    match conn.transaction(|conn| work(conn).map_err(TxError::Work)) {
        Ok(value) => Ok(value),
        Err(TxError::Work(e)) => Err(e),
        Err(TxError::Db(e)) => Err(E::from(StoreError::from(e))),
    }
}

enum TxError<E> {
    Work(E),
    Db(diesel::result::Error),
}

impl<E> From<diesel::result::Error> for TxError<E> {
    fn from(e: diesel::result::Error) -> Self {
        TxError::Db(e)
    }
}

/// Where an SQLite database lives, for messages and backups.
pub fn sqlite_path(url: &DatabaseUrl) -> Option<&Path> {
    match url {
        DatabaseUrl::Sqlite(p) => Some(p),
        DatabaseUrl::Postgres(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQLite makes `users` anew for street officers (2026-12-26): a
    /// database in use before it keeps every account, its id, its unit and
    /// its sessions, and every reference to it holds.
    #[test]
    fn the_street_officers_migration_keeps_every_account_on_sqlite() {
        let dir = tempfile::tempdir().expect("dir");
        let url = DatabaseUrl::Sqlite(dir.path().join("old.db"));
        let mut conn = establish(&url).expect("connect");
        // Up to the migration before it (later ones may follow it).
        let street = "2026-12-26-000001_street_officers";
        loop {
            let pending = conn.pending_migrations(SQLITE_MIGRATIONS).expect("pending");
            let next = pending
                .first()
                .expect("the migration is there")
                .name()
                .to_string();
            if next.contains(street) {
                break;
            }
            conn.run_next_migration(SQLITE_MIGRATIONS).expect("migrate");
        }
        conn.batch_execute(
            "INSERT INTO streets (id, name, created_at) VALUES (1, '小营街道', '2026-01-01 00:00:00');
             INSERT INTO units (id, code, name, kind, street_id, created_at, updated_at)
                 VALUES (7, '330102301', '小营巷社区', '社区', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00');
             INSERT INTO users (id, username, password_hash, role, unit_id, disabled, created_at)
                 VALUES (3, 'admin', 'h1', 'admin', NULL, 0, '2026-01-01 00:00:00'),
                        (9, 'xiaoying', 'h2', 'unit', 7, 1, '2026-01-02 00:00:00');
             INSERT INTO api_tokens (token_hash, user_id, created_at, expires_at)
                 VALUES ('t', 9, '2026-01-02 00:00:00', '2099-01-01 00:00:00');",
        )
        .expect("an older database in use");
        let applied = migrate(&mut conn).expect("migrate");
        assert!(applied[0].contains("20261226000001"), "{applied:?}");
        let users: Vec<crate::store::models::UserRow> = schema::users::table
            .order(schema::users::id)
            .select(crate::store::models::UserRow::as_select())
            .load(&mut conn)
            .expect("users");
        let kept: Vec<(i64, &str, &str, Option<i64>, bool)> = users
            .iter()
            .map(|u| {
                (
                    u.id,
                    u.username.as_str(),
                    u.role.as_str(),
                    u.unit_id,
                    u.disabled,
                )
            })
            .collect();
        assert_eq!(
            kept,
            [
                (3, "admin", "admin", None, false),
                (9, "xiaoying", "unit", Some(7), true)
            ]
        );
        let tokens: i64 = schema::api_tokens::table
            .filter(schema::api_tokens::user_id.eq(9))
            .count()
            .get_result(&mut conn)
            .expect("tokens");
        assert_eq!(tokens, 1);
        // The new rules hold: a street officer names its street, and only it.
        conn.batch_execute(
            "INSERT INTO users (username, password_hash, role, street_id, created_at)
                 VALUES ('jiedao', 'h3', 'street', 1, '2026-12-26 00:00:00')",
        )
        .expect("a street officer");
        for wrong in [
            "INSERT INTO users (username, password_hash, role, created_at) VALUES ('a', 'h', 'street', '2026-12-26 00:00:00')",
            "INSERT INTO users (username, password_hash, role, street_id, created_at) VALUES ('b', 'h', 'leader', 1, '2026-12-26 00:00:00')",
            "INSERT INTO users (username, password_hash, role, created_at) VALUES ('c', 'h', 'mayor', '2026-12-26 00:00:00')",
        ] {
            assert!(conn.batch_execute(wrong).is_err(), "{wrong}");
        }
        // Ids go on from the highest kept one; foreign keys are on again.
        let id: i64 = schema::users::table
            .filter(schema::users::username.eq("jiedao"))
            .select(schema::users::id)
            .first(&mut conn)
            .expect("id");
        assert_eq!(id, 10);
        assert!(
            conn.batch_execute("INSERT INTO api_tokens (token_hash, user_id, created_at, expires_at) VALUES ('x', 999, '2026-01-01 00:00:00', '2099-01-01 00:00:00')")
                .is_err(),
            "foreign keys are checked again"
        );
    }

    #[test]
    fn urls_select_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("postgres://u@127.0.0.1:5432/test").unwrap(),
            DatabaseUrl::Postgres("postgres://u@127.0.0.1:5432/test".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:nianjian.db").unwrap(),
            DatabaseUrl::Sqlite("nianjian.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db").unwrap(),
            DatabaseUrl::Sqlite("/tmp/x.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("nianjian.db").unwrap(),
            DatabaseUrl::Sqlite("nianjian.db".into())
        );
        // A one-letter "scheme" is a Windows drive, not a typo.
        assert!(matches!(
            DatabaseUrl::parse("C:nianjian.db"),
            Ok(DatabaseUrl::Sqlite(_))
        ));
    }

    #[test]
    fn malformed_urls_are_refused_not_guessed() {
        for bad in [
            "",
            "mysql://root@localhost/x",
            "postgre://x",
            "host=127.0.0.1 port=1 dbname=x",
            ":memory:",
            "sqlite:",
            "/no/such/dir/x.db",
            "postgres:test",
            "postgresql:nianjian",
            "file:nianjian.db",
        ] {
            assert!(DatabaseUrl::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn passwords_are_hidden_in_logs() {
        let url = DatabaseUrl::parse("postgres://bureau:secret@db:5432/nianjian").unwrap();
        assert_eq!(url.redacted(), "postgres://bureau@db:5432/nianjian");
    }
}
