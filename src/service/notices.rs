//! 整改通知书 (rectification notices): a unit's notice of a year, numbered
//! within the year in issue order (区档案局整改字〔2012〕第 1 号, 第 2 号 …).
//!
//! A notice is issued the first time the bureau (admin or inspector)
//! produces it for a unit and year while the unit has orders to do; its
//! number and date of issue are stored then and every later print shows
//! them again. Others (the unit, leaders) read the issued notice, or a
//! draft without a number before the bureau has issued it. Numbers stay
//! unique under concurrent requests: issuers take turns (one write lock
//! on SQLite, a table lock on PostgreSQL), and should one get past that,
//! the unique keys on (year, number) and (year, unit) refuse it and it
//! tries again.

use crate::reports::bureau::Bureau;
use crate::reports::model::{Notice, NoticeIssue, active_orders, notice};
use crate::store::models::{NewNotice, NoticeRow};
use crate::store::{DbConn, queries, write};

use super::audit::{self, Entity};
use super::{Actor, Clock, Env, ServiceError, ServiceResult};

/// How often a write refused by a unique key (another request issued the
/// same number first) is tried again.
const ATTEMPTS: u32 = 5;

/// A unit's notice for a year as printed: issued (numbered) now when the
/// The notice as a file: printable HTML or a workbook.
#[allow(clippy::too_many_arguments)]
pub fn unit_notice_file(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    html: &crate::reports::html::Html,
    bureau: &Bureau,
    code: &str,
    year: i32,
    format: super::reports::NoticeFormat,
) -> ServiceResult<super::Download> {
    let notice = unit_notice(conn, env, actor, bureau, code, year)?;
    let (bytes, extension) = match format {
        super::reports::NoticeFormat::Html => (html.notice(&notice)?.into_bytes(), "html"),
        super::reports::NoticeFormat::Xlsx => {
            (crate::reports::notice_xlsx::notice_xlsx(&notice)?, "xlsx")
        }
    };
    Ok(super::Download {
        file_name: format!("{}-{year}年度整改通知书.{extension}", notice.unit_name),
        bytes,
    })
}

/// bureau produces it the first time and there is something to rectify.
pub fn unit_notice(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    bureau: &Bureau,
    code: &str,
    year: i32,
) -> ServiceResult<Notice> {
    let card = super::reports::unit_card(conn, env, actor, code, year)?;
    let unit = queries::units::find_by_code(conn, code)?
        .ok_or_else(|| ServiceError::NotFound(format!("名册中没有单位代码 {code}")))?;
    let issued = match queries::notices::find(conn, year, unit.id)? {
        Some(row) => Some(row),
        None if actor.role.is_bureau() && active_orders(&card).next().is_some() => {
            Some(issue(conn, env.clock, actor, unit.id, year)?)
        }
        None => None,
    };
    let issue = issued.map(|row| NoticeIssue {
        serial: row.number,
        issued_on: row.issued_on,
    });
    Ok(notice(bureau, &card, issue, env.clock.today))
}

/// Issues the notice of a unit for a year — the next number of that year,
/// dated today — or returns the one issued before.
pub fn issue(
    conn: &mut DbConn,
    clock: Clock,
    actor: &Actor,
    unit_id: i64,
    year: i32,
) -> ServiceResult<NoticeRow> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match write(conn, |conn| issue_once(conn, clock, actor, unit_id, year)) {
            Err(ServiceError::Store(e)) if e.is_unique_violation() && attempt < ATTEMPTS => {}
            other => return other,
        }
    }
}

fn issue_once(
    conn: &mut DbConn,
    clock: Clock,
    actor: &Actor,
    unit_id: i64,
    year: i32,
) -> ServiceResult<NoticeRow> {
    queries::notices::lock_for_numbering(conn)?;
    if let Some(row) = queries::notices::find(conn, year, unit_id)? {
        return Ok(row);
    }
    let number = queries::notices::last_number(conn, year)? + 1;
    queries::notices::insert(
        conn,
        &NewNotice {
            unit_id,
            year,
            number,
            issued_on: clock.today,
            issued_at: clock.now,
            issued_by: actor.user_id,
            issuer: &actor.name,
        },
    )?;
    audit::record(
        conn,
        actor,
        clock,
        "issue_notice",
        Entity::Unit(unit_id),
        format!("签发 {year} 年度整改通知书，第 {number} 号"),
    )?;
    queries::notices::find(conn, year, unit_id)?
        .ok_or_else(|| ServiceError::Internal("刚签发的整改通知书未能读回".into()))
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::*;
    use crate::ingest::checklists::Catalog;
    use crate::ingest::workbook::Limits;
    use crate::service::roster::{UnitView, save_unit};
    use crate::store::{DatabaseUrl, Db};

    fn clock(y: i32, m: u32, d: u32) -> Clock {
        // 09:00 in the bureau's time (UTC+8).
        Clock::at(Utc.with_ymd_and_hms(y, m, d, 1, 0, 0).unwrap())
    }

    /// A fresh SQLite database with units 330102301…; their ids.
    fn units(dir: &tempfile::TempDir, n: usize) -> (Db, Vec<i64>) {
        let db = Db::open(&DatabaseUrl::Sqlite(dir.path().join("t.db")), 2).expect("db");
        let catalog = Catalog::embedded().expect("catalog");
        let mut conn = db.get().expect("conn");
        let env = Env {
            catalog: &catalog,
            limits: &Limits::default(),
            clock: clock(2012, 12, 1),
            plausibility: &crate::domain::plausibility::DEFAULT_RULES,
        };
        let ids = (0..n)
            .map(|i| {
                let code = format!("3301023{i:02}");
                save_unit(
                    &mut conn,
                    env,
                    &Actor::command_line(),
                    &UnitView {
                        code: code.clone(),
                        name: format!("第{i}社区"),
                        kind: "社区".into(),
                        street: Some("小营街道".into()),
                        contact_person: None,
                        contact_phone: None,
                    },
                )
                .expect("unit");
                queries::units::find_by_code(&mut conn, &code)
                    .expect("query")
                    .expect("unit stored")
                    .id
            })
            .collect();
        drop(conn);
        (db, ids)
    }

    #[test]
    fn numbers_run_per_year_in_issue_order_and_stay() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (db, ids) = units(&dir, 3);
        let conn = &mut db.get().expect("conn");
        let actor = Actor::command_line();
        let issue_at = |conn: &mut DbConn, c: Clock, unit: i64, year: i32| {
            let row = issue(conn, c, &actor, unit, year).expect("issued");
            (row.number, row.issued_on)
        };
        let dec3 = NaiveDate::from_ymd_opt(2012, 12, 3).unwrap();
        let dec5 = NaiveDate::from_ymd_opt(2012, 12, 5).unwrap();
        // In issue order, not in unit order.
        assert_eq!(issue_at(conn, clock(2012, 12, 3), ids[2], 2012), (1, dec3));
        assert_eq!(issue_at(conn, clock(2012, 12, 3), ids[0], 2012), (2, dec3));
        // Regenerated later: the same number and date of issue.
        assert_eq!(issue_at(conn, clock(2012, 12, 9), ids[2], 2012), (1, dec3));
        assert_eq!(issue_at(conn, clock(2012, 12, 5), ids[1], 2012), (3, dec5));
        // Another year counts from 1 again.
        let jan = NaiveDate::from_ymd_opt(2013, 11, 2).unwrap();
        assert_eq!(issue_at(conn, clock(2013, 11, 2), ids[1], 2013), (1, jan));
        assert_eq!(issue_at(conn, clock(2013, 11, 2), ids[2], 2013), (2, jan));
        let numbers: Vec<(i64, i32)> = queries::notices::of_year(conn, 2012)
            .expect("list")
            .iter()
            .map(|r| (r.unit_id, r.number))
            .collect();
        assert_eq!(numbers, [(ids[2], 1), (ids[0], 2), (ids[1], 3)]);
    }

    #[test]
    fn a_number_taken_by_another_request_is_not_given_twice() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (db, ids) = units(&dir, 5);
        let handles: Vec<_> = ids[..4]
            .iter()
            .map(|&unit| {
                let db = db.clone();
                std::thread::spawn(move || {
                    let conn = &mut db.get().expect("conn");
                    issue(conn, clock(2012, 12, 3), &Actor::command_line(), unit, 2012)
                        .expect("issued")
                        .number
                })
            })
            .collect();
        let mut numbers: Vec<i32> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        numbers.sort_unstable();
        assert_eq!(numbers, [1, 2, 3, 4]);
        // The unique keys refuse a second number for a unit, or a number twice.
        let conn = &mut db.get().expect("conn");
        let mut again = |unit_id: i64, number: i32| {
            queries::notices::insert(
                conn,
                &NewNotice {
                    unit_id,
                    year: 2012,
                    number,
                    issued_on: NaiveDate::from_ymd_opt(2012, 12, 3).unwrap(),
                    issued_at: clock(2012, 12, 3).now,
                    issued_by: None,
                    issuer: "t",
                },
            )
            .expect_err("refused")
            .is_unique_violation()
        };
        assert!(again(ids[0], 9), "a second notice for a unit");
        assert!(again(ids[4], 1), "a number twice in a year");
    }
}
