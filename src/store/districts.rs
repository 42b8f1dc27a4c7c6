//! Many districts (区县) on one PostgreSQL database: each district's tables
//! live in a schema of their own, made by the same embedded migrations, and
//! a connection works in one district by its `search_path`. Queries stay
//! unqualified, so a request of one district cannot name another's rows:
//! isolation by construction, not by a `district_id` in every query.
//!
//! The tables in `public` are the first district, so a database in use
//! before districts existed goes on unchanged. The registry of the others
//! (and of the city, 市档案局, whose schema holds only its accounts) is
//! `nianjian_registry.districts`, outside every district's schema. SQLite
//! keeps one district: it has no schemas.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};

use super::{DbConn, StoreError, StoreResult};

/// The schema of the first district: the tables as they always were.
pub const FIRST_SCHEMA: &str = "public";

/// Made on every start of a PostgreSQL database; idempotent.
const REGISTRY: &str = "CREATE SCHEMA IF NOT EXISTS nianjian_registry;
CREATE TABLE IF NOT EXISTS nianjian_registry.districts (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    schema_name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('district', 'city')),
    created_at TIMESTAMP NOT NULL
);";

/// One registered district, or the city.
#[derive(Clone, Debug, PartialEq, Eq, QueryableByName)]
pub struct DistrictRow {
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub schema_name: String,
    /// `district` or `city`.
    #[diesel(sql_type = Text)]
    pub kind: String,
}

/// Makes the registry where it is missing (PostgreSQL only).
pub fn ensure_registry(conn: &mut DbConn) -> StoreResult<()> {
    match conn {
        DbConn::Postgres(c) => Ok(c.batch_execute(REGISTRY)?),
        DbConn::Sqlite(_) => Ok(()),
    }
}

/// Every registered district, by code; none on SQLite.
pub fn list(conn: &mut DbConn) -> StoreResult<Vec<DistrictRow>> {
    match conn {
        DbConn::Postgres(c) => Ok(diesel::sql_query(
            "SELECT code, name, schema_name, kind FROM nianjian_registry.districts ORDER BY code",
        )
        .load(c)?),
        DbConn::Sqlite(_) => Ok(Vec::new()),
    }
}

/// Registers a district whose schema is made (or is `public`).
pub fn insert(conn: &mut DbConn, row: &DistrictRow, now: chrono::NaiveDateTime) -> StoreResult<()> {
    match conn {
        DbConn::Postgres(c) => {
            diesel::sql_query(
                "INSERT INTO nianjian_registry.districts (code, name, schema_name, kind, created_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind::<Text, _>(&row.code)
            .bind::<Text, _>(&row.name)
            .bind::<Text, _>(&row.schema_name)
            .bind::<Text, _>(&row.kind)
            .bind::<Timestamp, _>(now)
            .execute(c)?;
            Ok(())
        }
        DbConn::Sqlite(_) => Err(StoreError::Migration(
            "SQLite 数据库只有一个区县；多个区县请用 PostgreSQL".into(),
        )),
    }
}

/// Makes a district's schema (empty) where it is missing.
pub fn create_schema(conn: &mut DbConn, schema: &str) -> StoreResult<()> {
    checked(schema)?;
    conn.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))?;
    Ok(())
}

/// Points the connection at one district's tables.
pub fn enter(conn: &mut DbConn, schema: &str) -> StoreResult<()> {
    checked(schema)?;
    if let DbConn::Postgres(c) = conn {
        c.batch_execute(&format!("SET search_path TO \"{schema}\""))?;
    }
    Ok(())
}

/// Schema names are made here from checked district codes; anything else
/// never reaches SQL text.
fn checked(schema: &str) -> StoreResult<()> {
    let fine = !schema.is_empty()
        && schema.len() <= 63
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if fine {
        Ok(())
    } else {
        Err(StoreError::BadUrl(format!("区县的模式名“{schema}”无效")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_schema_names_reach_sql() {
        for good in ["public", "district_330106", "city_3301"] {
            assert!(checked(good).is_ok(), "{good}");
        }
        for bad in ["", "Public", "a\"b", "a;drop", "区县", &"x".repeat(64)] {
            assert!(checked(bad).is_err(), "{bad}");
        }
    }
}
