//! Many districts (区县) on one server, and the city (市档案局) above them.
//! Each district keeps its roster, campaigns, accounts, checklists in use
//! and reports in its own schema ([`crate::store::districts`]); the first
//! district is the database as it always was. The city's schema holds only
//! its accounts: they read every district's summary.

use std::sync::Arc;

use crate::ingest::checklists::Catalog;
use crate::reports::city::{CitySummary, DistrictPart};
use crate::store::districts::{self as registry, DistrictRow, FIRST_SCHEMA};
use crate::store::{Db, DbConn};

use super::report_cache::ReportCache;
use super::{Actor, Clock, Env, Role, ServiceError, ServiceResult};

/// What a registered schema holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A district bureau (区档案局) and its units.
    District,
    /// The city bureau (市档案局): its accounts read every district.
    City,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::District => "district",
            Kind::City => "city",
        }
    }

    /// 区县 or 市档案局, as the pages and messages say.
    pub fn label(self) -> &'static str {
        match self {
            Kind::District => "区县",
            Kind::City => "市档案局",
        }
    }
}

/// One registered district (or the city).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct District {
    /// 行政区划代码 or another short code: what sign-in asks for and what a
    /// token of this district starts with.
    pub code: String,
    pub name: String,
    pub schema: String,
    pub kind: Kind,
}

impl District {
    /// The tables that were there before districts: the first district.
    pub fn is_first(&self) -> bool {
        self.schema == FIRST_SCHEMA
    }

    /// The district's bureau, as its notices and digests are signed
    /// (西湖区 → 西湖区档案局).
    pub fn bureau_name(&self) -> String {
        format!("{}档案局", self.name)
    }

    fn of(row: DistrictRow) -> District {
        let kind = match row.kind.as_str() {
            "city" => Kind::City,
            _ => Kind::District,
        };
        District {
            code: row.code,
            name: row.name,
            schema: row.schema_name,
            kind,
        }
    }
}

/// Every registered district and the city, by code (none on SQLite). The
/// registry is made when the database is opened ([`Db::open`]).
pub fn list(conn: &mut DbConn) -> ServiceResult<Vec<District>> {
    Ok(registry::list(conn)?
        .into_iter()
        .map(District::of)
        .collect())
}

/// The pool pointed at the district `code` names (none: the first).
pub fn in_district(db: &Db, code: Option<&str>) -> ServiceResult<Db> {
    let Some(code) = code else {
        return Ok(db.clone());
    };
    let all = list(&mut *db.get()?)?;
    let district = all.into_iter().find(|d| d.code == code).ok_or_else(|| {
        ServiceError::BadRequest(format!(
            "没有代码为 {code} 的区县（nianjian district list 列出已登记的区县）"
        ))
    })?;
    Ok(db.in_schema(&district.schema))
}

/// A district (none: the first, not registered by name) and the pool
/// working in its schema.
#[derive(Clone)]
pub struct DistrictPool {
    pub district: Option<District>,
    db: Db,
}

impl DistrictPool {
    /// The first district: the database's own tables.
    pub fn first(db: Db) -> DistrictPool {
        DistrictPool { district: None, db }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }
}

/// Every registered district and the city, each with the pool (`first`'s,
/// pointed at its schema). From now on every connection of the pool is
/// pointed at its handle's district before use, when there are others.
pub fn registered(first: &Db) -> ServiceResult<Vec<DistrictPool>> {
    let all = list(&mut *first.get()?)?;
    if all.iter().any(|d| !d.is_first()) {
        first.note_many();
    }
    Ok(all
        .into_iter()
        .map(|district| DistrictPool {
            db: first.in_schema(&district.schema),
            district: Some(district),
        })
        .collect())
}

/// A district as asked to be added, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDistrict {
    pub code: String,
    pub name: String,
    pub kind: Kind,
    /// The database's own tables (`public`) are this district: registers
    /// the first district by its code and name, moving nothing.
    pub first: bool,
}

impl NewDistrict {
    /// Codes are what a token starts with and part of a schema's name:
    /// 1 to 20 digits or lower-case letters.
    pub fn checked(code: &str, name: &str, kind: Kind, first: bool) -> ServiceResult<NewDistrict> {
        let code = code.trim();
        let name = name.trim();
        if code.is_empty()
            || code.len() > 20
            || !code
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
        {
            return Err(ServiceError::BadRequest(format!(
                "区县代码“{code}”无效：请用 1 至 20 位数字或小写字母（如行政区划代码 330106）"
            )));
        }
        if name.is_empty() || name.chars().count() > 40 || name.chars().any(char::is_control) {
            return Err(ServiceError::BadRequest(
                "区县名称不能为空，不超过 40 个字，且不含换行等控制字符".into(),
            ));
        }
        if first && kind == Kind::City {
            return Err(ServiceError::BadRequest(
                "数据库原有的数据是第一个区县，不能登记为市档案局".into(),
            ));
        }
        Ok(NewDistrict {
            code: code.into(),
            name: name.into(),
            kind,
            first,
        })
    }

    fn schema(&self) -> String {
        if self.first {
            FIRST_SCHEMA.into()
        } else {
            format!("{}_{}", self.kind.as_str(), self.code)
        }
    }
}

/// Adds a district: makes its schema, brings it to this binary's
/// migrations and checklists, then registers it, so a district that failed
/// half-way is never signed in to (adding it again goes on where it stopped).
pub fn add(db: &Db, catalog: &Catalog, new: &NewDistrict, clock: Clock) -> ServiceResult<District> {
    let mut conn = db.get()?;
    if matches!(*conn, DbConn::Sqlite(_)) {
        return Err(ServiceError::BadRequest(
            "SQLite 数据库只有一个区县；一个服务管多个区县时请用 PostgreSQL".into(),
        ));
    }
    let known = list(&mut conn)?;
    if let Some(same) = known.iter().find(|d| d.code == new.code) {
        return Err(ServiceError::Conflict(format!(
            "代码 {} 已登记为“{}”",
            same.code, same.name
        )));
    }
    if new.first && known.iter().any(District::is_first) {
        return Err(ServiceError::Conflict(
            "数据库原有的数据已登记为一个区县".into(),
        ));
    }
    drop(conn);
    let schema = new.schema();
    let district_db = if new.first {
        db.clone()
    } else {
        db.prepare_schema(&schema)?;
        db.in_schema(&schema)
    };
    let mut conn = district_db.get()?;
    super::checklists::sync(&mut conn, catalog, clock)?;
    let row = DistrictRow {
        code: new.code.clone(),
        name: new.name.clone(),
        schema_name: schema,
        kind: new.kind.as_str().into(),
    };
    registry::insert(&mut conn, &row, clock.now)?;
    Ok(District::of(row))
}

/// What the city summary reads of one district: its pool (in its schema),
/// its checklists and its kept reports.
pub struct DistrictSource {
    pub district: District,
    pub db: Db,
    pub catalog: Arc<Catalog>,
    pub reports: Arc<ReportCache>,
}

/// Only the city's accounts read across districts; a district's own
/// accounts are refused whatever their role.
pub fn require_city(actor: &Actor, home: Option<&District>) -> ServiceResult<()> {
    let city = home.is_some_and(|d| d.kind == Kind::City);
    match (city, actor.role) {
        (true, Role::Admin | Role::Leader | Role::Inspector) => Ok(()),
        _ => Err(ServiceError::Forbidden(
            "全市汇总仅供市档案局的账号查看".into(),
        )),
    }
}

/// 全市汇总: each district's summary of the year (as its own dashboard
/// counts it, kept per data version), and their sum.
pub fn city_summary(
    actor: &Actor,
    home: Option<&District>,
    sources: &[DistrictSource],
    env: Env<'_>,
    year: Option<i32>,
) -> ServiceResult<CitySummary> {
    require_city(actor, home)?;
    let districts: Vec<&DistrictSource> = sources
        .iter()
        .filter(|s| s.district.kind == Kind::District)
        .collect();
    let year = year_or_latest(&districts, env, year)?;
    let mut parts = Vec::new();
    for source in districts {
        parts.push(DistrictPart {
            code: source.district.code.clone(),
            name: source.district.name.clone(),
            report: report_of(source, env, year)?,
        });
    }
    Ok(CitySummary::of(year, &parts))
}

/// One district's summary as its own printable dashboard, for the city:
/// the district the code names, of the year (none: its latest).
pub fn district_page_for_city(
    actor: &Actor,
    home: Option<&District>,
    sources: &[DistrictSource],
    env: Env<'_>,
    (html, code): (&crate::reports::html::Html, &str),
    year: Option<i32>,
) -> ServiceResult<String> {
    require_city(actor, home)?;
    let source = sources
        .iter()
        .find(|s| s.district.kind == Kind::District && s.district.code == code)
        .ok_or_else(|| ServiceError::NotFound(format!("没有代码为 {code} 的区县")))?;
    let year = year_or_latest(&[source], env, year)?;
    let report = report_of(source, env, year)?;
    Ok(html.named_dashboard(&report, &source.district.name)?)
}

/// The year asked for, else the latest year any of `districts` has a
/// campaign of, else this year.
fn year_or_latest(
    districts: &[&DistrictSource],
    env: Env<'_>,
    year: Option<i32>,
) -> ServiceResult<i32> {
    if let Some(year) = year {
        return Ok(year);
    }
    let mut latest = None;
    for source in districts {
        let mut conn = source.db.get()?;
        let year = super::campaigns::list(&mut conn)?.first().map(|c| c.year);
        latest = latest.max(year);
    }
    Ok(latest.unwrap_or_else(|| chrono::Datelike::year(&env.clock.today)))
}

/// A district's summary of `year` as its own dashboard counts it, from its
/// own tables, checklists and kept reports.
fn report_of(
    source: &DistrictSource,
    env: Env<'_>,
    year: i32,
) -> ServiceResult<Arc<crate::reports::model::DistrictReport>> {
    let mut conn = source.db.get()?;
    let env = Env {
        catalog: &source.catalog,
        ..env
    };
    super::reports::district_for_city(&mut conn, env, &source.reports, year)
}

/// [`city_summary`] as a workbook, with its file name.
pub fn city_workbook(
    actor: &Actor,
    home: Option<&District>,
    sources: &[DistrictSource],
    env: Env<'_>,
    year: i32,
) -> ServiceResult<(String, Vec<u8>)> {
    let summary = city_summary(actor, home, sources, env, Some(year))?;
    let bytes = crate::reports::city::city_xlsx(&summary)?;
    Ok((format!("{year}年度全市汇总.xlsx"), bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_checked() {
        let ok = NewDistrict::checked(" 330106 ", "西湖区", Kind::District, false).unwrap();
        assert_eq!(
            (ok.code.as_str(), ok.schema()),
            ("330106", "district_330106".into())
        );
        let city = NewDistrict::checked("3301", "杭州市", Kind::City, false).unwrap();
        assert_eq!(city.schema(), "city_3301");
        let first = NewDistrict::checked("330102", "上城区", Kind::District, true).unwrap();
        assert_eq!(first.schema(), "public");
        for (code, name, kind, first) in [
            ("", "西湖区", Kind::District, false),
            ("33 01", "西湖区", Kind::District, false),
            ("XH", "西湖区", Kind::District, false),
            ("a.b", "西湖区", Kind::District, false),
            ("330106330106330106330", "西湖区", Kind::District, false),
            ("330106", " ", Kind::District, false),
            ("330106", "西湖\n区", Kind::District, false),
            ("3301", "杭州市", Kind::City, true),
        ] {
            assert!(
                NewDistrict::checked(code, name, kind, first).is_err(),
                "{code:?} {name:?}"
            );
        }
    }
}
