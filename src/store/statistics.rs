//! Planner statistics after bulk writes (PostgreSQL).
//!
//! A district imports its whole year in one morning, and its leaders open
//! the reports that afternoon. PostgreSQL plans on the statistics `ANALYZE`
//! left, and only a `VACUUM` marks pages all-visible for index-only scans;
//! autovacuum does both in time on most servers, but it lags a large import
//! and may be switched off. Measured on 50,000 units × 2 years with none:
//! the cold dashboard took 24 s and the first list pages p99 80 ms; after a
//! `VACUUM ANALYZE`, 12.5 s and 56 ms (BENCHMARKS.md). So a bulk upload
//! refreshes the tables it grew, by autovacuum's own default rules, which
//! keep the total work linear in what was written: a table is analyzed once
//! a tenth of it changed since the last analysis, and vacuumed once a fifth
//! of it was inserted since the last vacuum.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::{DbConn, StoreResult};

#[derive(QueryableByName)]
struct TableActivity {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    live: i64,
    #[diesel(sql_type = BigInt)]
    changed_since_analyze: i64,
    #[diesel(sql_type = BigInt)]
    inserted_since_vacuum: i64,
}

/// What a table needs after its writes, by autovacuum's default thresholds
/// (`autovacuum_analyze_threshold` 50 + `_scale_factor` 0.1;
/// `autovacuum_vacuum_insert_threshold` 1000 + `_scale_factor` 0.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refresh {
    Nothing,
    Analyze,
    VacuumAnalyze,
}

impl Refresh {
    pub fn of(live: i64, changed_since_analyze: i64, inserted_since_vacuum: i64) -> Refresh {
        if inserted_since_vacuum > 1_000 + live / 5 {
            Refresh::VacuumAnalyze
        } else if changed_since_analyze > 50 + live / 10 {
            Refresh::Analyze
        } else {
            Refresh::Nothing
        }
    }
}

/// Refreshes the statistics of the tables of the connection's schema that
/// need it ([`Refresh`]); returns what it did, per table. Nothing on SQLite.
/// Must run outside a transaction (VACUUM cannot run inside one). A table
/// another session is vacuuming is skipped, not waited for.
pub fn refresh(conn: &mut DbConn) -> StoreResult<Vec<(String, Refresh)>> {
    let DbConn::Postgres(pg) = conn else {
        return Ok(Vec::new());
    };
    // This session's own counts reach the shared statistics when it next
    // goes idle, at most once a second; ask for the next to be flushed
    // (PostgreSQL 15 and later; older servers see them a little later).
    let _ = diesel::sql_query("SELECT pg_stat_force_next_flush()").execute(pg);
    let tables: Vec<TableActivity> = diesel::sql_query(
        "SELECT relname::text AS name, n_live_tup AS live,
                n_mod_since_analyze AS changed_since_analyze,
                n_ins_since_vacuum AS inserted_since_vacuum
           FROM pg_stat_user_tables
          WHERE schemaname = current_schema()",
    )
    .load(pg)?;
    let mut done = Vec::new();
    for t in tables {
        let refresh = Refresh::of(t.live, t.changed_since_analyze, t.inserted_since_vacuum);
        let command = match refresh {
            Refresh::Nothing => continue,
            Refresh::Analyze => "ANALYZE (SKIP_LOCKED)",
            Refresh::VacuumAnalyze => "VACUUM (ANALYZE, SKIP_LOCKED)",
        };
        // The name comes from the catalogue; quoted as an identifier.
        let name = t.name.replace('"', "\"\"");
        diesel::sql_query(format!("{command} \"{name}\"")).execute(pg)?;
        done.push((t.name, refresh));
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::Refresh;

    #[test]
    fn a_table_is_refreshed_by_autovacuums_default_thresholds() {
        let cases = [
            // live, changed since analyze, inserted since vacuum
            ((0, 0, 0), Refresh::Nothing),
            ((0, 50, 50), Refresh::Nothing),
            ((0, 51, 51), Refresh::Analyze),
            ((0, 1_001, 1_001), Refresh::VacuumAnalyze),
            ((100_000, 10_050, 0), Refresh::Nothing),
            ((100_000, 10_051, 0), Refresh::Analyze),
            ((100_000, 10_000, 21_000), Refresh::Nothing),
            ((100_000, 10_000, 21_001), Refresh::VacuumAnalyze),
            ((100_000, 30_000, 21_000), Refresh::Analyze),
        ];
        for ((live, changed, inserted), expected) in cases {
            assert_eq!(
                Refresh::of(live, changed, inserted),
                expected,
                "{live} live, {changed} changed, {inserted} inserted"
            );
        }
    }
}
